// The one way the pages reach the server: the public JSON API, with the person's own bearer token.
// Errors arrive in the API's one error shape ({code, status, reason, message, errors, request_id});
// a lost connection is retried (writes keep their Idempotency-Key, so a retry never acts twice).

const SESSION = "mc.session";
const MP = "/api/mp/v1";

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `HTTP ${status}`);
    this.status = status;
    this.reason = (body && body.reason) || (status === 0 ? "network" : "unknown");
    this.body = body || {};
  }
}

export function session() {
  try {
    return JSON.parse(sessionStorage.getItem(SESSION) || "null");
  } catch {
    return null;
  }
}

export function saveSession(pair) {
  sessionStorage.setItem(SESSION, JSON.stringify({
    access_token: pair.access_token,
    refresh_token: pair.refresh_token,
    user: pair.user,
  }));
}

export function clearSession() {
  sessionStorage.removeItem(SESSION);
}

// While this tab holds a session, pages.py sends the site's next load without the login form (a logged-in tab never
// paints it): a cookie on the site's path, gone with the browser session, deleted without a session. Nothing secret;
// the API never sees it (credentials: "omit").
export function keepSessionHint(site) {
  document.cookie = `mc_${site}=1; path=/${site}/; samesite=strict${session() ? "" : "; max-age=0"}`;
}

export function newKey() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function send(path, { method, body, form, key, token }) {
  const headers = { Accept: "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (key) headers["Idempotency-Key"] = key;
  let payload;
  if (form) payload = form;
  else if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await fetch(path, { method, headers, body: payload, credentials: "omit" });
    } catch (error) {
      // A network failure: safe to repeat for reads and keyed writes, a few times with a growing pause.
      if (attempt >= 2 || (method !== "GET" && !key)) throw new ApiError(0, null);
      await sleep(500 * 2 ** attempt);
    }
  }
}

async function refreshed() {
  const current = session();
  if (!current || !current.refresh_token) return false;
  const response = await send(`${MP}/auth/refresh`, {
    method: "POST",
    body: { refresh_token: current.refresh_token },
  });
  if (!response.ok) return false;
  const pair = await response.json();
  saveSession(pair);
  return true;
}

// `key`: an Idempotency-Key the caller keeps across its own retries (else each write gets a fresh one).
export async function api(path, { method = "GET", body, form, auth = true, keyed = method !== "GET", key: given } = {}) {
  const key = given || (keyed ? newKey() : null);
  let response = await send(path, { method, body, form, key, token: auth ? session()?.access_token : null });
  if (response.status === 401 && auth && (await refreshed())) {
    response = await send(path, { method, body, form, key, token: session()?.access_token });
  }
  if (response.status === 401 && auth) {
    clearSession();
    window.dispatchEvent(new CustomEvent("mc:logged-out"));
  }
  const text = await response.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

// SMS login, shared by both sites: ask for a code, then trade phone + code for a token pair.
export async function sendLoginCode(phone) {
  return api(`${MP}/auth/sms/send`, { method: "POST", body: { phone }, auth: false, keyed: false });
}

export async function verifyLoginCode(phone, code) {
  const pair = await api(`${MP}/auth/sms/verify`, { method: "POST", body: { phone, code }, auth: false, keyed: false });
  saveSession(pair);
  return pair;
}

// Development only (404 in production): the console SMS gateway's outbox, so a newcomer can read the code.
export async function devOutbox(phone) {
  return api(`${MP}/dev/sms-outbox?phone=${encodeURIComponent(phone)}`, { auth: false });
}

export async function logout() {
  try {
    await api(`${MP}/auth/logout`, { method: "POST", keyed: false });
  } catch {
    // the token may already be gone; the page forgets it either way
  }
  clearSession();
}
