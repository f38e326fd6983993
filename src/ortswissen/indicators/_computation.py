"""Declarative computations: the 18 KomMonitor templates plus density and nearest distance.

A computed indicator names a *template* and its inputs; nothing else. No formula string is
parsed and no user code runs: each template is a closed, validated structure that the engine
compiles to a relational expression (Ibis) or, for the spatial ones, to a prepared table.

Missing values stay missing (a template never turns a missing input into 0); a ratio whose
denominator is 0 is *missing* with the flag ``zero_denominator``, never 0 or infinity.

Examples
--------
>>> c = parse_computation({"template": "percent", "part": "ew_u6", "whole": "ew_insgesamt"})
>>> c.template, c.inputs(), c.scale
('percent', ['ew_u6', 'ew_insgesamt'], 100.0)
>>> parse_computation({"template": "change", "input": "ew", "periods": 1, "years": 1})
Traceback (most recent call last):
...
ortswissen.errors.DefinitionError: computation: give either 'periods' or 'years' for a change, not both
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator

from ortswissen.errors import DefinitionError
from ortswissen.units._levels import ID_PATTERN

__all__ = [
    "TEMPLATES",
    "AttributeFilter",
    "ChangeComputation",
    "ChangeSinceComputation",
    "CompositeComputation",
    "CompositePart",
    "Computation",
    "DateSelection",
    "DensityComputation",
    "DifferenceComputation",
    "FeatureStatComputation",
    "LineLengthComputation",
    "NearestDistanceComputation",
    "PointCountComputation",
    "ProductComputation",
    "RatioComputation",
    "SubsetShareComputation",
    "SumComputation",
    "TrendComputation",
    "default_kind_and_aggregation",
    "parse_computation",
]

_ID = ID_PATTERN.pattern
IndicatorId = Annotated[str, Field(pattern=_ID)]


class _Base(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    def inputs(self) -> list[str]:
        """Indicator ids this computation reads (in order, without duplicates)."""
        return []

    @property
    def spatial(self) -> bool:
        """Whether the computation reads georesources (prepared spatially, not from values)."""
        return False


class SumComputation(_Base):
    """Sum of two or more indicators (KomMonitor: *Summe*)."""

    template: Literal["sum"] = "sum"
    terms: list[IndicatorId] = Field(min_length=2)

    def inputs(self) -> list[str]:
        return list(dict.fromkeys(self.terms))


class DifferenceComputation(_Base):
    """``minuend`` minus the sum of ``subtrahends`` (*Subtraktion*)."""

    template: Literal["subtract"] = "subtract"
    minuend: IndicatorId
    subtrahends: list[IndicatorId] = Field(min_length=1)

    def inputs(self) -> list[str]:
        return list(dict.fromkeys([self.minuend, *self.subtrahends]))


class ProductComputation(_Base):
    """Product of one or more indicators times a constant ``factor`` (*Multiplikation*)."""

    template: Literal["multiply"] = "multiply"
    factors: list[IndicatorId] = Field(min_length=1)
    constant: float = 1.0

    def inputs(self) -> list[str]:
        return list(dict.fromkeys(self.factors))


_RATIO_SCALE = {"divide": None, "share": 1.0, "percent": 100.0, "per_mille": 1000.0}


class RatioComputation(_Base):
    """``part / whole × scale``: *Division*, *Anteil*, *Prozent*, *Promille*, rates per 100/1,000.

    ``share``, ``percent`` and ``per_mille`` fix the scale (1, 100, 1,000); ``divide`` takes
    any ``scale`` (e.g. 100 for "per 100 working-age"). A zero whole gives a missing value.
    """

    template: Literal["divide", "share", "percent", "per_mille"] = "divide"
    part: IndicatorId
    whole: IndicatorId
    scale: float = Field(default=1.0, gt=0)

    @model_validator(mode="after")
    def _scale_fits(self) -> Self:
        fixed = _RATIO_SCALE[self.template]
        if fixed is not None:
            if "scale" in self.model_fields_set and self.scale != fixed:
                raise ValueError(f"template {self.template!r} has the fixed scale {fixed:g}; use 'divide' for others")
            object.__setattr__(self, "scale", fixed)
        if self.part == self.whole:
            raise ValueError("part and whole must be different indicators")
        return self

    def inputs(self) -> list[str]:
        return [self.part, self.whole]


class ChangeComputation(_Base):
    """Change against the value ``periods`` dates earlier or ``years`` years earlier (same day).

    ``relative`` gives ``(now - then) / then × scale`` (scale 100 = percent); a zero or
    missing base value gives a missing value.
    """

    template: Literal["change"] = "change"
    input: IndicatorId
    periods: int | None = Field(default=None, ge=1)
    years: int | None = Field(default=None, ge=1)
    relative: bool = False
    scale: float = Field(default=100.0, gt=0)

    @model_validator(mode="after")
    def _one_lag(self) -> Self:
        if self.periods is not None and self.years is not None:
            raise ValueError("give either 'periods' or 'years' for a change, not both")
        if self.periods is None and self.years is None:
            raise ValueError("a change needs 'periods' (earlier dates of the series) or 'years'")
        return self

    def inputs(self) -> list[str]:
        return [self.input]


class ChangeSinceComputation(_Base):
    """Change against a fixed reference date (*Veränderung gegenüber Stichtag*)."""

    template: Literal["change_since"] = "change_since"
    input: IndicatorId
    reference_date: dt.date
    relative: bool = False
    scale: float = Field(default=100.0, gt=0)

    def inputs(self) -> list[str]:
        return [self.input]


class TrendComputation(_Base):
    """Over the last ``periods`` dates (inclusive): OLS slope per year (*Trend*) or Pearson r (*Stetigkeit*).

    A unit needs all ``periods`` values with numbers; otherwise the result is missing.
    """

    template: Literal["trend", "continuity"] = "trend"
    input: IndicatorId
    periods: int = Field(default=5, ge=2, le=100)

    def inputs(self) -> list[str]:
        return [self.input]


class CompositePart(BaseModel):
    """One component of a composite index."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    indicator: IndicatorId
    weight: float = Field(default=1.0, gt=0)
    polarity: Literal["higher_is_better", "higher_is_worse"] = "higher_is_better"


class CompositeComputation(_Base):
    """Headline index: components normalised per level and date, weighted mean (*Gesamtindikator*).

    ``zscore`` standardises by mean and population standard deviation of the units of the
    level on the date, ``minmax`` maps to 0–1, ``rank`` to the percentile rank 0–1. Components
    with ``higher_is_worse`` are flipped so a higher index is always better.
    """

    template: Literal["composite"] = "composite"
    components: list[CompositePart] = Field(min_length=1)
    normalisation: Literal["zscore", "minmax", "rank"] = "zscore"

    @model_validator(mode="after")
    def _unique(self) -> Self:
        ids = [c.indicator for c in self.components]
        if len(set(ids)) != len(ids):
            raise ValueError("each indicator may appear once among the components")
        return self

    def inputs(self) -> list[str]:
        return [c.indicator for c in self.components]


class AttributeFilter(BaseModel):
    """A condition on one feature attribute, e.g. ``{"attribute": "traeger", "op": "eq", "value": "öffentlich"}``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    attribute: str = Field(min_length=1)
    op: Literal["eq", "ne", "lt", "le", "gt", "ge", "in", "not_in", "exists"] = "eq"
    value: Any = None

    @model_validator(mode="after")
    def _value_fits(self) -> Self:
        if self.op in ("in", "not_in") and not isinstance(self.value, list):
            raise ValueError(f"filter op {self.op!r} needs a list value")
        if self.op in ("lt", "le", "gt", "ge") and not isinstance(self.value, int | float):
            raise ValueError(f"filter op {self.op!r} needs a number")
        return self


class DateSelection(BaseModel):
    """The dates a georesource-based indicator is computed for.

    ``like``: the dates of another indicator (e.g. the population), ``dates``: listed days.
    ``features_on``: count the features valid on this one day for every date — for a
    facility register that only exists as a current snapshot (the values then describe
    today's facilities against each date's population; say so in the metadata).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    like: IndicatorId | None = None
    dates: list[dt.date] | None = None
    features_on: dt.date | None = None

    @model_validator(mode="after")
    def _one(self) -> Self:
        if (self.like is None) == (self.dates is None):
            raise ValueError("dates: give either 'like' (an indicator) or 'dates' (a list)")
        return self


class _Spatial(_Base):
    georesource: Annotated[str, Field(pattern=_ID)]
    where: list[AttributeFilter] = []
    at: DateSelection

    @property
    def spatial(self) -> bool:
        return True

    def inputs(self) -> list[str]:
        return [self.at.like] if self.at.like else []


class PointCountComputation(_Spatial):
    """Number of features per unit that match ``where`` (*Punkte in Polygon*)."""

    template: Literal["point_count"] = "point_count"


class FeatureStatComputation(_Spatial):
    """A statistic of a numeric attribute over the matching features per unit (*Georessourcen-Statistik*)."""

    template: Literal["feature_stat"] = "feature_stat"
    attribute: str = Field(min_length=1)
    statistic: Literal["min", "max", "mean", "median", "sum", "std"] = "sum"


class SubsetShareComputation(_Spatial):
    """Share of features matching ``subset`` among those matching ``where`` (*Teilmengen-Anteil*)."""

    template: Literal["subset_share"] = "subset_share"
    subset: list[AttributeFilter] = Field(min_length=1)
    scale: float = Field(default=100.0, gt=0)


class LineLengthComputation(_Spatial):
    """Length of the matching line features inside each unit, in metres or km (*Linienlänge*)."""

    template: Literal["line_length"] = "line_length"
    unit: Literal["m", "km"] = "km"


class NearestDistanceComputation(_Spatial):
    """Distance in metres from each unit to the nearest matching feature valid on the date.

    ``origin``: the unit's representative point (always inside the unit) or, when a weight
    indicator on a lower level is given, the mean over its sub-units weighted by it.
    """

    template: Literal["nearest_distance"] = "nearest_distance"
    origin: Literal["representative_point", "centroid"] = "representative_point"


class DensityComputation(_Base):
    """``input`` per km² (or per ha) of the unit's area (*Dichte*)."""

    template: Literal["density"] = "density"
    input: IndicatorId
    per: Literal["km2", "ha"] = "km2"

    def inputs(self) -> list[str]:
        return [self.input]


Computation = Annotated[
    SumComputation
    | DifferenceComputation
    | ProductComputation
    | RatioComputation
    | ChangeComputation
    | ChangeSinceComputation
    | TrendComputation
    | CompositeComputation
    | PointCountComputation
    | FeatureStatComputation
    | SubsetShareComputation
    | LineLengthComputation
    | NearestDistanceComputation
    | DensityComputation,
    Field(discriminator="template"),
]

#: Template names (KomMonitor's 18 plus density and nearest distance).
TEMPLATES: tuple[str, ...] = (
    "sum", "subtract", "multiply", "divide", "share", "percent", "per_mille", "change", "change_since",
    "trend", "continuity", "composite", "point_count", "feature_stat", "subset_share", "line_length",
    "density", "nearest_distance",
)  # fmt: skip

_ADAPTER: TypeAdapter[Computation] = TypeAdapter(Computation)


def default_kind_and_aggregation(computation: Computation) -> tuple[str, dict[str, Any]]:
    """The indicator kind and aggregation rule a computation implies when the definition omits them.

    Computed values are derived on every level from that level's inputs, so the rule is
    what the template means when units are merged: a ratio of the summed part and whole, a
    sum for sums and counts, and "none" where only recomputation is meaningful.

    >>> default_kind_and_aggregation(parse_computation({"template": "percent", "part": "a", "whole": "b"}))
    ('share', {'method': 'ratio', 'numerator': 'a', 'denominator': 'b', 'scale': 100.0})
    """
    match computation:
        case RatioComputation(template="divide"):
            rule = {"method": "ratio", "numerator": computation.part, "denominator": computation.whole}
            return "rate", rule | {"scale": computation.scale}
        case RatioComputation():
            rule = {"method": "ratio", "numerator": computation.part, "denominator": computation.whole}
            return "share", rule | {"scale": computation.scale}
        case SumComputation() | DifferenceComputation():
            return "amount", {"method": "sum"}
        case PointCountComputation():
            return "count", {"method": "sum"}
        case LineLengthComputation():
            return "amount", {"method": "sum"}
        case ChangeComputation() | ChangeSinceComputation():
            return "change", {"method": "sum" if not computation.relative else "none"}
        case CompositeComputation():
            return "index", {"method": "none"}
        case DensityComputation():
            return "density", {"method": "none"}
        case SubsetShareComputation():
            return "share", {"method": "none"}
        case _:
            return "other", {"method": "none"}


def parse_computation(data: Any) -> Computation:
    """Validate a computation given as a mapping (from YAML/JSON); raise :class:`DefinitionError`."""
    if isinstance(data, _Base):
        return data  # type: ignore[return-value]
    try:
        return _ADAPTER.validate_python(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = list(first["loc"])
        if loc and isinstance(data, dict) and loc[0] == data.get("template"):
            loc = loc[1:]  # the union's tag, already named by the template
        where = ".".join(str(p) for p in loc)
        message = str(first["msg"]).removeprefix("Value error, ")
        raise DefinitionError(f"computation{'.' + where if where else ''}: {message}") from exc
