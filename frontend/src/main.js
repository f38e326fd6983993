// Boots the app: reads the settings island and the URL state, draws the header and the chosen view.
import "maplibre-gl/dist/maplibre-gl.css";
import "./style.css";
import { get, setApiRoot } from "./api.js";
import { Atlas } from "./atlas.js";
import { startComposite } from "./composite.js";
import { startDemography } from "./demography.js";
import { fill, h } from "./dom.js";
import { language, setLanguage, t } from "./i18n.js";
import { startKita } from "./kita.js";
import { startMigration } from "./migration.js";
import { startProfile } from "./profile.js";
import { readState, urlOf } from "./state.js";

// The dashboards; each keeps only the keys it understands when one is opened from another view
const DASHBOARDS = {
  demografie: { label: "demography", start: startDemography, keys: ["level", "unit", "date", "scen"] },
  wanderungen: { label: "migration", start: startMigration, keys: ["level", "year", "age", "min", "unit"] },
  kita: { label: "kita", start: startKita, keys: ["level", "year", "scen", "quota", "catch"] },
};

function header(config, state) {
  const view = state.view || "atlas";
  const link = (target, label, extra = {}) => {
    let next = { ...state, view: target === "atlas" ? undefined : target, ...extra };
    if (target !== view && (DASHBOARDS[target] || DASHBOARDS[view])) {
      // switching between views of different kinds: only the language carries over
      next = { view: next.view, lang: state.lang, sel: [] };
    }
    return h("a", { href: urlOf(next), "aria-current": view === target ? "page" : null, id: `nav-${target}` }, label);
  };
  const other = t("switchLangCode");
  const items = [link("atlas", t("atlas")), ...Object.entries(DASHBOARDS).map(([id, d]) => link(id, t(d.label))), config.publicMode ? null : link("composite", t("composite"))];
  if (!config.publicMode) items.push(h("a", { href: `/regions?lang=${language()}`, id: "nav-regions" }, t("regions")));
  items.push(h("a", { href: `/daten?lang=${language()}`, id: "nav-data" }, t("data")));
  return h(
    "header.top",
    {},
    h("a.brand", { href: `/?lang=${language()}` }, "ortswissen"),
    h("nav", { "aria-label": "Navigation" }, h("ul", {}, items.filter(Boolean).map((i) => h("li", {}, i)))),
    h("a.lang", { href: urlOf({ ...state, lang: other }), lang: other, id: "lang-switch" }, t("switchLang")),
  );
}

async function footer(el) {
  try {
    const { credits } = await get("/credits");
    if (!credits) return;
    const first = credits.split("\n").find((line) => line.trim() && !line.startsWith("#")) || "";
    fill(el, h("details", {}, h("summary", {}, `${t("credits")}: ${first.replace(/[*_`]/g, "").slice(0, 160)}`), h("pre.credits", {}, credits)));
  } catch {
    /* no credits */
  }
}

async function boot() {
  performance.mark("ow:boot");
  const config = JSON.parse(document.getElementById("ow-config").textContent);
  setApiRoot(config.api);
  const state = readState();
  setLanguage(state.lang || config.lang);
  state.lang = language();
  config.embed = config.embed || state.embed === "1";
  const root = document.getElementById("app");
  const main = h("main", { id: "main" });
  const foot = h("footer.credits-bar", { id: "credits" });
  if (config.embed) fill(root, main);
  else fill(root, h("a.skip", { href: "#main" }, language() === "de" ? "Zum Inhalt springen" : "Skip to content"), header(config, state), main, foot);
  try {
    const data = Promise.all([get("/indicators"), get("/levels")]);
    const view = state.view || "atlas";
    if (view === "profile" && state.unit) await startProfile(root, config, state, ...(await data));
    else if (view === "composite" && !config.publicMode) await startComposite(root, config, state, ...(await data));
    else if (DASHBOARDS[view]) {
      document.title = `${t(DASHBOARDS[view].label)} – ortswissen`;
      await DASHBOARDS[view].start(root, config, state, ...(await data));
    }
    else await new Atlas(root, config, state).start(data);
    if (!config.embed) footer(foot);
  } catch (err) {
    fill(main, h("p.error", { role: "alert" }, `${t("error")}: ${err.message}`));
    document.body.dataset.ready = "error";
    throw err;
  }
}

boot();
