// The units a map shows: which territorial version is valid on a date, and how to fetch it.
import { get } from "./api.js";

/**
 * The units of a level on a date: the period's boundaries come as vector tiles; `promise`
 * resolves to `{level, date, points}` with one labelled point (and bbox) per unit.
 */
export function unitsFor(levelInfo, date) {
  const period =
    levelInfo.periods.find((p) => p.valid_from <= date && (!p.valid_to || date <= p.valid_to)) || levelInfo.periods[levelInfo.periods.length - 1];
  const day = period ? period.valid_from : date;
  return {
    key: `${levelInfo.id}@${day}`,
    promise: get(`/levels/${levelInfo.id}/units`, { date: day, geometry: "point" }).then((points) => ({ level: levelInfo.id, date: day, points })),
  };
}

/** The vintage (Gebietsstand) of a level valid on a date, if the level has vintages. */
export function vintageOn(levelInfo, date) {
  return (levelInfo.vintages || []).find((v) => v.valid_from <= date && (!v.valid_to || date <= v.valid_to));
}
