"""Tests for ``ortswissen.analysis.spatial``: contiguity weights, Moran's I and LISA.

The weights of the square grids are written down by index arithmetic here (rook: the four
edge neighbours, queen: the eight surrounding cells), and Moran's I, its moments and local
Moran's I are computed with the textbook formulas in numpy; permutation p-values are
checked against exact probabilities from a full enumeration.
"""

from __future__ import annotations

import itertools
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from libpysal.weights import W
from shapely import Point, box

from ortswissen.analysis.spatial import CLUSTERS, SpatialWeights, contiguity_weights, lisa, morans_i
from ortswissen.errors import InvalidInput


def _grid(size: int) -> tuple[list[object], list[str]]:
    """``size`` x ``size`` unit squares, row by row, ids ``r{row}c{col}``."""
    cells = [box(col, row, col + 1, row + 1) for row in range(size) for col in range(size)]
    return cells, [f"r{row}c{col}" for row in range(size) for col in range(size)]


def _hand_weights(size: int, rule: str) -> np.ndarray:
    """Row-standardised contiguity matrix of the grid by index arithmetic."""
    n = size * size
    matrix = np.zeros((n, n))
    steps = [(-1, 0), (1, 0), (0, -1), (0, 1)]
    if rule == "queen":
        steps += [(-1, -1), (-1, 1), (1, -1), (1, 1)]
    for row, col in itertools.product(range(size), range(size)):
        for dr, dc in steps:
            if 0 <= row + dr < size and 0 <= col + dc < size:
                matrix[row * size + col, (row + dr) * size + col + dc] = 1.0
    return matrix / matrix.sum(axis=1, keepdims=True)


def _moran(y: np.ndarray, matrix: np.ndarray) -> float:
    """I = (n / S0) (z' W z) / (z' z)."""
    z = y - y.mean()
    return len(y) / matrix.sum() * (z @ matrix @ z) / (z @ z)


def _checkerboard(size: int) -> np.ndarray:
    return np.array([float((row + col) % 2) for row in range(size) for col in range(size)])


# -- weights -------------------------------------------------------------------------------------


@pytest.mark.parametrize("rule", ["queen", "rook"])
def test_contiguity_weights_match_hand_built_grid(rule: str) -> None:
    cells, ids = _grid(3)
    w = contiguity_weights(cells, ids, rule=rule)  # type: ignore[arg-type]
    assert w.ids == ids
    assert w.islands == []
    assert w.rule == rule
    assert w.n == 9
    assert w.w.transform == "R"
    np.testing.assert_allclose(w.w.sparse.toarray(), _hand_weights(3, rule))
    centre = w.neighbours("r1c1")
    if rule == "queen":
        assert centre == ["r0c0", "r0c1", "r0c2", "r1c0", "r1c2", "r2c0", "r2c1", "r2c2"]
        assert w.w.weights["r0c0"] == [1 / 3] * 3
    else:
        assert centre == ["r0c1", "r1c0", "r1c2", "r2c1"]
        assert w.w.weights["r0c0"] == [0.5, 0.5]


def test_contiguity_weights_keep_the_given_id_order() -> None:
    # libpysal sorts string ids ("u10" before "u2"); the weights must follow the input order
    cells, _ = _grid(4)
    ids = [f"u{i}" for i in range(16)]
    w = contiguity_weights(cells, ids)
    assert w.ids == ids
    assert list(w.w.id_order) == ids
    np.testing.assert_allclose(w.w.sparse.toarray(), _hand_weights(4, "queen"))
    values = pd.Series(_checkerboard(4), index=ids)
    assert morans_i(values, w, permutations=0)["I"] == pytest.approx(
        _moran(values.to_numpy(), _hand_weights(4, "queen"))
    )


def test_contiguity_weights_islands_and_missing_geometry() -> None:
    cells, ids = _grid(2)
    series = gpd.GeoSeries([*cells, box(10, 10, 11, 11), None], index=[*ids, "far", "nowhere"])
    w = contiguity_weights(series)  # ids from the index
    assert w.ids == [*ids, "far", "nowhere"]
    assert w.islands == ["far", "nowhere"]
    assert w.without_geometry == ["nowhere"]
    assert w.neighbours("far") == []
    assert w.neighbours("r0c0") == ["r0c1", "r1c0", "r1c1"]
    # island rows stay empty after row standardisation
    dense = w.w.sparse.toarray()
    assert dense[4].sum() == 0.0
    assert dense[5].sum() == 0.0
    np.testing.assert_allclose(dense[:4].sum(axis=1), 1.0)


def test_contiguity_weights_rejects_bad_input() -> None:
    cells, ids = _grid(2)
    with pytest.raises(InvalidInput, match="4 geometries but 3 ids"):
        contiguity_weights(cells, ids[:3])
    with pytest.raises(InvalidInput, match="duplicate"):
        contiguity_weights(cells, ["a", "a", "b", "c"])
    with pytest.raises(InvalidInput, match="polygons"):
        contiguity_weights([*cells, Point(0, 0)], [*ids, "p"])
    with pytest.raises(InvalidInput, match="rule"):
        contiguity_weights(cells, ids, rule="bishop")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="ids are needed"):
        contiguity_weights(cells)
    with pytest.raises(InvalidInput, match="unknown unit"):
        contiguity_weights(cells, ids).neighbours("elsewhere")


# -- global Moran's I ----------------------------------------------------------------------------


def test_morans_i_rook_checkerboard_is_minus_one() -> None:
    cells, ids = _grid(3)
    w = contiguity_weights(cells, ids, rule="rook")
    y = _checkerboard(3)
    # every rook neighbour has the other colour: z' W z = -z' z, S0 = n, so I = -1 exactly
    assert _moran(y, _hand_weights(3, "rook")) == pytest.approx(-1.0)
    result = morans_i(pd.Series(y, index=ids), w, permutations=199, seed=3)
    assert result["I"] == pytest.approx(-1.0)
    assert result["expected_I"] == pytest.approx(-1 / 8)
    assert result["n"] == 9
    assert result["missing"] == []
    assert result["islands"] == []
    # no permutation gives an I below -1, so the pseudo p-value is the smallest possible
    assert result["p_sim"] == pytest.approx(1 / 200)


@pytest.mark.parametrize(
    ("pattern", "rule"),
    [("checkerboard", "queen"), ("gradient", "queen"), ("gradient", "rook")],
)
def test_morans_i_matches_textbook_formula(pattern: str, rule: str) -> None:
    size = 4
    cells, ids = _grid(size)
    y = _checkerboard(size) if pattern == "checkerboard" else np.array([float(i % size) for i in range(size * size)])
    matrix = _hand_weights(size, rule)
    expected = _moran(y, matrix)
    result = morans_i(pd.Series(y, index=ids), contiguity_weights(cells, ids, rule=rule))  # type: ignore[arg-type]
    assert result["I"] == pytest.approx(expected, abs=1e-12)
    if pattern == "checkerboard":
        # z = ±1/2; the diagonal neighbours share the colour: interior cells have lag 0, each of
        # the 4 corners adds -1/4 * (2 - 1) / 3 and each of the 8 edge cells -1/4 * (3 - 2) / 5,
        # so z' W z = -1/3 - 2/5 = -11/15, z' z = 4 and S0 = n: I = -11/60
        assert expected == pytest.approx(-11 / 60)
    else:
        assert expected > 0.5
    # moments under normality: E[I] = -1/(n-1), V[I] = (n^2 S1 - n S2 + 3 S0^2) / ((n^2 - 1) S0^2) - E[I]^2
    n = size * size
    s0 = matrix.sum()
    s1 = 0.5 * ((matrix + matrix.T) ** 2).sum()
    s2 = ((matrix.sum(axis=1) + matrix.sum(axis=0)) ** 2).sum()
    ei = -1 / (n - 1)
    vi = (n * n * s1 - n * s2 + 3 * s0 * s0) / ((n * n - 1) * s0 * s0) - ei * ei
    assert result["expected_I"] == pytest.approx(ei)
    assert result["z"] == pytest.approx((expected - ei) / math.sqrt(vi))
    assert result["n"] == n
    assert result["permutations"] == 999
    assert 0 < result["p_sim"] <= 0.5


def test_morans_i_p_sim_agrees_with_exact_permutation_distribution() -> None:
    cells, ids = _grid(3)
    y = np.array([3.0, 1.0, 4.0, 1.5, 5.0, 9.0, 2.0, 6.0, 5.5])
    matrix = _hand_weights(3, "queen")
    observed = _moran(y, matrix)
    # all 9! arrangements of the values are equally likely under the null
    z = y - y.mean()
    arrangements = z[np.array(list(itertools.permutations(range(9))))]
    everything = 9 / matrix.sum() * np.einsum("ij,jk,ik->i", arrangements, matrix, arrangements) / (z @ z)
    at_least = np.mean(everything >= observed - 1e-12)
    exact = min(at_least, 1 - at_least)
    permutations = 9999
    result = morans_i(pd.Series(y, index=ids), contiguity_weights(cells, ids), permutations=permutations, seed=11)
    assert result["I"] == pytest.approx(observed)
    # the Monte Carlo estimate (m + 1) / (N + 1) lies within 4 standard errors of the exact value
    standard_error = math.sqrt(exact * (1 - exact) / permutations)
    assert abs(result["p_sim"] - exact) < 4 * standard_error + 1 / permutations
    assert 0.02 < exact < 0.5  # the case is not degenerate


def test_morans_i_seed_makes_it_reproducible() -> None:
    cells, ids = _grid(4)
    rng = np.random.default_rng(5)
    values = pd.Series(rng.normal(size=16), index=ids)
    w = contiguity_weights(cells, ids)
    first = morans_i(values, w, permutations=99, seed=42)
    again = morans_i(values, w, permutations=99, seed=42)
    assert first == again
    other = [morans_i(values, w, permutations=99, seed=seed)["p_sim"] for seed in range(1, 6)]
    assert len({first["p_sim"], *other}) > 1  # the seed does change the draws
    assert morans_i(values, w, permutations=0)["p_sim"] is None


def test_morans_i_missing_values_and_islands_are_left_out() -> None:
    cells, ids = _grid(3)
    # a far pair p-q: q's value is missing, which leaves p without neighbours
    geometries = [*cells, box(10, 10, 11, 11), box(11, 10, 12, 11), box(20, 20, 21, 21)]
    all_ids = [*ids, "p", "q", "far"]
    w = contiguity_weights(geometries, all_ids, rule="rook")
    assert w.islands == ["far"]
    y = np.array([1.0, 2.0, 3.0, 2.0, 9.0, 4.0, 3.0, 4.0, 5.0])
    values = pd.Series([*y, 100.0, np.nan, -50.0], index=all_ids).drop("r2c2")
    result = morans_i(values, w)
    assert result["missing"] == ["r2c2", "q"]
    assert result["islands"] == ["p", "far"]
    assert result["n"] == 8
    # I over the 3x3 grid without r2c2 (index 8): drop its row and column, re-standardise
    binary = (_hand_weights(3, "rook") > 0).astype(float)[:8, :8]
    expected = _moran(y[:8], binary / binary.sum(axis=1, keepdims=True))
    assert result["I"] == pytest.approx(expected)
    assert result["expected_I"] == pytest.approx(-1 / 7)


def test_morans_i_accepts_plain_libpysal_weights() -> None:
    chain = W({"a": ["b"], "b": ["a", "c"], "c": ["b", "d"], "d": ["c"]}, silence_warnings=True)
    values = pd.Series({"a": 1.0, "b": 2.0, "c": 4.0, "d": 8.0})
    matrix = np.array([[0, 1, 0, 0], [0.5, 0, 0.5, 0], [0, 0.5, 0, 0.5], [0, 0, 1, 0]])
    result = morans_i(values, chain, permutations=0)
    assert result["I"] == pytest.approx(_moran(values.to_numpy(), matrix))


def test_morans_i_rejects_bad_input() -> None:
    cells, ids = _grid(3)
    w = contiguity_weights(cells, ids)
    with pytest.raises(InvalidInput, match="equal"):
        morans_i(pd.Series(1.0, index=ids), w)
    with pytest.raises(InvalidInput, match="at least 3 units"):
        morans_i(pd.Series({"r0c0": 1.0, "r0c1": 2.0}), w)
    with pytest.raises(InvalidInput, match="not in the weights"):
        morans_i(pd.Series({"r0c0": 1.0, "elsewhere": 2.0}), w)
    with pytest.raises(InvalidInput, match="permutations"):
        morans_i(pd.Series(range(9), index=ids, dtype=float), w, permutations=-1)
    with pytest.raises(InvalidInput, match="SpatialWeights"):
        morans_i(pd.Series(range(9), index=ids, dtype=float), {"r0c0": []})  # type: ignore[arg-type]


# -- LISA ----------------------------------------------------------------------------------------


def _hot_spot() -> tuple[SpatialWeights, pd.Series]:
    """5x5 queen grid, value 10 in the 2x2 block r0c0, r0c1, r1c0, r1c1, else 1."""
    cells, ids = _grid(5)
    hot = {"r0c0", "r0c1", "r1c0", "r1c1"}
    return contiguity_weights(cells, ids), pd.Series([10.0 if u in hot else 1.0 for u in ids], index=ids)


def _exact_conditional_p(y: np.ndarray, matrix: np.ndarray, i: int) -> float:
    """Exact folded p of local Moran's I at i: all ways to place k of the other values around i."""
    z = y - y.mean()
    neighbours = np.flatnonzero(matrix[i])
    weights = matrix[i, neighbours]
    observed = z[i] * (z[neighbours] @ weights)
    others = np.delete(z, i)
    draws = np.array(list(itertools.combinations(range(len(others)), len(neighbours))))
    simulated = z[i] * others[draws].mean(axis=1)  # equal weights: the lag is the mean
    at_least = np.mean(simulated >= observed - 1e-12)
    return min(at_least, 1 - at_least)


def test_lisa_hot_spot() -> None:
    w, values = _hot_spot()
    result = lisa(values, w, permutations=9999, seed=7)
    assert list(result.columns) == ["local_i", "quadrant", "p_sim", "cluster"]
    assert list(result.index) == w.ids
    # local I = (n - 1) z_i (W z)_i / sum z^2
    y = values.to_numpy()
    matrix = _hand_weights(5, "queen")
    z = y - y.mean()
    np.testing.assert_allclose(result["local_i"], (len(y) - 1) * z * (matrix @ z) / (z @ z))
    quadrant = result["quadrant"].to_dict()
    assert [quadrant[u] for u in ("r0c0", "r0c1", "r1c0", "r1c1")] == ["HH"] * 4
    assert quadrant["r0c2"] == "LH"  # low value next to the hot block
    assert quadrant["r4c4"] == "LL"
    # the corner r0c0 has three neighbours, all the other hot cells: exact p = 1 / C(24, 3)
    assert _exact_conditional_p(y, matrix, 0) == pytest.approx(1 / 2024)
    assert result.loc["r0c0", "p_sim"] < 0.005
    assert result.loc["r0c0", "cluster"] == "HH"
    # the far corner r4c4: p = P(a 10 among 3 of the other 24) = 1 - C(20, 3) / C(24, 3) = 884 / 2024
    exact = _exact_conditional_p(y, matrix, 24)
    assert exact == pytest.approx(884 / 2024)
    assert abs(result.loc["r4c4", "p_sim"] - exact) < 4 * math.sqrt(exact * (1 - exact) / 9999)
    assert result.loc["r4c4", "cluster"] == "not significant"
    # the inner hot cell r1c1 has 8 neighbours: 3 hot, 5 not. Its lag is reached again only when the
    # 8 cells drawn from the other 24 (3 hot, 21 not) include all 3 hot ones (ties count as "at
    # least"): p = C(21, 5) / C(24, 8) = 20349 / 735471 (drawing from all 25 would give ~0.08)
    exact_inner = 20349 / 735471
    assert abs(result.loc["r1c1", "p_sim"] - exact_inner) < 4 * math.sqrt(exact_inner * (1 - exact_inner) / 9999)
    assert result.loc["r1c1", "cluster"] == "HH"
    # an edge cell with five neighbours, checked against the full enumeration as well
    edge = w.ids.index("r0c2")
    exact_edge = _exact_conditional_p(y, matrix, edge)
    assert abs(result.loc["r0c2", "p_sim"] - exact_edge) < 4 * math.sqrt(exact_edge * (1 - exact_edge) / 9999) + 1e-3
    assert set(result["cluster"]) <= set(CLUSTERS)


def test_lisa_significance_threshold() -> None:
    w, values = _hot_spot()
    strict = lisa(values, w, permutations=999, significance=1e-9)
    assert set(strict["cluster"]) == {"not significant"}
    with pytest.raises(InvalidInput, match="significance"):
        lisa(values, w, significance=1.5)
    with pytest.raises(InvalidInput, match="permutations"):
        lisa(values, w, permutations=0)


def test_lisa_missing_values_and_islands() -> None:
    cells, ids = _grid(3)
    geometries = [*cells, box(10, 10, 11, 11), box(11, 10, 12, 11), box(20, 20, 21, 21)]
    all_ids = [*ids, "p", "q", "far"]
    w = contiguity_weights(geometries, all_ids, rule="rook")
    y = np.array([1.0, 2.0, 3.0, 2.0, 9.0, 4.0, 3.0, 4.0, 5.0])
    values = pd.Series([*y, 100.0, np.nan, -50.0], index=all_ids)
    values["r2c2"] = np.nan
    result = lisa(values, w, permutations=99)
    assert result.loc["r2c2", "cluster"] == "missing"
    assert result.loc["q", "cluster"] == "missing"
    assert result.loc["p", "cluster"] == "no neighbours"  # its only neighbour q has no value
    assert result.loc["far", "cluster"] == "no neighbours"
    for unit in ("r2c2", "q", "p", "far"):
        assert math.isnan(result.loc[unit, "local_i"])
        assert math.isnan(result.loc[unit, "p_sim"])
        assert result.loc[unit, "quadrant"] is None
    # the others: local I over the grid without r2c2, weights re-standardised
    binary = (_hand_weights(3, "rook") > 0).astype(float)[:8, :8]
    matrix = binary / binary.sum(axis=1, keepdims=True)
    z = y[:8] - y[:8].mean()
    np.testing.assert_allclose(result.loc[ids[:8], "local_i"], 7 * z * (matrix @ z) / (z @ z))
    assert result.loc["r1c1", "quadrant"] == "HL"  # 9 among smaller neighbours


def test_lisa_seed_makes_it_reproducible() -> None:
    w, values = _hot_spot()
    values = values + np.arange(25) / 10  # break the ties
    first = lisa(values, w, permutations=99, seed=1)
    pd.testing.assert_frame_equal(first, lisa(values, w, permutations=99, seed=1))
    assert not first["p_sim"].equals(lisa(values, w, permutations=99, seed=2)["p_sim"])
