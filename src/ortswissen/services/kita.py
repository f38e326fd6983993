"""Use case: the Kita plan of a level for one or more years, read from the value store.

Inputs (all in the store):

* children by single year of age, the indicators ``residents_age_0`` … ``residents_age_6``
  on 31 December of the year, scenario ``medium``/``low``/``high`` (status projected, written
  by ``ortswissen project run``) or ``observed`` where a store has them;
* for the interval of ``medium``: the quantile scenarios (``medium_q10``/``medium_q90`` for 80 %,
  ``medium_q025``/``medium_q975`` for 95 %) of ``residents_age_under_6`` and ``residents_age_6``
  (falling back to ``residents_age_under_3`` + ``residents_age_3_6``);
* places: a point georesource (default ``kitas``) with a places attribute (``places``,
  ``plaetze`` or ``platzzahl``), assigned to the level's units at import.

Places are those of the Kitas open on the reference date. Where the Kita inventory starts
later (the Berlin list is of October 2025), the earliest inventory stands in for earlier
years, and later years keep the last one (no openings or closures are known ahead): the
plan then says from which date its places are.

Example:
    >>> quota_defaults()["scenarios"]["need"]["by_age"]["2"]
    0.793
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import yaml

from ortswissen.errors import InvalidInput, NotFound
from ortswissen.io import write_report_table
from ortswissen.kita import (
    DEFAULT_AGE6_SHARE,
    DEFAULT_QUOTAS,
    KITA_AGES,
    Catchment,
    KitaAssumptions,
    assumptions_from_mapping,
    demand_interval,
    kita_demand,
    kita_gap,
    neighbour_reach,
    parse_catchment,
    radius_reach,
    two_step_fca,
)
from ortswissen.ports import Store
from ortswissen.services._progress import NO_PROGRESS, Progress

__all__ = [
    "CHILD_INDICATORS",
    "INTERVALS",
    "SCENARIOS",
    "KitaPlan",
    "kita_plan",
    "kita_plans",
    "plan_table",
    "plan_years",
    "quota_defaults",
    "read_assumptions",
    "write_plans",
]

CHILD_INDICATORS = tuple(f"residents_age_{a}" for a in range(KITA_AGES))
SCENARIOS = ("medium", "low", "high", "observed")
INTERVALS = {80: ("medium_q10", "medium_q90"), 95: ("medium_q025", "medium_q975")}
PLACE_ATTRIBUTES = ("places", "plaetze", "platzzahl")
_ROUND = 1


@dataclass
class KitaPlan:
    """The plan of one level and year: a row per unit and the total."""

    level: str
    year: int
    scenario: str
    assumptions: KitaAssumptions
    catchment: Catchment
    interval: int | None
    rows: pd.DataFrame
    total: dict[str, Any]
    places_date: dt.date | None
    unallocated: float = 0.0
    synthetic: bool = False
    sources: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The JSON answer of ``GET /kita/plan`` (CONTRACTS.md §5), plus total, assumptions and notes."""
        return {
            "level": self.level,
            "year": self.year,
            "date": dt.date(self.year, 12, 31).isoformat(),
            "scenario": self.scenario,
            "quotas": self.assumptions.quotas.id,
            "catchment": self.catchment.describe(),
            "interval": self.interval,
            "synthetic": self.synthetic,
            "assumptions": self.assumptions.describe(),
            "places_date": None if self.places_date is None else self.places_date.isoformat(),
            "unallocated_places": round(self.unallocated, _ROUND),
            "rows": [_plain_row(r) for r in self.rows.to_dict("records")],
            "total": _plain_row(self.total),
            "sources": self.sources,
            "notes": self.notes,
        }


def _plain_row(row: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, float | np.floating):
            out[key] = None if not np.isfinite(value) else round(float(value), 3 if key == "coverage" else _ROUND)
        else:
            out[key] = value
    return out


def quota_defaults() -> dict[str, Any]:
    """The named quota scenarios, the default Kita share of age 6 and hours factors (``GET /kita/quotas``)."""
    scenarios = {k: q.describe() for k, q in DEFAULT_QUOTAS.items()}
    return {
        "scenarios": scenarios,
        "age6_share": DEFAULT_AGE6_SHARE,
        "hours_factor": {"u3": 1.0, "ue3": 1.0},
        "groups": {
            "u3": {"label_de": "unter 3 Jahre (Alter 0–2)", "label_en": "under 3 (ages 0–2)", "ages": [0, 1, 2]},
            "ue3": {
                "label_de": "3 Jahre bis Schuleintritt (3–5 und Anteil der 6-Jährigen)",
                "label_en": "3 to school entry (3–5 and a share of age 6)",
                "ages": [3, 4, 5, 6],
            },
        },
        "sources": sorted({s for q in DEFAULT_QUOTAS.values() for s in q.sources}),
    }


def quotas_template(quotas: str = "current") -> str:
    """An editable YAML file with the defaults of ``quotas`` (for ``--quotas-file``).

    >>> "by_age:" in quotas_template("need") and "  1: 0.62" in quotas_template("need")
    True
    """
    if quotas not in DEFAULT_QUOTAS:
        raise InvalidInput(f"quotas {quotas!r} is unknown; use {' or '.join(DEFAULT_QUOTAS)}")
    q = DEFAULT_QUOTAS[quotas]
    lines = [
        "# Kita-Planung: Annahmen / Kita planning assumptions (ortswissen kita plan --quotas-file FILE)",
        "# Quoten sind Anteile (0,37 = 37 %) / quotas are shares of the children of each age",
        *[f"# Quelle / source: {src}" for src in q.sources],
        f"quotas: {quotas}            # Ausgangsszenario / base scenario: current or need",
        f"label_de: {q.label_de}",
        f"label_en: {q.label_en}",
        "by_age:                    # Alter in vollendeten Jahren am 31.12. / completed age at 31 Dec",
        *[f"  {age}: {value:g}" for age, value in enumerate(q.by_age)],
        f"age6_share: {DEFAULT_AGE6_SHARE:g}            # Anteil der 6-Jährigen noch in Kita / share of age 6 in Kita",
        "hours:                     # Platzäquivalente je Kind / place equivalents per child",
        "  u3: 1.0                  # oder / or: Betreuungsumfänge / care extents with share and weight:",
        "  # u3: {ganztags: {share: 0.6, weight: 1.0}, halbtags: {share: 0.4, weight: 0.5}}",
        "  ue3: 1.0",
    ]
    return "\n".join(lines) + "\n"


def read_assumptions(path: str | Path, *, quotas: str | None = None) -> KitaAssumptions:
    """Assumptions from a YAML or JSON file (keys as in :func:`~ortswissen.kita.assumptions_from_mapping`).

    ``quotas`` names the base scenario where the file names none.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(f"{p.name}: cannot read the quotas file ({exc.strerror})") from None
    try:
        data = json.loads(text) if p.suffix.lower() == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise InvalidInput(f"{p.name}: not valid {'JSON' if p.suffix.lower() == '.json' else 'YAML'}: {exc}") from None
    if data is not None and not isinstance(data, Mapping):
        raise InvalidInput(f"{p.name}: expected a mapping with quotas, by_age, age6_share, hours")
    data = dict(data or {})
    if quotas is not None:
        data.setdefault("quotas", quotas)
    return assumptions_from_mapping(data, where=p.name)


def plan_years(store: Store, level: str, scenario: str = "medium") -> list[int]:
    """Years with children by single age on ``level`` for ``scenario`` (31 December)."""
    if CHILD_INDICATORS[0] not in {m.id for m in store.list_indicators()}:
        return []
    values = store.read_values([CHILD_INDICATORS[0]], level_id=level, scenario=scenario)
    return sorted({d.year for d in values["date"] if d.month == 12 and d.day == 31})


def _check_request(store: Store, level: str, scenario: str, interval: int | None) -> None:
    store.get_level(level)
    if scenario not in SCENARIOS:
        raise InvalidInput(f"scenario {scenario!r} is unknown; use {', '.join(SCENARIOS)}")
    if interval is not None and interval not in INTERVALS:
        raise InvalidInput(f"interval {interval!r}: use 80 or 95 (per cent)")
    known = {m.id for m in store.list_indicators()}
    missing = [i for i in CHILD_INDICATORS if i not in known]
    if missing:
        raise InvalidInput(
            f"the store has no {', '.join(missing)}: project the population first (ortswissen project run)"
        )


def _children(store: Store, level: str, day: dt.date, scenario: str, units: list[str]) -> tuple[np.ndarray, int]:
    """Counts ``(units, 7)`` and how many unit-age cells were missing (counted as 0)."""
    values = store.read_values(list(CHILD_INDICATORS), level_id=level, dates=[day], scenario=scenario)
    values = values[values["value"].notna()]
    if values.empty:
        years = plan_years(store, level, scenario)
        have = f"years with values: {years[0]}–{years[-1]}" if years else "no year has values"
        raise NotFound(
            str(day.year),
            f"no children by single age (residents_age_0…6) on level {level!r} for 31.12.{day.year}, "
            f"scenario {scenario} ({have})",
            available=[str(y) for y in years],
        )
    table = values.pivot_table(index="unit_id", columns="indicator_id", values="value", aggfunc="sum")
    table = table.reindex(index=units, columns=list(CHILD_INDICATORS))
    counts = table.to_numpy(dtype=float)
    missing = int(np.isnan(counts).sum())
    counts = np.nan_to_num(counts, nan=0.0)
    if (counts < 0).any():
        raise InvalidInput(f"negative children counts on level {level!r} for 31.12.{day.year}")
    return counts, missing


def _group_quantiles(
    store: Store, level: str, day: dt.date, scenarios: tuple[str, str], units: Sequence[str], age6_share: float
) -> tuple[np.ndarray, np.ndarray, str] | None:
    """Quantiles of the Kita-age children (0–5 + share × age 6) per unit, or ``None`` without quantile rows."""
    ids = ["residents_age_under_6", "residents_age_under_3", "residents_age_3_6", "residents_age_6"]
    known = {m.id for m in store.list_indicators()}
    ids = [i for i in ids if i in known]
    if "residents_age_6" not in ids:
        return None
    out = []
    method = ""
    for scen in scenarios:
        values = store.read_values(ids, level_id=level, dates=[day], scenario=scen, unit_ids=list(units))
        values = values[values["value"].notna()]
        if values.empty:
            return None
        table = values.pivot_table(index="unit_id", columns="indicator_id", values="value", aggfunc="sum")
        table = table.reindex(index=list(units))
        if "residents_age_under_6" in table and table["residents_age_under_6"].notna().all():
            young = table["residents_age_under_6"]
            method = "under_6"
        elif {"residents_age_under_3", "residents_age_3_6"} <= set(table) and table[
            ["residents_age_under_3", "residents_age_3_6"]
        ].notna().all(axis=None):
            young = table["residents_age_under_3"] + table["residents_age_3_6"]
            method = "under_3+3_6"
        else:
            return None
        if table["residents_age_6"].isna().any():
            return None
        out.append((young + age6_share * table["residents_age_6"]).to_numpy(dtype=float))
    return out[0], out[1], method


def _root_unit(store: Store, level: str) -> str | None:
    """The top level above ``level`` (e.g. stadt), where quantiles of the whole city may be stored."""
    levels = {lv.id: lv for lv in store.list_levels()}
    current = levels[level]
    while current.parent_id is not None and current.parent_id in levels:
        current = levels[current.parent_id]
    return current.id


def _places(
    store: Store, level: str, day: dt.date, units: list[str], georesource: str, attribute: str | None
) -> tuple[pd.DataFrame, dt.date | None, list[str]]:
    """Open Kitas on the reference date (or the nearest inventory) with places and unit position."""
    meta = store.get_georesource(georesource)
    feats = store.features(georesource)
    notes: list[str] = []
    if feats.empty:
        return pd.DataFrame(columns=["feature_id", "places", "x", "y", "area"]), None, [f"{georesource}: no features"]
    starts = sorted(set(feats["valid_from"]))

    def open_on(d: dt.date) -> pd.Series:
        return (feats["valid_from"] <= d) & feats["valid_to"].map(lambda e: e is None or pd.isna(e) or d <= e)

    supply_day = day
    if not open_on(day).any() and starts[0] > day:
        supply_day = starts[0]
        notes.append(
            f"Plätze: Kita-Bestand vom {supply_day:%d.%m.%Y} (früheres Jahr, Bestand nicht bekannt) / "
            f"places: inventory of {supply_day.isoformat()} stands in for {day.year}"
        )
    live = feats[open_on(supply_day)].copy()
    attr = attribute or next((a for a in PLACE_ATTRIBUTES if any(a in (x or {}) for x in live["attributes"])), None)
    if attr is None:
        raise InvalidInput(
            f"georesource {georesource!r} has no places attribute ({', '.join(PLACE_ATTRIBUTES)}); name it"
        )
    places = []
    for fid, attrs in zip(live["feature_id"], live["attributes"], strict=True):
        raw = (attrs or {}).get(attr)
        try:
            value = float(raw) if raw is not None and raw != "" else float("nan")
        except (TypeError, ValueError):
            raise InvalidInput(f"georesource {georesource!r}, feature {fid}: {attr}={raw!r} is not a number") from None
        if value < 0:
            raise InvalidInput(f"georesource {georesource!r}, feature {fid}: {attr}={raw!r} is negative")
        places.append(value)
    live["places"] = places
    if live["places"].isna().any():
        notes.append(f"{int(live['places'].isna().sum())} Kita(s) ohne Platzzahl / without places (counted as 0)")
        live["places"] = live["places"].fillna(0.0)
    assigned = store.feature_units(georesource, level)
    on_day = assigned[
        (assigned["valid_from"] <= supply_day)
        & assigned["valid_to"].map(lambda e: e is None or pd.isna(e) or supply_day <= e)
    ]
    unit_of = dict(
        zip(zip(on_day["feature_id"], on_day["feature_valid_from"], strict=True), on_day["unit_id"], strict=True)
    )
    pos = {u: i for i, u in enumerate(units)}
    live["area"] = [
        pos.get(unit_of.get((f, s), ""), -1) for f, s in zip(live["feature_id"], live["valid_from"], strict=True)
    ]
    outside = live[live["area"] < 0]
    if len(outside):
        notes.append(
            f"{len(outside)} Kita(s) mit {outside['places'].sum():,.0f} Plätzen außerhalb der Gebiete / "
            "outside the level's units (not counted)"
        )
    live["x"] = live.geometry.x
    live["y"] = live.geometry.y
    notes.append(
        f"@source Plätze / places: {meta.title_de} – {meta.source or georesource} (Merkmal / attribute {attr})"
    )
    return pd.DataFrame(live[["feature_id", "places", "x", "y", "area"]]), supply_day, notes


def kita_plan(
    store: Store,
    level: str,
    year: int,
    *,
    scenario: str = "medium",
    assumptions: KitaAssumptions | None = None,
    catchment: str | Catchment = "none",
    interval: int | None = 80,
    georesource: str = "kitas",
    places_attribute: str | None = None,
) -> KitaPlan:
    """Demand, places and gap of every unit of ``level`` on 31 December of ``year``."""
    _check_request(store, level, scenario, interval)
    assumptions = assumptions or KitaAssumptions(DEFAULT_QUOTAS["current"])
    how = catchment if isinstance(catchment, Catchment) else parse_catchment(catchment)
    day = dt.date(year, 12, 31)
    units_frame = store.unit_versions(level, at=day)
    if units_frame.empty:
        raise NotFound(str(year), f"level {level!r} has no units valid on {day.isoformat()}")
    units_frame = units_frame.sort_values("unit_id").reset_index(drop=True)
    units = [str(u) for u in units_frame["unit_id"]]
    counts, missing = _children(store, level, day, scenario, units)
    notes: list[str] = []
    if missing:
        notes.append(f"{missing} fehlende Werte (Gebiet × Alter) als 0 gezählt / missing unit-age values counted as 0")
    demand = kita_demand(counts, assumptions)
    total_demand = demand.demand

    kitas, places_date, place_notes = _places(store, level, day, units, georesource, places_attribute)
    notes += [n for n in place_notes if not n.startswith("@source ")]
    place_sources = [n.removeprefix("@source ") for n in place_notes if n.startswith("@source ")]
    inside = kitas[kitas["area"] >= 0]
    own = np.bincount(inside["area"].to_numpy(dtype=np.int64), weights=inside["places"], minlength=len(units))
    unallocated = 0.0
    if how.kind == "none":
        places = own
    else:
        if how.kind == "neighbours":
            from ortswissen.analysis.spatial import contiguity_weights

            weights = contiguity_weights(units_frame.geometry, units, rule="queen")
            pos = {u: i for i, u in enumerate(units)}
            reach = neighbour_reach([[pos[n] for n in weights.neighbours(u)] for u in units], inside["area"])
        else:
            points = units_frame.geometry.centroid
            reach = radius_reach(
                np.column_stack([points.x, points.y]),
                inside[["x", "y"]].to_numpy(),
                float(how.radius or 0),
                site_area=inside["area"].to_numpy(),
            )
        result = two_step_fca(inside["places"].to_numpy(), total_demand, reach)
        places = result.places
        unallocated = result.unallocated
        if unallocated:
            notes.append(
                f"{unallocated:,.0f} Plätze ohne Nachfrage im Einzugsbereich / places reaching no demand (unallocated)"
            )

    low = high = None
    total_low = total_high = None
    sources = _sources(store, assumptions, place_sources)
    if scenario == "medium" and interval is not None:
        q = _group_quantiles(store, level, day, INTERVALS[interval], units, assumptions.age6_share)
        if q is None:
            notes.append("keine Quantile gespeichert: kein Intervall / no quantiles stored: no interval")
        else:
            low, high = demand_interval(total_demand, demand.children, q[0], q[1])
            notes.append(
                "Intervall: Bedarf je Kind (zentral) × Quantile der Kinder im Kita-Alter (Näherung) / interval: "
                "central demand per child × quantiles of the Kita-age children (an approximation)"
            )
            root = _root_unit(store, level)
            rq = None
            if root is not None and root != level:
                root_units = store.unit_versions(root, at=day, geometry=False)
                if len(root_units) == 1:
                    rq = _group_quantiles(
                        store,
                        root,
                        day,
                        INTERVALS[interval],
                        [str(root_units["unit_id"].iloc[0])],
                        assumptions.age6_share,
                    )
            children_sum = float(demand.children.sum())
            if rq is not None and children_sum > 0:
                per_child = float(total_demand.sum()) / children_sum
                total_low, total_high = per_child * float(rq[0][0]), per_child * float(rq[1][0])
            elif level != root:
                total_low, total_high = float(low.sum()), float(high.sum())
                notes.append(
                    "Summenzeile: Summe der Gebietsgrenzen (breiter als das Intervall der Stadt) / total row: sum of "
                    "the area bounds (wider than the city's own interval)"
                )
            else:
                total_low, total_high = float(low.sum()), float(high.sum())
    gap = kita_gap(places, total_demand, low, high)
    rows = pd.DataFrame(
        {
            "unit_id": units,
            "name": units_frame["name"].astype(str).to_numpy(),
            "children_u3": demand.children_u3,
            "children_ue3": demand.children_ue3,
            "demand_u3": demand.demand_u3,
            "demand_ue3": demand.demand_ue3,
            "demand": total_demand,
            "demand_low": low if low is not None else np.full(len(units), np.nan),
            "demand_high": high if high is not None else np.full(len(units), np.nan),
            "places": places,
            "gap": gap["gap"],
            "gap_low": gap.get("gap_low", np.full(len(units), np.nan)),
            "gap_high": gap.get("gap_high", np.full(len(units), np.nan)),
            "coverage": gap["coverage"],
        }
    )
    total = _total(rows, total_low, total_high)
    return KitaPlan(
        level=level,
        year=year,
        scenario=scenario,
        assumptions=assumptions,
        catchment=how,
        interval=interval if low is not None else None,
        rows=rows,
        total=total,
        places_date=places_date,
        unallocated=unallocated,
        synthetic=_synthetic(store),
        sources=sources,
        notes=notes,
    )


def _total(rows: pd.DataFrame, low: float | None, high: float | None) -> dict[str, Any]:
    sums = {c: float(rows[c].sum()) for c in ("children_u3", "children_ue3", "demand_u3", "demand_ue3", "demand")}
    places = float(rows["places"].sum())
    nan = float("nan")
    return {
        "unit_id": "total",
        "name": "Gesamt / total",
        **sums,
        "demand_low": nan if low is None else low,
        "demand_high": nan if high is None else high,
        "places": places,
        "gap": places - sums["demand"],
        "gap_low": nan if high is None else places - high,
        "gap_high": nan if low is None else places - low,
        "coverage": places / sums["demand"] if sums["demand"] > 0 else nan,
    }


def _synthetic(store: Store) -> bool:
    meta = store.get_indicator(CHILD_INDICATORS[0])
    return "synthetic" in meta.tags or "synthetisch" in (meta.source or "").lower()


def _sources(store: Store, assumptions: KitaAssumptions, places: list[str]) -> list[str]:
    out = []
    meta = store.get_indicator(CHILD_INDICATORS[0])
    if meta.source:
        out.append(f"Kinder / children: {meta.source}")
    out += places
    out += [f"Quoten / quotas: {s}" for s in assumptions.quotas.sources]
    return out


def kita_plans(
    store: Store,
    level: str,
    years: Sequence[int],
    *,
    progress: Progress = NO_PROGRESS,
    **options: Any,
) -> list[KitaPlan]:
    """:func:`kita_plan` for several years (options as there), with progress."""
    if not years:
        raise InvalidInput("name at least one year")
    plans = []
    progress.start("Kita-Planung / Kita plan", total=len(years))
    try:
        for year in years:
            plans.append(kita_plan(store, level, int(year), **options))
            progress.advance()
    finally:
        progress.finish()
    return plans


_COLUMNS = {
    "unit_id": "Gebiet-Nr. / unit",
    "name": "Gebiet / name",
    "children_u3": "Kinder U3 / children under 3",
    "children_ue3": "Kinder Ü3 / children 3 to school",
    "demand_u3": "Bedarf U3 / demand under 3",
    "demand_ue3": "Bedarf Ü3 / demand 3 to school",
    "demand": "Bedarf gesamt / demand",
    "demand_low": "Bedarf untere Grenze / demand low",
    "demand_high": "Bedarf obere Grenze / demand high",
    "places": "Plätze / places",
    "gap": "Saldo Plätze − Bedarf / gap",
    "gap_low": "Saldo untere Grenze / gap low",
    "gap_high": "Saldo obere Grenze / gap high",
    "coverage": "Versorgungsgrad / coverage",
}


def plan_table(plans: Sequence[KitaPlan]) -> pd.DataFrame:
    """One table of all plans: a row per year and unit, then each year's total row; German/English headers."""
    parts = []
    for plan in plans:
        frame = pd.concat([plan.rows, pd.DataFrame([plan.total])], ignore_index=True)
        frame.insert(0, "year", plan.year)
        parts.append(frame)
    table = pd.concat(parts, ignore_index=True)
    for col in _COLUMNS:
        if col not in ("unit_id", "name", "coverage") and col in table:
            table[col] = table[col].astype(float).round(_ROUND)
    table["coverage"] = table["coverage"].astype(float).round(3)
    if table["demand_low"].isna().all():
        table = table.drop(columns=["demand_low", "demand_high", "gap_low", "gap_high"])
    return table.rename(columns={"year": "Jahr / year", **_COLUMNS})


def _percent(value: float) -> str:
    return f"{value * 100:.1f}".replace(".", ",") + " %"


def plan_header(plans: Sequence[KitaPlan], created: dt.date | None = None) -> list[tuple[str, str]]:
    """The header block of an export: date, scenario, quotas, catchment, sources and the modelled note."""
    first = plans[0]
    a = first.assumptions
    years = sorted({p.year for p in plans})
    span = str(years[0]) if len(years) == 1 else f"{years[0]}–{years[-1]}"
    quotas = ", ".join(f"{age} J. {_percent(q)}" for age, q in enumerate(a.quotas.by_age))
    interval = (
        f"{first.interval} % (Quantile {INTERVALS[first.interval][0][-3:]}/{INTERVALS[first.interval][1][-3:]} der "
        "Prognose-Trajektorien, Näherung) / approximate"
        if first.interval
        else "keines / none"
    )
    lines = [
        ("Erstellt am / created", (created or dt.date.today()).strftime("%d.%m.%Y")),
        ("Raumebene / level", first.level),
        ("Jahr(e) / year(s)", f"{span} (Stichtag 31.12.)"),
        ("Bevölkerungsszenario / population scenario", first.scenario),
        ("Intervall / interval", interval),
        ("Quoten / quotas", f"{a.quotas.label_de} ({a.quotas.label_en}): {quotas}"),
        ("Anteil der 6-Jährigen in Kita / share of age 6", _percent(a.age6_share)),
        ("Stundenfaktor / hours factor", f"U3 {a.hours_u3:g}, Ü3 {a.hours_ue3:g}".replace(".", ",")),
        ("Einzugsbereich / catchment", first.catchment.describe()["label_de"] + f" ({first.catchment.label})"),
        (
            "Plätze Stand / places as of",
            "" if first.places_date is None else first.places_date.strftime("%d.%m.%Y"),
        ),
    ]
    lines += [("Quelle / source", s) for s in first.sources]
    lines += [("Hinweis / note", n) for n in dict.fromkeys(n for p in plans for n in p.notes)]
    lines.append(
        (
            "Modellrechnung / modelled",
            "Vorausberechnete Werte, keine amtliche Statistik; Saldo negativ = fehlende Plätze. "
            "Projected values, not official statistics; a negative gap is a shortage of places.",
        )
    )
    if first.synthetic:
        lines.append(("Synthetisch / synthetic", "Eingangsdaten synthetisch / synthetic input data"))
    return lines


def write_plans(
    plans: Sequence[KitaPlan],
    target: str | Path | io.BufferedIOBase,
    fmt: Literal["csv", "xlsx"],
    *,
    german: bool = True,
    created: dt.date | None = None,
) -> None:
    """Write the plans as the table a youth welfare office files (header block, then the table)."""
    if not plans:
        raise InvalidInput("no plan to write")
    table = plan_table(plans)
    formats = {_COLUMNS["coverage"]: "0.0%", "Jahr / year": "0"}
    write_report_table(
        table,
        target,  # type: ignore[arg-type]
        fmt,
        title="Kita-Bedarfsplanung / Kita demand plan",
        header=plan_header(plans, created),
        german=german,
        sheet="Kita-Plan",
        number_formats=formats,
    )
