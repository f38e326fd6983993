"""Request-scoped helpers shared by the API modules."""

from __future__ import annotations

import datetime as dt

from fastapi import Request

from ortswissen.config import Settings
from ortswissen.errors import InvalidInput, UnknownIndicator
from ortswissen.indicators import IndicatorMeta, Visibility
from ortswissen.ports import Store
from ortswissen.units import parse_date

__all__ = ["get_settings", "get_store", "parse_query_date", "require_query_date", "visible_indicator"]


def get_store(request: Request) -> Store:
    """The store the app serves."""
    return request.app.state.store  # type: ignore[no-any-return]


def get_settings(request: Request) -> Settings:
    """The app's settings."""
    return request.app.state.settings  # type: ignore[no-any-return]


def parse_query_date(value: str | None, name: str = "date") -> dt.date | None:
    """A date query parameter (ISO or German), or ``None``."""
    if value is None or value == "":
        return None
    try:
        return parse_date(value, name)
    except InvalidInput as exc:
        raise InvalidInput(f"query parameter {name}: {exc.message}") from exc


def require_query_date(value: str, name: str = "date") -> dt.date:
    """A required date query parameter (ISO or German); an empty value is an error, not "no date"."""
    day = parse_query_date(value, name)
    if day is None:
        raise InvalidInput(f"query parameter {name}: a date is required (YYYY-MM-DD or DD.MM.YYYY)")
    return day


def visible_indicator(meta: IndicatorMeta, settings: Settings) -> bool:
    """Whether the indicator may be shown (public mode hides internal ones)."""
    return not settings.public_mode or meta.visibility == Visibility.PUBLIC


def check_visible(meta: IndicatorMeta, settings: Settings) -> IndicatorMeta:
    """Raise 404 for indicators hidden in public mode (do not reveal they exist)."""
    if not visible_indicator(meta, settings):
        raise UnknownIndicator(meta.id)
    return meta
