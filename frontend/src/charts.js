// Charts (ECharts, only the parts used) and their table views: every chart can be read as a table.
import * as echarts from "echarts/core";
import { BarChart, CustomChart, HeatmapChart, LineChart, RadarChart, ScatterChart } from "echarts/charts";
import {
  AriaComponent,
  DataZoomComponent,
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  RadarComponent,
  TitleComponent,
  TooltipComponent,
  VisualMapComponent,
} from "echarts/components";
import { CanvasRenderer } from "echarts/renderers";
import { fmt, fmtDate, t } from "./i18n.js";

echarts.use([
  BarChart, CustomChart, HeatmapChart, LineChart, RadarChart, ScatterChart, AriaComponent, DataZoomComponent, GridComponent,
  LegendComponent, MarkLineComponent, RadarComponent, TitleComponent, TooltipComponent, VisualMapComponent, CanvasRenderer,
]);

const SERIES_COLOURS = ["#0b4f6c", "#c0392b", "#2e7d32", "#8e44ad", "#e67e22", "#555555"];

/** A chart in `el`: `render(option)`, `png()`, `dispose()`; clicks on data call `onClick(name)`. */
export class Chart {
  constructor(el, { onClick } = {}) {
    this.el = el;
    this.chart = echarts.init(el, null, { renderer: "canvas" });
    if (onClick) this.chart.on("click", (p) => onClick(p.data && p.data.id ? p.data.id : p.name));
    this.resizer = new ResizeObserver(() => this.chart.resize());
    this.resizer.observe(el);
  }

  render(option) {
    this.chart.setOption({ aria: { enabled: true }, animation: false, color: SERIES_COLOURS, ...option }, true);
  }

  png() {
    return this.chart.getDataURL({ type: "png", pixelRatio: 2, backgroundColor: "#ffffff" });
  }

  dispose() {
    this.resizer.disconnect();
    this.chart.dispose();
  }
}

const axisLabel = (decimals) => ({ formatter: (v) => fmt(v, decimals) });

/** Histogram of the values with the class breaks as lines; bars coloured by class. */
export function histogramOption({ values, breaks, colours, classOf, decimals, title }) {
  const finite = values.filter((v) => Number.isFinite(v));
  if (!finite.length) return null;
  const lo = Math.min(...finite), hi = Math.max(...finite);
  const bins = Math.min(30, Math.max(5, Math.round(Math.sqrt(finite.length))));
  const width = (hi - lo) / bins || 1;
  const counts = new Array(bins).fill(0);
  for (const v of finite) counts[Math.min(bins - 1, Math.floor((v - lo) / width))]++;
  const data = counts.map((c, i) => {
    const mid = lo + (i + 0.5) * width;
    return { value: [mid, c, lo + i * width, lo + (i + 1) * width], itemStyle: { color: colours[classOf(mid)] || "#999" } };
  });
  return {
    title: { text: title, textStyle: { fontSize: 13 } },
    tooltip: { formatter: (p) => `${fmt(p.data.value[2], decimals)} – ${fmt(p.data.value[3], decimals)}: ${p.data.value[1]} ${t("units")}` },
    grid: { left: 48, right: 24, top: 52, bottom: 32 },
    xAxis: { type: "value", min: lo, max: hi, axisLabel: axisLabel(decimals) },
    yAxis: { type: "value", name: t("count"), minInterval: 1 },
    series: [
      {
        type: "bar",
        data,
        barWidth: "95%",
        encode: { x: 0, y: 1 },
        markLine: {
          symbol: "none",
          silent: true,
          lineStyle: { color: "#222", type: "dashed" },
          label: { formatter: (p) => fmt(p.value, decimals), fontSize: 10 },
          data: breaks.slice(0, -1).map((b) => ({ xAxis: b })),
        },
      },
    ],
  };
}

/** Ranking bars (best first), selected units highlighted, the city mean as a line. */
export function rankingOption({ rows, selected, decimals, title, mean }) {
  const data = rows.map((r) => ({
    id: r.id,
    name: r.name,
    value: r.value,
    itemStyle: { color: selected.includes(r.id) ? "#c0392b" : r.color || "#0b4f6c" },
  }));
  return {
    title: { text: title, textStyle: { fontSize: 13 } },
    tooltip: { trigger: "item", formatter: (p) => `${p.dataIndex + 1}. ${p.name}: ${fmt(p.value, decimals)}` },
    grid: { left: 56, right: 16, top: 36, bottom: 56 },
    xAxis: { type: "category", data: data.map((d) => d.name), axisLabel: { show: data.length <= 30, rotate: 45 } },
    yAxis: { type: "value", axisLabel: axisLabel(decimals) },
    dataZoom: data.length > 60 ? [{ type: "inside" }, { type: "slider", height: 16, bottom: 8 }] : [],
    series: [
      {
        type: "bar",
        data,
        markLine: Number.isFinite(mean)
          ? { symbol: "none", silent: true, data: [{ yAxis: mean, name: t("city") }], label: { formatter: () => `${t("city")}: ${fmt(mean, decimals)}` } }
          : undefined,
      },
    ],
  };
}

/** Time series of the selected units against the city. */
export function timeseriesOption({ dates, lines, decimals, title }) {
  return {
    title: { text: title, textStyle: { fontSize: 13 } },
    tooltip: { trigger: "axis", valueFormatter: (v) => fmt(v, decimals) },
    legend: { bottom: 0, type: "scroll" },
    grid: { left: 56, right: 16, top: 36, bottom: 48 },
    xAxis: { type: "category", data: dates.map(fmtDate) },
    yAxis: { type: "value", scale: true, axisLabel: axisLabel(decimals) },
    series: lines.map((line) => ({
      type: "line",
      name: line.name,
      data: line.values,
      connectNulls: false,
      lineStyle: line.city ? { type: "dashed", width: 2 } : { width: 2 },
      symbolSize: 5,
    })),
  };
}

/** Radar of percentiles (0–100) of several indicators for the selected units. */
export function radarOption({ axes, units, title }) {
  return {
    title: { text: title, textStyle: { fontSize: 13 } },
    tooltip: {},
    legend: { bottom: 0, type: "scroll" },
    radar: { indicator: axes.map((a) => ({ name: a, min: 0, max: 100 })), radius: "62%", axisName: { color: "#333", fontSize: 10 } },
    series: [{ type: "radar", data: units.map((u) => ({ name: u.name, value: u.values })) }],
  };
}

/** Scatter plot with the regression line and Pearson r. */
export function scatterOption({ points, line, r, xTitle, yTitle, xDecimals, yDecimals, selected }) {
  return {
    title: { text: `${t("pearson")} = ${fmt(r, 2)}`, textStyle: { fontSize: 13 } },
    tooltip: { formatter: (p) => (p.seriesIndex === 0 ? `${p.data.name}: ${fmt(p.data.value[0], xDecimals)} / ${fmt(p.data.value[1], yDecimals)}` : "") },
    grid: { left: 56, right: 16, top: 36, bottom: 44 },
    xAxis: { type: "value", name: xTitle, nameLocation: "middle", nameGap: 26, scale: true, axisLabel: axisLabel(xDecimals) },
    yAxis: { type: "value", name: yTitle, scale: true, axisLabel: axisLabel(yDecimals) },
    series: [
      {
        type: "scatter",
        symbolSize: 6,
        data: points.map((p) => ({ id: p.id, name: p.name, value: [p.x, p.y], itemStyle: { color: selected.includes(p.id) ? "#c0392b" : "#0b4f6c", opacity: 0.75 } })),
      },
      { type: "line", data: line, showSymbol: false, lineStyle: { color: "#222" }, silent: true },
    ],
  };
}

/** Change per unit between two dates, sorted. */
export function changeOption({ rows, relative, decimals, title }) {
  const data = rows.map((r) => ({ id: r.id, name: r.name, value: relative ? (r.relative === null ? null : r.relative * 100) : r.absolute }));
  return {
    title: { text: title, textStyle: { fontSize: 13 } },
    tooltip: { formatter: (p) => `${p.name}: ${fmt(p.value, relative ? 1 : decimals)}${relative ? " %" : ""}` },
    grid: { left: 56, right: 16, top: 36, bottom: 56 },
    xAxis: { type: "category", data: data.map((d) => d.name), axisLabel: { show: data.length <= 30, rotate: 45 } },
    yAxis: { type: "value", axisLabel: axisLabel(relative ? 1 : decimals) },
    dataZoom: data.length > 60 ? [{ type: "inside" }, { type: "slider", height: 16, bottom: 8 }] : [],
    series: [{ type: "bar", data: data.map((d) => ({ ...d, itemStyle: { color: (d.value ?? 0) < 0 ? "#2c7bb6" : "#d7191c" } })) }],
  };
}

// ---------------------------------------------------------------- dashboards (Demografie, Wanderungen, Kita)

const MALE = "#1f5f8b";
const FEMALE = "#b5473a";
const TOTAL = "#0b4f6c";

/** Whiskers from `lo` to `hi` per category of a horizontal chart (data: [categoryIndex, lo, hi]). */
function whiskers(name, data, colour = "#222") {
  return {
    type: "custom",
    name,
    data,
    encode: { x: [1, 2], y: 0 },
    itemStyle: { color: colour }, // the legend's swatch
    z: 5,
    renderItem: (params, api) => {
      const y = api.value(0);
      const a = api.coord([api.value(1), y]);
      const b = api.coord([api.value(2), y]);
      const cap = Math.max(2, (api.size([0, 1])[1] || 8) * 0.25);
      const style = { stroke: colour, lineWidth: 1.5 };
      return {
        type: "group",
        children: [
          { type: "line", shape: { x1: a[0], y1: a[1], x2: b[0], y2: b[1] }, style },
          { type: "line", shape: { x1: a[0], y1: a[1] - cap, x2: a[0], y2: a[1] + cap }, style },
          { type: "line", shape: { x1: b[0], y1: b[1] - cap, x2: b[0], y2: b[1] + cap }, style },
        ],
      };
    },
  };
}

/**
 * An age pyramid: men to the left, women to the right where the source splits by sex, else the
 * total per band; a projected structure carries its 80 % interval as whiskers, and `compare`
 * (the jump-off structure, same bands) is drawn as a dashed outline.
 */
export function pyramidOption({ bands: given, title, compare = null, compareName = "", perYear = false }) {
  // bands of unequal width (0–5, 6–14, 27–44 …) are drawn as persons per year of age, so a
  // wide band does not look crowded; the open top band counts to age 100
  const per = (b, v) => (v === null || v === undefined ? v : perYear ? v / Math.max(1, (b.to ?? 101) - b.from) : v);
  const scaled = (b) => ({ ...b, male: per(b, b.male), female: per(b, b.female), total: per(b, b.total), ...(b.q10 !== undefined ? { q10: per(b, b.q10), q90: per(b, b.q90) } : {}) });
  const bands = given.map(scaled);
  compare = compare ? compare.map(scaled) : null;
  const labels = bands.map((b) => b.label);
  const bySex = bands.some((b) => b.male !== null && b.male !== undefined && b.female !== null && b.female !== undefined);
  const series = [];
  if (bySex) {
    series.push(
      { type: "bar", name: t("male"), stack: "p", data: bands.map((b) => -(b.male ?? 0)), itemStyle: { color: MALE }, barCategoryGap: "8%" },
      { type: "bar", name: t("female"), stack: "p", data: bands.map((b) => b.female ?? 0), itemStyle: { color: FEMALE } },
    );
    if (compare) {
      series.push(
        { type: "line", name: compareName, data: compare.map((b) => -(b.male ?? 0)), step: "middle", symbol: "none", lineStyle: { type: "dashed", color: "#222" }, itemStyle: { color: "#222" } },
        { type: "line", name: compareName, data: compare.map((b) => b.female ?? 0), step: "middle", symbol: "none", lineStyle: { type: "dashed", color: "#222" }, itemStyle: { color: "#222" } },
      );
    }
  } else {
    series.push({ type: "bar", name: t("total"), data: bands.map((b) => b.total), itemStyle: { color: TOTAL }, barCategoryGap: "8%" });
    const q = bands.map((b, i) => (b.q10 !== undefined && b.q90 !== undefined ? [i, b.q10, b.q90] : null)).filter(Boolean);
    if (q.length) series.push(whiskers(t("interval80"), q));
    if (compare) series.push({ type: "line", name: compareName, data: compare.map((b) => b.total), symbol: "circle", symbolSize: 4, lineStyle: { type: "dashed", color: "#c77700" }, itemStyle: { color: "#c77700" } });
  }
  return {
    title: { text: title, textStyle: { fontSize: 13 } },
    tooltip: {
      trigger: "axis",
      axisPointer: { type: "shadow" },
      formatter: (items) => {
        const i = items[0].dataIndex;
        const b = given[i];
        const lines = [`<strong>${b.label}</strong>`];
        if (bySex) lines.push(`${t("male")}: ${fmt(b.male, 0)}`, `${t("female")}: ${fmt(b.female, 0)}`);
        lines.push(`${t("total")}: ${fmt(b.total, 0)}`);
        if (b.q10 !== undefined && b.q90 !== undefined) lines.push(`${t("interval80")}: ${fmt(b.q10, 0)} – ${fmt(b.q90, 0)}`);
        if (compare && compare[i]) lines.push(`${compareName}: ${fmt(compare[i].total, perYear ? 1 : 0)}`);
        return lines.join("<br>");
      },
    },
    legend: { bottom: 0 },
    grid: { left: 56, right: 24, top: 36, bottom: 64 },
    xAxis: { type: "value", name: perYear ? t("perYearOfAge") : t("persons"), nameLocation: "middle", nameGap: 26, axisLabel: { formatter: (v) => fmt(Math.abs(v), 0) } },
    yAxis: { type: "category", data: labels, axisTick: { alignWithLabel: true } },
    series,
  };
}

/**
 * The projection fan: observed series, the variants and the 80 % and 95 % intervals of the
 * quantiles (stacked bands: lower bound plus width).
 */
export function fanOption({ fan, title, decimals = 0 }) {
  const dates = [...new Set([...fan.observed.map((p) => p.date), ...Object.values(fan.scenarios).flatMap((s) => s.map((p) => p.date)), ...fan.quantiles.map((q) => q.date)])].sort();
  const at = (rows) => {
    const byDate = new Map(rows.map((r) => [r.date, r.value]));
    return dates.map((d) => (byDate.has(d) ? byDate.get(d) : null));
  };
  const qBy = new Map(fan.quantiles.map((q) => [q.date, q]));
  const q = (key) => dates.map((d) => qBy.get(d)?.[key] ?? null);
  const width = (hiKey, loKey) => dates.map((d) => { const r = qBy.get(d); return r && r[hiKey] !== undefined && r[loKey] !== undefined ? r[hiKey] - r[loKey] : null; });
  const band = (name, stack, base, span, colour) => [
    { type: "line", name, stack, data: base, symbol: "none", lineStyle: { opacity: 0 }, itemStyle: { color: colour }, silent: true, tooltip: { show: false } },
    { type: "line", name, stack, data: span, symbol: "none", lineStyle: { opacity: 0 }, itemStyle: { color: colour }, areaStyle: { color: colour, opacity: 1 }, silent: true },
  ];
  const series = [];
  if (fan.quantiles.length) {
    series.push(...band(t("interval95"), "q95", q("q025"), width("q975", "q025"), "#dbe5ea"));
    series.push(...band(t("interval80"), "q80", q("q10"), width("q90", "q10"), "#a9c2ce"));
  }
  series.push({ type: "line", name: t("observed"), data: at(fan.observed), symbolSize: 5, lineStyle: { width: 2.5, color: "#1b1f24" }, itemStyle: { color: "#1b1f24" } });
  const styles = { medium: ["#0b4f6c", "solid"], low: ["#2e7d32", "dashed"], high: ["#c0392b", "dashed"] };
  for (const [scen, rows] of Object.entries(fan.scenarios)) {
    const [colour, type] = styles[scen] || ["#555", "dotted"];
    series.push({ type: "line", name: t(scen), data: at(rows), symbolSize: 4, lineStyle: { width: 2, color: colour, type }, itemStyle: { color: colour } });
  }
  const lookup = (i) => {
    const d = dates[i];
    const lines = [`<strong>${fmtDate(d)}</strong>`];
    const obs = fan.observed.find((p) => p.date === d);
    if (obs) lines.push(`${t("observed")}: ${fmt(obs.value, decimals)}`);
    for (const [scen, rows] of Object.entries(fan.scenarios)) {
      const r = rows.find((p) => p.date === d);
      if (r) lines.push(`${t(scen)}: ${fmt(r.value, decimals)}`);
    }
    const r = qBy.get(d);
    if (r) lines.push(`${t("interval80")}: ${fmt(r.q10, decimals)} – ${fmt(r.q90, decimals)}`, `${t("interval95")}: ${fmt(r.q025, decimals)} – ${fmt(r.q975, decimals)}`);
    return lines.join("<br>");
  };
  return {
    title: { text: title, textStyle: { fontSize: 13 } },
    tooltip: { trigger: "axis", formatter: (items) => lookup(items[0].dataIndex) },
    legend: { bottom: 0, type: "scroll", data: [t("observed"), ...Object.keys(fan.scenarios).map(t), ...(fan.quantiles.length ? [t("interval80"), t("interval95")] : [])] },
    grid: { left: 64, right: 16, top: 36, bottom: 48 },
    xAxis: { type: "category", data: dates.map((d) => d.slice(0, 4)), boundaryGap: false },
    yAxis: { type: "value", scale: true, axisLabel: axisLabel(decimals) },
    series,
  };
}

/** The origin–destination matrix as a heat map (rows: origin, columns: destination). */
export function odOption({ labels, matrix, title }) {
  const data = [];
  let max = 0;
  matrix.forEach((row, i) => row.forEach((v, j) => { if (v) { data.push([j, i, v]); max = Math.max(max, v); } }));
  return {
    title: { text: title, textStyle: { fontSize: 13 } },
    tooltip: { formatter: (p) => `${labels[p.data[1]]} → ${labels[p.data[0]]}: ${fmt(p.data[2], 0)}` },
    grid: { left: 150, right: 90, top: 36, bottom: 130 },
    xAxis: { type: "category", data: labels, name: t("destination"), nameLocation: "middle", nameGap: 115, axisLabel: { rotate: 60, fontSize: 10, interval: 0 }, splitArea: { show: true } },
    yAxis: { type: "category", data: labels, name: t("origin"), inverse: true, axisLabel: { fontSize: 10, interval: 0 }, splitArea: { show: true } },
    visualMap: { min: 0, max: Math.max(1, max), calculable: false, orient: "vertical", right: 0, top: 40, itemHeight: 120, inRange: { color: ["#f7fbff", "#9ecae1", "#2171b5", "#08306b"] }, text: [fmt(max, 0), "0"], show: true },
    series: [{ type: "heatmap", data, emphasis: { itemStyle: { borderColor: "#111", borderWidth: 1 } } }],
  };
}

/** Moves in (up), moves out (down) and the net balance per age group. */
export function netByAgeOption({ groups, labelOf, title }) {
  // the axis names the ages (18–24), the tooltip the group's full name
  const short = (g) => (g.to === null || g.to === undefined ? `${g.from}+` : `${g.from}–${g.to - 1}`);
  return {
    title: { text: title, textStyle: { fontSize: 13 } },
    tooltip: { trigger: "axis", formatter: (items) => [`<strong>${labelOf(groups[items[0].dataIndex])}</strong>`, ...items.map((p) => `${p.seriesName}: ${fmt(p.value === null ? null : Math.abs(p.value), 0)}`)].join("<br>") },
    legend: { bottom: 0 },
    grid: { left: 56, right: 16, top: 36, bottom: 56 },
    xAxis: { type: "category", data: groups.map(short), name: t("ageBand"), nameLocation: "middle", nameGap: 26, axisLabel: { interval: 0 } },
    yAxis: { type: "value", axisLabel: { formatter: (v) => fmt(v, 0) } },
    series: [
      { type: "bar", name: t("movesIn"), stack: "m", data: groups.map((g) => g.moves_in), itemStyle: { color: "#2e7d32" } },
      { type: "bar", name: t("movesOut"), stack: "m", data: groups.map((g) => (g.moves_out === null ? null : -g.moves_out)), itemStyle: { color: "#b5473a" } },
      { type: "line", name: t("net"), data: groups.map((g) => g.net), symbolSize: 7, lineStyle: { width: 2.5, color: "#1b1f24" }, itemStyle: { color: "#1b1f24" } },
    ],
  };
}
