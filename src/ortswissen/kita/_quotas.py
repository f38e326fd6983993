"""Care quotas by single year of age and the other planning assumptions of a Kita plan.

A child's expected demand for a Kita place is ``in_kita(age) × quota(age) × hours(group)``:

* ``in_kita``: 1 for ages 0–5 at the reference date (31 December); for age 6 the share
  ``age6_share`` of the cohort not yet at school (Berlin: children who turn 6 by 30 September
  start school on 1 August, so at 31 December those born October–December, about 3/12, are
  still in Kita; deferred school entries are not included — raise the share to count them).
* ``quota``: the share of children of that age who take up (``current``) or whose parents
  want (``need``) a place in a Kita (or public Kindertagespflege, which the national rates
  include);
* ``hours``: a factor per group (U3 = ages 0–2, Ü3 = 3 to school entry) that weights places by
  care hours, e.g. ``0.6 × 1.0 (full day) + 0.4 × 0.5 (half day) = 0.8`` place equivalents per
  child; 1 counts every child as one place (Berlin licenses places per child).

Defaults come from the national statistics collected in the project's reference note
(Destatis child day-care statistics, DJI KiBS parent survey); see :data:`DEFAULT_QUOTAS`.

Example:
    >>> a = assumptions_from_mapping({"quotas": "need", "by_age": {"1": 0.7}, "hours": {"u3": 1.2}})
    >>> a.quotas.by_age[:3], a.hours_u3
    ((0.025, 0.7, 0.793), 1.2)
    >>> a.demand_per_child().round(4).tolist()
    [0.03, 0.84, 0.9516, 0.95, 0.95, 0.95, 0.2375]
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ortswissen.errors import InvalidInput

__all__ = [
    "DEFAULT_AGE6_SHARE",
    "DEFAULT_QUOTAS",
    "KITA_AGES",
    "U3_AGES",
    "CareQuotas",
    "KitaAssumptions",
    "assumptions_from_mapping",
]

KITA_AGES = 7
"""Ages 0…6 at the reference date (completed years); age 6 counts with ``age6_share``."""

U3_AGES = 3
"""Ages 0, 1 and 2 form the U3 group (Krippe); 3 to school entry the Ü3 group (Kindergarten)."""

DEFAULT_AGE6_SHARE = 0.25
"""Share of the age-6 cohort at 31 December still in Kita (Berlin school-entry cut-off 30 September)."""

_MIN_HOURS, _MAX_HOURS = 0.1, 3.0


def _finite(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _check_share(value: object, where: str) -> None:
    if not _finite(value):
        raise InvalidInput(f"{where}: {value!r} is not a number")
    assert isinstance(value, int | float)
    if value > 1 and value <= 100:
        raise InvalidInput(f"{where}: {value:g} is above 1; quotas are shares (write 0.37 for 37 %)")
    if value < 0 or value > 1:
        raise InvalidInput(f"{where}: {value:g} lies outside 0…1 (a share of the children)")


@dataclass(frozen=True)
class CareQuotas:
    """Shares of children taking up (or needing) a place, by completed age 0…6."""

    id: str
    label_de: str
    label_en: str
    by_age: tuple[float, ...]
    sources: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if len(self.by_age) != KITA_AGES:
            raise InvalidInput(f"quotas {self.id!r}: give {KITA_AGES} values (ages 0 to 6), not {len(self.by_age)}")
        for age, value in enumerate(self.by_age):
            _check_share(value, f"quotas {self.id!r}, age {age}")

    def describe(self) -> dict[str, Any]:
        """JSON-ready form: labels, quota by age (keys ``"0"``…``"6"``), U3 mean and sources."""
        return {
            "id": self.id,
            "label_de": self.label_de,
            "label_en": self.label_en,
            "by_age": {str(a): q for a, q in enumerate(self.by_age)},
            "u3_mean": round(sum(self.by_age[:U3_AGES]) / U3_AGES, 4),
            "sources": list(self.sources),
        }


_DESTATIS = (
    "Destatis, Statistik der Kinder- und Jugendhilfe (Kindertagesbetreuung, Stichtag 1.3.2019): "
    "Betreuungsquote unter 1 Jahr ≈ 2,5 %, 1 Jahr 37,1 %, 2 Jahre 63,2 % (U3 34,3 %)"
)
_KIBS = "DJI-Kinderbetreuungsstudie (KiBS) 2018: Betreuungsbedarf der Eltern 1 Jahr 62,0 %, 2 Jahre 79,3 % (U3 47,7 %)"
_UE3 = "Ü3: Inanspruchnahme nahezu universell (≈ 90 % und mehr; genaue aktuelle Quote nicht verifiziert)"

DEFAULT_QUOTAS: dict[str, CareQuotas] = {
    "current": CareQuotas(
        "current",
        "Betreuungsquote (Ist)",
        "Current take-up",
        (0.025, 0.371, 0.632, 0.90, 0.90, 0.90, 0.90),
        (_DESTATIS, _UE3),
    ),
    "need": CareQuotas(
        "need",
        "Bedarfsquote (Elternwunsch)",
        "Parents' stated need",
        (0.025, 0.620, 0.793, 0.95, 0.95, 0.95, 0.95),
        (
            _KIBS,
            "unter 1 Jahr: kein Bedarfswert in der Quelle, Ist-Quote übernommen / under 1: no stated-need figure, "
            "take-up used",
            "Ü3: Annahme 95 % (nicht aus der Quelle, bitte anpassen) / assumption 95 %, edit for your municipality",
        ),
    ),
}
"""The two named quota scenarios. National averages: East German Länder incl. Berlin reach far
higher U3 take-up (54,2 % in 2023 against 32,7 % in the West), so a municipality should edit them."""


@dataclass(frozen=True)
class KitaAssumptions:
    """Quotas, the Kita share of age 6 and the hours factors of one plan."""

    quotas: CareQuotas
    age6_share: float = DEFAULT_AGE6_SHARE
    hours_u3: float = 1.0
    hours_ue3: float = 1.0

    def __post_init__(self) -> None:
        _check_share(self.age6_share, "age6_share")
        for name, value in (("hours.u3", self.hours_u3), ("hours.ue3", self.hours_ue3)):
            if not _finite(value) or value < _MIN_HOURS or value > _MAX_HOURS:
                raise InvalidInput(f"{name}: {value!r} is no hours factor ({_MIN_HOURS:g} to {_MAX_HOURS:g})")

    def in_kita(self) -> np.ndarray:
        """Share of each age 0…6 that is of Kita age (1, …, 1, ``age6_share``)."""
        share = np.ones(KITA_AGES)
        share[-1] = self.age6_share
        return share

    def demand_per_child(self) -> np.ndarray:
        """Expected place equivalents per child of each age 0…6."""
        hours = np.where(np.arange(KITA_AGES) < U3_AGES, self.hours_u3, self.hours_ue3)
        return self.in_kita() * np.asarray(self.quotas.by_age) * hours

    def describe(self) -> dict[str, Any]:
        """JSON-ready form (what a plan records as its assumptions)."""
        return {
            "quotas": self.quotas.describe(),
            "age6_share": self.age6_share,
            "hours_factor": {"u3": self.hours_u3, "ue3": self.hours_ue3},
        }


_KEYS = {"quotas", "by_age", "age6_share", "hours", "label_de", "label_en"}


def assumptions_from_mapping(data: Mapping[str, Any] | None, *, where: str = "assumptions") -> KitaAssumptions:
    """Assumptions from a mapping (a YAML/JSON file, a request body); ``where`` prefixes error messages.

    Keys (all optional): ``quotas`` (the base scenario, ``current`` or ``need``; default
    ``current``), ``by_age`` (ages to quotas, a mapping like ``{1: 0.45}`` that overrides the
    base, or a list of 7 values for ages 0–6), ``age6_share``, ``hours`` (``{u3: 1.0, ue3: 1.0}``
    where each is a factor or a mapping of care extents to ``{share, weight}``), ``label_de``
    and ``label_en`` for the edited quotas.

    >>> assumptions_from_mapping({"by_age": [0, 0.4, 0.7, 1, 1, 1, 1], "age6_share": 0.5}).quotas.id
    'current (edited)'
    >>> assumptions_from_mapping({"by_age": {"1": 1.2}})
    Traceback (most recent call last):
    ...
    ortswissen.errors.InvalidInput: assumptions: by_age.1: 1.2 is above 1; quotas are shares (write 0.37 for 37 %)
    """
    data = dict(data or {})
    unknown = sorted(set(map(str, data)) - _KEYS)
    if unknown:
        raise InvalidInput(f"{where}: unknown key(s) {', '.join(unknown)}; use {', '.join(sorted(_KEYS))}")
    base_id = data.get("quotas") or "current"
    if base_id not in DEFAULT_QUOTAS:
        raise InvalidInput(f"{where}: quotas {base_id!r} is unknown; use {' or '.join(DEFAULT_QUOTAS)}")
    quotas = DEFAULT_QUOTAS[base_id]
    if data.get("by_age") is not None:
        values = _by_age(data["by_age"], list(quotas.by_age), where)
        if tuple(values) != quotas.by_age or "label_de" in data or "label_en" in data:
            quotas = replace(
                quotas,
                id=f"{base_id} (edited)",
                label_de=str(data.get("label_de") or f"{quotas.label_de}, angepasst"),
                label_en=str(data.get("label_en") or f"{quotas.label_en}, edited"),
                by_age=tuple(values),
                sources=(*quotas.sources, "vom Nutzer angepasst / edited by the user"),
            )
    hours = data.get("hours") or {}
    if not isinstance(hours, Mapping):
        raise InvalidInput(f"{where}: hours must be a mapping like {{u3: 1.0, ue3: 1.0}}")
    bad = sorted(set(map(str, hours)) - {"u3", "ue3"})
    if bad:
        raise InvalidInput(f"{where}: hours.{bad[0]} is unknown; use u3 and ue3")
    age6 = data.get("age6_share", DEFAULT_AGE6_SHARE)
    _check_share(age6, f"{where}: age6_share")
    return KitaAssumptions(
        quotas,
        age6_share=float(age6),
        hours_u3=_hours(hours.get("u3", 1.0), f"{where}: hours.u3"),
        hours_ue3=_hours(hours.get("ue3", 1.0), f"{where}: hours.ue3"),
    )


def _by_age(raw: Any, base: list[float], where: str) -> list[float]:
    values = list(base)
    if isinstance(raw, Mapping):
        for key, value in raw.items():
            try:
                age = int(str(key))
            except ValueError:
                raise InvalidInput(f"{where}: by_age.{key}: not an age (0 to 6)") from None
            if not 0 <= age < KITA_AGES:
                raise InvalidInput(f"{where}: by_age.{key}: ages run from 0 to 6")
            _check_share(value, f"{where}: by_age.{key}")
            values[age] = float(value)
    elif isinstance(raw, Sequence) and not isinstance(raw, str):
        if len(raw) != KITA_AGES:
            raise InvalidInput(f"{where}: by_age: give {KITA_AGES} values (ages 0 to 6), not {len(raw)}")
        for age, value in enumerate(raw):
            _check_share(value, f"{where}: by_age.{age}")
        values = [float(v) for v in raw]
    else:
        raise InvalidInput(f"{where}: by_age must map ages to quotas ({{1: 0.45}}) or list 7 quotas")
    return values


def _hours(raw: Any, where: str) -> float:
    """A factor, or ``{extent: {share, weight}}`` whose shares sum to 1 (factor = Σ share × weight)."""
    if not isinstance(raw, Mapping):
        if not _finite(raw) or raw < _MIN_HOURS or raw > _MAX_HOURS:
            raise InvalidInput(f"{where}: {raw!r} is no hours factor ({_MIN_HOURS:g} to {_MAX_HOURS:g})")
        return float(raw)
    total_share = 0.0
    factor = 0.0
    for name, part in raw.items():
        if not isinstance(part, Mapping) or set(part) != {"share", "weight"}:
            raise InvalidInput(f"{where}.{name}: give {{share: …, weight: …}}")
        _check_share(part["share"], f"{where}.{name}.share")
        if not _finite(part["weight"]) or part["weight"] < 0:
            raise InvalidInput(f"{where}.{name}.weight: {part['weight']!r} is not a weight (0 or more)")
        total_share += float(part["share"])
        factor += float(part["share"]) * float(part["weight"])
    if abs(total_share - 1.0) > 1e-6:
        raise InvalidInput(f"{where}: the shares of the care extents sum to {total_share:g}, not 1")
    return factor
