"""Demographie dashboard: projection runs, age pyramids, projection fans and key figures.

Only aggregates leave the store here (person-level register data never does).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query

from ortswissen.ports import Store
from ortswissen.services import demography as svc
from ortswissen.web._problems import problems
from ortswissen.web.api._deps import get_store, require_query_date

__all__ = ["router"]

router = APIRouter(prefix="/demography", tags=["demography"], responses=problems(400, 404))
StoreDep = Annotated[Store, Depends(get_store)]
Level = Annotated[str, Query(description="Spatial level (Raumebene), e.g. planungsraum.")]
Unit = Annotated[str, Query(description="Unit id.")]
Day = Annotated[str, Query(description="Reference date (YYYY-MM-DD or DD.MM.YYYY).")]
ScenarioQ = Annotated[
    Literal["observed", "medium", "low", "high"],
    Query(description="observed, or a projection variant (medium, low, high)."),
]


@router.get("/runs", summary="Stored projection runs (Prognoseläufe)")
def runs(store: StoreDep) -> list[dict[str, Any]]:
    """Every projection run: level, jump-off, years, scenarios, seed, trajectories, data version."""
    return svc.runs(store)


@router.get("/pyramid", summary="Age structure of a unit (Alterspyramide)")
def pyramid(store: StoreDep, level: Level, unit: Unit, date: Day, scenario: ScenarioQ = "observed") -> dict[str, Any]:
    """Persons by age band (by sex where the source has it); projected bands carry q10/q90 etc."""
    return svc.age_structure(store, level, unit, require_query_date(date), scenario)


@router.get("/fan", summary="Observed and projected series with intervals (Fächerdiagramm)")
def fan(
    store: StoreDep,
    level: Level,
    unit: Unit,
    indicator: Annotated[str, Query(description="A projected indicator, e.g. residents.")] = "residents",
) -> dict[str, Any]:
    """Observed values, the variants low/medium/high and the quantiles 2.5/10/50/90/97.5 %."""
    return svc.fan(store, level, unit, indicator)


@router.get("/keyfigures", summary="Key figures (Kennzahlen): births, deaths, dependency ratios")
def keyfigures(
    store: StoreDep, level: Level, unit: Unit, date: Day, scenario: ScenarioQ = "observed"
) -> dict[str, Any]:
    """Residents, births, deaths per 1,000, youth/old-age/total dependency, ageing index."""
    return svc.key_figures(store, level, unit, require_query_date(date), scenario)
