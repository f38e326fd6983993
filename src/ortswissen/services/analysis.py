"""Analysis use cases: values of a level and date from the store, handed to ``ortswissen.analysis``.

Every function takes the store, an indicator, a level and a date (default: the latest date
with values), and returns plain, JSON-friendly dicts. Missing values stay missing.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ortswissen.analysis import classify as cls
from ortswissen.analysis import composite as comp
from ortswissen.analysis import spatial, stats
from ortswissen.errors import InvalidInput, NotFound, UnknownUnit
from ortswissen.indicators import OBSERVED
from ortswissen.ports import Store

__all__ = [
    "change_between",
    "classify_indicator",
    "composite_index",
    "dates_with_values",
    "deficit_units",
    "latest_date",
    "lisa_clusters",
    "rank_units",
    "regression",
    "series",
    "trend_of",
    "unit_profile",
    "values_at",
]


def _plain(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):
        value = value.item()
        return None if isinstance(value, float) and math.isnan(value) else value
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def records(frame: pd.DataFrame, index_name: str = "unit_id") -> list[dict[str, Any]]:
    """Rows of a frame indexed by unit as JSON-friendly dicts."""
    out = []
    for idx, row in frame.iterrows():
        item = {index_name: idx}
        item.update({str(k): _plain(v) for k, v in row.items()})
        out.append(item)
    return out


def dates_with_values(
    store: Store, indicators: list[str] | None, level: str, scenario: str | None = OBSERVED
) -> list[str]:
    """ISO dates on which the indicators (all when None) have values on ``level``."""
    dates = store.read_values(indicators, level_id=level, scenario=scenario)["date"].drop_duplicates()
    return [d.isoformat() for d in sorted(dates)]


def latest_date(store: Store, indicator: str, level: str) -> dt.date:
    """The latest date with values of ``indicator`` on ``level`` (404 if none)."""
    summary = store.value_summary()
    rows = summary[(summary["indicator_id"] == indicator) & (summary["level_id"] == level)]
    if rows.empty:
        have = sorted(summary[summary["indicator_id"] == indicator]["level_id"])
        raise NotFound(level, f"indicator {indicator!r} has no values on level {level!r}", available=have)
    return rows.iloc[0]["last_date"]


def values_at(
    store: Store, indicator: str, level: str, day: dt.date | None = None, scenario: str = OBSERVED
) -> tuple[dt.date, pd.DataFrame]:
    """The natural values of one level and date (unit_id, value, status, flag), and the date used."""
    store.get_indicator(indicator)
    store.get_level(level)
    day = day or latest_date(store, indicator, level)
    frame = store.read_values([indicator], level_id=level, dates=[day], scenario=scenario)
    if frame.empty:
        raise NotFound(
            str(day),
            f"indicator {indicator!r} has no values on level {level!r} on {day}",
            available=dates_with_values(store, [indicator], level, scenario),
        )
    return day, frame[["unit_id", "value", "status", "flag"]].reset_index(drop=True)


def _series(frame: pd.DataFrame) -> pd.Series:
    return pd.Series(frame["value"].to_numpy(dtype=float), index=frame["unit_id"].to_numpy())


def series(store: Store, indicator: str, unit: str, level: str | None = None) -> dict[str, Any]:
    """All dates of one unit (natural series), with status; finds the level when not given."""
    store.get_indicator(indicator)
    if level is None:
        levels = [
            lv.id for lv in store.list_levels() if not store.unit_versions(lv.id, unit_ids=[unit], geometry=False).empty
        ]
        if not levels:
            raise UnknownUnit(unit, f"unit {unit!r} exists on no level")
        level = levels[0]
    frame = store.read_values([indicator], level_id=level, unit_ids=[unit])
    if frame.empty and store.unit_versions(level, unit_ids=[unit], geometry=False).empty:
        ids = store.unit_versions(level, geometry=False)["unit_id"]
        raise UnknownUnit(unit, f"unit {unit!r} does not exist on level {level!r}", available=sorted(set(ids)))
    rows = [
        {
            "date": r.date.isoformat(),
            "scenario": r.scenario,
            "value": _plain(r.value),
            "status": r.status,
            "flag": r.flag,
        }
        for r in frame.itertuples(index=False)
    ]
    return {"indicator": indicator, "level": level, "unit": unit, "values": rows}


def unit_series(store: Store, unit: str, level: str) -> dict[str, Any]:
    """Every indicator's values of one unit over all dates (for area-profile sparklines)."""
    store.get_level(level)
    frame = store.read_values(None, level_id=level, unit_ids=[unit])
    if frame.empty and store.unit_versions(level, unit_ids=[unit], geometry=False).empty:
        ids = store.unit_versions(level, geometry=False)["unit_id"]
        raise UnknownUnit(unit, f"unit {unit!r} does not exist on level {level!r}", available=sorted(set(ids)))
    out: dict[str, list[dict[str, Any]]] = {}
    for r in frame.sort_values(["indicator_id", "date"]).itertuples(index=False):
        out.setdefault(r.indicator_id, []).append(
            {"date": r.date.isoformat(), "scenario": r.scenario, "value": _plain(r.value), "status": r.status}
        )
    return {"unit": unit, "level": level, "indicators": out}


def classify_indicator(
    store: Store,
    indicator: str,
    level: str,
    day: dt.date | None,
    method: str,
    k: int,
    *,
    breaks: Sequence[float] | None = None,
    exclude_outliers: bool = False,
    fixed: bool = False,
) -> dict[str, Any]:
    """Classes of one level and date; ``fixed``: breaks computed over all dates of the series."""
    day, frame = values_at(store, indicator, level, day)
    options: dict[str, Any] = {"breaks": breaks, "exclude_outliers": exclude_outliers}
    if fixed:
        every = store.read_values([indicator], level_id=level, scenario=OBSERVED)
        by_date = {d.isoformat(): g["value"].to_numpy(dtype=float) for d, g in every.groupby("date")}
        result = cls.fixed_breaks(by_date, method, k, **options).pooled.apply(frame["value"].to_numpy(dtype=float))
    else:
        result = cls.classify(frame["value"].to_numpy(dtype=float), method, k, **options)
    data = result.to_dict()
    data.update(
        indicator=indicator,
        level=level,
        date=day.isoformat(),
        fixed_over_time=fixed,
        units=[
            {"unit_id": u, "value": _plain(v), "class": c}
            for u, v, c in zip(frame["unit_id"], frame["value"], result.classes, strict=True)
        ],
    )
    data.pop("classes", None)
    return data


def rank_units(store: Store, indicator: str, level: str, day: dt.date | None = None) -> dict[str, Any]:
    """Ranking of the units (1 = highest; for 'higher is worse' indicators, 1 = best)."""
    meta = store.get_indicator(indicator)
    day, frame = values_at(store, indicator, level, day)
    ranked = stats.ranking(_series(frame), polarity=meta.polarity.value)
    return {"indicator": indicator, "level": level, "date": day.isoformat(), "units": records(ranked)}


def change_between(store: Store, indicator: str, level: str, start: dt.date, end: dt.date) -> dict[str, Any]:
    """Absolute and relative change between two dates, per unit (same unit versions)."""
    _, a = values_at(store, indicator, level, start)
    _, b = values_at(store, indicator, level, end)
    result = stats.change(_series(a), _series(b))
    return {"indicator": indicator, "level": level, "from": start.isoformat(), "to": end.isoformat(),
            "units": records(result)}  # fmt: skip


def trend_of(store: Store, indicator: str, level: str, since: dt.date | None = None) -> dict[str, Any]:
    """OLS trend per year and continuity (Pearson r with time) per unit over the dates since ``since``."""
    store.get_level(level)
    frame = store.read_values([indicator], level_id=level, scenario=OBSERVED)
    if since is not None:
        frame = frame[frame["date"] >= since]
    if frame.empty:
        raise NotFound(level, f"indicator {indicator!r} has no values on level {level!r}")
    result = stats.trend(frame[["unit_id", "date", "value"]])
    return {"indicator": indicator, "level": level, "units": records(result)}


def regression(store: Store, x: str, y: str, level: str, day: dt.date | None = None) -> dict[str, Any]:
    """Scatter of two indicators with the OLS line and Pearson r."""
    day = day or latest_date(store, y, level)
    _, fx = values_at(store, x, level, day)
    _, fy = values_at(store, y, level, day)
    result = stats.scatter(_series(fx), _series(fy))
    return {"x": x, "y": y, "level": level, "date": day.isoformat(), **{k: _plain(v) if not isinstance(v, list) else v
                                                                        for k, v in result.items()}}  # fmt: skip


def lisa_clusters(
    store: Store, indicator: str, level: str, day: dt.date | None = None, *, permutations: int = 999, seed: int = 0
) -> dict[str, Any]:
    """Global Moran's I and local clusters (LISA) on queen contiguity of the units valid on the date."""
    day, frame = values_at(store, indicator, level, day)
    units = store.unit_versions(level, at=day)
    weights = spatial.contiguity_weights(units.geometry.values, list(units["unit_id"]))
    values = _series(frame).reindex(units["unit_id"].to_numpy())
    global_i = spatial.morans_i(values, weights, permutations=permutations, seed=seed)
    local = spatial.lisa(values, weights, permutations=permutations, seed=seed)
    return {"indicator": indicator, "level": level, "date": day.isoformat(),
            "moran": {k: _plain(v) for k, v in global_i.items()}, "units": records(local)}  # fmt: skip


def deficit_units(
    store: Store,
    indicator: str,
    level: str,
    day: dt.date | None = None,
    *,
    threshold: float | None = None,
    k_sd: float | None = None,
    direction: str = "above",
    weight: str | None = None,
) -> dict[str, Any]:
    """Units beyond a threshold or beyond ``k_sd`` standard deviations (optionally weighted) from the mean."""
    day, frame = values_at(store, indicator, level, day)
    weights = _series(values_at(store, weight, level, day)[1]) if weight else None
    result = stats.deficits(_series(frame), threshold=threshold, k_sd=k_sd, direction=direction, weights=weights)  # type: ignore[arg-type]
    return {"indicator": indicator, "level": level, "date": day.isoformat(), "units": records(result)}


def unit_profile(store: Store, unit: str, level: str, day: dt.date) -> dict[str, Any]:
    """All indicators with values for the unit on the date, against its parent, the city and the level."""
    lv = store.get_level(level)
    versions = store.unit_versions(level, at=day, geometry=False)
    mine = versions[versions["unit_id"] == unit]
    if mine.empty:
        raise UnknownUnit(
            unit, f"unit {unit!r} of level {level!r} is not valid on {day}", available=sorted(versions["unit_id"])
        )
    parent_id = mine.iloc[0]["parent_id"]
    frame = store.read_values(None, level_id=level, dates=[day], scenario=OBSERVED)
    if frame.empty:
        raise NotFound(
            str(day), f"no values on level {level!r} on {day}", available=dates_with_values(store, None, level)
        )
    unit_rows = frame[frame["unit_id"] == unit]
    unit_values = {r.indicator_id: _plain(r.value) for r in unit_rows.itertuples(index=False)}
    distributions = {i: _series(g) for i, g in frame.groupby("indicator_id")}
    parent_values = None
    if lv.parent_id and isinstance(parent_id, str):
        p = store.read_values(list(unit_values), level_id=lv.parent_id, dates=[day], unit_ids=[parent_id])
        parent_values = {r.indicator_id: _plain(r.value) for r in p.itertuples(index=False)}
    top = [x for x in store.list_levels() if not x.parent_id]
    city_values = None
    if top:
        c = store.read_values(list(unit_values), level_id=top[0].id, dates=[day])
        city_values = {r.indicator_id: _plain(r.value) for r in c.itertuples(index=False)}
    rows = stats.profile(unit_values, parent_values, city_values, distributions)
    titles = {m.id: (m.title_de, m.title_en, m.unit_de, m.decimals, m.polarity.value) for m in store.list_indicators()}
    for row in rows:
        t = titles.get(row.get("indicator", ""))
        if t:
            row.update(title_de=t[0], title_en=t[1], unit_de=t[2], decimals=t[3], polarity=t[4])
        row.update(_rank_in(distributions.get(row.get("indicator", "")), row.get("value"), row.get("polarity")))
    return {"unit": unit, "name": mine.iloc[0]["name"], "level": level, "parent": _plain(parent_id),
            "date": day.isoformat(), "indicators": rows}  # fmt: skip


def _rank_in(distribution: pd.Series | None, value: float | None, polarity: str | None) -> dict[str, int | None]:
    """Rank of ``value`` among the units (1 = highest, or 1 = lowest when higher is worse) and their count.

    Ties share the best rank, as in :func:`rank_units`' "min" method.
    """
    if distribution is None or value is None or np.isnan(value):
        return {"rank": None, "of": None}
    values = distribution.to_numpy(dtype=float)
    values = values[~np.isnan(values)]
    better = values < value if polarity == "higher_is_worse" else values > value
    return {"rank": int(better.sum()) + 1, "of": int(values.size)}


def composite_index(
    store: Store, spec: comp.CompositeSpec, level: str, day: dt.date, baseline: comp.CompositeSpec | None = None
) -> dict[str, Any]:
    """A composite index computed on the fly (nothing is stored), optionally against a baseline spec."""
    ids = [c.indicator for c in spec.components]
    if baseline is not None:
        ids += [c.indicator for c in baseline.components if c.indicator not in ids]
    population_id = spec.population if spec.normalisation == "zscore_weighted" else None
    for indicator in [*ids, *([population_id] if population_id else [])]:
        store.get_indicator(indicator)
    store.get_level(level)
    frame = store.read_values([*ids, *([population_id] if population_id else [])], level_id=level, dates=[day])
    if frame.empty:
        raise NotFound(
            str(day),
            f"none of {', '.join(ids)} has values on level {level!r} on {day}",
            available=dates_with_values(store, list(ids), level),
        )
    wide = frame.pivot_table(index="unit_id", columns="indicator_id", values="value", aggfunc="first", dropna=False)
    for indicator in ids:
        if indicator not in wide.columns:
            raise InvalidInput(f"indicator {indicator!r} has no values on level {level!r} on {day}")
    population = wide[population_id] if population_id else None
    result = comp.compute_composite(wide[[c.indicator for c in spec.components]], spec, population)
    if baseline is not None:
        base = comp.compute_composite(wide[[c.indicator for c in baseline.components]], baseline, population)
        result = result.join(comp.compare_with_baseline(result, base)[["score_change", "rank_change", "class_change"]])
    notes = list(result.attrs.get("notes", []))
    return {"level": level, "date": day.isoformat(), "notes": notes, "units": records(result)}
