// E-service consent (电子送达同意) and the claim code from the court's SMS: a recipient the court could not serve
// electronically joins the case with the code, reads the consent text, agrees, and the held documents arrive.
// API: POST /service/claim, GET/POST/DELETE /cases/{id}/service-consent; for all of a person's cases (scope
// "all_cases": only the party themselves) GET/DELETE /me/service-consent (docs/e-service.md).

import { api } from "/web/common/api.js";
import { label, t } from "/web/common/i18n.js";
import { announce, errorText, h, setTitle } from "/web/common/ui.js";

const MP = "/api/mp/v1";

// The consent form for one party: the exact text shown (its version and hash go back with the answer).
export function consentForm({ caseId, party, text, onGiven }) {
  const prefix = `consent-${party.party_id}`;
  const shown = { case: text, all_cases: null }; // the text of each scope, as the API gave it
  const scopeCase = h("input", { type: "radio", name: `${prefix}-scope`, id: `${prefix}-scope-case`, value: "case", checked: true });
  const scopeAll = h("input", { type: "radio", name: `${prefix}-scope`, id: `${prefix}-scope-all`, value: "all_cases" });
  const textBox = h("div", { class: "consent-text", tabindex: "0", role: "region", "aria-label": t("h5.consent.text_label") }, text.text);
  const scopeHint = h("p", { class: "meta", id: `${prefix}-scope-hint` }, t("h5.consent.scope_case_means"));
  const scope = () => (scopeAll.checked ? "all_cases" : "case");
  const showScope = async () => {
    if (scope() === "all_cases" && !shown.all_cases) {
      try {
        shown.all_cases = (await api(`${MP}/me/service-consent`)).consent_text;
      } catch (error) {
        scopeCase.checked = true;
        message.replaceChildren(h("p", { class: "error", role: "alert" }, errorText(error)));
        return;
      }
    }
    textBox.textContent = shown[scope()].text;
    scopeHint.textContent = t(scope() === "all_cases" ? "h5.consent.scope_all_means" : "h5.consent.scope_case_means");
  };
  scopeCase.addEventListener("change", showScope);
  scopeAll.addEventListener("change", showScope);
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
      if (!shown[scope()]) {
        // "All cases" was chosen but its text has not arrived yet (a slow network): nobody consents to a text
        // they were not shown. Show it (or, if it cannot be had, showScope says why and goes back to this case)
        // and ask for the tick again.
        await showScope();
        agreed.checked = false;
        if (shown[scope()]) message.replaceChildren(h("p", { class: "error", role: "alert" }, t("h5.consent.must_agree")));
        submit.disabled = false;
        agreed.focus();
        return;
      }
      try {
        await api(`${MP}/cases/${caseId}/service-consent`, {
          method: "POST",
          body: {
            party_id: party.party_id,
            scope: scope(),
            address_kind: kind,
            address: kind === "phone" ? phone.value.trim() : null,
            text_version: shown[scope()].version,
            text_sha256: shown[scope()].sha256,
            method: "h5",
          },
        });
        announce(t(scope() === "all_cases" ? "h5.consent.given_all" : "h5.consent.given"));
        await onGiven(party);
      } catch (error) {
        submit.disabled = false;
        message.replaceChildren(h("p", { class: "error", role: "alert" }, errorText(error)));
      }
    },
  },
  h("h2", {}, t("h5.consent.title", { name: party.name })),
  h("fieldset", { "aria-describedby": `${prefix}-scope-hint` },
    h("legend", {}, t("h5.consent.scope")),
    h("div", { class: "choice" }, scopeCase, h("label", { for: `${prefix}-scope-case` }, t("h5.consent.scope_case"))),
    h("div", { class: "choice" }, scopeAll, h("label", { for: `${prefix}-scope-all` }, t("h5.consent.scope_all"))),
    scopeHint),
  textBox,
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
      const all = party.scope === "all_cases";
      section.append(h("p", { class: "info", id: all ? "consent-all-cases" : null }, t(all ? "h5.consent.in_force_all" : "h5.consent.in_force", {
        name: party.name, notices: label("notices_to", party.notices_to),
      })), withdrawBlock({ caseId, party, all, onChanged: onGiven }));
    } else {
      if (party.waiting_documents) {
        section.append(h("p", { class: "hint" }, t("h5.consent.waiting", { n: party.waiting_documents })));
      }
      section.append(consentForm({ caseId, party, text: consent.consent_text, onGiven }));
    }
  }
  return section;
}

// Withdrawing: for this case (DELETE /cases/{id}/service-consent) or, under a consent for all cases, for all of
// them (DELETE /me/service-consent); asked twice, saying what it means. Documents already served stay served.
function withdrawBlock({ caseId, party, all, onChanged }) {
  const prefix = `withdraw-${party.party_id}`;
  const box = h("div", { class: "withdraw", id: prefix });
  const ask = h("button", { type: "button", class: "secondary", id: `${prefix}-ask` }, t(all ? "h5.consent.withdraw_all" : "h5.consent.withdraw"));
  ask.addEventListener("click", () => {
    const message = h("div", { "aria-live": "polite" });
    const confirm = h("button", { type: "button", id: `${prefix}-confirm` }, t("h5.consent.withdraw_confirm"));
    const cancel = h("button", { type: "button", class: "secondary" }, t("h5.consent.withdraw_cancel"));
    cancel.addEventListener("click", () => {
      box.replaceChildren(ask);
      ask.focus();
    });
    confirm.addEventListener("click", async () => {
      confirm.disabled = true;
      try {
        const path = all ? `${MP}/me/service-consent` : `${MP}/cases/${caseId}/service-consent?party_id=${party.party_id}`;
        await api(path, { method: "DELETE" });
        announce(t("h5.consent.withdrawn"));
        await onChanged({ ...party, waiting_documents: 0 });
      } catch (error) {
        confirm.disabled = false;
        message.replaceChildren(h("p", { class: "error", role: "alert" }, errorText(error)));
      }
    });
    const question = h("p", { class: "hint", id: `${prefix}-means`, tabindex: "-1" }, t(all ? "h5.consent.withdraw_all_means" : "h5.consent.withdraw_means"));
    box.replaceChildren(question, confirm, cancel, message);
    question.focus();
  });
  box.append(ask);
  return box;
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
