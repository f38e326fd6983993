// The Wanderungen dashboard: flows between units on the map over the net migration rate, the
// origin–destination matrix and net migration by age. Reads GET /migration/summary, /flows, /od
// and /net-by-age (aggregates of the register's move events).
import { get } from "./api.js";
import { Panel, divergingClasses, field, legendItems, loadCharts, ready, smallLevels, syntheticBadge } from "./dashboard.js";
import { fill, h, table } from "./dom.js";
import { fmt, language, pick, t } from "./i18n.js";
import { ChoroplethMap } from "./map.js";
import { writeState } from "./state.js";
import { unitsFor } from "./units.js";

const NET_COLOURS = ["#b2182b", "#ef8a62", "#fddbc7", "#d1e5f0", "#67a9cf", "#2166ac"]; // loss red, gain blue
const MIN_COUNTS = [1, 5, 10, 25, 50, 100, 250];
const OD_UNITS = 20;
const FLOW_ROWS = 100;
const INDICATORS = ["reg_net_migration", "reg_moves_in", "reg_moves_in_internal"];

/** Years with register flows per level, from the catalogue (flows are dated 31 Dec). */
function flowYears(catalogue) {
  const byLevel = new Map();
  for (const id of INDICATORS) {
    const meta = catalogue.find((m) => m.id === id);
    for (const a of meta?.available || []) {
      const years = byLevel.get(a.level) || new Set();
      for (let y = Number(a.first_date.slice(0, 4)); y <= Number(a.last_date.slice(0, 4)); y++) years.add(y);
      byLevel.set(a.level, years);
    }
  }
  return byLevel;
}

/** "Counts below n are suppressed" where the API suppresses small counts. */
const suppressNote = (answer) => (answer && answer.suppress_below ? t("suppressedBelow", { n: answer.suppress_below }) : "");

export async function startMigration(root, config, state, catalogue, levels) {
  const main = root.querySelector("main");
  const years = flowYears(catalogue);
  if (!years.size) {
    // no register flows in the catalogue: offer the year before the projection's jump-off, if any
    const runs = await get("/demography/runs").catch(() => []);
    const year = runs[0] ? Number(runs[0].jump_off.slice(0, 4)) : new Date().getFullYear() - 1;
    for (const l of smallLevels(levels)) years.set(l.id, new Set([year]));
  }
  const offered = smallLevels(levels).filter((l) => years.has(l.id));
  const titleEl = h("h1.view-title", { id: "view-title" }, t("migration"));
  const statusEl = h("p.muted", { id: "dashboard-status", role: "status" });
  const controls = h("div.toolbar", { role: "group", "aria-label": t("dashboardControls"), id: "controls" });
  const mapEl = h("div.map", { id: "map", "aria-describedby": "map-hint" });
  const legendEl = h("section.legend", { "aria-label": t("legend"), id: "legend" });
  const mapTitle = h("h2", { id: "flows-title" }, t("flowsMap"));
  const mapBadge = h("span.badges");
  const mapNote = h("p.small.muted");
  const mapTable = h("div.panel-body", { id: "map-table", hidden: true, tabindex: "0", role: "region", "aria-label": t("mapTable") });
  const mapToggle = h("button.secondary", { type: "button", id: "map-table-toggle", "aria-expanded": "false", "aria-controls": "map-table" }, t("mapTable"));
  mapToggle.addEventListener("click", () => {
    mapTable.hidden = !mapTable.hidden;
    mapToggle.setAttribute("aria-expanded", String(!mapTable.hidden));
  });
  const mapCard = h(
    "section.card.wide",
    { id: "flows", "aria-labelledby": "flows-title" },
    h("div.card-head", {}, h("div.card-title", {}, mapTitle, mapBadge), mapToggle),
    h("div.mapwrap", {}, mapEl, legendEl),
    h("p.muted.small", { id: "map-hint" }, t("keyboardHint")),
    mapNote,
    mapTable,
  );
  const od = new Panel("od", t("odMatrix"));
  const byAge = new Panel("netbyage", t("netByAge"));
  fill(main, h("div.dashboard", { id: "migration" }, h("div.heading", {}, titleEl, statusEl), controls, h("div.cards", {}, mapCard, od.el, byAge.el)));
  const map = new ChoroplethMap(mapEl, { baseMapUrl: config.baseMapUrl, label: t("flowsMap"), onHover: (id) => tooltip(id), onClick: (id) => chooseUnit(id) });
  let names = new Map();
  let summary = null;
  let unitsKey = null;
  let seq = 0;
  let groups = [];

  function tooltip(id) {
    const row = summary?.rows.find((r) => r.unit_id === id);
    return [h("strong", {}, names.get(id) || id), h("br"), row ? `${t("netRate")}: ${fmt(row.net_rate, 1)} · ${t("net")}: ${fmt(row.net, 0)}` : t("missing")];
  }

  function chooseUnit(id) {
    state.unit = state.unit === id ? undefined : id;
    render();
  }

  async function render() {
    const my = ++seq;
    ready(false);
    const focused = document.activeElement?.id;
    if (!offered.some((l) => l.id === state.level)) {
      // districts (a level just below the city) read best as flows; else the first offered
      const below = offered.find((l) => l.parent && !levels.find((p) => p.id === l.parent)?.parent);
      state.level = (below || offered[0])?.id;
    }
    const level = levels.find((l) => l.id === state.level);
    const yearList = [...(years.get(state.level) || [])].sort();
    if (!yearList.includes(Number(state.year))) state.year = yearList.length ? String(yearList[yearList.length - 1]) : state.year;
    if (!MIN_COUNTS.includes(Number(state.min))) state.min = undefined;
    const minCount = Number(state.min) || 10;
    const date = `${state.year}-12-31`;
    const units = unitsFor(level, date);
    const [shown, sum, ages] = await Promise.all([
      units.promise,
      get("/migration/summary", { level: state.level, year: state.year }).catch((err) => err),
      get("/migration/net-by-age", { level: state.level, year: state.year, unit: state.unit }).catch((err) => err),
    ]);
    if (my !== seq) return;
    names = new Map(shown.points.features.map((f) => [f.properties.id, f.properties.name]));
    if (state.unit && !names.has(state.unit)) state.unit = undefined;
    groups = ages instanceof Error ? groups : ages.groups;
    if (state.age && !groups.some((g) => g.group === state.age)) state.age = undefined;
    writeState(state);
    const unitOptions = [["", t("wholeCity")], ...[...names.entries()].sort((a, b) => a[1].localeCompare(b[1], language()))];
    fill(
      controls,
      field("level", t("level"), offered.map((l) => [l.id, pick(l, "name")]), state.level, (v) => { state.level = v; state.unit = undefined; render(); }),
      field("year", t("year"), yearList.map((y) => [String(y), String(y)]), state.year, (v) => { state.year = v; render(); }),
      field("age-group", t("ageGroup"), [["", t("allAges")], ...groups.map((g) => [g.group, language() === "en" ? g.label_en : g.label_de])], state.age || "", (v) => { state.age = v || undefined; render(); }),
      field("min-count", t("minCount"), MIN_COUNTS.map((n) => [String(n), fmt(n, 0)]), String(minCount), (v) => { state.min = v; render(); }),
      field("unit", t("unitChoice"), unitOptions, state.unit || "", (v) => { state.unit = v || undefined; render(); }),
    );
    if (focused) document.getElementById(focused)?.focus();
    fill(statusEl, `${pick(level, "name")} · ${state.year}${state.age ? ` · ${groups.find((g) => g.group === state.age)?.[language() === "en" ? "label_en" : "label_de"] || state.age}` : ""}`);
    const [flows, matrix] = await Promise.all([
      get("/migration/flows", { level: state.level, year: state.year, min_count: minCount, age_group: state.age }).catch((err) => err),
      get("/migration/od", { level: state.level, year: state.year, age_group: state.age }).catch((err) => err),
    ]);
    if (my !== seq) return;
    if (units.key !== unitsKey) {
      await map.setUnits(shown, { fit: true });
      unitsKey = units.key;
    }
    const charts = await loadCharts();
    summary = sum instanceof Error ? null : sum;
    drawMap(sum, flows);
    const jobs = [];
    if (matrix instanceof Error) od.error(matrix.message);
    else jobs.push(drawOd(matrix, sum, charts));
    if (ages instanceof Error) byAge.error(ages.message);
    else jobs.push(drawByAge(ages, sum, charts));
    await Promise.all(jobs);
    await map.settled();
    if (my !== seq) return;
    window.ortswissen = { map: map.map, migration: { summary: summary, flows: flows instanceof Error ? null : flows, od: matrix instanceof Error ? null : matrix, netByAge: ages instanceof Error ? null : ages, state: { ...state } }, stateOf: (id) => map.stateOf(id) };
    ready();
  }

  function drawMap(sum, flows) {
    if (sum instanceof Error) {
      map.paint(new Map());
      fill(legendEl, h("p.small", {}, t("noData", { detail: sum.message })));
      fill(mapTable, h("p.muted", {}, t("noData", { detail: sum.message })));
      fill(mapBadge);
      map.setLines(null);
      return;
    }
    fill(mapBadge, syntheticBadge(sum.synthetic));
    const classes = divergingClasses(sum.rows.map((r) => r.net_rate), NET_COLOURS, 0);
    const paint = new Map();
    for (const r of sum.rows) {
      const c = classes.classOf(r.net_rate);
      paint.set(r.unit_id, { color: c === null ? null : NET_COLOURS[c], selected: r.unit_id === state.unit });
    }
    map.paint(paint);
    const missing = sum.rows.filter((r) => !Number.isFinite(r.net_rate)).length;
    const flowNote = flows instanceof Error ? h("p.small", {}, t("noData", { detail: flows.message })) : h("p.small", { id: "flow-count" }, `${t("flows")}: ${fmt(flows.features.length, 0)} (≥ ${fmt(Number(state.min) || 10, 0)})`);
    fill(legendEl, ...legendItems(t("netRate"), classes, missing), flowNote);
    fill(mapNote, suppressNote(sum));
    if (!(flows instanceof Error)) map.setLines(flows, { maxCount: Math.max(1, ...flows.features.map((f) => f.properties.count)) });
    const nameOf = (id) => (id === "outside" ? t("outside") : names.get(id) || id);
    const rows = [...sum.rows].sort((a, b) => (a.name || "").localeCompare(b.name || "", language()));
    const topFlows = flows instanceof Error ? [] : [...flows.features].sort((a, b) => b.properties.count - a.properties.count).slice(0, FLOW_ROWS);
    fill(
      mapTable,
      table(
        `${t("flowsMap")} (${state.year})`,
        [t("name"), t("population"), t("movesIn"), t("movesOut"), t("internalIn"), t("internalOut"), t("within"), t("net"), t("netRate"), t("turnoverRate")],
        rows.map((r) => {
          const count = (key) => (r[key] === null && (r.suppressed || []).includes(key) ? `< ${sum.suppress_below}` : fmt(r[key], 0));
          return [r.name || nameOf(r.unit_id), fmt(r.population, 0), count("moves_in"), count("moves_out"), count("internal_in"), count("internal_out"), count("within"), count("net"), fmt(r.net_rate, 1), fmt(r.turnover_rate, 1)];
        }),
        { className: "data summary-table" },
      ),
      topFlows.length
        ? table(
            `${t("flowsTable")} (${fmt(topFlows.length, 0)})`,
            [t("origin"), t("destination"), t("count"), t("net")],
            topFlows.map((f) => [nameOf(f.properties.origin), nameOf(f.properties.destination), fmt(f.properties.count, 0), fmt(f.properties.net, 0)]),
            { className: "data flows-table" },
          )
        : null,
    );
  }

  function drawOd(matrix, sum, { odOption }) {
    const nameOf = new Map(matrix.units.map((u) => [u.unit_id, u.name]));
    nameOf.set("outside", t("outside"));
    const volume = new Map();
    for (const f of matrix.flows) {
      for (const id of [f.origin, f.destination]) if (id !== "outside") volume.set(id, (volume.get(id) || 0) + (f.count ?? 0));
    }
    const top = [...volume.entries()].sort((a, b) => b[1] - a[1]).slice(0, OD_UNITS).map(([id]) => id);
    top.sort((a, b) => String(nameOf.get(a)).localeCompare(String(nameOf.get(b)), language()));
    const ids = [...top, ...(matrix.flows.some((f) => f.origin === "outside" || f.destination === "outside") ? ["outside"] : [])];
    const index = new Map(ids.map((id, i) => [id, i]));
    // a suppressed count (below the API's minimum) stays null and reads "< n" in the table
    const cells = ids.map(() => ids.map(() => 0));
    for (const f of matrix.flows) {
      if (!index.has(f.origin) || !index.has(f.destination)) continue;
      const [i, j] = [index.get(f.origin), index.get(f.destination)];
      cells[i][j] = f.count === null || f.count === undefined ? null : (cells[i][j] ?? 0) + f.count;
    }
    const labels = ids.map((id) => nameOf.get(id) || id);
    const title = `${t("odMatrix")} (${matrix.year})`;
    return od.show({
      synthetic: Boolean(sum && !(sum instanceof Error) && sum.synthetic) || Boolean(matrix.synthetic),
      note: [volume.size > OD_UNITS ? t("odHint", { n: OD_UNITS }) : "", suppressNote(matrix)].filter(Boolean).join(" "),
      label: title,
      chart: () => (ids.length ? odOption({ labels, matrix: cells, title }) : null),
      table: () =>
        table(
          title,
          [`${t("origin")} \\ ${t("destination")}`, ...labels],
          labels.map((l, i) => [l, ...cells[i].map((v) => (v === null ? `< ${matrix.suppress_below}` : fmt(v, 0)))]),
          { className: "data od-table" },
        ),
    });
  }

  function drawByAge(ages, sum, { netByAgeOption }) {
    const labelOf = (g) => (language() === "en" ? g.label_en : g.label_de) || g.group;
    const where = state.unit ? names.get(state.unit) || state.unit : t("wholeCity");
    const title = `${t("netByAge")}: ${where} (${ages.year})`;
    return byAge.show({
      synthetic: Boolean(sum && !(sum instanceof Error) && sum.synthetic) || Boolean(ages.synthetic),
      note: suppressNote(ages),
      label: title,
      chart: () => (ages.groups.length ? netByAgeOption({ groups: ages.groups, labelOf, title }) : null),
      table: () =>
        table(
          title,
          [t("ageGroup"), t("movesIn"), t("movesOut"), t("net"), t("netRate")],
          ages.groups.map((g) => {
            const count = (key) => (g[key] === null && (g.suppressed || []).includes(key) ? `< ${ages.suppress_below}` : fmt(g[key], 0));
            return [labelOf(g), count("moves_in"), count("moves_out"), count("net"), fmt(g.rate_per_1000, 1)];
          }),
          { className: "data netbyage-table" },
        ),
    });
  }

  await render();
}
