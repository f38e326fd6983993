"""Indicators and their values."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from ortswissen.config import Settings
from ortswissen.ports import Store
from ortswissen.web.api._deps import check_visible, get_settings, get_store, parse_query_date, visible_indicator

__all__ = ["router"]

router = APIRouter(tags=["indicators"])
StoreDep = Annotated[Store, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


@router.get("/indicators", summary="Indicator catalogue")
def indicators(store: StoreDep, settings: SettingsDep) -> list[dict[str, Any]]:
    """All (visible) indicators with full metadata and where they have values."""
    summary = store.value_summary()
    out = []
    for meta in store.list_indicators():
        if not visible_indicator(meta, settings):
            continue
        mine = summary[summary["indicator_id"] == meta.id]
        data = meta.model_dump(mode="json")
        data["available"] = [
            {
                "level": r.level_id,
                "first_date": r.first_date.isoformat(),
                "last_date": r.last_date.isoformat(),
                "dates": int(r.dates),
            }
            for r in mine.itertuples(index=False)
        ]
        out.append(data)
    return out


@router.get("/indicators/{indicator}", summary="One indicator")
def indicator(indicator: str, store: StoreDep, settings: SettingsDep) -> dict[str, Any]:
    """Full metadata of one indicator."""
    return check_visible(store.get_indicator(indicator), settings).model_dump(mode="json")


@router.get("/indicators/{indicator}/values", summary="Values of an indicator")
def indicator_values(
    indicator: str,
    store: StoreDep,
    settings: SettingsDep,
    level: Annotated[str, Query(description="Spatial level.")],
    date: Annotated[str | None, Query(description="Reference date (default: all dates).")] = None,
    as_of: Annotated[str | None, Query(description="Express on the units valid on this day (Gebietsstand).")] = None,
    scenario: Annotated[str | None, Query(description="Scenario (default: all).")] = None,
) -> dict[str, Any]:
    """Values in long form; missing and suppressed values have ``value: null`` and say so in ``status``."""
    meta = check_visible(store.get_indicator(indicator), settings)
    store.get_level(level)
    day = parse_query_date(date)
    frame = store.read_values(
        [meta.id],
        level_id=level,
        dates=[day] if day else None,
        as_of=parse_query_date(as_of, "as_of"),
        scenario=scenario,
    )
    rows = [
        {
            "unit_id": r.unit_id,
            "unit_valid_from": r.unit_valid_from.isoformat(),
            "date": r.date.isoformat(),
            "scenario": r.scenario,
            "value": None if r.value != r.value else r.value,
            "status": r.status,
            "flag": r.flag,
        }
        for r in frame.itertuples(index=False)
    ]
    return {"indicator": meta.id, "level": level, "decimals": meta.decimals, "values": rows}
