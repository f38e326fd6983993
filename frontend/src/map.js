// The choropleth map (MapLibre GL JS): units as a GeoJSON source, colours as feature state,
// so a new date or classification repaints without reloading geometry.
import * as maplibregl from "maplibre-gl";
import { MISSING_COLOUR } from "./palettes.js";
import { h } from "./dom.js";
import { t } from "./i18n.js";

const FILL = "units-fill";
const START_CENTRE = [10.45, 51.16]; // Germany, until the first units are fitted
const LINE = "units-line";
const FLOWS = "flows-line";

export class ChoroplethMap {
  /**
   * @param {HTMLElement} container
   * @param {{baseMapUrl?: string, interactive?: boolean, onHover?: Function, onClick?: Function, label?: string}} options
   */
  constructor(container, options = {}) {
    this.options = options;
    this.states = new Map();
    this.features = [];
    this.labels = [];
    this.tooltip = h("div.map-tooltip", { role: "status", hidden: true });
    container.append(this.tooltip);
    const sources = {};
    const layers = []; // no background layer: the container's colour shows through (one shader less to compile)
    if (options.baseMapUrl) {
      sources.base = { type: "raster", tiles: [options.baseMapUrl], tileSize: 256 };
      layers.push({ id: "base", type: "raster", source: "base" });
    }
    this.map = new maplibregl.Map({
      container,
      style: { version: 8, sources, layers },
      center: START_CENTRE,
      zoom: 9,
      attributionControl: false,
      canvasContextAttributes: { preserveDrawingBuffer: true },
      interactive: options.interactive !== false,
      fadeDuration: 0,
      locale: {
        "NavigationControl.ZoomIn": t("zoomIn"),
        "NavigationControl.ZoomOut": t("zoomOut"),
      },
    });
    const canvas = this.map.getCanvas();
    canvas.setAttribute("aria-label", options.label || t("atlas"));
    canvas.setAttribute("role", "img");
    if (options.interactive !== false) this.map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-right");
    this.loaded = new Promise((resolve) => this.map.once("load", resolve));
    this.hovered = null;
    this.map.on("mousemove", FILL, (e) => this._hover(e));
    this.map.on("mouseleave", FILL, () => this._hover(null));
    this.map.on("click", FILL, (e) => {
      const f = e.features && e.features[0];
      if (f && this.options.onClick) this.options.onClick(f.properties.unit_id, e.originalEvent);
    });
  }

  _hover(e) {
    const f = e && e.features && e.features[0];
    const id = f ? f.properties.unit_id : null;
    if (this.hovered !== null && this.hovered !== id) this._state(this.hovered, { hover: false });
    this.hovered = id;
    this.map.getCanvas().style.cursor = id ? "pointer" : "";
    if (!id) {
      this.tooltip.hidden = true;
      return;
    }
    this._state(id, { hover: true });
    const text = this.options.onHover ? this.options.onHover(id, f.properties) : f.properties.name;
    this.tooltip.replaceChildren(...(Array.isArray(text) ? text : [text]));
    this.tooltip.hidden = false;
    const { x, y } = e.point;
    this.tooltip.style.left = `${x + 14}px`;
    this.tooltip.style.top = `${y + 14}px`;
  }

  _units(level, tiles) {
    const map = this.map;
    for (const id of [LINE, FILL]) if (map.getLayer(id)) map.removeLayer(id);
    if (map.getSource("units")) map.removeSource("units");
    map.addSource("units", { type: "vector", tiles: [tiles], promoteId: "unit_id", minzoom: 0, maxzoom: 16 });
    this.sourceLayer = level;
    const before = map.getLayer(FLOWS) ? FLOWS : undefined; // flow lines stay on top of the units
    map.addLayer({
      id: FILL,
      type: "fill",
      source: "units",
      "source-layer": level,
      paint: {
        "fill-color": ["to-color", ["coalesce", ["feature-state", "color"], MISSING_COLOUR]],
        "fill-opacity": this.options.baseMapUrl ? 0.75 : 1,
      },
    }, before);
    map.addLayer({
      id: LINE,
      type: "line",
      source: "units",
      "source-layer": level,
      paint: {
        "line-color": [
          "case",
          ["boolean", ["feature-state", "selected"], false], "#111111",
          ["boolean", ["feature-state", "hover"], false], "#333333",
          ["boolean", ["feature-state", "outlier"], false], "#5b2a86",
          "#ffffff",
        ],
        "line-width": [
          "case",
          ["boolean", ["feature-state", "selected"], false], 3,
          ["boolean", ["feature-state", "hover"], false], 2,
          ["boolean", ["feature-state", "outlier"], false], 2.5,
          0.5,
        ],
      },
    }, before);
  }

  /**
   * Draw lines (a GeoJSON FeatureCollection of LineStrings with a numeric `count` property) over
   * the units, their width growing with the count up to `maxCount`; `null` removes them.
   */
  async setLines(collection, { maxCount = 1, colour = "#3b1f5c" } = {}) {
    await this.loaded;
    const map = this.map;
    if (!collection) {
      if (map.getLayer(FLOWS)) map.removeLayer(FLOWS);
      if (map.getSource("flows")) map.removeSource("flows");
      return;
    }
    if (map.getSource("flows")) map.getSource("flows").setData(collection);
    else map.addSource("flows", { type: "geojson", data: collection });
    if (map.getLayer(FLOWS)) map.removeLayer(FLOWS);
    map.addLayer({
      id: FLOWS,
      type: "line",
      source: "flows",
      layout: { "line-cap": "round" },
      paint: {
        "line-color": colour,
        "line-opacity": 0.7,
        "line-width": ["interpolate", ["linear"], ["get", "count"], 0, 0.5, Math.max(1, maxCount), 9],
      },
    });
  }

  /**
   * Show the units of `level` valid on `date`: boundaries as vector tiles from the server, and
   * `points` (a FeatureCollection of one point per unit with `id`, `name` and a `bbox`) for
   * labels, names and zooming.
   */
  async setUnits({ level, date, points }, { fit = false } = {}) {
    await this.loaded;
    this.features = points.features;
    this.states.clear();
    const tiles = new URL(`${this.options.api || "/api/v1"}/tiles/${level}/{z}/{x}/{y}.mvt?date=${date}`, location.href).href;
    this._units(level, decodeURI(tiles));
    if (fit && points.bbox) this.map.fitBounds([[points.bbox[0], points.bbox[1]], [points.bbox[2], points.bbox[3]]], { padding: 16, animate: false });
    this._drawLabels();
  }

  _state(id, state) {
    this.map.setFeatureState({ source: "units", sourceLayer: this.sourceLayer, id }, state);
  }

  /** The paint state of a unit (colour, outlier, selected, hover). */
  stateOf(id) {
    return this.map.getFeatureState({ source: "units", sourceLayer: this.sourceLayer, id });
  }

  /** Apply per-unit paint state: `{color, outlier, selected}` for each unit id. */
  paint(byId) {
    for (const f of this.features) {
      const id = f.properties.id;
      const next = byId.get(id) || { color: null, outlier: false, selected: false };
      const prev = this.states.get(id);
      if (prev && prev.color === next.color && prev.outlier === next.outlier && prev.selected === next.selected) continue;
      const state = { color: next.color, outlier: Boolean(next.outlier), selected: Boolean(next.selected) };
      this._state(id, state);
      this.states.set(id, state); // a copy: callers may change their objects and paint again
    }
  }

  /** Resolves when the map has drawn everything asked of it. */
  settled() {
    return new Promise((resolve) => {
      this.map.once("idle", resolve);
      this.map.triggerRepaint();
    });
  }

  /** Unit ids drawn in the current view. */
  renderedUnits() {
    if (!this.map.getLayer(FILL)) return new Set();
    return new Set(this.map.queryRenderedFeatures({ layers: [FILL] }).map((f) => f.properties.unit_id));
  }

  setLabels(on) {
    this.showLabels = on;
    this._drawLabels();
  }

  _drawLabels() {
    for (const m of this.labels) m.remove();
    this.labels = [];
    if (!this.showLabels) return;
    for (const f of this.features) {
      if (!f.geometry) continue;
      const el = h("div.map-label", { "aria-hidden": "true" }, f.properties.name);
      this.labels.push(new maplibregl.Marker({ element: el }).setLngLat(f.geometry.coordinates).addTo(this.map));
    }
  }

  fitTo(ids) {
    const boxes = this.features.filter((f) => ids.includes(f.properties.id) && f.bbox).map((f) => f.bbox);
    if (!boxes.length) return;
    const box = [Math.min(...boxes.map((b) => b[0])), Math.min(...boxes.map((b) => b[1])), Math.max(...boxes.map((b) => b[2])), Math.max(...boxes.map((b) => b[3]))];
    this.map.fitBounds([[box[0], box[1]], [box[2], box[3]]], { padding: 40, animate: false, maxZoom: 14 });
  }

  /** The map as a PNG data URL (on the page's background colour). */
  toPNG() {
    const source = this.map.getCanvas();
    const canvas = document.createElement("canvas");
    canvas.width = source.width;
    canvas.height = source.height;
    const ctx = canvas.getContext("2d");
    ctx.fillStyle = "#f2efe9";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.drawImage(source, 0, 0);
    return canvas.toDataURL("image/png");
  }

  resize() {
    this.map.resize();
  }
}
