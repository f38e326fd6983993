"""Spatial autocorrelation: contiguity weights, global Moran's I and local Moran's I (LISA).

Weights
-------
:func:`contiguity_weights` builds queen (a shared edge or corner) or rook (a shared edge)
contiguity with libpysal from polygon geometries and row-standardises it. Contiguity is
decided on shared vertices, as in libpysal and GeoDa, so neighbouring polygons must share
their boundary vertices (as units of a clean coverage do). Units without neighbours
(*islands*), including units without a geometry, are listed in ``islands``.

Missing values and islands
--------------------------
:func:`morans_i` and :func:`lisa` drop units with a missing value from the weights
*before* computing anything (the subset weights are rebuilt and row-standardised again),
then drop the units that have no neighbour left (islands of the original weights, and units
whose neighbours all lack a value). The statistics, including the mean and variance of the
values, are computed over the remaining units; the dropped ones are reported (and get the
LISA cluster ``"missing"`` / ``"no neighbours"``).

Permutation inference
---------------------
The statistics themselves come from ``esda.Moran`` and ``esda.Moran_Local``. The
pseudo p-values ``p_sim`` follow esda's definitions (global: random permutations of all
values; local: conditional permutation of the other values around each unit; ``p_sim =
(m + 1) / (permutations + 1)`` with ``m = min(#simulated >= observed, #simulated <
observed)``, the "folded" one-sided test; a simulated value equal to the observed one up
to floating point noise counts as equal) but are computed here with a private
``numpy.random.Generator(seed)``: ``esda.Moran`` draws from numpy's global random state
and cannot be seeded, and esda's seeded conditional permutation re-seeds the global state
and emits a ``DeprecationWarning`` about its alternative hypothesis that ``Moran_Local``
cannot switch off. The same ``seed`` and ``permutations`` give the same p-values on every
run and in every thread.

Examples
--------
>>> from shapely import box
>>> cells = [box(col, row, col + 1, row + 1) for row in range(3) for col in range(3)]
>>> w = contiguity_weights(cells, [f"c{i}" for i in range(9)], rule="rook")
>>> checkerboard = pd.Series([(i // 3 + i % 3) % 2 for i in range(9)], index=w.ids, dtype=float)
>>> result = morans_i(checkerboard, w, permutations=99, seed=1)
>>> round(result["I"], 6), result["n"], result["p_sim"]
(-1.0, 9, 0.01)
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from numbers import Real
from typing import Any, Literal

import esda
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from libpysal.weights import Queen, Rook, W
from scipy import sparse

from ortswissen.analysis.stats import as_float_series
from ortswissen.errors import InvalidInput

__all__ = [
    "CLUSTERS",
    "MAX_PERMUTATIONS",
    "QUADRANTS",
    "SpatialWeights",
    "contiguity_weights",
    "lisa",
    "morans_i",
]

MAX_PERMUTATIONS = 99_999
"""Upper limit for ``permutations``."""

QUADRANTS: tuple[str, ...] = ("HH", "LH", "LL", "HL")
"""Moran scatter plot quadrants (own value, neighbours' mean): esda's ``q`` 1–4."""

CLUSTERS: tuple[str, ...] = (*QUADRANTS, "not significant", "no neighbours", "missing")
"""Every LISA ``cluster`` label."""

_MIN_UNITS = 3
_TIE_RTOL = 1e-9
_TIE_ATOL = 1e-6


@dataclass(frozen=True)
class SpatialWeights:
    """Row-standardised spatial weights with their unit ids.

    Attributes
    ----------
    w : libpysal.weights.W
        The weights, row-standardised (``transform == "R"``), in the order of ``ids``.
    ids : list
        The unit ids.
    islands : list
        Ids of units without any neighbour (includes ``without_geometry``).
    without_geometry : list
        Ids of units whose geometry was missing or empty.
    rule : {"queen", "rook"}
        The contiguity rule.
    """

    w: W
    ids: list[Hashable]
    islands: list[Hashable]
    without_geometry: list[Hashable]
    rule: str

    @property
    def n(self) -> int:
        """The number of units."""
        return len(self.ids)

    def neighbours(self, unit_id: Hashable) -> list[Hashable]:
        """The neighbours of a unit.

        Examples
        --------
        >>> from shapely import box
        >>> w = contiguity_weights([box(0, 0, 1, 1), box(1, 0, 2, 1), box(5, 5, 6, 6)], ["a", "b", "c"])
        >>> w.neighbours("a"), w.neighbours("c"), w.islands
        (['b'], [], ['c'])
        """
        if unit_id not in self.w.neighbors:
            raise InvalidInput(f"unknown unit {unit_id!r} in the spatial weights")
        return list(self.w.neighbors[unit_id])


def contiguity_weights(
    geometries: gpd.GeoSeries | Sequence[Any],
    ids: Sequence[Hashable] | None = None,
    *,
    rule: Literal["queen", "rook"] = "queen",
) -> SpatialWeights:
    """Row-standardised contiguity weights of polygons.

    Parameters
    ----------
    geometries : geopandas.GeoSeries or sequence of shapely geometries
        Polygons or multipolygons, one per unit; ``None`` or empty geometries are allowed
        and become islands.
    ids : sequence, optional
        The unit ids, in the order of ``geometries``; default: the index of a GeoSeries.
    rule : {"queen", "rook"}
        ``"queen"``: units sharing an edge or a corner are neighbours; ``"rook"``: only
        units sharing an edge.

    Examples
    --------
    >>> from shapely import box
    >>> cells = [box(0, 0, 1, 1), box(1, 0, 2, 1), box(1, 1, 2, 2)]
    >>> queen = contiguity_weights(cells, ["a", "b", "c"])
    >>> queen.neighbours("a"), queen.w.weights["b"]
    (['b', 'c'], [0.5, 0.5])
    >>> contiguity_weights(cells, ["a", "b", "c"], rule="rook").neighbours("a")
    ['b']
    """
    if rule not in ("queen", "rook"):
        raise InvalidInput(f"rule must be 'queen' or 'rook', got {rule!r}")
    geoms = list(geometries)
    if ids is None:
        if not isinstance(geometries, gpd.GeoSeries):
            raise InvalidInput("ids are needed unless geometries is a GeoSeries (whose index gives them)")
        ids = list(geometries.index)
    unit_ids = list(ids)
    if len(unit_ids) != len(geoms):
        raise InvalidInput(f"{len(geoms)} geometries but {len(unit_ids)} ids")
    if len(set(unit_ids)) != len(unit_ids):
        seen: set[Hashable] = set()
        duplicated = [unit for unit in unit_ids if unit in seen or seen.add(unit)]  # type: ignore[func-returns-value]
        raise InvalidInput(f"duplicate unit ids: {duplicated[:5]!r}")
    if not unit_ids:
        raise InvalidInput("no geometries given")

    present: list[int] = []
    for position, geom in enumerate(geoms):
        if geom is None or (isinstance(geom, float) and math.isnan(geom)):
            continue
        if not isinstance(geom, shapely.Geometry):
            raise InvalidInput(f"unit {unit_ids[position]!r}: not a shapely geometry: {type(geom).__name__}")
        if geom.is_empty:
            continue
        if geom.geom_type not in ("Polygon", "MultiPolygon"):
            raise InvalidInput(f"unit {unit_ids[position]!r}: contiguity needs polygons, got a {geom.geom_type}")
        present.append(position)
    without_geometry = [unit_ids[i] for i in range(len(unit_ids)) if i not in set(present)]

    neighbours: dict[Hashable, list[Hashable]] = {unit: [] for unit in unit_ids}
    if present:
        builder = Queen if rule == "queen" else Rook
        built = builder.from_iterable(
            [geoms[i] for i in present], ids=[unit_ids[i] for i in present], silence_warnings=True
        )
        rank = {unit: position for position, unit in enumerate(unit_ids)}
        # libpysal collects neighbours in sets: sort them for a reproducible order
        neighbours.update({unit: sorted(built.neighbors[unit], key=rank.__getitem__) for unit in built.id_order})
    w = _row_standardised(neighbours, None, unit_ids)
    return SpatialWeights(
        w=w,
        ids=unit_ids,
        islands=[unit for unit in unit_ids if not neighbours[unit]],
        without_geometry=without_geometry,
        rule=rule,
    )


def _row_standardised(
    neighbours: dict[Hashable, list[Hashable]],
    weights: dict[Hashable, list[float]] | None,
    order: list[Hashable],
) -> W:
    """A row-standardised libpysal W (islands and disconnected parts are reported, not warned)."""
    w = W(neighbours, weights, id_order=order, silence_warnings=True)
    w.transform = "r"
    return w


# -- preparing values and weights ----------------------------------------------------------------


@dataclass(frozen=True)
class _Prepared:
    """Values and weights restricted to the units that take part."""

    ids: list[Hashable]  # all units of the weights
    used: list[Hashable]  # units that take part, in weights order
    y: np.ndarray  # their values
    w: W  # their row-standardised weights
    missing: list[Hashable]
    islands: list[Hashable]


def _prepare(values: pd.Series, weights: SpatialWeights | W) -> _Prepared:
    """Drop missing values from the weights, then the units left without neighbours."""
    if isinstance(weights, SpatialWeights):
        w = weights.w
    elif isinstance(weights, W):
        w = weights
    else:
        raise InvalidInput(f"w must be SpatialWeights or a libpysal W, got {type(weights).__name__}")
    ids = list(w.id_order)
    series = as_float_series(values)
    unknown = series.index[~series.index.isin(ids)]
    if len(unknown):
        raise InvalidInput(f"values for unit(s) that are not in the weights: {list(unknown[:5])!r}")
    aligned = series.reindex(ids).to_numpy()
    missing = [unit for unit, value in zip(ids, aligned, strict=True) if math.isnan(value)]
    keep = {unit for unit, value in zip(ids, aligned, strict=True) if not math.isnan(value)}

    neighbours: dict[Hashable, list[Hashable]] = {}
    kept_weights: dict[Hashable, list[float]] = {}
    for unit in ids:
        if unit not in keep:
            continue
        pairs = [(j, wij) for j, wij in zip(w.neighbors[unit], w.weights[unit], strict=True) if j in keep and wij]
        neighbours[unit] = [j for j, _ in pairs]
        kept_weights[unit] = [float(wij) for _, wij in pairs]
    islands = [unit for unit in ids if unit in keep and not neighbours[unit]]
    used = [unit for unit in ids if unit in keep and neighbours[unit]]
    if len(used) < _MIN_UNITS:
        raise InvalidInput(
            f"spatial autocorrelation needs at least {_MIN_UNITS} units with a value and a neighbour "
            f"with a value, found {len(used)} ({len(missing)} missing, {len(islands)} without neighbours)"
        )
    position = dict(zip(ids, aligned, strict=True))
    y = np.array([position[unit] for unit in used])
    if np.all(y == y[0]):
        raise InvalidInput("all values are equal; spatial autocorrelation is undefined")
    sub = _row_standardised(
        {unit: neighbours[unit] for unit in used}, {unit: kept_weights[unit] for unit in used}, used
    )
    return _Prepared(ids=ids, used=used, y=y, w=sub, missing=missing, islands=islands)


def _check_permutations(permutations: int, *, minimum: int) -> None:
    if isinstance(permutations, bool) or not isinstance(permutations, int | np.integer):
        raise InvalidInput(f"permutations must be an integer, got {permutations!r}")
    if not minimum <= permutations <= MAX_PERMUTATIONS:
        raise InvalidInput(f"permutations must be between {minimum} and {MAX_PERMUTATIONS}, got {permutations}")


def _folded_p(simulated: np.ndarray, observed: np.ndarray | float) -> np.ndarray:
    """Pseudo p-value as in esda: ``(min(#sim >= obs, #sim < obs) + 1) / (permutations + 1)``, per row.

    A simulated value that equals the observed one up to floating point noise (relative
    ``1e-9``) counts as equal: with tied data the same statistic computed in another order
    must not fall on either side by chance.
    """
    permutations = simulated.shape[-1]
    observed = np.expand_dims(observed, -1)
    tolerance = _TIE_RTOL * np.maximum(np.abs(observed), _TIE_ATOL)
    larger = (simulated >= observed - tolerance).sum(axis=-1)
    larger = np.minimum(larger, permutations - larger)
    return (larger + 1.0) / (permutations + 1.0)


# -- global Moran's I ----------------------------------------------------------------------------


def morans_i(values: pd.Series, w: SpatialWeights | W, *, permutations: int = 999, seed: int = 0) -> dict[str, Any]:
    """Global Moran's I of ``values`` with the given weights.

    ``I = (n / S0) · (zᵀ W z) / (zᵀ z)`` with ``z`` the deviations from the mean and ``S0`` the
    sum of all weights, over the units with a value and a neighbour with a value (see the
    module docstring).

    Parameters
    ----------
    values : pandas.Series
        One value per unit, indexed by the ids of ``w``; units of ``w`` without an entry
        count as missing.
    w : SpatialWeights or libpysal.weights.W
        Spatial weights, e.g. from :func:`contiguity_weights`.
    permutations : int
        Number of random permutations for ``p_sim`` (0: no permutation test).
    seed : int
        Seed of the random number generator for the permutations.

    Returns
    -------
    dict
        ``I``; ``expected_I`` (``-1 / (n - 1)``); ``z`` and ``p_norm`` (two-sided, under the
        normality assumption, as esda's ``z_norm`` / ``p_norm``); ``p_sim`` (``None`` without
        permutations); ``permutations``; ``seed``; ``n`` (units used); ``missing`` and
        ``islands`` (ids of the units left out).

    Examples
    --------
    >>> from shapely import box
    >>> cells = [box(col, row, col + 1, row + 1) for row in range(4) for col in range(4)]
    >>> w = contiguity_weights(cells, list(range(16)), rule="rook")
    >>> gradient = pd.Series([float(i % 4) for i in range(16)])
    >>> result = morans_i(gradient, w)
    >>> round(result["I"], 4), round(result["expected_I"], 4), result["p_sim"] < 0.01
    (0.75, -0.0667, True)
    """
    _check_permutations(permutations, minimum=0)
    prepared = _prepare(values, w)
    # esda also computes the variance under randomisation, which divides by (n - 3) and can
    # be negative for tiny n; it is not reported, so its floating point warnings are muted
    # (np.errstate is local to this thread/context, unlike the warnings filters).
    with np.errstate(divide="ignore", invalid="ignore"):
        moran = esda.Moran(prepared.y, prepared.w, transformation="r", permutations=0, two_tailed=True)
    p_sim = None
    if permutations:
        simulated = _global_permutations(prepared.y, prepared.w, permutations, seed)
        p_sim = float(_folded_p(simulated, float(moran.I)))
    return {
        "I": float(moran.I),
        "expected_I": float(moran.EI),
        "z": float(moran.z_norm),
        "p_norm": float(moran.p_norm),
        "p_sim": p_sim,
        "permutations": int(permutations),
        "seed": seed,
        "n": len(prepared.used),
        "missing": prepared.missing,
        "islands": prepared.islands,
    }


def _global_permutations(y: np.ndarray, w: W, permutations: int, seed: int) -> np.ndarray:
    """Moran's I of ``permutations`` random permutations of ``y``."""
    rng = np.random.default_rng(seed)
    matrix = sparse.csr_matrix(w.sparse)
    z = y - y.mean()
    scale = len(z) / matrix.sum() / float(z @ z)
    simulated = np.empty(permutations)
    chunk = 256
    for start in range(0, permutations, chunk):
        count = min(chunk, permutations - start)
        shuffled = rng.permuted(np.tile(z, (count, 1)), axis=1)
        lag = (matrix @ shuffled.T).T
        simulated[start : start + count] = scale * np.einsum("ij,ij->i", shuffled, lag)
    return simulated


# -- local Moran's I (LISA) ----------------------------------------------------------------------


def lisa(
    values: pd.Series,
    w: SpatialWeights | W,
    *,
    permutations: int = 999,
    seed: int = 0,
    significance: float = 0.05,
) -> pd.DataFrame:
    """Local Moran's I (LISA) per unit with its quadrant and significant cluster.

    ``local_i = (n - 1) · zᵢ · Σⱼ wᵢⱼ zⱼ / Σₖ zₖ²`` (esda's definition) with ``z`` the
    deviations from the mean of the units used.

    Parameters
    ----------
    values, w
        As for :func:`morans_i`.
    permutations : int
        Conditional permutations per unit for ``p_sim`` (at least 1).
    seed : int
        Seed of the random number generator.
    significance : float
        A unit belongs to its quadrant's cluster when ``p_sim < significance``.

    Returns
    -------
    pandas.DataFrame
        Indexed by the ids of ``w`` (all units, in weights order) with columns ``local_i``,
        ``quadrant`` (``"HH"``: high value, high neighbours; ``"LH"``; ``"LL"``; ``"HL"``; a
        value equal to the mean counts as low), ``p_sim`` and ``cluster`` (the quadrant when
        significant, else ``"not significant"``). Units with a missing value get cluster
        ``"missing"``, units without a neighbour with a value ``"no neighbours"``; their
        other columns are NaN / ``None``.

    Examples
    --------
    >>> from shapely import box
    >>> cells = [box(col, row, col + 1, row + 1) for row in range(5) for col in range(5)]
    >>> w = contiguity_weights(cells, list(range(25)))
    >>> hot = pd.Series([10.0 if i in (0, 1, 5, 6) else 1.0 for i in range(25)])
    >>> hot[3] = None
    >>> result = lisa(hot, w)
    >>> result.loc[[0, 3, 24], ["quadrant", "cluster"]]
       quadrant   cluster
    0        HH        HH
    3      None   missing
    24       LL  not significant
    """
    _check_permutations(permutations, minimum=1)
    if isinstance(significance, bool) or not isinstance(significance, Real) or not 0 < significance < 1:
        raise InvalidInput(f"significance must lie between 0 and 1, got {significance!r}")
    prepared = _prepare(values, w)
    local = esda.Moran_Local(prepared.y, prepared.w, transformation="r", permutations=0)
    observed = np.asarray(local.Is, dtype="float64")
    quadrant = [QUADRANTS[int(q) - 1] for q in local.q]
    p_sim = _conditional_p(np.asarray(local.z, dtype="float64"), prepared.w, observed, permutations, seed)

    frame = pd.DataFrame(
        {
            "local_i": np.nan,
            "quadrant": pd.Series([None] * len(prepared.ids), dtype=object, index=prepared.ids),
            "p_sim": np.nan,
            "cluster": pd.Series(["missing"] * len(prepared.ids), dtype=object, index=prepared.ids),
        },
        index=pd.Index(prepared.ids),
    )
    frame.loc[prepared.islands, "cluster"] = "no neighbours"
    frame.loc[prepared.used, "local_i"] = observed
    frame.loc[prepared.used, "quadrant"] = quadrant
    frame.loc[prepared.used, "p_sim"] = p_sim
    frame.loc[prepared.used, "cluster"] = [
        q if p < significance else "not significant" for q, p in zip(quadrant, p_sim, strict=True)
    ]
    return frame


def _conditional_p(z: np.ndarray, w: W, observed: np.ndarray, permutations: int, seed: int) -> np.ndarray:
    """Pseudo p-values of local Moran's I by conditional permutation (as esda's ``crand``).

    For unit ``i`` with ``kᵢ`` neighbours each permutation draws ``kᵢ`` of the other ``n - 1``
    values without replacement as its neighbours; the draws of a permutation are shared by
    all units (the first ``kᵢ`` of ``max k`` draws), which is what esda does too.
    """
    n = len(z)
    matrix = sparse.csr_matrix(w.sparse)
    matrix.sort_indices()
    cardinality = np.diff(matrix.indptr)
    rng = np.random.default_rng(seed)
    draws = np.stack([rng.choice(n - 1, size=int(cardinality.max()), replace=False) for _ in range(permutations)])
    scale = (n - 1) / float(z @ z)
    p = np.empty(n)
    for i in range(n):
        row = slice(matrix.indptr[i], matrix.indptr[i + 1])
        picked = draws[:, : cardinality[i]]
        others = picked + (picked >= i)  # skip unit i itself
        simulated = scale * z[i] * (z[others] @ matrix.data[row])
        p[i] = _folded_p(simulated, observed[i])
    return p
