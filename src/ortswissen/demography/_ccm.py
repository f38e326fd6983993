"""Cohort-component step with explicit fertility, mortality and net migration.

One step of ``width`` years on age groups of the same width (``width=1``: single years,
``width=5``: the classic five-year groups), two sexes, female-dominant births. The
conventions follow Preston, Heuveline & Guillot (2001), Box 6.2, which the tests reproduce
to the person:

* net migrants of a group over the step, ``M = width · m · P`` (``m`` an annual rate), enter
  half before survival and half after it;
* survivors of group ``j`` move to ``j + 1``; the open group keeps its own survivors;
* births use the mean of the women at the start (plus the first half of migrants) and at
  the end of the step: ``B = width · ½ · Σ f (P + M/2 + P')``; girls are ``B / (1 + SRB)``,
  boys ``SRB`` times as many, each times the survival from birth to the first group, plus
  the first group's second half of migrants.

:func:`step` returns the components too, so the balancing equation can be checked:
``P' = P − deaths + births + migrants``.

Example:
    >>> import numpy as np
    >>> f = np.array([100.0, 100.0, 100.0])
    >>> r = step(f, f, asfr=np.array([0.0, 0.1, 0.0]), survival_f=np.array([1.0, 1.0, 0.5]),
    ...          survival_m=np.array([1.0, 1.0, 0.5]), birth_survival=1.0, migration_f=np.zeros(3),
    ...          migration_m=np.zeros(3), width=1, srb=1.0)
    >>> r.female.tolist(), r.male.tolist()
    ([5.0, 100.0, 150.0], [5.0, 100.0, 150.0])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ortswissen.errors import InvalidInput

__all__ = ["StepResult", "step"]

SRB_DEFAULT = 1.05
"""Sex ratio at birth (boys per girl) used when none is given."""


@dataclass(frozen=True)
class StepResult:
    """Population after one step and its components (both sexes summed in the components)."""

    female: np.ndarray
    male: np.ndarray
    births: float
    deaths: float
    migrants: float


def _survive(pop: np.ndarray, migrants: np.ndarray, surv: np.ndarray) -> tuple[np.ndarray, float]:
    exposed = pop + migrants / 2
    out = np.zeros_like(pop)
    out[1:] = exposed[:-1] * surv[:-1]
    out[-1] += exposed[-1] * surv[-1]
    out += migrants / 2
    out[0] = 0.0  # filled by births
    deaths = float((exposed * (1 - surv)).sum())
    return out, deaths


def step(
    female: np.ndarray,
    male: np.ndarray,
    *,
    asfr: np.ndarray,
    survival_f: np.ndarray,
    survival_m: np.ndarray,
    birth_survival: float | tuple[float, float],
    migration_f: np.ndarray,
    migration_m: np.ndarray,
    width: int = 1,
    srb: float = SRB_DEFAULT,
) -> StepResult:
    """Advance both sexes by one step of ``width`` years (see the module doc for the rules).

    ``survival_*[j]`` is the share of group ``j`` (plus half its migrants) alive one step
    later in group ``j + 1`` (the last entry: the open group staying); ``asfr`` are annual
    age-specific fertility rates; ``migration_*`` annual net-migration rates per group.
    """
    arrays = [
        np.asarray(a, dtype=float) for a in (female, male, asfr, survival_f, survival_m, migration_f, migration_m)
    ]
    n = len(arrays[0])
    if any(len(a) != n for a in arrays):
        raise InvalidInput("all age-group arrays of a cohort-component step must have the same length")
    fem, mal, fert, s_f, s_m, m_f, m_m = arrays
    if (fem < 0).any() or (mal < 0).any():
        raise InvalidInput("population counts must not be negative")
    if ((s_f < 0) | (s_f > 1) | (s_m < 0) | (s_m > 1)).any():
        raise InvalidInput("survival ratios must lie between 0 and 1")
    if (fert < 0).any():
        raise InvalidInput("fertility rates must not be negative")
    bs_f, bs_m = (birth_survival, birth_survival) if isinstance(birth_survival, float | int) else birth_survival
    mig_f, mig_m = width * m_f * fem, width * m_m * mal
    new_f, deaths_f = _survive(fem, mig_f, s_f)
    new_m, deaths_m = _survive(mal, mig_m, s_m)
    births = width * 0.5 * float((fert * (fem + mig_f / 2 + new_f)).sum())
    girls, boys = births / (1 + srb), births * srb / (1 + srb)
    new_f[0] = girls * bs_f + mig_f[0] / 2
    new_m[0] = boys * bs_m + mig_m[0] / 2
    deaths = deaths_f + deaths_m + girls * (1 - bs_f) + boys * (1 - bs_m)
    return StepResult(new_f, new_m, births, deaths, float(mig_f.sum() + mig_m.sum()))
