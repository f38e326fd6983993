"""What a value file looks like: its layout, columns and dialect, as validated data.

Two layouts:

``wide``
    one row per unit (and date), one column per indicator: the EWR matrices, the LOR
    population tables, most office exports. ``columns`` maps source columns to indicator
    ids; ``"E_U1|E_EU1"`` means whichever of the two the file has (the EWR renamed columns
    in 2014).
``long``
    one row per unit, date and indicator with a value column: database extracts,
    projections, the benchmark files.

Specifications come from a *profile* (a YAML file shipped in ``io/profiles`` or given by
path) and command-line options on top. A profile may carry the metadata of the indicators it
fills, so importing a known format also documents what its numbers mean.

Examples
--------
>>> spec = load_profile("ewr-matrix").with_overrides(level="planungsraum")
>>> spec.layout, spec.unit_column, spec.date_format, spec.dialect.delimiter
('wide', 'RAUMID', 'YYYYMM', ';')
>>> sorted(available_profiles())[:3]
['ewr-matrix', 'long', 'lor-population-t1']
"""

from __future__ import annotations

import datetime as dt
import importlib.resources
from pathlib import Path
from typing import Any, Literal, Self

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ortswissen.errors import DefinitionError
from ortswissen.indicators import OBSERVED, IndicatorMeta
from ortswissen.io._dates import DATE_FORMATS
from ortswissen.io._tables import CsvDialect
from ortswissen.units import ID_PATTERN

__all__ = ["DialectSpec", "ValueSpec", "available_profiles", "load_profile"]


class DialectSpec(BaseModel):
    """Serializable form of :class:`~ortswissen.io.CsvDialect`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    delimiter: str | None = None
    quote: str = '"'
    decimal: Literal[",", "."] = ","
    thousands: str | None = "."
    encoding: str = "auto"
    header_row: int = Field(1, ge=1)

    def to_dialect(self) -> CsvDialect:
        """The reader's dialect object."""
        return CsvDialect(**self.model_dump())


class ValueSpec(BaseModel):
    """How to read values from one file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = "custom"
    title: str = ""
    description: str = ""
    level: str | None = Field(None, pattern=ID_PATTERN.pattern)
    layout: Literal["wide", "long"] = "wide"
    unit_column: str = "unit_id"
    date: dt.date | None = None
    date_column: str | None = None
    date_format: str = "auto"
    columns: dict[str, str] = Field(default_factory=dict)
    indicator_column: str | None = None
    value_column: str | None = None
    indicator_map: dict[str, str] = Field(default_factory=dict)
    scenario: str = OBSERVED
    scenario_column: str | None = None
    status: Literal["ok", "estimated", "projected"] | None = None
    status_column: str | None = None  # long layout: ok, missing, suppressed, estimated, projected per row
    flag_column: str | None = None  # long layout: a sign or note kept with each value
    ignore_columns: list[str] = Field(default_factory=list)
    id_padding: Literal["auto", "never"] = "auto"
    rows_without_id: Literal["error", "skip"] = "error"
    dialect: DialectSpec = DialectSpec()
    sheet: str | None = None
    indicators: list[IndicatorMeta] = Field(default_factory=list)

    @model_validator(mode="after")
    def _complete(self) -> Self:
        if self.date_format not in DATE_FORMATS:
            raise ValueError(f"date_format must be one of {', '.join(DATE_FORMATS)}")
        if self.date is not None and self.date_column is not None:
            raise ValueError("give either a fixed date or a date column, not both")
        if self.layout == "long":
            if not self.indicator_column or not self.value_column:
                raise ValueError("a long layout needs indicator_column and value_column")
            if self.columns:
                raise ValueError("columns only apply to the wide layout")
        elif self.indicator_column or self.value_column or self.status_column or self.flag_column:
            raise ValueError("indicator/value/status/flag columns only apply to the long layout")
        for target in [*self.columns.values(), *self.indicator_map.values()]:
            if not ID_PATTERN.fullmatch(target):
                raise ValueError(f"indicator id {target!r} must match {ID_PATTERN.pattern}")
        return self

    def with_overrides(self, **changes: Any) -> ValueSpec:
        """A copy with the given fields replaced (``None`` values are ignored)."""
        data = self.model_dump()
        dialect = dict(data["dialect"])
        for key, value in changes.items():
            if value is None:
                continue
            if key in DialectSpec.model_fields:
                dialect[key] = None if key == "thousands" and value == "" else value
            elif key in ("columns", "indicator_map") and value:
                data[key] = {**(data[key] or {}), **value} if key == "indicator_map" else dict(value)
            else:
                data[key] = value
        if dialect.get("thousands") == dialect.get("decimal") and "thousands" not in changes:
            dialect["thousands"] = None  # "--decimal ." on a German profile: no grouping assumed
        data["dialect"] = dialect
        try:
            return ValueSpec.model_validate(data)
        except ValidationError as exc:
            raise DefinitionError(f"invalid value import specification: {_first_error(exc)}") from exc

    def wide_columns(self, present: list[str]) -> tuple[dict[str, str], list[str]]:
        """Resolve ``columns`` against the file's columns: mapping used and required ones missing.

        Without a mapping, every column that is not the unit, date, scenario or an ignored
        column is taken as an indicator with the column name (lower-cased) as id.
        """
        have = set(present)
        if not self.columns:
            skip = {self.unit_column, self.date_column, self.scenario_column, *self.ignore_columns}
            return {c: c.lower() for c in present if c not in skip}, []
        used: dict[str, str] = {}
        missing: list[str] = []
        for source, target in self.columns.items():
            options = [s.strip() for s in source.split("|")]
            found = [s for s in options if s in have]
            if found:
                used[found[0]] = target
            else:
                missing.append(source)
        return used, missing


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(x) for x in err.get("loc", ()))
    return f"{where}: {err.get('msg')}" if where else str(err.get("msg"))


def available_profiles() -> dict[str, Path]:
    """Profiles shipped with ortswissen, by id."""
    folder = importlib.resources.files("ortswissen.io") / "profiles"
    return {Path(e.name).stem: Path(str(e)) for e in folder.iterdir() if e.name.endswith(".yaml")}


def load_profile(name_or_path: str | Path) -> ValueSpec:
    """A shipped profile by id, or a profile YAML file by path."""
    shipped = available_profiles()
    path = shipped.get(str(name_or_path)) or Path(name_or_path)
    if not path.exists():
        raise DefinitionError(f"unknown profile {name_or_path!r}; shipped profiles: {', '.join(sorted(shipped))}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DefinitionError(f"cannot read profile {path}: {exc}") from exc
    try:
        return ValueSpec.model_validate(data)
    except ValidationError as exc:
        raise DefinitionError(f"profile {path.name}: {_first_error(exc)}") from exc
