// Form fields with their own error line: a label, the control, a hint, and the messages for that field
// (the page's own checks, or the API's 422 `errors`, whose keys are field paths such as "parties.1.phone").

import { h } from "./ui.js";

let counter = 0;

// One labelled field; `path` is the API's name for it, so the server's errors land next to it.
export function field(path, labelText, control, hint) {
  const id = control.id || `f${(counter += 1)}`;
  control.id = id;
  const error = h("p", { class: "error field-error", id: `${id}-error`, hidden: true });
  const hintLine = hint ? h("p", { class: "meta", id: `${id}-hint` }, hint) : null;
  control.setAttribute("aria-describedby", [hintLine && `${id}-hint`, `${id}-error`].filter(Boolean).join(" "));
  return h("div", { class: "field", "data-field": path }, h("label", { for: id }, labelText), control, hintLine, error);
}

// The API's errors flattened to dotted paths: {"parties": {"1": {"phone": [..]}}} -> {"parties.1.phone": [..]}.
export function flatten(errors, prefix = "", out = {}) {
  for (const [key, value] of Object.entries(errors || {})) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (Array.isArray(value)) out[path] = (out[path] || []).concat(value.map(String));
    else if (value && typeof value === "object") flatten(value, path, out);
    else out[path] = [String(value)];
  }
  return out;
}

export function clearErrors(form) {
  for (const line of form.querySelectorAll(".field-error")) {
    line.hidden = true;
    line.textContent = "";
  }
  for (const control of form.querySelectorAll("[aria-invalid]")) control.removeAttribute("aria-invalid");
}

// Show each message next to its field; returns the messages that have no field on this form, and focuses the
// first field in error (a screen reader then reads its label and, through aria-describedby, the message).
export function showErrors(form, errors) {
  const flat = flatten(errors);
  const loose = [];
  let first = null;
  for (const [path, messages] of Object.entries(flat)) {
    const box = form.querySelector(`[data-field="${CSS.escape(path)}"]`);
    if (!box) {
      loose.push(...messages);
      continue;
    }
    const line = box.querySelector(".field-error");
    line.textContent = messages.join(" ");
    line.hidden = false;
    const control = box.querySelector("input, select, textarea");
    if (control) {
      control.setAttribute("aria-invalid", "true");
      first = first || control;
    }
  }
  if (first) first.focus();
  return loose;
}
