"""The compiled inner step of the projection: one year for every trajectory and area at once.

One fused loop per (trajectory, area) ages the cohorts with their ratios, adds the expected
additions (first occupants of new dwellings, in-migrants given as counts), forms age 0 from
the persons of childbearing age, rescales the area to its target total where one is given,
and sums the output groups (age ranges over both sexes) — so each cell is read and written once per year. Numba compiles
it (``parallel=True`` spreads trajectories over the cores); :func:`advance_numpy` is the same
step in plain NumPy, used by the tests to check the compiled one.

The shock ``u`` of a trajectory and area enters the ratio of age ``x`` to first order,
``r[x] · (1 + w[x] · u)``, where ``w`` is the age profile of migration sensitivity (young
adults move most); the factor is kept non-negative.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

__all__ = ["advance", "advance_numpy"]


@njit(parallel=True, fastmath=True, cache=True, nogil=True)
def advance(
    state: np.ndarray,  # (J, A, S, N) float32, updated in place
    ratios: np.ndarray,  # (A, S, N) float32
    additions: np.ndarray,  # (A, S, N) float32
    weights: np.ndarray,  # (S, N) float32
    shocks: np.ndarray,  # (J, A) float32
    targets: np.ndarray,  # (J, A) float32, <= 0: no rescaling
    groups: np.ndarray,  # (G, 2) int64: age ranges [from, to) summed over sexes
    out: np.ndarray,  # (A, G, J) float32: trajectories last, so quantiles read contiguous rows
    fertile_from: int,
    fertile_to: int,
    fertile_sex: int,
) -> None:
    n_traj, n_area, n_sex, n_age = state.shape
    n_groups = groups.shape[0]
    top = n_age - 1
    # areas outermost: an area's ratios and additions stay in the first-level cache while its
    # trajectories stream past; one-dimensional slices and a branch-free clamp let the
    # compiler vectorise the age loops
    zero = np.float32(0.0)
    one = np.float32(1.0)
    for a in prange(n_area):
        new = np.empty(n_age, dtype=np.float32)
        by_age = np.empty(n_age, dtype=np.float32)
        cum = np.empty(n_age + 1, dtype=np.float64)
        for j in range(n_traj):
            u = shocks[j, a]
            fertile = state[j, a, fertile_sex]
            base = zero
            for x in range(fertile_from, fertile_to):
                base += fertile[x]
            total = zero
            for s in range(n_sex):
                old = state[j, a, s]
                r = ratios[a, s]
                add = additions[a, s]
                w = weights[s]
                for x in range(1, top):
                    f = one + w[x] * u
                    f = f if f > zero else zero
                    new[x] = old[x - 1] * r[x] * f + add[x]
                f = one + w[top] * u
                f = f if f > zero else zero
                new[top] = (old[top - 1] + old[top]) * r[top] * f + add[top]
                f = one + w[0] * u
                f = f if f > zero else zero
                new[0] = base * r[0] * f + add[0]
                for x in range(n_age):
                    old[x] = new[x]
                    total += new[x]
            scale = one
            t = targets[j, a]
            if t > zero and total > zero:
                scale = t / total
            for x in range(n_age):
                by_age[x] = zero
            for s in range(n_sex):
                old = state[j, a, s]
                for x in range(n_age):
                    v = old[x] * scale
                    old[x] = v
                    by_age[x] += v
            cum[0] = 0.0
            for x in range(n_age):
                cum[x + 1] = cum[x] + by_age[x]
            for g in range(n_groups):
                out[a, g, j] = cum[groups[g, 1]] - cum[groups[g, 0]]


def advance_numpy(
    state: np.ndarray,
    ratios: np.ndarray,
    additions: np.ndarray,
    weights: np.ndarray,
    shocks: np.ndarray,
    targets: np.ndarray,
    groups: np.ndarray,
    out: np.ndarray,
    fertile_from: int,
    fertile_to: int,
    fertile_sex: int,
) -> None:
    """The same step as :func:`advance` in plain NumPy (reference for tests)."""
    factor = np.maximum(1.0 + weights[None, None] * shocks[:, :, None, None], 0.0)  # (J, A, S, N)
    r = ratios[None] * factor
    base = state[:, :, fertile_sex, fertile_from:fertile_to].sum(axis=-1)  # (J, A)
    new = np.empty_like(state)
    new[..., 1:-1] = state[..., :-2] * r[..., 1:-1]
    new[..., -1] = (state[..., -2] + state[..., -1]) * r[..., -1]
    new[..., 0] = base[:, :, None] * r[..., 0]
    new += additions[None]
    total = new.sum(axis=(2, 3))
    scale = np.where((targets > 0) & (total > 0), targets / np.where(total > 0, total, 1.0), 1.0)
    new *= scale[:, :, None, None]
    state[...] = new
    by_age = new.sum(axis=2)  # (J, A, N)
    for g, (lo, hi) in enumerate(groups):
        out[:, g, :] = by_age[..., lo:hi].sum(axis=-1).T
