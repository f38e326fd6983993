"""Synthetic address points inside blocks, drawn per planning area by block residents.

Every block with residents gets one address point per ``persons_per_address`` residents (at
least one), placed uniformly at random inside its polygon; a planning area without any
populated block uses all its blocks, one point each. A person placed in an area takes one of
its points at random, so each point stands for about the same number of residents and the
synthetic population follows the real density map; several persons share an address as
households do.

Example:
    >>> import numpy as np, shapely
    >>> blocks = shapely.box([0.0, 10.0], [0.0, 0.0], [10.0, 20.0], [10.0, 10.0])
    >>> places = Places.build(blocks, np.array([30.0, 0.0]), np.array([0, 0]), 1, rng=np.random.default_rng(1))
    >>> bool(np.all(places.x < 10.0)), places.sample(np.array([0, 0, 0]), np.random.default_rng(2)).shape
    (True, (3,))
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from ortswissen.errors import InvalidInput

__all__ = ["Places", "area_of_blocks", "hilbert_keys"]


def area_of_blocks(blocks: np.ndarray, areas: np.ndarray) -> np.ndarray:
    """Index of the area containing each block's representative point (-1 if none).

    The same rule the register import uses to map blocks to units.
    """
    points = shapely.point_on_surface(blocks)
    tree = shapely.STRtree(areas)
    block_idx, area_idx = tree.query(points, predicate="within")
    out = np.full(len(blocks), -1, dtype=np.int64)
    out[block_idx] = area_idx
    return out


def hilbert_keys(x: np.ndarray, y: np.ndarray, order: int = 10) -> np.ndarray:
    """Position of points along a Hilbert curve over their bounding box, in [0, 1).

    Points close on the curve are close in space, so sorting by it keeps neighbours together.

    >>> hilbert_keys(np.array([0.0, 0.0, 1.0, 1.0]), np.array([0.0, 1.0, 1.0, 0.0]), order=1).tolist()
    [0.0, 0.25, 0.5, 0.75]
    """
    n = 1 << order
    span_x = max(float(np.ptp(x)), 1e-9)
    span_y = max(float(np.ptp(y)), 1e-9)
    xi = np.minimum(((x - x.min()) / span_x * n).astype(np.int64), n - 1)
    yi = np.minimum(((y - y.min()) / span_y * n).astype(np.int64), n - 1)
    d = np.zeros(len(x), dtype=np.int64)
    s = n >> 1
    while s > 0:
        rx = ((xi & s) > 0).astype(np.int64)
        ry = ((yi & s) > 0).astype(np.int64)
        d += s * s * ((3 * rx) ^ ry)
        # rotate the quadrant so the curve stays continuous
        flip = ry == 0
        swap_x = np.where(flip & (rx == 1), n - 1 - xi, xi)
        swap_y = np.where(flip & (rx == 1), n - 1 - yi, yi)
        xi, yi = np.where(flip, swap_y, swap_x), np.where(flip, swap_x, swap_y)
        s >>= 1
    return d / float(n * n)


@dataclass(frozen=True)
class Places:
    """Address points (``x``, ``y`` in the blocks' CRS), their block and area, (sorted by area)."""

    x: np.ndarray
    y: np.ndarray
    block: np.ndarray  # index into the blocks given to build()
    area: np.ndarray  # area index of each point (points sorted by area)
    first: np.ndarray  # first point of each area
    last: np.ndarray  # one past the last point of each area

    @classmethod
    def build(
        cls,
        blocks: np.ndarray,
        residents: np.ndarray,
        block_area: np.ndarray,
        n_areas: int,
        *,
        rng: np.random.Generator,
        persons_per_address: float = 12.0,
    ) -> Places:
        """Points for blocks (shapely polygons) with residents, each block in area ``block_area``."""
        residents = np.nan_to_num(np.asarray(residents, dtype=float))
        block_area = np.asarray(block_area, dtype=np.int64)
        inside = block_area >= 0
        populated = np.bincount(block_area[inside], weights=residents[inside] > 0, minlength=n_areas) > 0
        use_all = inside & ~populated[np.maximum(block_area, 0)]
        weight = np.where(inside & (residents > 0), residents, np.where(use_all, 1.0, 0.0))
        count = np.where(weight > 0, np.maximum(1, np.round(residents / persons_per_address)), 0).astype(np.int64)
        missing = np.setdiff1d(np.arange(n_areas), block_area[count > 0])
        if len(missing):
            raise InvalidInput(f"{len(missing)} area(s) contain no block, e.g. area index {int(missing[0])}")
        block = np.repeat(np.arange(len(blocks)), count)
        x, y = _points_in(blocks[block], rng)
        # blocks overlap (sub-blocks, simplification): a point inside blocks of another area too
        # could be located there by the register import, so it is drawn again
        tree = shapely.STRtree(blocks)
        for _ in range(50):
            hit, other = tree.query(shapely.points(x, y), predicate="intersects")
            clash = np.unique(hit[block_area[other] != block_area[block[hit]]])
            if len(clash) == 0:
                break
            x[clash], y[clash] = _points_in(blocks[block[clash]], rng)
        else:  # a block covered by one of another area: its points are left out
            keep = np.ones(len(x), bool)
            keep[clash] = False
            x, y, block = x[keep], y[keep], block[keep]
        area = block_area[block]
        lost = np.setdiff1d(np.arange(n_areas), area)
        if len(lost):
            raise InvalidInput(f"area index {int(lost[0])} has no address point outside blocks of other areas")
        order = np.argsort(area, kind="stable")
        x, y, block, area = x[order], y[order], block[order], area[order]
        first = np.searchsorted(area, np.arange(n_areas), side="left")
        last = np.searchsorted(area, np.arange(n_areas), side="right")
        return cls(x, y, block, area, first, last)

    def sample(self, area: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One address point per entry of ``area`` (area indices), each point of the area equally likely."""
        area = np.asarray(area, dtype=np.int64)
        first = self.first[area]
        return first + (rng.random(len(area)) * (self.last[area] - first)).astype(np.int64)


def _points_in(polygons: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """One uniform random point (on a 0.1 m grid) inside each polygon (rejection sampling in the bounding box)."""
    bounds = shapely.bounds(polygons)
    x = np.empty(len(polygons))
    y = np.empty(len(polygons))
    todo = np.arange(len(polygons))
    for _ in range(100):
        if len(todo) == 0:
            break
        b = bounds[todo]
        # decimetres, as the points are written: the rounded point is the one that must lie inside
        cx = np.round(b[:, 0] + rng.random(len(todo)) * (b[:, 2] - b[:, 0]), 1)
        cy = np.round(b[:, 1] + rng.random(len(todo)) * (b[:, 3] - b[:, 1]), 1)
        hit = shapely.contains_xy(polygons[todo], cx, cy)
        x[todo[hit]], y[todo[hit]] = cx[hit], cy[hit]
        todo = todo[~hit]
    if len(todo):  # slivers: their representative point lies inside by construction
        points = shapely.point_on_surface(polygons[todo])
        x[todo], y[todo] = shapely.get_x(points), shapely.get_y(points)
    return x, y
