// The indicator catalogue by topic, with search.
import { h, fill } from "./dom.js";
import { language, pick, t } from "./i18n.js";

const TOPICS = {
  bevoelkerung: ["Bevölkerung", "Population"],
  einwohnerregister: ["Einwohnerregister", "Population register"],
  bloecke: ["Blöcke", "Blocks"],
  bildung: ["Bildung", "Education"],
  kita: ["Kita", "Day care"],
  schule: ["Schule", "Schools"],
  jugend: ["Jugend", "Youth"],
  pflege: ["Pflege", "Care"],
  versorgung: ["Versorgung", "Amenities"],
  wohnen: ["Wohnen", "Housing"],
  gebaeude: ["Gebäude", "Buildings"],
  index: ["Indizes", "Indices"],
  soziales: ["Soziales", "Social"],
  umwelt: ["Umwelt", "Environment"],
  verkehr: ["Verkehr", "Transport"],
  wirtschaft: ["Wirtschaft", "Economy"],
  quartiere: ["Quartiere", "Quarters"],
};

/** A readable name of a topic path such as "bildung/kita". */
export function topicName(topic) {
  if (!topic) return language() === "de" ? "Sonstiges" : "Other";
  return topic
    .split("/")
    .map((part) => {
      const known = TOPICS[part];
      return known ? known[language() === "de" ? 0 : 1] : part.charAt(0).toUpperCase() + part.slice(1);
    })
    .join(" › ");
}

/** Render the catalogue into `el`; `onPick(id)` is called with the chosen indicator. */
export function renderCatalogue(el, indicators, current, onPick) {
  const list = h("div.catalogue-list");
  const search = h("input", { type: "search", placeholder: t("search"), "aria-label": t("search"), id: "catalogue-search" });
  const draw = () => {
    const needle = search.value.trim().toLowerCase();
    const groups = new Map();
    for (const meta of indicators) {
      const hay = `${meta.id} ${meta.title_de} ${meta.title_en} ${(meta.tags || []).join(" ")} ${meta.topic || ""}`.toLowerCase();
      if (needle && !hay.includes(needle)) continue;
      const key = meta.topic || "";
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key).push(meta);
    }
    if (!groups.size) {
      fill(list, h("p.muted", {}, t("noMatch")));
      return;
    }
    const sections = [...groups.entries()]
      .sort(([a], [b]) => topicName(a).localeCompare(topicName(b), language()))
      .map(([topic, metas]) => {
        const open = Boolean(needle) || metas.some((m) => m.id === current);
        return h(
          "details.topic",
          { open },
          h("summary", {}, `${topicName(topic)} (${metas.length})`),
          h(
            "ul",
            {},
            metas
              .sort((a, b) => pick(a).localeCompare(pick(b), language()))
              .map((m) =>
                h(
                  "li",
                  {},
                  h(
                    "button.indicator",
                    { type: "button", "aria-pressed": String(m.id === current), "data-indicator": m.id, on: { click: () => onPick(m.id) } },
                    pick(m),
                  ),
                ),
              ),
          ),
        );
      });
    fill(list, sections);
  };
  search.addEventListener("input", draw);
  fill(el, h("h2.visually-hidden", {}, t("catalogue")), search, list);
  draw();
}
