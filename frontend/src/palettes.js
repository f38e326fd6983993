// Colour schemes for choropleths (ColorBrewer 2.0 by Cynthia Brewer, Apache-2.0; 9-class sets).
export const PALETTES = {
  YlOrRd: ["#ffffcc", "#ffeda0", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#bd0026", "#800026"],
  YlGnBu: ["#ffffd9", "#edf8b1", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#253494", "#081d58"],
  Blues: ["#f7fbff", "#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c", "#08306b"],
  Greens: ["#f7fcf5", "#e5f5e0", "#c7e9c0", "#a1d99b", "#74c476", "#41ab5d", "#238b45", "#006d2c", "#00441b"],
  Purples: ["#fcfbfd", "#efedf5", "#dadaeb", "#bcbddc", "#9e9ac8", "#807dba", "#6a51a3", "#54278f", "#3f007d"],
  OrRd: ["#fff7ec", "#fee8c8", "#fdd49e", "#fdbb84", "#fc8d59", "#ef6548", "#d7301f", "#b30000", "#7f0000"],
  RdYlGn: ["#d73027", "#f46d43", "#fdae61", "#fee08b", "#ffffbf", "#d9ef8b", "#a6d96a", "#66bd63", "#1a9850"],
  RdBu: ["#b2182b", "#d6604d", "#f4a582", "#fddbc7", "#f7f7f7", "#d1e5f0", "#92c5de", "#4393c3", "#2166ac"],
};

export const MISSING_COLOUR = "#d4d4d4";
export const LISA_COLOURS = { HH: "#d7191c", LL: "#2c7bb6", HL: "#fdae61", LH: "#abd9e9", "not significant": "#eeeeee" };

/** `k` colours of the palette (evenly spread over its 9 steps; reversed when `reverse`). */
export function colours(name, k, reverse = false) {
  const base = PALETTES[name] || PALETTES.YlOrRd;
  const n = Math.max(1, Math.min(k, 12));
  const out = [];
  for (let i = 0; i < n; i++) out.push(base[n === 1 ? 4 : Math.round((i * (base.length - 1)) / (n - 1))]);
  return reverse ? out.reverse() : out;
}
