// Batch push (#/batch): several documents in one request to POST /api/court/v1/documents/batch (multipart: an
// `items` JSON array plus one file part per item, each item with its own Idempotency-Key), then each item's
// delivery watched with GET /api/court/v1/documents/{id}, refreshed every 5 s until every one is final.

import { ApiError, api, newKey } from "/web/common/api.js";
import { label, t } from "/web/common/i18n.js";
import { announce, errorText, h, setTitle } from "/web/common/ui.js";

const COURT = "/api/court/v1";
const MP = "/api/mp/v1";
const DOC_TYPES = ["summons", "notice", "hearing_notice", "evidence_notice", "complaint_copy", "answer_copy",
  "payment_order", "judgment", "ruling", "mediation_document", "other"];
const FINAL = ["acknowledged", "rejected", "failed", "expired"];
const REFRESH_MS = 5000;

let serial = 0;

function itemRow(caseId = "") {
  const n = ++serial;
  const caseInput = h("input", { id: `b-case-${n}`, value: caseId, required: true, maxlength: 36, class: "b-case" });
  const recipient = h("select", { id: `b-recipient-${n}`, required: true, class: "b-recipient" });
  const docType = h("select", { id: `b-type-${n}`, class: "b-type" },
    DOC_TYPES.map((d) => h("option", { value: d }, label("doc_type", d))));
  const title = h("input", { id: `b-title-${n}`, required: true, maxlength: 200, class: "b-title" });
  const file = h("input", { id: `b-file-${n}`, type: "file", accept: "application/pdf,.pdf,.ofd", required: true, class: "b-file" });
  const note = h("div", { "aria-live": "polite" });
  async function loadParties() {
    recipient.replaceChildren();
    const id = caseInput.value.trim();
    if (!/^[0-9a-f-]{36}$/.test(id)) return;
    try {
      const detail = await api(`${MP}/cases/${id}`);
      for (const party of detail.parties || []) {
        recipient.append(h("option", { value: party.id }, `${party.name} (${label("party_role", party.role)})`));
      }
      note.replaceChildren(h("p", { class: "meta" }, detail.title));
    } catch (error) {
      note.replaceChildren(h("p", { class: "error", role: "alert" }, errorText(error)));
    }
  }
  caseInput.addEventListener("change", loadParties);
  const row = h("fieldset", { class: "batch-item", "data-item": n },
    h("legend", {}, t("console.batch.item", { n })),
    h("div", { class: "grid" },
      h("div", {}, h("label", { for: caseInput.id }, t("console.push.case_id")), caseInput),
      h("div", {}, h("label", { for: recipient.id }, t("console.push.recipient")), recipient),
      h("div", {}, h("label", { for: docType.id }, t("console.push.doc_type")), docType),
      h("div", {}, h("label", { for: title.id }, t("console.push.doc_title")), title),
      h("div", {}, h("label", { for: file.id }, t("console.push.file")), file)),
    note,
    h("button", { type: "button", class: "secondary remove", onclick: () => {
      if (row.parentElement.children.length > 1) row.remove();
    } }, t("console.batch.remove", { n })));
  row.key = newKey(); // kept across retries of the same batch, so a repeated item is not pushed twice
  row.ready = caseId ? loadParties() : Promise.resolve();
  return row;
}

export async function batchPage({ main, later }, firstCase = "") {
  const items = h("div", { id: "batch-items" }, itemRow(firstCase));
  const message = h("div", { "aria-live": "polite" });
  const results = h("section", { id: "batch-results", "aria-labelledby": "batch-results-title", hidden: true },
    h("h2", { id: "batch-results-title" }, t("console.batch.results")));
  const form = h("form", { class: "card", id: "batch-form", novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    const rows = [...items.querySelectorAll(".batch-item")];
    const body = new FormData();
    const list = [];
    for (const [index, row] of rows.entries()) {
      const value = (cls) => row.querySelector(cls).value.trim();
      const file = row.querySelector(".b-file").files[0];
      if (!value(".b-case") || !value(".b-recipient") || !value(".b-title") || !file) {
        message.replaceChildren(h("p", { class: "error", role: "alert" }, t("console.batch.incomplete", { n: index + 1 })));
        row.querySelector(".b-title").focus();
        return;
      }
      list.push({
        idempotency_key: row.key,
        file: `file${index}`,
        meta: { case_id: value(".b-case"), recipient_party_id: value(".b-recipient"), doc_type: value(".b-type"), title: value(".b-title") },
      });
      body.append(`file${index}`, file);
    }
    body.append("items", JSON.stringify(list));
    const submit = form.querySelector("button[type=submit]");
    submit.disabled = true;
    message.replaceChildren(h("p", { class: "meta" }, t("console.batch.sending")));
    try {
      const answer = await api(`${COURT}/documents/batch`, { method: "POST", form: body });
      message.replaceChildren();
      const pushed = answer.items.filter((i) => i.document).length;
      announce(t("console.batch.done", { ok: pushed, total: answer.items.length }));
      watch(results, answer.items, list, later);
    } catch (error) {
      message.replaceChildren(h("p", { class: "error", role: "alert" }, errorText(error)));
    } finally {
      submit.disabled = false;
    }
  } },
  h("p", { class: "meta" }, t("console.batch.intro")),
  items,
  h("button", { type: "button", class: "secondary", id: "batch-add", onclick: () => {
    const last = items.lastElementChild?.querySelector(".b-case")?.value.trim() || "";
    const row = itemRow(last);
    items.append(row);
    row.querySelector(".b-title").focus();
  } }, t("console.batch.add")),
  message,
  h("button", { type: "submit", id: "batch-push" }, t("console.batch.submit")));
  main.replaceChildren(h("h1", { id: "page-title", tabindex: "-1" }, t("console.batch.title")), form, results);
  setTitle(t("console.batch.title"));
  await Promise.all([...items.querySelectorAll(".batch-item")].map((row) => row.ready));
}

// One table row per item: the batch's answer for it, then its delivery state, refreshed until all are final.
function watch(results, answered, sent, later) {
  const body = h("tbody", {});
  const rows = answered.map((item) => {
    const status = h("td", { class: "delivery" },
      item.document ? label("document_status", item.document.status) : h("span", { class: "error" }, t("console.batch.refused")));
    const row = h("tr", { "data-index": item.index },
      h("td", {}, String(item.index + 1)),
      h("td", {}, sent[item.index]?.meta.title || ""),
      h("td", {}, item.document
        ? h("a", { href: `#/documents/${item.document.document_id}` }, t(item.status === 200 ? "console.batch.replayed" : "console.batch.created"))
        : h("span", { class: "error" }, errorText(new ApiError(item.status, item.error)))),
      status);
    row.documentId = item.document?.document_id;
    row.state = item.document?.status;
    body.append(row);
    return row;
  });
  const progress = h("p", { class: "meta", id: "batch-watch" });
  results.replaceChildren(
    h("h2", { id: "batch-results-title" }, t("console.batch.results")),
    h("table", {},
      h("caption", { class: "visually-hidden" }, t("console.batch.results")),
      h("thead", {}, h("tr", {},
        h("th", { scope: "col" }, t("console.batch.col_n")),
        h("th", { scope: "col" }, t("console.push.doc_title")),
        h("th", { scope: "col" }, t("console.batch.col_result")),
        h("th", { scope: "col" }, t("console.document.status")))),
      body),
    progress);
  results.hidden = false;
  const hash = window.location.hash;
  const refresh = async () => {
    const open = rows.filter((row) => row.documentId && !FINAL.includes(row.state));
    progress.textContent = open.length ? t("console.batch.watching", { n: open.length }) : t("console.batch.all_final");
    if (!open.length || window.location.hash !== hash) return;
    later(async () => {
      await Promise.all(open.map(async (row) => {
        try {
          const doc = await api(`${COURT}/documents/${row.documentId}`);
          if (doc.status !== row.state) {
            row.state = doc.status;
            row.querySelector(".delivery").textContent = label("document_status", doc.status);
          }
        } catch {
          // a lost refresh is tried again at the next tick
        }
      }));
      refresh();
    }, REFRESH_MS);
  };
  refresh();
}
