// The area profile (Gebietsprofil): every indicator of one unit against its parent and the city,
// with percentile, rank, a bullet chart and a sparkline; printable (the browser saves it as PDF).
import { get } from "./api.js";
import { topicName } from "./catalogue.js";
import { fill, h, select } from "./dom.js";
import { fmt, fmtDate, language, pick, t } from "./i18n.js";
import { ChoroplethMap } from "./map.js";
import { unitsFor } from "./units.js";
import { writeState } from "./state.js";

const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  el.append(...children);
  return el;
}

/** A bullet chart of the percentile (0–100) with the median marked; colour by polarity. */
function bullet(row) {
  const p = row.percentile;
  const good = row.polarity === "higher_is_better" ? p >= 50 : row.polarity === "higher_is_worse" ? p < 50 : null;
  const colour = good === null ? "#0b4f6c" : good ? "#2e7d32" : "#c0392b";
  const label = p === null ? t("missing") : `${t("percentile")} ${fmt(p, 0)}`;
  return svg(
    "svg",
    { width: 120, height: 16, viewBox: "0 0 120 16", role: "img", "aria-label": label },
    svg("title", {}, label),
    svg("rect", { x: 0, y: 5, width: 120, height: 6, fill: "#e3e3e3" }),
    svg("line", { x1: 60, x2: 60, y1: 2, y2: 14, stroke: "#777", "stroke-width": 1 }),
    p === null ? "" : svg("circle", { cx: (p / 100) * 116 + 2, cy: 8, r: 5, fill: colour }),
  );
}

/** A sparkline of a series of `{date, value}`. */
function sparkline(points, label) {
  const values = points.map((p) => p.value).filter((v) => v !== null);
  if (values.length < 2) return "";
  const lo = Math.min(...values), hi = Math.max(...values);
  const span = hi - lo || 1;
  const xy = points
    .map((p, i) => (p.value === null ? null : `${(i / (points.length - 1)) * 96 + 2},${18 - ((p.value - lo) / span) * 16}`))
    .filter(Boolean)
    .join(" ");
  return svg("svg", { width: 100, height: 20, viewBox: "0 0 100 20", role: "img", "aria-label": label }, svg("title", {}, label), svg("polyline", { points: xy, fill: "none", stroke: "#0b4f6c", "stroke-width": 1.5 }));
}

export async function startProfile(root, config, state, catalogue, levels) {
  const main = root.querySelector("main");
  const byId = new Map(catalogue.map((m) => [m.id, m]));
  const level = levels.find((l) => l.id === state.level) || levels[levels.length - 1];
  state.level = level.id;
  const series = await get(`/units/${state.unit}/series`, { level: level.id });
  const dates = [...new Set(Object.values(series.indicators).flatMap((rows) => rows.map((r) => r.date)))].sort();
  if (!dates.includes(state.date)) state.date = dates[dates.length - 1];
  const profile = await get(`/units/${state.unit}/profile`, { level: level.id, date: state.date });
  writeState(state);
  document.title = `${t("profileOf", { name: profile.name })} – ortswissen`;
  const atlasUrl = (ind) => `?${new URLSearchParams({ ind, level: level.id, date: state.date, sel: state.unit, lang: language() })}`;
  const groups = new Map();
  for (const row of profile.indicators) {
    if (row.value === null && row.city_value === null) continue;
    const topic = byId.get(row.indicator)?.topic || "";
    if (!groups.has(topic)) groups.set(topic, []);
    groups.get(topic).push(row);
  }
  const mapEl = h("div.minimap", { id: "profile-map" });
  const dateSelect = select({ id: "profile-date", on: { change: (e) => { state.date = e.target.value; writeState(state); location.reload(); } } }, dates.map((d) => [d, fmtDate(d)]), state.date);
  const sections = [...groups.entries()]
    .sort(([a], [b]) => topicName(a).localeCompare(topicName(b), language()))
    .map(([topic, rows]) =>
      h(
        "section.profile-group",
        {},
        h("h2", {}, topicName(topic)),
        h(
          "table.data.profile",
          {},
          h("caption.visually-hidden", {}, topicName(topic)),
          h("thead", {}, h("tr", {}, [t("indicator"), t("value"), t("rank"), t("percentile"), t("parent"), t("city"), t("compared"), t("trend")].map((c) => h("th", { scope: "col" }, c)))),
          h(
            "tbody",
            {},
            rows.map((row) => {
              const meta = byId.get(row.indicator);
              const dec = row.decimals ?? meta?.decimals ?? 1;
              const unit = meta ? pick(meta, "unit") : row.unit_de || "";
              const points = (series.indicators[row.indicator] || []).filter((r) => !r.scenario || r.scenario === "observed");
              return h(
                "tr",
                { "data-indicator": row.indicator },
                h("th", { scope: "row" }, h("a", { href: atlasUrl(row.indicator) }, meta ? pick(meta) : row.indicator)),
                h("td.num", { "data-value": row.value === null ? "" : String(row.value) }, `${fmt(row.value, dec)}${unit && row.value !== null ? ` ${unit}` : ""}`),
                h("td.num", {}, row.rank ? `${fmt(row.rank, 0)} / ${fmt(row.of, 0)}` : "–"),
                h("td.num", {}, fmt(row.percentile, 0)),
                h("td.num", {}, fmt(row.parent_value, dec)),
                h("td.num", {}, fmt(row.city_value, dec)),
                h("td", {}, bullet(row)),
                h("td", {}, sparkline(points, `${meta ? pick(meta) : row.indicator}: ${points.map((p) => `${fmtDate(p.date)} ${fmt(p.value, dec)}`).join(", ")}`)),
              );
            }),
          ),
        ),
      ),
    );
  fill(
    main,
    h(
      "article.profile-page",
      { id: "profile" },
      h(
        "div.profile-head",
        {},
        h(
          "div",
          {},
          h("h1", { id: "profile-title" }, t("profileOf", { name: profile.name })),
          h("p", {}, `${pick(level, "name")} ${profile.unit}${profile.parent ? ` · ${t("parent")}: ${profile.parent}` : ""}`),
          h("div.field.inline", {}, h("label", { for: "profile-date" }, t("date")), dateSelect),
          h("p.no-print", {}, h("a", { href: atlasUrl(state.ind || "") }, `← ${t("back")}`), " · ", h("button.secondary", { type: "button", id: "print", on: { click: () => window.print() } }, t("print"))),
        ),
        mapEl,
      ),
      sections,
    ),
  );
  const map = new ChoroplethMap(mapEl, { interactive: false, label: profile.name });
  const shown = await unitsFor(level, state.date).promise;
  await map.setUnits(shown);
  map.paint(new Map(shown.points.features.map((f) => [f.properties.id, { color: f.properties.id === state.unit ? "#c0392b" : "#e4e4e4", selected: f.properties.id === state.unit }])));
  map.fitTo([state.unit]);
  map.map.setZoom(Math.min(map.map.getZoom(), 13) - 1);
  await map.settled();
  window.ortswissen = { profile, map: map.map };
  document.body.dataset.ready = "1";
}
