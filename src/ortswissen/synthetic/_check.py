"""Recount stocks from the register frames alone, to measure agreement with the published values.

:func:`replay_stocks` reads only the profile columns (persons with their start address,
events in file order) and the area polygons — none of the generator's own bookkeeping — so
it checks the frames the way the register import sees them: a point lies in a block, a block
in the area that holds its representative point, and at each 31 December a person lives at
the address of the last birth or move up to that day, unless a move out or death came later.

Example:
    >>> import pandas as pd, shapely, numpy as np
    >>> persons = pd.DataFrame({"register_id": ["A", "B"], "birth_date": ["1980-01-01", "2011-05-01"],
    ...                         "x": [1.0, None], "y": [1.0, None]})
    >>> events = pd.DataFrame({"register_id": ["B", "A"], "event": ["birth", "move_out"],
    ...                        "date": ["2011-05-01", "2012-03-01"], "x": [2.0, None], "y": [2.0, None]})
    >>> blocks = shapely.box(np.array([0.0]), 0.0, 5.0, 5.0)
    >>> out = replay_stocks(persons, events, [2011, 2012], blocks, np.array([0]), 1, np.array([0, 18]))
    >>> out.tolist()  # [year][area][band][sex]: B is a boy born 2011, A moves out in 2012
    [[[[1, 0], [1, 0]]], [[[1, 0], [0, 0]]]]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import shapely

__all__ = ["replay_stocks"]

_OPENING = ("birth", "move_in", "move_within")


def _locate(x: np.ndarray, y: np.ndarray, blocks: np.ndarray, block_area: np.ndarray) -> np.ndarray:
    """Area index of each point's block (-1 outside all blocks), each distinct point located once."""
    has = ~(np.isnan(x) | np.isnan(y))
    out = np.full(len(x), -1, dtype=np.int64)
    xy = np.stack([x[has], y[has]], axis=1)
    if len(xy) == 0:
        return out
    distinct, inverse = np.unique(xy, axis=0, return_inverse=True)
    tree = shapely.STRtree(blocks)
    p_idx, b_idx = tree.query(shapely.points(distinct), predicate="intersects")
    found = np.full(len(distinct), -1, dtype=np.int64)
    found[p_idx] = np.asarray(block_area)[b_idx]
    out[has] = found[inverse.ravel()]
    return out


def _floats(column: pd.Series) -> np.ndarray:
    return pd.to_numeric(column, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def replay_stocks(
    persons: pd.DataFrame,
    events: pd.DataFrame,
    years: Sequence[int],
    blocks: np.ndarray,
    block_area: np.ndarray,
    n_areas: int,
    band_starts: np.ndarray,
) -> np.ndarray:
    """Residents ``[year, area, band, sex (0 male, 1 female)]`` at 31 December of each year.

    ``blocks`` are polygons and ``block_area`` the area index of each (-1: none of the areas).
    """
    n = len(persons)
    index = pd.Index(persons["register_id"].astype(str))
    pid = index.get_indexer(events["register_id"].astype(str))
    birth_year = pd.to_datetime(persons["birth_date"].astype(str)).dt.year.to_numpy()
    female = persons["sex"].astype(str).isin(["w", "f"]).to_numpy() if "sex" in persons else np.zeros(n, bool)
    start_area = _locate(_floats(persons["x"]), _floats(persons["y"]), blocks, block_area)
    ev_date = pd.to_datetime(events["date"].astype(str)).to_numpy()
    opens = events["event"].astype(str).isin(_OPENING).to_numpy()
    ev_area = np.where(opens, _locate(_floats(events["x"]), _floats(events["y"]), blocks, block_area), -1)
    order = np.argsort(ev_date, kind="stable")  # file order within a day
    pid, ev_date, ev_area = pid[order], ev_date[order], ev_area[order]
    n_bands = len(band_starts)
    out = np.zeros((len(years), n_areas, n_bands, 2), dtype=np.int64)
    for t, year in enumerate(years):
        m = int(np.searchsorted(ev_date, np.datetime64(f"{year}-12-31"), side="right"))
        last = np.full(n, -1, dtype=np.int64)
        np.maximum.at(last, pid[:m], np.arange(m))
        area = np.where(last >= 0, ev_area[np.maximum(last, 0)], start_area)
        here = area >= 0
        band = np.searchsorted(band_starts, year - birth_year[here], side="right") - 1
        np.add.at(out[t], (area[here], band, female[here].astype(np.int64)), 1)
    return out
