"""Kita planning core: demand by hand, the interval, the gap, 2SFCA on a three-area toy, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from ortswissen.errors import InvalidInput
from ortswissen.kita import (
    DEFAULT_QUOTAS,
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

CURRENT = DEFAULT_QUOTAS["current"]


def test_demand_by_hand() -> None:
    a = KitaAssumptions(CURRENT, age6_share=0.5, hours_u3=1.2, hours_ue3=1.0)
    d = kita_demand(np.array([[10, 20, 30, 40, 50, 60, 80], [0, 0, 0, 0, 0, 0, 0]]), a)
    # U3: (10·0.025 + 20·0.371 + 30·0.632)·1.2 = 31.956; Ü3: (40+50+60)·0.9 + 80·0.5·0.9 = 171
    assert d.children_u3.tolist() == [60.0, 0.0]
    assert d.children_ue3.tolist() == [190.0, 0.0]
    assert d.demand_u3[0] == pytest.approx(31.956)
    assert d.demand_ue3[0] == pytest.approx(171.0)
    assert d.demand[0] == pytest.approx(202.956)
    assert d.demand[1] == 0.0


def test_gap_and_interval_by_hand() -> None:
    demand = np.array([202.956, 0.0])
    children = np.array([250.0, 0.0])
    low, high = demand_interval(demand, children, [200.0, 0.0], [300.0, 3.0])
    assert low[0] == pytest.approx(202.956 / 250 * 200)  # 162.3648
    assert high[0] == pytest.approx(243.5472)
    assert (low[1], high[1]) == (0.0, 0.0)  # no children now: no demand per child to carry over
    g = kita_gap([150.0, 10.0], demand, low, high)
    assert g["gap"][0] == pytest.approx(-52.956)
    assert g["gap_low"][0] == pytest.approx(150 - 243.5472)  # pessimistic end pairs with the high demand
    assert g["gap_high"][0] == pytest.approx(150 - 162.3648)
    assert g["coverage"][0] == pytest.approx(150 / 202.956)
    assert np.isnan(g["coverage"][1])  # nobody needs a place
    assert g["gap"][1] == 10.0


def test_need_quotas_raise_demand_over_current() -> None:
    children = np.full((1, 7), 100.0)
    current = kita_demand(children, KitaAssumptions(CURRENT)).demand_u3[0]
    need = kita_demand(children, KitaAssumptions(DEFAULT_QUOTAS["need"])).demand_u3[0]
    assert current == pytest.approx(100 * (0.025 + 0.371 + 0.632))
    assert need == pytest.approx(100 * (0.025 + 0.62 + 0.793))


# three areas in a row A – B – C; a Kita in A (100 places) and one in C (30 places)
NEIGHBOURS = [[1], [0, 2], [1]]
DEMAND = [40.0, 60.0, 50.0]


def test_two_step_fca_over_neighbours_by_hand() -> None:
    reach = neighbour_reach(NEIGHBOURS, site_area=[0, 2])
    assert reach.toarray().tolist() == [[1, 0], [1, 1], [0, 1]]
    r = two_step_fca([100.0, 30.0], DEMAND, reach)
    # R_A = 100 / (40 + 60) = 1; R_C = 30 / (60 + 50); B gets both
    assert r.places[0] == pytest.approx(40.0)
    assert r.places[1] == pytest.approx(60.0 + 60 * 30 / 110)
    assert r.places[2] == pytest.approx(50 * 30 / 110)
    assert r.places.sum() == pytest.approx(130.0)  # places are conserved
    assert r.unallocated == 0.0


def test_radius_reach_on_the_toy() -> None:
    points = [[0.0, 0.0], [1000.0, 0.0], [2000.0, 0.0]]
    sites = [[100.0, 0.0], [1900.0, 0.0]]
    wide = radius_reach(points, sites, 950.0, site_area=[0, 2])
    assert wide.toarray().tolist() == [[1, 0], [1, 1], [0, 1]]
    narrow = two_step_fca([100.0, 30.0], DEMAND, radius_reach(points, sites, 500.0, site_area=[0, 2]))
    assert narrow.places.tolist() == pytest.approx([100.0, 0.0, 30.0])
    # a Kita lying in an area always serves it, however far from the area's point
    far = radius_reach(points, [[600.0, 400.0]], 100.0, site_area=[1])
    assert far.toarray()[:, 0].tolist() == [0, 1, 0]


def test_places_nobody_reaches_are_reported() -> None:
    reach = neighbour_reach([[], [], []], site_area=[0, 2])
    r = two_step_fca([100.0, 30.0], [0.0, 60.0, 50.0], reach)
    assert r.places.tolist() == pytest.approx([0.0, 0.0, 30.0])
    assert r.unallocated == 100.0


def test_edited_assumptions() -> None:
    a = assumptions_from_mapping(
        {
            "quotas": "need",
            "by_age": {2: 0.9},
            "age6_share": 0.4,
            "hours": {"u3": {"ganztags": {"share": 0.6, "weight": 1.0}, "halbtags": {"share": 0.4, "weight": 0.5}}},
        }
    )
    assert a.quotas.by_age == (0.025, 0.62, 0.9, 0.95, 0.95, 0.95, 0.95)
    assert a.quotas.id == "need (edited)"
    assert a.hours_u3 == pytest.approx(0.8)
    assert a.hours_ue3 == 1.0
    assert a.age6_share == 0.4
    assert assumptions_from_mapping({"quotas": "need"}).quotas is DEFAULT_QUOTAS["need"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"by_age": {1: 1.5}}, "by_age.1: 1.5 is above 1"),
        ({"by_age": {1: 37}}, "write 0.37 for 37 %"),
        ({"by_age": {2: -0.1}}, "by_age.2: -0.1 lies outside 0…1"),
        ({"by_age": {7: 0.5}}, "by_age.7: ages run from 0 to 6"),
        ({"by_age": [0.1, 0.2]}, "give 7 values"),
        ({"by_age": {"1": "viel"}}, "by_age.1: 'viel' is not a number"),
        ({"quotas": "wish"}, "quotas 'wish' is unknown"),
        ({"quota": "need"}, "unknown key(s) quota"),
        ({"age6_share": 2}, "age6_share: 2 is above 1"),
        ({"hours": {"u3": 0}}, "hours.u3: 0 is no hours factor"),
        ({"hours": {"krippe": 1}}, "hours.krippe is unknown"),
        ({"hours": {"u3": {"ganz": {"share": 0.5, "weight": 1}}}}, "sum to 0.5, not 1"),
    ],
)
def test_bad_assumptions_are_named(data: dict, message: str) -> None:
    with pytest.raises(InvalidInput, match=r"^quotas\.yaml: ") as err:
        assumptions_from_mapping(data, where="quotas.yaml")
    assert message in str(err.value)


@pytest.mark.parametrize("text", ["5km", "0m", "abc", "-300m", "60000m"])
def test_bad_catchment(text: str) -> None:
    with pytest.raises(InvalidInput, match="catchment"):
        parse_catchment(text)


def test_bad_children() -> None:
    a = KitaAssumptions(CURRENT)
    with pytest.raises(InvalidInput, match="negative"):
        kita_demand(np.array([[1, 2, 3, -1, 0, 0, 0]]), a)
    with pytest.raises(InvalidInput, match="ages 0 to 6"):
        kita_demand(np.ones((2, 6)), a)
    with pytest.raises(InvalidInput, match="missing"):
        kita_demand(np.array([[1, 2, 3, np.nan, 0, 0, 0]]), a)
