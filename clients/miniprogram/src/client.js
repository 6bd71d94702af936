// The mini-program's client of the Micro Court API: wx.request / wx.uploadFile with tokens, refresh rotation,
// Idempotency-Keys, retries on 429/503 after Retry-After, and the presigned evidence upload (docs/clients.md).
// Plain JavaScript with JSDoc types over the generated OpenAPI types (types/api.d.ts): copy src/ and types/
// into the mini-program; no dependencies.
"use strict";

/** @typedef {import("../types/api").components["schemas"]} Schemas */
/** @typedef {import("../types/api").paths} Paths */
/** @typedef {{access_token: string, refresh_token: string}} Tokens */
/**
 * @typedef {object} WxLike  the subset of `wx` the client uses (a stub in tests)
 * @property {(options: any) => void} request
 * @property {(options: any) => void} uploadFile
 */
/**
 * @typedef {object} Options
 * @property {string} baseUrl  e.g. "https://microcourt.example.gov.cn" (no trailing slash)
 * @property {WxLike} wx
 * @property {Tokens | null} [tokens]  the stored pair (from wx.getStorageSync), if logged in
 * @property {(tokens: Tokens | null) => void} [onTokens]  persist the rotated pair (null: logged out)
 * @property {number} [maxRetries]  attempts after the first on 429/503/network (default 3)
 * @property {number} [maxWaitMs]  cap of one wait (default 30000)
 * @property {(ms: number) => Promise<void>} [sleep]
 * @property {() => string} [newKey]  makes Idempotency-Keys
 */

const REFRESH_PATH = "/api/mp/v1/auth/refresh";
const WRITES = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** An error answer in the API's one shape: {code, status, reason, message, errors, request_id}. */
class ApiError extends Error {
  /** @param {number} statusCode @param {any} body */
  constructor(statusCode, body) {
    const data = body && typeof body === "object" ? body : { message: String(body) };
    super(`${statusCode} ${data.reason || ""}: ${data.message || ""}`);
    this.statusCode = statusCode;
    /** @type {string | undefined} the machine reason, e.g. "evidence.case_closed" */
    this.reason = data.reason;
    this.body = data;
  }
}

/** @param {Record<string, string> | undefined} headers @param {string} name */
function header(headers, name) {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers || {})) if (key.toLowerCase() === wanted) return value;
  return undefined;
}

/** Retry-After in milliseconds: seconds or an HTTP date (default 1 s). @param {string | undefined} value */
function retryAfterMs(value, now = Date.now()) {
  if (!value) return 1000;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const when = Date.parse(value);
  return Number.isNaN(when) ? 1000 : Math.max(0, when - now);
}

function randomKey() {
  const hex = [];
  for (let i = 0; i < 32; i += 1) hex.push(Math.floor(Math.random() * 16).toString(16));
  return `mp-${Date.now().toString(36)}-${hex.join("")}`;
}

/** @param {Options} options */
function createClient(options) {
  const wx = options.wx;
  const maxRetries = options.maxRetries ?? 3;
  const maxWaitMs = options.maxWaitMs ?? 30000;
  const sleep = options.sleep || ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  const newKey = options.newKey || randomKey;
  /** @type {Tokens | null} */
  let tokens = options.tokens || null;
  /** @type {Promise<Tokens> | null} */
  let refreshing = null;

  /** One wx.request as a promise: {statusCode, data, header}; rejects on a network failure. */
  function wxRequest(method, url, data, headers) {
    return new Promise((resolve, reject) => {
      wx.request({ url, method, data, header: headers, success: resolve, fail: reject });
    });
  }

  /** Spend the refresh token once, however many requests saw a 401 at the same time (reuse ends the session). */
  function refresh() {
    if (!refreshing) {
      const spent = tokens && tokens.refresh_token;
      refreshing = (async () => {
        if (!spent) throw new ApiError(401, { reason: "auth.required", message: "Not logged in." });
        const res = await wxRequest("POST", options.baseUrl + REFRESH_PATH, { refresh_token: spent }, {
          "Content-Type": "application/json",
        });
        if (res.statusCode !== 200) {
          tokens = null;
          if (options.onTokens) options.onTokens(null);
          throw new ApiError(res.statusCode, res.data);
        }
        tokens = { access_token: res.data.access_token, refresh_token: res.data.refresh_token };
        if (options.onTokens) options.onTokens(tokens);
        return tokens;
      })().finally(() => {
        refreshing = null;
      });
    }
    return refreshing;
  }

  /**
   * Call the API. Writes get an Idempotency-Key (yours or a new one) that stays the same on every retry.
   * @param {string} method
   * @param {string} path  e.g. "/api/mp/v1/me"
   * @param {{data?: any, idempotencyKey?: string, headers?: Record<string, string>}} [init]
   * @returns {Promise<any>} the JSON body (undefined for 204)
   */
  async function request(method, path, init = {}) {
    const verb = method.toUpperCase();
    const key = init.idempotencyKey || (WRITES.has(verb) ? newKey() : undefined);
    let refreshed = false;
    for (let attempt = 0; ; attempt += 1) {
      /** @type {Record<string, string>} */
      const headers = { "Content-Type": "application/json", ...(init.headers || {}) };
      if (key) headers["Idempotency-Key"] = key;
      if (tokens) headers.Authorization = `Bearer ${tokens.access_token}`;
      let res;
      try {
        res = await wxRequest(verb, options.baseUrl + path, init.data, headers);
      } catch (failure) {
        if (attempt >= maxRetries || !(key || verb === "GET")) throw failure;
        await sleep(Math.min(maxWaitMs, 500 * 2 ** attempt));
        continue;
      }
      if (res.statusCode === 401 && tokens && !refreshed) {
        refreshed = true;
        await refresh();
        attempt -= 1; // a refresh is not a retry
        continue;
      }
      const busy =
        res.statusCode === 429 ||
        res.statusCode === 503 ||
        (res.statusCode === 409 && key && res.data && res.data.reason === "idempotency.in_flight");
      if (busy && attempt < maxRetries) {
        await sleep(Math.min(maxWaitMs, retryAfterMs(header(res.header, "Retry-After"))));
        continue;
      }
      if (res.statusCode >= 400) throw new ApiError(res.statusCode, res.data);
      return res.statusCode === 204 ? undefined : res.data;
    }
  }

  /**
   * Evidence, the whole way: declare (with its SHA-256), post the file to the presigned form, have it verified.
   * @param {string} caseId
   * @param {{filePath: string, filename: string, content_type: string, size: number, sha256: string,
   *          title: string, category?: string, purpose?: string, party_id?: string, late_reason?: string}} file
   * @param {{idempotencyKey?: string, maxPolls?: number}} [init]
   * @returns {Promise<any>} the item once verified: status `stored`, or `rejected` with its reason (`verifying`
   *   still if the check took longer than `maxPolls` polls, 40 by default: about three minutes)
   */
  async function uploadEvidence(caseId, file, init = {}) {
    const { filePath, ...declared } = file;
    const ticket = await request("POST", `/api/mp/v1/cases/${caseId}/evidence/uploads`, {
      data: declared,
      idempotencyKey: init.idempotencyKey,
    });
    const upload = ticket.upload;
    for (let attempt = 0; ; attempt += 1) {
      /** @type {{statusCode: number, data: string}} */
      const res = await new Promise((resolve, reject) => {
        wx.uploadFile({
          url: upload.url,
          filePath,
          name: upload.file_field,
          formData: upload.fields,
          success: resolve,
          fail: reject,
        });
      });
      if (res.statusCode >= 200 && res.statusCode < 300) break;
      if ((res.statusCode === 429 || res.statusCode === 503) && attempt < maxRetries) {
        await sleep(Math.min(maxWaitMs, 1000 * 2 ** attempt));
        continue;
      }
      throw new ApiError(res.statusCode, safeJson(res.data));
    }
    // `complete` answers at once (202, `verifying`): the server reads and hashes the file in the background.
    // Poll the item (GET, backing off to every 5 s) until it is stored or rejected.
    let item = await request("POST", `/api/mp/v1/evidence/${ticket.evidence_id}/complete`, {
      idempotencyKey: init.idempotencyKey && `${init.idempotencyKey}:complete`,
    });
    const maxPolls = init.maxPolls ?? 40;
    for (let poll = 0; item && item.status === "verifying" && poll < maxPolls; poll += 1) {
      await sleep(Math.min(maxWaitMs, 500 * 2 ** Math.min(poll, 4)));
      item = await request("GET", `/api/mp/v1/evidence/${ticket.evidence_id}`);
    }
    return item;
  }

  /**
   * A documented operation by its path template: `call("get", "/api/mp/v1/evidence/{evidence_id}",
   * {params: {evidence_id}})`; typed by src/client.d.ts over the generated types.
   * @param {string} method
   * @param {string} template
   * @param {{params?: Record<string, string>, data?: any, query?: Record<string, string | number>,
   *          idempotencyKey?: string}} [init]
   */
  function call(method, template, init = {}) {
    const params = init.params || {};
    let path = template.replace(/\{([^}]+)\}/g, (_whole, name) => {
      if (!(name in params)) throw new TypeError(`missing path parameter ${name}`);
      return encodeURIComponent(String(params[name]));
    });
    const query = new URLSearchParams(Object.entries(init.query || {}).map(([k, v]) => [k, String(v)])).toString();
    if (query) path += `?${query}`;
    return request(method, path, { data: init.data, idempotencyKey: init.idempotencyKey });
  }

  return {
    call,
    request,
    uploadEvidence,
    refresh,
    /** @returns {Tokens | null} */
    tokens: () => tokens,
    /** @param {Tokens | null} pair */
    setTokens(pair) {
      tokens = pair;
    },
  };
}

/** @param {string} text */
function safeJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return { message: text };
  }
}

module.exports = { ApiError, createClient, retryAfterMs };
