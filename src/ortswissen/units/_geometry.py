"""Validation of geometries and coordinate reference systems before they are stored.

The functions here never write anything: they return repaired arrays and lists of
:class:`~ortswissen.reports.Issue` so the caller can reject an import as a whole. Invalid
geometries are reported with GEOS's reason and location and repaired only when asked
(``make_valid`` with the *structure* method, keeping the polygonal parts).

Examples
--------
>>> import shapely
>>> bowtie = shapely.from_wkt("POLYGON((0 0, 2 2, 2 0, 0 2, 0 0))")
>>> geoms, issues = check_geometries([bowtie], "area")
>>> issues[0].code, issues[0].row
('invalid-geometry', 1)
>>> geoms, issues = check_geometries([bowtie], "area", repair=True)
>>> round(float(shapely.area(geoms[0])), 2), issues[0].code
(2.0, 'repaired-geometry')
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import numpy as np
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError as PyprojCRSError

from ortswissen.errors import CrsError
from ortswissen.reports import Issue, Severity

__all__ = [
    "GeometryKind",
    "check_crs",
    "check_geometries",
    "check_within_extent",
    "parse_crs",
]

GeometryKind = Literal["point", "line", "area"]

_ALLOWED: dict[str, set[str]] = {
    "point": {"Point"},
    "line": {"LineString", "MultiLineString"},
    "area": {"Polygon", "MultiPolygon"},
}


def parse_crs(value: object) -> CRS:
    """A :class:`pyproj.CRS` from ``"EPSG:25833"``, ``25833``, WKT or a CRS object.

    >>> parse_crs("epsg:25833").to_epsg()
    25833
    """
    if isinstance(value, CRS):
        return value
    try:
        return CRS.from_user_input(value)
    except (PyprojCRSError, TypeError) as exc:
        raise CrsError(f"{value!r} is not a coordinate reference system ({exc})") from exc


def check_geometries(
    geoms: Sequence[object] | np.ndarray,
    kind: GeometryKind,
    *,
    repair: bool = False,
    ids: Sequence[str] | None = None,
) -> tuple[np.ndarray, list[Issue]]:
    """Check geometries of one kind; repair invalid ones only when ``repair`` is true.

    Single-part MultiPoints count as points (several WFS layers deliver points that way);
    a MultiPoint with several points is an error for ``kind="point"``.
    Returns the (possibly repaired) geometries and the issues, rows 1-based.
    """
    arr = np.asarray(geoms, dtype=object).copy()
    issues: list[Issue] = []

    def label(i: int) -> str:
        return f" (id {ids[i]!r})" if ids is not None else ""

    for i, geom in enumerate(arr):
        row = i + 1
        if geom is None or (isinstance(geom, float) and math.isnan(geom)):
            issues.append(Issue(Severity.ERROR, "missing-geometry", f"feature has no geometry{label(i)}", row=row))
            continue
        if shapely.is_empty(geom):
            issues.append(Issue(Severity.ERROR, "empty-geometry", f"feature has an empty geometry{label(i)}", row=row))
            continue
        name = geom.geom_type
        if kind == "point" and name == "MultiPoint":
            parts = shapely.get_num_geometries(geom)
            if parts == 1:
                arr[i] = shapely.get_geometry(geom, 0)
                continue
            issues.append(
                Issue(
                    Severity.ERROR,
                    "wrong-geometry-type",
                    f"MultiPoint with {parts} points where one point is expected{label(i)}",
                    row=row,
                )
            )
            continue
        if name not in _ALLOWED[kind]:
            issues.append(
                Issue(
                    Severity.ERROR,
                    "wrong-geometry-type",
                    f"{name} where {'/'.join(sorted(_ALLOWED[kind]))} is expected{label(i)}",
                    row=row,
                    value=name,
                )
            )
            continue
        if not shapely.is_valid(geom):
            reason = shapely.is_valid_reason(geom)
            if repair:
                fixed = _repair(geom, kind)
                if fixed is None:
                    issues.append(
                        Issue(
                            Severity.ERROR,
                            "invalid-geometry",
                            f"invalid geometry{label(i)} could not be repaired: {reason}",
                            row=row,
                        )
                    )
                else:
                    arr[i] = fixed
                    issues.append(
                        Issue(
                            Severity.WARNING,
                            "repaired-geometry",
                            f"invalid geometry{label(i)} repaired: {reason}",
                            row=row,
                        )
                    )
            else:
                issues.append(
                    Issue(
                        Severity.ERROR,
                        "invalid-geometry",
                        f"invalid geometry{label(i)}: {reason} (use repair to fix it)",
                        row=row,
                    )
                )
    return arr, issues


def _repair(geom: object, kind: GeometryKind) -> object | None:
    fixed = shapely.make_valid(geom, method="structure", keep_collapsed=False)
    if kind == "area":
        polys = [g for g in shapely.get_parts(fixed) if g.geom_type in ("Polygon", "MultiPolygon") and not g.is_empty]
        if not polys:
            return None
        fixed = shapely.union_all(polys) if len(polys) > 1 else polys[0]
    if shapely.is_empty(fixed) or not shapely.is_valid(fixed):
        return None
    return fixed


def check_crs(
    file_crs: CRS | None,
    declared: CRS | None,
    bounds: tuple[float, float, float, float],
    *,
    source: str = "",
) -> CRS:
    """Decide the CRS of a file's coordinates and check it fits them.

    ``file_crs`` is what the file says (``None`` when it says nothing, e.g. a Shapefile
    without ``.prj``); ``declared`` is what the user declared. Raises :class:`CrsError`
    when no CRS is known, when both disagree, or when the coordinates cannot be in that CRS
    (projected numbers in a geographic CRS, swapped axes, eastings with a zone prefix,
    coordinates outside the CRS's area of use).

    >>> check_crs(CRS.from_epsg(4326), None, (391390.0, 5817855.0, 391400.0, 5817900.0))
    Traceback (most recent call last):
    ...
    ortswissen.errors.CrsError: coordinates such as (391390, 5817855) cannot be longitude/latitude in EPSG:4326; ...
    """
    prefix = f"{source}: " if source else ""
    if file_crs is None and declared is None:
        raise CrsError(
            f"{prefix}the file declares no coordinate reference system (e.g. a Shapefile without .prj); "
            "declare it, e.g. --crs EPSG:25833"
        )
    if file_crs is not None and declared is not None and not _same_crs(file_crs, declared):
        raise CrsError(
            f"{prefix}the file declares {_name(file_crs)} but {_name(declared)} was given; "
            "drop the declaration or fix the file"
        )
    crs = file_crs if file_crs is not None else declared
    assert crs is not None  # for the type checker; both-None raised above
    minx, miny, maxx, maxy = bounds
    if not all(math.isfinite(v) for v in bounds):
        raise CrsError(f"{prefix}coordinates are not finite numbers")
    if crs.is_geographic:
        if max(abs(minx), abs(maxx)) > 180 or max(abs(miny), abs(maxy)) > 90:
            raise CrsError(
                f"{prefix}coordinates such as ({minx:.0f}, {miny:.0f}) cannot be longitude/latitude in "
                f"{_name(crs)}; the data look projected (e.g. UTM, EPSG:25832/25833): declare the right CRS"
            )
        if 45 <= minx <= 56 and 45 <= maxx <= 56 and 4 <= miny <= 17 and 4 <= maxy <= 17:
            raise CrsError(
                f"{prefix}x runs from {minx:.2f} to {maxx:.2f} and y from {miny:.2f} to {maxy:.2f}: "
                "latitude and longitude look swapped (x must be the longitude)"
            )
    elif abs(minx) >= 10_000_000 and abs(maxx) < 100_000_000 and crs.to_epsg() in _UTM_EPSG:
        raise CrsError(
            f"{prefix}eastings such as {minx:.0f} have 8 digits: they carry a UTM zone prefix "
            f"(e.g. 32/33); remove it or declare the matching CRS (e.g. EPSG:4647/5650)"
        )
    _check_area_of_use(crs, bounds, prefix)
    return crs


_UTM_EPSG = {25831, 25832, 25833, 32631, 32632, 32633}


def _check_area_of_use(crs: CRS, bounds: tuple[float, float, float, float], prefix: str) -> None:
    area = crs.area_of_use
    if area is None:
        return
    try:
        to_lonlat = Transformer.from_crs(crs, 4326, always_xy=True)
        xs = [bounds[0], bounds[2], bounds[0], bounds[2]]
        ys = [bounds[1], bounds[1], bounds[3], bounds[3]]
        lon, lat = to_lonlat.transform(xs, ys)
    except Exception as exc:  # pyproj raises several types for impossible coordinates
        raise CrsError(f"{prefix}coordinates cannot be transformed from {_name(crs)}: {exc}") from exc
    lon_arr, lat_arr = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    margin = 4.0  # degrees: UTM zones are used well beyond their nominal 6° band in practice
    if (
        not np.all(np.isfinite(lon_arr))
        or not np.all(np.isfinite(lat_arr))
        or lon_arr.min() < area.west - margin
        or lon_arr.max() > area.east + margin
        or lat_arr.min() < area.south - margin
        or lat_arr.max() > area.north + margin
    ):
        raise CrsError(
            f"{prefix}the coordinates (x {bounds[0]:.0f}…{bounds[2]:.0f}, y {bounds[1]:.0f}…{bounds[3]:.0f}) "
            f"lie outside the area where {_name(crs)} is used ({area.name}); is the CRS wrong?"
        )


def check_within_extent(
    bounds: tuple[float, float, float, float],
    project_bounds: tuple[float, float, float, float] | None,
    *,
    source: str = "",
) -> None:
    """Raise :class:`CrsError` if data bounds do not touch the project's extent (with slack).

    The project extent is that of the units already stored; data far away from it were
    almost always given the wrong CRS.
    """
    if project_bounds is None:
        return
    pminx, pminy, pmaxx, pmaxy = project_bounds
    slack = max(pmaxx - pminx, pmaxy - pminy, 1000.0)
    minx, miny, maxx, maxy = bounds
    if maxx < pminx - slack or minx > pmaxx + slack or maxy < pminy - slack or miny > pmaxy + slack:
        prefix = f"{source}: " if source else ""
        raise CrsError(
            f"{prefix}the data (x {minx:.0f}…{maxx:.0f}, y {miny:.0f}…{maxy:.0f}) lie far outside the "
            f"project area (x {pminx:.0f}…{pmaxx:.0f}, y {pminy:.0f}…{pmaxy:.0f}); is the CRS wrong?"
        )


def _same_crs(a: CRS, b: CRS) -> bool:
    if a == b:
        return True
    ea, eb = a.to_epsg(min_confidence=70), b.to_epsg(min_confidence=70)
    return ea is not None and ea == eb


def _name(crs: CRS) -> str:
    epsg = crs.to_epsg(min_confidence=70)
    return f"EPSG:{epsg}" if epsg else crs.name
