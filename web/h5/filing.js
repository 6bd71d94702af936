// Filing a dispute for mediation (申请调解) or a case for litigation (网上立案): POST /cases with the filer as
// applicant / plaintiff (is_self), one or more respondents / defendants, the claims (请求事项 / 诉讼请求) and the
// venue. The page checks what the API checks (cases schema and app/cases/filing.py) before sending; whatever the
// API still refuses comes back as field errors (422 `errors`) and is shown next to the field it names.

import { api, newKey } from "/web/common/api.js";
import { clearErrors, field, showErrors } from "/web/common/fields.js";
import { label, t } from "/web/common/i18n.js";
import { announce, errorText, h, setTitle } from "/web/common/ui.js";
import { cleanId, idProblem } from "./verify.js";

const MP = "/api/mp/v1";
const ORG_CODE = /^[0-9A-HJ-NPQRTUWXY]{18}$/;
const AMOUNT = /^[0-9]{1,14}(\.[0-9]{1,2})?$/;

// A mainland mobile number as the API accepts it (app/security/pii.py normalize_phone).
export function phoneOk(raw) {
  let text = raw.replace(/[\uff10-\uff19]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0)).replace(/[\s\-().]/g, "");
  if (!/^\+?[0-9]+$/.test(text)) return false;
  if (text.startsWith("+")) {
    if (!text.startsWith("+86")) return false;
    text = text.slice(3);
  } else if (text.startsWith("0086")) text = text.slice(4);
  else if (text.length === 13 && text.startsWith("86")) text = text.slice(2);
  return /^1[3-9][0-9]{9}$/.test(text);
}

const sel = (id, options) => h("select", { id }, options.map(([value, text]) => h("option", { value }, text)));

let made = 0;

// One other party; `place(index)` names its fields by its position (the API's paths: parties.0 is the filer).
function otherParty(onRemove) {
  const k = (made += 1); // element ids stay unique when a party is removed
  const type = sel(`p${k}-type`, [["person", t("h5.file.person")], ["organization", t("h5.file.organization")]]);
  const name = h("input", { id: `p${k}-name`, maxlength: 120, autocomplete: "off" });
  const phone = h("input", { id: `p${k}-phone`, type: "tel", inputmode: "tel", maxlength: 32, autocomplete: "off" });
  const idNumber = h("input", { id: `p${k}-id`, maxlength: 24, autocomplete: "off" });
  const orgCode = h("input", { id: `p${k}-org`, maxlength: 18, autocomplete: "off" });
  const address = h("input", { id: `p${k}-address`, maxlength: 255, autocomplete: "off" });
  const boxes = {
    party_type: field("", t("h5.file.party_type"), type),
    name: field("", t("h5.file.party_name"), name),
    phone: field("", t("h5.file.party_phone"), phone, t("h5.file.phone_hint")),
    id_number: field("", t("h5.file.id_number"), idNumber),
    org_code: field("", t("h5.file.org_code"), orgCode),
    address: field("", t("h5.file.party_address"), address),
  };
  const sync = () => {
    boxes.id_number.hidden = type.value !== "person";
    boxes.org_code.hidden = type.value === "person";
  };
  type.addEventListener("change", sync);
  const legend = h("legend", {});
  const remove = h("button", { type: "button", class: "secondary", onclick: onRemove }, t("h5.file.remove_party"));
  const box = h("fieldset", { class: "party" }, legend, Object.values(boxes), remove);
  sync();
  box.place = (index) => {
    legend.textContent = t("h5.file.other_party", { n: index + 1 });
    for (const [name, fieldBox] of Object.entries(boxes)) fieldBox.dataset.field = `parties.${index + 1}.${name}`;
    remove.hidden = index === 0; // at least one other party
  };
  box.read = () => {
    const party = { name: name.value.trim(), party_type: type.value };
    if (phone.value.trim()) party.phone = phone.value.trim();
    if (type.value === "person" && idNumber.value.trim()) party.id_number = cleanId(idNumber.value);
    if (type.value !== "person" && orgCode.value.trim()) party.org_code = orgCode.value.trim().toUpperCase();
    if (address.value.trim()) party.address = address.value.trim();
    return party;
  };
  return box;
}

// The page's own checks, as the API's: {path: [message]}.
function check(body) {
  const errors = {};
  const need = (ok, path, key, params) => {
    if (!ok) errors[path] = [t(key, params)];
  };
  need(body.title.length >= 2 && body.title.length <= 200, "title", "h5.file.length", { min: 2, max: 200 });
  need(body.facts.length >= 2 && body.facts.length <= 20000, "facts", "h5.file.length", { min: 2, max: 20000 });
  need(body.claims.length >= 2 && body.claims.length <= 5000, "claims", "h5.file.length", { min: 2, max: 5000 });
  need(body.category, "category", "h5.file.required");
  need(body.kind === "litigation" ? body.court_id : body.org_id || body.court_id, body.kind === "litigation" ? "court_id" : "org_id", "h5.file.venue_required");
  if (body.amount !== undefined) need(AMOUNT.test(body.amount), "amount", "h5.file.amount_invalid");
  body.parties.forEach((party, n) => {
    need(party.name.length >= 1, `parties.${n}.name`, "h5.file.required");
    if (party.phone) need(phoneOk(party.phone), `parties.${n}.phone`, "login.phone_invalid");
    if (party.id_number) {
      const problem = idProblem(party.id_number);
      need(!problem, `parties.${n}.id_number`, problem || "h5.file.required");
    }
    if (party.org_code) need(ORG_CODE.test(party.org_code), `parties.${n}.org_code`, "h5.file.org_code_invalid");
  });
  return errors;
}

export async function filingPage(main, go) {
  const [me, orgs, categories] = await Promise.all([
    api(`${MP}/me`),
    api(`${MP}/mediation/orgs?limit=50`),
    fetch("case-categories.json").then((r) => r.json()),
  ]);
  const verified = me.verification_status === "verified";
  const courts = new Map();
  for (const org of orgs.items) for (const court of org.linked_courts) courts.set(court.id, court.name);

  const kindMediation = h("input", { type: "radio", name: "kind", id: "kind-mediation", value: "mediation", checked: true });
  const kindLitigation = h("input", { type: "radio", name: "kind", id: "kind-litigation", value: "litigation" });
  const category = sel("category", [["", t("h5.file.choose")], ...categories.map((c) => [c, label("case_category", c)])]);
  const org = sel("org", [["", t("h5.file.choose")], ...orgs.items.map((o) => [o.id, `${o.name} · ${o.region}`])]);
  const court = sel("court", [["", t("h5.file.choose")], ...courts]);
  const title = h("input", { id: "title", maxlength: 200, autocomplete: "off" });
  const facts = h("textarea", { id: "facts", maxlength: 20000, rows: 5 });
  const claims = h("textarea", { id: "claims", maxlength: 5000, rows: 4 });
  const amount = h("input", { id: "amount", inputmode: "decimal", maxlength: 17, autocomplete: "off" });
  const eService = h("input", { type: "checkbox", id: "consent-e-service", checked: true });
  const online = h("input", { type: "checkbox", id: "consent-online", checked: true });
  const orgBox = field("org_id", t("h5.file.org"), org, orgs.items.length ? null : t("h5.file.no_orgs"));
  const courtBox = field("court_id", t("h5.file.court"), court, courts.size ? t("h5.file.court_hint") : t("h5.file.no_courts"));
  const claimsLabel = h("span", {});
  const onlineBox = h("div", { class: "choice" }, online, h("label", { for: "consent-online" }, t("h5.file.consent_online")));
  const needVerify = h("p", { class: "hint", id: "need-verify" }, t("h5.file.need_verify"), " ",
    h("a", { href: "#/me?next=file" }, t("h5.verify.title")));
  const myName = h("input", { id: "my-name", maxlength: 120, autocomplete: "name", value: me.real_name || "", readonly: verified });
  const others = h("div", {});
  const renumber = () => [...others.children].forEach((box, index) => box.place(index));
  const addParty = () => {
    const box = otherParty(() => {
      box.remove();
      renumber();
      others.lastElementChild.querySelector("select").focus();
    });
    others.append(box);
    renumber();
  };
  addParty();

  const litigation = () => kindLitigation.checked;
  const sync = () => {
    orgBox.hidden = litigation();
    courtBox.hidden = !litigation();
    onlineBox.hidden = litigation();
    needVerify.hidden = !litigation() || verified;
    claimsLabel.textContent = t(litigation() ? "h5.file.claims_litigation" : "h5.file.claims_mediation");
  };
  kindMediation.addEventListener("change", sync);
  kindLitigation.addEventListener("change", sync);

  const key = newKey(); // one filing per form: a retried submit returns the same case
  const summary = h("div", { role: "alert" });
  const form = h("form", { class: "card", novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    clearErrors(form);
    summary.replaceChildren();
    const kind = litigation() ? "litigation" : "mediation";
    const self = { role: kind === "litigation" ? "plaintiff" : "applicant", is_self: true, party_type: "person", name: myName.value.trim() };
    const body = {
      kind,
      title: title.value.trim(),
      category: category.value,
      facts: facts.value.trim(),
      claims: claims.value.trim(),
      parties: [self, ...[...others.children].map((box) => ({ ...box.read(), role: kind === "litigation" ? "defendant" : "respondent" }))],
      consents: { e_service: eService.checked, ...(kind === "mediation" ? { online_mediation: online.checked } : {}) },
    };
    if (amount.value.trim()) body.amount = amount.value.trim();
    if (kind === "litigation" && court.value) body.court_id = court.value;
    if (kind === "mediation" && org.value) body.org_id = org.value;
    const errors = check(body);
    if (kind === "litigation" && !verified) errors.parties = [t("h5.file.need_verify")];
    if (Object.keys(errors).length) {
      const loose = showErrors(form, errors);
      summary.replaceChildren(h("p", { class: "error" }, t("common.fix_fields")), ...loose.map((m) => h("p", { class: "error" }, m)));
      return;
    }
    const submit = form.querySelector("button[type=submit]");
    submit.disabled = true;
    try {
      const filed = await api(`${MP}/cases`, { method: "POST", body, key });
      announce(t("h5.file.filed", { title: filed.title }));
      go(`#/cases/${filed.id}`);
    } catch (error) {
      submit.disabled = false;
      const loose = error.body && error.body.errors ? showErrors(form, error.body.errors) : [];
      summary.replaceChildren(h("p", { class: "error" }, errorText(error)), ...loose.map((m) => h("p", { class: "error" }, m)));
    }
  } },
  h("fieldset", {}, h("legend", {}, t("h5.file.kind")),
    h("div", { class: "choice" }, kindMediation, h("label", { for: "kind-mediation" }, t("case_kind.mediation"))),
    h("div", { class: "choice" }, kindLitigation, h("label", { for: "kind-litigation" }, t("case_kind.litigation")))),
  needVerify,
  field("category", t("h5.case.category"), category),
  orgBox, courtBox,
  field("title", t("h5.file.title_field"), title, t("h5.file.title_hint")),
  field("facts", t("h5.file.facts"), facts),
  h("div", { class: "field", "data-field": "claims" }, h("label", { for: "claims" }, claimsLabel), claims,
    h("p", { class: "meta", id: "claims-hint" }, t("h5.file.claims_hint")),
    h("p", { class: "error field-error", id: "claims-error", hidden: true })),
  field("amount", t("h5.file.amount"), amount, t("h5.file.amount_hint")),
  field("parties.0.name", t("h5.file.my_name"), myName, verified ? t("h5.file.my_name_verified") : null),
  h("div", { "data-field": "parties" }, h("p", { class: "error field-error", id: "parties-error", hidden: true })),
  others,
  h("button", { type: "button", class: "secondary", id: "add-party", onclick: () => addParty() }, t("h5.file.add_party")),
  h("fieldset", {}, h("legend", {}, t("h5.file.consents")),
    h("div", { class: "choice" }, eService, h("label", { for: "consent-e-service" }, t("h5.file.consent_e_service"))),
    onlineBox),
  summary,
  h("button", { type: "submit" }, t("h5.file.submit")));
  claims.setAttribute("aria-describedby", "claims-hint claims-error");
  sync();
  main.replaceChildren(
    h("p", {}, h("a", { href: "#/cases" }, t("h5.case.back"))),
    h("h1", { id: "page-title", tabindex: "-1" }, t("h5.file.title")),
    h("p", {}, t("h5.file.intro")),
    form);
  setTitle(t("h5.file.title"));
}
