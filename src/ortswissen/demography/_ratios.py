"""Cohort-change ratios (Hamilton–Perry) estimated from annual stocks by single year of age.

When only stocks are known (as in the public Berlin data) the change of a birth cohort from
one year to the next folds survival and net migration into one ratio:
``r[x] = P(t+1, x) / P(t, x-1)`` for ages 1…99, ``r[100] = P(t+1, 100+) / (P(t, 99) + P(t, 100+))``
for the open group, and for age 0 a child ratio ``r[0] = P(t+1, 0) / P(t, 15…44)`` of
infants to the persons (women where sexes are known) of childbearing age.

Small areas give noisy ratios, so :func:`estimate_ratios`

* pools the transitions of the whole base period (ratio of sums, not mean of ratios, so an
  empty cell in one year does no harm), and
* shrinks every area's ratio towards that of its parent group (for Berlin: the district) by
  a prior weight in person-years (``prior_weight``): ``(N + k·r_parent) / (D + k)``, the
  posterior mean of a Gamma–Poisson model; areas with many persons in a cell keep their own
  ratio, nearly empty cells take the parent's.

Example:
    >>> import numpy as np
    >>> stocks = np.ones((2, 1, 1, 101)) * 10.0
    >>> r = estimate_ratios(stocks)
    >>> float(r.ratios[0, 0, 50]), round(float(r.ratios[0, 0, 0]), 4)
    (1.0, 0.0333)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ortswissen.demography._ages import MAX_AGE, N_AGES
from ortswissen.errors import InvalidInput

__all__ = ["FERTILE_AGES", "ChangeRatios", "estimate_ratios"]

FERTILE_AGES = (15, 45)
"""Ages (from, to exclusive) whose persons the child ratio relates infants to."""


@dataclass(frozen=True)
class ChangeRatios:
    """Ratios per unit × sex × age (index 0 is the child ratio) and those of the whole area.

    ``base_years`` counts the transitions pooled; ``params`` records how they were estimated.
    """

    ratios: np.ndarray
    city: np.ndarray
    base_years: int
    params: dict[str, object] = field(default_factory=dict)


def _sums(stocks: np.ndarray, fertile_sex: int) -> tuple[np.ndarray, np.ndarray]:
    """Numerators and denominators of the ratios pooled over all transitions."""
    before, after = stocks[:-1], stocks[1:]
    num = np.zeros(stocks.shape[1:])
    den = np.zeros(stocks.shape[1:])
    num[..., 1:MAX_AGE] = after[..., 1:MAX_AGE].sum(axis=0)
    den[..., 1:MAX_AGE] = before[..., 0 : MAX_AGE - 1].sum(axis=0)
    num[..., MAX_AGE] = after[..., MAX_AGE].sum(axis=0)
    den[..., MAX_AGE] = (before[..., MAX_AGE - 1] + before[..., MAX_AGE]).sum(axis=0)
    lo, hi = FERTILE_AGES
    mothers = before[:, :, fertile_sex, lo:hi].sum(axis=-1).sum(axis=0)  # (units,)
    num[..., 0] = after[..., 0].sum(axis=0)
    den[..., 0] = mothers[:, None]
    return num, den


def estimate_ratios(
    stocks: np.ndarray,
    groups: Sequence[str] | None = None,
    *,
    prior_weight: float = 1000.0,
) -> ChangeRatios:
    """Estimate pooled, shrunk cohort-change ratios from stocks ``(years, units, sexes, 101)``.

    ``stocks`` are consecutive annual stocks on the same units (at least two years).
    ``groups`` names each unit's parent (shrinkage target); without it the target is the
    whole area. With two sexes the child ratio refers to women (sex index 1).
    """
    stocks = np.asarray(stocks, dtype=float)
    if stocks.ndim != 4 or stocks.shape[-1] != N_AGES:
        raise InvalidInput(f"stocks must have the shape (years, units, sexes, {N_AGES})")
    if stocks.shape[0] < 2:
        raise InvalidInput("cohort-change ratios need stocks of at least two consecutive years")
    if (stocks < 0).any() or not np.isfinite(stocks).all():
        raise InvalidInput("stocks must be finite and non-negative")
    if prior_weight < 0:
        raise InvalidInput("prior_weight must not be negative")
    fertile_sex = 1 if stocks.shape[2] == 2 else 0
    num, den = _sums(stocks, fertile_sex)
    city_num, city_den = num.sum(axis=0), den.sum(axis=0)
    city = np.divide(city_num, city_den, out=np.ones_like(city_num), where=city_den > 0)
    if groups is None:
        target = np.broadcast_to(city, num.shape)
    else:
        keys = np.asarray(groups)
        if len(keys) != stocks.shape[1]:
            raise InvalidInput(f"{len(keys)} groups for {stocks.shape[1]} units")
        target = np.empty_like(num)
        for key in np.unique(keys):
            member = keys == key
            gn, gd = num[member].sum(axis=0), den[member].sum(axis=0)
            # a group too small to estimate borrows the whole area's ratio
            target[member] = (gn + prior_weight * city) / (gd + prior_weight)
    ratios = (
        (num + prior_weight * target) / (den + prior_weight)
        if prior_weight > 0
        else np.divide(num, den, out=np.array(target), where=den > 0)
    )
    return ChangeRatios(
        ratios=ratios,
        city=city,
        base_years=stocks.shape[0] - 1,
        params={
            "prior_weight": prior_weight,
            "fertile_ages": list(FERTILE_AGES),
            "shrinkage_target": "group" if groups is not None else "city",
        },
    )
