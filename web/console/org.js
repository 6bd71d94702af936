// The mediation organisation's administrator (调解组织管理员): the queue of disputes waiting for a mediator
// (#/org, GET /api/admin/v1/orgs/{id}/unassigned-cases) with assigning one (the recommendations of
// GET /api/mp/v1/cases/{id}/mediator-recommendations first, then every accepting mediator; POST /cases/{id}/mediator),
// the organisation's mediators (#/org-mediators) and its figures (#/org-stats, the last six months by month).
// `?org=<id>` picks one organisation when the person administers several.

import { api } from "/web/common/api.js";
import { currentLanguage, label, t } from "/web/common/i18n.js";
import { announce, errorText, formatTime, h, setTitle } from "/web/common/ui.js";

const ADMIN = "/api/admin/v1";
const MP = "/api/mp/v1";
const MONTHS = 6;

const number = (n) => new Intl.NumberFormat(currentLanguage(), { maximumFractionDigits: 1 }).format(n);
const percent = (n) => (n === null || n === undefined ? t("common.none")
  : new Intl.NumberFormat(currentLanguage(), { style: "percent", maximumFractionDigits: 1 }).format(n));

// The organisation shown and, when the person administers several, a choice between them.
function chooser({ go, roles }, route, orgId) {
  const orgs = roles.org || [];
  const chosen = orgs.includes(orgId) ? orgId : orgs[0];
  if (!chosen) throw Object.assign(new Error("forbidden"), { status: 403 });
  const select = orgs.length > 1
    ? [h("label", { for: "org-choice" }, t("console.org.choose")),
      h("select", { id: "org-choice", onchange: (e) => go(`#/${route}?org=${e.target.value}`) },
        orgs.map((o, i) => h("option", { value: o, selected: o === chosen }, t("console.org.org_n", { n: i + 1 }))))]
    : null;
  return { chosen, select };
}

async function allMediators(orgId) {
  const found = [];
  let cursor = null;
  do {
    const page = await api(`${ADMIN}/orgs/${orgId}/mediators?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    found.push(...page.items);
    cursor = page.next_cursor || null;
  } while (cursor && found.length < 500);
  return found;
}

// --- the queue ---------------------------------------------------------------------------------------------

export async function orgQueuePage(context, orgId) {
  const { main } = context;
  const { chosen, select } = chooser(context, "org", orgId);
  const page = await api(`${ADMIN}/orgs/${chosen}/unassigned-cases?limit=100`);
  const list = h("ul", { class: "list", id: "org-queue" });
  const empty = h("p", { class: "card", id: "org-queue-empty", hidden: page.items.length > 0 }, t("console.org.empty"));
  const left = () => {
    if (!list.children.length) empty.hidden = false;
  };
  list.append(...page.items.map((c) => queueRow(c, chosen, left)));
  main.replaceChildren(
    h("h1", { id: "page-title", tabindex: "-1" }, t("console.org.queue_title")),
    select,
    h("p", { class: "meta" }, t("console.org.queue_intro")),
    list, empty);
  setTitle(t("console.org.queue_title"));
}

function queueRow(c, orgId, left) {
  const panel = h("div", { class: "panel" });
  const item = h("li", { class: "card", "data-case": c.id },
    h("span", { class: "title" }, c.title),
    h("p", { class: "meta" },
      `${c.category} · ${label("case_status", c.status)} · `,
      t("console.filings.submitted_at", { at: formatTime(c.submitted_at) })),
    c.declines.length ? h("ul", { class: "meta declines" }, c.declines.map((d) =>
      h("li", {}, t("console.org.declined", { reason: d.reason || t("common.none") })))) : null,
    panel);
  panel.append(h("button", { type: "button", class: "assign", "aria-label": t("console.org.assign_named", { title: c.title }),
    onclick: () => assignForm(c, orgId, item, left) }, t("console.org.assign")));
  return item;
}

async function assignForm(c, orgId, item, left) {
  const panel = item.querySelector(".panel");
  const id = `mediator-${c.id}`;
  const message = h("div", { "aria-live": "polite" });
  let recommended = [];
  let everyone = [];
  try {
    [recommended, everyone] = await Promise.all([
      api(`${MP}/cases/${c.id}/mediator-recommendations`).catch(() => []),
      allMediators(orgId)]);
  } catch (error) {
    panel.replaceChildren(h("p", { class: "error", role: "alert" }, errorText(error)));
    return;
  }
  const declined = new Set(c.declines.map((d) => d.mediator_id).filter(Boolean));
  const top = new Set(recommended.map((m) => m.id));
  const describe = (m) => `${m.display_name}${m.title ? ` (${m.title})` : ""} · ${t("console.org.load", { n: m.active_load, max: m.max_load })}`;
  const choice = h("select", { id, required: true },
    recommended.length ? h("optgroup", { label: t("console.org.recommended") },
      recommended.map((m) => h("option", { value: m.id }, describe(m)))) : null,
    h("optgroup", { label: t("console.org.all_mediators") },
      everyone.filter((m) => m.accepting && !top.has(m.id) && !declined.has(m.id))
        .map((m) => h("option", { value: m.id }, describe(m)))));
  const form = h("form", { class: "reason", onsubmit: async (event) => {
    event.preventDefault();
    if (!choice.value) {
      message.replaceChildren(h("p", { class: "error", role: "alert" }, t("console.org.no_mediator")));
      return;
    }
    const submit = form.querySelector("button[type=submit]");
    submit.disabled = true;
    try {
      const done = await api(`${MP}/cases/${c.id}/mediator`, { method: "POST", body: { mediator_id: choice.value } });
      const text = t("console.org.assigned", { title: c.title, name: done.mediator.display_name });
      item.remove();
      left();
      announce(text);
      document.getElementById("org-done")?.remove();
      document.getElementById("org-queue").before(h("p", { class: "info", id: "org-done", role: "status" }, text));
    } catch (error) {
      submit.disabled = false;
      message.replaceChildren(h("p", { class: "error", role: "alert" }, errorText(error)));
    }
  } },
  h("label", { for: id }, t("console.org.mediator")), choice,
  choice.options.length ? null : h("p", { class: "meta" }, t("console.org.no_mediator")),
  message,
  h("button", { type: "submit" }, t("console.org.assign_submit")));
  panel.replaceChildren(form);
  choice.focus();
}

// --- the mediators -----------------------------------------------------------------------------------------

export async function orgMediatorsPage(context, orgId) {
  const { main } = context;
  const { chosen, select } = chooser(context, "org-mediators", orgId);
  const people = await allMediators(chosen);
  const cards = people.map((m) => h("li", { class: "card", "data-mediator": m.id },
    h("span", { class: "title" }, m.display_name, m.title ? ` · ${m.title}` : ""),
    h("dl", { class: "facts" },
      h("dt", {}, t("console.org.specialties")), h("dd", {}, m.specialties.join(t("console.org.separator")) || t("common.none")),
      h("dt", {}, t("console.org.region")), h("dd", {}, m.region),
      h("dt", {}, t("console.org.workload")), h("dd", {}, t("console.org.load", { n: m.active_load, max: m.max_load })),
      h("dt", {}, t("console.org.accepting")), h("dd", {}, t(m.accepting ? "console.org.yes" : "console.org.no")))));
  main.replaceChildren(
    h("h1", { id: "page-title", tabindex: "-1" }, t("console.org.mediators_title")),
    select,
    people.length ? h("ul", { class: "list", id: "org-mediators" }, cards) : h("p", { class: "card" }, t("console.org.no_mediators")));
  setTitle(t("console.org.mediators_title"));
}

// --- the figures -------------------------------------------------------------------------------------------

function months() {
  const today = new Date(Date.now() + 8 * 3600000).toISOString().slice(0, 10);
  const [year, month] = today.split("-").map(Number);
  const name = new Intl.DateTimeFormat(currentLanguage(), { year: "numeric", month: "short", timeZone: "UTC" });
  return Array.from({ length: MONTHS }, (_, i) => {
    const first = new Date(Date.UTC(year, month - 1 - (MONTHS - 1 - i), 1));
    const last = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).toISOString().slice(0, 10);
    return { from: first.toISOString().slice(0, 10), to: last > today ? today : last, label: name.format(first) };
  });
}

export async function orgStatsPage(context, orgId) {
  const { main } = context;
  const { chosen, select } = chooser(context, "org-stats", orgId);
  const periods = months();
  const url = (p) => `${ADMIN}/orgs/${chosen}/stats?from=${p.from}&to=${p.to}`;
  const [total, ...each] = await Promise.all([api(url({ from: periods[0].from, to: periods[MONTHS - 1].to })),
    ...periods.map((p) => api(url(p)))]);
  const { barChart } = await import("./stats.js");
  const labels = periods.map((p) => p.label);
  const pick = (field) => each.map((f) => f[field] ?? null);
  const summary = [
    ["console.stats.disputes", number(total.disputes_total)],
    ["console.stats.concluded", number(total.mediations_concluded)],
    ["console.stats.success_rate", percent(total.mediation_success_rate)],
    ["console.stats.cases_per_day", number(total.cases_per_day)],
    ["console.org.mediators_count", number(total.mediators)],
  ];
  const series = [
    { name: t("console.stats.disputes"), values: pick("disputes_total"), cls: "s1" },
    { name: t("console.stats.concluded"), values: pick("mediations_concluded"), cls: "s3" },
  ];
  const data = h("table", { class: "data" },
    h("caption", {}, t("console.org.stats_chart")),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("console.stats.month")),
      series.map((x) => h("th", { scope: "col" }, x.name)))),
    h("tbody", {}, labels.map((name, i) => h("tr", {}, h("th", { scope: "row" }, name),
      series.map((x) => h("td", {}, number(x.values[i] ?? 0)))))));
  main.replaceChildren(
    h("h1", { id: "page-title", tabindex: "-1" }, t("console.org.stats_title")),
    select,
    h("p", { class: "meta" }, t("console.org.stats_period", { from: periods[0].from, to: periods[MONTHS - 1].to })),
    h("dl", { class: "card facts", id: "org-summary" }, summary.flatMap(([k, v]) => [h("dt", {}, t(k)), h("dd", {}, v)])),
    h("figure", { class: "card chart-card", id: "org-cases-figure" },
      barChart({ id: "org-cases-chart", title: t("console.org.stats_chart"), labels, series }), data));
  setTitle(t("console.org.stats_title"));
}
