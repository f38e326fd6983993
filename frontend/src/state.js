// The whole view state lives in the URL query, so every view is a permalink.
const KEYS = ["view", "ind", "level", "date", "cm", "k", "pal", "fix", "out", "lbl", "sel", "tab", "y", "from", "unit", "comp", "scen", "year", "quota", "catch", "age", "min", "lang", "embed"];

/** The state read from the current URL. */
export function readState() {
  const q = new URLSearchParams(location.search);
  const state = {};
  for (const key of KEYS) if (q.has(key)) state[key] = q.get(key);
  state.sel = state.sel ? state.sel.split(",").filter(Boolean) : [];
  return state;
}

/** The URL of `state` (relative to the page). */
export function urlOf(state) {
  const q = new URLSearchParams();
  for (const key of KEYS) {
    let value = state[key];
    if (Array.isArray(value)) value = value.join(",");
    if (value !== undefined && value !== null && value !== "" && value !== false) q.set(key, value === true ? "1" : String(value));
  }
  return `${location.pathname}?${q.toString()}`;
}

/** Write `state` into the address bar without a reload (replace, not push, while sliding). */
export function writeState(state, { push = false } = {}) {
  const url = urlOf(state);
  if (url === `${location.pathname}${location.search}`) return;
  if (push) history.pushState(null, "", url);
  else history.replaceState(null, "", url);
}

/** The composite spec in the URL: "indicator:weight:polarity,…" (polarity: +, - or 0). */
export function parseComposite(text) {
  if (!text) return [];
  return text.split(",").map((part) => {
    const [indicator, weight, polarity] = part.split(":");
    return { indicator, weight: Number(weight) || 1, polarity: polarity === "-" ? "higher_is_worse" : polarity === "0" ? "neutral" : "higher_is_better" };
  });
}

export function formatComposite(components) {
  return components
    .map((c) => `${c.indicator}:${c.weight}:${c.polarity === "higher_is_worse" ? "-" : c.polarity === "neutral" ? "0" : "+"}`)
    .join(",");
}
