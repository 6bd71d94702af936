// Delegated cases (#/delegations): what the court sent to a mediation organisation (委派 before filing, 委托
// after), where each stands, how its mediation ended, sending one and recalling one. API: GET and POST
// /api/court/v1/delegations, POST /api/court/v1/delegations/{id}/recall (a reason is required once the
// organisation has accepted); the organisations linked to the court from GET /api/mp/v1/mediation/orgs.

import { api } from "/web/common/api.js";
import { label, t } from "/web/common/i18n.js";
import { announce, errorText, formatDate, formatTime, h, setTitle } from "/web/common/ui.js";

const COURT = "/api/court/v1";
const MP = "/api/mp/v1";
const STATES = ["all", "sent", "accepted", "declined", "expired", "returned", "recalled"];
const RECALLABLE = ["sent", "accepted"];

function fact(term, value) {
  return value ? [h("dt", {}, term), h("dd", {}, value)] : null;
}

function recallForm(d, row) {
  const id = `recall-${d.id}`;
  const reason = h("textarea", { id, maxlength: 1000, required: d.state === "accepted" });
  const message = h("div", { "aria-live": "polite" });
  const form = h("form", { class: "reason", novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    const text = reason.value.trim();
    if (d.state === "accepted" && text.length < 2) {
      message.replaceChildren(h("p", { class: "error", role: "alert" }, t("console.delegations.reason_needed")));
      reason.focus();
      return;
    }
    const submit = form.querySelector("button[type=submit]");
    submit.disabled = true;
    try {
      const done = await api(`${COURT}/delegations/${d.id}/recall`, { method: "POST", body: text ? { reason: text } : {} });
      const said = t("console.delegations.recalled", { state: label("delegation_state", done.state) });
      form.replaceWith(h("p", { class: "info", role: "status" }, said));
      row.querySelector(".d-state").textContent = label("delegation_state", done.state);
      announce(said);
    } catch (error) {
      submit.disabled = false;
      message.replaceChildren(h("p", { class: "error", role: "alert" }, errorText(error)));
    }
  } },
  h("label", { for: id }, t(d.state === "accepted" ? "console.delegations.reason_required" : "console.delegations.reason")),
  reason,
  message,
  h("button", { type: "submit" }, t("console.delegations.confirm_recall")));
  row.querySelector("form.reason")?.remove();
  row.append(form);
  reason.focus();
}

function delegationRow(d) {
  const row = h("li", { class: "card", "data-delegation": d.id },
    h("span", { class: "title" }, d.case_title),
    h("p", { class: "meta" },
      `${label("delegation_stage", d.stage)} · ${d.org_name}`, d.case_number ? ` · ${d.case_number}` : ""),
    h("dl", { class: "facts" },
      h("dt", {}, t("console.delegations.state")), h("dd", { class: "d-state" }, label("delegation_state", d.state)),
      h("dt", {}, t("console.delegations.due")), h("dd", {}, formatDate(d.due_date)),
      fact(t("console.delegations.sent_at"), formatTime(d.sent_at)),
      fact(t("console.delegations.mediation"), label("case_status", d.mediation_status)),
      fact(t("console.delegations.outcome"), label("delegation_outcome", d.outcome)),
      fact(t("console.delegations.returned_at"), formatTime(d.returned_at)),
      fact(t("console.delegations.decline_reason"), d.decline_reason),
      fact(t("console.delegations.recall_reason"), d.recall_reason),
      fact(t("console.delegations.carried_back"), d.carried_back_at
        ? t("console.delegations.carried_back_n", { n: d.carried_back_count ?? 0 }) : "")),
    d.overdue ? h("p", { class: "error" }, t("console.delegations.overdue")) : null);
  if (RECALLABLE.includes(d.state)) {
    row.append(h("button", { type: "button", class: "secondary", onclick: () => recallForm(d, row) },
      t("console.delegations.recall")));
  }
  return row;
}

// China's date `days` from now, YYYY-MM-DD.
function dayFromNow(days) {
  return new Date(Date.now() + 8 * 3600000 + days * 86400000).toISOString().slice(0, 10);
}

async function sendForm(courtIds, caseId, go) {
  const orgs = [];
  let cursor = "";
  do {
    const page = await api(`${MP}/mediation/orgs?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    orgs.push(...page.items.filter((o) => (o.linked_courts || []).some((c) => courtIds.includes(c.id))));
    cursor = page.next_cursor;
  } while (cursor && orgs.length < 500);
  if (!orgs.length) return h("p", { class: "card meta" }, t("console.delegations.no_orgs"));
  const caseInput = h("input", { id: "send-case", value: caseId === "new" ? "" : caseId, required: true, maxlength: 36 });
  const org = h("select", { id: "send-org" }, orgs.map((o) => h("option", { value: o.id }, o.name)));
  const due = h("input", { id: "send-due", type: "date", value: dayFromNow(30), min: dayFromNow(0), required: true });
  const note = h("textarea", { id: "send-note", maxlength: 1000 });
  const message = h("div", { "aria-live": "polite" });
  const form = h("form", { class: "card", id: "send-form", novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    if (!/^[0-9a-f-]{36}$/.test(caseInput.value.trim()) || !due.value) {
      message.replaceChildren(h("p", { class: "error", role: "alert" }, t("console.delegations.incomplete")));
      caseInput.focus();
      return;
    }
    const submit = form.querySelector("button[type=submit]");
    submit.disabled = true;
    try {
      const body = { case_id: caseInput.value.trim(), org_id: org.value, due_date: due.value };
      if (note.value.trim()) body.note = note.value.trim();
      const sent = await api(`${COURT}/delegations`, { method: "POST", body });
      sessionStorage.setItem("mc.console.said", t("console.delegations.sent", { stage: label("delegation_stage", sent.stage) }));
      go("#/delegations?state=sent");
    } catch (error) {
      submit.disabled = false;
      message.replaceChildren(h("p", { class: "error", role: "alert" }, errorText(error)));
    }
  } },
  h("h2", {}, t("console.delegations.send")),
  h("label", { for: "send-case" }, t("console.push.case_id")), caseInput,
  h("label", { for: "send-org" }, t("console.delegations.org")), org,
  h("label", { for: "send-due" }, t("console.delegations.due")), due,
  h("label", { for: "send-note" }, t("console.delegations.note")), note,
  message,
  h("button", { type: "submit", id: "send" }, t("console.delegations.send_submit")));
  return form;
}

export async function delegationsPage({ main, go, roles }, key = "state", value = "all") {
  const state = key === "state" ? value : "all";
  const query = state === "all" ? "" : `&state=${encodeURIComponent(state)}`;
  const page = await api(`${COURT}/delegations?limit=100${query}`);
  const filter = h("select", { id: "delegation-state", onchange: (e) => go(`#/delegations?state=${e.target.value}`) },
    STATES.map((s) => h("option", { value: s, selected: s === state },
      s === "all" ? t("console.delegations.all") : label("delegation_state", s))));
  const rows = page.items.map(delegationRow);
  const said = sessionStorage.getItem("mc.console.said");
  sessionStorage.removeItem("mc.console.said");
  const send = key === "case"
    ? await sendForm(roles.court || [], value, go)
    : h("a", { class: "button secondary", href: "#/delegations?case=new" }, t("console.delegations.send"));
  main.replaceChildren(...[
    h("h1", { id: "page-title", tabindex: "-1" }, t("console.delegations.title")),
    h("p", { class: "meta" }, t("console.delegations.intro")),
    said ? h("p", { class: "info", role: "status" }, said) : null,
    send,
    h("label", { for: "delegation-state" }, t("console.filings.show")), filter,
    rows.length ? h("ul", { class: "list", id: "delegations" }, rows) : h("p", { class: "card" }, t("console.delegations.empty")),
  ].filter(Boolean));
  setTitle(t("console.delegations.title"));
  if (said) announce(said);
}
