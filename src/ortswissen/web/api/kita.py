"""Kita-Planung dashboard: default quotas, the plan per area and year, and its CSV/XLSX export.

Only aggregates per area leave the store. Quotas are edited per request (query parameters or
``POST /kita/whatif``); nothing is stored.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from ortswissen.errors import InvalidInput
from ortswissen.kita import KitaAssumptions, assumptions_from_mapping
from ortswissen.ports import Store
from ortswissen.services import kita as svc
from ortswissen.web._problems import problems
from ortswissen.web.api._deps import get_store
from ortswissen.web.api.values import XLSX_MEDIA_TYPE

__all__ = ["router"]

router = APIRouter(prefix="/kita", tags=["kita"])
StoreDep = Annotated[Store, Depends(get_store)]
Level = Annotated[str, Query(description="Spatial level (Raumebene), e.g. planungsraum.")]
Year = Annotated[int, Query(ge=1900, le=2200, description="Year; children and places on 31 December.")]
ScenarioQ = Annotated[
    Literal["medium", "low", "high", "observed"],
    Query(description="Population scenario of the children (medium, low, high) or observed."),
]
QuotasQ = Annotated[
    Literal["current", "need"],
    Query(description="Care quotas: current take-up (Betreuungsquote) or parents' stated need (Bedarfsquote)."),
]
CatchmentQ = Annotated[
    str,
    Query(
        pattern=r"^(none|neighbours|neighbors|\d+(\.\d+)?m)$",
        description="none (places in the area), neighbours (shared with touching areas) or a walking radius "
        "such as 500m (both shared by 2SFCA).",
    ),
]
IntervalQ = Annotated[
    Literal["80", "95", "none"], Query(description="Interval of the demand from the projection quantiles.")
]
ByAgeQ = Annotated[
    str | None,
    Query(
        description="Edited quotas: 7 shares for ages 0–6 (`0.03,0.45,0.7,0.95,0.95,0.95,0.95`) or age:share "
        "pairs (`1:0.45,2:0.7`).",
    ),
]
Age6Q = Annotated[float | None, Query(ge=0, le=1, description="Share of the age-6 cohort still in Kita.")]
HoursQ = Annotated[
    float | None, Query(ge=0.1, le=3, description="Place equivalents per child (hours factor, 0.1 to 3).")
]


def _assumptions(
    quotas: str, by_age: str | None, age6_share: float | None, hours_u3: float | None, hours_ue3: float | None
) -> KitaAssumptions:
    data: dict[str, Any] = {"quotas": quotas}
    if by_age:
        parts = [p.strip() for p in by_age.split(",") if p.strip()]
        try:
            if any(":" in p for p in parts):
                data["by_age"] = {k.strip(): float(v) for k, v in (p.split(":", 1) for p in parts)}
            else:
                data["by_age"] = [float(p) for p in parts]
        except ValueError:
            raise InvalidInput(f"query parameter by_age: {by_age!r} is not a list of shares") from None
    if age6_share is not None:
        data["age6_share"] = age6_share
    hours = {k: v for k, v in (("u3", hours_u3), ("ue3", hours_ue3)) if v is not None}
    if hours:
        data["hours"] = hours
    return assumptions_from_mapping(data, where="query")


def _interval(value: str | int | None) -> int | None:
    return None if value in (None, "none") else int(value)  # type: ignore[arg-type]


@router.get("/quotas", summary="Default care quotas by age (Betreuungs- und Bedarfsquoten)")
def quotas() -> dict[str, Any]:
    """The named quota scenarios ``current`` and ``need`` with sources, the age-6 share and hours factors."""
    return svc.quota_defaults()


@router.get(
    "/plan", summary="Kita plan: demand, places and gap per area (Kita-Bedarfsplanung)", responses=problems(400, 404)
)
def plan(
    store: StoreDep,
    level: Level,
    year: Year,
    scenario: ScenarioQ = "medium",
    quotas: QuotasQ = "current",
    catchment: CatchmentQ = "none",
    interval: IntervalQ = "80",
    by_age: ByAgeQ = None,
    age6_share: Age6Q = None,
    hours_u3: HoursQ = None,
    hours_ue3: HoursQ = None,
) -> dict[str, Any]:
    """Per area: children U3/Ü3, demand (with its interval for ``medium``), places, gap (negative = shortage), coverage.

    Demand = children by single year of age × care quota by age × hours factor; places from
    the Kita georesource, optionally shared over a catchment (2SFCA). ``total`` sums the areas.
    """
    assumptions = _assumptions(quotas, by_age, age6_share, hours_u3, hours_ue3)
    result = svc.kita_plan(
        store,
        level,
        year,
        scenario=scenario,
        assumptions=assumptions,
        catchment=catchment,
        interval=_interval(interval),
    )
    return result.to_dict()


class HoursBody(BaseModel):
    """Place equivalents per child by group."""

    model_config = ConfigDict(extra="forbid", strict=True)

    u3: float = Field(1.0, ge=0.1, le=3)
    ue3: float = Field(1.0, ge=0.1, le=3)


class PlanRequest(BaseModel):
    """A Kita plan with edited assumptions."""

    model_config = ConfigDict(extra="forbid", strict=True)

    level: str = Field(min_length=1)
    year: int = Field(ge=1900, le=2200, strict=False)  # JSON's 2024.0 is the integer 2024
    scenario: Literal["medium", "low", "high", "observed"] = "medium"
    quotas: Literal["current", "need"] = "current"
    by_age: dict[Literal["0", "1", "2", "3", "4", "5", "6"], Annotated[float, Field(ge=0, le=1)]] | None = Field(
        None, description='Quotas by age that replace those of `quotas`, e.g. {"1": 0.45}.'
    )
    age6_share: float | None = Field(None, ge=0, le=1)
    hours: HoursBody | None = None
    catchment: str = Field("none", pattern=r"^(none|neighbours|neighbors|\d+(\.\d+)?m)$")
    interval: Literal[80, 95] | None = 80


@router.post("/whatif", summary="Kita plan with edited quotas (Was-wäre-wenn)", responses=problems(400, 404, 422))
def plan_post(store: StoreDep, request: Annotated[PlanRequest, Body()]) -> dict[str, Any]:
    """As ``GET /kita/plan``, with the assumptions in a JSON body (by_age, age6_share, hours); nothing is stored."""
    data: dict[str, Any] = {"quotas": request.quotas}
    if request.by_age:
        data["by_age"] = dict(request.by_age)
    if request.age6_share is not None:
        data["age6_share"] = request.age6_share
    if request.hours is not None:
        data["hours"] = request.hours.model_dump()
    assumptions = assumptions_from_mapping(data, where="body")
    result = svc.kita_plan(
        store,
        request.level,
        request.year,
        scenario=request.scenario,
        assumptions=assumptions,
        catchment=request.catchment,
        interval=request.interval,
    )
    return result.to_dict()


def _download(
    store: Store,
    fmt: Literal["csv", "xlsx"],
    level: str,
    year: int,
    to_year: int | None,
    scenario: str,
    assumptions: KitaAssumptions,
    catchment: str,
    interval: str,
) -> Response:
    last = to_year or year
    if last < year:
        raise InvalidInput("query parameter to_year lies before year")
    if last - year > 30:
        raise InvalidInput("export at most 31 years at once")
    plans = svc.kita_plans(
        store,
        level,
        list(range(year, last + 1)),
        scenario=scenario,
        assumptions=assumptions,
        catchment=catchment,
        interval=_interval(interval),
    )
    buf = io.BytesIO()
    svc.write_plans(plans, buf, fmt, created=dt.date.today())
    span = str(year) if last == year else f"{year}-{last}"
    filename = f"kita_plan_{level}_{span}.{fmt}"
    media = "text/csv; charset=utf-8" if fmt == "csv" else XLSX_MEDIA_TYPE
    return Response(
        buf.getvalue(), media_type=media, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


ToYear = Annotated[int | None, Query(ge=1900, le=2200, description="Last year of a span (default: year).")]


@router.get(
    "/plan.csv",
    summary="Kita plan as CSV (German: semicolon, decimal comma) with a header block",
    response_class=Response,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}, **problems(400, 404)},
)
def plan_csv(
    store: StoreDep,
    level: Level,
    year: Year,
    to_year: ToYear = None,
    scenario: ScenarioQ = "medium",
    quotas: QuotasQ = "current",
    catchment: CatchmentQ = "none",
    interval: IntervalQ = "80",
    by_age: ByAgeQ = None,
    age6_share: Age6Q = None,
    hours_u3: HoursQ = None,
    hours_ue3: HoursQ = None,
) -> Response:
    """The table a youth welfare office files: header block, a row per area and year, a total row per year."""
    assumptions = _assumptions(quotas, by_age, age6_share, hours_u3, hours_ue3)
    return _download(store, "csv", level, year, to_year, scenario, assumptions, catchment, interval)


@router.get(
    "/plan.xlsx",
    summary="Kita plan as an Excel workbook with a header block",
    response_class=Response,
    responses={
        200: {"content": {XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}}},
        **problems(400, 404),
    },
)
def plan_xlsx(
    store: StoreDep,
    level: Level,
    year: Year,
    to_year: ToYear = None,
    scenario: ScenarioQ = "medium",
    quotas: QuotasQ = "current",
    catchment: CatchmentQ = "none",
    interval: IntervalQ = "80",
    by_age: ByAgeQ = None,
    age6_share: Age6Q = None,
    hours_u3: HoursQ = None,
    hours_ue3: HoursQ = None,
) -> Response:
    """As ``/kita/plan.csv``, as XLSX (numbers formatted, header row frozen)."""
    assumptions = _assumptions(quotas, by_age, age6_share, hours_u3, hours_ue3)
    return _download(store, "xlsx", level, year, to_year, scenario, assumptions, catchment, interval)
