// The court staff console: SMS login (staff log in like everyone else; their roles come with the account),
// the review queue (accept / reject / request corrections), pushing a document and watching its delivery; the
// other pages (batch push, delegations, calendar, judicial confirmation, statistics) are modules loaded on first
// visit, each given { main, go, later } (`later(fn, ms)`: a refresh that stops when the page is left).

import { api, keepSessionHint, logout, session } from "/web/common/api.js";
import { label, loadCatalogue, t, translate } from "/web/common/i18n.js";
import { loginView, servedLogin } from "/web/common/login.js";
import { announce, errorText, formatTime, h, mountTools, setTitle, showError } from "/web/common/ui.js";

const workItemsPage = async (...args) => (await import("./work_items.js")).workItemsPage(main, go, ...args);
const batchPage = async (...args) => (await import("./batch.js")).batchPage(context(), ...args);
const delegationsPage = async (...args) => (await import("./delegations.js")).delegationsPage(context(), ...args);
const calendarPage = async (...args) => (await import("./calendar.js")).calendarPage(context(), ...args);
const confirmationsPage = async (...args) => (await import("./confirmations.js")).confirmationsPage(context(), ...args);
const statsPage = async (...args) => (await import("./stats.js")).statsPage(context(), ...args);
const orgQueuePage = async (...args) => (await import("./org.js")).orgQueuePage(context(), ...args);
const orgMediatorsPage = async (...args) => (await import("./org.js")).orgMediatorsPage(context(), ...args);
const orgStatsPage = async (...args) => (await import("./org.js")).orgStatsPage(context(), ...args);

const COURT = "/api/court/v1";
const MP = "/api/mp/v1";
const NEXT = "mc.console.next";
const ROLES = "mc.console.roles"; // { court: [court ids], mediator: bool, org: [org ids it administers] }, this tab
const DOC_TYPES = ["summons", "notice", "hearing_notice", "evidence_notice", "complaint_copy", "answer_copy",
  "payment_order", "judgment", "ruling", "mediation_document", "other"];
const DONE = {
  accept: "console.filings.done_accept",
  reject: "console.filings.done_reject",
  correct: "console.filings.done_correct",
};
const FINAL = ["acknowledged", "rejected", "failed", "expired"];
const main = document.getElementById("main");
let poller = null;

const routes = [
  [/^#\/login$/, loginPage],
  [/^#\/filings(?:\?status=(\w+))?$/, filingsPage],
  [/^#\/push(?:\?case=([0-9a-f-]{36}))?$/, pushPage],
  [/^#\/documents\/([0-9a-f-]{36})$/, documentPage],
  [/^#\/work-items(?:\?status=(\w+))?$/, workItemsPage],
  [/^#\/batch(?:\?case=([0-9a-f-]{36}))?$/, batchPage],
  [/^#\/delegations(?:\?(state|case)=([\w-]+))?$/, delegationsPage],
  [/^#\/calendar(?:\?week=(\d{4}-\d{2}-\d{2}))?$/, calendarPage],
  [/^#\/confirmations(?:\?status=(\w+))?$/, confirmationsPage],
  [/^#\/stats(?:\?scope=([\w-]+))?$/, statsPage],
  [/^#\/org(?:\?org=([0-9a-f-]{36}))?$/, orgQueuePage],
  [/^#\/org-mediators(?:\?org=([0-9a-f-]{36}))?$/, orgMediatorsPage],
  [/^#\/org-stats(?:\?org=([0-9a-f-]{36}))?$/, orgStatsPage],
  [/^#\/logout$/, logoutPage],
];

function context() {
  return { main, go, roles: roles(), later: (fn, ms) => { poller = setTimeout(fn, ms); } };
}

function roles() {
  try {
    return { org: [], ...(JSON.parse(sessionStorage.getItem(ROLES)) || { court: [], mediator: false }) };
  } catch {
    return { court: [], mediator: false, org: [] };
  }
}

// Court staff (whoami's court_ids), mediators and organisation admins (GET /me memberships) may use the console;
// each sees its pages.
async function learnRoles() {
  let court = [];
  try {
    court = (await api(`${COURT}/whoami`)).court_ids;
  } catch (error) {
    if (error.status !== 403) throw error;
  }
  const me = await api(`${MP}/me`);
  const mediator = (me.memberships || []).some((m) => m.role === "mediator");
  const org = [...new Set((me.memberships || []).filter((m) => m.role === "org_admin" && m.org_id).map((m) => m.org_id))];
  const found = { court, mediator, org };
  sessionStorage.setItem(ROLES, JSON.stringify(found));
  return found;
}

function home(found = roles()) {
  if (found.court.length) return "#/filings";
  return found.org.length ? "#/org" : "#/calendar";
}

function go(hash) {
  if (window.location.hash === hash) route();
  else window.location.hash = hash;
}

async function route() {
  if (poller) clearTimeout(poller);
  const hash = window.location.hash;
  const found = hash && routes.find(([pattern]) => pattern.test(hash));
  if (!found) return go(session() ? home() : "#/login"); // the home page depends on who logs in
  const [pattern, page] = found;
  if (page !== loginPage && !session()) {
    sessionStorage.setItem(NEXT, hash);
    return go("#/login");
  }
  if (session() && !sessionStorage.getItem(ROLES)) {
    try {
      await learnRoles(); // a tab logged in before the menu depended on the person
    } catch {
      // the page itself will say what went wrong
    }
  }
  keepSessionHint("console"); // a logged-in tab's next load comes without the login form
  const nav = document.getElementById("tabs");
  nav.hidden = !session();
  const mine = roles();
  for (const link of nav.querySelectorAll("a[data-for]")) {
    const role = link.dataset.for;
    link.hidden = !(role === "court" ? mine.court.length : role === "org" ? mine.org.length : mine.mediator);
  }
  for (const link of nav.querySelectorAll("a")) {
    const at = `#/${link.dataset.route}`;
    if (hash === at || hash.startsWith(`${at}?`) || hash.startsWith(`${at}/`)) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  if (!(page === loginPage && servedLogin())) main.replaceChildren(h("p", { class: "meta" }, t("common.loading")));
  try {
    await page(...hash.match(pattern).slice(1));
  } catch (error) {
    showError(main, error);
  }
}

async function loginPage() {
  const view = loginView({
    intro: t("console.login.intro"),
    onLoggedIn: async () => {
      const who = await learnRoles();
      if (!who.court.length && !who.mediator && !who.org.length) {
        sessionStorage.removeItem(ROLES);
        await logout();
        main.querySelector(".messages").replaceChildren(h("p", { class: "error", role: "alert" }, t("console.login.not_staff")));
        return;
      }
      const next = sessionStorage.getItem(NEXT);
      sessionStorage.removeItem(NEXT);
      go(next || home(who));
    },
  });
  if (view.parentNode !== main) main.replaceChildren(view); // the served screen stays where it is
  setTitle(t("login.title"), !view.contains(document.activeElement)); // someone typing keeps the focus
}

async function logoutPage() {
  sessionStorage.removeItem(ROLES);
  await logout();
  go("#/login");
}

// --- the review queue -------------------------------------------------------------------------------------

async function filingsPage(status = "submitted") {
  const page = await api(`${COURT}/filings?status=${encodeURIComponent(status)}&limit=100`);
  const filter = h("select", { id: "filing-status", onchange: (e) => go(`#/filings?status=${e.target.value}`) },
    ["submitted", "correction_requested", "accepted", "rejected"].map((s) =>
      h("option", { value: s, selected: s === status }, label("case_status", s))));
  const rows = page.items.map((f) => filingRow(f, status));
  main.replaceChildren(
    h("h1", { id: "page-title", tabindex: "-1" }, t("console.filings.title")),
    h("label", { for: "filing-status" }, t("console.filings.show")), filter,
    rows.length ? h("ul", { class: "list", id: "filings" }, rows) : h("p", { class: "card" }, t("console.filings.empty")));
  setTitle(t("console.filings.title"));
}

function filingRow(f, status) {
  const panel = h("div", { class: "panel" });
  const item = h("li", { class: "card", "data-case": f.id },
    h("span", { class: "title" }, f.title),
    h("p", { class: "meta" },
      `${f.category} · ${t("console.filings.submitted_at", { at: formatTime(f.submitted_at) })}`,
      f.case_number ? ` · ${f.case_number}` : "",
      f.review_due_at ? ` · ${t("console.filings.due", { at: formatTime(f.review_due_at) })}` : ""),
    f.overdue ? h("p", { class: "error" }, t("console.filings.overdue")) : null,
    panel);
  if (status === "submitted") {
    panel.append(
      h("button", { type: "button", class: "accept", onclick: () => decide(f, item, "accept") }, t("console.filings.accept")),
      h("button", { type: "button", class: "secondary reject", onclick: () => reasonForm(f, item, "reject") }, t("console.filings.reject")),
      h("button", { type: "button", class: "secondary correct", onclick: () => reasonForm(f, item, "correct") }, t("console.filings.request_correction")));
  }
  if (status === "accepted") {
    panel.append(h("a", { class: "button secondary", href: `#/push?case=${f.id}` }, t("console.filings.push")),
      h("a", { class: "button secondary", href: `#/batch?case=${f.id}` }, t("console.filings.batch")));
  }
  if (status === "submitted" || status === "accepted") {
    panel.append(h("a", { class: "button secondary", href: `#/delegations?case=${f.id}` }, t("console.filings.delegate")));
  }
  return item;
}

async function decide(f, item, action, body = {}) {
  const path = { accept: "accept", reject: "reject", correct: "request-correction" }[action];
  const panel = item.querySelector(".panel");
  for (const button of panel.querySelectorAll("button")) button.disabled = true;
  try {
    const result = await api(`${COURT}/cases/${f.id}/${path}`, { method: "POST", body });
    const done = t(DONE[action], { number: result.case_number || "" });
    panel.replaceChildren(h("p", { class: "info", role: "status" }, done));
    announce(done);
  } catch (error) {
    panel.append(h("p", { class: "error", role: "alert" }, errorText(error)));
    for (const button of panel.querySelectorAll("button")) button.disabled = false;
  }
}

function reasonForm(f, item, action) {
  const id = `${action}-${f.id}`;
  const text = h("textarea", { id, required: true, maxlength: 2000 });
  const days = h("input", { id: `${id}-days`, type: "number", min: 1, max: 60, value: 7, inputmode: "numeric" });
  const form = h("form", { class: "reason", onsubmit: (event) => {
    event.preventDefault();
    const value = text.value.trim();
    if (value.length < 2) {
      text.focus();
      return;
    }
    const body = action === "reject"
      ? { reason: value }
      : { items: value.split("\n").map((s) => s.trim()).filter(Boolean), due_days: Number(days.value) };
    form.remove();
    decide(f, item, action, body);
  } },
  h("label", { for: id }, t(action === "reject" ? "console.filings.reject_reason" : "console.filings.correction_items")),
  text,
  action === "correct" ? [h("label", { for: `${id}-days` }, t("console.filings.correction_days")), days] : null,
  h("button", { type: "submit" }, t("common.confirm")));
  item.querySelector("form.reason")?.remove();
  item.append(form);
  text.focus();
}

// --- pushing a document and watching its delivery ------------------------------------------------------------

async function pushPage(caseId = "") {
  const caseInput = h("input", { id: "case-id", value: caseId, required: true, maxlength: 36 });
  const recipient = h("select", { id: "recipient", required: true });
  const docType = h("select", { id: "doc-type" }, DOC_TYPES.map((d) => h("option", { value: d }, label("doc_type", d))));
  const title = h("input", { id: "doc-title", required: true, maxlength: 200 });
  const file = h("input", { id: "doc-file", type: "file", accept: "application/pdf,.pdf,.ofd", required: true });
  const message = h("div", { "aria-live": "polite" });

  async function loadParties() {
    recipient.replaceChildren();
    if (!/^[0-9a-f-]{36}$/.test(caseInput.value.trim())) return;
    try {
      const detail = await api(`${MP}/cases/${caseInput.value.trim()}`);
      for (const party of detail.parties || []) {
        recipient.append(h("option", { value: party.id }, `${party.name} (${label("party_role", party.role)})`));
      }
      message.replaceChildren(h("p", { class: "meta" }, detail.title));
    } catch (error) {
      message.replaceChildren(h("p", { class: "error", role: "alert" }, errorText(error)));
    }
  }
  caseInput.addEventListener("change", loadParties);

  const form = h("form", { class: "card", id: "push-form", onsubmit: async (event) => {
    event.preventDefault();
    if (!recipient.value || !title.value.trim() || !file.files.length) {
      message.replaceChildren(h("p", { class: "error", role: "alert" }, t("console.push.incomplete")));
      return;
    }
    const body = new FormData();
    body.append("meta", JSON.stringify({
      case_id: caseInput.value.trim(), recipient_party_id: recipient.value, doc_type: docType.value, title: title.value.trim(),
    }));
    body.append("file", file.files[0]);
    const submit = form.querySelector("button[type=submit]");
    submit.disabled = true;
    try {
      const pushed = await api(`${COURT}/documents`, { method: "POST", form: body });
      announce(t("console.push.done"));
      go(`#/documents/${pushed.document_id}`);
    } catch (error) {
      submit.disabled = false;
      message.replaceChildren(h("p", { class: "error", role: "alert" }, errorText(error)));
    }
  } },
  h("label", { for: "case-id" }, t("console.push.case_id")), caseInput,
  h("label", { for: "recipient" }, t("console.push.recipient")), recipient,
  h("label", { for: "doc-type" }, t("console.push.doc_type")), docType,
  h("label", { for: "doc-title" }, t("console.push.doc_title")), title,
  h("label", { for: "doc-file" }, t("console.push.file")), file,
  message,
  h("button", { type: "submit", id: "push" }, t("console.push.submit")));
  main.replaceChildren(h("h1", { id: "page-title", tabindex: "-1" }, t("console.push.title")), form);
  setTitle(t("console.push.title"));
  if (caseId) await loadParties();
}

async function documentPage(id, refresh = false) {
  const doc = await api(`${COURT}/documents/${id}`);
  const events = doc.events.map((e) => h("li", {},
    h("span", { class: "meta" }, formatTime(e.at)), h("br"), label("delivery_event", e.type)));
  main.replaceChildren(
    h("h1", { id: "page-title", tabindex: "-1" }, doc.title),
    h("div", { class: "card" },
      h("dl", { class: "facts" },
        h("dt", {}, t("console.document.status")), h("dd", { id: "delivery-status" }, label("document_status", doc.status)),
        h("dt", {}, t("console.document.case_number")), h("dd", {}, doc.case_number || t("common.none")),
        h("dt", {}, t("console.document.channel")), h("dd", {}, doc.channel || t("common.none")),
        h("dt", {}, t("console.document.hold_reason")), h("dd", {}, label("hold_reason", doc.hold_reason) || t("common.none")),
        h("dt", {}, t("console.document.served_at")), h("dd", {}, formatTime(doc.served_at) || t("common.none")),
        h("dt", {}, t("console.document.acknowledged_at")), h("dd", {}, formatTime(doc.acknowledged_at) || t("common.none")),
        h("dt", {}, t("console.document.verification_code")), h("dd", {}, doc.verification_code))),
    h("h2", {}, t("console.document.events")),
    h("ol", { class: "timeline", id: "delivery-events" }, events),
    h("p", { class: "meta" }, FINAL.includes(doc.status) ? "" : t("console.document.watching")));
  setTitle(doc.title, !refresh);
  if (!FINAL.includes(doc.status)) {
    poller = setTimeout(() => {
      if (window.location.hash === `#/documents/${id}`) documentPage(id, true).catch((error) => showError(main, error));
    }, 5000);
  }
}

async function start() {
  await loadCatalogue("console");
  translate();
  mountTools(document.getElementById("tools"));
  window.addEventListener("hashchange", route);
  window.addEventListener("mc:logged-out", () => {
    if (window.location.hash !== "#/login") sessionStorage.setItem(NEXT, window.location.hash);
    go("#/login");
  });
  await route();
}

start();
