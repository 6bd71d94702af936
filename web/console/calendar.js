// The mediator's calendar (#/calendar?week=YYYY-MM-DD): one week, Monday first, in China time, with every session
// the person is in (GET /api/mp/v1/me/schedule); the mediator books a session for one of their cases
// (POST /cases/{id}/sessions), moves one (PATCH /sessions/{id}) or cancels it (POST /sessions/{id}/cancel).

import { api } from "/web/common/api.js";
import { currentLanguage, label, t } from "/web/common/i18n.js";
import { announce, errorText, h, setTitle } from "/web/common/ui.js";

const MP = "/api/mp/v1";
const DAY_MS = 86400000;
const OFFSET = "+08:00"; // Asia/Shanghai keeps no daylight saving time
const MODES = ["video", "phone", "in_person"];
const ACTIVE = ["assigned", "mediator_accepted", "in_mediation"];

// The date (YYYY-MM-DD) of an instant in China.
function chinaDate(instant) {
  return new Date(instant.getTime() + 8 * 3600000).toISOString().slice(0, 10);
}

function chinaTime(iso) {
  return new Date(new Date(iso).getTime() + 8 * 3600000).toISOString().slice(11, 16);
}

function mondayOf(date) {
  const day = new Date(`${date}T00:00:00Z`);
  const back = (day.getUTCDay() + 6) % 7;
  return new Date(day.getTime() - back * DAY_MS).toISOString().slice(0, 10);
}

function addDays(date, n) {
  return new Date(new Date(`${date}T00:00:00Z`).getTime() + n * DAY_MS).toISOString().slice(0, 10);
}

function dayName(date) {
  return new Intl.DateTimeFormat(currentLanguage(), { weekday: "long", month: "long", day: "numeric", timeZone: "UTC" })
    .format(new Date(`${date}T00:00:00Z`));
}

const instant = (date, time) => `${date}T${time}:00${OFFSET}`;

// The fields shared by booking and moving: day, start, end (China time), mode, place.
function timeFields(prefix, { date, start = "09:00", end = "10:00", mode = "video", location = "", url = "" }) {
  const f = {
    date: h("input", { id: `${prefix}-date`, type: "date", value: date, required: true }),
    start: h("input", { id: `${prefix}-start`, type: "time", value: start, step: 900, required: true }),
    end: h("input", { id: `${prefix}-end`, type: "time", value: end, step: 900, required: true }),
    mode: h("select", { id: `${prefix}-mode` }, MODES.map((m) => h("option", { value: m, selected: m === mode }, label("session_mode", m)))),
    location: h("input", { id: `${prefix}-location`, value: location || "", maxlength: 255 }),
    url: h("input", { id: `${prefix}-url`, type: "url", value: url || "", maxlength: 500, inputmode: "url" }),
  };
  f.nodes = [
    h("div", { class: "grid" },
      h("div", {}, h("label", { for: f.date.id }, t("console.calendar.date")), f.date),
      h("div", {}, h("label", { for: f.start.id }, t("console.calendar.start")), f.start),
      h("div", {}, h("label", { for: f.end.id }, t("console.calendar.end")), f.end),
      h("div", {}, h("label", { for: f.mode.id }, t("console.calendar.mode")), f.mode),
      h("div", {}, h("label", { for: f.location.id }, t("console.calendar.location")), f.location),
      h("div", {}, h("label", { for: f.url.id }, t("console.calendar.meeting_url")), f.url)),
  ];
  f.body = () => {
    const body = {
      starts_at: instant(f.date.value, f.start.value),
      ends_at: instant(f.date.value, f.end.value),
      mode: f.mode.value,
    };
    if (f.location.value.trim()) body.location = f.location.value.trim();
    if (f.url.value.trim()) body.meeting_url = f.url.value.trim();
    return body;
  };
  return f;
}

function sessionCard(s, reload) {
  const mine = s.my_role === "mediator" && s.kind === "mediation" && s.status === "scheduled";
  const card = h("li", { class: `session ${s.status}`, "data-session": s.id },
    h("p", { class: "when" }, `${chinaTime(s.starts_at)}–${chinaTime(s.ends_at)}`),
    h("p", { class: "title" }, s.case_title),
    h("p", { class: "meta" }, `${label("session_kind", s.kind)} · ${label("session_mode", s.mode)}${s.location ? ` · ${s.location}` : ""}`),
    s.status !== "scheduled" ? h("p", { class: "meta" }, label("session_status", s.status)) : null);
  if (!mine) return card;
  const panel = h("div", { class: "panel" });
  const open = (form) => {
    panel.replaceChildren(form);
    form.querySelector("input, textarea")?.focus();
  };
  const message = () => h("div", { class: "s-message", "aria-live": "polite" });
  const fail = (form, error) => {
    form.querySelector(".s-message").replaceChildren(h("p", { class: "error", role: "alert" }, errorText(error)));
    form.querySelector("button[type=submit]").disabled = false;
  };
  const moveForm = () => {
    const f = timeFields(`move-${s.id}`, {
      date: chinaDate(new Date(s.starts_at)), start: chinaTime(s.starts_at), end: chinaTime(s.ends_at), mode: s.mode,
      location: s.location, url: s.meeting_url,
    });
    const form = h("form", { class: "reason", novalidate: true, onsubmit: async (event) => {
      event.preventDefault();
      form.querySelector("button[type=submit]").disabled = true;
      try {
        await api(`${MP}/sessions/${s.id}`, { method: "PATCH", body: f.body() });
        await reload(t("console.calendar.moved"));
      } catch (error) {
        fail(form, error);
      }
    } }, f.nodes, message(), h("button", { type: "submit" }, t("console.calendar.save_move")));
    open(form);
  };
  const cancelForm = () => {
    const id = `cancel-${s.id}`;
    const reason = h("textarea", { id, maxlength: 2000 });
    const form = h("form", { class: "reason", novalidate: true, onsubmit: async (event) => {
      event.preventDefault();
      form.querySelector("button[type=submit]").disabled = true;
      try {
        const body = reason.value.trim() ? { reason: reason.value.trim() } : {};
        await api(`${MP}/sessions/${s.id}/cancel`, { method: "POST", body });
        await reload(t("console.calendar.cancelled"));
      } catch (error) {
        fail(form, error);
      }
    } }, h("label", { for: id }, t("console.calendar.cancel_reason")), reason, message(),
    h("button", { type: "submit" }, t("console.calendar.confirm_cancel")));
    open(form);
  };
  card.append(
    h("button", { type: "button", class: "secondary small", onclick: moveForm,
      "aria-label": t("console.calendar.move_named", { title: s.case_title }) }, t("console.calendar.move")),
    h("button", { type: "button", class: "secondary small", onclick: cancelForm,
      "aria-label": t("console.calendar.cancel_named", { title: s.case_title }) }, t("console.calendar.cancel")),
    panel);
  return card;
}

async function bookForm(monday, reload) {
  const cases = (await api(`${MP}/cases?kind=mediation&limit=100`)).items.filter((c) => ACTIVE.includes(c.status));
  if (!cases.length) return h("p", { class: "meta" }, t("console.calendar.no_cases"));
  const caseSelect = h("select", { id: "book-case" }, cases.map((c) => h("option", { value: c.id }, c.title)));
  const today = chinaDate(new Date());
  const f = timeFields("book", { date: today >= monday && today < addDays(monday, 7) ? today : monday });
  const form = h("form", { class: "card", id: "book-form", novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    const submit = form.querySelector("button[type=submit]");
    submit.disabled = true;
    try {
      await api(`${MP}/cases/${caseSelect.value}/sessions`, { method: "POST", body: f.body() });
      await reload(t("console.calendar.booked"), f.date.value);
    } catch (error) {
      submit.disabled = false;
      form.querySelector(".s-message").replaceChildren(h("p", { class: "error", role: "alert" }, errorText(error)));
    }
  } },
  h("h2", {}, t("console.calendar.book")),
  h("label", { for: "book-case" }, t("console.calendar.case")), caseSelect,
  f.nodes,
  h("div", { class: "s-message", "aria-live": "polite" }),
  h("button", { type: "submit", id: "book" }, t("console.calendar.book_submit")));
  return form;
}

export async function calendarPage({ main, go }, week) {
  const monday = mondayOf(week || chinaDate(new Date()));
  const sunday = addDays(monday, 6);
  const schedule = await api(`${MP}/me/schedule?from=${encodeURIComponent(instant(monday, "00:00"))}`
    + `&to=${encodeURIComponent(instant(addDays(monday, 7), "00:00"))}`);
  const reload = async (said, date) => {
    const target = mondayOf(date || monday);
    sessionStorage.setItem("mc.console.said", said);
    go(`#/calendar?week=${target}`);
  };
  const days = Array.from({ length: 7 }, (_, i) => addDays(monday, i));
  const byDay = Object.fromEntries(days.map((d) => [d, []]));
  for (const s of schedule.items) {
    const d = chinaDate(new Date(s.starts_at));
    if (byDay[d]) byDay[d].push(s);
  }
  const today = chinaDate(new Date());
  const grid = h("div", { class: "week", id: "week" }, days.map((d) => h("section", {
    class: `day${d === today ? " today" : ""}`, "aria-labelledby": `day-${d}`,
  },
  h("h2", { id: `day-${d}` }, dayName(d), d === today ? h("span", { class: "badge" }, t("console.calendar.today")) : null),
  byDay[d].length
    ? h("ul", { class: "sessions" }, byDay[d].sort((a, b) => a.starts_at.localeCompare(b.starts_at)).map((s) => sessionCard(s, reload)))
    : h("p", { class: "meta" }, t("console.calendar.free")))));
  const said = sessionStorage.getItem("mc.console.said");
  sessionStorage.removeItem("mc.console.said");
  main.replaceChildren(...[
    h("h1", { id: "page-title", tabindex: "-1" }, t("console.calendar.title")),
    h("div", { class: "week-nav" },
      h("a", { class: "button secondary", href: `#/calendar?week=${addDays(monday, -7)}` }, t("console.calendar.previous")),
      h("p", { class: "range", id: "week-range" }, t("console.calendar.range", { from: monday, to: sunday })),
      h("a", { class: "button secondary", href: `#/calendar?week=${addDays(monday, 7)}` }, t("console.calendar.next"))),
    said ? h("p", { class: "info", role: "status" }, said) : null,
    schedule.items.length ? null : h("p", { class: "meta" }, t("console.calendar.empty")),
    grid,
    await bookForm(monday, reload)].filter(Boolean)); // replaceChildren would write out a null
  setTitle(t("console.calendar.title"));
  if (said) announce(said);
}
