// Evidence for a case (#/cases/<id>/evidence): the party's catalogue, and an upload the way the mini-program does
// it (docs/evidence.md): declare the file with its SHA-256, post it to the store with the presigned form (progress
// shown; a lost connection retried, then a retry button), ask the server to verify it (it answers `verifying` at
// once and checks the file in the background: the page polls the item until it is stored or rejected), submit it.

import { api, ApiError, newKey } from "/web/common/api.js";
import { label, t } from "/web/common/i18n.js";
import { sha256File } from "/web/common/sha256.js";
import { announce, errorText, formatSize, formatTime, h, setTitle } from "/web/common/ui.js";

const MP = "/api/mp/v1";
const TYPES = "application/pdf,image/jpeg,image/png,image/heic,video/mp4,audio/mpeg,audio/mp4,audio/amr";
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// The file goes straight to the store: XMLHttpRequest, because fetch reports no upload progress.
function postForm(upload, file, onProgress) {
  return new Promise((resolve) => {
    const body = new FormData();
    for (const [name, value] of Object.entries(upload.fields)) body.append(name, value);
    body.append(upload.file_field, file);
    const xhr = new XMLHttpRequest();
    xhr.open(upload.method || "POST", upload.url);
    xhr.upload.onprogress = (event) => event.lengthComputable && onProgress(event.loaded / event.total);
    xhr.onload = () => resolve(xhr.status);
    xhr.onerror = () => resolve(0);
    xhr.ontimeout = () => resolve(0);
    xhr.send(body);
  });
}

async function complete(evidenceId) {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await api(`${MP}/evidence/${evidenceId}/complete`, { method: "POST" });
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 503 || attempt >= 3) throw error;
      await sleep(1000 * 2 ** attempt); // the store is down for a moment: the item stays pending
    }
  }
}

// `complete` answers at once (202, `verifying`): the server checks the file in the background. Poll the item
// until it is stored or rejected; after about two minutes give up waiting (the list shows it as being checked).
async function settled(item) {
  let current = item;
  for (let attempt = 0; current.status === "verifying" && attempt < 40; attempt += 1) {
    await sleep(Math.min(500 * 2 ** attempt, 5000));
    current = await api(`${MP}/evidence/${item.id}`);
  }
  return current;
}

function itemRow(item, caseId, refresh) {
  const state = item.status === "rejected"
    ? h("span", { class: "badge warn" }, t("h5.evidence.rejected", { reason: label("error", item.rejection_reason) }))
    : h("span", { class: `badge ${item.submitted ? "ok" : ""}` },
      t(item.submitted ? "h5.evidence.submitted" : item.status === "stored" ? "h5.evidence.draft"
        : item.status === "verifying" ? "h5.evidence.verifying" : "h5.evidence.pending"));
  const submit = item.status === "stored" && !item.submitted
    ? h("button", { type: "button", class: "secondary", onclick: async (event) => {
      event.target.disabled = true;
      try {
        await api(`${MP}/evidence/${item.id}/submit`, { method: "POST" });
        announce(t("h5.evidence.submitted"));
        await refresh();
      } catch (error) {
        event.target.disabled = false;
        event.target.after(h("p", { class: "error", role: "alert" }, errorText(error)));
      }
    } }, t("h5.evidence.submit"))
    : null;
  return h("li", { class: "card", "data-evidence": item.id },
    h("span", { class: "title" }, item.title),
    h("span", { class: "meta" }, `${label("evidence_category", item.category)} · ${item.filename} · ${formatSize(item.size)} · ${formatTime(item.created_at)} `),
    state, submit);
}

export async function evidencePage(main, caseId) {
  const [detail, page, categories] = await Promise.all([
    api(`${MP}/cases/${caseId}`),
    api(`${MP}/cases/${caseId}/evidence?limit=100`),
    fetch("evidence-categories.json").then((r) => r.json()),
  ]);
  const list = h("ul", { class: "list", id: "evidence" });
  const refresh = async () => {
    const fresh = await api(`${MP}/cases/${caseId}/evidence?limit=100`);
    list.replaceChildren(...fresh.items.map((item) => itemRow(item, caseId, refresh)));
    if (fresh.items.length) document.getElementById("evidence-empty")?.remove();
  };
  list.replaceChildren(...page.items.map((item) => itemRow(item, caseId, refresh)));

  const file = h("input", { id: "evidence-file", type: "file", accept: TYPES, required: true });
  const title = h("input", { id: "evidence-title", required: true, maxlength: 200 });
  const category = h("select", { id: "evidence-category" },
    categories.map((c) => h("option", { value: c }, label("evidence_category", c))));
  const purpose = h("textarea", { id: "evidence-purpose", required: true, maxlength: 2000 });
  const progress = h("progress", { id: "upload-progress", max: 100, value: 0, hidden: true, "aria-label": t("h5.evidence.progress") });
  const message = h("div", { "aria-live": "polite" });
  let ticket = null; // kept across a retry: the same form for the same declared file
  let key = null;

  const say = (text, kind = "meta") => message.replaceChildren(h("p", { class: kind, role: kind === "error" ? "alert" : null }, text));

  async function upload(submitButton) {
    const chosen = file.files[0];
    if (!chosen || !title.value.trim() || !purpose.value.trim()) return say(t("h5.evidence.incomplete"), "error");
    submitButton.disabled = true;
    form.querySelector("#retry-upload")?.remove();
    try {
      if (!ticket) {
        say(t("h5.evidence.hashing"));
        const body = {
          filename: chosen.name, content_type: chosen.type || "application/octet-stream", size: chosen.size,
          sha256: await sha256File(chosen), title: title.value.trim(), category: category.value, purpose: purpose.value.trim(),
        };
        ticket = await api(`${MP}/cases/${caseId}/evidence/uploads`, { method: "POST", body, key });
      }
      progress.hidden = false;
      let status = 0;
      for (let attempt = 0; attempt < 3; attempt += 1) {
        say(attempt ? t("h5.evidence.retrying", { n: attempt }) : t("h5.evidence.uploading"));
        status = await postForm(ticket.upload, chosen, (share) => { progress.value = Math.round(share * 100); });
        if (status >= 200 && status < 300) break;
        if (status >= 400 && status < 500) break; // refused (expired form, wrong size): retrying will not help
        await sleep(1000 * 2 ** attempt);
      }
      if (!(status >= 200 && status < 300)) {
        if (status >= 400 && status < 500) ticket = null; // ask for a new form next time
        say(t("h5.evidence.upload_failed"), "error");
        submitButton.after(h("button", { type: "button", id: "retry-upload", class: "secondary", onclick: () => upload(submitButton) },
          t("h5.evidence.retry")));
        submitButton.disabled = false;
        return;
      }
      say(t("h5.evidence.verifying"));
      const item = await settled(await complete(ticket.evidence_id));
      ticket = null;
      key = null;
      if (item.status === "stored") {
        say(t("h5.evidence.stored"), "info");
        form.reset();
        progress.hidden = true;
      } else if (item.status === "verifying") say(t("h5.evidence.verifying"));
      else say(t("h5.evidence.rejected", { reason: label("error", item.rejection_reason) }), "error");
      announce(message.textContent);
      await refresh();
    } catch (error) {
      say(errorText(error), "error");
    }
    submitButton.disabled = false;
  }

  const form = h("form", { class: "card", id: "evidence-form", novalidate: true, onsubmit: (event) => {
    event.preventDefault();
    if (!key) key = newKey(); // one declared upload, one key: a retried declaration gets the same form
    upload(form.querySelector("button[type=submit]"));
  } },
  h("h2", {}, t("h5.evidence.add")),
  h("label", { for: "evidence-file" }, t("h5.evidence.file")), file,
  h("p", { class: "meta" }, t("h5.evidence.file_hint")),
  h("label", { for: "evidence-title" }, t("h5.evidence.title_field")), title,
  h("label", { for: "evidence-category" }, t("h5.evidence.category")), category,
  h("label", { for: "evidence-purpose" }, t("h5.evidence.purpose")), purpose,
  progress, message,
  h("button", { type: "submit", id: "upload" }, t("h5.evidence.upload")));
  file.addEventListener("change", () => { ticket = null; key = null; });

  main.replaceChildren(
    h("p", {}, h("a", { href: `#/cases/${caseId}` }, t("h5.evidence.back"))),
    h("h1", { id: "page-title", tabindex: "-1" }, t("h5.evidence.title", { title: detail.title })),
    page.items.length ? null : h("p", { class: "meta", id: "evidence-empty" }, t("h5.evidence.empty")),
    list, form);
  setTitle(t("h5.evidence.title", { title: detail.title }));
}
