"""The embedded DuckDB store (default)."""

from __future__ import annotations

from typing import Any

from ortswissen.storage.duckdb._store import DEFAULT_CRS, DuckDBStore

__all__ = ["DEFAULT_CRS", "DuckDBStore", "open_duckdb_store"]


def open_duckdb_store(location: str, **options: Any) -> DuckDBStore:
    """Open a DuckDB store file (``location`` is a path or ``:memory:``)."""
    return DuckDBStore.open(location, **options)
