// Held and unopened documents: the clerk's work items (#/work-items), each resolved with how the document was
// served in the end. API: GET /api/court/v1/work-items, POST /api/court/v1/work-items/{id}/resolve.

import { api } from "/web/common/api.js";
import { label, t } from "/web/common/i18n.js";
import { announce, errorText, formatTime, h, setTitle } from "/web/common/ui.js";

const COURT = "/api/court/v1";
const OUTCOMES = ["consent_obtained", "served_by_post", "served_in_person", "served_by_phone", "served_by_announcement",
  "no_action_needed"];
const TIMED = ["served_by_post", "served_in_person", "served_by_announcement"];

function resolveForm(item, row) {
  const id = `resolve-${item.id}`;
  const outcome = h("select", { id }, OUTCOMES.map((o) => h("option", { value: o }, label("work_outcome", o))));
  const note = h("textarea", { id: `${id}-note`, maxlength: 2000 });
  // Service by other means counts from when it happened (an announcement: from its publication), so the court
  // records the time; the API refuses these outcomes without it.
  const at = h("input", { id: `${id}-at`, type: "datetime-local", step: 60 });
  const message = h("div", { "aria-live": "polite" });
  const form = h("form", { class: "resolve", novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    const submit = form.querySelector("button[type=submit]");
    submit.disabled = true;
    try {
      const body = { outcome: outcome.value };
      if (note.value.trim()) body.note = note.value.trim();
      if (TIMED.includes(outcome.value) && at.value) {
        body[outcome.value === "served_by_announcement" ? "announced_at" : "served_at"] = new Date(at.value).toISOString();
      }
      await api(`${COURT}/work-items/${item.id}/resolve`, { method: "POST", body });
      const done = t("console.work.resolved", { outcome: label("work_outcome", outcome.value) });
      form.replaceWith(h("p", { class: "info", role: "status" }, done));
      announce(done);
    } catch (error) {
      submit.disabled = false;
      message.replaceChildren(h("p", { class: "error", role: "alert" }, errorText(error)));
    }
  } },
  h("label", { for: id }, t("console.work.outcome")), outcome,
  h("label", { for: `${id}-at` }, t("console.work.served_at")), at,
  h("label", { for: `${id}-note` }, t("console.work.note")), note,
  message,
  h("button", { type: "submit" }, t("console.work.resolve")));
  row.append(form);
}

export async function workItemsPage(main, go, status = "open") {
  const page = await api(`${COURT}/work-items?status=${encodeURIComponent(status)}&limit=100`);
  const filter = h("select", { id: "work-status", onchange: (e) => go(`#/work-items?status=${e.target.value}`) },
    ["open", "resolved"].map((s) => h("option", { value: s, selected: s === status }, label("work_status", s))));
  const rows = page.items.map((item) => {
    const why = item.data && item.data.hold_reason ? label("hold_reason", item.data.hold_reason) : "";
    const row = h("li", { class: "card", "data-work-item": item.id },
      h("span", { class: "title" }, label("work_kind", item.kind)),
      h("p", { class: "meta" }, `${formatTime(item.created_at)}${why ? ` · ${why}` : ""}`),
      item.document_id ? h("a", { href: `#/documents/${item.document_id}` }, t("console.work.open_document")) : null,
      item.outcome ? h("p", { class: "info" }, t("console.work.resolved", { outcome: label("work_outcome", item.outcome) })) : null);
    if (item.status === "open") resolveForm(item, row);
    return row;
  });
  main.replaceChildren(
    h("h1", { id: "page-title", tabindex: "-1" }, t("console.work.title")),
    h("label", { for: "work-status" }, t("console.filings.show")), filter,
    rows.length ? h("ul", { class: "list", id: "work-items" }, rows) : h("p", { class: "card" }, t("console.work.empty")));
  setTitle(t("console.work.title"));
}
