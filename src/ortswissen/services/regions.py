"""Use cases of quarters: delineate them from a level's units, type them, save them as a level.

:func:`delineate_level` reads the units of a level (blocks by default) valid on a date, their
population and attribute indicators and unit attributes, builds the unit graph (contiguity with
a tolerance for street space, nesting borders and barrier georesources cut out), optionally
models flows to facility georesources, runs the solver of :mod:`ortswissen.regions` and, when
asked, saves the result as a new level: dissolved geometries, parent links to the nesting
level, a membership crosswalk from the units, and the chosen count indicators re-expressed on
it. :func:`type_quarters` clusters the units of a level into types on chosen indicators.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pydantic import BaseModel, ConfigDict, Field, model_validator

from ortswissen.errors import InvalidInput, NotFound
from ortswissen.ports import CrosswalkInfo, Store
from ortswissen.regions import (
    Delineation,
    StreetNetwork,
    Typology,
    UnitGraph,
    delineate,
    distance_decay_flows,
    flow_profiles,
    one_hot,
    standardise,
    typology,
)
from ortswissen.services._progress import NO_PROGRESS, Progress
from ortswissen.services._provenance import new_import_id, now
from ortswissen.units import ID_PATTERN, Level

__all__ = [
    "AttributeInput",
    "DelineationOutcome",
    "DelineationSpec",
    "FlowInput",
    "delineate_level",
    "type_quarters",
]


class AttributeInput(BaseModel):
    """One similarity input: an indicator (numeric) or a unit attribute (numeric or categorical)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    indicator: str | None = None
    attribute: str | None = None
    date: dt.date | None = None  # indicator values of this date (default: the delineation's date)
    weight: float = Field(1.0, ge=0)
    categorical: bool = False  # a unit attribute taken as categories (one-hot)
    per_population: bool = False  # an indicator count divided by the unit's population

    @model_validator(mode="after")
    def _one_source(self) -> AttributeInput:
        if (self.indicator is None) == (self.attribute is None):
            raise ValueError("give exactly one of indicator or attribute")
        return self


class FlowInput(BaseModel):
    """Modelled flows from units to the facilities of a georesource (distance decay)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    georesource: str
    date: dt.date | None = None  # facilities valid on this day (default: the delineation's date)
    scale: float = Field(500.0, gt=0)  # m: the distance at which attraction falls to 1/e
    nearest: int = Field(8, ge=1, le=50)
    weight: float = Field(1.0, ge=0)  # weight of the flow profile in the feature space


class DelineationSpec(BaseModel):
    """Everything a delineation is made of; recorded with the saved level."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    level: str = "block"
    date: dt.date
    population: str
    population_date: dt.date | None = None
    attributes: list[AttributeInput] = Field(default_factory=list)
    flows: list[FlowInput] = Field(default_factory=list)
    flow_dimensions: int = Field(6, ge=1, le=50)
    flow_weight: float = Field(0.0, ge=0)  # λ_F: weight of cut flows in the polish
    nest_level: str | None = None
    barriers: list[str] = Field(default_factory=list)  # georesources of lines or areas
    crossings: list[str] = Field(default_factory=list)  # georesources of points
    crossing_radius: float = Field(75.0, ge=0)
    streets: str | None = None  # georesource of street lines: reach is then walked along them
    contiguity: Literal["queen", "rook"] = "queen"
    tolerance: float = Field(0.0, ge=0, le=500)  # m: units this close count as neighbours
    n_regions: int | None = Field(None, ge=1)
    target_population: float | None = Field(None, gt=0)
    floor: float = Field(0.0, ge=0)
    cap: float | None = Field(None, gt=0)
    reach: float | None = Field(None, gt=0)
    compactness: float = Field(0.2, ge=0)
    #: components below the floor: raise an error naming them, keep them as regions of their own
    #: (reported), or bridge them to the nearest component of the same nesting unit first (an error
    #: names those that still fall short)
    small_components: Literal["raise", "keep", "bridge"] = "raise"
    bridge_distance: float | None = Field(None, gt=0)  # m: the longest bridge allowed
    seed: int = 0
    stability_runs: int = Field(0, ge=0, le=50)
    reference_level: str | None = None
    reference_date: dt.date | None = None  # the reference's units of this day (default: ``date``)
    save_as: str | None = Field(None, pattern=ID_PATTERN.pattern)
    name_de: str | None = None
    name_en: str | None = None
    reexpress: list[str] = Field(default_factory=list)  # count indicators of the level to put on the quarters

    @model_validator(mode="after")
    def _size_given(self) -> DelineationSpec:
        if self.n_regions is None and self.target_population is None:
            raise ValueError("give n_regions or target_population")
        if not self.attributes and not self.flows:
            raise ValueError("give at least one attribute or flow input to measure similarity")
        return self


@dataclass
class DelineationOutcome:
    """The delineation, the units it grouped, and what was saved."""

    delineation: Delineation
    unit_ids: list[str]
    region_ids: list[str]
    features: list[str]
    saved_level: str | None = None
    crosswalk_id: str | None = None
    reexpressed: int = 0
    details: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """A JSON-ready account: parameters, metrics, timings, problems and what was saved."""
        d = self.delineation
        metrics = {k: v for k, v in d.metrics.items() if k != "stability"}
        if "stability" in d.metrics:
            metrics["stability"] = {k: v for k, v in d.metrics["stability"].items() if k != "unit_confidence"}
        return {
            "method": d.method,
            "params": d.params,
            "features": self.features,
            "metrics": metrics,
            "timings": {k: round(v, 4) for k, v in d.timings.items()},
            "problems": d.problems,
            "saved_level": self.saved_level,
            "crosswalk": self.crosswalk_id,
            "reexpressed_values": self.reexpressed,
            **self.details,
        }


def _values(store: Store, indicator: str, level: str, day: dt.date, unit_ids: list[str]) -> np.ndarray:
    store.get_indicator(indicator)  # NotFound names the indicator
    frame = store.read_values([indicator], level_id=level, dates=[day])
    if len(frame) == 0:
        raise InvalidInput(f"no values of {indicator!r} on level {level!r} on {day.isoformat()}")
    series = frame.drop_duplicates("unit_id").set_index("unit_id")["value"]
    return series.reindex(unit_ids).to_numpy(dtype=float)


def _assign(units: gpd.GeoDataFrame, other: gpd.GeoDataFrame) -> np.ndarray:
    """The id of the ``other`` unit containing each unit's representative point (None outside)."""
    points = shapely.point_on_surface(units.geometry.values)
    tree = shapely.STRtree(other.geometry.values)
    src, dst = tree.query(points, predicate="within")
    out = np.full(len(units), None, dtype=object)
    out[src] = other["unit_id"].to_numpy()[dst]
    return out


def _features(
    store: Store, spec: DelineationSpec, units: gpd.GeoDataFrame, pop: np.ndarray
) -> tuple[np.ndarray, list[str], Any, dict[str, Any]]:
    ids = units["unit_id"].tolist()
    blocks: list[np.ndarray] = []
    names: list[str] = []
    details: dict[str, Any] = {}
    numeric: list[np.ndarray] = []
    numeric_weights: list[float] = []
    for a in spec.attributes:
        if a.indicator is not None:
            col = _values(store, a.indicator, spec.level, a.date or spec.date, ids)
            if a.per_population:
                with np.errstate(divide="ignore", invalid="ignore"):
                    col = np.where(pop > 0, col / pop, np.nan)
            numeric.append(col)
            numeric_weights.append(a.weight)
            names.append(a.indicator + (" / population" if a.per_population else ""))
            continue
        raw = [attrs.get(a.attribute) if isinstance(attrs, dict) else None for attrs in units["attributes"]]
        if all(v is None for v in raw):
            raise InvalidInput(f"no unit of level {spec.level!r} has the attribute {a.attribute!r}")
        if a.categorical:
            cols, cats = one_hot(raw, a.weight)
            blocks.append(cols)
            names.extend(f"{a.attribute}={c}" for c in cats)
        else:
            try:
                numeric.append(np.array([np.nan if v is None else float(v) for v in raw]))
            except (TypeError, ValueError) as exc:
                raise InvalidInput(
                    f"attribute {a.attribute!r} is not numeric; use categorical: true for categories"
                ) from exc
            numeric_weights.append(a.weight)
            names.append(str(a.attribute))
    if numeric:
        blocks.insert(0, standardise(np.column_stack(numeric), numeric_weights))
    unit_flows = None
    if spec.flows:
        centroids = shapely.get_coordinates(shapely.point_on_surface(units.geometry.values))
        total = None
        for f in spec.flows:
            day = f.date or spec.date
            facilities = store.features(f.georesource, at=day)
            points = facilities.geometry.values
            if len(points) == 0:
                raise InvalidInput(f"georesource {f.georesource!r} has no features valid on {day.isoformat()}")
            xy = shapely.get_coordinates(shapely.point_on_surface(points))
            od = distance_decay_flows(centroids, pop, xy, scale=f.scale, nearest=f.nearest)
            prof, explained = flow_profiles(od, dimensions=spec.flow_dimensions, weight=f.weight, seed=spec.seed)
            blocks.append(prof)
            names.extend(f"{f.georesource} flow profile {i + 1}" for i in range(prof.shape[1]))
            details.setdefault("flows", []).append(
                {
                    "georesource": f.georesource,
                    "date": day.isoformat(),
                    "facilities": len(points),
                    "explained": round(explained, 4),
                    "modelled": "distance decay",
                    "scale_m": f.scale,
                }
            )
            # unit → unit flows: each facility counts in the unit whose centroid is nearest
            from scipy import sparse
            from scipy.spatial import cKDTree

            host = cKDTree(centroids).query(xy)[1]
            to_unit = sparse.csr_matrix((np.ones(len(xy)), (np.arange(len(xy)), host)), shape=(len(xy), len(ids)))
            uu = od @ to_unit
            total = uu if total is None else total + uu
        unit_flows = total
    if not blocks:
        raise InvalidInput("no similarity inputs")
    return np.column_stack(blocks), names, unit_flows, details


def delineate_level(
    store: Store,
    spec: DelineationSpec,
    *,
    progress: Progress = NO_PROGRESS,
) -> DelineationOutcome:
    """Delineate quarters from the units of ``spec.level`` (see the module docstring); save them if asked."""
    level = store.get_level(spec.level)
    units = store.unit_versions(level.id, at=spec.date)
    if len(units) == 0:
        raise InvalidInput(f"level {level.id!r} has no units valid on {spec.date.isoformat()}")
    units = units.sort_values("unit_id").reset_index(drop=True)
    ids = units["unit_id"].tolist()
    progress.start(f"Quartiere aus {level.id}", 5)
    pop = np.nan_to_num(_values(store, spec.population, level.id, spec.population_date or spec.date, ids))
    x, names, flows, details = _features(store, spec, units, pop)
    progress.advance()

    graph = UnitGraph.from_geometries(units.geometry.values, ids, contiguity=spec.contiguity, tolerance=spec.tolerance)
    nest = None
    if spec.nest_level:
        nest_units = store.unit_versions(spec.nest_level, at=spec.date)
        if len(nest_units) == 0:
            raise InvalidInput(f"level {spec.nest_level!r} has no units valid on {spec.date.isoformat()}")
        nest = _assign(units, nest_units)
        outside = [ids[i] for i in np.flatnonzero(pd.isna(nest))]
        if outside:
            raise InvalidInput(
                f"{len(outside)} unit(s) lie outside every unit of {spec.nest_level!r}: {', '.join(outside[:10])}"
            )
        graph = graph.cut_between(nest)
    if spec.barriers:
        lines = np.concatenate([store.features(b, at=spec.date).geometry.values for b in spec.barriers])
        points = (
            np.concatenate([store.features(c, at=spec.date).geometry.values for c in spec.crossings])
            if spec.crossings
            else None
        )
        graph = graph.cut_by_barriers(lines, points, crossing_radius=spec.crossing_radius)
    if spec.small_components == "bridge":
        graph = graph.bridge_components(pop, spec.floor, nest, max_distance=spec.bridge_distance)
        if graph.bridges:
            dist = [b[2] for b in graph.bridges]
            details["bridges"] = {
                "count": len(dist),
                "max_distance_m": round(max(dist), 1),
                "median_distance_m": round(float(np.median(dist)), 1),
            }
    progress.advance()

    network = None
    if spec.streets:
        network = StreetNetwork.from_lines(store.features(spec.streets, at=spec.date).geometry.values)
        details["streets"] = {"georesource": spec.streets, "nodes": len(network.nodes)}
    reference = None
    if spec.reference_level:
        ref_day = spec.reference_date or spec.date
        ref_units = store.unit_versions(spec.reference_level, at=ref_day)
        if len(ref_units) == 0:
            raise InvalidInput(f"level {spec.reference_level!r} has no units valid on {ref_day.isoformat()}")
        reference = _assign(units, ref_units)
    result = delineate(
        graph,
        x,
        pop,
        n_regions=spec.n_regions,
        target_population=spec.target_population,
        floor=spec.floor,
        cap=spec.cap,
        reach=spec.reach,
        network=network,
        compactness=spec.compactness,
        flows=flows,
        flow_weight=spec.flow_weight,
        small_components="keep" if spec.small_components == "keep" else "raise",
        seed=spec.seed,
        stability_runs=spec.stability_runs,
        reference=reference,
    )
    progress.advance()
    if reference is not None:
        result.metrics["reference"]["level"] = spec.reference_level
        result.metrics["reference"]["date"] = (spec.reference_date or spec.date).isoformat()
    # region ids: "<nest unit>-<nn>" when nested, else "<save_as or q>-<nnnn>", numbered west → east
    order = _region_order(graph.centroid, result.labels, pop)
    prefix = spec.save_as or "q"
    region_ids = [""] * result.n_regions
    counters: dict[str, int] = {}
    for r in order:
        group = str(nest[np.flatnonzero(result.labels == r)[0]]) if nest is not None else prefix
        counters[group] = counters.get(group, 0) + 1
        region_ids[r] = f"{group}-{counters[group]:02d}" if nest is not None else f"{group}-{counters[group]:04d}"
    outcome = DelineationOutcome(result, ids, [region_ids[r] for r in result.labels], names, details=details)
    if spec.save_as:
        _save(store, spec, level, units, outcome, nest)
    progress.advance()
    progress.finish()
    return outcome


def _region_order(centroid: np.ndarray, labels: np.ndarray, pop: np.ndarray) -> list[int]:
    """Regions ordered north-west to south-east by their population-weighted centres (stable ids)."""
    p = int(labels.max()) + 1
    w = np.where(pop > 0, pop, 1e-9)
    sw = np.bincount(labels, weights=w, minlength=p)
    cx = np.bincount(labels, weights=w * centroid[:, 0], minlength=p) / sw
    cy = np.bincount(labels, weights=w * centroid[:, 1], minlength=p) / sw
    return sorted(range(p), key=lambda r: (-round(cy[r], -2), round(cx[r], -2), r))


def _save(
    store: Store,
    spec: DelineationSpec,
    level: Level,
    units: gpd.GeoDataFrame,
    outcome: DelineationOutcome,
    nest: np.ndarray | None,
) -> None:
    from ortswissen.services.crosswalks import write_crosswalk_values

    assert spec.save_as
    try:
        store.get_level(spec.save_as)
    except NotFound:
        pass
    else:
        raise InvalidInput(f"level {spec.save_as!r} exists already; choose another name for the quarters")
    d = outcome.delineation
    frame = gpd.GeoDataFrame(
        {"region": outcome.region_ids, "unit_id": outcome.unit_ids},
        geometry=units.geometry.values,
        crs=units.crs,
    )
    close = max(spec.tolerance, 0.0) / 2 + 0.01
    pop = np.nan_to_num(_values(store, spec.population, level.id, spec.population_date or spec.date, outcome.unit_ids))
    rows = []
    for rid, part in frame.groupby("region", sort=True):
        geom = shapely.union_all(shapely.buffer(part.geometry.values, close, quad_segs=2))
        geom = shapely.make_valid(shapely.buffer(geom, -close, quad_segs=2))
        parent = None
        if nest is not None:
            parent = str(nest[frame.index[frame["region"] == rid][0]])
        rows.append(
            {
                "unit_id": rid,
                "parent_id": parent,
                "geometry": geom,
                "attributes": {
                    "units": len(part),
                    "population": float(pop[part.index].sum()),
                    "source_level": level.id,
                },
            }
        )
    regions = gpd.GeoDataFrame(rows, geometry="geometry", crs=units.crs)
    import_id = new_import_id("regions")
    new_level = Level(
        spec.save_as,
        spec.name_de or f"Quartiere ({spec.save_as})",
        spec.name_en or f"Quarters ({spec.save_as})",
        parent_id=spec.nest_level,
        nested=spec.nest_level is not None,
        description=f"Delineated from {level.id} on {spec.date.isoformat()} by {d.method}",
        sort_order=90,
    )
    out = gpd.GeoDataFrame(
        {
            "level_id": spec.save_as,
            "unit_id": regions["unit_id"],
            "valid_from": min(units["valid_from"]),
            "valid_to": None,
            "vintage_id": None,
            "name": regions["unit_id"],
            "official_key": None,
            "parent_id": regions["parent_id"],
            "attributes": regions["attributes"],
            "import_id": import_id,
        },
        geometry=regions.geometry.values,
        crs=units.crs,
    )
    valid_from = min(units["valid_from"])
    crosswalk_id = f"{level.id}_to_{spec.save_as}"
    weights = pd.DataFrame(
        {
            "from_unit": outcome.unit_ids,
            "from_valid_from": units["valid_from"].tolist(),
            "to_unit": outcome.region_ids,
            "to_valid_from": valid_from,
            "weight": 1.0,
            "overlap_area": units.geometry.area.to_numpy(),
            "population": pop,
            "basis": "membership",
        }
    )
    info = CrosswalkInfo(
        crosswalk_id,
        level.id,
        spec.date,
        spec.save_as,
        spec.date,
        "block-sum",
        f"membership of the {level.id} units in the delineated quarters",
        params={"delineation": outcome.summary()["params"], "method": d.method},
        created_at=now(),
        pairs=len(weights),
    )
    with store.transaction():
        store.put_level(new_level)
        store.add_unit_versions(out)
        store.put_crosswalk(info, weights)
        store.set_meta(f"delineation:{spec.save_as}", json.dumps(outcome.summary(), default=str))
    outcome.saved_level = spec.save_as
    outcome.crosswalk_id = crosswalk_id
    if spec.reexpress:
        values = _membership_sums(
            store, level.id, spec.reexpress, dict(zip(outcome.unit_ids, outcome.region_ids, strict=True))
        )
        values["unit_valid_from"] = valid_from
        write_crosswalk_values(store, info, values)
        outcome.reexpressed = len(values)


def _membership_sums(store: Store, level: str, indicators: list[str], region_of: dict[str, str]) -> pd.DataFrame:
    """Sums of count indicators over each region's units, per date.

    A region whose units all have a value gets status ``ok``; one where only some have a value
    gets the sum of those, status ``estimated``; one where none has a value stays ``missing``.
    """
    frames = []
    members = pd.Series(region_of).value_counts()
    for indicator in indicators:
        meta = store.get_indicator(indicator)
        if meta.aggregation.method.value != "sum":
            raise InvalidInput(
                f"indicator {indicator!r} is aggregated by {meta.aggregation.method.value!r}; only sums can be "
                "put on the quarters by membership (shares follow from their counts)"
            )
        values = store.read_values([indicator], level_id=level, scenario="observed")
        values = values[values["unit_id"].isin(region_of.keys())]
        if values.empty:
            continue
        values = values.assign(region=values["unit_id"].map(region_of))
        known = values[values["value"].notna()]
        sums = known.groupby(["region", "date"])["value"].agg(["sum", "size"])
        for day in sorted(values["date"].unique()):
            s = sums.xs(day, level="date") if day in sums.index.get_level_values("date") else pd.DataFrame()
            full = s.reindex(members.index)
            status = np.where(
                full["size"].isna(), "missing", np.where(full["size"] >= members.to_numpy(), "ok", "estimated")
            )
            frames.append(
                pd.DataFrame(
                    {
                        "indicator_id": indicator,
                        "unit_id": members.index,
                        "date": day,
                        "value": np.where(status == "missing", np.nan, full["sum"].to_numpy()),
                        "status": status,
                    }
                )
            )
    return (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(columns=["indicator_id", "unit_id", "date", "value", "status"])
    )


def type_quarters(
    store: Store,
    level: str,
    date: dt.date,
    indicators: list[str],
    *,
    method: str = "kmeans",
    k: int | None = None,
    k_range: tuple[int, int] = (2, 8),
    weight_indicator: str | None = None,
    relative_to: str | None = None,
    seed: int = 0,
) -> tuple[list[str], Typology]:
    """Types of the units of ``level`` on ``date`` from ``indicators`` (see :func:`ortswissen.regions.typology`).

    ``relative_to``: divide every indicator by this indicator (e.g. counts per resident), or by
    their sum with ``"sum"`` (a composition, e.g. buildings by construction period).
    """
    store.get_level(level)
    units = store.unit_versions(level, at=date, geometry=False)
    if len(units) == 0:
        raise InvalidInput(f"level {level!r} has no units valid on {date.isoformat()}")
    ids = sorted(units["unit_id"].tolist())
    values = np.column_stack([_values(store, i, level, date, ids) for i in indicators])
    if relative_to is not None:
        base = np.nansum(values, axis=1) if relative_to == "sum" else _values(store, relative_to, level, date, ids)
        with np.errstate(divide="ignore", invalid="ignore"):
            values = np.where(base[:, None] > 0, values / base[:, None], np.nan)
    keep = ~np.isnan(values).all(axis=1)
    weights = _values(store, weight_indicator, level, date, ids)[keep] if weight_indicator else None
    result = typology(values[keep], indicators, method=method, k=k, k_range=k_range, weights=weights, seed=seed)
    return [i for i, ok in zip(ids, keep, strict=True) if ok], result
