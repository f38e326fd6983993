// The metadata dialog: definition, source, licence, reference date and interpretation of an indicator.
import { h } from "./dom.js";
import { pick, t } from "./i18n.js";
import { topicName } from "./catalogue.js";

function describeComputation(meta) {
  const c = meta.computation;
  if (!c) return null;
  const parts = Object.entries(c)
    .filter(([key, value]) => key !== "template" && value !== null && value !== undefined && value !== "")
    .map(([key, value]) => `${key}: ${Array.isArray(value) ? value.join(", ") : typeof value === "object" ? JSON.stringify(value) : value}`);
  return `${c.template}${parts.length ? ` (${parts.join("; ")})` : ""}`;
}

function describeAggregation(meta) {
  const a = meta.aggregation;
  if (!a) return null;
  const parts = [a.method];
  if (a.numerator) parts.push(`${a.numerator} / ${a.denominator}${a.scale && a.scale !== 1 ? ` × ${a.scale}` : ""}`);
  if (a.weight) parts.push(`weight: ${a.weight}`);
  return parts.join(" – ");
}

/** Open a modal dialog with the indicator's metadata (Escape or the button closes it). */
export function showMetadata(meta) {
  const rows = [
    [t("definition"), pick(meta, "description") || pick(meta)],
    [t("unit"), pick(meta, "unit")],
    [t("computation"), describeComputation(meta)],
    [t("aggregation"), describeAggregation(meta)],
    [t("interpretation"), pick(meta, "interpretation")],
    [t("source"), meta.source],
    [t("licence"), meta.licence],
    [t("referenceDate"), meta.reference_date_note || (meta.available || []).map((a) => `${a.level}: ${a.first_date} – ${a.last_date} (${a.dates})`).join("; ")],
    [t("updateInterval"), meta.update_interval],
    [t("topic"), topicName(meta.topic)],
    ["ID", meta.id],
  ].filter(([, value]) => value);
  const dialog = h(
    "dialog.metadata",
    { "aria-labelledby": "metadata-title" },
    h("h2", { id: "metadata-title" }, pick(meta)),
    h("dl", {}, rows.flatMap(([key, value]) => [h("dt", {}, key), h("dd", {}, value)])),
    h("form", { method: "dialog" }, h("button", { type: "submit", id: "metadata-close" }, t("close"))),
  );
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  return dialog;
}
