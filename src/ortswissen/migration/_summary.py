"""Moves in, out and within per unit and year; net migration and turnover per 1,000 mean population.

Definitions (see ``docs/migration.md``):

* ``moves_in`` Zuzüge from outside the city, ``moves_out`` Fortzüge to outside the city;
* ``internal_in`` / ``internal_out`` moves from / to another unit of the same level
  (Binnenwanderung in the city), ``within`` Umzüge with both addresses in the unit;
* ``net`` (Wanderungssaldo) = moves_in + internal_in − moves_out − internal_out;
* ``turnover`` (Wanderungsvolumen) = moves_in + internal_in + moves_out + internal_out
  (moves within the unit change nothing at its border and are left out);
* ``net_rate`` and ``turnover_rate`` per 1,000 mean population of the year.

Examples
--------
>>> moves = pd.DataFrame({"year": [2022] * 4, "age": [20, 30, 40, 50],
...     "origin": ["outside", "A", "A", "B"], "destination": ["A", "B", "A", "outside"]})
>>> pop = pd.DataFrame({"unit_id": ["A", "B"], "year": [2022, 2022], "population": [1000.0, 500.0]})
>>> out = unit_summary(moves, pop)
>>> out[["unit_id", "moves_in", "internal_out", "within", "net", "net_rate", "turnover_rate"]].to_dict("records")
... # doctest: +NORMALIZE_WHITESPACE
[{'unit_id': 'A', 'moves_in': 1, 'internal_out': 1, 'within': 1, 'net': 0, 'net_rate': 0.0, 'turnover_rate': 2.0},
 {'unit_id': 'B', 'moves_in': 0, 'internal_out': 0, 'within': 0, 'net': 0, 'net_rate': 0.0, 'turnover_rate': 4.0}]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ortswissen.migration._moves import OUTSIDE, UNKNOWN

__all__ = ["COUNT_COLUMNS", "city_summary", "per_thousand", "unit_summary"]

#: Count columns of :func:`unit_summary`, in order.
COUNT_COLUMNS = ("moves_in", "moves_out", "internal_in", "internal_out", "within")
_NOT_A_UNIT = (OUTSIDE, UNKNOWN)


def per_thousand(count: pd.Series, population: pd.Series) -> pd.Series:
    """``1000 × count / population``; NaN where the population is missing or not positive."""
    pop = pd.to_numeric(population, errors="coerce").astype(float)
    rate = 1000.0 * count.astype(float) / pop.where(pop > 0)
    return rate


def _count(moves: pd.DataFrame, mask: pd.Series, side: str, name: str) -> pd.Series:
    part = moves.loc[mask.to_numpy(), ["year", side]]
    return part.groupby(["year", side]).size().rename(name).rename_axis(["year", "unit_id"])


def unit_summary(
    moves: pd.DataFrame,
    population: pd.DataFrame | None = None,
    *,
    units: Sequence[str] | None = None,
    years: Sequence[int] | None = None,
) -> pd.DataFrame:
    """Per unit and year: counts, ``population``, ``net``, ``turnover``, ``net_rate``, ``turnover_rate``.

    ``moves`` as from :func:`moves_from_events`; ``population`` has ``unit_id, year,
    population`` (mean population of the year). ``units`` and ``years`` add rows of zeros for
    units without any move (and limit the years); rows are sorted by year and unit.
    """
    if years is not None:
        moves = moves[moves["year"].isin(list(years))]
    origin, dest = moves["origin"], moves["destination"]
    inside = ~origin.isin(_NOT_A_UNIT) & ~dest.isin(_NOT_A_UNIT)
    internal = (origin != dest) & ~(origin == OUTSIDE) & ~(dest == OUTSIDE)
    parts = [
        _count(moves, (origin == OUTSIDE) & ~dest.isin(_NOT_A_UNIT), "destination", "moves_in"),
        _count(moves, (dest == OUTSIDE) & ~origin.isin(_NOT_A_UNIT), "origin", "moves_out"),
        _count(moves, internal & ~dest.isin(_NOT_A_UNIT), "destination", "internal_in"),
        _count(moves, internal & ~origin.isin(_NOT_A_UNIT), "origin", "internal_out"),
        _count(moves, inside & (origin == dest), "origin", "within"),
    ]
    table = pd.concat(parts, axis=1)
    wanted_years = sorted(set(years) if years is not None else set(moves["year"].unique()))
    if units is not None:
        grid = pd.MultiIndex.from_product([wanted_years, list(units)], names=["year", "unit_id"])
        table = table.reindex(table.index.union(grid))
    table = table.reindex(columns=list(COUNT_COLUMNS)).fillna(0).astype("int64").reset_index()
    table["net"] = table["moves_in"] + table["internal_in"] - table["moves_out"] - table["internal_out"]
    table["turnover"] = table["moves_in"] + table["internal_in"] + table["moves_out"] + table["internal_out"]
    if population is not None and len(population):
        pop = population[["unit_id", "year", "population"]].astype({"year": "int64"})
        table = table.merge(pop, on=["unit_id", "year"], how="left")
    else:
        table["population"] = np.nan
    table["net_rate"] = per_thousand(table["net"], table["population"])
    table["turnover_rate"] = per_thousand(table["turnover"], table["population"])
    columns = ["unit_id", "year", "population", *COUNT_COLUMNS, "net", "turnover", "net_rate", "turnover_rate"]
    return table[columns].sort_values(["year", "unit_id"], kind="stable").reset_index(drop=True)


def city_summary(moves: pd.DataFrame, population: pd.Series | None = None) -> pd.DataFrame:
    """Per year for the whole city: moves in and out across its boundary, moves inside it, net and rates.

    ``internal`` counts moves between units of the level, ``within`` moves inside one unit
    (both together are the city's Umzüge); ``population`` maps year → mean population.

    >>> moves = pd.DataFrame({"year": [2022] * 3, "origin": ["outside", "A", "A"], "destination": ["A", "B", "A"]})
    >>> city_summary(moves, pd.Series({2022: 500.0}))[["moves_in", "internal", "within", "net_rate"]].to_dict("records")
    [{'moves_in': 1, 'internal': 1, 'within': 1, 'net_rate': 2.0}]
    """
    rows = []
    for year, part in moves.groupby("year", sort=True):
        origin, dest = part["origin"], part["destination"]
        inside = (origin != OUTSIDE) & (dest != OUTSIDE)
        moves_in = int((origin == OUTSIDE).sum())
        moves_out = int((dest == OUTSIDE).sum())
        rows.append(
            {
                "year": int(year),
                "moves_in": moves_in,
                "moves_out": moves_out,
                "internal": int((inside & (origin != dest)).sum()),
                "within": int((inside & (origin == dest) & ~origin.isin(_NOT_A_UNIT)).sum()),
                "net": moves_in - moves_out,
                "turnover": moves_in + moves_out,
            }
        )
    table = pd.DataFrame(
        rows, columns=["year", "moves_in", "moves_out", "internal", "within", "net", "turnover"]
    ).astype("int64")
    pop = population.reindex(table["year"]).to_numpy() if population is not None else np.full(len(table), np.nan)
    table.insert(1, "population", pop.astype(float))
    table["net_rate"] = per_thousand(table["net"], table["population"])
    table["turnover_rate"] = per_thousand(table["turnover"], table["population"])
    return table
