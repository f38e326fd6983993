"""Use cases of small-area projection: read age-band stocks from the store, backtest, project.

Stocks come from the value store: one indicator per age band, named ``<prefix><from>_<to>``
(``to`` exclusive) or ``<prefix><from>_plus`` for the open band — the Berlin demo's
``ewr_age_00_01 … ewr_age_95_plus``. Coarser overlapping bands of the same prefix
(``ewr_age_1u6``) are ignored; the bands found must tile 0…open without gaps or overlaps.

Example:
    >>> band_of("ewr_age_95_plus", "ewr_age_"), band_of("ewr_age_03_05", "ewr_age_"), band_of("ewr_age_1u6", "ewr_age_")
    ('95+', '3-5', None)
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from ortswissen.demography import AgeBands, backtest, disaggregate
from ortswissen.errors import InvalidInput
from ortswissen.ports import Store
from ortswissen.services._progress import NO_PROGRESS, Progress
from ortswissen.services.crosswalks import apply_crosswalk

__all__ = ["AgeStocks", "band_of", "load_age_stocks", "load_dwellings", "run_backtest"]

_BAND_ID = re.compile(r"^(\d+)_(\d+|plus)$")


def band_of(indicator_id: str, prefix: str) -> str | None:
    """The age band an indicator id names (``'3-5'``, ``'95+'``), or ``None``."""
    if not indicator_id.startswith(prefix):
        return None
    m = _BAND_ID.match(indicator_id[len(prefix) :])
    if not m:
        return None
    lo, hi = m.groups()
    return f"{int(lo)}+" if hi == "plus" else f"{int(lo)}-{int(hi)}"


@dataclass(frozen=True)
class AgeStocks:
    """Single-year stocks ``(years, units, 1, 101)`` of one level, with their labels."""

    stocks: np.ndarray
    years: list[int]
    units: list[str]
    dates: list[date]
    bands: AgeBands
    indicators: list[str]
    merged: dict[str, str]


def load_age_stocks(
    store: Store,
    level: str,
    *,
    prefix: str = "ewr_age_",
    merge: Mapping[str, str] | None = None,
    crosswalk: str | None = None,
) -> AgeStocks:
    """Read every age-band indicator of ``prefix`` on ``level`` and split it into single years.

    One date per year (the last of the year) is used. ``merge`` maps units that appear
    later (a split area) to the unit they came from, so a series stays comparable. Units
    missing in some year count 0 there and are reported by the backtest's size filter.
    ``crosswalk`` re-expresses the stocks through that crosswalk first (nothing is stored),
    e.g. the LOR 2006 series on the LOR 2021 planning areas.
    """
    merge = dict(merge or {})
    found = {m.id: label for m in store.list_indicators() if (label := band_of(m.id, prefix))}
    if not found:
        raise InvalidInput(f"no age-band indicators named '{prefix}<from>_<to>' in the store")
    ordered = sorted(found, key=lambda i: int(found[i].rstrip("+").split("-")[0]))  # by the band's start
    bands = AgeBands.parse([found[i] for i in ordered])
    if crosswalk is not None:
        values = apply_crosswalk(store, crosswalk, ordered, write=False)
        values = values[~values["natural"].astype(bool)]
    else:
        values = store.read_values(ordered, level_id=level, scenario="observed")
    if values.empty:
        raise InvalidInput(f"no values of {prefix}* on level {level!r}")
    values = values[values["status"].isin(["ok", "estimated"])].copy()
    values["unit_id"] = values["unit_id"].map(lambda u: merge.get(u, u))
    values["year"] = [d.year for d in values["date"]]
    last = values.groupby("year")["date"].transform("max")
    values = values[values["date"] == last]
    table = values.pivot_table(index=["year", "unit_id"], columns="indicator_id", values="value", aggfunc="sum")
    table = table.reindex(columns=ordered)
    years = sorted(int(y) for y in table.index.get_level_values(0).unique())
    units = sorted(str(u) for u in table.index.get_level_values(1).unique())
    counts = np.zeros((len(years), len(units), len(ordered)))
    for i, year in enumerate(years):
        counts[i] = table.loc[year].reindex(units).fillna(0.0).to_numpy()
    if (counts < 0).any():
        raise InvalidInput("negative counts in the age-band stocks")
    dates = sorted(values.groupby("year")["date"].max().tolist())
    single = disaggregate(counts, bands)[:, :, None, :]
    return AgeStocks(single, years, units, dates, bands, ordered, merge)


def load_dwellings(store: Store, level: str, data: AgeStocks, indicator: str) -> np.ndarray | None:
    """Dwelling stocks ``(years, units)`` aligned with ``data`` (NaN where unknown), or ``None``.

    Units merged in ``data`` are merged here too; ``None`` when the store lacks the indicator.
    """
    if indicator not in {m.id for m in store.list_indicators()}:
        return None
    values = store.read_values([indicator], level_id=level, scenario="observed")
    values = values[values["status"].isin(["ok", "estimated"])]
    if values.empty:
        return None
    values = values.assign(
        unit_id=values["unit_id"].map(lambda u: data.merged.get(u, u)),
        year=[d.year for d in values["date"]],
    )
    table = values.pivot_table(index="year", columns="unit_id", values="value", aggfunc="sum")
    return table.reindex(index=data.years, columns=data.units).to_numpy(dtype=float)


def run_backtest(
    store: Store,
    level: str,
    jump_offs: Sequence[int],
    *,
    horizon: int = 5,
    prefix: str = "ewr_age_",
    merge: Mapping[str, str] | None = None,
    parent_length: int | None = 2,
    base: int = 5,
    prior_weight: float = 1000.0,
    trajectories: int = 1000,
    seed: int = 0,
    min_size: float = 500.0,
    housing: str | None = "dwellings",
    persons_per_dwelling: float = 1.8,
    progress: Progress = NO_PROGRESS,
) -> list[dict[str, object]]:
    """Backtest the projection on the store's age-band stocks, one report per jump-off year.

    ``parent_length``: units are shrunk towards the group sharing the first characters of
    their id (2: the Berlin district); ``None`` shrinks towards the whole city.
    ``housing``: the dwelling-stock indicator of the new-housing module (used when the store
    has it on ``level``; ``None`` leaves the module out).
    """
    data = load_age_stocks(store, level, prefix=prefix, merge=merge)
    dwellings = load_dwellings(store, level, data, housing) if housing else None
    groups = [u[:parent_length] for u in data.units] if parent_length else None
    reports = []
    progress.start("Backtests", total=len(jump_offs))
    for year in jump_offs:
        report = backtest(
            data.stocks,
            data.years,
            year,
            horizon,
            groups_of_units=groups,
            base=base,
            prior_weight=prior_weight,
            trajectories=trajectories,
            seed=seed,
            min_size=min_size,
            dwellings=dwellings,
            persons_per_dwelling=persons_per_dwelling,
        )
        report["level"] = level
        report["indicators"] = f"{prefix}* ({len(data.indicators)} age bands, disaggregated to single years)"
        report["merged_units"] = dict(data.merged)
        reports.append(report)
        progress.advance()
    progress.finish()
    return reports
