"""Demography: age bands, cohort-change ratios, projections with scenarios and probabilities.

Part of the pure core (no store, no I/O). Stocks by single year of age 0–100+ come from
:func:`disaggregate` (coarse bands → single years); :func:`estimate_ratios` turns annual
stocks into pooled, shrunk cohort-change ratios; :func:`project` runs the deterministic path,
a scenario and, with an :class:`Uncertainty`, seeded stochastic trajectories whose quantiles
are computed year by year; :func:`backtest` measures all of it against what happened.

Example:
    >>> import numpy as np
    >>> bands = AgeBands.parse(["0-6", "6-65", "65+"])
    >>> single = disaggregate(np.array([[60.0, 590.0, 350.0]]), bands)
    >>> round(float(single.sum()), 6)
    1000.0
"""

from ortswissen.demography._ages import MAX_AGE, N_AGES, AgeBands, disaggregate, fit_to_bands, group_ages
from ortswissen.demography._backtest import BACKTEST_GROUPS, backtest, calibrate_age_tilt
from ortswissen.demography._projection import (
    DEFAULT_GROUPS,
    QUANTILES,
    Projection,
    Scenario,
    Uncertainty,
    first_occupants,
    project,
)
from ortswissen.demography._ratios import FERTILE_AGES, ChangeRatios, estimate_ratios
from ortswissen.demography._schedules import life_expectancy, migration_weights, survival

__all__ = [
    "BACKTEST_GROUPS",
    "DEFAULT_GROUPS",
    "FERTILE_AGES",
    "MAX_AGE",
    "N_AGES",
    "QUANTILES",
    "AgeBands",
    "ChangeRatios",
    "Projection",
    "Scenario",
    "Uncertainty",
    "backtest",
    "calibrate_age_tilt",
    "disaggregate",
    "estimate_ratios",
    "first_occupants",
    "fit_to_bands",
    "group_ages",
    "life_expectancy",
    "migration_weights",
    "project",
    "survival",
]
