// Reading and signing the mediation agreement (调解协议): GET /cases/{id}/agreement (the text, its SHA-256, who has
// signed), POST /cases/{id}/agreement/sign. Each party signs in person: a real-name verified account whose name is
// the party's; the agreement takes effect when the last party signs.

import { api } from "/web/common/api.js";
import { label, t } from "/web/common/i18n.js";
import { announce, errorText, formatTime, h, setTitle } from "/web/common/ui.js";

const MP = "/api/mp/v1";

export async function agreementPage(main, caseId) {
  const back = h("p", {}, h("a", { href: `#/cases/${caseId}` }, t("h5.document.open_case")));
  const heading = h("h1", { id: "page-title", tabindex: "-1" }, t("h5.agreement.title"));
  let agreement;
  try {
    agreement = await api(`${MP}/cases/${caseId}/agreement`);
  } catch (error) {
    if (error.status !== 404) throw error;
    main.replaceChildren(back, heading, h("p", { class: "card", id: "no-agreement" }, t("h5.agreement.none")));
    setTitle(t("h5.agreement.title"));
    return;
  }
  const message = h("div", {});
  const signatures = agreement.signatures.map((s) => h("li", {},
    t("h5.agreement.signed_by", { name: s.party_name, role: label("party_role", s.role), at: formatTime(s.signed_at) })));
  let signing = null;
  if (agreement.my_unsigned_party_ids && agreement.my_unsigned_party_ids.length && !agreement.effective_at) {
    const read = h("input", { type: "checkbox", id: "agreement-read" });
    signing = h("form", { class: "card", novalidate: true, onsubmit: async (event) => {
      event.preventDefault();
      if (!read.checked) {
        message.replaceChildren(h("p", { class: "error", role: "alert" }, t("h5.agreement.must_read")));
        read.focus();
        return;
      }
      const submit = signing.querySelector("button[type=submit]");
      submit.disabled = true;
      try {
        await api(`${MP}/cases/${caseId}/agreement/sign`, { method: "POST", body: {} });
        announce(t("h5.agreement.signed"));
        await agreementPage(main, caseId);
        document.getElementById("agreement-state")?.focus();
      } catch (error) {
        submit.disabled = false;
        const verify = error.reason === "agreement.identity_not_verified"
          ? h("a", { href: `#/me?next=cases/${caseId}/agreement` }, t("h5.verify.title")) : null;
        message.replaceChildren(h("p", { class: "error", role: "alert" }, errorText(error)), verify);
      }
    } },
    h("p", { class: "meta" }, t("h5.agreement.sign_intro")),
    h("div", { class: "choice" }, read, h("label", { for: "agreement-read" }, t("h5.agreement.read"))),
    message,
    h("button", { type: "submit" }, t("h5.agreement.sign")));
  }
  const state = agreement.effective_at
    ? h("p", { class: "info", id: "agreement-state", tabindex: "-1" }, t("h5.agreement.effective", { at: formatTime(agreement.effective_at) }))
    : h("p", { class: "meta", id: "agreement-state", tabindex: "-1" },
      t("h5.agreement.progress", { signed: agreement.signatures.length, total: agreement.parties_total }));
  main.replaceChildren(back, heading,
    h("div", { class: "card" },
      h("p", { class: "meta" }, t("h5.agreement.version", { n: agreement.version }), " · ", formatTime(agreement.created_at)),
      h("div", { class: "consent-text agreement-text", id: "agreement-text", tabindex: "0", role: "region", "aria-label": t("h5.agreement.text") }, agreement.text),
      h("p", { class: "meta hash" }, t("h5.agreement.sha256", { hash: agreement.sha256 })),
      state,
      signatures.length ? h("ul", { id: "signatures" }, signatures) : null),
    signing);
  setTitle(t("h5.agreement.title"));
}
