"""The optional GPU path of the stochastic projection (CuPy): the same step on the device.

CPU stays the default and CI has no GPU. With ``project(..., device="gpu")`` the state of all
trajectories lives on the GPU; per year the host sends the shocks and targets (trajectories ×
areas) and receives the quantiles (levels × areas × groups) — never the trajectories. The
random draws are made on the host exactly as on the CPU path, so both paths give the same
quantiles up to float rounding.

The step uses only the NumPy-compatible part of CuPy's API, so the tests also run it with
NumPy standing in for CuPy on machines without a GPU (CI) and compare it with the CPU path.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ortswissen.errors import DependencyMissing

__all__ = ["GpuStepper", "gpu_available"]


def _cupy() -> Any:
    try:
        import cupy  # type: ignore[import-not-found]
    except ImportError as exc:  # pragma: no cover - depends on the machine
        raise DependencyMissing("the GPU path needs CuPy and a CUDA device (pip install cupy-cuda12x)") from exc
    return cupy


def gpu_available() -> bool:
    """Whether CuPy is importable and sees a CUDA device."""
    try:
        cp = _cupy()
        return bool(cp.cuda.runtime.getDeviceCount() > 0)
    except Exception:  # any failure means: no usable GPU
        return False


class GpuStepper:
    """Holds the trajectories on the GPU and advances them one year at a time."""

    def __init__(
        self,
        states: np.ndarray,
        ratios: np.ndarray,
        weights: np.ndarray,
        groups: np.ndarray,
        fertile: tuple[int, int, int],
    ) -> None:
        cp = self.cp = _cupy()
        self.state = cp.asarray(states, dtype=cp.float32)  # (J, A, S, N)
        self.ratios = cp.asarray(ratios, dtype=cp.float32)[None]  # (1, A, S, N)
        self.weights = cp.asarray(weights, dtype=cp.float32)[None, None]  # (1, 1, S, N)
        self.groups = groups
        self.fertile = fertile

    def step(
        self, additions: np.ndarray, shocks: np.ndarray, targets: np.ndarray, levels: Sequence[float]
    ) -> np.ndarray:
        """Advance one year; return the quantiles ``(levels, areas, groups)`` of the output groups."""
        cp = self.cp
        lo, hi, sex = self.fertile
        u = cp.asarray(shocks, dtype=cp.float32)[:, :, None, None]
        rr = self.ratios * cp.maximum(1.0 + self.weights * u, 0.0)
        s = self.state
        base = s[:, :, sex, lo:hi].sum(axis=-1)
        new = cp.empty_like(s)
        new[..., 1:-1] = s[..., :-2] * rr[..., 1:-1]
        new[..., -1] = (s[..., -2] + s[..., -1]) * rr[..., -1]
        new[..., 0] = base[:, :, None] * rr[..., 0]
        new += cp.asarray(additions, dtype=cp.float32)[None]
        total = new.sum(axis=(2, 3))
        t = cp.asarray(targets, dtype=cp.float32)
        ok = (t > 0) & (total > 0)
        new *= cp.where(ok, t / cp.where(total > 0, total, 1.0), 1.0)[:, :, None, None]
        self.state = new
        by_age = new.sum(axis=2)  # (J, A, N)
        cum = cp.concatenate([cp.zeros((*by_age.shape[:2], 1), dtype=cp.float32), cp.cumsum(by_age, axis=-1)], axis=-1)
        out = cum[..., self.groups[:, 1]] - cum[..., self.groups[:, 0]]  # (J, A, G)
        ordered = cp.sort(cp.ascontiguousarray(out.transpose(1, 2, 0)), axis=-1)  # (A, G, J)
        n = ordered.shape[-1]
        pos = np.asarray(levels, dtype=float) * (n - 1)
        lo_i = np.floor(pos).astype(int)
        hi_i = np.minimum(lo_i + 1, n - 1)
        a, b = ordered[..., lo_i], ordered[..., hi_i]
        res = a + cp.asarray(pos - lo_i, dtype=cp.float32) * (b - a)  # (A, G, Q)
        return np.asarray(getattr(cp, "asnumpy", np.asarray)(cp.moveaxis(res, -1, 0)))
