"""Indicator metadata: what a number means, where it comes from and how it aggregates.

The aggregation rule is metadata, not code hidden in a script: counts are summed, a share
is the ratio of two aggregated counts (never an average of shares), a mean is weighted by
its base, extremes take the min or max, and some indicators cannot be aggregated at all.
Definitions are validated when they are created, so an inconsistent one (a share declared
summable, a ratio without a denominator) is rejected before any value is stored.

Examples
--------
>>> meta = IndicatorMeta(id="ew_insgesamt", title_de="Einwohner insgesamt",
...                      title_en="Residents, total", kind="count")
>>> meta.aggregation.method
<Aggregation.SUM: 'sum'>
>>> IndicatorMeta(id="anteil_u6", title_de="Anteil unter 6", title_en="Share under 6",
...               kind="share", aggregation={"method": "sum"})
Traceback (most recent call last):
...
pydantic_core._pydantic_core.ValidationError: 1 validation error for IndicatorMeta
  Value error, indicator 'anteil_u6' is a share; shares aggregate as the ratio of two counts ...
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ortswissen.indicators._computation import Computation, default_kind_and_aggregation, parse_computation
from ortswissen.units._levels import ID_PATTERN

__all__ = [
    "Aggregation",
    "AggregationRule",
    "ClassificationDefaults",
    "IndicatorKind",
    "IndicatorMeta",
    "Polarity",
    "UpdateInterval",
    "Visibility",
]


class IndicatorKind(StrEnum):
    """What kind of number an indicator is."""

    COUNT = "count"  # persons, dwellings, Kitas: non-negative, summable
    AMOUNT = "amount"  # areas, money, places: summable, may be fractional
    SHARE = "share"  # part of a whole (0–1 or percent via scale)
    RATE = "rate"  # events per population (per 1,000 …)
    DENSITY = "density"  # per km² / per ha
    MEAN = "mean"  # average age, average household size
    INDEX = "index"  # composite or standardised score
    CHANGE = "change"  # difference or growth over time
    OTHER = "other"


class Aggregation(StrEnum):
    """How values of smaller units combine into a larger unit."""

    SUM = "sum"
    RATIO = "ratio"
    WEIGHTED_MEAN = "weighted_mean"
    MIN = "min"
    MAX = "max"
    NONE = "none"


class Polarity(StrEnum):
    """Whether higher values are better, worse or neither."""

    HIGHER_IS_BETTER = "higher_is_better"
    HIGHER_IS_WORSE = "higher_is_worse"
    NEUTRAL = "neutral"


class Visibility(StrEnum):
    """Who may see an indicator."""

    PUBLIC = "public"
    INTERNAL = "internal"


class UpdateInterval(StrEnum):
    """How often new values arrive."""

    ARBITRARY = "arbitrary"
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    HALF_YEARLY = "half_yearly"
    YEARLY = "yearly"


_ID = ID_PATTERN.pattern


class AggregationRule(BaseModel):
    """The aggregation rule of an indicator.

    ``ratio`` needs ``numerator`` and ``denominator`` (indicator ids, both summable) and
    multiplies by ``scale`` (100 for percent, 1000 per mille); ``weighted_mean`` needs
    ``weight`` (the indicator to weight by, e.g. residents for an average age).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    method: Aggregation = Aggregation.SUM
    numerator: str | None = Field(default=None, pattern=_ID)
    denominator: str | None = Field(default=None, pattern=_ID)
    weight: str | None = Field(default=None, pattern=_ID)
    scale: float = Field(default=1.0, gt=0)

    @model_validator(mode="after")
    def _parts_fit_method(self) -> Self:
        if self.method == Aggregation.RATIO:
            if not self.numerator or not self.denominator:
                raise ValueError("a 'ratio' aggregation needs a numerator and a denominator")
        elif self.numerator or self.denominator:
            raise ValueError(f"numerator/denominator only apply to 'ratio', not {self.method.value!r}")
        if self.method == Aggregation.WEIGHTED_MEAN:
            if not self.weight:
                raise ValueError("a 'weighted_mean' aggregation needs a weight indicator")
        elif self.weight:
            raise ValueError(f"weight only applies to 'weighted_mean', not {self.method.value!r}")
        return self

    def inputs(self) -> list[str]:
        """Indicator ids this rule needs besides the indicator itself."""
        return [x for x in (self.numerator, self.denominator, self.weight) if x]


class ClassificationDefaults(BaseModel):
    """Default map classification of an indicator."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    method: Literal["quantiles", "jenks", "equal_interval", "std_mean", "manual"] = "quantiles"
    classes: int = Field(default=5, ge=2, le=9)
    palette: str = "YlOrRd"
    breaks: list[float] | None = None

    @model_validator(mode="after")
    def _manual_needs_breaks(self) -> Self:
        if self.method == "manual":
            if not self.breaks:
                raise ValueError("manual classification needs breaks")
            if sorted(self.breaks) != list(self.breaks):
                raise ValueError("manual breaks must be ascending")
        return self


class IndicatorMeta(BaseModel):
    """Full metadata of an indicator (KomMonitor's indicator metadata, made explicit)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=_ID)
    title_de: str = Field(min_length=1)
    title_en: str = Field(min_length=1)
    unit_de: str = ""
    unit_en: str = ""
    description_de: str = ""
    description_en: str = ""
    interpretation_de: str = ""
    interpretation_en: str = ""
    source: str = ""
    licence: str = ""
    reference_date_note: str = ""
    update_interval: UpdateInterval = UpdateInterval.ARBITRARY
    topic: str = ""
    tags: tuple[str, ...] = ()
    kind: IndicatorKind = IndicatorKind.COUNT
    polarity: Polarity = Polarity.NEUTRAL
    aggregation: AggregationRule = AggregationRule()
    decimals: int = Field(default=0, ge=0, le=6)
    allow_negative: bool | None = None
    classification: ClassificationDefaults = ClassificationDefaults()
    visibility: Visibility = Visibility.PUBLIC
    owner: str = "default"
    computation: Computation | None = None

    @model_validator(mode="before")
    @classmethod
    def _defaults_from_computation(cls, data: Any) -> Any:
        """A computed indicator's kind and aggregation default to what its template implies."""
        if not isinstance(data, dict) or data.get("computation") is None:
            return data
        computation = parse_computation(data["computation"])
        kind, rule = default_kind_and_aggregation(computation)
        data = dict(data, computation=computation)
        data.setdefault("kind", kind)
        data.setdefault("aggregation", rule)
        return data

    @field_validator("title_de", "title_en")
    @classmethod
    def _strip(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("a title must not be blank")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        method = self.aggregation.method
        if self.kind in (IndicatorKind.SHARE, IndicatorKind.RATE, IndicatorKind.DENSITY) and method in (
            Aggregation.SUM,
            Aggregation.WEIGHTED_MEAN,
        ):
            raise ValueError(
                f"indicator {self.id!r} is a {self.kind.value}; {self.kind.value}s aggregate as the ratio of "
                f"two counts (method 'ratio'), never by {method.value!r}"
            )
        if self.kind == IndicatorKind.COUNT and method not in (Aggregation.SUM, Aggregation.NONE):
            raise ValueError(f"indicator {self.id!r} is a count; counts aggregate by 'sum' (or 'none')")
        if self.aggregation.numerator == self.id or self.aggregation.denominator == self.id:
            raise ValueError(f"indicator {self.id!r} cannot be its own numerator or denominator")
        if self.computation is not None and self.id in self.computation.inputs():
            raise ValueError(f"indicator {self.id!r} cannot be an input of its own computation")
        return self

    @property
    def computed(self) -> bool:
        """Whether the values are computed from other indicators or georesources."""
        return self.computation is not None

    def inputs(self) -> list[str]:
        """Indicators this one depends on: the computation's inputs and the aggregation rule's."""
        own = self.computation.inputs() if self.computation is not None else []
        return list(dict.fromkeys([*own, *self.aggregation.inputs()]))

    @property
    def negative_allowed(self) -> bool:
        """Whether negative values are plausible (never for counts unless stated)."""
        if self.allow_negative is not None:
            return self.allow_negative
        return self.kind not in (
            IndicatorKind.COUNT,
            IndicatorKind.AMOUNT,
            IndicatorKind.SHARE,
            IndicatorKind.RATE,
            IndicatorKind.DENSITY,
        )

    def title(self, language: str = "de") -> str:
        """The title in ``language`` (``de`` or ``en``)."""
        return self.title_en if language == "en" else self.title_de

    @classmethod
    def json_schema(cls) -> dict[str, Any]:
        """The JSON Schema of indicator definitions (for editors and ``indicators schema``)."""
        return cls.model_json_schema()
