// Charts (ECharts, only the parts used) and their table views: every chart can be read as a table.
import * as echarts from "echarts/core";
import { BarChart, LineChart, RadarChart, ScatterChart } from "echarts/charts";
import {
  AriaComponent,
  DataZoomComponent,
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  RadarComponent,
  TitleComponent,
  TooltipComponent,
} from "echarts/components";
import { CanvasRenderer } from "echarts/renderers";
import { fmt, fmtDate, t } from "./i18n.js";

echarts.use([
  BarChart, LineChart, RadarChart, ScatterChart, AriaComponent, DataZoomComponent, GridComponent, LegendComponent,
  MarkLineComponent, RadarComponent, TitleComponent, TooltipComponent, CanvasRenderer,
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
