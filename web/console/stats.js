// Statistics (#/stats?scope=court|platform): the figures the platform publishes (GET /api/court/v1/stats for the
// court, GET /api/public/v1/stats for the whole platform), month by month over the last six months, drawn as
// inline SVG bar charts by the small script below (no chart library), each with a data table for screen readers.

import { api } from "/web/common/api.js";
import { currentLanguage, t } from "/web/common/i18n.js";
import { h, setTitle } from "/web/common/ui.js";

const COURT = "/api/court/v1";
const PUBLIC = "/api/public/v1";
const MONTHS = 6;
const SVG = "http://www.w3.org/2000/svg";

function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, String(value));
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

// The last MONTHS calendar months in China, oldest first, the current one up to today: [{from, to, label}].
function months() {
  const today = new Date(Date.now() + 8 * 3600000).toISOString().slice(0, 10);
  const [year, month] = today.split("-").map(Number);
  const name = new Intl.DateTimeFormat(currentLanguage(), { year: "numeric", month: "short", timeZone: "UTC" });
  return Array.from({ length: MONTHS }, (_, i) => {
    const first = new Date(Date.UTC(year, month - 1 - (MONTHS - 1 - i), 1));
    const last = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0));
    const to = last.toISOString().slice(0, 10) > today ? today : last.toISOString().slice(0, 10);
    return { from: first.toISOString().slice(0, 10), to, label: name.format(first) };
  });
}

const number = (n) => new Intl.NumberFormat(currentLanguage(), { maximumFractionDigits: 1 }).format(n);
const percent = (n) => (n === null || n === undefined ? t("common.none")
  : new Intl.NumberFormat(currentLanguage(), { style: "percent", maximumFractionDigits: 1 }).format(n));

// A bar chart: one group of bars per label, one bar per series (values null are left out), values written on top.
export function barChart({ id, title, labels, series, format = number, max }) {
  const width = 640;
  const height = 260;
  const pad = { top: 24, right: 12, bottom: 44, left: 44 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const values = series.flatMap((x) => x.values).filter((v) => v !== null && v !== undefined);
  const top = max ?? Math.max(1, ...values);
  const group = plotW / labels.length;
  const bar = Math.min(36, (group - 12) / series.length);
  const y = (v) => pad.top + plotH - (v / top) * plotH;
  const grid = [0, 0.5, 1].map((f) => s("g", { class: "tick" },
    s("line", { x1: pad.left, x2: width - pad.right, y1: y(top * f), y2: y(top * f) }),
    s("text", { x: pad.left - 6, y: y(top * f) + 4, "text-anchor": "end" }, format(top * f))));
  const bars = labels.map((name, i) => s("g", {},
    series.map((x, j) => {
      const v = x.values[i];
      if (v === null || v === undefined) return null;
      const left = pad.left + i * group + (group - bar * series.length) / 2 + j * bar;
      return s("g", {},
        s("rect", { class: `bar ${x.cls}`, x: left, y: y(v), width: bar - 2, height: Math.max(0, pad.top + plotH - y(v)) }),
        s("text", { class: "value", x: left + (bar - 2) / 2, y: y(v) - 4, "text-anchor": "middle" }, format(v)));
    }),
    s("text", { x: pad.left + i * group + group / 2, y: height - pad.bottom + 18, "text-anchor": "middle" }, name)));
  const legend = series.map((x, j) => s("g", {},
    s("rect", { class: `bar ${x.cls}`, x: pad.left + j * 170, y: height - 16, width: 12, height: 12 }),
    s("text", { x: pad.left + j * 170 + 18, y: height - 6 }, x.name)));
  // The picture is named and described; the same figures are in the table that follows it.
  return s("svg", { class: "chart", id, viewBox: `0 0 ${width} ${height}`, role: "img", "aria-labelledby": `${id}-title ${id}-desc` },
    s("title", { id: `${id}-title` }, title),
    s("desc", { id: `${id}-desc` }, t("console.stats.chart_desc", { table: title })),
    grid, bars, legend);
}

function table({ caption, labels, columns }) {
  return h("table", { class: "data" },
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("console.stats.month")),
      columns.map((c) => h("th", { scope: "col" }, c.name)))),
    h("tbody", {}, labels.map((name, i) => h("tr", {},
      h("th", { scope: "row" }, name), columns.map((c) => h("td", {}, c.format(c.values[i])))))));
}

function figure(id, chart, data) {
  return h("figure", { class: "card chart-card", id: `${id}-figure` }, chart, data);
}

export async function statsPage({ main, go, roles }, scope) {
  const courtIds = roles.court || [];
  const chosen = scope || (courtIds.length ? courtIds[0] : "platform");
  const url = (p) => (chosen === "platform"
    ? `${PUBLIC}/stats?from=${p.from}&to=${p.to}`
    : `${COURT}/stats?court_id=${chosen}&from=${p.from}&to=${p.to}`);
  const periods = months();
  const whole = { from: periods[0].from, to: periods[MONTHS - 1].to };
  const [total, ...each] = await Promise.all([api(url(whole), { auth: chosen !== "platform" }),
    ...periods.map((p) => api(url(p), { auth: chosen !== "platform" }))]);
  const labels = periods.map((p) => p.label);
  const pick = (field) => each.map((f) => f[field] ?? null);
  const scopeSelect = h("select", { id: "stats-scope", onchange: (e) => go(`#/stats?scope=${e.target.value}`) },
    courtIds.map((c, i) => h("option", { value: c, selected: c === chosen },
      courtIds.length > 1 ? t("console.stats.court_n", { n: i + 1 }) : t("console.stats.court"))),
    h("option", { value: "platform", selected: chosen === "platform" }, t("console.stats.platform")));
  const cases = {
    labels,
    series: [
      { name: t("console.stats.disputes"), values: pick("disputes_total"), cls: "s1" },
      { name: t("console.stats.online_filings"), values: pick("online_filings_total"), cls: "s2" },
    ],
  };
  const concluded = { labels, series: [{ name: t("console.stats.concluded"), values: pick("mediations_concluded"), cls: "s3" }] };
  const rate = { labels, series: [{ name: t("console.stats.success_rate"), values: pick("mediation_success_rate"), cls: "s1" }] };
  const summary = [
    ["console.stats.disputes", number(total.disputes_total)],
    ["console.stats.online_filings", number(total.online_filings_total)],
    ["console.stats.concluded", number(total.mediations_concluded)],
    ["console.stats.success_rate", percent(total.mediation_success_rate)],
    ["console.stats.cases_per_day", number(total.cases_per_day)],
    ["console.stats.off_hours", percent(total.off_hours_share)],
    ["console.stats.courts", number(total.courts_connected)],
    ["console.stats.orgs", number(total.organisations)],
    ["console.stats.mediators", number(total.mediators)],
    ["console.stats.lawyers", number(total.lawyers)],
    ["console.stats.hotline", total.hotline_calls === null || total.hotline_calls === undefined ? t("common.none") : number(total.hotline_calls)],
  ];
  main.replaceChildren(
    h("h1", { id: "page-title", tabindex: "-1" }, t("console.stats.title")),
    h("label", { for: "stats-scope" }, t("console.stats.scope")), scopeSelect,
    h("section", { class: "card", "aria-labelledby": "stats-summary" },
      h("h2", { id: "stats-summary" }, t("console.stats.summary", { from: whole.from, to: whole.to })),
      h("dl", { class: "facts figures" }, summary.flatMap(([key, value]) => [h("dt", {}, t(key)), h("dd", {}, value)]))),
    h("h2", {}, t("console.stats.by_month")),
    figure("chart-cases", barChart({ id: "chart-cases", title: t("console.stats.chart_cases"), ...cases }),
      table({ caption: t("console.stats.chart_cases"), labels,
        columns: cases.series.map((x) => ({ ...x, format: number })) })),
    figure("chart-concluded", barChart({ id: "chart-concluded", title: t("console.stats.chart_concluded"), ...concluded }),
      table({ caption: t("console.stats.chart_concluded"), labels,
        columns: concluded.series.map((x) => ({ ...x, format: number })) })),
    figure("chart-rate", barChart({ id: "chart-rate", title: t("console.stats.chart_rate"), format: percent, max: 1, ...rate }),
      table({ caption: t("console.stats.chart_rate"), labels,
        columns: rate.series.map((x) => ({ ...x, format: percent })) })));
  setTitle(t("console.stats.title"));
}
