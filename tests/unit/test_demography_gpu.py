"""The optional GPU path gives the CPU's quantiles.

On a CUDA device where there is one; with NumPy in CuPy's place everywhere.
"""

from __future__ import annotations

import numpy as np
import pytest

from ortswissen.demography import N_AGES, ChangeRatios, Uncertainty, project


def _model(seed: int, units: int) -> tuple[np.ndarray, ChangeRatios, Uncertainty]:
    rng = np.random.default_rng(seed)
    pop = rng.uniform(10, 80, size=(units, 2, N_AGES))
    ratios = np.clip(rng.normal(1.0, 0.03, size=pop.shape), 0.8, 1.2)
    ratios[..., 0] = 0.03
    return pop, ChangeRatios(ratios, ratios.mean(axis=0), 5), Uncertainty(0.03, 0.5, 0.2, 0.004, sigma_drift=0.004)


@pytest.mark.gpu  # deselected where CuPy sees no CUDA device (tests/conftest.py)
def test_gpu_and_cpu_give_the_same_quantiles() -> None:
    pop, r, unc = _model(4, 30)
    cpu = project(pop, r, 10, uncertainty=unc, trajectories=500, seed=9)
    gpu = project(pop, r, 10, uncertainty=unc, trajectories=500, seed=9, device="gpu")
    assert cpu.quantiles is not None and gpu.quantiles is not None
    np.testing.assert_allclose(gpu.quantiles, cpu.quantiles, rtol=2e-3, atol=0.05)
    assert gpu.assumptions["uncertainty"]["device"] == "gpu"  # type: ignore[index]


def test_the_gpu_step_with_numpy_standing_in_gives_the_cpu_quantiles(monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs everywhere: the GPU path's arithmetic, with NumPy in CuPy's place, against the Numba kernel."""
    import ortswissen.demography._gpu as gpu_module

    monkeypatch.setattr(gpu_module, "_cupy", lambda: np)
    pop, r, unc = _model(8, 12)
    adds = np.zeros((6, *pop.shape))
    adds[:, 3, :, 30] = 5.0
    cpu = project(pop, r, 6, uncertainty=unc, trajectories=300, seed=2, additions=adds)
    fake = project(pop, r, 6, uncertainty=unc, trajectories=300, seed=2, additions=adds, device="gpu")
    assert cpu.quantiles is not None and fake.quantiles is not None
    np.testing.assert_allclose(fake.quantiles, cpu.quantiles, rtol=1e-3, atol=0.05)
