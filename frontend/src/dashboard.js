// Pieces the dashboards (Demografie, Wanderungen, Kita-Planung) share: labelled controls, a
// panel with a chart that can be read as a table, the "synthetic" badge and diverging classes.
import { fill, h, select } from "./dom.js";
import { fmt, t } from "./i18n.js";

// ECharts loads on first use, as in the atlas
let chartsModule = null;
export const loadCharts = () => (chartsModule ??= import("./charts.js"));

/** A labelled <select> (`options`: `[value, label]`) calling `onChange(value)`. */
export function field(id, label, options, value, onChange, { disabled = false } = {}) {
  return h("div.field", {}, h("label", { for: id }, label), select({ id, disabled, on: { change: (e) => onChange(e.target.value) } }, options, value));
}

/** The badge on everything derived from (synthetic) register data. */
export function syntheticBadge(on) {
  return on ? h("span.badge.synthetic", { title: t("syntheticHint"), "data-synthetic": "1" }, t("synthetic")) : null;
}

/**
 * A titled section with a chart and its table view ("Als Tabelle"): `show({chart, table, badge,
 * note})` draws the chart option (or, toggled, the table); `error(message)` shows a notice.
 */
export class Panel {
  constructor(id, title) {
    this.id = id;
    this.asTable = false;
    this.chart = null;
    this.titleEl = h("h2", { id: `${id}-title` }, title);
    this.badgeEl = h("span.badges");
    this.toggle = h("button.secondary", { type: "button", id: `${id}-table-toggle`, "aria-pressed": "false", on: { click: () => this.flip() } }, t("showTable"));
    this.noteEl = h("p.small.muted.panel-note");
    this.body = h("div.panel-body", { id: `${id}-body`, tabindex: "0", role: "region", "aria-labelledby": `${id}-title` });
    this.el = h("section.card", { id, "aria-labelledby": `${id}-title` }, h("div.card-head", {}, h("div.card-title", {}, this.titleEl, this.badgeEl), this.toggle), this.noteEl, this.body);
    this.content = null;
  }

  setTitle(text) {
    fill(this.titleEl, text);
  }

  flip() {
    this.asTable = !this.asTable;
    this.toggle.setAttribute("aria-pressed", String(this.asTable));
    this.toggle.textContent = this.asTable ? t("showChart") : t("showTable");
    if (this.content) this.draw();
  }

  async show(content) {
    this.content = content;
    fill(this.badgeEl, syntheticBadge(content.synthetic));
    fill(this.noteEl, content.note || "");
    this.toggle.hidden = !content.chart;
    await this.draw();
  }

  async draw() {
    if (this.chart) {
      this.chart.dispose();
      this.chart = null;
    }
    const { chart, table, label } = this.content;
    if (this.asTable || !chart) {
      fill(this.body, table());
      return;
    }
    const option = chart();
    if (!option) {
      fill(this.body, h("p.muted", {}, t("noValues")));
      return;
    }
    const { Chart } = await loadCharts();
    const el = h("div.chart", { id: `${this.id}-chart`, role: "img", "aria-label": label || this.titleEl.textContent });
    fill(this.body, el);
    this.chart = new Chart(el);
    this.chart.render(option);
  }

  error(message) {
    this.content = null;
    if (this.chart) {
      this.chart.dispose();
      this.chart = null;
    }
    fill(this.badgeEl);
    fill(this.noteEl);
    this.toggle.hidden = true;
    fill(this.body, h("p.muted.notice", {}, t("noData", { detail: message })));
  }
}

const STEPS = [1, 2, 2.5, 5];

/** A round step (1, 2, 2.5 or 5 × 10^n) at least `x`. */
function niceStep(x) {
  if (!(x > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(x));
  return (STEPS.find((s) => s * p >= x) ?? 10) * p;
}

/**
 * Six classes symmetric around zero (−3s … +3s) for values of either sign, with `colours`
 * (six, negative first); `classOf(value)` → class index, `labels` per class.
 *
 * divergingClasses([-40, 10, 45]) has breaks [-40, -20, 0, 20, 40] (step 20).
 */
export function divergingClasses(values, colours, decimals = 0) {
  const finite = values.filter((v) => Number.isFinite(v));
  // the step follows the 90th percentile of |value|, so a few extremes do not flatten the rest
  const sizes = finite.map(Math.abs).sort((a, b) => a - b);
  const top = sizes.length ? sizes[Math.min(sizes.length - 1, Math.floor(sizes.length * 0.9))] : 1;
  const step = niceStep(top / 2.5);
  const breaks = [-2 * step, -step, 0, step, 2 * step];
  const classOf = (v) => {
    if (!Number.isFinite(v)) return null;
    const i = breaks.findIndex((b) => v < b);
    return i < 0 ? breaks.length : i;
  };
  const labels = [
    `< ${fmt(breaks[0], decimals)}`,
    ...breaks.slice(0, -1).map((b, i) => `${fmt(b, decimals)} – < ${fmt(breaks[i + 1], decimals)}`),
    `≥ ${fmt(breaks[breaks.length - 1], decimals)}`,
  ];
  const counts = labels.map(() => 0);
  for (const v of finite) counts[classOf(v)]++;
  return { breaks, classOf, labels, counts, colours };
}

/** A map legend: a heading and one swatch per class with its count. */
export function legendItems(heading, classes, missing = 0) {
  return [
    h("h2", {}, heading),
    h(
      "ul",
      {},
      classes.labels.map((label, i) => h("li", { "data-class": String(i) }, h("span.swatch", { style: `background:${classes.colours[i]}` }), label, h("span.count", {}, ` (${classes.counts[i]})`))),
      missing ? h("li", {}, h("span.swatch.missing"), `${t("missing")} (${missing})`) : null,
    ),
  ];
}

/** Levels with at most `max` units in any period (a <select> of thousands of blocks helps nobody). */
export function smallLevels(levels, max = 1000) {
  return levels.filter((l) => Math.max(0, ...(l.periods || []).map((p) => p.units)) <= max);
}

/** Mark the page as drawn (the browser tests and the benchmark wait for it). */
export function ready(on = true) {
  document.body.dataset.ready = on ? "1" : "0";
  document.getElementById("app")?.setAttribute("aria-busy", String(!on));
}
