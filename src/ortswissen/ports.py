"""The interfaces the services need from a store (ports, in ports-and-adapters terms).

Services only see these protocols; adapters in :mod:`ortswissen.storage` implement them
(DuckDB file by default, an in-memory fake for unit tests, PostGIS for servers). Frames
crossing the port have documented schemas:

unit versions (GeoDataFrame, geometry in the project CRS)
    ``level_id, unit_id, valid_from, valid_to, vintage_id, name, official_key, parent_id,
    attributes, geometry`` (see :data:`ortswissen.units.UNIT_COLUMNS`)
value batches (``pyarrow.Table``)
    :data:`VALUE_BATCH_SCHEMA`
features (GeoDataFrame)
    ``georesource_id, feature_id, valid_from, valid_to, name, attributes, geometry``
crosswalk weights (DataFrame)
    ``from_unit, from_valid_from, to_unit, to_valid_from, weight, overlap_area, population, basis``

All writes happen inside :meth:`Store.transaction`; leaving the block with an exception
rolls everything back, so an import is either complete or absent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import pyarrow as pa

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd
    from pyproj import CRS

    from ortswissen.georesources import GeoresourceMeta
    from ortswissen.indicators import IndicatorMeta
    from ortswissen.units import Level, Vintage

__all__ = [
    "REGISTER_COLUMNS",
    "VALUE_BATCH_SCHEMA",
    "ComputeInputs",
    "CrosswalkInfo",
    "DuplicateKey",
    "ImportRecord",
    "RegisterExtract",
    "RegisterStore",
    "Store",
    "ValueWriter",
    "VintageInfo",
]

#: Schema of the value batches a :class:`ValueWriter` accepts.
VALUE_BATCH_SCHEMA = pa.schema(
    [
        ("indicator_id", pa.string()),
        ("level_id", pa.string()),
        ("unit_id", pa.string()),
        ("unit_valid_from", pa.date32()),
        ("date", pa.date32()),
        ("scenario", pa.string()),
        ("value", pa.float64()),
        ("status", pa.string()),
        ("flag", pa.string()),
        ("source_row", pa.int64()),
    ]
)


@dataclass(frozen=True)
class VintageInfo:
    """A vintage with the period and unit count derived from its unit versions."""

    vintage: Vintage
    valid_from: date | None
    valid_to: date | None
    units: int


@dataclass(frozen=True)
class CrosswalkInfo:
    """Metadata of a stored crosswalk."""

    id: str
    from_level: str
    from_date: date
    to_level: str
    to_date: date
    method: str
    description: str = ""
    from_until: date | None = None  # sources: versions valid on any day from from_date to from_until
    params: dict[str, Any] = field(default_factory=dict)
    created_at: datetime | None = None
    pairs: int = 0


@dataclass(frozen=True)
class ComputeInputs:
    """What the indicator engine reads: an Ibis backend and two tables on it.

    ``values``: the long value table (``indicator_id, level_id, unit_id, unit_valid_from,
    date, scenario, value, status, flag``); ``units``: ``level_id, unit_id, valid_from,
    valid_to, parent_id, area_m2``. The engine may create temporary tables on the backend.
    ``writer``, where the store offers it, makes a :class:`QueryValueWriter` on the same
    connection: derived rows then go from the engine's query straight into the value table,
    without a round trip through Python.
    """

    backend: Any
    values: Any
    units: Any
    close: Callable[[], None] = lambda: None
    writer: Callable[[str], QueryValueWriter] | None = None


@dataclass(frozen=True)
class ImportRecord:
    """Provenance of one committed import (the "input data version" of later results)."""

    id: str
    kind: str
    source: str
    sha256: str
    started_at: datetime
    finished_at: datetime
    rows_read: int
    rows_written: int
    rows_replaced: int = 0
    options: dict[str, Any] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DuplicateKey:
    """A value key that occurs more than once in one import, with the source rows."""

    indicator_id: str
    unit_id: str
    date: date
    scenario: str
    rows: tuple[int, ...]


@runtime_checkable
class ValueWriter(Protocol):
    """Stages the value batches of one import, then makes them visible in one transaction.

    ``add`` and ``duplicates`` run *outside* any transaction: staged values are invisible
    and memory stays bounded however large the file. ``finish`` runs inside the transaction
    that also records the import (:meth:`Store.record_import`): older values with the same
    keys are replaced and the new ones appear, all at once. ``discard`` drops the staged
    values of an import that did not finish (call it in a ``finally``).
    """

    def add(self, batch: pa.Table) -> None:
        """Stage a batch with :data:`VALUE_BATCH_SCHEMA`."""

    def duplicates(self, limit: int = 50) -> tuple[int, list[DuplicateKey]]:
        """Keys that occur more than once in this import: total count and the first ``limit``."""

    def finish(self) -> tuple[int, int]:
        """Inside a transaction: replace older values with the same keys; returns (written, replaced)."""

    def discard(self) -> None:
        """Drop the staged values unless the import was recorded."""


class QueryValueWriter(ValueWriter, Protocol):
    """A value writer that also stages the rows of a query run on the engine's connection."""

    def add_query(self, sql: str) -> int:
        """Stage the rows of ``sql`` (columns of :data:`VALUE_BATCH_SCHEMA` but ``source_row``); their number."""

    def staged_counts(self) -> dict[str, int]:
        """Rows staged so far per indicator."""


@runtime_checkable
class Store(Protocol):
    """Everything the services need to keep and read spatial statistics."""

    url: str
    read_only: bool

    # -- lifecycle ----------------------------------------------------------------------
    def transaction(self) -> AbstractContextManager[None]:
        """All writes inside happen together or not at all; nested calls join the outer one."""

    def close(self) -> None:
        """Release the store."""

    def info(self) -> dict[str, Any]:
        """Schema version, project CRS and row counts."""

    def get_meta(self, key: str) -> str | None:
        """A free-form setting stored with the data (e.g. the demo bundle version)."""

    def set_meta(self, key: str, value: str) -> None:
        """Store a free-form setting."""

    def project_crs(self) -> CRS:
        """The CRS all geometries are stored in (metric, e.g. EPSG:25833)."""

    def project_bounds(self) -> tuple[float, float, float, float] | None:
        """Extent of all stored units in the project CRS, ``None`` if there are none."""

    # -- levels and vintages ---------------------------------------------------------------
    def list_levels(self) -> list[Level]:
        """All levels, ordered by ``sort_order`` and id."""

    def get_level(self, level_id: str) -> Level:
        """One level; raises :class:`ortswissen.errors.UnknownLevel`."""

    def put_level(self, level: Level) -> None:
        """Create or update a level."""

    def list_vintages(self, level_id: str | None = None) -> list[VintageInfo]:
        """Vintages with their derived periods, ordered by level and start."""

    def put_vintage(self, vintage: Vintage) -> None:
        """Create or update a vintage."""

    # -- unit versions ------------------------------------------------------------------------
    def unit_versions(
        self,
        level_id: str,
        *,
        at: date | None = None,
        unit_ids: Sequence[str] | None = None,
        geometry: bool = True,
        wgs84: bool = False,
    ) -> gpd.GeoDataFrame | pd.DataFrame:
        """Unit versions of a level (valid on ``at`` if given); geometry in the project CRS or WGS84."""

    def add_unit_versions(self, units: gpd.GeoDataFrame) -> int:
        """Insert unit versions (UNIT_COLUMNS, project CRS); returns the number inserted."""

    def close_unit_versions(self, level_id: str, unit_ids: Sequence[str], end: date) -> int:
        """End open versions of these units on ``end``; returns how many were closed."""

    # -- indicators and values -----------------------------------------------------------------
    def list_indicators(self) -> list[IndicatorMeta]:
        """All indicators, ordered by topic and id."""

    def get_indicator(self, indicator_id: str) -> IndicatorMeta:
        """One indicator; raises :class:`ortswissen.errors.UnknownIndicator`."""

    def put_indicator(self, meta: IndicatorMeta) -> None:
        """Create or update an indicator's metadata."""

    def value_writer(self, import_id: str) -> ValueWriter:
        """A writer for the values of one import (see :class:`ValueWriter` for the protocol)."""

    def read_values(
        self,
        indicator_ids: Sequence[str] | None = None,
        *,
        level_id: str | None = None,
        dates: Sequence[date] | None = None,
        unit_ids: Sequence[str] | None = None,
        scenario: str | None = None,
        as_of: date | None = None,
        all_versions: bool = False,
    ) -> pd.DataFrame:
        """Values in long form.

        Columns: ``indicator_id, level_id, unit_id, unit_valid_from, date, scenario, value,
        status, flag``. By default only the *natural* series: values whose unit version is valid on the
        value's own date. ``as_of`` instead selects values expressed on the units valid on that
        day (a Gebietsstand, including values re-expressed through a crosswalk);
        ``all_versions`` returns everything.
        """

    def compute_inputs(self) -> ComputeInputs:
        """The engine's input tables on an Ibis backend (see :class:`ComputeInputs`)."""

    def value_summary(self) -> pd.DataFrame:
        """Per indicator and level: first and last date, number of dates and of values."""

    # -- georesources --------------------------------------------------------------------------
    def list_georesources(self) -> list[GeoresourceMeta]:
        """All georesources."""

    def get_georesource(self, georesource_id: str) -> GeoresourceMeta:
        """One georesource; raises :class:`ortswissen.errors.UnknownGeoresource`."""

    def put_georesource(self, meta: GeoresourceMeta) -> None:
        """Create or update a georesource's metadata."""

    def features(self, georesource_id: str, *, at: date | None = None, wgs84: bool = False) -> gpd.GeoDataFrame:
        """Features of a georesource (valid on ``at`` if given)."""

    def add_features(self, features: gpd.GeoDataFrame) -> int:
        """Insert features (project CRS); returns the number inserted."""

    def close_features(self, georesource_id: str, end: date) -> int:
        """End all open features of a georesource on ``end``."""

    def delete_features(self, georesource_id: str) -> int:
        """Remove all features of a georesource (before a full replacement)."""

    def delete_derived_values(self, indicator_ids: Sequence[str], *, except_import: str) -> int:
        """Inside a transaction: remove the engine's rows (flag ``calc:…``/``agg:…``) of these indicators.

        Rows of ``except_import`` (the recomputation that replaces them) stay. A recomputation
        so leaves no row behind for a unit or date it no longer produces.
        """

    def assign_features(self, georesource_id: str | None = None) -> int:
        """(Re)compute which unit version of every level each feature lies in, on which days."""

    def feature_units(self, georesource_id: str, level_id: str) -> pd.DataFrame:
        """Assignments of one georesource to one level (a point counts in one unit per day).

        Columns: ``feature_id, feature_valid_from, unit_id, unit_valid_from, valid_from, valid_to``.
        """

    # -- crosswalks ------------------------------------------------------------------------------
    def put_crosswalk(self, info: CrosswalkInfo, weights: pd.DataFrame) -> None:
        """Store (or replace) a crosswalk and its weights."""

    def list_crosswalks(self) -> list[CrosswalkInfo]:
        """All crosswalks."""

    def get_crosswalk(self, crosswalk_id: str) -> tuple[CrosswalkInfo, pd.DataFrame]:
        """A crosswalk and its weights; raises :class:`ortswissen.errors.UnknownCrosswalk`."""

    # -- provenance ------------------------------------------------------------------------------
    def record_import(self, record: ImportRecord) -> None:
        """Remember a committed import."""

    def list_imports(self) -> list[ImportRecord]:
        """All committed imports, newest first."""


@dataclass(frozen=True)
class RegisterExtract:
    """The register extract in the store: its period and whether it is synthetic."""

    import_id: str
    period_start: date
    period_end: date
    synthetic: bool
    key_check: str  # fingerprint of the secret (HMAC of a fixed text), never the secret


#: Columns of the pseudonymised register tables (docs/register.md); Arrow tables crossing
#: :class:`RegisterStore` have exactly these columns (dates as ``date32``, ``age`` as int32).
REGISTER_COLUMNS: dict[str, tuple[str, ...]] = {
    "register_persons": ("person_key", "birth_month", "sex", "nationality", "residence", "import_id"),
    "register_residences": ("person_key", "block_id", "cell_id", "valid_from", "valid_to"),
    "register_events": (
        "person_key",
        "kind",
        "date",
        "age",
        "sex",
        "nationality",
        "origin_block",
        "origin_cell",
        "dest_block",
        "dest_cell",
        "other_region",
        "import_id",
    ),
}


@runtime_checkable
class RegisterStore(Protocol):
    """A store that keeps a pseudonymised register extract (DuckDB; the memory fake does not).

    Person rows go in through :meth:`replace_register` and come out only as the frames of
    :meth:`register_stocks` and :meth:`register_flow_events`, which services aggregate: no
    adapter method returns a person key, and nothing of this port is served over HTTP.
    """

    def replace_register(
        self, extract: RegisterExtract, persons: pa.Table, residences: pa.Table, events: pa.Table
    ) -> None:
        """Inside a transaction: replace the stored extract by this one and map its blocks to all levels."""

    def refresh_register_lookup(self) -> int:
        """(Re)compute which unit of every level each block lies in, on which days; rows written."""

    def register_extract(self) -> RegisterExtract | None:
        """The stored extract, ``None`` if there is none."""

    def register_counts(self) -> dict[str, int]:
        """Row counts of the register tables and of persons, events and episodes by kind."""

    def register_stocks(self, level_id: str, dates: Sequence[date]) -> pd.DataFrame:
        """Main residents per ``unit_id, unit_valid_from, date, age (0..100), sex, nationality``: ``count``."""

    def register_flow_events(self, level_id: str, start: date, end: date) -> pd.DataFrame:
        """Events of main residents from ``start`` to ``end`` with the units of origin and destination.

        Columns ``kind, date, year, age, sex, nationality, origin_unit, origin_valid_from,
        dest_unit, dest_valid_from, other_region``; one row per event (no person key).
        """


def iter_batches(table: pa.Table, size: int = 200_000) -> Iterator[pa.Table]:
    """Slices of ``table`` with at most ``size`` rows (helper for writers)."""
    for start in range(0, table.num_rows, size):
        yield table.slice(start, size)
