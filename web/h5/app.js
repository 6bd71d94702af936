// The mobile H5 client: SMS login, the document inbox (open, download, acknowledge), the case list and timeline.
// Routes live in the URL's fragment, so a link such as /h5/#/documents/<id> (the SMS link for a served document)
// opens that document after the recipient logs in with the phone it was sent to.

import { api, keepSessionHint, logout, session } from "/web/common/api.js";
import { label, loadCatalogue, t, translate } from "/web/common/i18n.js";
import { loginView, servedLogin } from "/web/common/login.js";
import { announce, errorText, formatDate, formatSize, formatTime, h, mountTools, setTitle, showError } from "/web/common/ui.js";

// Pages beyond the first load arrive when first visited (a slow connection fetches only what it shows).
const later = (module, name) => async (...args) => (await import(module))[name](...args);
const claimPage = later("./consent.js", "claimPage");
const consentSection = later("./consent.js", "consentSection");
const evidencePage = later("./evidence.js", "evidencePage");
const invitePage = later("./join.js", "invitePage");
const joinPage = later("./join.js", "joinPage");
const verifyPage = later("./verify.js", "verifyPage");
const filingPage = later("./filing.js", "filingPage");
const schedulePage = later("./schedule.js", "schedulePage");
const sessionPage = later("./schedule.js", "sessionPage");
const caseSessions = later("./schedule.js", "caseSessions");
const agreementPage = later("./agreement.js", "agreementPage");
const feesPage = later("./fees.js", "feesPage");

const MP = "/api/mp/v1";
const NEXT = "mc.h5.next";
const main = document.getElementById("main");

const routes = [
  [/^#\/login$/, loginPage],
  [/^#\/documents$/, inboxPage],
  [/^#\/documents\/([0-9a-f-]{36})$/, documentPage],
  [/^#\/cases$/, casesPage],
  [/^#\/cases\/([0-9a-f-]{36})$/, casePage],
  [/^#\/claim$/, () => claimPage(main, go)],
  [/^#\/join$/, () => joinPage(main, go)],
  [/^#\/cases\/([0-9a-f-]{36})\/evidence$/, (id) => evidencePage(main, id)],
  [/^#\/invite\/([A-Za-z0-9]{8,64})$/, (token) => invitePage(main, go, token)],
  [/^#\/me(\?next=[a-z0-9/-]+)?$/, () => verifyPage(main, go)],
  [/^#\/file$/, () => filingPage(main, go)],
  [/^#\/schedule$/, () => schedulePage(main)],
  [/^#\/sessions\/([0-9a-f-]{36})$/, (id) => sessionPage(main, id)],
  [/^#\/cases\/([0-9a-f-]{36})\/agreement$/, (id) => agreementPage(main, id)],
  [/^#\/cases\/([0-9a-f-]{36})\/fees$/, (id) => feesPage(main, id)],
  [/^#\/logout$/, logoutPage],
];

function go(hash) {
  if (window.location.hash === hash) route();
  else window.location.hash = hash;
}

let shown = 0; // which navigation the screen belongs to: a page left behind must not paint over the next one

async function route() {
  const mine = ++shown;
  keepSessionHint("h5"); // a logged-in tab's next load comes without the login form
  const hash = window.location.hash || "#/documents";
  const found = routes.find(([pattern]) => pattern.test(hash));
  if (!found) return go("#/documents");
  const [pattern, page] = found;
  if (page !== loginPage && !session()) {
    sessionStorage.setItem(NEXT, hash); // come back here after logging in (the SMS link's document)
    return go("#/login");
  }
  markNav(hash);
  if (!(page === loginPage && servedLogin())) main.replaceChildren(h("p", { class: "meta" }, t("common.loading")));
  try {
    await page(...hash.match(pattern).slice(1));
  } catch (error) {
    // A page the person already left (a quick tap on a slow network) may fail when its late answers find its
    // screen gone: that is not news about the page now shown.
    if (mine === shown) showError(main, error);
    else console.warn(error);
  }
}

function markNav(hash) {
  const nav = document.getElementById("tabs");
  nav.hidden = !session();
  for (const link of nav.querySelectorAll("a")) {
    if (hash.startsWith(`#/${link.dataset.route}`)) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

async function loginPage() {
  const next = sessionStorage.getItem(NEXT) || "";
  const fromLink = next.startsWith("#/documents/");
  const view = loginView({
    intro: fromLink ? t("h5.login.for_document") : t("h5.login.intro"),
    onLoggedIn: async () => {
      sessionStorage.removeItem(NEXT);
      go(next || "#/documents");
    },
  });
  if (view.parentNode !== main) main.replaceChildren(view); // the served screen stays where it is
  setTitle(t("login.title"), !view.contains(document.activeElement)); // someone typing keeps the focus
}

async function logoutPage() {
  await logout();
  go("#/login");
}

function statusBadge(group, status) {
  const good = ["acknowledged", "served", "accepted", "mediated", "closed"].includes(status);
  return h("span", { class: `badge ${good ? "ok" : "warn"}` }, label(group, status));
}

async function inboxPage() {
  const page = await api(`${MP}/documents?limit=50`);
  const items = page.items.map((doc) => h("li", {},
    h("a", { href: `#/documents/${doc.id}` },
      h("span", { class: "title" }, doc.title),
      h("span", { class: "meta" }, `${doc.doc_type_label} · ${formatTime(doc.delivered_at || doc.served_at)} `),
      statusBadge("document_status", doc.status))));
  main.replaceChildren(
    h("h1", { id: "page-title", tabindex: "-1" }, t("h5.inbox.title")),
    items.length ? h("ul", { class: "list", id: "inbox" }, items) : h("p", { class: "card" }, t("h5.inbox.empty")),
    h("p", {}, h("a", { href: "#/claim", id: "claim-link" }, t("h5.inbox.have_code"))));
  setTitle(t("h5.inbox.title"));
}

async function documentPage(id) {
  let doc;
  try {
    doc = await api(`${MP}/documents/${id}`); // reading it records `opened`
  } catch (error) {
    if (error.status !== 404) throw error;
    main.replaceChildren(
      h("h1", { id: "page-title", tabindex: "-1" }, t("h5.document.not_found_title")),
      h("p", { class: "card", role: "alert" }, t("h5.document.not_found")),
      h("button", { type: "button", id: "switch-phone", onclick: async () => {
        await logout();
        sessionStorage.setItem(NEXT, `#/documents/${id}`);
        go("#/login");
      } }, t("h5.document.switch_phone")));
    setTitle(t("h5.document.not_found_title"));
    return;
  }
  const actions = h("div", { class: "actions" });
  const message = h("div", { "aria-live": "polite" });
  const download = h("button", { type: "button", id: "download", class: "secondary", onclick: async () => {
    download.disabled = true;
    try {
      const link = await api(`${MP}/documents/${id}/download`, { keyed: false });
      message.replaceChildren(h("p", {},
        h("a", { href: link.download_url, id: "download-link", rel: "noopener", download: "" }, t("h5.document.download_ready")),
        " ", h("span", { class: "meta" }, t("h5.document.link_expires", { n: Math.round(link.expires_in / 60) }))));
      announce(t("h5.document.download_ready"));
    } catch (error) {
      message.replaceChildren(h("p", { class: "error", role: "alert" }, errorText(error)));
    } finally {
      download.disabled = false;
    }
  } }, t("h5.document.download"));
  actions.append(download);
  if (!doc.acknowledged_at) {
    const ack = h("button", { type: "button", id: "acknowledge", onclick: async () => {
      ack.disabled = true;
      try {
        await api(`${MP}/documents/${id}/acknowledge`, { method: "POST" });
        announce(t("h5.document.acknowledged"));
        await documentPage(id);
        document.getElementById("ack-state")?.focus();
      } catch (error) {
        ack.disabled = false;
        message.replaceChildren(h("p", { class: "error", role: "alert" }, errorText(error)));
      }
    } }, t("h5.document.acknowledge"));
    actions.append(ack);
  }
  const deadline = doc.deadline ? deadlineFacts(doc.deadline) : [];
  main.replaceChildren(
    h("p", {}, h("a", { href: "#/documents" }, t("h5.document.back"))),
    h("h1", { id: "page-title", tabindex: "-1" }, doc.title),
    h("div", { class: "card" },
      h("dl", { class: "facts" },
        h("dt", {}, t("h5.document.type")), h("dd", {}, doc.doc_type_label),
        h("dt", {}, t("h5.document.court")), h("dd", {}, (doc.court && doc.court.name) || ""),
        h("dt", {}, t("h5.document.case_number")), h("dd", {}, doc.case_number || t("common.none")),
        h("dt", {}, t("h5.document.status")), h("dd", {}, statusBadge("document_status", doc.status)),
        h("dt", {}, t("h5.document.served_at")), h("dd", {}, formatTime(doc.served_at) || t("common.none")),
        h("dt", {}, t("h5.document.size")), h("dd", {}, formatSize(doc.size)),
        ...deadline),
      doc.acknowledged_at
        ? h("p", { class: "info", id: "ack-state", tabindex: "-1" },
          t("h5.document.acknowledged_at", { at: formatTime(doc.acknowledged_at) }))
        : h("p", { class: "meta", id: "ack-state", tabindex: "-1" }, t("h5.document.please_acknowledge")),
      actions,
      message),
    h("p", {}, h("a", { href: `#/cases/${doc.case_id}` }, t("h5.document.open_case"))));
  setTitle(doc.title);
}

// The response deadline the API computed (the deadline engine: holidays, make-up working days), with its reasons.
function deadlineFacts(deadline) {
  const period = (deadline.period && deadline.period.label) || "";
  const text = deadline.pending
    ? t("h5.document.deadline_pending", { period })
    : t("h5.document.deadline_ends", { period, date: formatDate(deadline.last_day) }); // ends at 24:00 that day
  const steps = Array.isArray(deadline.explanation) ? deadline.explanation : [];
  return [
    h("dt", {}, t("h5.document.deadline")),
    h("dd", { id: "deadline" }, text, steps.length
      ? h("details", {}, h("summary", {}, t("h5.document.deadline_how")), h("ul", {}, steps.map((step) => h("li", {}, String(step)))))
      : null),
  ];
}

async function casesPage() {
  const page = await api(`${MP}/cases?limit=50`);
  const items = page.items.map((c) => h("li", {},
    h("a", { href: `#/cases/${c.id}` },
      h("span", { class: "title" }, c.title),
      h("span", { class: "meta" }, `${c.case_number || label("case_kind", c.kind)} · ${formatTime(c.submitted_at)} `),
      statusBadge("case_status", c.status))));
  main.replaceChildren(
    h("h1", { id: "page-title", tabindex: "-1" }, t("h5.cases.title")),
    items.length ? h("ul", { class: "list", id: "cases" }, items) : h("p", { class: "card" }, t("h5.cases.empty")),
    h("p", {}, h("a", { href: "#/join", id: "join-link" }, t("h5.cases.join"))),
    h("p", {}, h("a", { href: "#/file", id: "file-link" }, t("h5.cases.file"))));
  setTitle(t("h5.cases.title"));
}

async function casePage(id) {
  const [detail, timeline] = await Promise.all([api(`${MP}/cases/${id}`), api(`${MP}/cases/${id}/timeline`)]);
  const venue = detail.court || detail.org;
  main.replaceChildren(
    h("p", {}, h("a", { href: "#/cases" }, t("h5.case.back"))),
    h("h1", { id: "page-title", tabindex: "-1" }, detail.title),
    h("div", { class: "card" },
      h("dl", { class: "facts" },
        h("dt", {}, t("h5.case.number")), h("dd", {}, detail.case_number || t("common.none")),
        h("dt", {}, t("h5.case.kind")), h("dd", {}, label("case_kind", detail.kind)),
        h("dt", {}, t("h5.case.category")), h("dd", {}, detail.category),
        h("dt", {}, t("h5.case.venue")), h("dd", {}, (venue && venue.name) || t("common.none")),
        h("dt", {}, t("h5.case.status")), h("dd", {}, statusBadge("case_status", detail.status)))),
    h("h2", {}, t("h5.case.timeline")),
    h("ol", { class: "timeline", id: "timeline" }, timeline.map((event) => h("li", {},
      h("span", { class: "meta" }, formatTime(event.at)), h("br"), event.summary))));
  const consent = await consentSection(id, (party) => (party.waiting_documents ? go("#/documents") : casePage(id)));
  main.insertBefore(consent, main.querySelector("h2"));
  const sessions = await caseSessions(id); // past ones too: their minutes may wait for a signature
  if (sessions) main.insertBefore(sessions, consent);
  main.insertBefore(h("p", { class: "links" },
    h("a", { href: `#/cases/${id}/evidence`, id: "evidence-link" }, t("h5.case.evidence")),
    detail.kind === "mediation" ? h("a", { href: `#/cases/${id}/agreement`, id: "agreement-link" }, t("h5.agreement.title")) : null,
    h("a", { href: `#/cases/${id}/fees`, id: "fees-link" }, t("h5.fees.title")),
    h("a", { href: "#/schedule" }, t("h5.schedule.title"))), consent);
  setTitle(detail.title);
}

async function start() {
  await loadCatalogue("h5");
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
