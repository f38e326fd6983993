"""Kita planning: demand from projected children, places with catchments, the gap per area.

Part of the pure core (no store, no I/O). :func:`kita_demand` turns children by single year of
age 0…6 into place equivalents with :class:`KitaAssumptions` (care quotas by age from
:data:`DEFAULT_QUOTAS` or edited, the Kita share of age 6, hours factors);
:func:`demand_interval` carries the children's quantiles over to the demand;
:func:`two_step_fca` allocates places over shared catchments (:func:`parse_catchment`);
:func:`kita_gap` gives places − demand and the coverage ratio.

Example:
    >>> import numpy as np
    >>> a = KitaAssumptions(DEFAULT_QUOTAS["need"])
    >>> d = kita_demand(np.full((1, 7), 20.0), a)  # 20 × (0.025 + 0.62 + 0.793 + 3 × 0.95 + 0.25 × 0.95)
    >>> round(float(d.demand[0]), 2), round(float(kita_gap([80.0], d.demand)["gap"][0]), 2)
    (90.51, -10.51)
"""

from ortswissen.kita._catchment import (
    Catchment,
    FcaResult,
    neighbour_reach,
    parse_catchment,
    radius_reach,
    two_step_fca,
)
from ortswissen.kita._demand import KitaDemand, demand_interval, kita_demand, kita_gap
from ortswissen.kita._quotas import (
    DEFAULT_AGE6_SHARE,
    DEFAULT_QUOTAS,
    KITA_AGES,
    U3_AGES,
    CareQuotas,
    KitaAssumptions,
    assumptions_from_mapping,
)

__all__ = [
    "DEFAULT_AGE6_SHARE",
    "DEFAULT_QUOTAS",
    "KITA_AGES",
    "U3_AGES",
    "CareQuotas",
    "Catchment",
    "FcaResult",
    "KitaAssumptions",
    "KitaDemand",
    "assumptions_from_mapping",
    "demand_interval",
    "kita_demand",
    "kita_gap",
    "neighbour_reach",
    "parse_catchment",
    "radius_reach",
    "two_step_fca",
]
