// The mediation schedule (GET /me/schedule: my sessions and hearings, in Asia/Shanghai time) and one session's page:
// attendance (POST /sessions/{id}/attendance), the video room (POST /sessions/{id}/video/entry: a ticket or a link,
// inside the entry window only) and the minutes (GET /sessions/{id}/minutes, signed with their SHA-256).

import { api } from "/web/common/api.js";
import { label, t } from "/web/common/i18n.js";
import { announce, errorText, formatTime, h, setTitle } from "/web/common/ui.js";

const MP = "/api/mp/v1";
const alert = (text) => h("p", { class: "error", role: "alert" }, text);

function when(item) {
  return t("h5.schedule.when", { start: formatTime(item.starts_at), end: formatTime(item.ends_at) });
}

export async function schedulePage(main) {
  const schedule = await api(`${MP}/me/schedule`);
  const items = schedule.items.map((item) => h("li", {},
    h("a", { href: `#/sessions/${item.id}` },
      h("span", { class: "title" }, `${label("session_kind", item.kind)} · ${item.case_title}`),
      h("span", { class: "meta" }, when(item)), h("br"),
      h("span", { class: "meta" }, `${label("session_mode", item.mode)} `),
      h("span", { class: `badge ${item.status === "scheduled" ? "ok" : "warn"}` }, label("session_status", item.status)))));
  main.replaceChildren(
    h("h1", { id: "page-title", tabindex: "-1" }, t("h5.schedule.title")),
    h("p", { class: "meta" }, t("h5.schedule.range", { from: formatTime(schedule.from), to: formatTime(schedule.to) })),
    items.length ? h("ul", { class: "list", id: "schedule" }, items) : h("p", { class: "card" }, t("h5.schedule.empty")));
  setTitle(t("h5.schedule.title"));
}

// A case's sessions (GET /cases/{id}/sessions), past ones included, for its page; null when it has none.
export async function caseSessions(caseId) {
  let sessions;
  try {
    sessions = await api(`${MP}/cases/${caseId}/sessions`);
  } catch (error) {
    return error.status === 404 || error.status === 403 ? null : alert(errorText(error));
  }
  if (!sessions.length) return null;
  return h("section", { id: "case-sessions", "aria-labelledby": "case-sessions-title" },
    h("h2", { id: "case-sessions-title" }, t("h5.schedule.of_case")),
    h("ul", { class: "list" }, sessions.map((item) => h("li", {},
      h("a", { href: `#/sessions/${item.id}` },
        h("span", { class: "title" }, `${label("session_kind", item.kind)} · ${label("session_mode", item.mode)}`),
        h("span", { class: "meta" }, `${when(item)} `),
        h("span", { class: `badge ${item.status === "scheduled" ? "ok" : "warn"}` }, label("session_status", item.status)))))));
}

function attendanceBlock(session, reload) {
  const mine = session.attendance.find((row) => row.is_me) || {}; // no row until the person answers
  if (!["party", "lawyer"].includes(session.my_role) || session.status !== "scheduled") return null;
  const message = h("div", {});
  const answer = (attending) => async () => {
    try {
      await api(`${MP}/sessions/${session.id}/attendance`, { method: "POST", body: { attending } });
      announce(t(attending ? "h5.session.will_attend" : "h5.session.will_not_attend"));
      await reload();
    } catch (error) {
      message.replaceChildren(alert(errorText(error)));
    }
  };
  const said = mine.attending === true ? t("h5.session.will_attend") : mine.attending === false ? t("h5.session.will_not_attend") : t("h5.session.not_answered");
  return h("section", { class: "card", "aria-labelledby": "attend-title" },
    h("h2", { id: "attend-title" }, t("h5.session.attendance")),
    h("p", { id: "attend-state" }, said),
    h("button", { type: "button", id: "attend-yes", onclick: answer(true) }, t("h5.session.attend")),
    h("button", { type: "button", class: "secondary", id: "attend-no", onclick: answer(false) }, t("h5.session.not_attend")),
    message);
}

// The video room: the API decides the window; the page explains what it says.
function videoBlock(session) {
  if (session.mode !== "video" || session.status !== "scheduled") return null;
  const out = h("div", { "aria-live": "polite", id: "video-state" });
  const enter = h("button", { type: "button", id: "video-enter", onclick: async () => {
    enter.disabled = true;
    try {
      const ticket = await api(`${MP}/sessions/${session.id}/video/entry`, { method: "POST" });
      const span = t("h5.video.window", { opens: formatTime(ticket.opens_at), closes: formatTime(ticket.closes_at) });
      if (ticket.meeting_url) {
        out.replaceChildren(h("p", {}, span),
          h("a", { class: "button", id: "video-link", href: ticket.meeting_url, rel: "noopener noreferrer" }, t("h5.video.open_link")));
      } else if (ticket.provider === "trtc" && ticket.user_sig) {
        // The room is a page of its own (room.html: its policy lets TRTC's SDK reach Tencent); it takes this ticket.
        sessionStorage.setItem(`mc.video.ticket.${session.id}`, JSON.stringify(ticket));
        out.replaceChildren(h("p", {}, span), h("p", {}, t("h5.room.loading")));
        window.location.assign(`/h5/room.html?session=${session.id}`);
      } else {
        out.replaceChildren(h("p", {}, span), h("p", { class: "hint" }, t("h5.video.app_only")));
      }
    } catch (error) {
      const opens = error.body && error.body.errors && error.body.errors.opens_at;
      if (error.reason === "video.too_early" && opens) out.replaceChildren(h("p", { class: "hint", role: "alert" }, t("h5.video.too_early", { at: formatTime(opens[0]) })));
      else if (error.reason === "video.identity_not_verified") {
        out.replaceChildren(alert(t("error.video.identity_not_verified")), h("a", { href: "#/me" }, t("h5.verify.title")));
      } else out.replaceChildren(alert(errorText(error)));
    } finally {
      enter.disabled = false;
    }
  } }, t("h5.video.enter"));
  return h("section", { class: "card", "aria-labelledby": "video-title" },
    h("h2", { id: "video-title" }, t("h5.video.title")),
    h("p", { class: "meta" }, t("h5.video.intro")),
    enter, out);
}

async function minutesBlock(session, reload) {
  let minutes;
  try {
    minutes = await api(`${MP}/sessions/${session.id}/minutes`);
  } catch (error) {
    return error.status === 404 || error.status === 403 ? null : alert(errorText(error));
  }
  const message = h("div", {});
  const signed = minutes.signatures.map((s) => h("li", {}, `${label("signer_role", s.role)} · ${label("minutes_decision", s.decision)} · ${formatTime(s.at)}`));
  const canSign = minutes.status === "signing" && minutes.must_sign && !minutes.my_decision;
  return h("section", { class: "card", "aria-labelledby": "minutes-title" },
    h("h2", { id: "minutes-title" }, t("h5.minutes.title")),
    h("p", { class: "meta" }, `${label("minutes_status", minutes.status)} · ${t("h5.agreement.version", { n: minutes.version })}`),
    h("div", { class: "consent-text", tabindex: "0", role: "region", "aria-label": t("h5.minutes.text") }, minutes.text),
    signed.length ? h("ul", {}, signed) : null,
    canSign ? h("button", { type: "button", id: "minutes-sign", onclick: async () => {
      try {
        await api(`${MP}/sessions/${session.id}/minutes/sign`, { method: "POST", body: { sha256: minutes.sha256 } });
        announce(t("h5.minutes.signed"));
        await reload();
      } catch (error) {
        message.replaceChildren(alert(errorText(error)));
      }
    } }, t("h5.minutes.sign")) : null,
    message);
}

export async function sessionPage(main, id) {
  const session = await api(`${MP}/sessions/${id}`);
  const reload = () => sessionPage(main, id);
  const minutes = await minutesBlock(session, reload);
  main.replaceChildren(
    h("p", {}, h("a", { href: "#/schedule" }, t("h5.schedule.back"))),
    h("h1", { id: "page-title", tabindex: "-1" }, label("session_kind", session.kind)),
    h("div", { class: "card" }, h("dl", { class: "facts" },
      h("dt", {}, t("h5.session.when")), h("dd", { id: "session-when" }, when(session)),
      h("dt", {}, t("h5.session.mode")), h("dd", {}, label("session_mode", session.mode)),
      h("dt", {}, t("h5.session.place")), h("dd", {}, session.location || t("common.none")),
      h("dt", {}, t("h5.case.status")), h("dd", {}, label("session_status", session.status)),
      session.cancel_reason ? [h("dt", {}, t("h5.session.cancel_reason")), h("dd", {}, session.cancel_reason)] : null),
    h("p", {}, h("a", { href: `#/cases/${session.case_id}` }, t("h5.document.open_case")))),
    attendanceBlock(session, reload),
    videoBlock(session),
    minutes);
  setTitle(label("session_kind", session.kind));
}
