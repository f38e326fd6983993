"""Boundaries simplified for maps, with shared borders kept shared.

A map of 542 planning areas does not need every vertex of the cadastre: a tolerance of a
few metres shrinks the GeoJSON several times. Simplifying each polygon on its own opens
slivers and overlaps between neighbours, so a *coverage* (units of one date) is simplified
as a whole with :func:`shapely.coverage_simplify`, which moves each shared edge once.

Examples
--------
>>> import geopandas as gpd
>>> from shapely import box
>>> frame = gpd.GeoDataFrame(
...     {"unit_id": ["a", "b"]}, geometry=[box(0, 0, 10, 10), box(10, 0, 20, 10)], crs=25833
... )
>>> out = simplified(frame, 1.0, coverage=True)
>>> [round(g.area) for g in out.geometry]
[100, 100]
"""

from __future__ import annotations

import geopandas as gpd
import shapely

__all__ = ["simplified"]


def simplified(frame: gpd.GeoDataFrame, tolerance: float, *, coverage: bool) -> gpd.GeoDataFrame:
    """``frame`` with its polygons simplified by ``tolerance`` (in the frame's CRS units).

    ``coverage``: the polygons do not overlap (units of one date or one vintage), so their
    shared borders are simplified together; otherwise (versions of several periods overlap)
    each polygon is simplified on its own, keeping it valid.
    """
    if frame.empty or tolerance <= 0:
        return frame
    geometries = frame.geometry.values
    if coverage:
        try:
            result = shapely.coverage_simplify(geometries, tolerance)
        except shapely.errors.GEOSException:  # not a clean coverage after all: fall back per polygon
            result = shapely.simplify(geometries, tolerance, preserve_topology=True)
    else:
        result = shapely.simplify(geometries, tolerance, preserve_topology=True)
    out = frame.copy()
    out[frame.geometry.name] = gpd.GeoSeries(result, index=frame.index, crs=frame.crs)
    return out
