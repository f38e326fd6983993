"""An in-memory store for fast unit tests.

It keeps the same tables as the DuckDB store in pandas frames and gives the same answers;
the contract suite (``tests/contract``) runs against both. Transactions snapshot every
table on entry and restore them on failure. Not for production use: nothing is persisted.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import shapely
from pyproj import CRS

from ortswissen.errors import (
    ConfigurationError,
    DefinitionError,
    StoreError,
    UnknownCrosswalk,
    UnknownGeoresource,
    UnknownIndicator,
    UnknownLevel,
    ValidityOverlap,
)
from ortswissen.georesources import ASSIGNMENT_COLUMNS, GeoresourceMeta, resolve_assignments
from ortswissen.indicators import IndicatorMeta
from ortswissen.ports import VALUE_BATCH_SCHEMA, ComputeInputs, CrosswalkInfo, DuplicateKey, ImportRecord, VintageInfo
from ortswissen.units import END_OF_TIME, UNIT_COLUMNS, Level, Vintage, require_columns

__all__ = ["MemoryStore"]

_KEY = ["indicator_id", "level_id", "unit_id", "unit_valid_from", "date", "scenario"]
_VALUE_COLS = [*VALUE_BATCH_SCHEMA.names, "import_id"]


def _valid_at(frame: pd.DataFrame, at: date) -> pd.Series:
    ends = frame["valid_to"].map(lambda d: END_OF_TIME if d is None or pd.isna(d) else d)
    return (frame["valid_from"] <= at) & (ends >= at)


class MemoryStore:
    """A store that lives in process memory."""

    def __init__(self, crs: str | None = None) -> None:
        chosen = CRS.from_user_input(crs or "EPSG:25832")
        if not chosen.is_projected:
            raise ConfigurationError("the project CRS must be projected (metres)")
        self._crs = chosen
        self.url = "memory://"
        self.read_only = False
        self._depth = 0
        self._failed = False
        self._t: dict[str, Any] = {
            "levels": {},
            "vintages": {},
            "units": gpd.GeoDataFrame(columns=UNIT_COLUMNS, geometry="geometry", crs=chosen),
            "indicators": {},
            "values": pd.DataFrame(columns=_VALUE_COLS),
            "georesources": {},
            "features": gpd.GeoDataFrame(
                columns=["georesource_id", "feature_id", "valid_from", "valid_to", "name", "attributes", "geometry"],
                geometry="geometry",
                crs=chosen,
            ),
            "feature_units": pd.DataFrame(columns=ASSIGNMENT_COLUMNS),
            "crosswalks": {},
            "imports": [],
        }

    # -- lifecycle --------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Snapshot on entry, restore on failure."""
        outer = self._depth == 0
        snapshot = copy.deepcopy(self._t) if outer else None
        if outer:
            self._failed = False
        self._depth += 1
        try:
            yield
        except BaseException:
            self._depth -= 1
            if outer:
                self._t = snapshot
            else:
                self._failed = True
            raise
        self._depth -= 1
        if outer and self._failed:
            self._t = snapshot
            raise StoreError("an inner step failed; the whole transaction was rolled back")

    def close(self) -> None:
        """Nothing to release."""

    def info(self) -> dict[str, Any]:
        """Row counts and CRS."""
        return {
            "url": self.url,
            "engine": "memory",
            "schema_version": 0,
            "crs": f"EPSG:{self._crs.to_epsg()}",
            "read_only": False,
            "file_bytes": 0,
            "counts": {
                "levels": len(self._t["levels"]),
                "vintages": len(self._t["vintages"]),
                "unit_versions": len(self._t["units"]),
                "indicators": len(self._t["indicators"]),
                "indicator_values": len(self._visible()),
                "georesources": len(self._t["georesources"]),
                "features": len(self._t["features"]),
                "crosswalks": len(self._t["crosswalks"]),
                "imports": len(self._t["imports"]),
            },
        }

    def get_meta(self, key: str) -> str | None:
        """A stored setting."""
        return self._t.setdefault("meta", {}).get(key)

    def set_meta(self, key: str, value: str) -> None:
        """Store a setting."""
        with self.transaction():
            self._t.setdefault("meta", {})[key] = value

    def project_crs(self) -> CRS:
        """The project CRS."""
        return self._crs

    def project_bounds(self) -> tuple[float, float, float, float] | None:
        """Extent of all unit versions."""
        units = self._t["units"]
        if units.empty:
            return None
        b = shapely.total_bounds(np.asarray(units.geometry.values, dtype=object))
        return (float(b[0]), float(b[1]), float(b[2]), float(b[3]))

    # -- levels and vintages -----------------------------------------------------------------
    def list_levels(self) -> list[Level]:
        """All levels."""
        return sorted(self._t["levels"].values(), key=lambda lv: (lv.sort_order, lv.id))

    def get_level(self, level_id: str) -> Level:
        """One level."""
        try:
            return self._t["levels"][level_id]
        except KeyError:
            raise UnknownLevel(level_id) from None

    def put_level(self, level: Level) -> None:
        """Create or update a level."""
        with self.transaction():
            self._t["levels"][level.id] = level

    def put_vintage(self, vintage: Vintage) -> None:
        """Create or update a vintage."""
        self.get_level(vintage.level_id)
        with self.transaction():
            self._t["vintages"][(vintage.level_id, vintage.id)] = vintage

    def list_vintages(self, level_id: str | None = None) -> list[VintageInfo]:
        """Vintages with derived periods."""
        out = []
        units = self._t["units"]
        for (lvl, vid), vintage in self._t["vintages"].items():
            if level_id and lvl != level_id:
                continue
            mine = units[(units["level_id"] == lvl) & (units["vintage_id"] == vid)]
            start = min(mine["valid_from"]) if len(mine) else None
            ends = list(mine["valid_to"])
            end = None if not ends or any(e is None or pd.isna(e) for e in ends) else max(ends)
            out.append(VintageInfo(vintage, start, end, int(mine["unit_id"].nunique())))
        return sorted(out, key=lambda v: (v.vintage.level_id, v.valid_from or END_OF_TIME, v.vintage.id))

    # -- unit versions -----------------------------------------------------------------------
    def unit_versions(
        self,
        level_id: str,
        *,
        at: date | None = None,
        unit_ids: Sequence[str] | None = None,
        geometry: bool = True,
        wgs84: bool = False,
    ) -> gpd.GeoDataFrame | pd.DataFrame:
        """Unit versions of a level."""
        self.get_level(level_id)
        units = self._t["units"]
        sel = units[units["level_id"] == level_id]
        if at is not None:
            sel = sel[_valid_at(sel, at)]
        if unit_ids is not None:
            sel = sel[sel["unit_id"].isin(list(unit_ids))]
        sel = sel.sort_values(["unit_id", "valid_from"]).reset_index(drop=True).copy()
        sel["area_m2"] = sel.geometry.area
        cols = [c for c in UNIT_COLUMNS if c != "geometry"]
        cols.insert(cols.index("attributes"), "area_m2")
        if not geometry:
            return pd.DataFrame(sel[cols])
        out = gpd.GeoDataFrame(sel[cols], geometry=sel.geometry.values, crs=self._crs)
        return out.to_crs(4326) if wgs84 else out

    def add_unit_versions(self, units: gpd.GeoDataFrame) -> int:
        """Insert unit versions."""
        require_columns(units.columns, UNIT_COLUMNS, "unit versions")
        if units.empty:
            return 0
        existing = self._t["units"]
        keys = set(zip(existing["level_id"], existing["unit_id"], existing["valid_from"], strict=True))
        for key in zip(units["level_id"], units["unit_id"], units["valid_from"], strict=True):
            if key in keys:
                raise ValidityOverlap(f"the store refused the rows: duplicate unit version {key}")
            keys.add(key)
        new = gpd.GeoDataFrame(units[UNIT_COLUMNS].copy(), geometry="geometry", crs=self._crs)
        with self.transaction():
            self._t["units"] = pd.concat([existing, new], ignore_index=True) if len(existing) else new
        return len(units)

    def close_unit_versions(self, level_id: str, unit_ids: Sequence[str], end: date) -> int:
        """End open versions."""
        units = self._t["units"]
        mask = (
            (units["level_id"] == level_id)
            & units["unit_id"].isin(list(unit_ids))
            & units["valid_to"].map(lambda d: d is None or pd.isna(d))
            & (units["valid_from"] <= end)
        )
        with self.transaction():
            units.loc[mask, "valid_to"] = end
        return int(mask.sum())

    # -- indicators and values ------------------------------------------------------------------
    def list_indicators(self) -> list[IndicatorMeta]:
        """All indicators."""
        return sorted(self._t["indicators"].values(), key=lambda m: (m.topic, m.id))

    def get_indicator(self, indicator_id: str) -> IndicatorMeta:
        """One indicator."""
        try:
            return self._t["indicators"][indicator_id]
        except KeyError:
            raise UnknownIndicator(indicator_id) from None

    def put_indicator(self, meta: IndicatorMeta) -> None:
        """Create or update an indicator."""
        with self.transaction():
            self._t["indicators"][meta.id] = meta

    def value_writer(self, import_id: str) -> _MemoryValueWriter:
        """A writer for one import's values."""
        return _MemoryValueWriter(self, import_id)

    def compute_inputs(self) -> ComputeInputs:
        """The visible values and the unit versions as tables of an in-memory Ibis DuckDB backend."""
        import ibis

        backend = ibis.duckdb.connect()
        cols = ["indicator_id", "level_id", "unit_id", "unit_valid_from", "date", "scenario", "value", "status", "flag"]
        v = self._visible()[cols].copy() if len(self._visible()) else pd.DataFrame({c: [] for c in cols})
        v["value"] = v["value"].astype(float)
        v["flag"] = v["flag"].astype(object).where(v["flag"].notna(), None)
        all_units = self._t["units"]
        units = pd.DataFrame(all_units[["level_id", "unit_id", "valid_from", "valid_to", "parent_id"]])
        units["area_m2"] = all_units.geometry.area.to_numpy(dtype=float) if len(all_units) else []
        values_schema = {
            "indicator_id": "string",
            "level_id": "string",
            "unit_id": "string",
            "unit_valid_from": "date",
            "date": "date",
            "scenario": "string",
            "value": "float64",
            "status": "string",
            "flag": "string",
        }
        units_schema = {
            "level_id": "string",
            "unit_id": "string",
            "valid_from": "date",
            "valid_to": "date",
            "parent_id": "string",
            "area_m2": "float64",
        }
        values = backend.create_table("values_", ibis.memtable(v, schema=values_schema), temp=True)
        unit_table = backend.create_table("units_", ibis.memtable(units, schema=units_schema), temp=True)
        return ComputeInputs(backend=backend, values=values, units=unit_table, close=backend.disconnect)

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
        """Values in long form (the natural series unless ``as_of`` or ``all_versions``)."""
        v = self._visible()
        if indicator_ids is not None:
            v = v[v["indicator_id"].isin(list(indicator_ids))]
        if level_id is not None:
            v = v[v["level_id"] == level_id]
        if dates is not None:
            v = v[v["date"].isin(list(dates))]
        if unit_ids is not None:
            v = v[v["unit_id"].isin(list(unit_ids))]
        if scenario is not None:
            v = v[v["scenario"] == scenario]
        if not all_versions and len(v):
            units = self._t["units"]
            ends = {
                (r[0], r[1], r[2]): (END_OF_TIME if r[3] is None or pd.isna(r[3]) else r[3])
                for r in units[["level_id", "unit_id", "valid_from", "valid_to"]].itertuples(index=False)
            }
            keep = []
            for lvl, uid, vf, day in v[["level_id", "unit_id", "unit_valid_from", "date"]].itertuples(index=False):
                end = ends.get((lvl, uid, vf))
                probe = as_of if as_of is not None else day
                keep.append(end is not None and vf <= probe <= end)
            v = v[np.asarray(keep, dtype=bool)]
        cols = ["indicator_id", "level_id", "unit_id", "unit_valid_from", "date", "scenario", "value", "status", "flag"]
        out = v.sort_values(["indicator_id", "level_id", "date", "unit_id", "unit_valid_from"])[cols]
        out = out.reset_index(drop=True).astype({"value": float})
        out["flag"] = out["flag"].astype(object).where(out["flag"].notna(), None)
        return out

    def _visible(self) -> pd.DataFrame:
        """Values of recorded imports only (as the DuckDB store's view)."""
        v = self._t["values"]
        recorded = {r.id for r in self._t["imports"]}
        return v[v["import_id"].isin(recorded)] if len(v) else v

    def value_summary(self) -> pd.DataFrame:
        """First/last date, number of dates and values per indicator and level (observed scenario)."""
        v = self._visible()
        if len(v):
            v = v[v["scenario"] == "observed"]
        if v.empty:
            return pd.DataFrame(columns=["indicator_id", "level_id", "first_date", "last_date", "dates", "values"])
        g = v.groupby(["indicator_id", "level_id"])
        return pd.DataFrame(
            {
                "first_date": g["date"].min(),
                "last_date": g["date"].max(),
                "dates": g["date"].nunique(),
                "values": g.size(),
            }
        ).reset_index()

    # -- georesources -------------------------------------------------------------------------------
    def list_georesources(self) -> list[GeoresourceMeta]:
        """All georesources."""
        return sorted(self._t["georesources"].values(), key=lambda m: m.id)

    def get_georesource(self, georesource_id: str) -> GeoresourceMeta:
        """One georesource."""
        try:
            return self._t["georesources"][georesource_id]
        except KeyError:
            raise UnknownGeoresource(georesource_id) from None

    def put_georesource(self, meta: GeoresourceMeta) -> None:
        """Create or update a georesource."""
        with self.transaction():
            self._t["georesources"][meta.id] = meta

    def features(self, georesource_id: str, *, at: date | None = None, wgs84: bool = False) -> gpd.GeoDataFrame:
        """Features of a georesource."""
        self.get_georesource(georesource_id)
        f = self._t["features"]
        sel = f[f["georesource_id"] == georesource_id]
        if at is not None:
            sel = sel[_valid_at(sel, at)]
        sel = gpd.GeoDataFrame(sel.sort_values(["feature_id", "valid_from"]).reset_index(drop=True), crs=self._crs)
        return sel.to_crs(4326) if wgs84 else sel

    def add_features(self, features: gpd.GeoDataFrame) -> int:
        """Insert features."""
        cols = ["georesource_id", "feature_id", "valid_from", "valid_to", "name", "attributes", "geometry"]
        require_columns(features.columns, cols, "features")
        existing = self._t["features"]
        keys = set(zip(existing["georesource_id"], existing["feature_id"], existing["valid_from"], strict=True))
        for key in zip(features["georesource_id"], features["feature_id"], features["valid_from"], strict=True):
            if key in keys:
                raise ValidityOverlap(f"the store refused the rows: duplicate feature {key}")
            keys.add(key)
        new = gpd.GeoDataFrame(features[cols].copy(), geometry="geometry", crs=self._crs)
        with self.transaction():
            self._t["features"] = pd.concat([existing, new], ignore_index=True) if len(existing) else new
        return len(features)

    def close_features(self, georesource_id: str, end: date) -> int:
        """End open features."""
        f = self._t["features"]
        mask = (
            (f["georesource_id"] == georesource_id)
            & f["valid_to"].map(lambda d: d is None or pd.isna(d))
            & (f["valid_from"] <= end)
        )
        with self.transaction():
            f.loc[mask, "valid_to"] = end
        return int(mask.sum())

    def delete_derived_values(self, indicator_ids: Sequence[str], *, except_import: str) -> int:
        """Inside a transaction: remove the engine's rows of these indicators but those of ``except_import``."""
        if self._depth == 0:
            raise StoreError("delete_derived_values runs inside the store's transaction")
        v = self._t["values"]
        if not len(v) or not indicator_ids:
            return 0
        flag = v["flag"].fillna("").astype(str)
        mask = (
            v["indicator_id"].isin(list(indicator_ids))
            & (flag.str.startswith("calc:") | flag.str.startswith("agg:"))
            & (v["import_id"] != except_import)
        )
        self._t["values"] = v[~mask].reset_index(drop=True)
        return int(mask.sum())

    def delete_features(self, georesource_id: str) -> int:
        """Remove all features of a georesource."""
        f = self._t["features"]
        mask = f["georesource_id"] == georesource_id
        with self.transaction():
            self._t["features"] = f[~mask].reset_index(drop=True)
            fu = self._t["feature_units"]
            self._t["feature_units"] = fu[fu["georesource_id"] != georesource_id].reset_index(drop=True)
        return int(mask.sum())

    def assign_features(self, georesource_id: str | None = None) -> int:
        """Compute dated feature → unit assignments (same rules as the DuckDB store)."""
        f = self._t["features"]
        if georesource_id:
            f = f[f["georesource_id"] == georesource_id]
        units = self._t["units"]
        rows = []
        if len(f) and len(units):
            tree = shapely.STRtree(np.asarray(units.geometry.values, dtype=object))
            fi, ui = tree.query(np.asarray(f.geometry.values, dtype=object), predicate="intersects")
            for a, b in zip(fi, ui, strict=True):
                feat, unit = f.iloc[a], units.iloc[b]
                rows.append(
                    {
                        "georesource_id": feat["georesource_id"],
                        "feature_id": feat["feature_id"],
                        "feature_valid_from": feat["valid_from"],
                        "feature_valid_to": feat["valid_to"],
                        "level_id": unit["level_id"],
                        "unit_id": unit["unit_id"],
                        "unit_valid_from": unit["valid_from"],
                        "unit_valid_to": unit["valid_to"],
                        "is_point": feat.geometry.geom_type == "Point",
                    }
                )
        frame = resolve_assignments(pd.DataFrame(rows))
        with self.transaction():
            fu = self._t["feature_units"]
            fu = fu[fu["georesource_id"] != georesource_id] if georesource_id else fu.iloc[0:0]
            self._t["feature_units"] = pd.concat([fu, frame], ignore_index=True) if len(fu) else frame
        return len(frame)

    def feature_units(self, georesource_id: str, level_id: str) -> pd.DataFrame:
        """Unit assignments of a georesource on a level."""
        fu = self._t["feature_units"]
        sel = fu[(fu["georesource_id"] == georesource_id) & (fu["level_id"] == level_id)]
        cols = ["feature_id", "feature_valid_from", "unit_id", "unit_valid_from", "valid_from", "valid_to"]
        out = sel[cols].sort_values(["feature_id", "valid_from"]).reset_index(drop=True)
        out["valid_to"] = out["valid_to"].astype(object).where(out["valid_to"].notna(), None)
        return out

    # -- crosswalks -----------------------------------------------------------------------------------
    def put_crosswalk(self, info: CrosswalkInfo, weights: pd.DataFrame) -> None:
        """Store or replace a crosswalk."""
        w = weights[
            [
                "from_unit",
                "from_valid_from",
                "to_unit",
                "to_valid_from",
                "weight",
                "overlap_area",
                "population",
                "basis",
            ]
        ].copy()
        if w.duplicated(["from_unit", "from_valid_from", "to_unit", "to_valid_from"]).any():
            raise ValidityOverlap("the store refused the rows: duplicate crosswalk pair")
        with self.transaction():
            stamped = CrosswalkInfo(
                **{**info.__dict__, "created_at": info.created_at or datetime.now(UTC), "pairs": len(w)}
            )
            self._t["crosswalks"][info.id] = (
                stamped,
                w.sort_values(["from_unit", "from_valid_from", "to_unit"]).reset_index(drop=True),
            )

    def list_crosswalks(self) -> list[CrosswalkInfo]:
        """All crosswalks."""
        return [info for info, _ in sorted(self._t["crosswalks"].values(), key=lambda x: x[0].id)]

    def get_crosswalk(self, crosswalk_id: str) -> tuple[CrosswalkInfo, pd.DataFrame]:
        """A crosswalk and its weights."""
        try:
            info, weights = self._t["crosswalks"][crosswalk_id]
        except KeyError:
            raise UnknownCrosswalk(crosswalk_id) from None
        return info, weights.copy()

    # -- provenance -------------------------------------------------------------------------------------
    def record_import(self, record: ImportRecord) -> None:
        """Remember a committed import."""
        with self.transaction():
            self._t["imports"].append(record)

    def list_imports(self) -> list[ImportRecord]:
        """Committed imports, newest first."""
        return sorted(self._t["imports"], key=lambda r: r.finished_at, reverse=True)


class _MemoryValueWriter:
    """Stages in a list (outside transactions); finish() applies inside one."""

    def __init__(self, store: MemoryStore, import_id: str) -> None:
        self._store = store
        self._import_id = import_id
        self._parts: list[pd.DataFrame] = []

    def add(self, batch: pa.Table) -> None:
        if batch.schema.names != VALUE_BATCH_SCHEMA.names:
            raise DefinitionError(f"value batch columns {batch.schema.names} != {VALUE_BATCH_SCHEMA.names}")
        if self._store._depth > 0:
            raise StoreError("value batches are staged outside transactions; call finish() inside one")
        frame = batch.to_pandas(date_as_object=True)
        frame["import_id"] = self._import_id
        self._parts.append(frame)

    def _mine(self) -> pd.DataFrame:
        if not self._parts:
            return pd.DataFrame(columns=_VALUE_COLS)
        return pd.concat(self._parts, ignore_index=True)

    def duplicates(self, limit: int = 50) -> tuple[int, list[DuplicateKey]]:
        mine = self._mine()
        dup = mine[mine.duplicated(_KEY, keep=False)]
        if dup.empty:
            return 0, []
        groups = sorted(
            (tuple(sorted(int(r) for r in g["source_row"])), key) for key, g in dup.groupby(_KEY, sort=False)
        )
        out = [DuplicateKey(key[0], key[2], key[4], key[5], rows) for rows, key in groups[:limit]]
        return len(groups), out

    def finish(self) -> tuple[int, int]:
        if self._store._depth == 0:
            raise StoreError("finish() must run inside store.transaction()")
        mine = self._mine()
        existing = self._store._t["values"]
        if len(existing):
            new_keys = set(map(tuple, mine[_KEY].itertuples(index=False, name=None)))
            hit = np.array(
                [tuple(k) in new_keys for k in existing[_KEY].itertuples(index=False, name=None)], dtype=bool
            )
            replaced = int(hit.sum())
            kept = existing[~hit]
        else:
            replaced, kept = 0, existing
        self._store._t["values"] = pd.concat([kept, mine], ignore_index=True) if len(kept) else mine
        self._parts = []
        return len(mine), replaced

    def discard(self) -> None:
        self._parts = []
