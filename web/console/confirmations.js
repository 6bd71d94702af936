// The judicial confirmation queue (#/confirmations, 司法确认): applications at the court, oldest first; a
// submitted one is accepted (numbered 调确), an accepted one decided (confirmed or rejected, with reasons).
// API: GET /api/court/v1/judicial-confirmations, POST /api/court/v1/cases/{case_id}/judicial-confirmation/accept
// and .../decide.

import { api } from "/web/common/api.js";
import { label, t } from "/web/common/i18n.js";
import { announce, errorText, formatTime, h, setTitle } from "/web/common/ui.js";

const COURT = "/api/court/v1";
const STATUSES = ["submitted", "accepted", "confirmed", "rejected"];

async function act(row, path, body, done) {
  const panel = row.querySelector(".panel");
  for (const button of panel.querySelectorAll("button")) button.disabled = true;
  try {
    const result = await api(`${COURT}/cases/${row.dataset.case}/judicial-confirmation/${path}`, { method: "POST", body });
    const said = done(result);
    panel.replaceChildren(h("p", { class: "info", role: "status" }, said));
    row.querySelector(".c-status").textContent = label("confirmation_status", result.status);
    announce(said);
  } catch (error) {
    panel.querySelector(".c-error")?.remove();
    panel.append(h("p", { class: "error c-error", role: "alert" }, errorText(error)));
    for (const button of panel.querySelectorAll("button")) button.disabled = false;
  }
}

function decideForm(c, row) {
  const id = `decide-${c.id}`;
  const reason = h("textarea", { id: `${id}-reason`, required: true, maxlength: 5000 });
  const choice = (value, key) => h("div", { class: "choice" },
    h("input", { type: "radio", name: id, id: `${id}-${value}`, value, checked: value === "true" }),
    h("label", { for: `${id}-${value}` }, t(key)));
  const form = h("form", { class: "reason", novalidate: true, onsubmit: (event) => {
    event.preventDefault();
    const text = reason.value.trim();
    if (text.length < 2) {
      form.querySelector(".c-hint")?.remove();
      reason.after(h("p", { class: "error c-hint", role: "alert" }, t("console.confirmations.reason_needed")));
      reason.focus();
      return;
    }
    const confirmed = form.querySelector(`input[name="${id}"]:checked`).value === "true";
    act(row, "decide", { confirmed, reason: text }, (result) =>
      t("console.confirmations.decided", { status: label("confirmation_status", result.status) }));
  } },
  h("fieldset", {}, h("legend", {}, t("console.confirmations.decision")),
    choice("true", "console.confirmations.confirm"), choice("false", "console.confirmations.reject")),
  h("label", { for: `${id}-reason` }, t("console.confirmations.reason")),
  reason,
  h("button", { type: "submit" }, t("console.confirmations.submit")));
  return form;
}

function confirmationRow(c) {
  const panel = h("div", { class: "panel" });
  const row = h("li", { class: "card", "data-case": c.case_id, "data-confirmation": c.id },
    h("span", { class: "title" }, c.case_title),
    h("dl", { class: "facts" },
      h("dt", {}, t("console.confirmations.status")), h("dd", { class: "c-status" }, label("confirmation_status", c.status)),
      h("dt", {}, t("console.confirmations.submitted_at")), h("dd", {}, formatTime(c.submitted_at)),
      c.case_number ? [h("dt", {}, t("console.document.case_number")), h("dd", {}, c.case_number)] : null,
      c.court_deadline ? [h("dt", {}, t("console.confirmations.deadline")), h("dd", {}, formatTime(c.court_deadline))] : null),
    c.overdue ? h("p", { class: "error" }, t("console.confirmations.overdue")) : null,
    panel);
  if (c.status === "submitted") {
    panel.append(h("button", { type: "button", onclick: () => act(row, "accept", undefined, (result) =>
      t("console.confirmations.accepted", { number: result.case_number || "" })) }, t("console.confirmations.accept")));
  }
  if (c.status === "accepted") panel.append(decideForm(c, row));
  return row;
}

export async function confirmationsPage({ main, go }, status = "submitted") {
  const page = await api(`${COURT}/judicial-confirmations?status=${encodeURIComponent(status)}&limit=100`);
  const filter = h("select", { id: "confirmation-status", onchange: (e) => go(`#/confirmations?status=${e.target.value}`) },
    STATUSES.map((s) => h("option", { value: s, selected: s === status }, label("confirmation_status", s))));
  const rows = page.items.map(confirmationRow);
  main.replaceChildren(
    h("h1", { id: "page-title", tabindex: "-1" }, t("console.confirmations.title")),
    h("label", { for: "confirmation-status" }, t("console.filings.show")), filter,
    rows.length ? h("ul", { class: "list", id: "confirmations" }, rows) : h("p", { class: "card" }, t("console.confirmations.empty")));
  setTitle(t("console.confirmations.title"));
}
