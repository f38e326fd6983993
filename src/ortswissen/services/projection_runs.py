"""Use case: run a small-area population projection and store it as ``projected`` values.

A run reads the age-band stocks of a level (``ewr_age_*`` in the Berlin demo), splits them
into single years, estimates shrunk cohort-change ratios over the last ``base`` transitions,
calibrates the uncertainty on the same years, and projects

* the deterministic variants ``low``, ``medium`` and ``high`` (:meth:`Scenario.named`), and
* the quantiles of ``trajectories`` seeded stochastic trajectories around ``medium``,
  stored as the scenarios ``medium_q025``, ``medium_q10``, ``medium_q50``, ``medium_q90`` and
  ``medium_q975`` with the flag ``quantile`` (they are never summed to upper levels).

Stocks on an older territorial status are re-expressed on the units valid at the jump-off
through a crosswalk (``crosswalk=``, without storing anything). A jump-off newer than the
single-year series (``jump_off_bands=``: the newest observed age bands, e.g. the LOR 2023
table) keeps those band counts and takes the age profile inside each band from the latest
single-year stocks (:func:`~ortswissen.demography.fit_to_bands`).

Every run is one import of kind ``projection``: its options record the assumptions, the seed
and the input imports (the data version); :func:`list_runs` reads them back. Upper levels get
the deterministic variants by the ordinary aggregation of the indicator engine.

Example:
    >>> [name for name, _, _ in output_groups()][:4]
    ['residents', 'residents_age_0', 'residents_age_1', 'residents_age_2']
    >>> quantile_scenario("medium", 0.025), quantile_scenario("medium", 0.9)
    ('medium_q025', 'medium_q90')
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from ortswissen.demography import (
    N_AGES,
    AgeBands,
    Scenario,
    Uncertainty,
    calibrate_age_tilt,
    estimate_ratios,
    fit_to_bands,
    project,
)
from ortswissen.errors import InvalidInput
from ortswissen.indicators import IndicatorKind, IndicatorMeta, UpdateInterval
from ortswissen.indicators._engine import QUANTILE_FLAG
from ortswissen.ports import ImportRecord, Store
from ortswissen.services._derived_import import value_batch, write_derived_import
from ortswissen.services._progress import NO_PROGRESS, Progress
from ortswissen.services._provenance import new_import_id, now
from ortswissen.services.projections import AgeStocks, band_of, load_age_stocks

__all__ = [
    "LOR_BANDS",
    "ProjectionRun",
    "list_runs",
    "output_groups",
    "quantile_scenario",
    "run_projection",
]

LOR_BANDS: tuple[tuple[str, int, int], ...] = (
    ("residents_age_under_6", 0, 6),
    ("residents_age_6_15", 6, 15),
    ("residents_age_15_18", 15, 18),
    ("residents_age_18_27", 18, 27),
    ("residents_age_27_45", 27, 45),
    ("residents_age_45_55", 45, 55),
    ("residents_age_55_65", 55, 65),
    ("residents_age_65_plus", 65, N_AGES),
)
"""The age bands of the Berlin LOR population tables (the atlas's observed series)."""

_KIND = "projection"


def output_groups() -> tuple[tuple[str, int, int], ...]:
    """Indicator id, first age and end age (exclusive) of every projected series.

    The total, single years 0–6 and U3/Ü3 for Kita planning, the LOR bands, and 5-year bands
    for age pyramids (``residents_age_00_05`` … ``residents_age_95_plus``).
    """
    groups: list[tuple[str, int, int]] = [("residents", 0, N_AGES)]
    groups += [(f"residents_age_{a}", a, a + 1) for a in range(7)]
    groups += [("residents_age_under_3", 0, 3), ("residents_age_3_6", 3, 6)]
    groups += list(LOR_BANDS)
    groups += [(f"residents_age_{a:02d}_{a + 5:02d}", a, a + 5) for a in range(0, 95, 5)]
    groups.append(("residents_age_95_plus", 95, N_AGES))
    return tuple(groups)


def quantile_scenario(scenario: str, level: float) -> str:
    """The scenario id of a quantile: ``medium`` and 0.025 → ``medium_q025``."""
    digits = f"{level * 100:g}".replace(".", "")
    return f"{scenario}_q{digits if level >= 0.1 else '0' + digits}"


@dataclass(frozen=True)
class ProjectionRun:
    """What a run did: ids, years, scenarios, assumptions and the rows written."""

    run_id: str
    level: str
    jump_off: dt.date
    years: list[int]
    units: int
    scenarios: list[str]
    trajectories: int
    seed: int
    written: int
    assumptions: dict[str, Any] = field(default_factory=dict)
    city: dict[str, list[float]] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """A JSON-ready summary (as printed by ``ortswissen project run``)."""
        return {
            "run_id": self.run_id,
            "level": self.level,
            "jump_off": self.jump_off.isoformat(),
            "years": self.years,
            "units": self.units,
            "scenarios": self.scenarios,
            "trajectories": self.trajectories,
            "seed": self.seed,
            "written": self.written,
            "city": self.city,
        }


def _versions_at(store: Store, level: str, day: dt.date) -> dict[str, dt.date]:
    """Unit id → valid_from of the versions of ``level`` valid on ``day``."""
    versions = store.unit_versions(level, geometry=False)
    out = {}
    for unit, start, end in zip(versions["unit_id"], versions["valid_from"], versions["valid_to"], strict=True):
        if start <= day and (end is None or pd.isna(end) or day <= end):
            out[str(unit)] = start
    if not out:
        raise InvalidInput(f"level {level!r} has no units valid on {day.isoformat()}")
    return out


def _ancestors(
    store: Store, level: str, units: Sequence[str], day: dt.date
) -> dict[str, tuple[list[str], dict[str, dt.date]]]:
    """For every upper level: the ancestor of each unit on ``day`` and that level's live versions."""
    out: dict[str, tuple[list[str], dict[str, dt.date]]] = {}
    levels = {lv.id: lv for lv in store.list_levels()}
    current = list(units)
    child = level
    while (parent := levels[child].parent_id) is not None:
        versions = store.unit_versions(child, geometry=False)
        live = versions[(versions["valid_from"] <= day) & (versions["valid_to"].isna() | (versions["valid_to"] >= day))]
        up = dict(zip(live["unit_id"].astype(str), live["parent_id"], strict=True))
        if any(not isinstance(up.get(u), str) for u in current):
            break  # a unit without a parent on that day: stop, no partial sums
        current = [up[u] for u in current]
        out[parent] = (current, _versions_at(store, parent, day))
        child = parent
    return out


def _jump_off_counts(
    store: Store, level: str, day: dt.date, indicators: Sequence[str], units: Sequence[str]
) -> tuple[np.ndarray, AgeBands]:
    """Band counts ``(units, bands)`` of the newest observed age table on ``day``."""
    labels = {}
    for ind in indicators:
        label = band_of(ind, "residents_age_") or _under(ind)
        if label is None:
            raise InvalidInput(f"{ind!r} does not name an age band (…_<from>_<to>, …_under_<n>, …_<from>_plus)")
        labels[ind] = label
    bands = AgeBands.parse(list(labels.values()))
    order = sorted(indicators, key=lambda i: int(labels[i].rstrip("+").split("-")[0]))
    values = store.read_values(order, level_id=level, dates=[day], scenario="observed")
    values = values[values["status"].isin(["ok", "estimated"])]
    if values.empty:
        raise InvalidInput(f"no observed values of {', '.join(order)} on {level!r} at {day.isoformat()}")
    table = values.pivot_table(index="unit_id", columns="indicator_id", values="value", aggfunc="sum")
    missing = [u for u in units if u not in table.index]
    if missing:
        raise InvalidInput(f"{len(missing)} unit(s) lack jump-off age bands on {day.isoformat()}, e.g. {missing[:3]}")
    counts = table.reindex(index=list(units), columns=order).fillna(0.0).to_numpy()
    if (counts < 0).any():
        raise InvalidInput("negative counts in the jump-off age bands")
    return counts, bands


def _recent_fertility(last: np.ndarray, ratios: Any, gap: int, counts: np.ndarray, bands: AgeBands) -> float:
    """Factor on the child ratio so the bridge from the last stocks meets the children counted at the jump-off.

    The base-period ratios carry that period's fertility (Berlin 2015–2020, births falling
    since). Projecting the last single-year stocks over the ``gap`` years to the jump-off and
    comparing the children under the first band's end with the observed band gives how far
    births of the bridge years fell short of (or exceeded) the model's; only children born
    in the bridge years carry the difference. Clipped to 0.5–1.5.
    """
    top = bands.ends[0]
    if top is None or top > 15 or gap < 1:
        return 1.0
    groups = (("total", 0, N_AGES), ("young", 0, min(gap, top)), ("band", 0, top))
    bridge = project(last, ratios, gap, groups=groups)
    predicted, born = bridge.point[gap, :, 2].sum(), bridge.point[gap, :, 1].sum()
    observed = float(counts[:, 0].sum())
    if born <= 0:
        return 1.0
    return float(np.clip(1.0 + (observed - predicted) / born, 0.5, 1.5))


def _under(indicator_id: str) -> str | None:
    tail = indicator_id.rsplit("_under_", 1)
    return f"0-{int(tail[1])}" if len(tail) == 2 and tail[1].isdigit() else None


def run_projection(
    store: Store,
    level: str,
    *,
    horizon: int = 17,
    jump_off: dt.date | None = None,
    jump_off_bands: Sequence[str] | None = None,
    prefix: str = "ewr_age_",
    crosswalk: str | None = None,
    base: int = 5,
    prior_weight: float = 1000.0,
    parent_length: int | None = 2,
    scenarios: Sequence[str] = ("medium", "low", "high"),
    trajectories: int = 1000,
    seed: int = 0,
    control: Mapping[int, float] | None = None,
    write: bool = True,
    progress: Progress = NO_PROGRESS,
) -> ProjectionRun:
    """Project ``level`` for ``horizon`` years and (with ``write``) store the values.

    ``jump_off``: the base date; default the last date of the single-year stocks.
    ``jump_off_bands``: observed band indicators at ``jump_off`` when it is newer than the
    stocks; ``crosswalk``: re-express the stocks onto the units valid at the jump-off.
    Scenarios other than ``medium`` are deterministic; ``medium`` also gets the quantiles.
    ``control``: city totals by year for the ``medium`` path (e.g. an official projection);
    without them the city follows its own cohort-change ratios of the base period.
    """
    if horizon < 1:
        raise InvalidInput("project at least one year")
    if "medium" not in scenarios:
        raise InvalidInput("the scenarios must include 'medium' (the quantiles are drawn around it)")
    variants = [Scenario.named(s) for s in scenarios]
    progress.start("Bestände lesen / reading stocks", None)
    data: AgeStocks = load_age_stocks(store, level, prefix=prefix, crosswalk=crosswalk)
    progress.finish()
    day = jump_off or data.dates[-1]
    live = _versions_at(store, level, day)
    units = list(live)
    unit_pos = {u: i for i, u in enumerate(data.units)}
    stocks = np.zeros((len(data.years), len(units), *data.stocks.shape[2:]))
    for j, u in enumerate(units):
        if u in unit_pos:
            stocks[:, j] = data.stocks[:, unit_pos[u]]
    if len(data.years) < base + 1:
        raise InvalidInput(f"{len(data.years)} years of stocks: the ratios need {base + 1}")
    if day.year < data.years[-1]:
        raise InvalidInput(f"the jump-off {day.isoformat()} lies before the last stocks ({data.years[-1]})")
    if day.year > data.years[-1]:
        if not jump_off_bands:
            raise InvalidInput(
                f"the stocks end in {data.years[-1]}: give the observed age bands at {day.isoformat()} (jump_off_bands)"
            )
        counts, bands = _jump_off_counts(store, level, day, jump_off_bands, units)
        pop0 = fit_to_bands(stocks[-1][:, 0], counts, bands)[:, None, :]
    else:
        pop0 = stocks[-1]
    groups_of_units = [u[:parent_length] for u in units] if parent_length else None
    ratios = estimate_ratios(stocks[-(base + 1) :], groups_of_units, prior_weight=prior_weight)
    fertility = 1.0
    if day.year > data.years[-1]:
        fertility = _recent_fertility(stocks[-1], ratios, day.year - data.years[-1], counts, bands)
        variants = [replace(v, fertility=v.fertility * fertility) for v in variants]
    uncertainty = Uncertainty.calibrate(stocks.sum(axis=(2, 3)))
    tilt, tilt_cover = calibrate_age_tilt(
        stocks, data.years, data.years[-1], 5, groups_of_units=groups_of_units, base=base, seed=seed, min_size=500.0
    )
    groups = output_groups()
    years = [day.year + t for t in range(1, horizon + 1)]
    if control is not None:
        missing_years = [y for y in years if y not in control]
        if missing_years:
            raise InvalidInput(f"control totals are missing for {missing_years[0]}…{missing_years[-1]}")
    rows: list[pd.DataFrame] = []
    city: dict[str, list[float]] = {}
    assumptions: dict[str, Any] = {}
    ancestors = _ancestors(store, level, units, day) if trajectories > 0 else {}
    labels = {lv: pd.factorize(pd.Series(ids))[0] for lv, (ids, _) in ancestors.items()}
    progress.start("Prognose / projecting", total=horizon * len(variants))
    for variant in variants:
        stochastic = variant.name == "medium" and trajectories > 0

        def tick(t: int, n: int) -> None:
            progress.advance()

        res = project(
            pop0,
            ratios,
            horizon,
            scenario=variant,
            control=[float(control[y]) for y in years] if control is not None and variant.name == "medium" else None,
            uncertainty=uncertainty if stochastic else None,
            trajectories=max(trajectories, 2),
            seed=seed,
            groups=groups,
            age_tilt=tilt,
            aggregates=list(labels.values()) if stochastic else (),
            progress=tick,
        )
        city[variant.name] = [float(c) for c in res.city]
        assumptions[variant.name] = res.assumptions
        rows.append(_frame(res.point[1:], years, units, groups, variant.name, None, level))
        if stochastic and res.quantiles is not None:
            for k, q in enumerate(res.quantile_levels):
                scen = quantile_scenario("medium", q)
                rows.append(_frame(res.quantiles[:, k], years, units, groups, scen, QUANTILE_FLAG, level))
                for (lv, (ids, _)), agg in zip(ancestors.items(), res.aggregate_quantiles, strict=True):
                    names = pd.factorize(pd.Series(ids))[1].tolist()
                    rows.append(_frame(agg[:, k], years, names, groups, scen, QUANTILE_FLAG, lv))
    progress.finish()
    scenario_ids = [v.name for v in variants]
    if trajectories > 0:
        scenario_ids += [quantile_scenario("medium", q) for q in (0.025, 0.1, 0.5, 0.9, 0.975)]
    run_id = new_import_id(_KIND)
    options = {
        "level": level,
        "jump_off": day.isoformat(),
        "years": years,
        "scenarios": scenario_ids,
        "trajectories": trajectories,
        "seed": seed,
        "control": None if control is None else {str(y): float(control[y]) for y in years},
        "prefix": prefix,
        "crosswalk": crosswalk,
        "jump_off_bands": list(jump_off_bands or []),
        "base": base,
        "recent_fertility_factor": fertility,
        "prior_weight": prior_weight,
        "parent_length": parent_length,
        "age_tilt": {"value": tilt, "in_sample_coverage_80": tilt_cover},
        "data_version": _data_version(store),
        "assumptions": assumptions,
    }
    written = 0
    if write:
        table = pd.concat(rows, ignore_index=True)
        live_by_level = {level: live, **{lv: versions for lv, (_, versions) in ancestors.items()}}
        written = _store(store, run_id, live_by_level, table, options)
    return ProjectionRun(
        run_id, level, day, years, len(units), scenario_ids, trajectories, seed, written, options, city
    )


def _frame(
    values: np.ndarray,
    years: Sequence[int],
    units: Sequence[str],
    groups: Sequence[tuple[str, int, int]],
    scenario: str,
    flag: str | None,
    level: str,
) -> pd.DataFrame:
    """Long rows of ``values`` ``(years, units, groups)``."""
    n_y, n_u, n_g = values.shape
    return pd.DataFrame(
        {
            "indicator_id": np.tile(np.array([g[0] for g in groups], dtype=object), n_y * n_u),
            "level_id": level,
            "unit_id": np.tile(np.repeat(np.array(units, dtype=object), n_g), n_y),
            "date": np.repeat(np.array([dt.date(y, 12, 31) for y in years], dtype=object), n_u * n_g),
            "scenario": scenario,
            "value": np.round(values.reshape(-1).astype(float), 2),
            "flag": flag,
        }
    )


def _data_version(store: Store) -> list[str]:
    """The imports the run read from (values and crosswalks): its input data version."""
    return [r.id for r in store.list_imports() if r.kind in ("values", "crosswalk")]


def _ensure_indicators(store: Store) -> None:
    """Metadata for projected series the store does not know yet (e.g. single years 0–6)."""
    known = {m.id for m in store.list_indicators()}
    for ind, lo, hi in output_groups():
        if ind in known:
            continue
        if hi == N_AGES:
            de, en = (
                (f"Einwohner ab {lo} Jahren", f"Residents aged {lo} and over") if lo else ("Einwohner", "Residents")
            )
        elif hi - lo == 1:
            de, en = f"Einwohner im Alter von {lo} Jahren", f"Residents aged {lo}"
        else:
            de, en = f"Einwohner {lo} bis unter {hi} Jahre", f"Residents aged {lo} to under {hi}"
        store.put_indicator(
            IndicatorMeta(
                id=ind,
                title_de=de,
                title_en=en,
                unit_de="Personen",
                unit_en="persons",
                description_de="Einwohnerinnen und Einwohner mit Hauptwohnsitz; beobachtet oder vorausberechnet "
                "(Szenarien der kleinräumigen Bevölkerungsprognose).",
                description_en="Residents (main residence); observed or projected (scenarios of the small-area "
                "population projection).",
                source="ortswissen Bevölkerungsprognose auf Basis der Einwohnerregisterstatistik "
                "(AfS Berlin-Brandenburg)",
                licence="CC BY 3.0 DE (Eingangsdaten)",
                reference_date_note="Stichtag 31.12.",
                update_interval=UpdateInterval.YEARLY,
                topic="bevoelkerung/prognose",
                kind=IndicatorKind.COUNT,
            )
        )


def _store(
    store: Store, run_id: str, live: dict[str, dict[str, dt.date]], table: pd.DataFrame, options: dict[str, Any]
) -> int:
    """Write the run's rows as one import, all or nothing; returns the rows written."""
    started = now()
    table = table.assign(
        unit_valid_from=[live[lv][u] for lv, u in zip(table["level_id"], table["unit_id"], strict=True)],
        status="projected",
    )
    with store.transaction():
        _ensure_indicators(store)

    def record(written: int, replaced: int) -> ImportRecord:
        source = f"projection:{options['level']}"
        return ImportRecord(run_id, _KIND, source, "", started, now(), len(table), written, replaced, options=options)

    written, _ = write_derived_import(store, run_id, value_batch(table), record, what="the projection")
    return written


def list_runs(store: Store) -> list[dict[str, Any]]:
    """Every stored projection run, newest first (id, level, jump-off, years, scenarios, …)."""
    runs = []
    for record in store.list_imports():
        if record.kind != _KIND:
            continue
        o = record.options
        runs.append(
            {
                "run_id": record.id,
                "level": o.get("level"),
                "jump_off": o.get("jump_off"),
                "years": o.get("years", []),
                "scenarios": o.get("scenarios", []),
                "trajectories": o.get("trajectories"),
                "seed": o.get("seed"),
                "created_at": record.finished_at.isoformat(timespec="seconds"),
                "rows": record.rows_written,
                "data_version": o.get("data_version", []),
                "recent_fertility_factor": o.get("recent_fertility_factor"),
            }
        )
    return sorted(runs, key=lambda r: r["created_at"], reverse=True)
