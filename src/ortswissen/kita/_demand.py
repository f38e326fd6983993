"""Kita demand from children by single year of age, its interval, and the gap to the places.

Demand of an area (place equivalents) = Σ over ages 0…6 of children × in-Kita share × quota ×
hours factor (:meth:`KitaAssumptions.demand_per_child`). U3 counts ages 0–2, Ü3 ages 3–5 plus
the Kita share of age 6.

The interval comes from quantiles of the projected children. A quantile of a sum is not the
sum of the quantiles, and the projection stores quantiles of whole age groups (0–5, ages 0…6
each, …), not of weighted sums. So the demand bounds keep the area's central ratio of demand
to Kita-age children and apply it to the quantiles of the Kita-age children:
``demand_low = demand × children_low / children``. That is exact when the age mix within the
group does not vary between trajectories and otherwise an approximation.

Example:
    >>> from ortswissen.kita._quotas import DEFAULT_QUOTAS, KitaAssumptions
    >>> a = KitaAssumptions(DEFAULT_QUOTAS["current"], age6_share=0.5)
    >>> d = kita_demand(np.array([[100, 100, 100, 100, 100, 100, 100]]), a)
    >>> float(d.children_u3[0]), float(d.children_ue3[0]), round(float(d.demand_u3[0]), 1), float(d.demand_ue3[0])
    (300.0, 350.0, 102.8, 315.0)
    >>> g = kita_gap(np.array([400.0]), d.demand, *demand_interval(d.demand, d.children, [600.0], [700.0]))
    >>> round(float(g["gap"][0]), 1), round(float(g["gap_low"][0]), 1), round(float(g["coverage"][0]), 3)
    (-17.8, -49.9, 0.957)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from ortswissen.errors import InvalidInput
from ortswissen.kita._quotas import KITA_AGES, U3_AGES, KitaAssumptions

__all__ = ["NO_DEMAND", "KitaDemand", "demand_interval", "kita_demand", "kita_gap"]

NO_DEMAND = 1e-9
"""Demand (place equivalents) at or below which nobody needs a place: no coverage ratio, no 2SFCA share."""


@dataclass(frozen=True)
class KitaDemand:
    """Children of Kita age and their demand for places, per area (arrays of equal length)."""

    children_u3: np.ndarray
    children_ue3: np.ndarray
    demand_u3: np.ndarray
    demand_ue3: np.ndarray

    @property
    def children(self) -> np.ndarray:
        """Children of Kita age (U3 + Ü3)."""
        return self.children_u3 + self.children_ue3

    @property
    def demand(self) -> np.ndarray:
        """Place equivalents needed (U3 + Ü3)."""
        return self.demand_u3 + self.demand_ue3


def kita_demand(children: ArrayLike, assumptions: KitaAssumptions) -> KitaDemand:
    """Demand of ``children`` (``(areas, 7)``: ages 0…6 at the reference date)."""
    counts = np.asarray(children, dtype=float)
    if counts.ndim != 2 or counts.shape[1] != KITA_AGES:
        raise InvalidInput(f"children must be (areas, {KITA_AGES}) counts of ages 0 to 6, got shape {counts.shape}")
    if not np.isfinite(counts).all():
        raise InvalidInput("children: missing or infinite counts")
    if (counts < 0).any():
        raise InvalidInput("children: negative counts")
    kita_age = counts * assumptions.in_kita()
    places = counts * assumptions.demand_per_child()
    return KitaDemand(
        children_u3=kita_age[:, :U3_AGES].sum(axis=1),
        children_ue3=kita_age[:, U3_AGES:].sum(axis=1),
        demand_u3=places[:, :U3_AGES].sum(axis=1),
        demand_ue3=places[:, U3_AGES:].sum(axis=1),
    )


def demand_interval(
    demand: ArrayLike, children: ArrayLike, children_low: ArrayLike, children_high: ArrayLike
) -> tuple[np.ndarray, np.ndarray]:
    """Demand bounds: the central demand per child applied to the children's quantiles.

    >>> [b.tolist() for b in demand_interval([50.0, 0.0], [100.0, 0.0], [80.0, 0.0], [130.0, 2.0])]
    [[40.0, 0.0], [65.0, 0.0]]
    """
    d = np.asarray(demand, dtype=float)
    c = np.asarray(children, dtype=float)
    lo = np.asarray(children_low, dtype=float)
    hi = np.asarray(children_high, dtype=float)
    if not (d.shape == c.shape == lo.shape == hi.shape):
        raise InvalidInput("demand, children and their quantiles must have the same length")
    if (lo > hi + 1e-9).any():
        raise InvalidInput("the lower quantile of the children exceeds the upper one")
    per_child = np.divide(d, c, out=np.zeros_like(d), where=c > NO_DEMAND)
    return per_child * lo, per_child * hi


def kita_gap(
    places: ArrayLike, demand: ArrayLike, demand_low: ArrayLike | None = None, demand_high: ArrayLike | None = None
) -> dict[str, np.ndarray]:
    """Gap = places − demand (negative: shortage), its bounds and the coverage ratio places / demand.

    ``gap_low`` pairs with ``demand_high`` (the pessimistic end), ``gap_high`` with
    ``demand_low``; coverage is NaN where nobody needs a place.
    """
    p = np.asarray(places, dtype=float)
    d = np.asarray(demand, dtype=float)
    out = {
        "gap": p - d,
        "coverage": np.divide(p, d, out=np.full_like(d, np.nan), where=d > NO_DEMAND),
    }
    if demand_low is not None and demand_high is not None:
        out["gap_low"] = p - np.asarray(demand_high, dtype=float)
        out["gap_high"] = p - np.asarray(demand_low, dtype=float)
    return out
