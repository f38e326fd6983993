"""Use cases of migration analysis (Wanderungen): summary, OD matrix, net by age group, flow lines.

Reads the register's flow events (person level, only inside this service) and turns them
into aggregates with the pure core :mod:`ortswissen.migration`; nothing here returns a
person row. Mean populations come from the value store: ``reg_residents`` (derived from the
register) or else ``residents``, the mean of 31 December of the year before and of the year
(one of them where the other is missing). Populations of the age groups come from the
register's stocks on the same two days (the period's first day standing in for 31 December
before it).

Years are calendar years lying wholly in the register extract's period. ``suppress_below``
(e.g. 3) applies the minimum-count rule of :func:`ortswissen.migration.suppress_small`;
``None`` shows every count (internal use: CLI).

Example:
    >>> _mean_dates(2022)
    (datetime.date(2021, 12, 31), datetime.date(2022, 12, 31))
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any

import pandas as pd
import shapely

from ortswissen.errors import InvalidInput, NotFound, UnknownUnit
from ortswissen.migration import (
    COUNT_COLUMNS,
    assign_groups,
    city_summary,
    dense_od,
    flow_lines,
    flow_pairs,
    moves_from_events,
    net_by_age,
    od_matrix,
    suppress_small,
    unit_summary,
)
from ortswissen.migration import (
    age_group as check_age_group,
)
from ortswissen.ports import RegisterExtract, Store
from ortswissen.services.register import register_flow_events, register_stocks, register_store

__all__ = [
    "POPULATION_INDICATORS",
    "by_age",
    "flows",
    "migration_years",
    "od",
    "od_table",
    "summary",
]

#: Indicators tried for the mean population, in order.
POPULATION_INDICATORS = ("reg_residents", "residents")
_SUMMARY_DERIVED = {
    "net": ("moves_in", "internal_in", "moves_out", "internal_out"),
    "turnover": ("moves_in", "internal_in", "moves_out", "internal_out"),
    "net_rate": ("moves_in", "internal_in", "moves_out", "internal_out"),
    "turnover_rate": ("moves_in", "internal_in", "moves_out", "internal_out"),
}


def _mean_dates(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year - 1, 12, 31), dt.date(year, 12, 31)


def _extract(store: Store) -> RegisterExtract:
    extract = register_store(store).register_extract()
    if extract is None:
        raise NotFound("register", "the store holds no register extract: run 'ortswissen register import' first")
    return extract


def migration_years(store: Store) -> list[int]:
    """Calendar years lying wholly in the register extract's period (the years with migration figures)."""
    extract = _extract(store)
    return [
        y
        for y in range(extract.period_start.year, extract.period_end.year + 1)
        if extract.period_start <= dt.date(y, 1, 1) and dt.date(y, 12, 31) <= extract.period_end
    ]


def _check(store: Store, level: str, first: int, last: int | None = None) -> tuple[RegisterExtract, int, int]:
    """The extract and the year range, after checking the level and that every year has figures."""
    store.get_level(level)
    extract = _extract(store)
    last = first if last is None else last
    years = migration_years(store)
    if last < first:
        raise InvalidInput(f"year range {first}–{last} runs backwards")
    missing = [y for y in range(first, last + 1) if y not in years]
    if missing:
        raise NotFound(
            str(missing[0]),
            f"no migration figures for {missing[0]}: the register extract covers "
            f"{extract.period_start} to {extract.period_end}",
            available=[str(y) for y in years],
        )
    return extract, first, last


def _units(store: Store, level: str, first: int, last: int, *, wgs84: bool = False) -> pd.DataFrame:
    """The unit versions valid at some time in the years, the latest per unit id, ordered by id."""
    versions = store.unit_versions(level, geometry=wgs84, wgs84=wgs84)
    start, end = dt.date(first, 1, 1), dt.date(last, 12, 31)
    valid_to = versions["valid_to"]
    keep = (versions["valid_from"] <= end) & (valid_to.isna() | (valid_to >= start))
    latest = versions[keep.to_numpy()].sort_values(["unit_id", "valid_from"]).drop_duplicates("unit_id", keep="last")
    return latest.reset_index(drop=True)


def _moves(store: Store, level: str, first: int, last: int) -> pd.DataFrame:
    events = register_flow_events(store, level, dt.date(first, 1, 1), dt.date(last, 12, 31))
    return moves_from_events(events)


def _population(store: Store, level: str, years: Sequence[int]) -> tuple[pd.DataFrame, str | None]:
    """Mean population per ``unit_id, year`` and the indicator it came from (``None`` if none has values)."""
    known = {m.id for m in store.list_indicators()}
    dates = sorted({d for y in years for d in _mean_dates(y)})
    for indicator in POPULATION_INDICATORS:
        if indicator not in known:
            continue
        values = store.read_values([indicator], level_id=level, dates=dates, scenario="observed")
        values = values[values["value"].notna()]
        if values.empty:
            continue
        parts = []
        for year in years:
            days = _mean_dates(year)
            part = values[values["date"].isin(days)]
            mean = part.groupby("unit_id")["value"].mean()
            parts.append(pd.DataFrame({"unit_id": mean.index, "year": year, "population": mean.to_numpy()}))
        return pd.concat(parts, ignore_index=True), indicator
    return pd.DataFrame(columns=["unit_id", "year", "population"]), None


def _plain(value: Any, digits: int | None = None) -> Any:
    """JSON-friendly scalar: NaN/NA → None, numpy → Python, rates rounded."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and digits is not None:
        return round(value, digits)
    return value


def _records(frame: pd.DataFrame, columns: Sequence[str], rates: Sequence[str] = ()) -> list[dict[str, Any]]:
    out = []
    for row in frame[list(columns)].itertuples(index=False, name=None):
        out.append(
            {c: _plain(v, 2 if c in rates or c == "population" else None) for c, v in zip(columns, row, strict=True)}
        )
    return out


def summary(store: Store, level: str, year: int, *, suppress_below: int | None = None) -> dict[str, Any]:
    """Moves in/out/internal/within, net, turnover and rates per unit of ``level`` in ``year``; city totals."""
    extract, first, _ = _check(store, level, year)
    units = _units(store, level, first, first)
    moves = _moves(store, level, first, first)
    population, source = _population(store, level, [first])
    table = unit_summary(moves, population, units=list(units["unit_id"]), years=[first])
    table = table.merge(units[["unit_id", "name"]], on="unit_id", how="left")
    columns = ["unit_id", "name", "population", *COUNT_COLUMNS, "net", "turnover", "net_rate", "turnover_rate"]
    if suppress_below:
        table = suppress_small(table, COUNT_COLUMNS, _SUMMARY_DERIVED, below=suppress_below)
        columns.append("suppressed")
    known = table["population"].notna() & table["unit_id"].isin(units["unit_id"])
    city_pop = pd.Series({first: float(table.loc[known, "population"].sum())}) if known.any() else None
    city = city_summary(moves, city_pop)
    if suppress_below:
        city_derived = dict.fromkeys(("net", "turnover", "net_rate", "turnover_rate"), ("moves_in", "moves_out"))
        city = suppress_small(city, ["moves_in", "moves_out", "internal", "within"], city_derived, below=suppress_below)
    city_columns = ["population", "moves_in", "moves_out", "internal", "within", "net", "turnover"]
    city_columns += ["net_rate", "turnover_rate", *(["suppressed"] if suppress_below else [])]
    total = _records(city, city_columns, ("net_rate", "turnover_rate"))
    empty = {
        "population": None,
        "moves_in": 0,
        "moves_out": 0,
        "internal": 0,
        "within": 0,
        "net": 0,
        "turnover": 0,
        "net_rate": None,
        "turnover_rate": None,
        **({"suppressed": []} if suppress_below else {}),
    }
    return {
        "level": level,
        "year": first,
        "synthetic": extract.synthetic,
        "population_source": source,
        "suppress_below": suppress_below,
        "rows": _records(table, columns, ("net_rate", "turnover_rate")),
        "total": total[0] if total else empty,
    }


def _od_frame(
    store: Store, level: str, first: int, last: int, group: str | None
) -> tuple[RegisterExtract, pd.DataFrame, pd.DataFrame]:
    extract, first, last = _check(store, level, first, last)
    if group:
        check_age_group(group)  # unknown ids fail before the events are read
    units = _units(store, level, first, last)
    return extract, units, od_matrix(_moves(store, level, first, last), age_group=group)


def od(
    store: Store,
    level: str,
    year: int,
    *,
    year_to: int | None = None,
    age_group: str | None = None,
    suppress_below: int | None = None,
) -> dict[str, Any]:
    """Sparse OD matrix of ``year`` (to ``year_to``), optionally one age group; "outside" beyond the city."""
    extract, units, matrix = _od_frame(store, level, year, year_to or year, age_group)
    columns = ["origin", "destination", "count"]
    if suppress_below:
        matrix = suppress_small(matrix, ["count"], below=suppress_below)
        columns.append("suppressed")
    return {
        "level": level,
        "year": year,
        "year_to": year_to or year,
        "age_group": age_group,
        "synthetic": extract.synthetic,
        "suppress_below": suppress_below,
        "units": [{"unit_id": u, "name": n} for u, n in zip(units["unit_id"], units["name"], strict=True)],
        "flows": _records(matrix, columns),
    }


def od_table(
    store: Store, level: str, year: int, *, year_to: int | None = None, age_group: str | None = None
) -> pd.DataFrame:
    """The dense OD matrix for a spreadsheet: a row per origin (with its name), a column per destination, totals."""
    _, units, matrix = _od_frame(store, level, year, year_to or year, age_group)
    dense = dense_od(matrix, list(units["unit_id"]))
    names = dict(zip(units["unit_id"], units["name"], strict=True))
    names.update(
        {
            "outside": "außerhalb der Stadt / outside the city",
            "unknown": "ohne Gebiet / no unit",
            "total": "Summe / total",
        }
    )
    table = dense.reset_index()
    table.insert(1, "name", [names.get(o, o) for o in table["origin"]])
    table.columns = ["von \\ nach / from \\ to", "name", *[str(c) for c in dense.columns]]
    return table


def _group_population(store: Store, extract: RegisterExtract, level: str, year: int, unit: str | None) -> pd.Series:
    days = [max(d, extract.period_start) for d in _mean_dates(year)]
    stocks = register_stocks(store, level, sorted(set(days)))
    if unit is not None:
        stocks = stocks[stocks["unit_id"] == unit]
    if stocks.empty:
        return pd.Series(dtype=float)
    stocks = stocks.assign(group=assign_groups(stocks["age"]))
    per_day = stocks.groupby(["date", "group"])["count"].sum().unstack("date", fill_value=0)
    return per_day.mean(axis=1)


def by_age(
    store: Store, level: str, year: int, *, unit: str | None = None, suppress_below: int | None = None
) -> dict[str, Any]:
    """Moves in, out and net by age group of one unit (or, without ``unit``, of the whole city) in ``year``."""
    extract, first, _ = _check(store, level, year)
    name = "Gesamtstadt / whole city"
    if unit is not None:
        units = _units(store, level, first, first)
        match = units[units["unit_id"] == unit]
        if match.empty:
            raise UnknownUnit(
                unit, f"unit {unit!r} does not exist on level {level!r} in {first}", available=list(units["unit_id"])
            )
        name = str(match["name"].iloc[0])
    population = _group_population(store, extract, level, first, unit)
    table = net_by_age(_moves(store, level, first, first), unit=unit, population=population)
    pop_total = float(population.sum()) if len(population) else float("nan")
    total = {
        "moves_in": int(table["moves_in"].sum()),
        "moves_out": int(table["moves_out"].sum()),
        "net": int(table["net"].sum()),
        "population": pop_total,
    }
    total["rate_per_1000"] = 1000.0 * total["net"] / pop_total if pop_total > 0 else None
    columns = [
        "group",
        "label_de",
        "label_en",
        "from",
        "to",
        "moves_in",
        "moves_out",
        "net",
        "population",
        "rate_per_1000",
    ]
    totals = pd.DataFrame([total])
    if suppress_below:
        derived = {"net": ("moves_in", "moves_out"), "rate_per_1000": ("moves_in", "moves_out")}
        table = suppress_small(table, ["moves_in", "moves_out"], derived, below=suppress_below)
        totals = suppress_small(totals, ["moves_in", "moves_out"], derived, below=suppress_below)
        columns.append("suppressed")
    return {
        "level": level,
        "unit": unit,
        "name": name,
        "year": first,
        "synthetic": extract.synthetic,
        "suppress_below": suppress_below,
        "groups": _records(table, columns, ("rate_per_1000",)),
        "total": _records(totals, list(totals.columns), ("rate_per_1000",))[0],
    }


def flows(
    store: Store,
    level: str,
    year: int,
    *,
    year_to: int | None = None,
    min_count: int = 10,
    age_group: str | None = None,
    limit: int = 200,
    suppress_below: int | None = None,
) -> dict[str, Any]:
    """GeoJSON FeatureCollection (WGS84) of the largest flows between units: LineStrings between their points.

    One feature per pair of units with at least ``min_count`` moves both ways together,
    drawn in the direction of the net flow; properties ``origin, destination, count,
    reverse_count, net, total`` and the units' names.
    """
    extract, first, last = _check(store, level, year, year_to)
    if age_group:
        check_age_group(age_group)
    units = _units(store, level, first, last, wgs84=True)
    pairs = flow_pairs(
        od_matrix(_moves(store, level, first, last), age_group=age_group), min_count=min_count, limit=limit
    )
    located = units[units.geometry.notna()]
    xy = shapely.get_coordinates(shapely.point_on_surface(located.geometry.values))
    points = {u: (float(x), float(y)) for u, (x, y) in zip(located["unit_id"], xy, strict=True)}
    lines = flow_lines(pairs, points)
    names = dict(zip(units["unit_id"], units["name"], strict=True))
    props = ["origin", "destination", "origin_name", "destination_name", "count", "reverse_count", "net", "total"]
    lines["origin_name"] = lines["origin"].map(names)
    lines["destination_name"] = lines["destination"].map(names)
    if suppress_below:
        lines = suppress_small(
            lines,
            ["count", "reverse_count"],
            {"net": ("count", "reverse_count"), "total": ("count", "reverse_count")},
            below=suppress_below,
        )
        props.append("suppressed")
    features = []
    for i, row in enumerate(lines[props].itertuples(index=False, name=None)):
        geom = lines.geometry.iloc[i]
        features.append(
            {
                "type": "Feature",
                "id": str(lines["id"].iloc[i]),
                "properties": {k: _plain(v) for k, v in zip(props, row, strict=True)},
                "geometry": {"type": "LineString", "coordinates": [[round(c, 6) for c in p] for p in geom.coords]},
            }
        )
    return {
        "type": "FeatureCollection",
        "level": level,
        "year": first,
        "year_to": last,
        "age_group": age_group,
        "min_count": min_count,
        "synthetic": extract.synthetic,
        "suppress_below": suppress_below,
        "features": features,
    }
