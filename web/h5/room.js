// The TRTC video room in a phone browser: room.html?session=<id>, a page of its own so that only it carries the
// wider content security policy TRTC needs (connect-src to Tencent's servers, blob: workers; docs/pages.md).
// The vendored web SDK (web/vendor/trtc/trtc.js, about 1 MB) is fetched by a script element when the room opens,
// never with the H5 client's first load. The ticket (POST /sessions/{id}/video/entry) gives sdk_app_id, room_id
// (TRTC's strRoomId), room_user_id (userId) and user_sig; the API decides who may enter and when.

import { ApiError, api, session as loggedIn } from "/web/common/api.js";
import { loadCatalogue, t, translate } from "/web/common/i18n.js";
import { announce, errorText, formatTime, h, mountTools, setTitle } from "/web/common/ui.js";

const MP = "/api/mp/v1";
const SDK = "/web/vendor/trtc/trtc.js";
const JOIN_TIMEOUT_MS = 20000; // then the page says it cannot connect and offers to try again
const UUID = /^[0-9a-f-]{36}$/;
const PERMISSION_DENIED = 5302; // TRTC.ERROR_CODE.DEVICE_ERROR's extraCode for NotAllowedError

const main = document.getElementById("main");
const sessionId = new URLSearchParams(window.location.search).get("session") || "";
const back = `/h5/#/sessions/${sessionId}`;
const room = { trtc: null, ticket: null, micMuted: false, cameraMuted: false, closed: false, timer: null };

const state = h("div", { id: "room-state", "aria-live": "polite" });
const localView = h("div", { class: "view", id: "room-local" });
const videos = h("div", { class: "room-videos", id: "room-videos" });

function say(text, { alert = false, actions = [] } = {}) {
  state.replaceChildren(h("p", alert ? { class: "error", role: "alert" } : { class: "info" }, text), ...actions.filter(Boolean));
  if (!alert) announce(text);
}

function backLink() {
  return h("p", {}, h("a", { href: back }, t("h5.room.back")));
}

function fallbackLinks() {
  const ticket = room.ticket;
  return [
    ticket && ticket.meeting_url
      ? h("p", {}, h("a", { class: "button", id: "room-meeting", href: ticket.meeting_url, rel: "noopener noreferrer" }, t("h5.room.meeting_link")))
      : null,
    h("p", { class: "hint" }, t("h5.room.elsewhere")),
  ];
}

function loadSdk() {
  if (window.TRTC) return Promise.resolve(window.TRTC);
  return new Promise((resolve, reject) => {
    const script = h("script", { src: SDK, id: "trtc-sdk" });
    script.addEventListener("load", () => (window.TRTC ? resolve(window.TRTC) : reject(new Error("trtc"))));
    script.addEventListener("error", () => {
      script.remove();
      reject(new Error("trtc"));
    });
    document.head.append(script);
  });
}

function permissionRefused(error) {
  const text = `${(error && error.name) || ""} ${(error && error.message) || ""}`;
  return (error && error.extraCode === PERMISSION_DENIED) || /NotAllowed|Permission/i.test(text);
}

function controls() {
  const mic = h("button", { type: "button", class: "secondary", id: "room-mic", "aria-pressed": "false" }, t("h5.room.mute_mic"));
  const camera = h("button", { type: "button", class: "secondary", id: "room-camera", "aria-pressed": "false" }, t("h5.room.mute_camera"));
  mic.addEventListener("click", async () => {
    if (!room.trtc) return;
    room.micMuted = !room.micMuted;
    try {
      await room.trtc.updateLocalAudio({ mute: room.micMuted });
    } catch {
      room.micMuted = !room.micMuted;
    }
    mic.setAttribute("aria-pressed", String(room.micMuted));
    mic.textContent = t(room.micMuted ? "h5.room.unmute_mic" : "h5.room.mute_mic");
    announce(t(room.micMuted ? "h5.room.mic_off" : "h5.room.mic_on"));
  });
  camera.addEventListener("click", async () => {
    if (!room.trtc) return;
    room.cameraMuted = !room.cameraMuted;
    try {
      await room.trtc.updateLocalVideo({ mute: room.cameraMuted });
    } catch {
      room.cameraMuted = !room.cameraMuted;
    }
    camera.setAttribute("aria-pressed", String(room.cameraMuted));
    camera.textContent = t(room.cameraMuted ? "h5.room.unmute_camera" : "h5.room.mute_camera");
    announce(t(room.cameraMuted ? "h5.room.camera_off" : "h5.room.camera_on"));
  });
  const leave = h("button", { type: "button", id: "room-leave" }, t("h5.room.leave"));
  leave.addEventListener("click", async () => {
    await hangUp();
    window.location.href = back;
  });
  return h("div", { class: "room-controls" }, mic, camera, leave);
}

async function hangUp() {
  const trtc = room.trtc;
  room.trtc = null;
  clearTimeout(room.timer);
  if (!trtc) return;
  for (const step of [() => trtc.exitRoom(), () => trtc.stopLocalVideo(), () => trtc.stopLocalAudio()]) {
    try {
      await step();
    } catch {
      // not in the room, or already stopped
    }
  }
  try {
    trtc.destroy();
  } catch {
    // already destroyed
  }
}

// The entry window ends (or the court closed the room): out of the room, saying why.
async function closed(key) {
  if (room.closed) return;
  room.closed = true;
  await hangUp();
  videos.querySelectorAll(".room-tile.remote").forEach((tile) => tile.remove());
  say(t(key), { alert: true, actions: [backLink()] });
}

function remoteTile(userId, streamType) {
  const id = `room-remote-${userId}-${streamType}`.replace(/[^A-Za-z0-9_-]/g, "_");
  let tile = document.getElementById(id);
  if (!tile) {
    const count = videos.querySelectorAll(".room-tile.remote").length + 1;
    tile = h("div", { class: "room-tile remote", id }, h("div", { class: "view" }), h("p", { class: "name" }, t("h5.room.other", { n: count })));
    videos.append(tile);
  }
  return tile;
}

function listen(TRTC, trtc) {
  trtc.on(TRTC.EVENT.REMOTE_VIDEO_AVAILABLE, ({ userId, streamType }) => {
    const tile = remoteTile(userId, streamType);
    trtc.startRemoteVideo({ userId, streamType, view: tile.querySelector(".view") }).catch(() => {});
    announce(t("h5.room.someone_joined"));
  });
  trtc.on(TRTC.EVENT.REMOTE_VIDEO_UNAVAILABLE, ({ userId, streamType }) => {
    remoteTile(userId, streamType).remove();
  });
  trtc.on(TRTC.EVENT.REMOTE_USER_EXIT, () => announce(t("h5.room.someone_left")));
  trtc.on(TRTC.EVENT.KICKED_OUT, () => closed("h5.room.closed_by_court"));
  // A phone may refuse to play the others' sound until the person taps: our own button (the SDK's dialog is off,
  // its <style> would be refused by the policy).
  trtc.on(TRTC.EVENT.AUTOPLAY_FAILED, (event) => {
    if (document.getElementById("room-play")) return;
    const play = h("button", { type: "button", id: "room-play" }, t("h5.room.play_sound"));
    play.addEventListener("click", async () => {
      play.remove();
      if (event && typeof event.resume === "function") await event.resume().catch(() => {});
    });
    state.append(play);
    announce(t("h5.room.play_sound"));
  });
  trtc.on(TRTC.EVENT.CONNECTION_STATE_CHANGED, ({ state: now }) => {
    if (now === "RECONNECTING") say(t("h5.room.reconnecting"));
    else if (now === "CONNECTED" && !room.closed) say(t("h5.room.connected"));
  });
}

async function preview(TRTC, trtc) {
  try {
    await trtc.startLocalVideo({ view: localView });
    await trtc.startLocalAudio();
    return true;
  } catch (error) {
    const key = permissionRefused(error) ? "h5.room.permission_refused" : "h5.room.device_failed";
    const retry = h("button", { type: "button", id: "room-retry" }, t("h5.room.retry"));
    retry.addEventListener("click", async () => {
      if (await preview(TRTC, trtc)) join(TRTC, trtc);
    });
    say(t(key), { alert: true, actions: [retry, ...fallbackLinks(), backLink()] });
    return false;
  }
}

function timeout(ms) {
  return new Promise((resolve, reject) => setTimeout(() => reject(new Error("timeout")), ms));
}

async function join(TRTC, trtc) {
  const ticket = room.ticket;
  say(t("h5.room.connecting"));
  try {
    await Promise.race([
      trtc.enterRoom({
        sdkAppId: ticket.sdk_app_id,
        strRoomId: ticket.room_id,
        userId: ticket.room_user_id,
        userSig: ticket.user_sig,
        scene: TRTC.TYPE.SCENE_RTC,
        enableAutoPlayDialog: false,
      }),
      timeout(JOIN_TIMEOUT_MS),
    ]);
    say(t("h5.room.connected"));
  } catch {
    try {
      await trtc.exitRoom(); // stop what is still trying, so a retry starts afresh
    } catch {
      // never entered
    }
    if (room.closed) return;
    const retry = h("button", { type: "button", id: "room-retry" }, t("h5.room.retry"));
    retry.addEventListener("click", () => join(TRTC, trtc));
    say(t("h5.room.cannot_connect"), { alert: true, actions: [retry, ...fallbackLinks(), backLink()] });
  }
}

async function ticketFor() {
  const kept = sessionStorage.getItem(`mc.video.ticket.${sessionId}`); // from the session page's "enter" button
  sessionStorage.removeItem(`mc.video.ticket.${sessionId}`);
  try {
    const ticket = kept && JSON.parse(kept);
    if (ticket && new Date(ticket.closes_at).getTime() > Date.now()) return ticket;
  } catch {
    // not a ticket: ask the API
  }
  try {
    return await api(`${MP}/sessions/${sessionId}/video/entry`, { method: "POST" });
  } catch (error) {
    const opens = error instanceof ApiError && error.body.errors && error.body.errors.opens_at;
    if (error.reason === "video.too_early" && opens) say(t("h5.video.too_early", { at: formatTime(opens[0]) }), { alert: true, actions: [backLink()] });
    else say(errorText(error), { alert: true, actions: [backLink()] });
    return null;
  }
}

async function start() {
  await loadCatalogue("h5");
  translate();
  mountTools(document.getElementById("tools"));
  if (!UUID.test(sessionId)) {
    window.location.replace("/h5/#/schedule");
    return;
  }
  if (!loggedIn()) {
    window.location.replace(back); // the H5 client asks for the SMS login, then shows the session and its room button
    return;
  }
  videos.append(h("div", { class: "room-tile" }, localView, h("p", { class: "name" }, t("h5.room.me"))));
  main.replaceChildren(
    h("h1", { id: "page-title", tabindex: "-1" }, t("h5.room.title")),
    h("p", { class: "meta", id: "room-window" }),
    state,
    videos,
    controls(),
    backLink());
  setTitle(t("h5.room.title"));
  say(t("h5.room.loading"));

  let TRTC;
  try {
    TRTC = await loadSdk();
  } catch {
    const retry = h("button", { type: "button", id: "room-retry" }, t("h5.room.retry"));
    retry.addEventListener("click", () => window.location.reload());
    say(t("h5.room.sdk_failed"), { alert: true, actions: [retry, backLink()] });
    return;
  }
  const support = await TRTC.isSupported().catch(() => ({ result: false }));
  if (!support.result) {
    say(t("h5.room.unsupported"), { alert: true, actions: [...fallbackLinks(), backLink()] });
    return;
  }
  const ticket = await ticketFor();
  if (!ticket) return;
  room.ticket = ticket;
  document.getElementById("room-window").textContent = t("h5.video.window", { opens: formatTime(ticket.opens_at), closes: formatTime(ticket.closes_at) });
  if (ticket.provider !== "trtc" || !ticket.user_sig) {
    say(t("h5.room.no_room"), { actions: [...fallbackLinks(), backLink()] });
    return;
  }
  const left = new Date(ticket.closes_at).getTime() - Date.now();
  room.timer = setTimeout(() => closed("h5.room.window_closed"), Math.max(0, Math.min(left, 2 ** 31 - 1)));
  const trtc = TRTC.create();
  room.trtc = trtc;
  listen(TRTC, trtc);
  window.addEventListener("pagehide", () => {
    hangUp();
  });
  if (await preview(TRTC, trtc)) await join(TRTC, trtc);
}

start();
