"""What a store holds: levels with their territorial periods and vintages, indicators, sources.

Examples
--------
>>> from ortswissen.storage import open_store
>>> from ortswissen.testing import synthetic_municipality
>>> store = open_store("memory://")
>>> _ = synthetic_municipality().load(store)
>>> q = [o for o in level_overview(store) if o.level.id == "quartier"][0]
>>> [(str(p.start), p.units) for p in q.periods]
[('2015-01-01', 16), ('2021-01-01', 16)]
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ortswissen.ports import Store, VintageInfo
from ortswissen.units import END_OF_TIME, Level, check_level_hierarchy

__all__ = ["LevelOverview", "TerritorialPeriod", "add_level", "level_overview", "territorial_periods"]


@dataclass(frozen=True)
class TerritorialPeriod:
    """A span of days in which a level's set of units did not change (one Gebietsstand)."""

    start: dt.date
    end: dt.date | None
    units: int


@dataclass(frozen=True)
class LevelOverview:
    """A level with its vintages, periods and unit counts."""

    level: Level
    vintages: list[VintageInfo] = field(default_factory=list)
    periods: list[TerritorialPeriod] = field(default_factory=list)
    versions: int = 0

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (used by the CLI's ``--json`` and the API alike)."""
        return {
            "id": self.level.id,
            "name_de": self.level.name_de,
            "name_en": self.level.name_en,
            "parent": self.level.parent_id,
            "nested": self.level.nested,
            "unit_versions": self.versions,
            "vintages": [
                {
                    "id": v.vintage.id,
                    "label_de": v.vintage.label_de,
                    "label_en": v.vintage.label_en,
                    "valid_from": v.valid_from,
                    "valid_to": v.valid_to,
                    "units": v.units,
                    "source": v.vintage.source,
                }
                for v in self.vintages
            ],
            "periods": [{"valid_from": p.start, "valid_to": p.end, "units": p.units} for p in self.periods],
        }


def territorial_periods(versions: pd.DataFrame) -> list[TerritorialPeriod]:
    """Split time at every boundary change of a level's unit versions."""
    if len(versions) == 0:
        return []
    ends = versions["valid_to"].map(lambda d: END_OF_TIME if d is None or pd.isna(d) else d)
    cuts = sorted(set(versions["valid_from"]) | {e + dt.timedelta(days=1) for e in ends if e != END_OF_TIME})
    periods: list[TerritorialPeriod] = []
    previous: frozenset[tuple[str, dt.date]] | None = None
    for i, start in enumerate(cuts):
        stop = cuts[i + 1] - dt.timedelta(days=1) if i + 1 < len(cuts) else None
        mask = (versions["valid_from"] <= start) & (ends >= start)
        members = frozenset(zip(versions.loc[mask, "unit_id"], versions.loc[mask, "valid_from"], strict=True))
        if not members:
            previous = None
            continue
        if members == previous and periods:
            last = periods[-1]
            periods[-1] = TerritorialPeriod(last.start, stop, last.units)
        else:
            periods.append(TerritorialPeriod(start, stop, len(members)))
        previous = members
    return periods


def level_overview(store: Store) -> list[LevelOverview]:
    """Every level with vintages and territorial periods."""
    out = []
    vintages = store.list_vintages()
    for level in store.list_levels():
        versions = store.unit_versions(level.id, geometry=False)
        out.append(
            LevelOverview(
                level,
                [v for v in vintages if v.vintage.level_id == level.id],
                territorial_periods(versions),
                len(versions),
            )
        )
    return out


def add_level(store: Store, level: Level) -> None:
    """Create or update a level after checking the hierarchy stays a tree."""
    levels = {lv.id: lv for lv in store.list_levels()}
    levels[level.id] = level
    check_level_hierarchy(levels.values())
    store.put_level(level)
