// One text catalogue per language (web/i18n/<lang>.json), Chinese first. Every word a page shows is looked up
// here by key: in HTML with data-i18n / data-i18n-label / data-i18n-placeholder, in scripts with t(KEY).
// A key missing from the catalogue is logged as an error (the browser tests fail on it) and shown as the key.
// Each site fetches only its own words (/h5/i18n/<lang>.json, /console/i18n/<lang>.json: miniprogram_api/pages.py
// leaves out the other site's h5.* or console.* keys).

export const LANGUAGES = ["zh-CN", "en"];
const STORE = "mc.lang";
let catalogue = {};

export function currentLanguage() {
  const chosen = localStorage.getItem(STORE);
  return LANGUAGES.includes(chosen) ? chosen : LANGUAGES[0];
}

export async function loadCatalogue(site) {
  const lang = currentLanguage();
  const response = await fetch(`/${site}/i18n/${lang}.json`, { headers: { Accept: "application/json" } });
  catalogue = await response.json();
  document.documentElement.lang = lang;
  return lang;
}

export function t(key, params = {}) {
  const text = catalogue[key];
  if (text === undefined) {
    console.error(`i18n: missing key ${key}`);
    return key;
  }
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

export function has(key) {
  return Object.prototype.hasOwnProperty.call(catalogue, key);
}

// A label for a value the server sends (a status, a document type): the catalogue's word when it has one,
// else the value itself (it is data, not page text).
export function label(group, value) {
  if (value === null || value === undefined || value === "") return "";
  const text = catalogue[`${group}.${value}`];
  return text === undefined ? String(value) : text;
}

export function translate(root = document) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-label]")) el.setAttribute("aria-label", t(el.dataset.i18nLabel));
  for (const el of root.querySelectorAll("[data-i18n-placeholder]")) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of root.querySelectorAll("[data-i18n-title]")) document.title = t(el.dataset.i18nTitle);
}

export function setLanguage(lang) {
  localStorage.setItem(STORE, lang);
  window.location.reload();
}
