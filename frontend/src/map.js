// The choropleth map (MapLibre GL JS): units as a GeoJSON source, colours as feature state,
// so a new date or classification repaints without reloading geometry.
import * as maplibregl from "maplibre-gl";
import { MISSING_COLOUR } from "./palettes.js";
import { h } from "./dom.js";
import { t } from "./i18n.js";

const FILL = "units-fill";
const LINE = "units-line";

function ringCentre(ring) {
  // area-weighted centroid of a ring (planar; fine for label placement at city scale)
  let a = 0, x = 0, y = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const f = ring[j][0] * ring[i][1] - ring[i][0] * ring[j][1];
    a += f;
    x += (ring[j][0] + ring[i][0]) * f;
    y += (ring[j][1] + ring[i][1]) * f;
  }
  return a === 0 ? ring[0] : [x / (3 * a), y / (3 * a)];
}

function labelPoint(geometry) {
  const polygons = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.type === "MultiPolygon" ? geometry.coordinates : [];
  let best = null, bestSize = -1;
  for (const poly of polygons) {
    const ring = poly[0];
    const xs = ring.map((p) => p[0]), ys = ring.map((p) => p[1]);
    const size = (Math.max(...xs) - Math.min(...xs)) * (Math.max(...ys) - Math.min(...ys));
    if (size > bestSize) { bestSize = size; best = ring; }
  }
  return best ? ringCentre(best) : null;
}

function bounds(geojson) {
  let minX = 180, minY = 90, maxX = -180, maxY = -90;
  const visit = (c) => {
    if (typeof c[0] === "number") {
      if (c[0] < minX) minX = c[0];
      if (c[0] > maxX) maxX = c[0];
      if (c[1] < minY) minY = c[1];
      if (c[1] > maxY) maxY = c[1];
    } else c.forEach(visit);
  };
  for (const f of geojson.features) if (f.geometry) visit(f.geometry.coordinates);
  return [[minX, minY], [maxX, maxY]];
}

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
    const layers = [{ id: "background", type: "background", paint: { "background-color": "#f2efe9" } }];
    if (options.baseMapUrl) {
      sources.base = { type: "raster", tiles: [options.baseMapUrl], tileSize: 256 };
      layers.push({ id: "base", type: "raster", source: "base" });
    }
    sources.units = { type: "geojson", data: { type: "FeatureCollection", features: [] }, promoteId: "id" };
    layers.push(
      {
        id: FILL,
        type: "fill",
        source: "units",
        paint: {
          "fill-color": ["to-color", ["coalesce", ["feature-state", "color"], MISSING_COLOUR]],
          "fill-opacity": options.baseMapUrl ? 0.75 : 1,
        },
      },
      {
        id: LINE,
        type: "line",
        source: "units",
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
      },
    );
    this.map = new maplibregl.Map({
      container,
      style: { version: 8, sources, layers },
      center: [13.4, 52.5],
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
      if (f && this.options.onClick) this.options.onClick(f.properties.id, e.originalEvent);
    });
  }

  _hover(e) {
    const f = e && e.features && e.features[0];
    const id = f ? f.properties.id : null;
    if (this.hovered !== null && this.hovered !== id) this.map.setFeatureState({ source: "units", id: this.hovered }, { hover: false });
    this.hovered = id;
    this.map.getCanvas().style.cursor = id ? "pointer" : "";
    if (!id) {
      this.tooltip.hidden = true;
      return;
    }
    this.map.setFeatureState({ source: "units", id }, { hover: true });
    const text = this.options.onHover ? this.options.onHover(id, f.properties) : f.properties.name;
    this.tooltip.replaceChildren(...(Array.isArray(text) ? text : [text]));
    this.tooltip.hidden = false;
    const { x, y } = e.point;
    this.tooltip.style.left = `${x + 14}px`;
    this.tooltip.style.top = `${y + 14}px`;
  }

  /** Show these units (a GeoJSON FeatureCollection with `id` and `name` properties). */
  async setUnits(geojson, { fit = false } = {}) {
    await this.loaded;
    this.features = geojson.features;
    this.states.clear();
    this.map.getSource("units").setData(geojson);
    if (fit && geojson.features.length) this.map.fitBounds(bounds(geojson), { padding: 16, animate: false });
    this._drawLabels();
  }

  /** Apply per-unit paint state: `{color, outlier, selected}` for each unit id. */
  paint(byId) {
    for (const f of this.features) {
      const id = f.properties.id;
      const next = byId.get(id) || { color: null, outlier: false, selected: false };
      const prev = this.states.get(id);
      if (prev && prev.color === next.color && prev.outlier === next.outlier && prev.selected === next.selected) continue;
      const state = { color: next.color, outlier: Boolean(next.outlier), selected: Boolean(next.selected) };
      this.map.setFeatureState({ source: "units", id }, state);
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
    return new Set(this.map.queryRenderedFeatures({ layers: [FILL] }).map((f) => f.properties.id));
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
      const at = f.geometry && labelPoint(f.geometry);
      if (!at) continue;
      const el = h("div.map-label", { "aria-hidden": "true" }, f.properties.name);
      this.labels.push(new maplibregl.Marker({ element: el }).setLngLat(at).addTo(this.map));
    }
  }

  fitTo(ids) {
    const features = this.features.filter((f) => ids.includes(f.properties.id));
    if (features.length) this.map.fitBounds(bounds({ features }), { padding: 40, animate: false, maxZoom: 14 });
  }

  /** The map as a PNG data URL. */
  toPNG() {
    return this.map.getCanvas().toDataURL("image/png");
  }

  resize() {
    this.map.resize();
  }
}
