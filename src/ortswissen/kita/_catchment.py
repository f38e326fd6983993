"""Which places an area can use: its own Kitas, or a shared catchment by two-step floating catchment.

Three options (:func:`parse_catchment`):

``none``
    An area's places are those of the Kitas lying in it.
``neighbours``
    Each Kita serves its own area and the areas touching it (queen contiguity).
``<metres>m`` (e.g. ``500m``)
    Each Kita serves the areas whose demand point lies within that straight-line distance,
    and always the area it lies in.

Shared catchments are allocated by the **two-step floating catchment area** method (2SFCA,
Luo & Wang 2003): step 1 divides each Kita's places by the demand of all areas it serves,
``R_j = S_j / Σ_{i serves j} D_i``; step 2 gives each area the sum of the ratios it can reach
times its demand, ``places_i = D_i · Σ_{j reaches i} R_j``. Places are conserved: the areas
together get exactly the places of every Kita that some demand reaches; a Kita nobody reaches
(no children in its catchment) is reported as unallocated. Where an area has more
places nearby than its children need, the surplus flows to its neighbours in proportion to
their demand, which is what pooled planning across district lines does.

Example: three areas in a row, the middle Kita with 100 places serves all three.
    >>> reach = neighbour_reach([[1], [0, 2], [1]], site_area=[1])
    >>> r = two_step_fca([100.0], [20.0, 60.0, 20.0], reach)
    >>> r.places.tolist(), r.unallocated
    ([20.0, 60.0, 20.0], 0.0)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import sparse
from scipy.spatial import cKDTree

from ortswissen.errors import InvalidInput
from ortswissen.kita._demand import NO_DEMAND

__all__ = ["Catchment", "FcaResult", "neighbour_reach", "parse_catchment", "radius_reach", "two_step_fca"]

_RADIUS = re.compile(r"^(\d+(?:\.\d+)?)\s*m$")
_MAX_RADIUS = 50_000.0


@dataclass(frozen=True)
class Catchment:
    """A parsed catchment option: ``kind`` is none, neighbours or radius (with ``radius`` in metres)."""

    kind: str
    radius: float | None = None

    @property
    def label(self) -> str:
        """The option as written (``none``, ``neighbours``, ``500m``)."""
        return f"{self.radius:g}m" if self.kind == "radius" else self.kind

    def describe(self) -> dict[str, object]:
        """JSON-ready description with a German and an English explanation."""
        if self.kind == "none":
            text = ("Plätze der Kitas im Gebiet", "places of the Kitas in the area")
        elif self.kind == "neighbours":
            text = (
                "Kitas versorgen ihr Gebiet und die Nachbargebiete (2SFCA)",
                "Kitas serve their area and the touching areas (2SFCA)",
            )
        else:
            text = (
                f"Kitas versorgen Gebiete im Umkreis von {self.radius:g} m Luftlinie (2SFCA)",
                f"Kitas serve areas within {self.radius:g} m straight-line distance (2SFCA)",
            )
        return {"id": self.label, "label_de": text[0], "label_en": text[1]}


def parse_catchment(text: str) -> Catchment:
    """``none``, ``neighbours`` or a walking radius such as ``500m``.

    >>> parse_catchment("750m"), parse_catchment("neighbours").label
    (Catchment(kind='radius', radius=750.0), 'neighbours')
    """
    value = (text or "none").strip().lower()
    if value in ("none", "neighbours", "neighbors"):
        return Catchment("neighbours" if value.startswith("neighb") else "none")
    m = _RADIUS.match(value)
    if not m:
        raise InvalidInput(f"catchment {text!r}: use none, neighbours or a radius in metres such as 500m")
    radius = float(m.group(1))
    if not 0 < radius <= _MAX_RADIUS:
        raise InvalidInput(f"catchment {text!r}: the radius must lie above 0 and at most {_MAX_RADIUS:g} m")
    return Catchment("radius", radius)


@dataclass(frozen=True)
class FcaResult:
    """Places available to each area, the places nobody reaches, and each Kita's places per unit demand."""

    places: np.ndarray
    unallocated: float
    ratio: np.ndarray


def two_step_fca(places: ArrayLike, demand: ArrayLike, reach: sparse.spmatrix | sparse.sparray) -> FcaResult:
    """Allocate the places of ``m`` Kitas to ``n`` areas; ``reach`` is an ``(n, m)`` 0/1 matrix."""
    s = np.asarray(places, dtype=float)
    d = np.asarray(demand, dtype=float)
    w = sparse.csr_matrix(reach, dtype=float)
    if w.shape != (len(d), len(s)):
        raise InvalidInput(f"reach must be (areas, Kitas) = {(len(d), len(s))}, got {w.shape}")
    if (s < 0).any() or (d < 0).any():
        raise InvalidInput("places and demand must not be negative")
    served = w.T @ d  # demand reaching each Kita
    reached = served > NO_DEMAND
    ratio = np.divide(s, served, out=np.zeros_like(s), where=reached)
    return FcaResult(places=d * (w @ ratio), unallocated=float(s[~reached].sum()), ratio=ratio)


def neighbour_reach(neighbours: Sequence[Sequence[int]], site_area: ArrayLike) -> sparse.csr_matrix:
    """Reach of Kitas lying in ``site_area`` (area positions) over their area and its ``neighbours``."""
    area = np.asarray(site_area, dtype=np.int64)
    n = len(neighbours)
    if len(area) and (area.min() < 0 or area.max() >= n):
        raise InvalidInput("every Kita must lie in one of the areas")
    rows = [np.arange(n)]
    cols = [np.arange(n)]
    for i, nb in enumerate(neighbours):
        rows.append(np.full(len(nb), i))
        cols.append(np.asarray(nb, dtype=np.int64))
    r, c = np.concatenate(rows), np.concatenate(cols)
    adjacency = sparse.csr_matrix((np.ones(len(r)), (r, c)), shape=(n, n))
    adjacency.data[:] = 1.0
    membership = sparse.csr_matrix((np.ones(len(area)), (area, np.arange(len(area)))), shape=(n, len(area)))
    out = (adjacency.maximum(adjacency.T) @ membership).tocsr()
    out.data[:] = 1.0
    return out


def radius_reach(
    points: ArrayLike, sites: ArrayLike, radius: float, site_area: ArrayLike | None = None
) -> sparse.csr_matrix:
    """Areas (demand ``points``, metres) reach the ``sites`` within ``radius``, and always those lying in them.

    >>> radius_reach([[0, 0], [1000, 0]], [[300, 0], [900, 0]], 400, site_area=[1, 1]).toarray().tolist()
    [[1.0, 0.0], [1.0, 1.0]]
    """
    p = np.asarray(points, dtype=float).reshape(-1, 2)
    q = np.asarray(sites, dtype=float).reshape(-1, 2)
    n, m = len(p), len(q)
    if not len(q) or not len(p):
        return sparse.csr_matrix((n, m))
    hits = cKDTree(q).query_ball_point(p, r=radius)
    rows = [np.repeat(np.arange(n), [len(h) for h in hits])]
    cols = [np.asarray([j for h in hits for j in h], dtype=np.int64)]
    if site_area is not None:
        area = np.asarray(site_area, dtype=np.int64)
        inside = area >= 0
        rows.append(area[inside])
        cols.append(np.flatnonzero(inside))
    r, c = np.concatenate(rows), np.concatenate(cols)
    out = sparse.csr_matrix((np.ones(len(r)), (r, c)), shape=(n, m))
    out.data[:] = 1.0
    return out
