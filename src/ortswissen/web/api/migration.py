"""Wanderungen dashboard: migration summary, OD matrix, net migration by age, flow lines.

Every answer is an aggregate of the register (person rows never leave the store). The
minimum-count rule hides counts of 1 and 2 (and what they would give away) by default;
``small_counts=show`` turns it off except in public mode, where it always applies.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse

from ortswissen.config import Settings
from ortswissen.migration import AGE_GROUPS, SUPPRESS_BELOW
from ortswissen.ports import Store
from ortswissen.services import migration as svc
from ortswissen.web._problems import problems
from ortswissen.web.api._deps import get_settings, get_store
from ortswissen.web.api._geojson import FEATURE_COLLECTION_SCHEMA

__all__ = ["router"]

router = APIRouter(prefix="/migration", tags=["migration"], responses=problems(400, 404))
StoreDep = Annotated[Store, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
Level = Annotated[str, Query(description="Spatial level (Raumebene), e.g. planungsraum or bezirk.")]
Year = Annotated[int, Query(ge=1800, le=2200, description="Calendar year (wholly inside the register extract).")]
YearTo = Annotated[int | None, Query(ge=1800, le=2200, description="Last year of a range (inclusive); default: year.")]
AgeGroup = Annotated[
    Literal[tuple(AGE_GROUPS)] | None,  # type: ignore[valid-type]
    Query(description="Age group: " + ", ".join(f"{g.id} ({g.label_de})" for g in AGE_GROUPS.values()) + "."),
]
SmallCounts = Annotated[
    Literal["suppress", "show"],
    Query(description=f"suppress: counts 1–{SUPPRESS_BELOW - 1} become null (always in public mode); show: all."),
]


def _below(small_counts: str, settings: Settings) -> int | None:
    return None if small_counts == "show" and not settings.public_mode else SUPPRESS_BELOW


@router.get("/summary", summary="Moves in, out and within per unit (Wanderungsbilanz)")
def summary(
    store: StoreDep, settings: SettingsDep, level: Level, year: Year, small_counts: SmallCounts = "suppress"
) -> dict[str, Any]:
    """Per unit: moves from/to outside the city, between units, within the unit; net and turnover per 1,000."""
    return svc.summary(store, level, year, suppress_below=_below(small_counts, settings))


@router.get("/od", summary="Origin–destination matrix (Verflechtungsmatrix)")
def od(
    store: StoreDep,
    settings: SettingsDep,
    level: Level,
    year: Year,
    year_to: YearTo = None,
    age_group: AgeGroup = None,
    small_counts: SmallCounts = "suppress",
) -> dict[str, Any]:
    """Sparse matrix: one entry per pair with moves; "outside" stands for anywhere outside the city."""
    return svc.od(
        store, level, year, year_to=year_to, age_group=age_group, suppress_below=_below(small_counts, settings)
    )


@router.get("/net-by-age", summary="Net migration by age group (Wanderungssaldo nach Alter)")
def net_by_age(
    store: StoreDep,
    settings: SettingsDep,
    level: Level,
    year: Year,
    unit: Annotated[str | None, Query(description="Unit id; without it the whole city.")] = None,
    small_counts: SmallCounts = "suppress",
) -> dict[str, Any]:
    """Moves in, out, net and net per 1,000 of the age group's mean population, by age group."""
    return svc.by_age(store, level, year, unit=unit or None, suppress_below=_below(small_counts, settings))


@router.get(
    "/flows",
    summary="Flow lines for the map (Wanderungsströme)",
    response_class=JSONResponse,
    responses={
        200: {"content": {"application/geo+json": {"schema": FEATURE_COLLECTION_SCHEMA}}},
        **problems(400, 404),
    },
)
def flows(
    store: StoreDep,
    settings: SettingsDep,
    level: Level,
    year: Year,
    year_to: YearTo = None,
    min_count: Annotated[int, Query(ge=1, description="Smallest number of moves of a pair, both ways.")] = 10,
    age_group: AgeGroup = None,
    limit: Annotated[int, Query(ge=1, le=5000, description="Most lines, largest first.")] = 200,
    small_counts: SmallCounts = "suppress",
) -> JSONResponse:
    """WGS84 LineStrings between the units' representative points, drawn in the net direction."""
    data = svc.flows(
        store,
        level,
        year,
        year_to=year_to,
        min_count=min_count,
        age_group=age_group,
        limit=limit,
        suppress_below=_below(small_counts, settings),
    )
    return JSONResponse(data, media_type="application/geo+json")
