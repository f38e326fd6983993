// The atlas view: catalogue, level and date, choropleth with legend, linked charts, exports.
import { apiUrl, get } from "./api.js";
import { renderCatalogue } from "./catalogue.js";
import { download, fill, h, select, table } from "./dom.js";
import { fmt, fmtDate, language, pick, t } from "./i18n.js";
import { ChoroplethMap } from "./map.js";
import { LISA_COLOURS, PALETTES, colours } from "./palettes.js";
import { showMetadata } from "./metadata.js";
import { writeState } from "./state.js";
import { unitsFor, vintageOn } from "./units.js";
import { shareMenu } from "./share.js";

// ECharts is loaded on first use, so the map does not wait for it
let chartsModule = null;
const loadCharts = () => (chartsModule ??= import("./charts.js"));

const METHODS = ["jenks", "quantiles", "equal_interval", "std_mean", "manual", "threshold"];
const TABS = ["histogram", "ranking", "timeseries", "radar", "scatter", "change", "lisa"];
const ANALYSIS_TABS = new Set(["scatter", "lisa"]); // hidden in public mode

export class Atlas {
  constructor(root, config, state) {
    this.root = root;
    this.config = config;
    this.state = state;
    this.catalogue = [];
    this.levels = [];
    this.byId = new Map();
    this.names = new Map();
    this.charts = new Map();
    this.unitsKey = null;
    this.renderSeq = 0;
    this.playing = null;
  }

  get meta() {
    return this.byId.get(this.state.ind);
  }

  get levelInfo() {
    return this.levels.find((l) => l.id === this.state.level);
  }

  /** Pick a sensible indicator, level and date where the URL does not say. */
  resolveState() {
    const s = this.state;
    if (!this.byId.has(s.ind)) {
      const standard = this.catalogue.find((m) => (m.tags || []).includes("standard") && m.available.length) || this.catalogue.find((m) => m.available.length);
      s.ind = standard ? standard.id : undefined;
    }
    const meta = this.meta;
    if (!meta) return;
    const levelIds = meta.available.map((a) => a.level);
    if (!levelIds.includes(s.level)) {
      // the finest level with at most 1,000 units, else the coarsest
      const candidates = this.levels.filter((l) => levelIds.includes(l.id));
      const size = (l) => Math.max(...l.periods.map((p) => p.units));
      const fine = candidates.filter((l) => size(l) <= 1000).sort((a, b) => size(b) - size(a));
      s.level = (fine[0] || candidates.sort((a, b) => size(a) - size(b))[0]).id;
    }
    s.tab = TABS.includes(s.tab) && !(this.config.publicMode && ANALYSIS_TABS.has(s.tab)) ? s.tab : "histogram";
  }

  classOptions() {
    const meta = this.meta;
    const c = meta.classification || {};
    const s = this.state;
    return {
      method: METHODS.includes(s.cm) ? s.cm : c.method || "quantiles",
      k: Number(s.k) || c.classes || 5,
      palette: PALETTES[s.pal] ? s.pal : c.palette && PALETTES[c.palette] ? c.palette : "YlOrRd",
      fixed: s.fix === "1",
      outliers: s.out === "1",
    };
  }

  // ---------------------------------------------------------------- layout
  layout() {
    const cfg = this.config;
    this.mapEl = h("div.map", { id: "map", "aria-describedby": "map-hint" }); // MapLibre's canvas takes the focus itself
    this.legendEl = h("section.legend", { "aria-label": t("legend"), id: "legend" });
    this.titleEl = h("h1.view-title", { id: "view-title" });
    this.vintageEl = h("p.vintage.muted", { id: "vintage" });
    this.statusEl = h("p.status", { role: "status", id: "status" });
    if (cfg.embed) {
      fill(this.root.querySelector("main"), h("div.embed", {}, this.titleEl, h("div.mapwrap", {}, this.mapEl, this.legendEl), this.statusEl));
      return;
    }
    this.catalogueEl = h("nav.catalogue", { "aria-label": t("catalogue") });
    this.toolbarEl = h("div.toolbar", { role: "group", "aria-label": t("classification") });
    this.selectionEl = h("section.selection", { "aria-label": t("selected"), id: "selection" });
    this.panelEl = h("section.panel", { "aria-label": t("histogram") });
    this.mapTableEl = h("div.map-table", { id: "map-table", hidden: true, tabindex: "0", role: "region", "aria-label": t("mapTable") });
    const mapTableButton = h("button.secondary", { type: "button", id: "map-table-toggle", "aria-expanded": "false", "aria-controls": "map-table" }, t("mapTable"));
    mapTableButton.addEventListener("click", () => {
      const open = this.mapTableEl.hidden;
      this.mapTableEl.hidden = !open;
      mapTableButton.setAttribute("aria-expanded", String(open));
      if (open) this.renderMapTable();
    });
    fill(
      this.root.querySelector("main"),
      h(
        "div.atlas",
        {},
        this.catalogueEl,
        h(
          "div.workspace",
          {},
          h("div.heading", {}, this.titleEl, this.vintageEl),
          this.toolbarEl,
          h("div.mapwrap", {}, this.mapEl, this.legendEl),
          h("p.muted.small", { id: "map-hint" }, t("keyboardHint")),
          h("div.map-actions", {}, mapTableButton),
          this.mapTableEl,
          this.statusEl,
          this.selectionEl,
          this.panelEl,
        ),
      ),
    );
  }

  /**
   * Draw the layout and start the map at once, then load the catalogue (`data`: a promise of
   * `[catalogue, levels]`) and the first map's data in parallel: the map's WebGL start, the
   * units' geometry, the classes and the whole series all overlap.
   */
  async start(data) {
    this.layout();
    this.map = new ChoroplethMap(this.mapEl, {
      baseMapUrl: this.config.baseMapUrl,
      onClick: (id) => this.toggleSelection(id),
      onHover: (id) => this.tooltipFor(id),
      label: t("atlas"),
    });
    window.ortswissen = { atlas: this, map: this.map.map, renderedUnits: () => [...this.map.renderedUnits()], stateOf: (id) => this.map.stateOf(id) };
    performance.mark("ow:map-created");
    [this.catalogue, this.levels] = await data;
    performance.mark("ow:catalogue");
    this.byId = new Map(this.catalogue.map((m) => [m.id, m]));
    this.resolveState();
    if (!this.meta) {
      fill(this.statusEl, t("noValues"));
      document.body.dataset.ready = "1";
      return;
    }
    if (!this.config.embed) renderCatalogue(this.catalogueEl, this.catalogue.filter((m) => m.available.length), this.state.ind, (id) => this.setIndicator(id));
    await this.loadIndicator({ fit: true });
  }

  // ---------------------------------------------------------------- data
  async loadIndicator({ fit = false } = {}) {
    const s = this.state;
    this.busy(true);
    // the whole series (for the slider, tooltips and charts) loads beside the first map, not before it
    const request = { ind: s.ind, level: s.level };
    let firstData;
    const firstDataArrived = new Promise((resolve) => (firstData = resolve));
    this.firstDataArrived = firstData;
    // asked for once the first map's data has arrived, so it does not compete with it on the server
    this.series = firstDataArrived.then(() => get(`/indicators/${s.ind}/values`, { level: s.level })).then((data) => {
      if (request.ind !== this.state.ind || request.level !== this.state.level) return; // superseded
      const byDate = new Map();
      for (const row of data.values) {
        if (row.scenario && row.scenario !== "observed") continue;
        if (!byDate.has(row.date)) byDate.set(row.date, new Map());
        byDate.get(row.date).set(row.unit_id, row);
      }
      this.byDate = byDate;
      this.dates = [...byDate.keys()].sort();
    });
    this.byDate = new Map();
    this.dates = [];
    const range = this.meta.available.find((a) => a.level === s.level);
    if (!s.date || !range || s.date < range.first_date || s.date > range.last_date) s.date = range ? range.last_date : s.date;
    this.cityLevel = this.levels.find((l) => !l.parent && this.meta.available.some((a) => a.level === l.id));
    try {
      await this.showDate(s.date, { fit });
    } catch (err) {
      await this.series; // a date between the first and the last without values: take the latest
      if (!this.dates.length || this.dates.includes(s.date)) throw err;
      await this.showDate(this.dates[this.dates.length - 1], { fit });
    }
    this.prefetch();
  }

  /** Fetch the classification of every date in the background, so the slider is instant. */
  async prefetch() {
    await this.series;
    const opts = this.classOptions();
    for (const date of this.dates) this.classify(date, opts).catch(() => {});
  }

  classify(date, opts = this.classOptions()) {
    return get(`/indicators/${this.state.ind}/classify`, {
      level: this.state.level,
      date,
      method: opts.method,
      k: opts.k,
      fixed: opts.fixed,
      exclude_outliers: opts.outliers,
    });
  }

  async showDate(date, { fit = false, push = false } = {}) {
    const started = performance.now();
    const seq = ++this.renderSeq;
    const s = this.state;
    s.date = date;
    const units = unitsFor(this.levelInfo, date);
    const opts = this.classOptions();
    let shown, classes;
    try {
      [shown, classes] = await Promise.all([units.promise, this.classify(date, opts)]);
      performance.mark("ow:data");
    } finally {
      if (this.firstDataArrived) this.firstDataArrived();
    }
    if (seq !== this.renderSeq) return; // a newer request took over
    if (units.key !== this.unitsKey) {
      for (const f of shown.points.features) this.names.set(f.properties.id, f.properties.name);
      await this.map.setUnits(shown, { fit: fit || !this.unitsKey });
      performance.mark("ow:units-set");
      this.unitsKey = units.key;
    }
    this.classes = classes;
    this.palette = colours(opts.palette, classes.k_used || classes.breaks.length);
    const paint = new Map();
    const selected = new Set(s.sel);
    classes.units.forEach((u, i) => {
      paint.set(u.unit_id, {
        color: u.class === null || u.class === undefined ? null : this.palette[u.class],
        outlier: Boolean(classes.flags && classes.flags[i]),
        selected: selected.has(u.unit_id),
      });
    });
    if (s.tab === "lisa" && this.lisa) this.applyLisa(paint);
    this.map.paint(paint);
    this.paintState = paint;
    this.renderHeading();
    this.renderLegend();
    this.updateSlider();
    writeState(s, { push });
    performance.mark("ow:painted");
    await this.map.settled();
    performance.mark("ow:settled");
    if (seq !== this.renderSeq) return;
    this.lastRender = { date, ms: performance.now() - started };
    // time from navigation start to the first complete map (read by benchmarks/ui.py)
    if (window.ortswissen && window.ortswissen.firstMapMs === undefined) window.ortswissen.firstMapMs = performance.now();
    if (!this.toolbarFor || this.toolbarFor !== `${s.ind}@${s.level}`) {
      await this.series;
      if (seq !== this.renderSeq) return;
      this.toolbarFor = `${s.ind}@${s.level}`;
      this.renderToolbar();
    }
    if (window.ortswissen && window.ortswissen.readyMs === undefined) window.ortswissen.readyMs = performance.now();
    document.body.dataset.renderSeq = String(seq);
    document.body.dataset.ready = "1";
    this.busy(false);
    if (!this.config.embed) {
      this.renderSelection();
      this.renderPanel();
      if (!this.mapTableEl.hidden) this.renderMapTable();
    }
  }

  busy(on) {
    this.root.setAttribute("aria-busy", String(on));
    if (on) document.body.dataset.ready = "0";
  }

  valueOf(id, date = this.state.date) {
    const row = this.byDate.get(date)?.get(id);
    return row ? row.value : null;
  }

  tooltipFor(id) {
    const row = this.byDate.get(this.state.date)?.get(id) || this.classes?.units.find((u) => u.unit_id === id);
    const meta = this.meta;
    const value = row && row.value !== null ? `${fmt(row.value, meta.decimals)} ${pick(meta, "unit")}` : row && row.status === "suppressed" ? t("suppressed") : t("missing");
    return [h("strong", {}, this.names.get(id) || id), h("br"), value];
  }

  // ---------------------------------------------------------------- controls
  renderHeading() {
    const meta = this.meta;
    const level = this.levelInfo;
    fill(this.titleEl, `${pick(meta)} · ${pick(level, "name")} · ${fmtDate(this.state.date)}`);
    const vintage = vintageOn(level, this.state.date);
    fill(this.vintageEl, vintage ? t("periodNote", { vintage: pick(vintage, "label") }) : "");
    this.map.map.getCanvas().setAttribute("aria-label", t("mapLabel", { indicator: pick(meta), level: pick(level, "name"), date: fmtDate(this.state.date) }));
  }

  renderToolbar() {
    if (this.config.embed) return;
    const s = this.state;
    const meta = this.meta;
    const opts = this.classOptions();
    const levelIds = meta.available.map((a) => a.level);
    // a level with several territorial versions (Gebietsstände) is offered once per version:
    // choosing one moves the date to that version's latest date with values
    const options = [];
    let current = s.level;
    for (const l of this.levels.filter((x) => levelIds.includes(x.id))) {
      const vintages = (l.vintages || []).filter((v) => this.dates.some((d) => d >= v.valid_from && (!v.valid_to || d <= v.valid_to)));
      if (vintages.length < 2) options.push([l.id, pick(l, "name")]);
      else
        for (const v of vintages) {
          options.push([`${l.id}|${v.id}`, `${pick(l, "name")} – ${pick(v, "label")}`]);
          if (l.id === s.level && vintageOn(l, s.date)?.id === v.id) current = `${l.id}|${v.id}`;
        }
    }
    const levelSelect = select({ id: "level", on: { change: (e) => this.chooseLevel(e.target.value) } }, options, current);
    this.slider = h("input", {
      type: "range",
      id: "date-slider",
      min: "0",
      max: String(Math.max(0, this.dates.length - 1)),
      step: "1",
      value: String(Math.max(0, this.dates.indexOf(s.date))),
      disabled: this.dates.length < 2,
      on: { input: (e) => this.showDate(this.dates[Number(e.target.value)]) },
    });
    this.dateLabel = h("output.date-label", { for: "date-slider", id: "date-label" });
    this.playButton = h("button.secondary", { type: "button", id: "play", disabled: this.dates.length < 2, on: { click: () => this.togglePlay() } }, t("play"));
    const hasBreaks = Boolean(meta.classification && meta.classification.breaks && meta.classification.breaks.length);
    const methods = METHODS.filter((m) => hasBreaks || (m !== "manual" && m !== "threshold"));
    const methodSelect = select({ id: "method", on: { change: (e) => this.setClassification({ cm: e.target.value }) } }, methods.map((m) => [m, t(m)]), opts.method);
    const kSelect = select({ id: "classes", on: { change: (e) => this.setClassification({ k: e.target.value }) } }, [3, 4, 5, 6, 7, 8, 9].map((k) => [k, String(k)]), opts.k);
    const paletteSelect = select({ id: "palette", on: { change: (e) => this.setClassification({ pal: e.target.value }) } }, Object.keys(PALETTES).map((p) => [p, p]), opts.palette);
    const check = (id, label, on, key) =>
      h("label.check", {}, h("input", { type: "checkbox", id, checked: on, on: { change: (e) => this.setClassification({ [key]: e.target.checked ? "1" : "" }) } }), " ", label);
    const labels = h("label.check", {}, h("input", { type: "checkbox", id: "labels", checked: s.lbl === "1", on: { change: (e) => { s.lbl = e.target.checked ? "1" : ""; this.map.setLabels(e.target.checked); writeState(s); } } }), " ", t("labels"));
    const info = h("button.secondary", { type: "button", id: "info", on: { click: () => showMetadata(meta) } }, t("info"));
    fill(
      this.toolbarEl,
      h("div.field", {}, h("label", { for: "level" }, t("level")), levelSelect),
      h("div.field.date", {}, h("label", { for: "date-slider" }, t("date")), h("div.slider-row", {}, this.playButton, this.slider, this.dateLabel)),
      h(
        "details.class-options",
        {},
        h("summary", {}, t("classification")),
        h("div.field", {}, h("label", { for: "method" }, t("method")), methodSelect),
        h("div.field", {}, h("label", { for: "classes" }, t("classes")), kSelect),
        h("div.field", {}, h("label", { for: "palette" }, t("palette")), paletteSelect),
        check("fixed", t("fixed"), opts.fixed, "fix"),
        check("outliers", t("outliers"), opts.outliers, "out"),
        labels,
      ),
      info,
      this.exportMenu(),
      shareMenu(() => location.href),
    );
    if (s.lbl === "1") this.map.setLabels(true);
    this.updateSlider();
  }

  updateSlider() {
    if (!this.slider) return;
    const levelSelect = document.getElementById("level");
    const vintage = vintageOn(this.levelInfo, this.state.date);
    if (levelSelect && vintage && [...levelSelect.options].some((o) => o.value === `${this.state.level}|${vintage.id}`)) levelSelect.value = `${this.state.level}|${vintage.id}`;
    const i = this.dates.indexOf(this.state.date);
    this.slider.value = String(Math.max(0, i));
    const label = fmtDate(this.state.date);
    this.slider.setAttribute("aria-valuetext", label);
    this.dateLabel.value = label;
    this.dateLabel.textContent = label;
  }

  togglePlay() {
    if (this.playing) {
      clearInterval(this.playing);
      this.playing = null;
      this.playButton.textContent = t("play");
      return;
    }
    this.playButton.textContent = t("pause");
    let i = this.dates.indexOf(this.state.date);
    if (i >= this.dates.length - 1) i = -1;
    this.playing = setInterval(() => {
      i += 1;
      if (i >= this.dates.length) {
        this.togglePlay();
        return;
      }
      this.showDate(this.dates[i]);
    }, 1200);
  }

  exportMenu() {
    const s = this.state;
    const link = (format, label) =>
      h("a.menu-item", { href: apiUrl(`/indicators/${s.ind}/values`, { level: s.level, date: s.date, format }), download: "", "data-format": format, on: { click: (e) => { e.currentTarget.href = apiUrl(`/indicators/${this.state.ind}/values`, { level: this.state.level, date: this.state.date, format }); } } }, label);
    const menu = h("details.menu", {});
    menu.addEventListener("click", (e) => {
      if (e.target.closest(".menu-item")) setTimeout(() => (menu.open = false)); // close once a choice is made
    });
    return fill(
      menu,
      h("summary", {}, t("export")),
      h(
        "div.menu-body",
        {},
        link("csv", t("exportCsv")),
        link("xlsx", t("exportXlsx")),
        link("geojson", t("exportGeojson")),
        h("button.menu-item", { type: "button", id: "export-map-png", on: { click: () => fetch(this.map.toPNG()).then((r) => r.blob()).then((b) => download(b, `${s.ind}_${s.level}_${s.date}.png`)) } }, t("exportMapPng")),
        h("button.menu-item", { type: "button", id: "export-chart-png", on: { click: () => this.exportChart() } }, t("exportChartPng")),
      ),
    );
  }

  exportChart() {
    const chart = this.charts.get(this.state.tab);
    if (!chart) return;
    fetch(chart.png()).then((r) => r.blob()).then((b) => download(b, `${this.state.ind}_${this.state.tab}.png`));
  }

  // ---------------------------------------------------------------- state changes
  setIndicator(id) {
    if (id === this.state.ind) return;
    this.stopPlay();
    const keepDate = this.state.date;
    Object.assign(this.state, { ind: id, cm: undefined, k: undefined, pal: undefined });
    this.lisa = null;
    this.resolveState();
    this.state.date = keepDate;
    writeState(this.state, { push: true });
    renderCatalogue(this.catalogueEl, this.catalogue.filter((m) => m.available.length), id, (x) => this.setIndicator(x));
    this.loadIndicator();
  }

  /** A level, or "level|vintage": the level at the latest date of that territorial version. */
  chooseLevel(value) {
    const [level, vintageId] = value.split("|");
    if (level !== this.state.level) {
      this.setLevel(level);
      return;
    }
    const vintage = (this.levelInfo.vintages || []).find((v) => v.id === vintageId);
    const inside = vintage ? this.dates.filter((d) => d >= vintage.valid_from && (!vintage.valid_to || d <= vintage.valid_to)) : [];
    if (inside.length) this.showDate(inside[inside.length - 1], { push: true });
  }

  setLevel(level) {
    this.stopPlay();
    Object.assign(this.state, { level, sel: [] });
    this.lisa = null;
    this.unitsKey = null;
    writeState(this.state, { push: true });
    this.loadIndicator({ fit: true });
  }

  setClassification(change) {
    Object.assign(this.state, change);
    this.showDate(this.state.date);
    this.prefetch();
  }

  stopPlay() {
    if (this.playing) this.togglePlay();
  }

  toggleSelection(id) {
    const sel = this.state.sel;
    const i = sel.indexOf(id);
    if (i >= 0) sel.splice(i, 1);
    else sel.push(id);
    this.selectionChanged();
  }

  /** Outline the selected units and redraw what shows the selection. */
  selectionChanged() {
    const sel = this.state.sel;
    for (const [uid, p] of this.paintState) p.selected = sel.includes(uid);
    this.map.paint(this.paintState);
    writeState(this.state);
    this.renderSelection();
    this.renderPanel();
    if (!this.mapTableEl.hidden) this.renderMapTable();
  }

  // ---------------------------------------------------------------- legend, selection, tables
  renderLegend() {
    const c = this.classes;
    const meta = this.meta;
    const dec = meta.decimals ?? 1;
    const items = [];
    if (this.state.tab === "lisa" && this.lisa) {
      for (const [key, label] of [["HH", "clusterHH"], ["LL", "clusterLL"], ["HL", "clusterHL"], ["LH", "clusterLH"], ["not significant", "clusterNS"]]) {
        const n = this.lisa.units.filter((u) => u.cluster === key).length;
        items.push(h("li", {}, h("span.swatch", { style: `background:${LISA_COLOURS[key]}` }), `${t(label)} (${n})`));
      }
    } else {
      let lower = c.lower;
      c.breaks.forEach((upper, i) => {
        const from = i === 0 ? lower : c.breaks[i - 1];
        items.push(h("li", { "data-class": String(i) }, h("span.swatch", { style: `background:${this.palette[i]}` }), `${fmt(from, dec)} – ${fmt(upper, dec)}`, h("span.count", {}, ` (${c.counts[i]})`)));
      });
      const missing = c.units.filter((u) => u.class === null || u.class === undefined).length;
      if (missing) items.push(h("li", {}, h("span.swatch.missing"), `${t("missing")} (${missing})`));
      const outliers = (c.outliers || []).length;
      if (outliers) items.push(h("li", {}, h("span.swatch.outlier"), `${t("outlier")} (${outliers})`));
    }
    fill(this.legendEl, h("h2", {}, `${t("legend")}${pick(meta, "unit") ? ` (${pick(meta, "unit")})` : ""}`), h("ul", {}, items), c.notes && c.notes.length ? h("p.small.muted", {}, c.notes.join("; ")) : null);
  }

  renderSelection() {
    const sel = this.state.sel;
    if (!sel.length) {
      fill(this.selectionEl, h("p.muted", {}, t("selectHint")));
      return;
    }
    const profileUrl = (id) => `?${new URLSearchParams({ view: "profile", level: this.state.level, unit: id, date: this.state.date, lang: language() })}`;
    fill(
      this.selectionEl,
      h("h2", {}, `${t("selected")} (${sel.length})`),
      h(
        "ul.chips",
        {},
        sel.map((id) =>
          h("li", {}, h("span", {}, `${this.names.get(id) || id}: ${fmt(this.valueOf(id), this.meta.decimals)}`), " ", h("a.profile-link", { href: profileUrl(id) }, t("openProfile")), " ", h("button.link", { type: "button", "aria-label": `${t("remove")}: ${this.names.get(id) || id}`, on: { click: () => this.toggleSelection(id) } }, "×")),
        ),
      ),
      h("button.secondary", { type: "button", id: "clear-selection", on: { click: () => { this.state.sel.splice(0); this.selectionChanged(); } } }, t("clearSelection")),
    );
  }

  renderMapTable() {
    const meta = this.meta;
    const rows = this.classes.units
      .map((u) => ({ ...u, name: this.names.get(u.unit_id) || u.unit_id }))
      .sort((a, b) => a.name.localeCompare(b.name, language()));
    const sel = this.state.sel;
    fill(
      this.mapTableEl,
      table(
        t("mapLabel", { indicator: pick(meta), level: pick(this.levelInfo, "name"), date: fmtDate(this.state.date) }),
        [t("name"), t("id"), t("value"), t("class"), t("selected")],
        rows.map((u) => [
          u.name,
          u.unit_id,
          fmt(u.value, meta.decimals),
          u.class === null || u.class === undefined ? t("missing") : String(u.class + 1),
          h("input", { type: "checkbox", checked: sel.includes(u.unit_id), "aria-label": `${u.name} ${t("selected")}`, on: { change: () => this.toggleSelection(u.unit_id) } }),
        ]),
      ),
    );
  }

  // ---------------------------------------------------------------- charts
  renderPanel() {
    const tabs = TABS.filter((x) => !(this.config.publicMode && ANALYSIS_TABS.has(x)));
    const current = this.state.tab;
    const tablist = h("div.tabs", { role: "tablist", "aria-label": t("histogram") });
    for (const tab of tabs) {
      const button = h(
        "button.tab",
        { type: "button", role: "tab", id: `tab-${tab}`, "aria-selected": String(tab === current), "aria-controls": "tabpanel", tabindex: tab === current ? "0" : "-1" },
        t(tab),
      );
      button.addEventListener("click", () => this.setTab(tab));
      button.addEventListener("keydown", (e) => {
        const i = tabs.indexOf(tab);
        const next = e.key === "ArrowRight" ? tabs[(i + 1) % tabs.length] : e.key === "ArrowLeft" ? tabs[(i - 1 + tabs.length) % tabs.length] : null;
        if (next) {
          e.preventDefault();
          this.setTab(next).then(() => document.getElementById(`tab-${next}`)?.focus());
        }
      });
      tablist.append(button);
    }
    const showTable = this.tableView === true;
    const toggle = h("button.secondary", { type: "button", id: "chart-table-toggle", "aria-pressed": String(showTable), on: { click: () => { this.tableView = !showTable; this.renderPanel(); } } }, showTable ? t("showChart") : t("showTable"));
    const controls = h("div.chart-controls");
    const body = h("div.chart-body", { tabindex: "0", role: "region", "aria-label": t(current) });
    fill(this.panelEl, tablist, h("div.tabpanel", { role: "tabpanel", id: "tabpanel", "aria-labelledby": `tab-${current}` }, h("div.chart-head", {}, controls, toggle), body));
    for (const chart of this.charts.values()) chart.dispose();
    this.charts.clear();
    this.drawTab(current, body, controls, showTable).catch((err) => fill(body, h("p.error", { role: "alert" }, `${t("error")}: ${err.message}`)));
  }

  async setTab(tab) {
    const wasLisa = this.state.tab === "lisa";
    this.state.tab = tab;
    writeState(this.state);
    this.renderPanel();
    if (wasLisa && tab !== "lisa") await this.showDate(this.state.date);
  }

  chartIn(body, tab, option, onClickSelect = true) {
    const { Chart } = this.chartsApi;
    if (!option) {
      fill(body, h("p.muted", {}, t("noValues")));
      return;
    }
    const el = h("div.chart", { id: `chart-${tab}`, role: "img", "aria-label": t(tab) });
    fill(body, el);
    const chart = new Chart(el, { onClick: onClickSelect ? (id) => this.names.has(id) && this.toggleSelection(id) : null });
    chart.render(option);
    this.charts.set(tab, chart);
  }

  async drawTab(tab, body, controls, asTable) {
    this.chartsApi = await loadCharts();
    const { changeOption, histogramOption, radarOption, rankingOption, scatterOption, timeseriesOption } = this.chartsApi;
    const s = this.state;
    const meta = this.meta;
    const dec = meta.decimals ?? 1;
    const title = `${pick(meta)} (${fmtDate(s.date)})`;
    const units = this.classes.units;
    const nameOf = (id) => this.names.get(id) || id;
    if (tab === "histogram") {
      const values = units.map((u) => u.value).filter((v) => v !== null);
      const breaks = this.classes.breaks;
      const classOf = (v) => { const i = breaks.findIndex((b) => v <= b); return i < 0 ? breaks.length - 1 : i; };
      if (asTable) {
        fill(body, table(title, [t("class"), t("value"), t("count")], breaks.map((b, i) => [String(i + 1), `${fmt(i ? breaks[i - 1] : this.classes.lower, dec)} – ${fmt(b, dec)}`, String(this.classes.counts[i])])));
      } else this.chartIn(body, tab, histogramOption({ values, breaks, colours: this.palette, classOf, decimals: dec, title }), false);
    } else if (tab === "ranking") {
      const ranked = await get(`/indicators/${s.ind}/ranking`, { level: s.level, date: s.date });
      const rows = ranked.units.filter((u) => u.value !== null).map((u) => ({ id: u.unit_id, name: nameOf(u.unit_id), value: u.value, rank: u.rank, percentile: u.percentile, color: this.paintState.get(u.unit_id)?.color }));
      const mean = await this.cityValue(s.date);
      if (asTable) fill(body, table(title, [t("rank"), t("name"), t("value"), t("percentile")], rows.map((r) => [fmt(r.rank, 0), r.name, fmt(r.value, dec), fmt(r.percentile, 0)])));
      else this.chartIn(body, tab, rankingOption({ rows, selected: s.sel, decimals: dec, title, mean }));
    } else if (tab === "timeseries") {
      const lines = s.sel.map((id) => ({ name: nameOf(id), values: this.dates.map((d) => this.valueOf(id, d)) }));
      if (this.cityLevel && this.cityLevel.id !== s.level) {
        const city = await get(`/indicators/${s.ind}/values`, { level: this.cityLevel.id });
        const byDate = new Map(city.values.filter((r) => !r.scenario || r.scenario === "observed").map((r) => [r.date, r.value]));
        lines.push({ name: t("city"), city: true, values: this.dates.map((d) => byDate.get(d) ?? null) });
      }
      if (!s.sel.length) controls.append(h("p.muted.small", {}, t("selectHint")));
      if (asTable) fill(body, table(pick(meta), [t("date"), ...lines.map((l) => l.name)], this.dates.map((d, i) => [fmtDate(d), ...lines.map((l) => fmt(l.values[i], dec))])));
      else this.chartIn(body, tab, lines.length ? timeseriesOption({ dates: this.dates, lines, decimals: dec, title: pick(meta) }) : null);
    } else if (tab === "radar") {
      if (!s.sel.length) {
        fill(body, h("p.muted", {}, t("selectHint")));
        return;
      }
      const profiles = await Promise.all(s.sel.slice(0, 5).map((id) => get(`/units/${id}/profile`, { level: s.level, date: s.date })));
      const sameTopic = (row) => this.byId.get(row.indicator)?.topic === meta.topic;
      let axes = profiles[0].indicators.filter((r) => r.percentile !== null && sameTopic(r)).slice(0, 8);
      if (axes.length < 3) axes = profiles[0].indicators.filter((r) => r.percentile !== null).slice(0, 8);
      const ids = axes.map((a) => a.indicator);
      const unitsData = profiles.map((p) => ({ name: p.name, values: ids.map((id) => p.indicators.find((r) => r.indicator === id)?.percentile ?? null) }));
      const axisNames = ids.map((id) => pick(this.byId.get(id)) || id);
      if (asTable) fill(body, table(`${t("percentile")} (${fmtDate(s.date)})`, [t("indicator"), ...unitsData.map((u) => u.name)], axisNames.map((n, i) => [n, ...unitsData.map((u) => fmt(u.values[i], 0))])));
      else this.chartIn(body, tab, radarOption({ axes: axisNames, units: unitsData, title: `${t("percentile")} (${fmtDate(s.date)})` }), false);
    } else if (tab === "scatter") {
      const candidates = this.catalogue.filter((m) => m.id !== s.ind && m.available.some((a) => a.level === s.level));
      if (!candidates.some((m) => m.id === s.y)) s.y = (candidates.find((m) => m.topic === meta.topic) || candidates[0])?.id;
      controls.append(h("label", { for: "scatter-y" }, t("yIndicator")), select({ id: "scatter-y", on: { change: (e) => { s.y = e.target.value; writeState(s); this.renderPanel(); } } }, candidates.map((m) => [m.id, pick(m)]), s.y));
      if (!s.y) return;
      const reg = await get("/analysis/regression", { x: s.ind, y: s.y, level: s.level, date: s.date });
      const ymeta = this.byId.get(s.y);
      const xs = reg.points.map((p) => p.x);
      const lo = Math.min(...xs), hi = Math.max(...xs);
      const line = [[lo, reg.intercept + reg.slope * lo], [hi, reg.intercept + reg.slope * hi]];
      const points = reg.points.map((p) => ({ id: p.unit_id, name: nameOf(p.unit_id), x: p.x, y: p.y }));
      if (asTable) fill(body, table(`${t("pearson")} = ${fmt(reg.r, 2)}, r² = ${fmt(reg.r2, 2)}, n = ${reg.n}`, [t("name"), pick(meta), pick(ymeta)], points.map((p) => [p.name, fmt(p.x, dec), fmt(p.y, ymeta.decimals)])));
      else this.chartIn(body, tab, scatterOption({ points, line, r: reg.r, xTitle: pick(meta), yTitle: pick(ymeta), xDecimals: dec, yDecimals: ymeta.decimals ?? 1, selected: s.sel }));
    } else if (tab === "change") {
      const earlier = this.dates.filter((d) => d < s.date);
      if (!earlier.length) {
        fill(body, h("p.muted", {}, t("noValues")));
        return;
      }
      if (!earlier.includes(s.from)) s.from = earlier[0];
      const relative = s.rel === "1";
      controls.append(
        h("label", { for: "change-from" }, t("fromDate")),
        select({ id: "change-from", on: { change: (e) => { s.from = e.target.value; writeState(s); this.renderPanel(); } } }, earlier.map((d) => [d, fmtDate(d)]), s.from),
        h("label.check", {}, h("input", { type: "checkbox", id: "change-relative", checked: relative, on: { change: (e) => { s.rel = e.target.checked ? "1" : ""; this.renderPanel(); } } }), " ", t("relative")),
      );
      let change;
      try {
        change = await get("/analysis/change", { indicator: s.ind, level: s.level, from: s.from, to: s.date });
      } catch (err) {
        fill(body, h("p.muted", {}, err.message));
        return;
      }
      const rows = change.units.filter((u) => u.absolute !== null).map((u) => ({ id: u.unit_id, name: nameOf(u.unit_id), absolute: u.absolute, relative: u.relative, start: u.start, end: u.end }));
      rows.sort((a, b) => (relative ? (b.relative ?? -Infinity) - (a.relative ?? -Infinity) : b.absolute - a.absolute));
      const head = `${t("change")} ${fmtDate(s.from)} – ${fmtDate(s.date)}`;
      if (asTable) fill(body, table(head, [t("name"), fmtDate(s.from), fmtDate(s.date), t("absolute"), t("relative")], rows.map((r) => [r.name, fmt(r.start, dec), fmt(r.end, dec), fmt(r.absolute, dec), r.relative === null ? "–" : fmt(r.relative * 100, 1)])));
      else this.chartIn(body, tab, changeOption({ rows, relative, decimals: dec, title: head }));
    } else if (tab === "lisa") {
      this.lisa = await get("/analysis/lisa", { indicator: s.ind, level: s.level, date: s.date });
      const m = this.lisa.moran;
      controls.append(h("p", { id: "moran" }, `${t("moran")} = ${fmt(m.I, 3)} (z = ${fmt(m.z, 1)}, p = ${fmt(m.p_sim, 3)}, n = ${m.n})`));
      const clusterName = { HH: t("clusterHH"), LL: t("clusterLL"), HL: t("clusterHL"), LH: t("clusterLH"), "not significant": t("clusterNS") };
      const rows = this.lisa.units.filter((u) => u.cluster !== "not significant").map((u) => [nameOf(u.unit_id), clusterName[u.cluster] || u.cluster, fmt(u.local_i, 3), fmt(u.p_sim, 3)]);
      fill(body, table(t("lisa"), [t("name"), t("class"), "Local I", "p"], rows));
      this.applyLisa(this.paintState);
      this.map.paint(this.paintState);
      this.renderLegend();
    }
  }

  applyLisa(paint) {
    if (!this.lisa || this.lisa.date !== this.state.date) return;
    for (const u of this.lisa.units) {
      const p = paint.get(u.unit_id);
      if (p) p.color = LISA_COLOURS[u.cluster] || LISA_COLOURS["not significant"];
    }
  }

  async cityValue(date) {
    if (!this.cityLevel || this.cityLevel.id === this.state.level) return NaN;
    try {
      const city = await get(`/indicators/${this.state.ind}/values`, { level: this.cityLevel.id });
      const row = city.values.find((r) => r.date === date && (!r.scenario || r.scenario === "observed"));
      return row && row.value !== null ? row.value : NaN;
    } catch {
      return NaN;
    }
  }
}
