"""Series, classification, rankings, area profiles, analyses and the what-if composite."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Query
from pydantic import BaseModel, ConfigDict, Field, field_validator

from ortswissen.analysis.composite import CompositeSpec
from ortswissen.config import Settings
from ortswissen.ports import Store
from ortswissen.services import analysis as svc
from ortswissen.units import parse_date
from ortswissen.web._problems import problems
from ortswissen.web.api._deps import (
    check_visible,
    get_settings,
    get_store,
    parse_query_date,
    require_query_date,
    visible_indicator,
)

__all__ = ["router"]

# every operation here may answer 400 (a malformed or unusable parameter) and 404 (an unknown id)
router = APIRouter(responses=problems(400, 404))
StoreDep = Annotated[Store, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
Level = Annotated[str, Query(description="Spatial level (Raumebene).")]
Day = Annotated[str | None, Query(description="Reference date (default: the latest with values).")]


def _visible(store: Store, settings: Settings, *ids: str | None) -> None:
    for indicator in ids:
        if indicator:
            check_visible(store.get_indicator(indicator), settings)


@router.get("/indicators/{indicator}/series", tags=["indicators"], summary="Time series of one unit")
def series(
    indicator: str,
    store: StoreDep,
    settings: SettingsDep,
    unit: Annotated[str, Query(description="Unit id.")],
    level: Annotated[str | None, Query(description="Level (default: the first level with this unit).")] = None,
) -> dict[str, Any]:
    """All dates of one unit, with status (missing and suppressed values are ``null``)."""
    _visible(store, settings, indicator)
    return svc.series(store, indicator, unit, level)


@router.get("/indicators/{indicator}/classify", tags=["indicators"], summary="Map classes")
def classify(
    indicator: str,
    store: StoreDep,
    settings: SettingsDep,
    level: Level,
    date: Day = None,
    method: Annotated[
        Literal["jenks", "quantiles", "equal_interval", "std_mean", "manual", "threshold"] | None,
        Query(description="Classification (default: the indicator's)."),
    ] = None,
    k: Annotated[int | None, Query(ge=1, le=12, description="Number of classes.")] = None,
    breaks: Annotated[list[float] | None, Query(description="Upper bounds (manual) or thresholds (threshold).")] = None,
    exclude_outliers: Annotated[bool, Query(description="Keep IQR outliers out of the breaks.")] = False,
    fixed: Annotated[bool, Query(description="Breaks over all dates of the series (for a time slider).")] = False,
) -> dict[str, Any]:
    """Breaks and the class of every unit."""
    meta = check_visible(store.get_indicator(indicator), settings)
    chosen = method or meta.classification.method
    if chosen == "manual" and not breaks:
        breaks = meta.classification.breaks
    return svc.classify_indicator(
        store,
        indicator,
        level,
        parse_query_date(date),
        chosen,
        k or meta.classification.classes,
        breaks=breaks,
        exclude_outliers=exclude_outliers,
        fixed=fixed,
    )


@router.get("/indicators/{indicator}/ranking", tags=["indicators"], summary="Ranking of the units")
def ranking(indicator: str, store: StoreDep, settings: SettingsDep, level: Level, date: Day = None) -> dict[str, Any]:
    """Rank and percentile of every unit (rank 1 = best where the indicator has a polarity)."""
    _visible(store, settings, indicator)
    return svc.rank_units(store, indicator, level, parse_query_date(date))


@router.get("/units/{unit}/profile", tags=["analysis"], summary="Area profile (Gebietsprofil)")
def profile(
    unit: str,
    store: StoreDep,
    settings: SettingsDep,
    level: Level,
    date: Annotated[str, Query(description="Reference date.")],
) -> dict[str, Any]:
    """All indicators of a unit against its parent unit, the city and the other units of its level."""
    data = svc.unit_profile(store, unit, level, require_query_date(date))
    visible = {m.id for m in store.list_indicators() if visible_indicator(m, settings)}
    data["indicators"] = [r for r in data["indicators"] if r.get("indicator") in visible]
    return data


@router.get("/units/{unit}/series", tags=["analysis"], summary="All indicators of one unit over time")
def unit_series(unit: str, store: StoreDep, settings: SettingsDep, level: Level) -> dict[str, Any]:
    """Every (visible) indicator's values of the unit on every date, with status (for sparklines)."""
    data = svc.unit_series(store, unit, level)
    visible = {m.id for m in store.list_indicators() if visible_indicator(m, settings)}
    data["indicators"] = {k: v for k, v in data["indicators"].items() if k in visible}
    return data


@router.get("/analysis/change", tags=["analysis"], summary="Change between two dates")
def change(
    store: StoreDep,
    settings: SettingsDep,
    indicator: str,
    level: Level,
    start: Annotated[str, Query(alias="from", description="Start date.")],
    end: Annotated[str, Query(alias="to", description="End date.")],
) -> dict[str, Any]:
    """Absolute and relative change per unit (relative is missing where the start is 0)."""
    _visible(store, settings, indicator)
    a, b = require_query_date(start, "from"), require_query_date(end, "to")
    return svc.change_between(store, indicator, level, a, b)


@router.get("/analysis/trend", tags=["analysis"], summary="Trend and continuity")
def trend(store: StoreDep, settings: SettingsDep, indicator: str, level: Level, since: Day = None) -> dict[str, Any]:
    """OLS slope per year and Pearson r with time per unit."""
    _visible(store, settings, indicator)
    return svc.trend_of(store, indicator, level, parse_query_date(since, "since"))


@router.get("/analysis/regression", tags=["analysis"], summary="Scatter plot with regression")
def regression(
    store: StoreDep, settings: SettingsDep, x: str, y: str, level: Level, date: Day = None
) -> dict[str, Any]:
    """Points, OLS line, Pearson r and r² of two indicators on one level and date."""
    _visible(store, settings, x, y)
    return svc.regression(store, x, y, level, parse_query_date(date))


@router.get("/analysis/lisa", tags=["analysis"], summary="Moran's I and LISA clusters")
def lisa(
    store: StoreDep,
    settings: SettingsDep,
    indicator: str,
    level: Level,
    date: Day = None,
    permutations: Annotated[int, Query(ge=99, le=9999)] = 999,
    seed: int = 0,
) -> dict[str, Any]:
    """Global Moran's I and local clusters (HH, LL, HL, LH) on queen contiguity."""
    _visible(store, settings, indicator)
    return svc.lisa_clusters(store, indicator, level, parse_query_date(date), permutations=permutations, seed=seed)


@router.get("/analysis/deficits", tags=["analysis"], summary="Deficit detection")
def deficits(
    store: StoreDep,
    settings: SettingsDep,
    indicator: str,
    level: Level,
    date: Day = None,
    threshold: float | None = None,
    k_sd: Annotated[float | None, Query(gt=0)] = None,
    direction: Literal["above", "below", "both"] = "above",
    weight: Annotated[str | None, Query(description="Weight indicator for the mean and sd (e.g. residents).")] = None,
) -> dict[str, Any]:
    """Units beyond a threshold or beyond k standard deviations from the (weighted) mean."""
    _visible(store, settings, indicator, weight)
    return svc.deficit_units(
        store, indicator, level, parse_query_date(date), threshold=threshold, k_sd=k_sd, direction=direction,
        weight=weight,
    )  # fmt: skip


class CompositeRequest(BaseModel):
    """A what-if composite: the spec, where and when, and optionally a baseline spec to compare with."""

    model_config = ConfigDict(extra="forbid", strict=True)

    level: str = Field(min_length=1)
    date: str = Field(min_length=1)
    spec: CompositeSpec
    baseline: CompositeSpec | None = None

    @field_validator("spec", "baseline", mode="before")
    @classmethod
    def _strict_spec(cls, value: Any) -> Any:
        # strict all the way down, as the document promises: `"standardise": 0` or `"weight": "2"`
        # are errors, not a boolean and a number (the model config's strictness stops at nested
        # models); but `5.0` is the integer 5 in JSON, as in JSON Schema
        if isinstance(value, dict):
            return CompositeSpec.model_validate(_json_integers(value), strict=True)
        return value


def _json_integers(value: Any) -> Any:
    """``value`` with floats that are whole numbers as ints (JSON does not tell ``5.0`` from ``5``)."""
    if isinstance(value, dict):
        return {k: _json_integers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_integers(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


@router.post(
    "/composite",
    tags=["analysis"],
    summary="What-if composite index (Was-wäre-wenn)",
    responses=problems(422),
)
def composite(store: StoreDep, settings: SettingsDep, request: Annotated[CompositeRequest, Body()]) -> dict[str, Any]:
    """Score, rank and class per unit, computed on the fly; nothing is stored."""
    ids = [c.indicator for c in request.spec.components]
    _visible(store, settings, *ids)
    day = parse_date(request.date, "body.date")
    return svc.composite_index(store, request.spec, request.level, day, request.baseline)
