"""The in-memory store: a test fake with the same behaviour as the DuckDB store."""

from __future__ import annotations

from typing import Any

from ortswissen.storage.memory._store import MemoryStore

__all__ = ["MemoryStore", "open_memory_store"]


def open_memory_store(location: str = "", *, crs: str | None = None, **_: Any) -> MemoryStore:
    """A fresh in-memory store (``location`` is ignored)."""
    return MemoryStore(crs=crs)
