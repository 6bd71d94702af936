// E-service consent (电子送达同意) and the claim code from the court's SMS: a recipient the court could not serve
// electronically joins the case with the code, reads the consent text, agrees, and the held documents arrive.
// API: POST /service/claim, GET/POST /cases/{id}/service-consent (docs/e-service.md).

import { api } from "/web/common/api.js";
import { label, t } from "/web/common/i18n.js";
import { announce, errorText, h, setTitle } from "/web/common/ui.js";

const MP = "/api/mp/v1";

// The consent form for one party: the exact text shown (its version and hash go back with the answer).
export function consentForm({ caseId, party, text, onGiven }) {
  const prefix = `consent-${party.party_id}`;
  const agreed = h("input", { type: "checkbox", id: `${prefix}-agree`, required: true });
  const inbox = h("input", { type: "radio", name: `${prefix}-kind`, id: `${prefix}-inbox`, value: "mini_program", checked: true });
  const phoneKind = h("input", { type: "radio", name: `${prefix}-kind`, id: `${prefix}-phone-kind`, value: "phone" });
  const phone = h("input", { type: "tel", id: `${prefix}-phone`, inputmode: "tel", maxlength: 20, autocomplete: "tel" });
  const message = h("div", { "aria-live": "polite" });
  const form = h("form", {
    class: "card consent",
    novalidate: true,
    "data-party": party.party_id,
    onsubmit: async (event) => {
      event.preventDefault();
      if (!agreed.checked) {
        message.replaceChildren(h("p", { class: "error", role: "alert" }, t("h5.consent.must_agree")));
        agreed.focus();
        return;
      }
      const kind = phoneKind.checked ? "phone" : "mini_program";
      if (kind === "phone" && !/^\+?\d{5,20}$/.test(phone.value.trim())) {
        message.replaceChildren(h("p", { class: "error", role: "alert" }, t("login.phone_invalid")));
        phone.focus();
        return;
      }
      const submit = form.querySelector("button[type=submit]");
      submit.disabled = true;
      try {
        await api(`${MP}/cases/${caseId}/service-consent`, {
          method: "POST",
          body: {
            party_id: party.party_id,
            scope: "case",
            address_kind: kind,
            address: kind === "phone" ? phone.value.trim() : null,
            text_version: text.version,
            text_sha256: text.sha256,
            method: "h5",
          },
        });
        announce(t("h5.consent.given"));
        await onGiven(party);
      } catch (error) {
        submit.disabled = false;
        message.replaceChildren(h("p", { class: "error", role: "alert" }, errorText(error)));
      }
    },
  },
  h("h2", {}, t("h5.consent.title", { name: party.name })),
  h("div", { class: "consent-text", tabindex: "0", role: "region", "aria-label": t("h5.consent.text_label") }, text.text),
  h("fieldset", {},
    h("legend", {}, t("h5.consent.address")),
    h("div", { class: "choice" }, inbox, h("label", { for: `${prefix}-inbox` }, t("h5.consent.address_inbox"))),
    h("div", { class: "choice" }, phoneKind, h("label", { for: `${prefix}-phone-kind` }, t("h5.consent.address_phone"))),
    h("label", { for: `${prefix}-phone` }, t("h5.consent.phone")), phone),
  h("div", { class: "choice" }, agreed, h("label", { for: `${prefix}-agree` }, t("h5.consent.agree"))),
  message,
  h("button", { type: "submit" }, t("h5.consent.submit")));
  return form;
}

// The case page's consent section: one form for each of my parties without a consent in force.
export async function consentSection(caseId, onGiven) {
  let consent;
  try {
    consent = await api(`${MP}/cases/${caseId}/service-consent`);
  } catch (error) {
    return h("p", { class: "error" }, errorText(error));
  }
  const section = h("section", { id: "consent", "aria-labelledby": "consent-title" },
    h("h2", { id: "consent-title" }, t("h5.consent.section")));
  for (const party of consent.parties) {
    if (party.status === "given") {
      section.append(h("p", { class: "info" }, t("h5.consent.in_force", {
        name: party.name, notices: label("notices_to", party.notices_to),
      })));
    } else {
      if (party.waiting_documents) {
        section.append(h("p", { class: "hint" }, t("h5.consent.waiting", { n: party.waiting_documents })));
      }
      section.append(consentForm({ caseId, party, text: consent.consent_text, onGiven }));
    }
  }
  return section;
}

// #/claim: the code from the court's SMS ("输入接收码"), then the consent for that case.
export async function claimPage(main, go) {
  const code = h("input", { id: "claim-code", required: true, maxlength: 32, autocomplete: "off" });
  const message = h("div", { "aria-live": "polite" });
  const form = h("form", { class: "card", novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    if (!code.value.trim()) return code.focus();
    const submit = form.querySelector("button[type=submit]");
    submit.disabled = true;
    try {
      const claimed = await api(`${MP}/service/claim`, { method: "POST", body: { code: code.value.trim() } });
      announce(t("h5.claim.joined", { title: claimed.case_title }));
      go(`#/cases/${claimed.case_id}`);
    } catch (error) {
      submit.disabled = false;
      message.replaceChildren(h("p", { class: "error", role: "alert" },
        error.status === 404 ? t("h5.claim.not_found") : errorText(error)));
    }
  } },
  h("label", { for: "claim-code" }, t("h5.claim.code")), code,
  message,
  h("button", { type: "submit" }, t("h5.claim.submit")));
  main.replaceChildren(
    h("h1", { id: "page-title", tabindex: "-1" }, t("h5.claim.title")),
    h("p", {}, t("h5.claim.intro")),
    form);
  setTitle(t("h5.claim.title"));
}
