// SMS login, the same for citizens, recipients and court staff: the existing /api/mp/v1/auth/sms/* endpoints.
// In development the console SMS gateway keeps the text, and the dev outbox (404 in production) shows the code.

import { devOutbox, sendLoginCode, verifyLoginCode } from "./api.js";
import { t } from "./i18n.js";
import { announce, h, errorText } from "./ui.js";

const PHONE = /^\+?\d{5,20}$/;
const CODE = /^\d{6}$/;

// The login screen the server sent with the page (miniprogram_api/pages.py renders it, so a slow connection can
// type before the scripts arrive), while no script has taken it over yet.
export function servedLogin() {
  const screen = document.getElementById("login-screen");
  return screen && !screen.dataset.ready ? screen : null;
}

// The login screen: the served one taken over as it is (what was typed and the focus stay), else a new one.
export function loginView({ intro, onLoggedIn }) {
  const served = servedLogin();
  const screen = served || loginScreen();
  screen.dataset.ready = "1";
  const form = screen.querySelector("form");
  const phone = form.querySelector("#phone");
  const code = form.querySelector("#code");
  const sendButton = form.querySelector("#send-code");
  const submit = form.querySelector("#login");
  const devHint = form.querySelector("#dev-code");
  const message = form.querySelector(".messages");
  const introLine = screen.querySelector(".intro");
  introLine.removeAttribute("data-i18n");
  introLine.textContent = intro || "";
  introLine.hidden = !intro;
  if (served) {
    message.replaceChildren(); // "still loading": no longer true
    for (const button of [sendButton, submit]) {
      button.removeAttribute("aria-describedby");
      button.disabled = false;
    }
  }
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

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const number = phone.value.trim();
    if (!PHONE.test(number)) return say(t("login.phone_invalid"), "error");
    if (!CODE.test(code.value.trim())) {
      code.focus();
      return say(t("login.code_invalid"), "error");
    }
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
  });

  return screen;
}

// The same screen as web/<site>/index.html carries (keep the two alike: ids, classes, attributes).
function loginScreen() {
  return h("section", { id: "login-screen", "aria-labelledby": "page-title" },
    h("h1", { id: "page-title", tabindex: "-1" }, t("login.title")),
    h("p", { class: "intro", id: "login-intro" }),
    h("form", { class: "card", id: "login-form", novalidate: true },
      h("label", { for: "phone" }, t("login.phone")),
      h("input", {
        id: "phone", name: "phone", type: "tel", inputmode: "tel", autocomplete: "tel", required: true, maxlength: 20,
      }),
      h("div", { class: "row" }, h("button", { type: "button", id: "send-code", class: "secondary" }, t("login.send_code"))),
      h("label", { for: "code" }, t("login.code")),
      h("input", {
        id: "code", name: "code", inputmode: "numeric", autocomplete: "one-time-code", maxlength: 6, required: true,
        pattern: "\\d{6}",
      }),
      h("p", { class: "hint", id: "dev-code", hidden: true }),
      h("div", { class: "messages", "aria-live": "polite" }),
      h("button", { type: "submit", id: "login" }, t("login.submit"))));
}
