// A `wx` for Node: wx.request and wx.uploadFile done over real HTTP with fetch, answering like the WeChat
// runtime does ({statusCode, data, header}; JSON bodies parsed; `fail` only for a network failure).
"use strict";

const fs = require("node:fs");
const path = require("node:path");

function headersOf(response) {
  const header = {};
  response.headers.forEach((value, name) => {
    header[name] = value;
  });
  return header;
}

function makeWx() {
  const calls = [];
  return {
    calls,
    request({ url, method = "GET", data, header = {}, success, fail }) {
      let target = url;
      let body;
      if (method === "GET" && data && typeof data === "object") {
        target += (url.includes("?") ? "&" : "?") + new URLSearchParams(data).toString();
      } else if (data !== undefined) {
        body = typeof data === "string" ? data : JSON.stringify(data);
      }
      calls.push({ method, url: target, header });
      fetch(target, { method, headers: header, body })
        .then(async (response) => {
          const text = await response.text();
          let parsed = text;
          try {
            parsed = text ? JSON.parse(text) : "";
          } catch {
            // not JSON: wx hands the text over as is
          }
          success({ statusCode: response.status, data: parsed, header: headersOf(response) });
        })
        .catch((error) => fail({ errMsg: `request:fail ${error.message}` }));
    },
    uploadFile({ url, filePath, name, formData = {}, header = {}, success, fail }) {
      const form = new FormData();
      for (const [key, value] of Object.entries(formData)) form.append(key, value);
      const bytes = fs.readFileSync(filePath);
      form.append(name, new Blob([bytes]), path.basename(filePath));
      calls.push({ method: "UPLOAD", url, header });
      fetch(url, { method: "POST", headers: header, body: form })
        .then(async (response) => success({ statusCode: response.status, data: await response.text() }))
        .catch((error) => fail({ errMsg: `uploadFile:fail ${error.message}` }));
    },
  };
}

const fixtures = JSON.parse(process.env.MC_FIXTURES || "{}");
const baseUrl = process.env.MC_BASE_URL;

module.exports = { makeWx, fixtures, baseUrl };
