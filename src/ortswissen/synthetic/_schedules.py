"""Age schedules and code lists of the synthetic register: plausible German/Berlin values.

All values are documented in ``docs/demography.md`` (section "Synthetic register") with
their sources; they are *plausible*, not estimates from register data:

* :func:`fertility` — age-specific fertility rates (ASFR) 15–49, a gamma-shaped schedule with
  a total fertility rate (TFR, Germany/Berlin 2011–2020 about 1.4–1.6) and a mean age of the
  mother at birth (about 31).
* :func:`death_probabilities` — probability of dying within a calendar year by age at its end
  and sex, from the Gompertz–Makeham table of :func:`ortswissen.demography.survival` with life
  expectancies of about 79 (men) and 84 (women).
* :func:`migration_profile` — a model migration schedule (Rogers–Castro): a childhood part,
  a labour-force peak in the twenties and a constant, relative to its population-weighted mean.
* :func:`sex_ratio` — males per female by age (1.05 at birth, falling to a third at 100).
* :func:`foreign_odds` — relative share of foreign nationals by age (young adults highest).

Example:
    >>> f = fertility(1.45, 31.0)
    >>> round(float(f.sum()), 2), int(np.argmax(f))
    (1.45, 29)
    >>> q = death_probabilities(79.0, 84.0)
    >>> bool(q[0, 80] > q[1, 80] > q[1, 40])
    True
"""

from __future__ import annotations

import numpy as np
from scipy.special import gammainc

from ortswissen.demography import survival

__all__ = [
    "BRANDENBURG_AROUND_BERLIN",
    "FOREIGN_NATIONALITIES",
    "MAX_AGE",
    "OTHER_LAENDER",
    "SEX_RATIO_AT_BIRTH",
    "death_probabilities",
    "fertility",
    "foreign_odds",
    "migration_profile",
    "sex_ratio",
]

MAX_AGE = 110
"""Nobody in the synthetic register gets older (the death probability at this age is 1)."""
SEX_RATIO_AT_BIRTH = 1.05
"""Boys per girl at birth (Germany, long-run average)."""

#: Foreign nationalities of Berlin residents with rough relative weights (largest groups about 2020).
FOREIGN_NATIONALITIES: dict[str, float] = {
    "TR": 98,
    "PL": 57,
    "SY": 40,
    "BG": 32,
    "IT": 31,
    "RO": 25,
    "RU": 24,
    "US": 22,
    "FR": 21,
    "VN": 20,
    "RS": 18,
    "GB": 17,
    "ES": 17,
    "GR": 15,
    "IN": 15,
    "UA": 13,
    "CN": 13,
    "AF": 12,
    "IQ": 10,
    "HR": 10,
    "BA": 9,
    "LB": 8,
    "HU": 8,
    "AT": 8,
    "PT": 7,
    "IR": 7,
    "BR": 6,
    "NL": 5,
    "XK": 5,
    "AU": 4,
}
#: Kreise of Brandenburg around Berlin (AGS), the main partners of suburban migration.
BRANDENBURG_AROUND_BERLIN = ("12054", "12060", "12061", "12063", "12064", "12065", "12067", "12069", "12072")
#: The other Länder (two-digit keys), Berlin (11) excluded.
OTHER_LAENDER = ("01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "12", "13", "14", "15", "16")


def fertility(tfr: float = 1.45, mean_age: float = 31.0, sd: float = 5.5) -> np.ndarray:
    """ASFR by age at the end of the year (index 0 … :data:`MAX_AGE`, non-zero for 15–49), summing to ``tfr``.

    A gamma density of ``age - 12`` with the given mean and standard deviation, integrated
    over each year of age and normalised to the TFR.
    """
    ages = np.arange(MAX_AGE + 1, dtype=float)
    shape = ((mean_age - 12.0) / sd) ** 2
    scale = sd**2 / (mean_age - 12.0)
    # a woman aged a at the end of the year was a - 0.5 on average during it
    cdf = gammainc(shape, np.maximum(ages + 0.5 - 12.0, 0.0) / scale)
    density = np.diff(np.r_[0.0, cdf])
    density[(ages < 15) | (ages > 49)] = 0.0
    return tfr * density / density.sum()


def death_probabilities(e0_male: float = 79.0, e0_female: float = 84.0) -> np.ndarray:
    """Probability of dying during a calendar year, ``[sex (0 male, 1 female), age at year end]``.

    Age 0 means born during the year (half a year of exposure); ages above 100 keep the
    open group's risk, and :data:`MAX_AGE` is certain death.
    """
    out = np.empty((2, MAX_AGE + 1))
    for sex, e0 in enumerate((e0_male, e0_female)):
        s = survival(e0)
        q = 1.0 - s
        out[sex, : len(q)] = q
        out[sex, len(q) :] = q[-1]
    out[:, MAX_AGE] = 1.0
    return out


def migration_profile(
    *,
    child: float = 0.02,
    child_decay: float = 0.08,
    peak: float = 0.09,
    peak_age: float = 20.0,
    rise: float = 0.35,
    fall: float = 0.09,
    constant: float = 0.004,
) -> np.ndarray:
    """Model migration schedule by age 0 … :data:`MAX_AGE` (Rogers–Castro, relative values).

    ``child·exp(-child_decay·x) + peak·exp(-fall·(x-peak_age) - exp(-rise·(x-peak_age))) + constant``;
    with the defaults the peak lies at 23–25 and a 70-year-old moves a tenth as often.
    """
    x = np.arange(MAX_AGE + 1, dtype=float)
    d = x - peak_age
    return child * np.exp(-child_decay * x) + peak * np.exp(-fall * d - np.exp(-rise * d)) + constant


def sex_ratio(ages: np.ndarray | None = None) -> np.ndarray:
    """Males per female by age (a plausible big-city profile: 1.05 at birth, ~0.35 at 95)."""
    if ages is None:
        ages = np.arange(MAX_AGE + 1)
    return np.interp(
        ages,
        [0, 18, 30, 45, 60, 70, 80, 90, 95, 100],
        [SEX_RATIO_AT_BIRTH, 1.04, 1.05, 1.06, 0.97, 0.86, 0.68, 0.42, 0.33, 0.25],
    )


def foreign_odds(ages: np.ndarray | None = None) -> np.ndarray:
    """Relative share of foreign nationals by age (1 = the population's average)."""
    if ages is None:
        ages = np.arange(MAX_AGE + 1)
    return np.interp(ages, [0, 6, 18, 25, 35, 45, 65, 80, 100], [0.8, 0.75, 1.3, 1.9, 1.7, 1.1, 0.5, 0.15, 0.1])
