"use strict";

const assert = require("node:assert/strict");
const crypto = require("node:crypto");
const fs = require("node:fs");
const { test } = require("node:test");

const { ApiError, createClient, retryAfterMs } = require("../src/client.js");
const { baseUrl, fixtures, makeWx } = require("../testing/wx_stub.js");

function client(session, extra = {}) {
  const wx = makeWx();
  const saved = [];
  const slept = [];
  const api = createClient({
    baseUrl,
    wx,
    tokens: { ...fixtures.sessions[session] },
    onTokens: (pair) => saved.push(pair),
    sleep: async (ms) => {
      slept.push(ms);
    },
    ...extra,
  });
  return { api, wx, saved, slept };
}

test("an expired access token is refreshed once, the rotated pair is stored, the call goes through", async () => {
  const { api, saved } = client("refresh");
  const first = fixtures.sessions.refresh;
  api.setTokens({ access_token: "expired-or-revoked", refresh_token: first.refresh_token });
  const me = await api.request("GET", "/api/mp/v1/me");
  assert.ok(me.id || me.user_id, "the caller's profile");
  assert.equal(saved.length, 1);
  assert.notEqual(saved[0].refresh_token, first.refresh_token, "the refresh token rotates");
  assert.deepEqual(api.tokens(), saved[0]);
});

test("requests that see 401 together spend the refresh token once (a reused one would end the session)", async () => {
  const { api, wx, saved } = client("concurrent");
  api.setTokens({ ...api.tokens(), access_token: "stale" });
  await Promise.all([1, 2, 3, 4].map(() => api.request("GET", "/api/mp/v1/me")));
  const refreshes = wx.calls.filter((c) => c.url.endsWith("/api/mp/v1/auth/refresh"));
  assert.equal(refreshes.length, 1);
  assert.equal(saved.length, 1);
  await api.request("GET", "/api/mp/v1/me"); // and the session is still alive
});

test("429 and 503 are retried after Retry-After with the same Idempotency-Key", async () => {
  const { api, slept } = client("retry");
  await fetch(`${baseUrl}/_test/refuse`, { method: "POST", body: JSON.stringify([[503, "2"], [429, "5"]]) });
  const body = {
    filename: "a.pdf",
    content_type: "application/pdf",
    size: 1000,
    sha256: "0".repeat(64),
    title: "借条",
    category: "书证",
    purpose: "证明借款事实",
  };
  const ticket = await api.request("POST", `/api/mp/v1/cases/${fixtures.case_id}/evidence/uploads`, { data: body });
  assert.ok(ticket.evidence_id);
  assert.deepEqual(slept, [2000, 5000]);
  const keys = await (await fetch(`${baseUrl}/_test/keys`)).json();
  assert.equal(keys.length, 3);
  assert.equal(new Set(keys).size, 1);
  assert.ok(keys[0]);
});

test("call fills the path template and answers the operation's body", async () => {
  const { api } = client("retry");
  const listed = await api.call("get", "/api/mp/v1/cases/{case_id}/evidence", {
    params: { case_id: fixtures.case_id },
    query: { limit: 5 },
  });
  assert.ok(Array.isArray(listed.items));
  assert.throws(() => api.call("get", "/api/mp/v1/cases/{case_id}/evidence", {}), /missing path parameter case_id/);
});

test("errors carry the API's machine reason", async () => {
  const { api } = client("retry");
  await assert.rejects(api.request("GET", "/api/mp/v1/evidence/00000000-0000-0000-0000-000000000000"), (error) => {
    assert.ok(error instanceof ApiError);
    assert.equal(error.statusCode, 404);
    assert.ok(error.reason);
    return true;
  });
});

test("evidence goes the whole way: declared, posted to the presigned form with wx.uploadFile, verified", async () => {
  const { api, wx } = client("upload");
  const bytes = fs.readFileSync(fixtures.pdf_path);
  const item = await api.uploadEvidence(fixtures.case_id, {
    filePath: fixtures.pdf_path,
    filename: "借条.pdf",
    content_type: "application/pdf",
    size: bytes.length,
    sha256: crypto.createHash("sha256").update(bytes).digest("hex"),
    title: "借条",
    category: "书证",
    purpose: "证明借款事实",
  });
  assert.equal(item.status, "stored", JSON.stringify(item));
  assert.equal(wx.calls.filter((c) => c.method === "UPLOAD").length, 1);
  // `complete` answered 202 `verifying`; the helper polled the item until the background check stored it
  const completes = wx.calls.filter((c) => c.method === "POST" && c.url.endsWith(`/evidence/${item.id}/complete`));
  assert.equal(completes.length, 1);
  assert.ok(wx.calls.some((c) => c.method === "GET" && c.url.endsWith(`/evidence/${item.id}`)));
});

test("Retry-After is read as seconds or an HTTP date", () => {
  assert.equal(retryAfterMs("3"), 3000);
  assert.equal(retryAfterMs(undefined), 1000);
  assert.equal(retryAfterMs("Thu, 01 Jan 1970 00:00:10 GMT", 4000), 6000);
});

test("a refresh the server refuses ends the session: onTokens(null), the call fails with the reason", async () => {
  const { api, saved, wx } = client("retry");
  api.setTokens({ access_token: "stale", refresh_token: "rt_never-issued-by-this-server" });
  await assert.rejects(
    Promise.all([api.request("GET", "/api/mp/v1/me"), api.request("GET", "/api/mp/v1/me")]),
    (error) => {
      assert.ok(error instanceof ApiError);
      assert.equal(error.statusCode, 401);
      assert.ok(error.reason && error.reason.startsWith("auth."), error.reason);
      return true;
    },
  );
  assert.deepEqual(saved, [null], "logged out once");
  assert.equal(api.tokens(), null);
  assert.equal(wx.calls.filter((c) => c.url.endsWith("/api/mp/v1/auth/refresh")).length, 1);
});

test("a write without a key of the caller's gets one, the same on each retry; a GET gets none", async () => {
  const { api, wx } = client("retry");
  await fetch(`${baseUrl}/_test/refuse`, { method: "POST", body: JSON.stringify([[503, "1"]]) });
  await assert.rejects(api.request("POST", "/api/mp/v1/evidence/00000000-0000-0000-0000-000000000000/complete"));
  const posts = wx.calls.filter((c) => c.method === "POST" && c.url.endsWith("/complete"));
  assert.equal(posts.length, 2, "refused once with 503, then answered");
  assert.ok(posts[0].header["Idempotency-Key"]);
  assert.equal(posts[0].header["Idempotency-Key"], posts[1].header["Idempotency-Key"]);
  await api.request("GET", "/api/mp/v1/me");
  assert.equal(wx.calls.at(-1).header["Idempotency-Key"], undefined);
});
