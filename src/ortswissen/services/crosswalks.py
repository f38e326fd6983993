"""Computing crosswalks between unit versions and re-expressing series on one Gebietsstand.

A crosswalk maps the unit versions valid at some time in a source period (``from_date`` to
``from_until``) to those valid on ``to_date``; so one crosswalk covers, for example, every
Berlin planning area of 2001–2020 (including the 2019 split) towards the 542 areas of 2021.
Applying it to an indicator writes the re-expressed values as ``estimated`` values on the
target units, keeping their original dates; they are read with ``as_of=to_date``.

Examples
--------
>>> from ortswissen.storage import open_store
>>> from ortswissen.testing import synthetic_municipality
>>> store = open_store("memory://")
>>> town = synthetic_municipality()
>>> _ = town.load(store)
>>> from datetime import date
>>> result = compute_crosswalk(store, CrosswalkSpec(id="q_old_new", from_level="quartier",
...     from_date=date(2015, 1, 1), from_until=date(2020, 12, 31), to_level="quartier",
...     to_date=date(2021, 1, 1), method="area"))
>>> result.info.pairs, result.diagnostics["sources_split"]
(17, 1)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal, Self

import geopandas as gpd
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from ortswissen.errors import DefinitionError, InvalidInput
from ortswissen.indicators import IndicatorKind
from ortswissen.ports import CrosswalkInfo, ImportRecord, Store
from ortswissen.services._derived_import import value_batch, write_derived_import
from ortswissen.services._progress import NO_PROGRESS, Progress
from ortswissen.services._provenance import new_import_id, now
from ortswissen.units import END_OF_TIME, ID_PATTERN, area_crosswalk, population_crosswalk, reexpress

__all__ = ["CrosswalkResult", "CrosswalkSpec", "apply_crosswalk", "compute_crosswalk", "units_in_period"]

_SEP = "\x1f"  # joins unit id and version start into one key for the pure core


class CrosswalkSpec(BaseModel):
    """What crosswalk to compute."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=ID_PATTERN.pattern)
    from_level: str
    from_date: dt.date
    from_until: dt.date | None = None
    to_level: str
    to_date: dt.date
    method: Literal["area", "population", "block-sum"] = "area"
    weights_level: str | None = None
    weights_indicator: str | None = None
    weights_date: dt.date | None = None
    within_level: str | None = None
    min_weight: float = Field(1e-3, ge=0, lt=0.5)
    description: str = ""

    @model_validator(mode="after")
    def _weights_given(self) -> Self:
        if self.method != "area" and not (self.weights_level and self.weights_indicator and self.weights_date):
            raise ValueError(f"method {self.method!r} needs weights_level, weights_indicator and weights_date")
        if self.from_until is not None and self.from_until < self.from_date:
            raise ValueError("from_until lies before from_date")
        return self


@dataclass
class CrosswalkResult:
    """A computed crosswalk with its weights and diagnostics."""

    info: CrosswalkInfo
    weights: pd.DataFrame
    diagnostics: dict[str, Any] = field(default_factory=dict)


def units_in_period(store: Store, level: str, start: dt.date, until: dt.date | None = None) -> gpd.GeoDataFrame:
    """Unit versions of ``level`` valid on at least one day from ``start`` to ``until``."""
    units = store.unit_versions(level)
    end = until or start
    ends = units["valid_to"].map(lambda d: END_OF_TIME if d is None or pd.isna(d) else d)
    return units[(units["valid_from"] <= end) & (ends >= start)].reset_index(drop=True)


def _ancestors(store: Store, units: gpd.GeoDataFrame, level_id: str, target_level: str) -> dict[str, str]:
    """Map each unit key to its ancestor on ``target_level``, following parents valid at each version's start."""
    chain: list[str] = []
    current = store.get_level(level_id)
    while current.id != target_level:
        if current.parent_id is None or not current.nested:
            raise DefinitionError(f"level {level_id!r} does not nest in {target_level!r}")
        chain.append(current.parent_id)
        current = store.get_level(current.parent_id)
    # parents of each level above, loaded once: unit id → [(valid_from, valid_to, parent_id)]
    parents: dict[str, dict[str, list[tuple[dt.date, dt.date, str | None]]]] = {}
    for lvl in chain[:-1]:
        frame = store.unit_versions(lvl, geometry=False)
        table: dict[str, list[tuple[dt.date, dt.date, str | None]]] = {}
        for uid, start, end, parent in zip(
            frame["unit_id"], frame["valid_from"], frame["valid_to"], frame["parent_id"], strict=True
        ):
            last = END_OF_TIME if end is None or pd.isna(end) else end
            table.setdefault(uid, []).append((start, last, parent))
        parents[lvl] = table
    out: dict[str, str] = {}
    for key, uid, start, parent in zip(
        units["key"], units["unit_id"], units["valid_from"], units["parent_id"], strict=True
    ):
        node: str | None = uid if not chain else parent
        for lvl in chain[:-1]:
            versions = parents[lvl].get(node or "", [])
            node = next((p for a, b, p in versions if a <= start <= b), None)
            if node is None:
                break
        if node is not None:
            out[key] = node
    return out


def compute_crosswalk(store: Store, spec: CrosswalkSpec, *, progress: Progress = NO_PROGRESS) -> CrosswalkResult:
    """Compute and store a crosswalk."""
    progress.start(f"Crosswalk {spec.id}", 3)
    source = units_in_period(store, spec.from_level, spec.from_date, spec.from_until)
    target = units_in_period(store, spec.to_level, spec.to_date)
    if len(source) == 0 or len(target) == 0:
        raise InvalidInput(
            f"no units: {len(source)} source unit(s) of {spec.from_level!r}, {len(target)} target unit(s) of "
            f"{spec.to_level!r} on {spec.to_date}"
        )
    for frame in (source, target):
        frame["key"] = frame["unit_id"] + _SEP + frame["valid_from"].map(dt.date.isoformat)
    groups = target_groups = None
    if spec.within_level:
        groups = _ancestors(store, source, spec.from_level, spec.within_level)
        target_groups = _ancestors(store, target, spec.to_level, spec.within_level)
    progress.advance()
    src = gpd.GeoDataFrame({"unit_id": source["key"]}, geometry=source.geometry.values, crs=source.crs)
    tgt = gpd.GeoDataFrame({"unit_id": target["key"]}, geometry=target.geometry.values, crs=target.crs)
    if spec.method == "area":
        weights = area_crosswalk(src, tgt, groups=groups, target_groups=target_groups, min_weight=spec.min_weight)
    else:
        assert spec.weights_level and spec.weights_indicator and spec.weights_date
        blocks = store.unit_versions(spec.weights_level, at=spec.weights_date)
        pop = store.read_values(
            [spec.weights_indicator], level_id=spec.weights_level, dates=[spec.weights_date], scenario="observed"
        )
        if len(pop) == 0:
            raise InvalidInput(
                f"no values of {spec.weights_indicator!r} on level {spec.weights_level!r} on {spec.weights_date}"
            )
        blocks = blocks.merge(pop[["unit_id", "value"]], on="unit_id", how="left")
        blocks["population"] = blocks["value"].fillna(0.0)
        weights = population_crosswalk(
            src,
            tgt,
            blocks,
            whole_blocks=spec.method == "block-sum",
            groups=groups,
            target_groups=target_groups,
            min_weight=spec.min_weight,
        )
    progress.advance()
    split_from = weights["from_unit"].str.split(_SEP, expand=True)
    split_to = weights["to_unit"].str.split(_SEP, expand=True)
    stored = pd.DataFrame(
        {
            "from_unit": split_from[0],
            "from_valid_from": split_from[1].map(dt.date.fromisoformat),
            "to_unit": split_to[0],
            "to_valid_from": split_to[1].map(dt.date.fromisoformat),
            "weight": weights["weight"],
            "overlap_area": weights["overlap_area"],
            "population": weights["population"],
            "basis": weights["basis"],
        }
    )
    info = CrosswalkInfo(
        spec.id,
        spec.from_level,
        spec.from_date,
        spec.to_level,
        spec.to_date,
        spec.method,
        spec.description,
        spec.from_until,
        params=spec.model_dump(mode="json"),
        created_at=now(),
        pairs=len(stored),
    )
    store.put_crosswalk(info, stored)
    progress.advance()
    progress.finish()
    per_source = stored.groupby(["from_unit", "from_valid_from"]).size()
    diagnostics = {
        "sources": int(per_source.size),
        "targets": int(stored.groupby(["to_unit", "to_valid_from"]).ngroups),
        "pairs": len(stored),
        "sources_split": int((per_source > 1).sum()),
        "area_fallback_sources": int(stored.loc[stored["basis"] == "area-fallback", "from_unit"].nunique()),
        "targets_without_source": int(len(target) - stored.groupby(["to_unit", "to_valid_from"]).ngroups),
    }
    return CrosswalkResult(info, stored, diagnostics)


def apply_crosswalk(
    store: Store,
    crosswalk_id: str,
    indicator_ids: list[str],
    *,
    integer: bool = False,
    target_indicator: str | None = None,
    write: bool = True,
) -> pd.DataFrame:
    """Re-express count series through a crosswalk; optionally store them as ``estimated`` values.

    Sources are the *natural* observed series of the source level (each value on the unit
    version valid on its date), never earlier estimates. A date is re-expressed only if the
    crosswalk covers it, i.e. every unit version of the source level valid that day is a
    source of the crosswalk; the other dates are listed in ``result.attrs["skipped_dates"]``.
    Target versions valid on a value's own date already carry the natural series there, so
    the re-expressed value for them is returned but never stored over an observation.
    Only sum-aggregable indicators (counts, amounts) can be re-expressed by weights; a share
    is re-expressed through its numerator and denominator instead.
    Returns ``indicator_id, unit_id, unit_valid_from, date, value, status, natural``.
    """
    info, weights = store.get_crosswalk(crosswalk_id)
    if target_indicator is not None and len(indicator_ids) != 1:
        raise DefinitionError("a target indicator id needs exactly one source indicator")
    versions = store.unit_versions(info.from_level, geometry=False)
    spans = [
        (f"{u}{_SEP}{a.isoformat()}", a, END_OF_TIME if b is None or pd.isna(b) else b)
        for u, a, b in zip(versions["unit_id"], versions["valid_from"], versions["valid_to"], strict=True)
    ]
    wkeys = weights["from_unit"] + _SEP + weights["from_valid_from"].map(dt.date.isoformat)
    sources = set(wkeys)
    targets = store.unit_versions(info.to_level, geometry=False)
    target_end = {
        (u, a): END_OF_TIME if b is None or pd.isna(b) else b
        for u, a, b in zip(targets["unit_id"], targets["valid_from"], targets["valid_to"], strict=True)
    }

    def valid_on(day: dt.date) -> set[str]:
        """Every version of the source level that existed on ``day``."""
        return {key for key, a, b in spans if a <= day <= b}

    frames = []
    skipped: set[dt.date] = set()
    for indicator_id in indicator_ids:
        meta = store.get_indicator(indicator_id)
        if meta.kind not in (IndicatorKind.COUNT, IndicatorKind.AMOUNT) or meta.aggregation.method.value != "sum":
            raise DefinitionError(
                f"indicator {indicator_id!r} is a {meta.kind.value} aggregated by {meta.aggregation.method.value!r}; "
                "only summable counts and amounts can be re-expressed by weights"
            )
        values = store.read_values([indicator_id], level_id=info.from_level, scenario="observed")
        values = values[~values["flag"].fillna("").astype(str).str.startswith("cw:")]
        if values.empty:
            continue
        covered = {}
        for day in values["date"].unique():
            live = valid_on(day)
            if live and live <= sources:
                covered[day] = live
            else:
                skipped.add(day)
        values = values[values["date"].isin(set(covered))]
        if values.empty:
            continue
        key = values["unit_id"] + _SEP + values["unit_valid_from"].map(dt.date.isoformat)
        out = reexpress(
            values.assign(unit_id=key)[["unit_id", "date", "value"]],
            pd.DataFrame(
                {
                    "from_unit": wkeys,
                    "to_unit": weights["to_unit"] + _SEP + weights["to_valid_from"].map(dt.date.isoformat),
                    "weight": weights["weight"],
                }
            ),
            integer=integer,
            expected=covered,
        )
        out = out[out["date"].isin(set(covered))]
        parts = out["unit_id"].str.split(_SEP, expand=True)
        frame = pd.DataFrame(
            {
                "indicator_id": target_indicator or indicator_id,
                "unit_id": parts[0],
                "unit_valid_from": parts[1].map(dt.date.fromisoformat),
                "date": out["date"].to_numpy(),
                "value": out["value"].to_numpy(),
                "status": out["status"].to_numpy(),
            }
        )
        frame["natural"] = [
            a <= day <= target_end.get((u, a), a - dt.timedelta(days=1))
            for u, a, day in zip(frame["unit_id"], frame["unit_valid_from"], frame["date"], strict=True)
        ]
        frames.append(frame)
    columns = ["indicator_id", "unit_id", "unit_valid_from", "date", "value", "status", "natural"]
    result = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    result.attrs["skipped_dates"] = sorted(skipped)
    to_store = result[~result["natural"].astype(bool)] if len(result) else result
    if write and len(to_store):
        write_crosswalk_values(store, info, to_store)
    return result


def write_crosswalk_values(store: Store, info: CrosswalkInfo, result: pd.DataFrame) -> None:
    """Store values expressed on ``info.to_level`` (flag ``cw:<crosswalk>``) as one import, all or nothing.

    ``result`` has ``indicator_id, unit_id, unit_valid_from, date, value, status``.
    """
    import_id = new_import_id("crosswalk")
    started = now()
    frame = result.assign(level_id=info.to_level, scenario="observed", flag=f"cw:{info.id}")

    def record(written: int, replaced: int) -> ImportRecord:
        return ImportRecord(
            import_id,
            "crosswalk",
            f"crosswalk:{info.id}",
            "",
            started,
            now(),
            len(frame),
            written,
            replaced,
            options={"crosswalk": info.id},
        )

    write_derived_import(store, import_id, value_batch(frame), record, what="the crosswalk")
