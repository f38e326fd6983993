"""Use cases of the Demographie dashboard: age structure, projection fan and key figures of a unit.

Everything here is an aggregate read from the value store. The age structure of a unit on a
date comes from the first source that has it:

1. the register's 5-year bands by sex (``reg_m_age_*``, ``reg_f_age_*``; observed only —
   synthetic in the demo, and flagged so),
2. the projection's 5-year bands (``residents_age_00_05`` … ``residents_age_95_plus``),
3. the EWR bands (``ewr_age_*``), 4. the LOR bands (``residents_age_under_6`` … ``_65_plus``).

Key figures follow the usual definitions (per 100 persons aged 15–64): youth dependency
(0–14), old-age dependency (65+), total dependency, ageing index (65+ per 100 aged 0–14),
births and deaths per 1,000 residents.

Example:
    >>> _parse_band("residents_age_05_10"), _parse_band("reg_f_age_95_plus"), _parse_band("residents_age_under_6")
    ((5, 10), (95, None), (0, 6))
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

import pandas as pd

from ortswissen.errors import InvalidInput
from ortswissen.ports import Store
from ortswissen.services.projection_runs import LOR_BANDS, list_runs

__all__ = ["age_structure", "fan", "key_figures", "runs"]

_QUANTILES = {
    "q025": "medium_q025",
    "q10": "medium_q10",
    "q50": "medium_q50",
    "q90": "medium_q90",
    "q975": "medium_q975",
}
_BAND = re.compile(r"_age_(?:(\d+)_(\d+|plus)|under_(\d+))$")
_FIVE = {f"residents_age_{a:02d}_{a + 5:02d}" for a in range(0, 95, 5)} | {"residents_age_95_plus"}


def _parse_band(indicator_id: str) -> tuple[int, int | None] | None:
    m = _BAND.search(indicator_id)
    if not m:
        return None
    if m.group(3):
        return 0, int(m.group(3))
    return int(m.group(1)), None if m.group(2) == "plus" else int(m.group(2))


def runs(store: Store) -> list[dict[str, Any]]:
    """The stored projection runs (see :func:`~ortswissen.services.projection_runs.list_runs`)."""
    return list_runs(store)


def _unit_values(
    store: Store, ids: Sequence[str], level: str, unit: str, *, dates: Sequence[dt.date] | None = None
) -> pd.DataFrame:
    known = {m.id for m in store.list_indicators()}
    wanted = [i for i in ids if i in known]
    if not wanted:
        return pd.DataFrame(columns=["indicator_id", "date", "scenario", "value", "status"])
    values = store.read_values(wanted, level_id=level, unit_ids=[unit], dates=dates)
    return values[values["value"].notna()]


def _name(store: Store, level: str, unit: str) -> str:
    versions = store.unit_versions(level, geometry=False)
    rows = versions[versions["unit_id"] == unit]
    if rows.empty:
        raise InvalidInput(f"unit {unit!r} does not exist on level {level!r}")
    return str(rows.sort_values("valid_from")["name"].iloc[-1])


def _synthetic(store: Store, indicator_id: str) -> bool:
    meta = store.get_indicator(indicator_id)
    return "synthetic" in meta.tags or "synthetisch" in (meta.source or "").lower()


def age_structure(store: Store, level: str, unit: str, date: dt.date, scenario: str = "observed") -> dict[str, Any]:
    """Persons by age band (and sex where known) of one unit on one date, with the source used."""
    name = _name(store, level, unit)
    ids = [m.id for m in store.list_indicators() if _parse_band(m.id) is not None]
    values = _unit_values(store, ids, level, unit, dates=[date])
    values = values[values["scenario"] == scenario]
    sources = [
        ("register", lambda i: i.startswith(("reg_m_age_", "reg_f_age_"))),
        ("projection", lambda i: i in _FIVE),
        ("ewr", lambda i: i.startswith("ewr_age_")),
        ("lor", lambda i: i in {b[0] for b in LOR_BANDS}),
    ]
    for source, pick in sources:
        part = values[values["indicator_id"].map(pick)]
        if part.empty:
            continue
        bands: dict[tuple[int, int | None], dict[str, Any]] = {}
        for ind, value in zip(part["indicator_id"], part["value"], strict=True):
            band = _parse_band(ind)
            assert band is not None
            row = bands.setdefault(band, {"male": None, "female": None, "total": 0.0})
            if ind.startswith("reg_m_"):
                row["male"] = float(value)
            elif ind.startswith("reg_f_"):
                row["female"] = float(value)
            if source != "register" or ind.startswith(("reg_m_", "reg_f_")):
                row["total"] += float(value)
        ordered = _tiling(sorted(bands, key=lambda b: (b[0], 10_000 if b[1] is None else b[1])))
        if ordered is None:
            continue
        quantiles = _band_quantiles(store, level, unit, date, ordered) if scenario == "medium" else {}
        return {
            "level": level,
            "unit": unit,
            "name": name,
            "date": date.isoformat(),
            "scenario": scenario,
            "status": "observed" if scenario == "observed" else "projected",
            "synthetic": _synthetic(store, str(part["indicator_id"].iloc[0])),
            "source": source,
            "bands": [
                {
                    "label": f"{lo}+" if hi is None or hi > 100 else f"{lo}–{hi - 1}",
                    "from": lo,
                    "to": hi,
                    **bands[(lo, hi)],
                    **quantiles.get((lo, hi), {}),
                }
                for lo, hi in ordered
            ],
        }
    raise InvalidInput(f"no age structure of {unit!r} on {level!r} for {date.isoformat()} (scenario {scenario})")


def _tiling(bands: list[tuple[int, int | None]]) -> list[tuple[int, int | None]] | None:
    """The bands from 0 that tile the ages without overlap (coarser overlapping bands dropped)."""
    out: list[tuple[int, int | None]] = []
    start = 0
    by_start: dict[int, list[tuple[int, int | None]]] = {}
    for b in bands:
        by_start.setdefault(b[0], []).append(b)
    while start in by_start:
        # the narrowest band starting here keeps the most detail
        band = min(by_start[start], key=lambda b: 10_000 if b[1] is None else b[1])
        out.append(band)
        if band[1] is None:
            return out
        start = band[1]
    return out if out and out[-1][1] is not None and out[-1][1] > 100 else None


def _band_quantiles(
    store: Store, level: str, unit: str, date: dt.date, bands: list[tuple[int, int | None]]
) -> dict[tuple[int, int | None], dict[str, float]]:
    ids = [f"residents_age_{lo:02d}_{'plus' if hi is None else f'{hi:02d}'}" for lo, hi in bands]
    values = _unit_values(store, ids, level, unit, dates=[date])
    out: dict[tuple[int, int | None], dict[str, float]] = {}
    back = {v: k for k, v in _QUANTILES.items()}
    for ind, scen, value in zip(values["indicator_id"], values["scenario"], values["value"], strict=True):
        if scen in back and (band := _parse_band(ind)) is not None:
            out.setdefault(band, {})[back[scen]] = float(value)
    return out


def fan(store: Store, level: str, unit: str, indicator: str = "residents") -> dict[str, Any]:
    """Observed series, the deterministic variants and the quantile fan of one unit."""
    store.get_indicator(indicator)
    name = _name(store, level, unit)
    values = _unit_values(store, [indicator], level, unit)
    observed = values[values["scenario"] == "observed"].sort_values("date")
    out: dict[str, Any] = {
        "indicator": indicator,
        "level": level,
        "unit": unit,
        "name": name,
        "observed": [
            {"date": d.isoformat(), "value": float(v)} for d, v in zip(observed["date"], observed["value"], strict=True)
        ],
        "scenarios": {},
        "quantiles": [],
        "jump_off": None,
    }
    for scen in ("medium", "low", "high"):
        part = values[values["scenario"] == scen].sort_values("date")
        if len(part):
            out["scenarios"][scen] = [
                {"date": d.isoformat(), "value": float(v)} for d, v in zip(part["date"], part["value"], strict=True)
            ]
    q = values[values["scenario"].isin(list(_QUANTILES.values()))]
    if len(q):
        wide = q.pivot_table(index="date", columns="scenario", values="value", aggfunc="first").sort_index()
        out["quantiles"] = [
            {
                "date": d.isoformat(),
                **{k: float(row[s]) for k, s in _QUANTILES.items() if s in row and pd.notna(row[s])},
            }
            for d, row in wide.iterrows()
        ]
    projected = values[values["status"] == "projected"]
    if len(projected):
        first = min(projected["date"])
        before = observed[observed["date"] < first]
        out["jump_off"] = before["date"].max().isoformat() if len(before) else None
    return out


def key_figures(store: Store, level: str, unit: str, date: dt.date, scenario: str = "observed") -> dict[str, Any]:
    """Residents, births, deaths and the dependency ratios of one unit on one date."""
    structure = age_structure(store, level, unit, date, scenario)

    def between(lo: int, hi: int | None) -> float | None:
        total = 0.0
        for band in structure["bands"]:
            b_lo, b_hi = band["from"], band["to"]
            inside = b_lo >= lo and (hi is None or (b_hi is not None and b_hi <= hi))
            crossing = b_lo < lo < (b_hi or 10_000) or (hi is not None and b_lo < hi < (b_hi or 10_000))
            if crossing:
                return None  # the bands do not split at this age
            if inside:
                total += band["total"]
        return total

    residents = sum(b["total"] for b in structure["bands"])
    young, working, old = between(0, 15), between(15, 65), between(65, None)
    flows = _unit_values(store, ["reg_births", "reg_deaths"], level, unit, dates=[dt.date(date.year, 12, 31)])
    flows = flows[flows["scenario"] == "observed"]
    flows_synthetic = len(flows) > 0 and _synthetic(store, str(flows["indicator_id"].iloc[0]))
    births = _pick(flows, "reg_births")
    deaths = _pick(flows, "reg_deaths")

    def ratio(a: float | None, b: float | None, per: float = 100.0) -> float | None:
        return None if a is None or not b else round(a / b * per, 2)

    return {
        "level": level,
        "unit": unit,
        "name": structure["name"],
        "date": date.isoformat(),
        "scenario": scenario,
        "residents": residents,
        "births": births,
        "deaths": deaths,
        "birth_rate": ratio(births, residents, 1000.0),
        "death_rate": ratio(deaths, residents, 1000.0),
        "youth_dependency": ratio(young, working),
        "old_age_dependency": ratio(old, working),
        "total_dependency": ratio(None if young is None or old is None else young + old, working),
        "ageing_index": ratio(old, young),
        "sources": list(
            dict.fromkeys([structure["source"], *(["register"] if births is not None or deaths is not None else [])])
        ),
        "synthetic": bool(structure["synthetic"] or ((births is not None or deaths is not None) and flows_synthetic)),
    }


def _pick(values: pd.DataFrame, indicator: str) -> float | None:
    part = values[values["indicator_id"] == indicator]
    return None if part.empty else float(part["value"].iloc[0])
