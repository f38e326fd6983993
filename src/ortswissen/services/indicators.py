"""Indicator definitions and their computation: load, validate, register, compute, recompute.

Definitions come from YAML/JSON files or Python objects. They are validated as a whole
before anything is stored: every input must exist (in the file or the store) and the graph
must be free of cycles. Computing derives, in one run, the upper-level values of imported
indicators by their aggregation rule and the values of computed indicators on every level;
the results are written like an import (all or nothing) with flags ``agg:…``/``calc:…``.

After an import, :func:`recompute_after_import` marks the dependants stale, recomputes them
at once and clears the mark; a failed recomputation leaves them marked (see
:func:`stale_indicators`).

Examples
--------
>>> from ortswissen.storage import open_store
>>> from ortswissen.testing import synthetic_municipality
>>> store = open_store("memory://")
>>> _ = synthetic_municipality().load(store)
>>> metas = parse_definitions([{"id": "share_children", "title_de": "Anteil unter 6", "title_en": "Share under 6",
...     "computation": {"template": "percent", "part": "residents_under_6", "whole": "residents"}}], source="doc")
>>> register_definitions(store, metas, compute=False)
1
>>> result = compute_indicators(store, ["share_children"])
>>> result.written > 0
True
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely
import yaml
from pydantic import ValidationError

from ortswissen.errors import DefinitionError, InvalidInput
from ortswissen.indicators import IndicatorMeta
from ortswissen.indicators._computation import (
    AttributeFilter,
    FeatureStatComputation,
    LineLengthComputation,
    NearestDistanceComputation,
    SubsetShareComputation,
)
from ortswissen.indicators._dag import DependencyGraph
from ortswissen.indicators._engine import Engine, LevelLink
from ortswissen.ports import VALUE_BATCH_SCHEMA, ComputeInputs, ImportRecord, Store, iter_batches
from ortswissen.services._provenance import new_import_id, now

__all__ = [
    "ComputeResult",
    "compute_indicators",
    "load_definitions",
    "parse_definitions",
    "recompute_after_import",
    "register_definitions",
    "stale_indicators",
    "validate_definitions",
]

log = logging.getLogger(__name__)
_STALE_KEY = "stale_indicators"


# -- definitions ---------------------------------------------------------------------------------
def parse_definitions(items: Any, *, source: str = "<definitions>") -> list[IndicatorMeta]:
    """Validate raw definitions (a list, or a mapping with ``indicators``); errors name the item and field."""
    if isinstance(items, Mapping):
        items = items.get("indicators", None)
    if not isinstance(items, list) or not items:
        raise DefinitionError(f"{source}: expected a list of indicator definitions (or 'indicators: [...]')")
    metas: list[IndicatorMeta] = []
    seen: dict[str, int] = {}
    for n, item in enumerate(items, start=1):
        if isinstance(item, IndicatorMeta):
            meta = item
        else:
            label = item.get("id", "?") if isinstance(item, Mapping) else "?"
            try:
                meta = IndicatorMeta.model_validate(item)
            except DefinitionError as exc:
                raise DefinitionError(f"{source}: definition {n} ({label!r}): {exc.message}") from exc
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(p) for p in first["loc"]) or "definition"
                message = str(first["msg"]).removeprefix("Value error, ")
                raise DefinitionError(f"{source}: definition {n} ({label!r}), field {where}: {message}") from exc
        if meta.id in seen:
            raise DefinitionError(
                f"{source}: indicator {meta.id!r} is defined twice (definitions {seen[meta.id]} and {n})"
            )
        seen[meta.id] = n
        metas.append(meta)
    return metas


def load_definitions(path: str | Path) -> list[IndicatorMeta]:
    """Read and validate a YAML or JSON file of indicator definitions."""
    path = Path(path)
    if not path.exists():
        raise InvalidInput(f"{path}: no such file")
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        raise DefinitionError(
            f"{path}: not valid {'JSON' if path.suffix.lower() == '.json' else 'YAML'}: {exc}"
        ) from exc
    return parse_definitions(data, source=str(path))


def validate_definitions(metas: Sequence[IndicatorMeta], existing: Iterable[IndicatorMeta] = ()) -> DependencyGraph:
    """Check a set of definitions together with the existing ones: inputs exist, no cycles."""
    merged = {m.id: m for m in existing}
    merged.update({m.id: m for m in metas})
    return DependencyGraph(merged.values())


def register_definitions(store: Store, metas: Sequence[IndicatorMeta], *, compute: bool = True) -> int:
    """Validate and store definitions in one transaction; compute the computed ones unless told not to."""
    validate_definitions(metas, store.list_indicators())
    with store.transaction():
        for meta in metas:
            store.put_indicator(meta)
    computed = [m.id for m in metas if m.computed]
    if compute and computed:
        compute_indicators(store, computed)
    return len(metas)


# -- computing -----------------------------------------------------------------------------------
@dataclass
class ComputeResult:
    """What a computation run derived."""

    indicators: list[str]
    aggregated: list[str]
    written: int
    replaced: int
    seconds: float
    per_indicator: dict[str, int] = field(default_factory=dict)
    import_id: str = ""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly summary."""
        return {
            "indicators": self.indicators,
            "aggregated": self.aggregated,
            "written": self.written,
            "replaced": self.replaced,
            "seconds": round(self.seconds, 3),
            "per_indicator": self.per_indicator,
            "import_id": self.import_id,
        }


def _links(store: Store) -> list[LevelLink]:
    return [LevelLink(lv.id, lv.parent_id if lv.parent_id and lv.nested else None) for lv in store.list_levels()]


def compute_indicators(
    store: Store,
    targets: Sequence[str] | None = None,
    *,
    aggregate: Sequence[str] | None = None,
) -> ComputeResult:
    """Derive and store values: aggregated levels of imported indicators and computed indicators.

    ``targets``: computed indicators (default: all). ``aggregate``: imported indicators to
    aggregate up the levels (default: all when no targets are given, else those the targets
    read).
    """
    started = time.perf_counter()
    metas = store.list_indicators()
    graph = DependencyGraph(metas)
    if targets is not None:
        for t in targets:
            store.get_indicator(t)
    wanted = graph.order() if targets is None else graph.order(graph.closure(targets))
    prepared, dates = _prepare_spatial(store, graph, wanted)
    inputs = store.compute_inputs()
    try:
        engine = Engine(
            inputs.backend, inputs.values, inputs.units, metas, _links(store), prepared=prepared, dates=dates
        )
        parts = engine.run(targets, aggregate=aggregate)
        derived = [*engine.computed_ids, *engine.aggregated_ids]
        if inputs.writer is not None:  # straight from the engine's queries into the store
            counts, written, replaced, import_id = _write_queries(store, inputs, parts, graph, derived)
        else:
            table = engine.to_pyarrow(parts)
            counts = _counts(table)
            written, replaced, import_id = _write(store, table, *_split(counts, graph), derived)
    finally:
        inputs.close()
    names = sorted(counts)
    computed, aggregated = _split(counts, graph)
    _clear_stale(store, names)
    return ComputeResult(
        indicators=computed,
        aggregated=aggregated,
        written=written,
        replaced=replaced,
        seconds=time.perf_counter() - started,
        per_indicator={k: int(v) for k, v in counts.items()},
        import_id=import_id,
    )


def _counts(table: pa.Table) -> dict[str, int]:
    if not table.num_rows:
        return {}
    tally = pc.value_counts(table.column("indicator_id"))
    return dict(zip(tally.field("values").to_pylist(), tally.field("counts").to_pylist(), strict=True))


def _split(counts: Mapping[str, int], graph: DependencyGraph) -> tuple[list[str], list[str]]:
    names = sorted(counts)
    return [n for n in names if graph.metas[n].computed], [n for n in names if not graph.metas[n].computed]


def _record(
    store: Store,
    import_id: str,
    started: dt.datetime,
    rows: int,
    written: int,
    replaced: int,
    computed: list[str],
    aggregated: list[str],
) -> None:
    store.record_import(
        ImportRecord(
            import_id,
            "derived",
            "ortswissen engine",
            "",
            started,
            now(),
            rows,
            written,
            replaced,
            options={"computed": computed, "aggregated": aggregated},
            summary={},
        )
    )


def _union_all(parts: Sequence[Any]) -> Any:
    """All parts as one query (a balanced tree of unions keeps the SQL generator's recursion shallow).

    One large ``INSERT`` lets DuckDB write whole row groups directly instead of many small
    appends through its write-ahead log.
    """
    level = list(parts)
    while len(level) > 1:
        level = [level[i].union(level[i + 1]) if i + 1 < len(level) else level[i] for i in range(0, len(level), 2)]
    return level[0]


def _write_queries(
    store: Store, inputs: ComputeInputs, parts: Sequence[Any], graph: DependencyGraph, derived: Sequence[str]
) -> tuple[dict[str, int], int, int, str]:
    """Stage each result part with one ``INSERT … SELECT`` on the engine's connection, then commit."""
    import_id = new_import_id("derived")
    started = now()
    writer = inputs.writer(import_id)  # type: ignore[misc]
    try:
        rows = writer.add_query(inputs.backend.compile(_union_all(parts))) if parts else 0
        counts = writer.staged_counts() if rows else {}
        with store.transaction():
            written, replaced = writer.finish()
            replaced += store.delete_derived_values(derived, except_import=import_id)
            _record(store, import_id, started, rows, written, replaced, *_split(counts, graph))
    finally:
        writer.discard()
    return counts, written, replaced, import_id


def _write(
    store: Store, table: pa.Table, computed: list[str], aggregated: list[str], derived: Sequence[str]
) -> tuple[int, int, str]:
    import_id = new_import_id("derived")
    started = now()
    batch_table = table.append_column("source_row", pa.array(np.arange(1, table.num_rows + 1), pa.int64()))
    batch_table = batch_table.select(VALUE_BATCH_SCHEMA.names).cast(VALUE_BATCH_SCHEMA)
    writer = store.value_writer(import_id)
    try:
        for batch in iter_batches(batch_table):
            writer.add(batch)
        with store.transaction():
            written, replaced = writer.finish()
            replaced += store.delete_derived_values(derived, except_import=import_id)
            _record(store, import_id, started, table.num_rows, written, replaced, computed, aggregated)
    finally:
        writer.discard()
    return written, replaced, import_id


# -- staleness -----------------------------------------------------------------------------------
def stale_indicators(store: Store) -> list[str]:
    """Indicators whose derived values are out of date (a recomputation failed or is pending)."""
    raw = store.get_meta(_STALE_KEY)
    return sorted(json.loads(raw)) if raw else []


def _mark_stale(store: Store, ids: Iterable[str]) -> None:
    with store.transaction():
        store.set_meta(_STALE_KEY, json.dumps(sorted({*stale_indicators(store), *ids})))


def _clear_stale(store: Store, ids: Iterable[str]) -> None:
    current = stale_indicators(store)
    if not current:
        return
    left = sorted(set(current) - set(ids))
    with store.transaction():
        store.set_meta(_STALE_KEY, json.dumps(left))


def recompute_after_import(store: Store, changed: Sequence[str]) -> ComputeResult | None:
    """Mark the dependants of ``changed`` stale, recompute them and the upper levels, clear the mark."""
    graph = DependencyGraph(store.list_indicators())
    dependants = graph.order(graph.dependants(changed))
    imported = [c for c in changed if c in graph.metas and not graph.metas[c].computed]
    if not dependants and not imported:
        return None
    _mark_stale(store, [*dependants, *imported])
    result = compute_indicators(store, dependants, aggregate=imported)
    _clear_stale(store, [*dependants, *imported])
    return result


# -- spatial preparation -------------------------------------------------------------------------
def _match(attributes: pd.Series, filters: Sequence[AttributeFilter]) -> np.ndarray:
    """Which features match all filters (attributes: one dict per feature)."""
    keep = np.ones(len(attributes), dtype=bool)
    for f in filters:
        values = [a.get(f.attribute) if isinstance(a, Mapping) else None for a in attributes]
        if f.op == "exists":
            hit = [v is not None for v in values]
        elif f.op in ("eq", "ne"):
            hit = [(v == f.value) == (f.op == "eq") and v is not None for v in values]
        elif f.op in ("in", "not_in"):
            hit = [(v in f.value) == (f.op == "in") and v is not None for v in values]
        else:
            numbers = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").to_numpy(dtype=float)
            with np.errstate(invalid="ignore"):
                hit = {"lt": numbers < f.value, "le": numbers <= f.value, "gt": numbers > f.value,
                       "ge": numbers >= f.value}[f.op]  # fmt: skip
        keep &= np.asarray(hit, dtype=bool)
    return keep


def _numeric(attributes: pd.Series, name: str) -> np.ndarray:
    values = [a.get(name) if isinstance(a, Mapping) else None for a in attributes]
    return pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").to_numpy(dtype=float)


def _dates_for(store: Store, meta: IndicatorMeta, cache: dict[str, list[dt.date]]) -> list[dt.date]:
    at = meta.computation.at  # type: ignore[union-attr]
    if at.dates is not None:
        return sorted(set(at.dates))
    if at.like not in cache:  # several spatial indicators usually share the population's dates
        cache[at.like] = sorted(set(store.read_values([at.like])["date"]))
    return cache[at.like]


def _prepare_spatial(
    store: Store, graph: DependencyGraph, wanted: Sequence[str]
) -> tuple[dict[str, pd.DataFrame], dict[str, list[dt.date]]]:
    prepared: dict[str, pd.DataFrame] = {}
    dates: dict[str, list[dt.date]] = {}
    links = _links(store)
    like_dates: dict[str, list[dt.date]] = {}
    for indicator_id in wanted:
        meta = graph.metas[indicator_id]
        c = meta.computation
        if c is None or not c.spatial:
            continue
        dates[indicator_id] = _dates_for(store, meta, like_dates)
        features = store.features(c.georesource)  # type: ignore[union-attr]
        keep = _match(features["attributes"], c.where)  # type: ignore[union-attr]
        features = features[keep].reset_index(drop=True)
        if isinstance(c, NearestDistanceComputation):
            prepared[indicator_id] = _nearest(
                store, features, links, dates[indicator_id], c.origin, features_on=c.at.features_on
            )
            continue
        frames = []
        for link in links:
            assigned = store.feature_units(c.georesource, link.level_id)  # type: ignore[union-attr]
            if assigned.empty or features.empty:
                continue
            keys = pd.DataFrame(
                {"feature_id": features["feature_id"], "feature_valid_from": features["valid_from"],
                 "_pos": np.arange(len(features))}
            )  # fmt: skip
            assigned = assigned.merge(keys, on=["feature_id", "feature_valid_from"], how="inner")
            if assigned.empty:
                continue
            rows = features.iloc[assigned["_pos"].to_numpy()]
            frame = pd.DataFrame(
                {
                    "level_id": link.level_id,
                    "unit_id": assigned["unit_id"].to_numpy(),
                    "unit_valid_from": assigned["unit_valid_from"].to_numpy(),
                    "valid_from": assigned["valid_from"].to_numpy(),
                    "valid_to": assigned["valid_to"].to_numpy(),
                    "x": np.nan,
                    "in_subset": False,
                }
            )
            if isinstance(c, FeatureStatComputation):
                frame["x"] = _numeric(rows["attributes"], c.attribute)
            elif isinstance(c, SubsetShareComputation):
                frame["in_subset"] = _match(rows["attributes"], c.subset)
            elif isinstance(c, LineLengthComputation):
                frame["x"] = _clipped_lengths(store, link.level_id, assigned, rows.geometry.values)
            frames.append(frame)
        prepared[indicator_id] = (
            pd.concat(frames, ignore_index=True)
            if frames
            else pd.DataFrame(
                columns=["level_id", "unit_id", "unit_valid_from", "valid_from", "valid_to", "x", "in_subset"]
            )
        )
    return prepared, dates


def _clipped_lengths(store: Store, level_id: str, assigned: pd.DataFrame, geoms: np.ndarray) -> np.ndarray:
    units = store.unit_versions(level_id, unit_ids=sorted(set(assigned["unit_id"])))
    lookup = {(r.unit_id, r.valid_from): r.geometry for r in units.itertuples(index=False)}
    shapes = np.array(
        [lookup.get((u, f)) for u, f in zip(assigned["unit_id"], assigned["unit_valid_from"], strict=True)],
        dtype=object,
    )
    return shapely.length(shapely.intersection(geoms, shapes))


def _nearest(
    store: Store,
    features: Any,
    links: Sequence[LevelLink],
    days: Sequence[dt.date],
    origin: str,
    *,
    features_on: dt.date | None = None,
) -> pd.DataFrame:
    out = []
    trees: dict[dt.date, Any] = {}  # one search tree per day the features are taken on
    for link in links:
        versions = store.unit_versions(link.level_id)  # every version once; each day picks the valid ones
        if versions.empty:
            continue
        geoms = versions.geometry.values
        points = shapely.point_on_surface(geoms) if origin == "representative_point" else shapely.centroid(geoms)
        starts = pd.to_datetime(versions["valid_from"]).to_numpy()
        ends = pd.to_datetime(versions["valid_to"]).to_numpy()
        for day in days:
            stamp = np.datetime64(pd.Timestamp(day))
            valid_now = (starts <= stamp) & (np.isnat(ends) | (ends >= stamp))
            if not valid_now.any():
                continue
            on = features_on or day
            if on not in trees:
                valid = (
                    features[
                        (features["valid_from"] <= on) & (features["valid_to"].isna() | (features["valid_to"] >= on))
                    ]
                    if len(features)
                    else features
                )
                trees[on] = shapely.STRtree(valid.geometry.values) if len(valid) else None
            tree = trees[on]
            if tree is None:
                dist = np.full(int(valid_now.sum()), np.nan)
            else:
                _, d = tree.query_nearest(points[valid_now], return_distance=True, all_matches=False)
                dist = np.asarray(d, dtype=float)
            out.append(
                pd.DataFrame(
                    {
                        "level_id": link.level_id,
                        "unit_id": versions["unit_id"].to_numpy()[valid_now],
                        "unit_valid_from": versions["valid_from"].to_numpy()[valid_now],
                        "date": day,
                        "value": dist,
                    }
                )
            )
    if not out:
        return pd.DataFrame(columns=["level_id", "unit_id", "unit_valid_from", "date", "value"])
    return pd.concat(out, ignore_index=True)
