// The what-if composite panel: indicators with direction and weight; map and ranking update live.
import { get, post } from "./api.js";
import { download, fill, h, select, table } from "./dom.js";
import { fmt, fmtDate, language, pick, t } from "./i18n.js";
import { ChoroplethMap } from "./map.js";
import { colours } from "./palettes.js";
import { unitsFor } from "./units.js";
import { formatComposite, parseComposite, writeState } from "./state.js";

const NORMALISATIONS = ["zscore", "minmax", "rank"];

export async function startComposite(root, config, state, catalogue, levels) {
  const main = root.querySelector("main");
  const byId = new Map(catalogue.map((m) => [m.id, m]));
  let components = parseComposite(state.comp).filter((c) => byId.has(c.indicator));
  if (!components.length) {
    const example = catalogue.find((m) => m.computation && m.computation.template === "composite");
    components = example
      ? example.computation.components.map((c) => ({ indicator: c.indicator, weight: c.weight, polarity: c.polarity || "higher_is_better" }))
      : catalogue.filter((m) => m.kind === "rate" || m.kind === "share").slice(0, 2).map((m) => ({ indicator: m.id, weight: 1, polarity: "higher_is_better" }));
  }
  const usable = (level) => catalogue.filter((m) => m.available.some((a) => a.level === level));
  if (!levels.some((l) => l.id === state.level)) {
    const first = byId.get(components[0]?.indicator);
    state.level = first ? first.available.map((a) => a.level).find((id) => id === "planungsraum") || first.available[0].level : levels[0].id;
  }
  const level = () => levels.find((l) => l.id === state.level);
  let baseline = null;
  let normalisation = NORMALISATIONS.includes(state.cm) ? state.cm : "zscore";
  const listEl = h("div.components", { id: "components" });
  const mapEl = h("div.map", { id: "composite-map" });
  const legendEl = h("section.legend", { "aria-label": t("legend") });
  const rankingEl = h("div.composite-ranking", { id: "composite-ranking", tabindex: "0", role: "region", "aria-label": t("ranking") });
  const statusEl = h("p.status", { role: "status" });
  const dateSelect = h("select", { id: "composite-date" });
  const levelSelect = select({ id: "composite-level", on: { change: (e) => { state.level = e.target.value; unitsKey = null; update(); } } }, levels.map((l) => [l.id, pick(l, "name")]), state.level);
  const normSelect = select({ id: "composite-normalisation", on: { change: (e) => { normalisation = e.target.value; update(); } } }, NORMALISATIONS.map((n) => [n, n]), normalisation);
  const baselineButton = h("button.secondary", { type: "button", id: "composite-baseline", on: { click: () => { baseline = spec(); update(); } } }, t("baseline"));
  const saveButton = h("button.secondary", { type: "button", id: "composite-save", on: { click: () => saveYaml() } }, t("saveIndicator"));
  fill(
    main,
    h(
      "div.composite",
      {},
      h(
        "section.composite-controls",
        { "aria-label": t("composite") },
        h("h1", {}, t("composite")),
        h("p.muted", {}, t("compositeHint")),
        h("div.field", {}, h("label", { for: "composite-level" }, t("level")), levelSelect),
        h("div.field", {}, h("label", { for: "composite-date" }, t("date")), dateSelect),
        h("div.field", {}, h("label", { for: "composite-normalisation" }, t("normalisation")), normSelect),
        listEl,
        h("p", {}, baselineButton, " ", saveButton),
        h("p.small.muted", {}, t("saveHint")),
      ),
      h("div.workspace", {}, h("div.mapwrap", {}, mapEl, legendEl), statusEl, rankingEl),
    ),
  );
  const map = new ChoroplethMap(mapEl, { baseMapUrl: config.baseMapUrl, label: t("composite"), onHover: (id) => tooltip(id) });
  let unitsKey = null;
  let names = new Map();
  let lastResult = null;
  let seq = 0;

  function spec() {
    return {
      components: components.map((c) => ({ indicator: c.indicator, weight: c.weight, polarity: c.polarity })),
      normalisation,
      classes: { method: "quantiles", k: 5 },
    };
  }

  function tooltip(id) {
    const u = lastResult && lastResult.units.find((x) => x.unit_id === id);
    return [h("strong", {}, names.get(id) || id), h("br"), u ? `${t("score")} ${fmt(u.score, 2)} · ${t("rank")} ${fmt(u.rank, 0)}` : t("missing")];
  }

  function drawComponents() {
    const options = usable(state.level).map((m) => [m.id, pick(m)]);
    fill(
      listEl,
      components.length ? null : h("p.muted", {}, t("noComponents")),
      components.map((c, i) =>
        h(
          "fieldset.component",
          { "data-indicator": c.indicator },
          h("legend", {}, `${i + 1}. ${pick(byId.get(c.indicator))}`),
          h("div.field", {}, h("label", { for: `comp-ind-${i}` }, t("indicator")), select({ id: `comp-ind-${i}`, on: { change: (e) => { c.indicator = e.target.value; changed(); drawComponents(); } } }, options, c.indicator)),
          h(
            "div.field",
            {},
            h("label", { for: `comp-weight-${i}` }, `${t("weight")}: `, h("output", { id: `comp-weight-out-${i}` }, fmt(c.weight, 1))),
            h("input", {
              type: "range", id: `comp-weight-${i}`, min: "0.5", max: "5", step: "0.5", value: String(c.weight), "data-weight": c.indicator,
              on: { input: (e) => { c.weight = Number(e.target.value); document.getElementById(`comp-weight-out-${i}`).textContent = fmt(c.weight, 1); changed(); } },
            }),
          ),
          h("div.field", {}, h("label", { for: `comp-pol-${i}` }, t("polarity")), select({ id: `comp-pol-${i}`, on: { change: (e) => { c.polarity = e.target.value; changed(); } } }, [["higher_is_better", t("higherBetter")], ["higher_is_worse", t("higherWorse")]], c.polarity === "higher_is_worse" ? "higher_is_worse" : "higher_is_better")),
          h("button.link", { type: "button", on: { click: () => { components.splice(i, 1); changed(); drawComponents(); } } }, t("remove")),
        ),
      ),
      h("button.secondary", { type: "button", id: "composite-add", on: { click: () => { const next = options.find(([id]) => !components.some((c) => c.indicator === id)); if (next) { components.push({ indicator: next[0], weight: 1, polarity: "higher_is_better" }); changed(); drawComponents(); } } } }, `+ ${t("addIndicator")}`),
    );
  }

  let timer = null;
  function changed() {
    clearTimeout(timer);
    timer = setTimeout(update, 120); // sliders fire many events; compute once they rest
  }

  async function datesFor() {
    const lists = await Promise.all(components.map((c) => get(`/indicators/${c.indicator}/values`, { level: state.level }).then((d) => new Set(d.values.map((v) => v.date))).catch(() => new Set())));
    if (!lists.length) return [];
    return [...lists[0]].filter((d) => lists.every((s) => s.has(d))).sort();
  }

  async function update() {
    const my = ++seq;
    document.body.dataset.ready = "0";
    state.comp = formatComposite(components);
    state.cm = normalisation;
    const dates = await datesFor();
    if (my !== seq) return;
    if (!dates.includes(state.date)) state.date = dates[dates.length - 1];
    fill(dateSelect, dates.map((d) => h("option", { value: d, selected: d === state.date }, fmtDate(d))));
    dateSelect.onchange = (e) => { state.date = e.target.value; update(); };
    writeState(state);
    if (!components.length || !state.date) {
      fill(rankingEl, h("p.muted", {}, t("noComponents")));
      document.body.dataset.ready = "1";
      return;
    }
    let result;
    try {
      result = await post("/composite", { level: state.level, date: state.date, spec: spec(), ...(baseline ? { baseline } : {}) });
    } catch (err) {
      fill(statusEl, h("span.error", { role: "alert" }, `${t("error")}: ${err.message}`));
      document.body.dataset.ready = "1";
      return;
    }
    if (my !== seq) return;
    fill(statusEl, result.notes.join("; "));
    lastResult = result;
    const units = unitsFor(level(), state.date);
    if (units.key !== unitsKey) {
      const shown = await units.promise;
      names = new Map(shown.points.features.map((f) => [f.properties.id, f.properties.name]));
      await map.setUnits(shown, { fit: true });
      unitsKey = units.key;
    }
    const palette = colours("RdYlGn", 5);
    map.paint(new Map(result.units.map((u) => [u.unit_id, { color: u.class === null || u.class === undefined ? null : palette[u.class] }])));
    fill(legendEl, h("h2", {}, t("score")), h("ul", {}, palette.map((c, i) => h("li", {}, h("span.swatch", { style: `background:${c}` }), `${i + 1}. ${language() === "de" ? "Quintil" : "quintile"}`))));
    const ranked = result.units.filter((u) => u.rank !== null).sort((a, b) => a.rank - b.rank);
    const columns = [t("rank"), t("name"), t("score"), ...(baseline ? [t("rankChange")] : [])];
    fill(
      rankingEl,
      table(
        `${t("ranking")} (${fmtDate(state.date)})${baseline ? ` – ${t("baselineSet")}` : ""}`,
        columns,
        ranked.map((u) => [fmt(u.rank, 0), names.get(u.unit_id) || u.unit_id, fmt(u.score, 2), ...(baseline ? [u.rank_change === null || u.rank_change === undefined ? "–" : fmt(u.rank_change, 0)] : [])]),
        { className: "data ranking-table" },
      ),
    );
    rankingEl.querySelector("tbody").dataset.order = ranked.map((u) => u.unit_id).join(",");
    await map.settled();
    if (my === seq) {
      window.ortswissen = { composite: result, map: map.map };
      document.body.dataset.ready = "1";
    }
  }

  function saveYaml() {
    const id = `index_custom_${Date.now().toString(36)}`;
    const lines = [
      `- id: ${id}`,
      `  title_de: Eigener Index (${fmtDate(state.date)})`,
      `  title_en: Custom index (${fmtDate(state.date)})`,
      "  unit_de: ''",
      "  unit_en: ''",
      "  topic: index",
      "  polarity: higher_is_better",
      "  decimals: 2",
      "  source: berechnet mit ortswissen (Komposit-Index)",
      "  computation:",
      "    template: composite",
      `    normalisation: ${normalisation}`,
      "    components:",
      ...components.flatMap((c) => [`    - indicator: ${c.indicator}`, `      weight: ${c.weight}`, `      polarity: ${c.polarity === "higher_is_worse" ? "higher_is_worse" : "higher_is_better"}`]),
    ];
    download(new Blob([lines.join("\n") + "\n"], { type: "application/yaml" }), `${id}.yaml`);
  }

  drawComponents();
  await update();
}
