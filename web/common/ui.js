// Small DOM helpers shared by the H5 client and the console. Text goes in as textContent, never as HTML.

import { ApiError } from "./api.js";
import { LANGUAGES, currentLanguage, has, setLanguage, t } from "./i18n.js";

const LARGE = "mc.large-text";
const LANGUAGE_NAMES = { "zh-CN": "language.zh-CN", en: "language.en" }; // each shown in its own language

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") el.className = value;
    else if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function formatTime(iso) {
  if (!iso) return "";
  const at = new Date(iso);
  return new Intl.DateTimeFormat(currentLanguage(), {
    dateStyle: "medium",
    timeStyle: "short",
    timeZone: "Asia/Shanghai",
  }).format(at);
}

// A calendar date the API sends as YYYY-MM-DD (a day in China), written the reader's way.
export function formatDate(isoDate) {
  if (!isoDate) return "";
  const [year, month, day] = isoDate.split("-").map(Number);
  return new Intl.DateTimeFormat(currentLanguage(), { dateStyle: "long", timeZone: "UTC" })
    .format(new Date(Date.UTC(year, month - 1, day)));
}

export function formatSize(bytes) {
  if (bytes >= 1048576) return t("common.size_mb", { n: (bytes / 1048576).toFixed(1) });
  return t("common.size_kb", { n: Math.max(1, Math.round(bytes / 1024)) });
}

// The catalogue's words for an API error: by its machine reason when the catalogue knows it.
export function errorText(error) {
  if (error instanceof ApiError) {
    const key = `error.${error.reason}`;
    if (has(key)) return t(key);
    if (error.status === 0) return t("error.network");
    if (error.status === 404) return t("error.not_found");
    if (error.status === 403) return t("error.forbidden");
    if (error.status === 429) return t("error.too_many");
    if (error.status === 400 || error.status === 422) return t("error.invalid");
    if (error.status === 409) return t("error.conflict");
    return t("error.generic", { reason: error.reason });
  }
  console.warn(error);
  return t("error.generic", { reason: "script" });
}

// One polite live region per page tells screen-reader users what just happened.
export function announce(message) {
  const region = document.getElementById("status");
  if (!region) return;
  region.textContent = "";
  region.textContent = message;
}

export function showError(where, error) {
  where.replaceChildren(h("p", { class: "error", role: "alert" }, errorText(error)));
}

export function applyLargeText() {
  document.documentElement.classList.toggle("large-text", localStorage.getItem(LARGE) === "1");
}

// The header's tools: large text (适老化) and the language, both remembered on this device. The served page
// carries both, disabled until now: they are taken over where they stand (made here only when missing).
export function mountTools(container) {
  applyLargeText();
  const pressed = () => String(document.documentElement.classList.contains("large-text"));
  const large = container.querySelector("#large-text-toggle")
    || h("button", { type: "button", class: "tool", id: "large-text-toggle" }, t("common.large_text"));
  large.setAttribute("aria-pressed", pressed());
  large.addEventListener("click", () => {
    localStorage.setItem(LARGE, localStorage.getItem(LARGE) === "1" ? "0" : "1");
    applyLargeText();
    large.setAttribute("aria-pressed", pressed());
  });
  const select = container.querySelector("#language") || h("select", { id: "language" });
  select.setAttribute("aria-label", t("common.language"));
  select.replaceChildren(...LANGUAGES.map((lang) => h("option", { value: lang, selected: lang === currentLanguage() },
    t(LANGUAGE_NAMES[lang]))));
  select.addEventListener("change", (event) => setLanguage(event.target.value));
  for (const control of [large, select]) {
    control.disabled = false;
    if (control.parentNode !== container) container.append(control);
  }
}

export function setTitle(text, focus = true) {
  document.title = `${text} · ${t("common.product")}`;
  const heading = document.querySelector("main h1");
  if (heading && focus) heading.focus({ preventScroll: true });
}
