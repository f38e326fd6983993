"""Crosswalks between two sets of units and the re-expression of count series.

A crosswalk says which share of each *source* unit's population (or area) lies in each
*target* unit: rows ``(from_unit, to_unit, weight)`` whose weights sum to 1 for every source
unit. With it, any count series on the source units can be re-expressed on the targets (a
new Gebietsstand) and the totals stay the same.

Three methods:

``area``
    Shares of the source unit's area (areal weighting). Needs only the two boundary sets.
``population``
    Shares of the source unit's residents, estimated from small blocks with known residents:
    each block's residents are split over the pieces it falls into in proportion to area
    (areal weighting at block scale, far better than at unit scale because blocks are small
    and people live where blocks are).
``block-sum``
    Every block is assigned whole to the source/target pair that holds most of its area;
    weights are sums of whole-block residents. Exact when blocks nest in both unit sets.

Source units whose blocks hold nobody fall back to area weights; the rows say so in
``basis``. Pieces below ``min_weight`` (slivers from boundaries digitised differently) are
dropped and the rest renormalised. ``groups`` restricts pairs to the same group, e.g. the
same district when districts did not change, which keeps district totals exact.

Examples
--------
>>> import geopandas as gpd, shapely
>>> old = gpd.GeoDataFrame({"unit_id": ["a"]}, geometry=[shapely.box(0, 0, 2, 1)])
>>> new = gpd.GeoDataFrame({"unit_id": ["x", "y"]},
...                        geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)])
>>> cw = area_crosswalk(old, new)
>>> cw[["from_unit", "to_unit", "weight"]].to_records(index=False).tolist()
[('a', 'x', 0.5), ('a', 'y', 0.5)]
>>> import pandas as pd
>>> series = pd.DataFrame({"unit_id": ["a"], "date": ["2020-12-31"], "value": [7.0]})
>>> reexpress(series, cw, integer=True)[["unit_id", "value"]].to_records(index=False).tolist()
[('x', 4.0), ('y', 3.0)]
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ortswissen.errors import DefinitionError, InvalidInput

__all__ = [
    "CROSSWALK_COLUMNS",
    "CrosswalkMethod",
    "area_crosswalk",
    "check_crosswalk",
    "largest_remainder",
    "population_crosswalk",
    "reexpress",
]

#: Columns of a crosswalk table.
CROSSWALK_COLUMNS = ["from_unit", "to_unit", "weight", "overlap_area", "population", "basis"]

#: Pieces smaller than this share of their source unit are treated as slivers.
DEFAULT_MIN_WEIGHT = 1e-3


class CrosswalkMethod(StrEnum):
    """How crosswalk weights are estimated."""

    AREA = "area"
    POPULATION = "population"
    BLOCK_SUM = "block-sum"


def _pieces(
    source: gpd.GeoDataFrame,
    target: gpd.GeoDataFrame,
    groups: Mapping[str, str] | None,
    target_groups: Mapping[str, str] | None,
) -> pd.DataFrame:
    """Intersections of every source with every target unit: ids, geometry and area."""
    src_geom = np.asarray(source.geometry.values, dtype=object)
    tgt_geom = np.asarray(target.geometry.values, dtype=object)
    tree = shapely.STRtree(tgt_geom)
    si, ti = tree.query(src_geom, predicate="intersects")
    inter = shapely.intersection(src_geom[si], tgt_geom[ti])
    frame = pd.DataFrame(
        {
            "from_unit": source["unit_id"].to_numpy()[si],
            "to_unit": target["unit_id"].to_numpy()[ti],
            "geometry": inter,
            "overlap_area": shapely.area(inter),
        }
    )
    frame = frame[frame["overlap_area"] > 0]
    if groups is not None:
        tg = target_groups if target_groups is not None else groups
        same = [
            (g := groups.get(f)) is not None and g == tg.get(t)
            for f, t in zip(frame["from_unit"], frame["to_unit"], strict=True)
        ]
        frame = frame[np.asarray(same, dtype=bool)]
    return frame.reset_index(drop=True)


def _normalise(frame: pd.DataFrame, amount: str, min_weight: float) -> pd.DataFrame:
    total = frame.groupby("from_unit")[amount].transform("sum")
    share = frame[amount] / total
    kept = frame[(share >= min_weight) | (share == share.groupby(frame["from_unit"]).transform("max"))].copy()
    kept["weight"] = kept[amount] / kept.groupby("from_unit")[amount].transform("sum")
    return kept


def _require_all_sources(source: gpd.GeoDataFrame, frame: pd.DataFrame) -> None:
    missing = sorted(set(source["unit_id"]) - set(frame["from_unit"]))
    if missing:
        shown = ", ".join(missing[:10]) + (" …" if len(missing) > 10 else "")
        raise InvalidInput(f"{len(missing)} source unit(s) overlap no target unit (in the same group): {shown}")


def _check_frames(source: gpd.GeoDataFrame, target: gpd.GeoDataFrame) -> None:
    for name, frame in (("source", source), ("target", target)):
        if "unit_id" not in frame.columns:
            raise DefinitionError(f"the {name} units need a 'unit_id' column")
        if frame["unit_id"].duplicated().any():
            dup = frame.loc[frame["unit_id"].duplicated(), "unit_id"].iloc[0]
            raise InvalidInput(f"the {name} units contain the id {dup!r} twice")
    if source.crs is not None and target.crs is not None and source.crs != target.crs:
        raise DefinitionError("source and target units must be in the same CRS")


def area_crosswalk(
    source: gpd.GeoDataFrame,
    target: gpd.GeoDataFrame,
    *,
    groups: Mapping[str, str] | None = None,
    target_groups: Mapping[str, str] | None = None,
    min_weight: float = DEFAULT_MIN_WEIGHT,
) -> pd.DataFrame:
    """Area-weighted crosswalk from ``source`` to ``target`` units (both with ``unit_id``)."""
    _check_frames(source, target)
    frame = _pieces(source, target, groups, target_groups)
    _require_all_sources(source, frame)
    out = _normalise(frame, "overlap_area", min_weight)
    out["population"] = np.nan
    out["basis"] = "area"
    return _finish(out)


def population_crosswalk(
    source: gpd.GeoDataFrame,
    target: gpd.GeoDataFrame,
    blocks: gpd.GeoDataFrame,
    *,
    population_column: str = "population",
    whole_blocks: bool = False,
    groups: Mapping[str, str] | None = None,
    target_groups: Mapping[str, str] | None = None,
    min_weight: float = DEFAULT_MIN_WEIGHT,
) -> pd.DataFrame:
    """Population-weighted crosswalk estimated from blocks with residents.

    ``whole_blocks=False`` is the ``population`` method (block residents split by area),
    ``True`` the ``block-sum`` method (each block whole to the pair holding most of it).
    """
    _check_frames(source, target)
    if population_column not in blocks.columns:
        raise DefinitionError(f"the blocks have no column {population_column!r}")
    pop = pd.to_numeric(blocks[population_column], errors="coerce").fillna(0.0).to_numpy(dtype=float)
    if (pop < 0).any():
        raise InvalidInput("block populations must not be negative")
    pieces = _pieces(source, target, groups, target_groups)
    _require_all_sources(source, pieces)

    block_geom = np.asarray(blocks.geometry.values, dtype=object)
    block_area = shapely.area(block_geom)
    piece_geom = np.asarray(pieces["geometry"].to_numpy(), dtype=object)
    tree = shapely.STRtree(piece_geom)
    bi, pi = tree.query(block_geom, predicate="intersects")
    # most blocks lie wholly inside one piece: only blocks on a piece boundary need an intersection
    shapely.prepare(piece_geom)
    inside = shapely.covers(piece_geom[pi], block_geom[bi])
    part_area = block_area[bi].astype(float).copy()
    cut = ~inside
    part_area[cut] = shapely.area(shapely.intersection(block_geom[bi[cut]], piece_geom[pi[cut]]))
    parts = pd.DataFrame({"block": bi, "piece": pi, "area": part_area})
    parts = parts[parts["area"] > 0]
    if whole_blocks:
        best = parts.loc[parts.groupby("block")["area"].idxmax()]
        parts = best.assign(people=pop[best["block"].to_numpy()])
    else:
        with np.errstate(invalid="ignore", divide="ignore"):
            share = parts["area"].to_numpy() / block_area[parts["block"].to_numpy()]
        parts = parts.assign(people=pop[parts["block"].to_numpy()] * np.nan_to_num(share))
    people = parts.groupby("piece")["people"].sum()
    pieces["population"] = people.reindex(range(len(pieces)), fill_value=0.0).to_numpy()

    src_pop = pieces.groupby("from_unit")["population"].transform("sum")
    populated = pieces[src_pop > 0]
    empty = pieces[src_pop <= 0]
    parts_out = []
    if not populated.empty:
        weighted = _normalise(populated, "population", min_weight)
        weighted["basis"] = CrosswalkMethod.BLOCK_SUM.value if whole_blocks else CrosswalkMethod.POPULATION.value
        parts_out.append(weighted)
    if not empty.empty:
        fallback = _normalise(empty, "overlap_area", min_weight)
        fallback["basis"] = "area-fallback"
        parts_out.append(fallback)
    return _finish(pd.concat(parts_out, ignore_index=True))


def _finish(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame[["from_unit", "to_unit", "weight", "overlap_area", "population", "basis"]].copy()
    out = out.sort_values(["from_unit", "to_unit"], kind="stable").reset_index(drop=True)
    out["weight"] = out["weight"].astype(float)
    return out


def check_crosswalk(weights: pd.DataFrame, *, tolerance: float = 1e-9) -> None:
    """Raise :class:`InvalidInput` unless every source's weights are in (0, 1] and sum to 1."""
    if weights.empty:
        raise InvalidInput("the crosswalk is empty")
    w = weights["weight"].to_numpy(dtype=float)
    if not np.all(np.isfinite(w)) or (w <= 0).any() or (w > 1 + tolerance).any():
        raise InvalidInput("crosswalk weights must lie in (0, 1]")
    sums = weights.groupby("from_unit")["weight"].sum()
    bad = sums[(sums - 1).abs() > tolerance * max(1, len(weights))]
    if not bad.empty:
        unit, total = bad.index[0], bad.iloc[0]
        raise InvalidInput(f"weights of source unit {unit!r} sum to {total!r}, not 1")


def largest_remainder(total: int, shares: np.ndarray) -> np.ndarray:
    """Split the integer ``total`` by ``shares`` into integers that sum exactly to ``total``.

    >>> largest_remainder(7, np.array([0.5, 0.5])).tolist()
    [4, 3]
    """
    shares = np.asarray(shares, dtype=float)
    if shares.size == 0:
        return np.zeros(0, dtype=np.int64)
    if not np.isfinite(shares).all() or (shares < 0).any() or shares.sum() <= 0:
        raise InvalidInput("largest_remainder needs finite, non-negative shares with a positive sum")
    raw = total * shares / shares.sum()
    base = np.floor(raw).astype(np.int64)
    rest = int(total - base.sum())
    if rest:
        # ties go to the earlier row so the result is deterministic
        order = np.lexsort((np.arange(raw.size), -(raw - base)))
        base[order[:rest]] += 1
    return base


def _split_whole(merged: pd.DataFrame, raw: np.ndarray) -> np.ndarray:
    """Largest-remainder split of each (source, date) value over its targets, vectorised."""
    base = np.floor(raw)
    frac = raw - base
    work = pd.DataFrame(
        {
            "u": merged["unit_id"].to_numpy(),
            "d": merged["date"].to_numpy(),
            "base": base,
            "frac": frac,
            "order": np.arange(len(raw)),
            "value": merged["value"].to_numpy(dtype=float),
        }
    )
    rest = (work["value"] - work.groupby(["u", "d"], sort=False)["base"].transform("sum")).round()
    work["rest"] = rest
    ranked = work.sort_values(["u", "d", "frac", "order"], ascending=[True, True, False, True], kind="stable")
    ranked["rank"] = ranked.groupby(["u", "d"], sort=False).cumcount()
    ranked["part"] = ranked["base"] + (ranked["rank"] < ranked["rest"]).astype(float)
    return ranked.sort_values("order")["part"].to_numpy()


def reexpress(
    values: pd.DataFrame,
    weights: pd.DataFrame,
    *,
    integer: bool = False,
    expected: Mapping[object, set[str]] | None = None,
) -> pd.DataFrame:
    """Re-express a count series on the target units of a crosswalk.

    ``values`` has columns ``unit_id``, ``date`` and ``value`` (plus optional ``status``;
    rows whose value is missing count as missing). A target's value is missing on a date if
    any source feeding it is missing there: a total over an incomplete set would understate
    it silently. ``expected`` names, per date, the sources that should have a value then
    (default: every source on every date); a source that did not exist on a date is not
    missing there. With ``integer=True`` each source's whole-number value is split by largest
    remainder, so every source total, and hence every grand total, is kept exactly.
    Returns ``unit_id``, ``date``, ``value``, ``status`` (``estimated`` or ``missing``).
    """
    check_crosswalk(weights)
    need = {"unit_id", "date", "value"}
    if not need <= set(values.columns):
        raise DefinitionError(f"values need the columns {sorted(need)}")
    known = set(weights["from_unit"])
    vals = values[values["unit_id"].isin(known)].copy()
    vals["value"] = pd.to_numeric(vals["value"], errors="coerce")
    if integer:
        finite = vals["value"].dropna().to_numpy(dtype=float)
        if not (finite == np.round(finite)).all():  # exact: np.allclose would let 100000.5 through
            raise InvalidInput("integer re-expression needs whole-number values")
    merged = vals.merge(weights[["from_unit", "to_unit", "weight"]], left_on="unit_id", right_on="from_unit")
    raw = merged["value"].to_numpy(dtype=float) * merged["weight"].to_numpy(dtype=float)
    if integer:
        merged["part"] = _split_whole(merged, raw)
    else:
        merged["part"] = raw
    keys = [merged["to_unit"], merged["date"]]
    out = merged["part"].groupby(keys, sort=True).sum(min_count=1).to_frame("value")
    out["incomplete"] = merged["part"].isna().groupby(keys, sort=True).any()
    out.index.names = ["to_unit", "date"]
    # sources with no row at all on a date also make their targets incomplete
    dates = vals["date"].unique()
    present = set(zip(vals["unit_id"], vals["date"], strict=True))
    absent = [
        (u, d)
        for d in dates
        for u in sorted(known if expected is None else expected.get(d, set()) & known)
        if (u, d) not in present
    ]
    if absent:
        hit = pd.DataFrame(absent, columns=["from_unit", "date"]).merge(weights[["from_unit", "to_unit"]])
        flagged = set(zip(hit["to_unit"], hit["date"], strict=True))
        out["incomplete"] |= np.array([key in flagged for key in out.index], dtype=bool)
    out.loc[out["incomplete"], "value"] = np.nan
    out["status"] = np.where(out["incomplete"], "missing", "estimated")
    out = out.drop(columns="incomplete").reset_index().rename(columns={"to_unit": "unit_id"})
    return out[["unit_id", "date", "value", "status"]]
