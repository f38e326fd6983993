"""Unit tests of parent–child relations (``ortswissen.units._hierarchy``).

Covers :func:`share_outside` on boxes whose shares can be computed by hand,
:func:`parents_from_prefix` and :func:`assign_by_location` (largest overlap wins, a child that
overlaps no parent gets ``None``).
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from ortswissen.errors import DefinitionError
from ortswissen.units import DEFAULT_COVER_TOLERANCE, assign_by_location, parents_from_prefix, share_outside

_PARENT = shapely.box(0, 0, 10, 10)

# -- share_outside ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("child", "expected"),
    [
        (shapely.box(1, 1, 2, 2), 0.0),
        (_PARENT, 0.0),
        (shapely.box(9, 9, 11, 11), 0.75),  # 4 units, 1 inside
        (shapely.box(8, 0, 12, 10), 0.5),  # 40 units, 20 outside
        (shapely.box(5, 0, 15, 1), 0.5),  # 10 units, 5 outside
        (shapely.box(9, 0, 13, 1), 0.75),  # 4 units, 3 outside
        (shapely.box(9.99, 0, 10.01, 10), 0.5),  # 0.2 units, 0.1 outside
        (shapely.box(20, 20, 21, 21), 1.0),
        (shapely.box(10, 0, 11, 10), 1.0),  # touches the parent only along an edge
        (shapely.box(0, 0, 10, 10.05), 0.05 / 10.05),  # digitising noise: 0.5 % outside
    ],
    ids=[
        "inside",
        "identical",
        "corner-straddling",
        "half-out-east",
        "half-out-strip",
        "three-quarters-out",
        "thin-half",
        "disjoint",
        "touching-edge",
        "noise",
    ],
)
def test_share_outside(child: object, expected: float) -> None:
    assert share_outside([child], [_PARENT]) == [pytest.approx(expected, abs=1e-12)]


def test_share_outside_is_aligned_pairwise() -> None:
    children = [shapely.box(0, 0, 1, 1), shapely.box(0, 0, 2, 1)]
    parents = [shapely.box(0, 0, 1, 1), shapely.box(1, 0, 5, 5)]
    assert share_outside(children, parents) == [pytest.approx(0.0), pytest.approx(0.5)]


def test_share_outside_of_a_zero_area_child_is_zero() -> None:
    line_like = shapely.box(20, 20, 20, 21)  # degenerate: no area
    result = share_outside([line_like], [_PARENT])
    assert result == [0.0]
    assert all(isinstance(x, float) for x in result)


def test_share_outside_with_a_hole_in_the_parent() -> None:
    parent = shapely.Polygon([(0, 0), (10, 0), (10, 10), (0, 10)], [[(4, 4), (6, 4), (6, 6), (4, 6)]])
    child = shapely.box(3, 3, 7, 7)  # 16 units, the 4 units of the hole are outside
    assert share_outside([child], [parent]) == [pytest.approx(0.25)]


def test_default_tolerance_is_half_a_percent() -> None:
    assert DEFAULT_COVER_TOLERANCE == 0.005
    # 0.5 % outside is tolerated, 1 % is not
    assert share_outside([shapely.box(0, 0, 10, 10.04)], [_PARENT])[0] < DEFAULT_COVER_TOLERANCE
    assert share_outside([shapely.box(0, 0, 10, 10.1)], [_PARENT])[0] > DEFAULT_COVER_TOLERANCE


def test_share_outside_empty_input() -> None:
    assert share_outside([], []) == []


# -- parents_from_prefix ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ids", "length", "expected"),
    [
        (["01100101", "01100102", "02200201"], 6, ["011001", "011001", "022002"]),
        (["01100101"], 2, ["01"]),
        (["12"], 5, ["12"]),
        ([], 3, []),
    ],
    ids=["lor-district-regions", "district", "shorter-than-prefix", "empty"],
)
def test_parents_from_prefix(ids: list[str], length: int, expected: list[str]) -> None:
    assert parents_from_prefix(ids, length) == expected


@pytest.mark.parametrize("length", [0, -1], ids=["zero", "negative"])
def test_parents_from_prefix_needs_positive_length(length: int) -> None:
    with pytest.raises(DefinitionError, match="must be positive"):
        parents_from_prefix(["01100101"], length)


# -- assign_by_location -------------------------------------------------------------------------

_LEFT = shapely.box(0, 0, 10, 10)
_RIGHT = shapely.box(10, 0, 20, 10)
_TOP = shapely.box(0, 10, 20, 20)


@pytest.mark.parametrize(
    ("child", "expected"),
    [
        (shapely.box(1, 1, 2, 2), "left"),
        (shapely.box(12, 1, 13, 2), "right"),
        (shapely.box(7, 1, 12, 2), "left"),  # 3 units left, 2 right
        (shapely.box(8, 1, 14, 2), "right"),  # 2 units left, 4 right
        (shapely.box(8, 9, 20, 12), "top"),  # left 2, right 10, top 24
        (shapely.box(30, 30, 31, 31), None),
        (shapely.box(20, 0, 21, 10), None),  # only touches the right parent along an edge
    ],
    ids=["inside-left", "inside-right", "mostly-left", "mostly-right", "mostly-top", "disjoint", "touching-only"],
)
def test_assign_by_location_largest_overlap_wins(child: object, expected: str | None) -> None:
    result = assign_by_location([child], ["left", "right", "top"], [_LEFT, _RIGHT, _TOP])
    assert result == [expected]


def test_assign_by_location_many_children() -> None:
    children = [
        shapely.box(1, 1, 2, 2),
        shapely.box(50, 50, 51, 51),
        shapely.box(9, 1, 19, 2),
        shapely.box(1, 11, 2, 12),
    ]
    result = assign_by_location(children, ["left", "right", "top"], np.array([_LEFT, _RIGHT, _TOP], dtype=object))
    assert result == ["left", None, "right", "top"]


def test_assign_by_location_without_children() -> None:
    assert assign_by_location([], ["left"], [_LEFT]) == []
