"""Projected children for the synthetic town, written through the ordinary value importer (Kita tests).

Quarter ``k`` (0-based in id order among the 16 quarters valid from 2021) has, in the
``medium`` scenario of year ``y``, ``child_count(k, age, y)`` children of each age 0…6; ``low``
and ``high`` are ×0.9 and ×1.1. The quantile scenarios hold group totals (``under_6`` = ages
0–5, ``under_3``, ``3_6``) and single ages ×``QUANTILE_FACTORS``. The city (``stadt``) gets
the medium sums and narrower quantiles (×0.95/×1.05 for 80 %; counts stay whole numbers) so the total row can use them.
2023 has ``observed`` values (×1.0) and no quantiles.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from ortswissen.indicators import IndicatorMeta
from ortswissen.io import ValueSpec
from ortswissen.ports import Store
from ortswissen.services.values import import_values, register_indicators

PROJECTED_YEARS = (2024, 2025)
OBSERVED_YEAR = 2023
QUANTILE_FACTORS = {"medium_q025": 0.8, "medium_q10": 0.9, "medium_q90": 1.1, "medium_q975": 1.2}
CITY_FACTORS = {"medium_q025": 0.9, "medium_q10": 0.95, "medium_q90": 1.05, "medium_q975": 1.1}
VARIANTS = {"medium": 1.0, "low": 0.9, "high": 1.1}
GROUPS = {"residents_age_under_3": range(3), "residents_age_3_6": range(3, 6), "residents_age_under_6": range(6)}


def child_count(k: int, age: int, year: int) -> float:
    """Medium children of quarter ``k`` aged ``age`` on 31.12.``year``."""
    return float(20 * (1 + k % 5 + age + (year - 2024)))


def quarters(store: Store, year: int) -> list[str]:
    """Quarter ids valid on 31.12.``year``, sorted."""
    units = store.unit_versions("quartier", at=dt.date(year, 12, 31), geometry=False)
    return sorted(str(u) for u in units["unit_id"])


def _metas() -> list[IndicatorMeta]:
    ids = [f"residents_age_{a}" for a in range(7)] + list(GROUPS)
    return [
        IndicatorMeta(
            id=i, title_de=i, title_en=i, kind="count", source="Testprognose / test projection", topic="bevoelkerung"
        )
        for i in ids
    ]


def add_kita_children(store: Store, folder: Path, *, quantiles: bool = True, city: bool = True) -> None:
    """Write the children (see the module docstring) through ``import_values``."""
    register_indicators(store, [m for m in _metas() if m.id not in {x.id for x in store.list_indicators()}])
    rows = []
    for year in (OBSERVED_YEAR, *PROJECTED_YEARS):
        units = quarters(store, year)
        day = f"{year}-12-31"
        observed = year == OBSERVED_YEAR
        variants = {"observed": 1.0} if observed else VARIANTS
        for scen, factor in variants.items():
            status = "ok" if observed else "projected"
            city_sum: dict[str, float] = {}
            for k, unit in enumerate(units):
                counts = [child_count(k, a, year) * factor for a in range(7)]
                single = {f"residents_age_{a}": counts[a] for a in range(7)}
                groups = {g: sum(counts[a] for a in ages) for g, ages in GROUPS.items()}
                for ind, value in {**single, **groups}.items():
                    rows.append((unit, "quartier", day, ind, scen, value, status, ""))
                    city_sum[ind] = city_sum.get(ind, 0.0) + value
            if city and scen == "medium":
                for ind, value in city_sum.items():
                    rows.append(("06699000", "stadt", day, ind, scen, value, status, ""))
        if quantiles and not observed:
            for scen, qf in QUANTILE_FACTORS.items():
                city_sum = {}
                for k, unit in enumerate(units):
                    counts = [child_count(k, a, year) for a in range(7)]
                    values = {f"residents_age_{a}": counts[a] for a in range(7)}
                    values |= {g: sum(counts[a] for a in ages) for g, ages in GROUPS.items()}
                    for ind, value in values.items():
                        rows.append((unit, "quartier", day, ind, scen, value * qf, "projected", "quantile"))
                        city_sum[ind] = city_sum.get(ind, 0.0) + value
                if city:
                    for ind, value in city_sum.items():
                        rows.append(
                            ("06699000", "stadt", day, ind, scen, value * CITY_FACTORS[scen], "projected", "quantile")
                        )
    frame = pd.DataFrame(rows, columns=["unit", "level", "date", "indicator", "scenario", "value", "status", "flag"])
    frame["value"] = frame["value"].round(6)
    for level, part in frame.groupby("level"):
        file = folder / f"kita_children_{level}.csv"
        part.drop(columns="level").to_csv(file, sep=";", index=False)
        import_values(
            store,
            file,
            ValueSpec(
                level=str(level),
                layout="long",
                unit_column="unit",
                date_column="date",
                indicator_column="indicator",
                value_column="value",
                scenario_column="scenario",
                status_column="status",
                flag_column="flag",
                dialect={"delimiter": ";", "decimal": ".", "thousands": None},
            ),
        )
