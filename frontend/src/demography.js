// The Demografie dashboard: the age pyramid of a unit on a date (observed, or projected with its
// interval), the projection fan of the residents and the key figures (births, deaths, dependency
// ratios, ageing index). Reads GET /demography/runs, /pyramid, /fan and /keyfigures.
import { get } from "./api.js";
import { Panel, field, loadCharts, ready, smallLevels } from "./dashboard.js";
import { fill, h, table } from "./dom.js";
import { fmt, fmtDate, language, pick, t } from "./i18n.js";
import { writeState } from "./state.js";

const VARIANTS = ["medium", "low", "high"];

/** The level chain from `id` up to the top (parents via `parent`). */
function chainUp(levels, id) {
  const out = [];
  for (let l = levels.find((x) => x.id === id); l && !out.includes(l); l = levels.find((x) => x.id === l.parent)) out.push(l);
  return out;
}

/** A sensible default level: the one just below the top of the projection's chain (Bezirke in Berlin). */
function defaultLevel(levels, run) {
  if (!run) return levels[0]?.id;
  const chain = chainUp(levels, run.level);
  return (chain.length > 1 ? chain[chain.length - 2] : chain[0])?.id || run.level;
}

async function unitsOf(levelId, date) {
  const points = await get(`/levels/${levelId}/units`, { date, geometry: "point" });
  return points.features.map((f) => [f.properties.id, f.properties.name]).sort((a, b) => a[1].localeCompare(b[1], language()));
}

const SOURCES = { register: "src_register", projection: "src_projection", ewr: "src_ewr", lor: "src_lor" };
const sourceName = (s) => (SOURCES[s] ? t(SOURCES[s]) : s);

export async function startDemography(root, config, state, catalogue, levels) {
  const main = root.querySelector("main");
  const runs = await get("/demography/runs").catch(() => []);
  const run = runs[0];
  const offered = smallLevels(levels);
  const titleEl = h("h1.view-title", { id: "view-title" });
  const statusEl = h("p.muted", { id: "dashboard-status", role: "status" });
  const controls = h("div.toolbar", { role: "group", "aria-label": t("dashboardControls"), id: "controls" });
  const pyramid = new Panel("pyramid", t("pyramid"));
  const figures = new Panel("keyfigures", t("keyFigures"));
  const fan = new Panel("fan", t("fan"));
  fill(main, h("div.dashboard", { id: "demography" }, h("div.heading", {}, titleEl, statusEl), controls, h("div.cards", {}, pyramid.el, figures.el, fan.el)));
  let seq = 0;

  async function render() {
    const my = ++seq;
    ready(false);
    const focused = document.activeElement?.id;
    if (!offered.some((l) => l.id === state.level)) state.level = defaultLevel(offered, run);
    const level = levels.find((l) => l.id === state.level);
    const refDate = run ? run.jump_off : undefined;
    const units = await unitsOf(state.level, refDate).catch(() => []);
    if (!units.some(([id]) => id === state.unit)) state.unit = units[0]?.[0];
    if (!state.unit) {
      fill(statusEl, t("noValues"));
      ready();
      return;
    }
    let fanData = null;
    let fanError = null;
    try {
      fanData = await get("/demography/fan", { level: state.level, unit: state.unit, indicator: "residents" });
    } catch (err) {
      fanError = err.message;
    }
    if (my !== seq) return;
    const observedDates = (fanData?.observed || []).map((p) => p.date);
    const projectedDates = [...new Set(Object.values(fanData?.scenarios || {}).flatMap((rows) => rows.map((p) => p.date)))].filter((d) => !observedDates.includes(d)).sort();
    const dates = [...observedDates, ...projectedDates];
    if (!dates.includes(state.date)) state.date = fanData?.jump_off || observedDates[observedDates.length - 1] || projectedDates[0] || refDate;
    const projected = projectedDates.includes(state.date);
    if (projected && !VARIANTS.includes(state.scen)) state.scen = "medium";
    if (!projected) state.scen = undefined;
    const scenario = projected ? state.scen : "observed";
    writeState(state);
    const name = units.find(([id]) => id === state.unit)?.[1] || state.unit;
    fill(
      controls,
      field("level", t("level"), offered.map((l) => [l.id, pick(l, "name")]), state.level, (v) => { state.level = v; state.unit = undefined; render(); }),
      field("unit", t("unitChoice"), units, state.unit, (v) => { state.unit = v; render(); }),
      field(
        "date",
        t("date"),
        dates.map((d) => [d, projectedDates.includes(d) ? `${fmtDate(d)} (${t("projected")})` : fmtDate(d)]),
        state.date,
        (v) => { state.date = v; render(); },
      ),
      field("scenario", t("variant"), VARIANTS.map((v) => [v, t(v)]), projected ? state.scen : "medium", (v) => { state.scen = v; render(); }, { disabled: !projected }),
    );
    if (focused) document.getElementById(focused)?.focus();
    fill(titleEl, `${t("demography")}: ${name}`);
    fill(statusEl, `${pick(level, "name")} · ${fmtDate(state.date)} · ${projected ? `${t("projected")}, ${t(state.scen)}` : t("observed")}`);

    const [pyr, compare, keys] = await Promise.all([
      get("/demography/pyramid", { level: state.level, unit: state.unit, date: state.date, scenario }).catch((err) => err),
      projected && fanData?.jump_off ? get("/demography/pyramid", { level: state.level, unit: state.unit, date: fanData.jump_off, scenario: "observed" }).catch(() => null) : null,
      get("/demography/keyfigures", { level: state.level, unit: state.unit, date: state.date, scenario }).catch((err) => err),
    ]);
    if (my !== seq) return;
    const { fanOption, pyramidOption } = await loadCharts();
    const jobs = [];
    if (pyr instanceof Error) pyramid.error(pyr.message);
    else jobs.push(showPyramid(pyr, compare, pyramidOption));
    if (keys instanceof Error) figures.error(keys.message);
    else jobs.push(showFigures(keys));
    if (fanError) fan.error(fanError);
    else jobs.push(showFan(fanData, fanOption));
    await Promise.all(jobs);
    if (my !== seq) return;
    window.ortswissen = { demography: { pyramid: pyr instanceof Error ? null : pyr, keyfigures: keys instanceof Error ? null : keys, fan: fanData, state: { ...state } } };
    ready();
  }

  function showPyramid(data, compare, pyramidOption) {
    // the jump-off structure is drawn for comparison only where it has the same bands and is
    // not synthetic beside real figures (the demo's synthetic register is much smaller)
    const sameBands =
      compare && compare.synthetic === data.synthetic && compare.bands.length === data.bands.length && compare.bands.every((b, i) => b.label === data.bands[i].label);
    const cmp = sameBands ? compare.bands : null;
    const cmpName = cmp ? t("jumpOffStructure", { date: fmtDate(compare.date) }) : "";
    const status = data.status === "projected" ? `${t("projected")}, ${t(data.scenario)}` : t("observed");
    const title = t("pyramidOf", { name: data.name, date: fmtDate(data.date), status });
    pyramid.setTitle(t("pyramid"));
    const hasQ = data.bands.some((b) => b.q10 !== undefined);
    const bySex = data.bands.some((b) => b.male !== null && b.male !== undefined);
    const widths = new Set(data.bands.filter((b) => b.to !== null && b.to !== undefined).map((b) => b.to - b.from));
    const perYear = widths.size > 1;
    return pyramid.show({
      synthetic: data.synthetic,
      label: title,
      note: `${t("sourceLabel", { source: sourceName(data.source) })}${hasQ ? ` · ${t("interval80")}: q10–q90` : ""}${cmp ? ` · - - ${cmpName}` : ""}${perYear ? ` · ${t("perYearNote")}` : ""}`,
      chart: () => pyramidOption({ bands: data.bands, title, compare: cmp, compareName: cmpName, perYear }),
      table: () =>
        table(
          title,
          [t("ageBand"), ...(bySex ? [t("male"), t("female")] : []), t("total"), ...(hasQ ? [t("interval80")] : []), ...(cmp ? [cmpName] : [])],
          [...data.bands].reverse().map((b) => {
            const i = data.bands.indexOf(b);
            return [
              b.label,
              ...(bySex ? [fmt(b.male, 0), fmt(b.female, 0)] : []),
              fmt(b.total, 0),
              ...(hasQ ? [b.q10 === undefined ? "–" : `${fmt(b.q10, 0)} – ${fmt(b.q90, 0)}`] : []),
              ...(cmp ? [fmt(cmp[i].total, 0)] : []),
            ];
          }),
          { className: "data pyramid-table" },
        ),
    });
  }

  function showFigures(k) {
    const items = [
      ["residents", t("residents"), k.residents, 0],
      ["births", t("births"), k.births, 0],
      ["deaths", t("deaths"), k.deaths, 0],
      ["birth_rate", t("birthRate"), k.birth_rate, 1],
      ["death_rate", t("deathRate"), k.death_rate, 1],
      ["youth_dependency", t("youthDependency"), k.youth_dependency, 1],
      ["old_age_dependency", t("oldAgeDependency"), k.old_age_dependency, 1],
      ["total_dependency", t("totalDependency"), k.total_dependency, 1],
      ["ageing_index", t("ageingIndex"), k.ageing_index, 1],
    ];
    return figures.show({
      synthetic: k.synthetic,
      note: `${t("keyFigureHint")} ${t("sourceLabel", { source: (k.sources || []).map(sourceName).join(", ") })}`,
      chart: null,
      table: () =>
        h(
          "dl.figures",
          { id: "figures" },
          items.map(([key, label, value, dec]) =>
            h("div.figure", { "data-key": key }, h("dt", {}, label), h("dd", { "data-value": value === null || value === undefined ? "" : String(value) }, fmt(value, dec))),
          ),
        ),
    });
  }

  function showFan(data, fanOption) {
    const title = `${t("residents")}: ${data.name}`;
    const dates = [...new Set([...data.observed.map((p) => p.date), ...Object.values(data.scenarios).flatMap((s) => s.map((p) => p.date))])].sort();
    const value = (rows, d) => rows?.find((p) => p.date === d)?.value ?? null;
    const q = (d, key) => data.quantiles.find((r) => r.date === d)?.[key] ?? null;
    const variants = Object.keys(data.scenarios);
    const hasQ = data.quantiles.length > 0;
    return fan.show({
      synthetic: false,
      note: data.jump_off ? `${t("jumpOff")}: ${fmtDate(data.jump_off)}` : "",
      label: title,
      chart: () => fanOption({ fan: data, title }),
      table: () =>
        table(
          title,
          [t("date"), t("observed"), ...variants.map(t), ...(hasQ ? [`${fmt(2.5, 1)} %`, "10 %", t("median"), "90 %", `${fmt(97.5, 1)} %`] : [])],
          dates.map((d) => [
            fmtDate(d),
            fmt(value(data.observed, d), 0),
            ...variants.map((v) => fmt(value(data.scenarios[v], d), 0)),
            ...(hasQ ? ["q025", "q10", "q50", "q90", "q975"].map((k) => fmt(q(d, k), 0)) : []),
          ]),
          { className: "data fan-table" },
        ),
    });
  }

  await render();
}

