// Real-name verification (实名认证): GET /me, POST /me/verification. The page checks the resident ID number as the
// API does (app/security/idcard.py: 18 characters, the GB 11643 check character, the area, the birth date) before
// sending it; the API's own field errors (e.g. a name that does not match) are shown next to the fields.

import { api } from "/web/common/api.js";
import { clearErrors, field, showErrors } from "/web/common/fields.js";
import { t } from "/web/common/i18n.js";
import { announce, errorText, formatTime, h, setTitle } from "/web/common/ui.js";

const MP = "/api/mp/v1";
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const PROVINCES = "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 71 81 82 83";

// Full-width digits and X folded, spaces dropped, a trailing x upper-cased (as the API cleans it).
export function cleanId(raw) {
  return raw.replace(/[\uff10-\uff19]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/[\uff38\uff58]/g, "X").replace(/\s+/g, "").toUpperCase();
}

// The catalogue key of what is wrong with an ID number, or null when it passes the API's checks.
export function idProblem(raw, today = new Date()) {
  const number = cleanId(raw);
  if (/^\d{15}$/.test(number)) return "h5.verify.id_legacy";
  if (number.length !== 18 || !/^\d{17}[\dX]$/.test(number)) return "h5.verify.id_shape";
  const sum = WEIGHTS.reduce((total, weight, i) => total + weight * Number(number[i]), 0);
  if ("10X98765432"[sum % 11] !== number[17]) return "h5.verify.id_check";
  if (!PROVINCES.split(" ").includes(number.slice(0, 2))) return "h5.verify.id_area";
  if (["81", "82", "83"].includes(number.slice(0, 2)) && number.slice(2, 6) !== "0000") return "h5.verify.id_area";
  const [y, m, d] = [number.slice(6, 10), number.slice(10, 12), number.slice(12, 14)].map(Number);
  const born = new Date(Date.UTC(y, m - 1, d));
  if (born.getUTCFullYear() !== y || born.getUTCMonth() !== m - 1 || born.getUTCDate() !== d) return "h5.verify.id_birth";
  if (born > today || today.getUTCFullYear() - y > 130) return "h5.verify.id_birth";
  return null;
}

const masked = (number) => (number && number.length === 18 ? `${number.slice(0, 3)}***********${number.slice(-4)}` : "");

export async function verifyPage(main, go) {
  const me = await api(`${MP}/me`);
  const next = new URLSearchParams(window.location.hash.split("?")[1] || "").get("next") || "";
  const back = /^[a-z0-9/-]+$/.test(next) ? `#/${next}` : null; // where the person was going (e.g. filing)
  const heading = h("h1", { id: "page-title", tabindex: "-1" }, t("h5.verify.title"));
  if (me.verification_status === "verified") {
    main.replaceChildren(heading, h("div", { class: "card" },
      h("p", { class: "info", id: "verified" }, t("h5.verify.done")),
      h("dl", { class: "facts" },
        h("dt", {}, t("h5.verify.name")), h("dd", {}, me.real_name || ""),
        h("dt", {}, t("h5.verify.id_number")), h("dd", {}, masked(me.id_number)),
        h("dt", {}, t("h5.verify.at")), h("dd", {}, formatTime(me.verified_at)))),
    back ? h("p", {}, h("a", { href: back }, t("common.continue"))) : null);
    setTitle(t("h5.verify.title"));
    return;
  }
  const name = h("input", { id: "real-name", autocomplete: "name", maxlength: 30, required: true });
  const idNumber = h("input", { id: "id-number", autocomplete: "off", maxlength: 22, required: true, spellcheck: "false" });
  const summary = h("div", { role: "alert" });
  const form = h("form", { class: "card", novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    clearErrors(form);
    summary.replaceChildren();
    const errors = {};
    const typedName = name.value.trim();
    if (typedName.length < 2 || typedName.length > 30) errors.real_name = [t("h5.verify.name_invalid")];
    const problem = idProblem(idNumber.value);
    if (problem) errors.id_number = [t(problem)];
    if (Object.keys(errors).length) {
      summary.replaceChildren(h("p", { class: "error" }, t("common.fix_fields")));
      showErrors(form, errors);
      return;
    }
    const submit = form.querySelector("button[type=submit]");
    submit.disabled = true;
    try {
      await api(`${MP}/me/verification`, { method: "POST", keyed: false, body: { real_name: typedName, id_number: cleanId(idNumber.value) } });
      announce(t("h5.verify.done"));
      if (back) go(back);
      else await verifyPage(main, go);
    } catch (error) {
      submit.disabled = false;
      const loose = error.body && error.body.errors ? showErrors(form, error.body.errors) : [];
      summary.replaceChildren(h("p", { class: "error" }, errorText(error)), ...loose.map((m) => h("p", { class: "error" }, m)));
    }
  } },
  field("real_name", t("h5.verify.name"), name),
  field("id_number", t("h5.verify.id_number"), idNumber, t("h5.verify.id_hint")),
  summary,
  h("button", { type: "submit" }, t("h5.verify.submit")));
  main.replaceChildren(heading, h("p", {}, t("h5.verify.intro")), form);
  setTitle(t("h5.verify.title"));
}
