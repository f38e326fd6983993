"""Flow lines for the map: the largest flows between pairs of units as LineStrings.

Each unordered pair of different units appears once, drawn from the unit that loses on
balance to the one that gains (``count`` ≥ ``reverse_count``; a tie is drawn from the
smaller id), so an arrow head at the end shows the net direction. Moves across the city
boundary and within a unit have no line.

Examples
--------
>>> od = pd.DataFrame({"origin": ["A", "B", "A", "outside"], "destination": ["B", "A", "C", "A"],
...                    "count": [3, 7, 1, 50]})
>>> flow_pairs(od, min_count=2).to_dict("records")
[{'origin': 'B', 'destination': 'A', 'count': 7, 'reverse_count': 3, 'net': 4, 'total': 10}]
>>> lines = flow_lines(flow_pairs(od), {"A": (13.40, 52.52), "B": (13.45, 52.50), "C": (13.3, 52.4)})
>>> lines.geometry.iloc[0].coords[:]
[(13.45, 52.5), (13.4, 52.52)]
"""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ortswissen.errors import InvalidInput
from ortswissen.migration._moves import OUTSIDE, UNKNOWN

__all__ = ["flow_lines", "flow_pairs"]

_PAIR_COLUMNS = ["origin", "destination", "count", "reverse_count", "net", "total"]


def flow_pairs(od: pd.DataFrame, *, min_count: int = 1, limit: int | None = None) -> pd.DataFrame:
    """Pairs of units with ``count + reverse_count ≥ min_count``, largest totals first (``limit`` rows at most)."""
    if min_count < 1:
        raise InvalidInput(f"min_count must be at least 1, not {min_count}")
    if limit is not None and limit < 1:
        raise InvalidInput(f"limit must be at least 1, not {limit}")
    units = od[
        ~od["origin"].isin((OUTSIDE, UNKNOWN))
        & ~od["destination"].isin((OUTSIDE, UNKNOWN))
        & (od["origin"] != od["destination"])
    ]
    if units.empty:
        return pd.DataFrame(
            {c: pd.Series(dtype="int64" if c not in ("origin", "destination") else object) for c in _PAIR_COLUMNS}
        )
    a = np.minimum(units["origin"].astype(str), units["destination"].astype(str))
    b = np.maximum(units["origin"].astype(str), units["destination"].astype(str))
    forward = np.where(units["origin"].astype(str) == a, units["count"], 0)
    backward = np.where(units["origin"].astype(str) == a, 0, units["count"])
    pairs = (
        pd.DataFrame({"a": a, "b": b, "ab": forward, "ba": backward})
        .groupby(["a", "b"], as_index=False)[["ab", "ba"]]
        .sum()
    )
    flip = pairs["ba"] > pairs["ab"]
    out = pd.DataFrame(
        {
            "origin": np.where(flip, pairs["b"], pairs["a"]),
            "destination": np.where(flip, pairs["a"], pairs["b"]),
            "count": np.where(flip, pairs["ba"], pairs["ab"]).astype("int64"),
            "reverse_count": np.where(flip, pairs["ab"], pairs["ba"]).astype("int64"),
        }
    )
    out["net"] = out["count"] - out["reverse_count"]
    out["total"] = out["count"] + out["reverse_count"]
    out = out[out["total"] >= min_count].sort_values(
        ["total", "origin", "destination"], ascending=[False, True, True], kind="stable"
    )
    if limit is not None:
        out = out.head(limit)
    return out.reset_index(drop=True)[_PAIR_COLUMNS]


def flow_lines(
    pairs: pd.DataFrame, points: Mapping[str, tuple[float, float]], *, crs: str = "EPSG:4326"
) -> gpd.GeoDataFrame:
    """Pairs as a GeoDataFrame of LineStrings between the units' points (pairs without points dropped).

    ``id`` is ``origin→destination``; ``points`` maps unit id → ``(x, y)`` (lon/lat for WGS84).
    """
    known = pairs["origin"].isin(list(points)) & pairs["destination"].isin(list(points))
    kept = pairs[known.to_numpy()].reset_index(drop=True)
    start = np.array([points[u] for u in kept["origin"]], dtype=float).reshape(-1, 2)
    end = np.array([points[u] for u in kept["destination"]], dtype=float).reshape(-1, 2)
    lines = shapely.linestrings(np.stack([start, end], axis=1)) if len(kept) else []
    frame = kept.assign(id=kept["origin"].astype(str) + "→" + kept["destination"].astype(str))
    return gpd.GeoDataFrame(frame[["id", *frame.columns[:-1]]], geometry=list(lines), crs=crs)
