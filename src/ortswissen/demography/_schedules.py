"""Model age schedules where no local data exist: survival and migration sensitivity.

* :func:`survival` — annual survival ratios of a Gompertz–Makeham life table,
  ``μ(x) = c + a·exp(b·x)`` with ``b = 0.095`` and ``c = 0.0002``, ``a`` solved so that the
  life expectancy at birth equals ``e0`` (Germany 2019/21: about 78.6 for men and 83.4 for
  women, 81 for both sexes). Used to split a cohort-change ratio into survival and net
  migration, so that scenarios can scale migration alone.
* :func:`migration_weights` — how strongly each age reacts to a migration shock, taken from
  the net-migration part of the city's own ratios and normalised to a population-weighted
  mean of 1.

Example:
    >>> s = survival(81.0)
    >>> round(float(life_expectancy(s)), 1), bool(s[1] > s[90])
    (81.0, True)
"""

from __future__ import annotations

import numpy as np

from ortswissen.demography._ages import N_AGES

__all__ = ["life_expectancy", "migration_weights", "survival"]

_B = 0.095
_C = 0.0002


def _survival(a: float) -> np.ndarray:
    """``s[x]``: probability of reaching age x from age x-1 (``s[0]``: birth to age 0 at year end)."""
    ages = np.arange(N_AGES, dtype=float)
    mu = _C + a * np.exp(_B * ages)
    s = np.exp(-mu)
    out = np.empty(N_AGES)
    out[0] = np.exp(-0.5 * mu[0])  # born during the year: half a year of exposure
    out[1:] = s[:-1]
    out[-1] = s[-1]  # the open group keeps its own survival
    return out


def life_expectancy(s: np.ndarray) -> float:
    """Life expectancy at birth of annual survival ratios (persons live half the year they die in)."""
    alive = np.cumprod(np.concatenate([[1.0], s[1:]]))
    open_years = alive[-1] / max(1.0 - s[-1], 1e-9)
    return float(0.5 + alive[1:-1].sum() + open_years - 0.5 * alive[-1])


def survival(e0: float = 81.0) -> np.ndarray:
    """Annual survival ratios of a Gompertz–Makeham table with life expectancy ``e0``."""
    lo, hi = 1e-8, 1e-2
    for _ in range(100):
        mid = np.sqrt(lo * hi)
        if life_expectancy(_survival(mid)) > e0:
            lo = mid
        else:
            hi = mid
    return _survival(np.sqrt(lo * hi))


def migration_weights(city_ratios: np.ndarray, population: np.ndarray, e0: float = 81.0) -> np.ndarray:
    """Sensitivity of each age (last axis) to a migration shock, population-weighted mean 1.

    The weight is the absolute net-migration part ``|r - s|`` of the city's ratios plus a
    floor of a tenth of its mean, so no age is entirely fixed.
    """
    s = survival(e0)
    part = np.abs(np.asarray(city_ratios, dtype=float) - s)
    part[..., 0] = np.abs(part[..., 1:6]).mean(axis=-1)  # infants move like small children
    part = part + 0.1 * part.mean()
    pop = np.asarray(population, dtype=float)
    mean = (part * pop).sum() / max(pop.sum(), 1e-9)
    return part / mean if mean > 0 else np.ones_like(part)
