"""Parent–child relations between units of nested levels.

A unit's parent is given in the data, derived from an id prefix (Berlin: the first 6 digits
of a planning area id are its district region), or found by location (the parent unit that
holds most of the child's area). Whichever way, the parent must *cover* the child: at most
``tolerance`` of the child's area may lie outside it, which absorbs the digitising noise of
boundaries drawn by different offices but catches a unit filed under the wrong parent.

Examples
--------
>>> import shapely
>>> parent = shapely.box(0, 0, 10, 10)
>>> inside, straddling = shapely.box(1, 1, 2, 2), shapely.box(9, 9, 11, 11)
>>> [round(x, 2) for x in share_outside([inside, straddling], [parent, parent])]
[0.0, 0.75]
>>> parents_from_prefix(["01100101", "01100102"], 6)
['011001', '011001']
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely

from ortswissen.errors import DefinitionError

__all__ = ["DEFAULT_COVER_TOLERANCE", "assign_by_location", "parents_from_prefix", "share_outside"]

#: Share of a child's area that may lie outside its parent (0.5 %).
DEFAULT_COVER_TOLERANCE = 0.005


def share_outside(children: Sequence[object], parents: Sequence[object]) -> list[float]:
    """For aligned child and parent geometries, the share of each child outside its parent."""
    child = np.asarray(children, dtype=object)
    parent = np.asarray(parents, dtype=object)
    area = shapely.area(child)
    outside = shapely.area(shapely.difference(child, parent))
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(area > 0, outside / area, 0.0)
    return [float(x) for x in share]


def parents_from_prefix(ids: Sequence[str], length: int) -> list[str]:
    """Parent ids as the first ``length`` characters of each id."""
    if length <= 0:
        raise DefinitionError("a parent prefix length must be positive")
    return [i[:length] for i in ids]


def assign_by_location(
    children: Sequence[object], parent_ids: Sequence[str], parent_geoms: Sequence[object]
) -> list[str | None]:
    """For each child geometry, the id of the parent holding most of its area.

    Returns ``None`` for children that touch no parent at all.
    """
    tree = shapely.STRtree(np.asarray(parent_geoms, dtype=object))
    child_arr = np.asarray(children, dtype=object)
    pairs = tree.query(child_arr, predicate="intersects")
    best: list[str | None] = [None] * len(child_arr)
    best_area = np.zeros(len(child_arr))
    if pairs.size:
        inter = shapely.area(
            shapely.intersection(child_arr[pairs[0]], np.asarray(parent_geoms, dtype=object)[pairs[1]])
        )
        for c, p, a in zip(pairs[0], pairs[1], inter, strict=True):
            if a > best_area[c]:
                best_area[c] = a
                best[c] = parent_ids[p]
    return best
