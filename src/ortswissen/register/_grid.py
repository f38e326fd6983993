"""The INSPIRE statistical grid: 100 m cells in ETRS89-LAEA (EPSG:3035).

A cell is named by its resolution and the coordinates of its lower-left corner, northing
first: ``CRS3035RES100mN3270100E4552300``. Coordinates in another CRS are transformed first.

Examples
--------
>>> inspire_cells([4552345.6], [3270199.9], crs="EPSG:3035").tolist()
['CRS3035RES100mN3270100E4552300']
>>> inspire_cells([391000.0], [5820000.0]).tolist()  # EPSG:25833 by default; gdaltransform: 4551263.9 3273142.6
['CRS3035RES100mN3273100E4551200']
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from pyproj import Transformer

__all__ = ["inspire_cells"]


def inspire_cells(
    x: Sequence[float] | np.ndarray, y: Sequence[float] | np.ndarray, *, crs: str = "EPSG:25833", size: int = 100
) -> np.ndarray:
    """INSPIRE cell ids (object array) of points given in ``crs``; NaN coordinates give ``None``.

    Only the distinct cells are formatted, so millions of points cost little more than the
    coordinate transformation itself.
    """
    xs = np.asarray(x, dtype=float)
    ys = np.asarray(y, dtype=float)
    if crs.upper() != "EPSG:3035":
        xs, ys = Transformer.from_crs(crs, "EPSG:3035", always_xy=True).transform(xs, ys)
    ok = np.isfinite(xs) & np.isfinite(ys)
    east = np.floor(np.where(ok, xs, 0) / size).astype(np.int64) * size
    north = np.floor(np.where(ok, ys, 0) / size).astype(np.int64) * size
    cells, index = np.unique(np.stack([north, east], axis=1), axis=0, return_inverse=True)
    names = np.array([f"CRS3035RES{size}mN{n}E{e}" for n, e in cells], dtype=object)
    out = names[index.reshape(-1)] if len(cells) else np.array([], dtype=object)
    out[~ok] = None
    return out
