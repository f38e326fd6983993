"""Georesources: points, lines and areas with attributes and validity.

Kitas with their places, schools, pharmacies, stops, rail lines, green spaces. Features
carry a validity period like unit versions, so a facility that closed in 2022 is not counted
in 2023. Spatial preparation (which unit each feature lies in) happens once at import.

Examples
--------
>>> kitas = GeoresourceMeta(id="kitas", title_de="Kindertagesstätten", title_en="Day-care centres",
...                         kind="point")
>>> kitas.kind
<FeatureKind.POINT: 'point'>
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from ortswissen.indicators._model import Visibility
from ortswissen.units._levels import ID_PATTERN

__all__ = ["FeatureKind", "GeoresourceMeta"]


class FeatureKind(StrEnum):
    """Geometry kind of a georesource (KomMonitor's POI/LOI/AOI)."""

    POINT = "point"
    LINE = "line"
    AREA = "area"


class GeoresourceMeta(BaseModel):
    """Metadata of one georesource dataset."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=ID_PATTERN.pattern)
    title_de: str = Field(min_length=1)
    title_en: str = Field(min_length=1)
    kind: FeatureKind = FeatureKind.POINT
    description_de: str = ""
    description_en: str = ""
    source: str = ""
    licence: str = ""
    topic: str = ""
    visibility: Visibility = Visibility.PUBLIC
    owner: str = "default"
