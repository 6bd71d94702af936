// SMS login, the same for citizens, recipients and court staff: the existing /api/mp/v1/auth/sms/* endpoints.
// In development the console SMS gateway keeps the text, and the dev outbox (404 in production) shows the code.

import { devOutbox, sendLoginCode, verifyLoginCode } from "./api.js";
import { t } from "./i18n.js";
import { announce, h, errorText } from "./ui.js";

const PHONE = /^\+?\d{5,20}$/;
const CODE = /^\d{6}$/;

export function loginView({ intro, onLoggedIn }) {
  const message = h("div", { class: "messages", "aria-live": "polite" });
  const devHint = h("p", { class: "hint", id: "dev-code", hidden: true });
  const phone = h("input", {
    id: "phone", name: "phone", type: "tel", inputmode: "tel", autocomplete: "tel", required: true, maxlength: 20,
  });
  const code = h("input", {
    id: "code", name: "code", inputmode: "numeric", autocomplete: "one-time-code", maxlength: 6, required: true,
    pattern: "\\d{6}",
  });
  const sendButton = h("button", { type: "button", id: "send-code", class: "secondary" }, t("login.send_code"));
  let waitTimer = null;

  const say = (text, kind = "info") => {
    message.replaceChildren(h("p", { class: kind, role: kind === "error" ? "alert" : null }, text));
  };

  sendButton.addEventListener("click", async () => {
    const number = phone.value.trim();
    if (!PHONE.test(number)) {
      say(t("login.phone_invalid"), "error");
      phone.focus();
      return;
    }
    sendButton.disabled = true;
    try {
      await sendLoginCode(number);
      say(t("login.code_sent"));
      announce(t("login.code_sent"));
      code.focus();
      showDevCode(number);
      let left = 60;
      sendButton.textContent = t("login.resend_in", { n: left });
      waitTimer = setInterval(() => {
        left -= 1;
        if (left <= 0) {
          clearInterval(waitTimer);
          sendButton.disabled = false;
          sendButton.textContent = t("login.send_code");
        } else sendButton.textContent = t("login.resend_in", { n: left });
      }, 1000);
    } catch (error) {
      sendButton.disabled = false;
      say(errorText(error), "error");
    }
  });

  async function showDevCode(number) {
    try {
      const texts = await devOutbox(number);
      const latest = (texts || []).find((item) => item.template === "login_code" && item.code);
      if (latest) {
        devHint.textContent = t("login.dev_code", { code: latest.code });
        devHint.hidden = false;
      }
    } catch {
      // production: there is no dev outbox, and nothing to show
    }
  }

  const form = h("form", {
    class: "card",
    novalidate: true,
    onsubmit: async (event) => {
      event.preventDefault();
      const number = phone.value.trim();
      if (!PHONE.test(number)) return say(t("login.phone_invalid"), "error");
      if (!CODE.test(code.value.trim())) {
        code.focus();
        return say(t("login.code_invalid"), "error");
      }
      const submit = form.querySelector("button[type=submit]");
      submit.disabled = true;
      try {
        const pair = await verifyLoginCode(number, code.value.trim());
        if (waitTimer) clearInterval(waitTimer);
        announce(t("login.done"));
        await onLoggedIn(pair);
      } catch (error) {
        say(errorText(error), "error");
        submit.disabled = false;
      }
    },
  },
  h("label", { for: "phone" }, t("login.phone")),
  phone,
  h("div", { class: "row" }, sendButton),
  h("label", { for: "code" }, t("login.code")),
  code,
  devHint,
  message,
  h("button", { type: "submit", id: "login" }, t("login.submit")));

  return h("section", { "aria-labelledby": "page-title" },
    h("h1", { id: "page-title", tabindex: "-1" }, t("login.title")),
    intro ? h("p", { class: "intro" }, intro) : null,
    form);
}
