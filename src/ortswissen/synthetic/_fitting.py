"""Iterative proportional fitting and integer rounding that keeps group totals exactly.

* :func:`ipf` rakes a non-negative seed array to given margins (sums over some axes), the
  classic iterative proportional fitting of Deming and Stephan: scale to each margin in turn
  until every margin holds. The seed's interactions (odds ratios) are kept.
* :func:`round_to_totals` turns real numbers into integers whose sums per group equal given
  integer totals (largest-remainder rounding): every value becomes its floor or ceiling, the
  ceilings go to the largest fractional parts, and an optional cap is never exceeded.

Example:
    >>> import numpy as np
    >>> seed = np.ones((2, 2))
    >>> fit = ipf(seed, [((1,), np.array([3.0, 7.0])), ((0,), np.array([4.0, 6.0]))])
    >>> np.round(fit, 3).tolist()
    [[1.2, 2.8], [1.8, 4.2]]
    >>> round_to_totals(np.array([0.5, 0.5, 1.2, 0.8]), np.array([0, 0, 1, 1]), np.array([1, 2])).tolist()
    [1, 0, 1, 1]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ortswissen.errors import InvalidInput

__all__ = ["ipf", "round_to_totals"]


def ipf(
    seed: np.ndarray,
    margins: Sequence[tuple[tuple[int, ...], np.ndarray]],
    *,
    iterations: int = 200,
    tolerance: float = 1e-9,
) -> np.ndarray:
    """Rake ``seed`` so that its sums over the axes *not* listed equal each margin.

    Each margin is ``(kept_axes, totals)``: ``totals`` has the shape of ``seed`` reduced to
    ``kept_axes`` (in order). Cells of a margin whose seed sum is zero stay zero (their total
    must then be zero, else the fit cannot reach it; the result is returned as far as it got).
    Stops when the largest relative margin error is below ``tolerance``.
    """
    fit = np.asarray(seed, dtype=float).copy()
    if (fit < 0).any() or not np.isfinite(fit).all():
        raise InvalidInput("the IPF seed must be finite and non-negative")
    ndim = fit.ndim
    prepared = []
    for axes, totals in margins:
        other = tuple(a for a in range(ndim) if a not in axes)
        shape = [fit.shape[a] if a in axes else 1 for a in range(ndim)]
        prepared.append((other, np.asarray(totals, dtype=float).reshape(shape)))
    for _ in range(iterations):
        worst = 0.0
        for other, totals in prepared:
            current = fit.sum(axis=other, keepdims=True)
            factor = np.divide(totals, current, out=np.zeros_like(current), where=current > 0)
            fit *= factor
            worst = max(worst, float(np.max(np.abs(current - totals) / np.maximum(totals, 1.0))))
        if worst < tolerance:
            break
    return fit


def round_to_totals(
    values: np.ndarray, groups: np.ndarray, totals: np.ndarray, caps: np.ndarray | None = None
) -> np.ndarray:
    """Integers per value (floor or ceiling) whose sums per group equal ``totals`` exactly.

    ``groups`` holds each value's group index (0 … len(totals)-1). The values of a group
    should sum to its total (up to float noise): the difference is given to (or taken from)
    the values with the largest (smallest) fractional parts. With ``caps`` no value exceeds its
    cap. Raises :class:`InvalidInput` when a total cannot be reached.
    """
    values = np.maximum(np.asarray(values, dtype=float), 0.0)
    groups = np.asarray(groups, dtype=np.int64)
    totals = np.asarray(totals, dtype=np.int64)
    out = np.floor(values + 1e-9).astype(np.int64)
    if caps is not None:
        out = np.minimum(out, np.asarray(caps, dtype=np.int64))
    frac = values - out
    missing = totals - np.bincount(groups, weights=out, minlength=len(totals)).astype(np.int64)
    room = np.ones(len(values), bool) if caps is None else out < caps
    # add: largest fractions first among values with room; remove: smallest fractions first
    for sign in (1, -1):
        need = np.maximum(sign * missing, 0)
        if not need.any():
            continue
        eligible = room if sign > 0 else out > 0
        key = np.where(eligible, -sign * frac, np.inf)
        order = np.lexsort((key, groups))
        g = groups[order]
        starts = np.searchsorted(g, np.arange(len(totals)))
        rank = np.arange(len(order)) - starts[g]
        pick = (rank < need[g]) & np.isfinite(key[order])
        out[order[pick]] += sign
        got = np.bincount(g[pick], minlength=len(totals))
        if (got < need).any():
            raise InvalidInput("integer totals cannot be reached within the caps")
    return out
