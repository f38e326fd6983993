// The Kita-Planung dashboard: the balance of places and demand per area on the map, the plan
// table a youth welfare office files (CSV/XLSX from the API) and the switches of projection
// variant, care quotas and catchment. Reads GET /kita/quotas and /kita/plan.
import { apiUrl, get } from "./api.js";
import { divergingClasses, field, legendItems, ready, syntheticBadge } from "./dashboard.js";
import { fill, h } from "./dom.js";
import { fmt, language, pick, t } from "./i18n.js";
import { ChoroplethMap } from "./map.js";
import { writeState } from "./state.js";
import { unitsFor } from "./units.js";

const VARIANTS = ["medium", "low", "high"];
const CATCHMENTS = ["none", "neighbours", "500m", "1000m"];
const BALANCE_COLOURS = ["#b2182b", "#ef8a62", "#fddbc7", "#d9f0d3", "#7fbf7b", "#1b7837"]; // missing red, spare green

/** The projection's level and the levels above it (the plan sums upwards). */
function planLevels(levels, run) {
  const out = [];
  for (let l = levels.find((x) => x.id === run?.level); l && !out.includes(l); l = levels.find((x) => x.id === l.parent)) out.push(l);
  return out.length ? out : levels;
}

const catchLabel = (c) => (c === "none" ? t("catch_none") : c === "neighbours" ? t("catch_neighbours") : t("catch_metres", { m: fmt(Number.parseInt(c, 10), 0) }));

/** Coverage as a percentage (the API gives places per demanded place). */
const coveragePct = (c) => (c === null || c === undefined ? null : c * 100);

export async function startKita(root, config, state, catalogue, levels) {
  const main = root.querySelector("main");
  const [runs, quotas] = await Promise.all([get("/demography/runs").catch(() => []), get("/kita/quotas").catch(() => null)]);
  const run = runs[0];
  const offered = planLevels(levels, run);
  const quotaIds = quotas ? Object.keys(quotas.scenarios) : ["current", "need"];
  const quotaLabel = (q) => (quotas?.scenarios?.[q] ? pick(quotas.scenarios[q], "label") : t(`quota_${q}`));
  const titleEl = h("h1.view-title", { id: "view-title" }, t("kita"));
  const statusEl = h("p.muted", { id: "dashboard-status", role: "status" });
  const controls = h("div.toolbar", { role: "group", "aria-label": t("dashboardControls"), id: "controls" });
  const mapEl = h("div.map", { id: "map", "aria-describedby": "map-hint" });
  const legendEl = h("section.legend", { "aria-label": t("legend"), id: "legend" });
  const mapBadge = h("span.badges");
  const totalsEl = h("p", { id: "kita-totals" });
  const tableBadge = h("span.badges");
  const downloads = h("p.downloads");
  const tableEl = h("div.panel-body.tall", { id: "kita-table", tabindex: "0", role: "region", "aria-labelledby": "kita-table-title" });
  fill(
    main,
    h(
      "div.dashboard",
      { id: "kita" },
      h("div.heading", {}, titleEl, statusEl),
      controls,
      h(
        "div.cards",
        {},
        h(
          "section.card.wide",
          { id: "kita-map", "aria-labelledby": "kita-map-title" },
          h("div.card-head", {}, h("div.card-title", {}, h("h2", { id: "kita-map-title" }, t("kitaMap")), mapBadge), h("a.button-link", { href: "#kita-table", id: "map-table-link" }, t("tableOfMap"))),
          h("div.mapwrap", {}, mapEl, legendEl),
          h("p.muted.small", { id: "map-hint" }, t("keyboardHint")),
          totalsEl,
        ),
        h(
          "section.card.wide",
          { id: "kita-plan", "aria-labelledby": "kita-table-title" },
          h("div.card-head", {}, h("div.card-title", {}, h("h2", { id: "kita-table-title" }, t("kitaTable")), tableBadge), downloads),
          tableEl,
        ),
      ),
    ),
  );
  const map = new ChoroplethMap(mapEl, { baseMapUrl: config.baseMapUrl, label: t("kitaMap"), onHover: (id) => tooltip(id) });
  let plan = null;
  let names = new Map();
  let unitsKey = null;
  let seq = 0;

  function tooltip(id) {
    const row = plan?.rows.find((r) => r.unit_id === id);
    return [h("strong", {}, names.get(id) || id), h("br"), row ? `${t("demand")}: ${fmt(row.demand, 0)} · ${t("places")}: ${fmt(row.places, 0)} · ${t("gap")}: ${fmt(row.gap, 0)}` : t("missing")];
  }

  async function render() {
    const my = ++seq;
    ready(false);
    const focused = document.activeElement?.id;
    if (!offered.some((l) => l.id === state.level)) state.level = offered[0]?.id;
    const yearList = (run?.years || []).map(String);
    if (!yearList.includes(String(state.year))) state.year = yearList.find((y) => Number(y) >= Number(run?.jump_off?.slice(0, 4)) + 3) || yearList[0];
    if (!VARIANTS.includes(state.scen)) state.scen = "medium";
    if (!quotaIds.includes(state.quota)) state.quota = quotaIds[0];
    if (!CATCHMENTS.includes(state.catch)) state.catch = "none";
    writeState(state);
    const level = levels.find((l) => l.id === state.level);
    fill(
      controls,
      field("level", t("level"), offered.map((l) => [l.id, pick(l, "name")]), state.level, (v) => { state.level = v; render(); }),
      field("year", t("year"), yearList.map((y) => [y, y]), state.year, (v) => { state.year = v; render(); }),
      field("scenario", t("variant"), VARIANTS.map((v) => [v, t(v)]), state.scen, (v) => { state.scen = v; render(); }),
      field("quotas", t("quotas"), quotaIds.map((q) => [q, quotaLabel(q)]), state.quota, (v) => { state.quota = v; render(); }),
      field("catchment", t("catchment"), CATCHMENTS.map((c) => [c, catchLabel(c)]), state.catch, (v) => { state.catch = v; render(); }),
    );
    if (focused) document.getElementById(focused)?.focus();
    fill(statusEl, `${pick(level, "name")} · ${state.year} · ${t(state.scen)} · ${quotaLabel(state.quota)} · ${catchLabel(state.catch)}`);
    const query = { level: state.level, year: state.year, scenario: state.scen, quotas: state.quota, catchment: state.catch };
    fill(
      downloads,
      h("a.button-link", { href: apiUrl("/kita/plan.csv", query), id: "download-csv", download: "" }, t("downloadCsv")),
      " ",
      h("a.button-link", { href: apiUrl("/kita/plan.xlsx", query), id: "download-xlsx", download: "" }, t("downloadXlsx")),
    );
    const units = unitsFor(level, `${state.year}-12-31`);
    const [shown, result] = await Promise.all([units.promise, get("/kita/plan", query).catch((err) => err)]);
    if (my !== seq) return;
    names = new Map(shown.points.features.map((f) => [f.properties.id, f.properties.name]));
    if (units.key !== unitsKey) {
      await map.setUnits(shown, { fit: true });
      unitsKey = units.key;
    }
    if (result instanceof Error) {
      plan = null;
      map.paint(new Map());
      fill(legendEl, h("p.small", {}, t("noData", { detail: result.message })));
      fill(tableEl, h("p.muted.notice", {}, t("noData", { detail: result.message })));
      fill(totalsEl);
      fill(mapBadge);
      fill(tableBadge);
    } else {
      plan = result;
      drawMap(result);
      drawTable(result);
    }
    await map.settled();
    if (my !== seq) return;
    window.ortswissen = { map: map.map, kita: { plan, state: { ...state } }, stateOf: (id) => map.stateOf(id) };
    ready();
  }

  function drawMap(result) {
    fill(mapBadge, syntheticBadge(result.synthetic));
    // the API's gap is places − demand (negative: places missing)
    const balance = (r) => (Number.isFinite(r.gap) ? r.gap : null);
    const classes = divergingClasses(result.rows.map(balance), BALANCE_COLOURS, 0);
    map.paint(new Map(result.rows.map((r) => { const c = classes.classOf(balance(r)); return [r.unit_id, { color: c === null ? null : BALANCE_COLOURS[c] }]; })));
    const missing = result.rows.filter((r) => balance(r) === null).length;
    fill(legendEl, ...legendItems(t("balance"), classes, missing), h("p.small", {}, `− ${t("shortage")} · + ${t("surplus")}`));
    const sum = (key) => result.rows.reduce((s, r) => s + (Number.isFinite(r[key]) ? r[key] : 0), 0);
    const demand = sum("demand");
    const places = sum("places");
    fill(totalsEl, `${t("demand")}: ${fmt(demand, 0)} · ${t("places")}: ${fmt(places, 0)} · ${t("gap")}: ${fmt(sum("gap"), 0)}`);
  }

  function drawTable(result) {
    fill(tableBadge, syntheticBadge(result.synthetic));
    // the largest shortage first
    const rows = [...result.rows].sort((a, b) => (a.gap ?? Infinity) - (b.gap ?? Infinity) || String(a.name).localeCompare(String(b.name), language()));
    const range = (lo, hi) => (lo === null || lo === undefined || hi === null || hi === undefined ? "–" : `${fmt(lo, 0)} – ${fmt(hi, 0)}`);
    const num = (value, dec = 0) => h("td.num", { "data-value": value === null || value === undefined ? "" : String(value) }, fmt(value, dec));
    const columns = [t("name"), t("childrenU3"), t("childrenUe3"), t("demandU3"), t("demandUe3"), t("demand"), t("demandRange"), t("places"), t("gap"), t("gapRange"), t("coverage")];
    fill(
      tableEl,
      h(
        "table.data.kita-table",
        {},
        h("caption", {}, `${t("kitaTable")}: ${pick(levels.find((l) => l.id === result.level), "name")}, ${result.year}, ${t(result.scenario)}, ${quotaLabel(result.quotas)}`),
        h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col" }, c)))),
        h(
          "tbody",
          {},
          rows.map((r) =>
            h(
              "tr",
              { "data-unit": r.unit_id },
              h("th", { scope: "row" }, r.name || names.get(r.unit_id) || r.unit_id),
              num(r.children_u3),
              num(r.children_ue3),
              num(r.demand_u3),
              num(r.demand_ue3),
              h("td.num.demand", { "data-value": String(r.demand ?? "") }, fmt(r.demand, 0)),
              h("td.num", {}, range(r.demand_low, r.demand_high)),
              num(r.places),
              h("td.num.gap", { "data-value": String(r.gap ?? "") }, fmt(r.gap, 0)),
              h("td.num", {}, range(r.gap_low, r.gap_high)),
              num(coveragePct(r.coverage), 0),
            ),
          ),
        ),
      ),
    );
  }

  await render();
}
