// Joining a case: by the 8-character code someone read out or sent (#/join), or by opening the invitation link
// (#/invite/<token>, where the plain QR code's link lands outside WeChat). API: docs/invitations.md.

import { api } from "/web/common/api.js";
import { label, t } from "/web/common/i18n.js";
import { announce, errorText, formatTime, h, setTitle } from "/web/common/ui.js";

const MP = "/api/mp/v1";

function failure(error) {
  return error.status === 404 ? t("h5.join.not_found") : errorText(error);
}

export async function joinPage(main, go) {
  const code = h("input", {
    id: "join-code", required: true, maxlength: 12, autocomplete: "off", autocapitalize: "characters", spellcheck: "false",
  });
  const message = h("div", { "aria-live": "polite" });
  const form = h("form", { class: "card", novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    const typed = code.value.replace(/[\s-]/g, "").toUpperCase();
    if (!/^[A-Z0-9]{8}$/.test(typed)) {
      message.replaceChildren(h("p", { class: "error", role: "alert" }, t("h5.join.code_invalid")));
      code.focus();
      return;
    }
    const submit = form.querySelector("button[type=submit]");
    submit.disabled = true;
    try {
      const joined = await api(`${MP}/invitations/by-code/${encodeURIComponent(typed)}/accept`, { method: "POST" });
      announce(t("h5.join.joined", { title: joined.case_title }));
      go(`#/cases/${joined.case_id}`);
    } catch (error) {
      submit.disabled = false;
      message.replaceChildren(h("p", { class: "error", role: "alert" }, failure(error)));
    }
  } },
  h("label", { for: "join-code" }, t("h5.join.code")), code,
  message,
  h("button", { type: "submit" }, t("h5.join.submit")));
  main.replaceChildren(h("h1", { id: "page-title", tabindex: "-1" }, t("h5.join.title")), h("p", {}, t("h5.join.intro")), form);
  setTitle(t("h5.join.title"));
}

export async function invitePage(main, go, token) {
  let preview;
  try {
    preview = await api(`${MP}/invitations/${encodeURIComponent(token)}`, { auth: false });
  } catch (error) {
    main.replaceChildren(h("h1", { id: "page-title", tabindex: "-1" }, t("h5.join.title")),
      h("p", { class: "card", role: "alert" }, failure(error)));
    setTitle(t("h5.join.title"));
    return;
  }
  const message = h("div", { "aria-live": "polite" });
  const accept = h("button", { type: "button", id: "accept-invitation", onclick: async () => {
    accept.disabled = true;
    try {
      const joined = await api(`${MP}/invitations/${encodeURIComponent(token)}/accept`, { method: "POST" });
      announce(t("h5.join.joined", { title: joined.case_title }));
      go(`#/cases/${joined.case_id}`);
    } catch (error) {
      accept.disabled = false;
      message.replaceChildren(h("p", { class: "error", role: "alert" }, failure(error)));
    }
  } }, t("h5.join.accept"));
  main.replaceChildren(
    h("h1", { id: "page-title", tabindex: "-1" }, t("h5.join.invited")),
    h("div", { class: "card" },
      h("dl", { class: "facts" },
        h("dt", {}, t("h5.case.title")), h("dd", {}, preview.case_title),
        h("dt", {}, t("h5.case.kind")), h("dd", {}, label("case_kind", preview.case_kind)),
        h("dt", {}, t("h5.case.venue")), h("dd", {}, preview.court_name || preview.org_name || t("common.none")),
        h("dt", {}, t("h5.join.role")), h("dd", {}, label("party_role", preview.role)),
        h("dt", {}, t("h5.join.expires")), h("dd", {}, formatTime(preview.expires_at))),
      preview.requires_real_name ? h("p", { class: "hint" }, t("h5.join.real_name")) : null,
      message,
      accept));
  setTitle(t("h5.join.invited"));
}
