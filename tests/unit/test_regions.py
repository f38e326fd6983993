"""The regions core: graph building, Ward tree, bounded cuts, polish, quality, typology — small cases by hand."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from scipy import sparse
from tests.regions_cases import lattice

from ortswissen.errors import InfeasibleConstraints, InvalidInput
from ortswissen.regions import (
    UnitGraph,
    delineate,
    evaluate,
    flow_profiles,
    ipq,
    one_hot,
    self_containment,
    standardise,
    typology,
    ward_labels,
    wss,
)
from ortswissen.regions._cuts import cut_forest
from ortswissen.regions._polish import polish
from ortswissen.regions._tree import ward_spanning_tree


def _squares(positions: list[tuple[float, float]], size: float = 100.0) -> list[shapely.Polygon]:
    return [shapely.box(x, y, x + size, y + size) for x, y in positions]


# -- graph ----------------------------------------------------------------------------------------


def test_queen_and_rook_contiguity_from_polygons() -> None:
    # a 2 × 2 block of squares: 4 rook edges, plus 2 diagonal (corner) edges for queen
    geoms = _squares([(0, 0), (100, 0), (0, 100), (100, 100)])
    queen = UnitGraph.from_geometries(geoms, ["a", "b", "c", "d"])
    rook = UnitGraph.from_geometries(geoms, ["a", "b", "c", "d"], contiguity="rook")
    assert queen.n_edges == 6
    assert rook.n_edges == 4
    assert sorted(rook.shared.tolist()) == [100.0] * 4
    assert rook.area.tolist() == [1e4] * 4
    assert rook.perimeter.tolist() == [400.0] * 4
    assert rook.centroid[3].tolist() == [150.0, 150.0]


def test_tolerance_joins_blocks_across_a_street() -> None:
    # two blocks 20 m apart (a street), a third 200 m away
    geoms = _squares([(0, 0), (120, 0), (420, 0)])
    assert UnitGraph.from_geometries(geoms).n_edges == 0
    g = UnitGraph.from_geometries(geoms, tolerance=25.0)
    assert g.edges.tolist() == [[0, 1]]
    # the facing side (100 m) plus the 5 m of the top and bottom sides that lie within 25 m of the other
    assert g.shared[0] == pytest.approx(110.0)
    assert g.islands().tolist() == [2]


def test_barrier_cuts_edges_except_at_a_crossing() -> None:
    graph, *_ = lattice(4, 4)
    rail = shapely.LineString([(200, -10), (200, 410)])  # between columns 1 and 2
    cut = graph.cut_by_barriers([rail])
    assert cut.removed == {"barrier": 4}
    assert cut.components()[0] == 2
    level_crossing = shapely.Point(200, 150)  # at row 1
    bridged = graph.cut_by_barriers([rail], [level_crossing], crossing_radius=30)
    assert bridged.removed == {"barrier": 3}
    assert bridged.components()[0] == 1


def test_nesting_and_distance_cut_edges() -> None:
    graph, *_ = lattice(2, 4)
    districts = np.array(["A", "A", "B", "B", "A", "A", "B", "B"])
    nested = graph.cut_between(districts)
    assert nested.components()[0] == 2
    assert nested.removed == {"nesting": 2}
    assert graph.cut_longer_than(99.0).n_edges == 0
    with pytest.raises(InvalidInput, match="group for each"):
        graph.cut_between(districts[:3])
    with pytest.raises(InvalidInput, match="edge mask"):
        graph.drop_edges(np.ones(3, dtype=bool))


def test_edges_are_normalised() -> None:
    g = UnitGraph.from_edges(3, [[1, 0], [0, 1], [2, 2], [1, 2]])
    assert g.edges.tolist() == [[0, 1], [1, 2]]
    with pytest.raises(InvalidInput, match="outside"):
        UnitGraph.from_edges(2, [[0, 5]])


# -- Ward tree and cuts ---------------------------------------------------------------------------


def test_ward_tree_keeps_the_most_similar_edge_of_each_merge() -> None:
    # a square 0-1-2-3-0: {0,1} and {2,3} merge first; between them edges 1-2 and 0-3;
    # 1-2 is the more similar pair (|0.1 - 4.0| < |0.0 - 5.0|)
    g = UnitGraph.from_edges(4, [[0, 1], [1, 2], [2, 3], [0, 3]])
    x = np.array([[0.0], [0.1], [4.0], [5.0]])
    tree = ward_spanning_tree(g, x)
    assert sorted(map(tuple, tree.tolist())) == [(0, 1), (1, 2), (2, 3)]


def test_ward_tree_spans_every_component() -> None:
    graph, x, *_ = lattice(6, 6, seed=3)
    cut = graph.cut_between(np.arange(36) % 6 < 3)
    tree = ward_spanning_tree(cut, x)
    assert len(tree) == 36 - 2
    edge_set = set(map(tuple, cut.edges.tolist()))
    assert all(tuple(sorted(e)) in edge_set for e in tree.tolist())
    t = UnitGraph.from_edges(36, tree)
    assert t.components()[0] == 2


def test_cuts_respect_the_floor_and_split_above_the_cap() -> None:
    # a path of 6 units with 10 people each
    tree = np.array([[0, 1], [1, 2], [2, 3], [3, 4], [4, 5]])
    x = np.array([[0.0], [0.0], [1.0], [1.0], [2.0], [2.0]])
    pop = np.full(6, 10.0)
    three = cut_forest(6, tree, x, pop, n_regions=3, floor=20)
    assert three.labels.tolist() == [0, 0, 1, 1, 2, 2]
    # the floor allows at most 2 regions of 30
    assert cut_forest(6, tree, x, pop, n_regions=5, floor=30).labels.max() == 1
    # one region wanted, but the cap forces a split
    capped = cut_forest(6, tree, x, pop, n_regions=1, floor=0, cap=40)
    assert np.bincount(capped.labels, weights=pop).max() <= 40
    # a cap that no floor-respecting cut can meet is reported, not silently violated
    stuck = cut_forest(6, tree, x, pop, n_regions=1, floor=40, cap=50)
    assert stuck.unsplittable and stuck.unsplittable[0][1] == "cap"


def test_polish_moves_a_misplaced_unit_and_keeps_contiguity() -> None:
    g = UnitGraph.from_edges(5, [[0, 1], [1, 2], [2, 3], [3, 4]])
    x = np.array([[0.0], [0.0], [0.0], [9.0], [9.0]])
    out = polish(g, x, np.ones(5), np.array([0, 0, 1, 1, 1]), floor=1)
    assert out.labels.tolist() == [0, 0, 0, 1, 1]
    assert out.objective_after < out.objective_before
    # the floor blocks the move: region 1 would fall below 3 people
    blocked = polish(g, x, np.ones(5), np.array([0, 0, 1, 1, 1]), floor=3)
    assert blocked.labels.tolist() == [0, 0, 1, 1, 1]


# -- solver ---------------------------------------------------------------------------------------


def test_delineate_recovers_a_clear_mosaic_and_reports_quality() -> None:
    graph, x, pop, truth = lattice(12, 12, seed=1, latent=4, noise=0.05)
    d = delineate(graph, x, pop, n_regions=4, floor=pop.sum() / 8)
    from sklearn.metrics import adjusted_rand_score

    assert d.n_regions == 4
    assert adjusted_rand_score(truth, d.labels) > 0.8
    m = d.metrics
    assert m["contiguous"] and m["floor_violations"] == 0
    assert m["wss"] == pytest.approx(wss(x, d.labels))
    assert m["wss_vs_ward"] >= 0.99  # Ward is (near) optimal without a floor
    assert 0 < m["ipq_mean"] <= 1
    assert d.params["floor"] == pytest.approx(pop.sum() / 8)
    assert set(d.timings) >= {"tree", "cuts", "polish", "total"}


def test_delineate_is_deterministic() -> None:
    graph, x, pop, _ = lattice(10, 10, seed=2)
    a = delineate(graph, x, pop, n_regions=5, floor=1000, evaluate_result=False)
    b = delineate(graph, x, pop, n_regions=5, floor=1000, evaluate_result=False)
    assert np.array_equal(a.labels, b.labels)


def test_islands_below_the_floor_are_named() -> None:
    graph, x, pop, _ = lattice(3, 3)
    g = graph.drop_edges((graph.edges == 8).any(axis=1))  # unit 8 becomes an island
    with pytest.raises(InfeasibleConstraints) as err:
        delineate(g, x, pop, n_regions=2, floor=300)
    assert err.value.problems[0]["reason"] == "island below floor"
    assert err.value.problems[0]["units"] == ["c00008"]
    assert "c00008" in str(err.value)
    kept = delineate(g, x, pop, n_regions=2, floor=300, small_components="keep")
    assert kept.problems[0]["units"] == ["c00008"]
    assert kept.metrics["floor_violations"] == 1  # reported, not hidden


def test_bad_parameters_are_rejected() -> None:
    graph, x, pop, _ = lattice(3, 3)
    with pytest.raises(InvalidInput, match="below the floor"):
        delineate(graph, x, pop, n_regions=2, floor=500, cap=400)
    with pytest.raises(InvalidInput, match="number of regions"):
        delineate(graph, x, pop)
    with pytest.raises(InvalidInput, match="one per unit"):
        delineate(graph, x[:4], pop, n_regions=2)
    bad = x.copy()
    bad[0, 0] = np.nan
    with pytest.raises(InvalidInput, match="missing"):
        delineate(graph, bad, pop, n_regions=2)
    with pytest.raises(InfeasibleConstraints, match="unit above cap"):
        delineate(graph, x, np.r_[5000.0, pop[1:]], n_regions=2, cap=1000)


def test_reach_limits_the_distance_from_the_core() -> None:
    graph, _x, pop, _ = lattice(1, 12, seed=4)  # a street of 12 cells, 100 m apart
    d = delineate(graph, np.zeros((12, 1)), pop, n_regions=1, reach=250.0)
    for r in range(d.n_regions):
        xs = graph.centroid[d.labels == r, 0]
        assert xs.max() - xs.min() <= 500.0
    assert d.n_regions >= 3


def test_target_population_sets_the_number_of_regions() -> None:
    graph, x, pop, _ = lattice(8, 8, seed=5)
    d = delineate(graph, x, pop, target_population=pop.sum() / 4, floor=pop.sum() / 8, evaluate_result=False)
    assert d.params["n_regions"] == 4
    assert d.n_regions == 4


def test_stability_runs_report_adjusted_rand_and_unit_confidence() -> None:
    graph, x, pop, _ = lattice(8, 8, seed=6, latent=3, noise=0.05)
    d = delineate(graph, x, pop, n_regions=3, floor=pop.sum() / 6, stability_runs=3, seed=7)
    s = d.metrics["stability"]
    assert s["seeds"] == [8, 9, 10]
    assert len(s["ari"]) == 3 and 0.5 < s["ari_mean"] <= 1.0
    assert len(s["unit_confidence"]) == 64 and 0 < min(s["unit_confidence"]) <= 1


# -- quality --------------------------------------------------------------------------------------


def test_quality_measures_by_hand() -> None:
    graph, *_ = lattice(2, 2)
    one = np.zeros(4, dtype=np.int64)
    # a 200 m square: 4π·40000/800² = π/4
    assert ipq(graph, one)[0] == pytest.approx(np.pi / 4)
    # two 100 × 200 rectangles: 4π·20000/600²
    assert ipq(graph, np.array([0, 1, 0, 1])).tolist() == pytest.approx([4 * np.pi * 2e4 / 600**2] * 2)
    x = np.array([[0.0], [2.0], [0.0], [2.0]])
    assert wss(x, np.array([0, 1, 0, 1])) == 0.0
    assert wss(x, one) == pytest.approx(4.0)
    flows = sparse.csr_matrix(np.array([[0, 3, 1, 0], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]], dtype=float))
    assert self_containment(flows, np.array([0, 0, 1, 1])) == pytest.approx(0.75)
    broken = evaluate(graph, x, np.ones(4), np.array([0, 1, 1, 0]))
    assert not broken["contiguous"] and broken["noncontiguous_regions"] == [0, 1]
    assert evaluate(graph, x, np.ones(4), np.array([0, 1, 0, 1]), floor=3)["floor_violations"] == 2


def test_ward_labels_allot_regions_to_components() -> None:
    graph, x, *_ = lattice(4, 6, seed=8)
    cut = graph.cut_between(np.arange(24) % 6 < 2)  # components of 8 and 16 units
    labels = ward_labels(cut, x, 6)
    assert len(np.unique(labels)) == 6
    comp = cut.components()[1]
    assert all(len(np.unique(comp[labels == r])) == 1 for r in range(6))


def test_reference_agreement() -> None:
    graph, x, pop, truth = lattice(6, 6, seed=9, latent=2, noise=0.01)
    m = evaluate(graph, x, pop, truth, reference=truth)
    assert m["reference"]["ari"] == pytest.approx(1.0)


# -- features and typology ------------------------------------------------------------------------


def test_standardise_and_one_hot() -> None:
    z = standardise(np.array([[1.0, 5.0], [2.0, 5.0], [3.0, np.nan]]), weights=[2.0, 1.0], robust=False)
    assert z[:, 0].tolist() == pytest.approx(list(2 * (np.array([-1, 0, 1]) / np.std([1, 2, 3]))))
    assert z[:, 1].tolist() == [0.0, 0.0, 0.0]
    with pytest.raises(InvalidInput, match="weights"):
        standardise(np.ones((3, 2)), weights=[1.0])
    cols, names = one_hot(["Altbau", "Neubau", None, "Altbau"])
    assert names == ["Altbau", "Neubau"]
    assert (cols[0] - cols[1]) @ (cols[0] - cols[1]) == pytest.approx(1.0)
    assert cols[2].tolist() == [0.0, 0.0]


def test_flow_profiles_group_units_with_the_same_destinations() -> None:
    # units 0, 1 use facility A; units 2, 3 use B (at different volumes); unit 4 has no flows
    flows = np.array([[10, 0], [3, 0], [0, 7], [0, 1], [0, 0]], dtype=float)
    f, explained = flow_profiles(flows, dimensions=1, weight=1.0)
    assert f[0] == pytest.approx(f[1])
    assert f[2] == pytest.approx(f[3])
    assert abs(f[0, 0] - f[2, 0]) > 1.0
    assert f[4, 0] == pytest.approx(0.0)
    assert explained == pytest.approx(1.0)
    with pytest.raises(InvalidInput, match="negative"):
        flow_profiles(-flows)


def test_typology_chooses_k_and_profiles_types() -> None:
    rng = np.random.default_rng(0)
    centres = np.array([[0.0, 0.0], [5.0, 0.0], [0.0, 5.0]])
    x = np.repeat(centres, 10, axis=0) + rng.normal(0, 0.2, (30, 2))
    for method in ("kmeans", "ward", "gmm"):
        t = typology(x, ["alt", "jung"], method=method, k_range=(2, 5), seed=1)
        assert t.k == 3, method
        assert sorted(p["n_quarters"] for p in t.profiles) == [10, 10, 10]
        assert t.criterion == ("bic" if method == "gmm" else "silhouette")
        assert set(t.scores) == {2, 3, 4, 5}
    high = next(p for p in t.profiles if p["mean"]["alt"] > 4)
    assert "alt hoch" in high["label"]
    with pytest.raises(InvalidInput, match="method"):
        typology(x, ["alt", "jung"], method="dbscan")


def test_reach_on_a_street_network_follows_the_streets() -> None:
    from ortswissen.regions import StreetNetwork

    graph, _x, pop, _ = lattice(2, 6, seed=10)  # row 0 at y = 50, row 1 at y = 150
    # a canal between the rows: the only street connection is at the eastern end
    street = shapely.LineString([(50, 50), (550, 50), (550, 150), (50, 150)])
    net = StreetNetwork.from_lines([street])
    assert net.distances_from([50, 50], [[50, 150]], limit=5000)[0] == pytest.approx(1100)
    walking = delineate(graph, np.zeros((12, 1)), pop, n_regions=1, reach=300.0, network=net)
    assert walking.params["reach_on"] == "street network"
    lab = walking.labels
    for i in range(3):  # west of x = 300 the rows are more than 2 × 300 m apart on foot
        assert lab[i] != lab[6 + i]
    straight = delineate(graph, np.zeros((12, 1)), pop, n_regions=1, reach=300.0)
    assert straight.n_regions < walking.n_regions
