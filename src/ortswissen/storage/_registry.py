"""Opening a store by URL through the ``ortswissen.storage`` entry points."""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any

from ortswissen.errors import ConfigurationError, DependencyMissing
from ortswissen.ports import Store

__all__ = ["available_stores", "open_store"]

_GROUP = "ortswissen.storage"


def available_stores() -> dict[str, Callable[..., Store]]:
    """Registered store factories by scheme name."""
    found: dict[str, Callable[..., Store]] = {}
    for ep in entry_points(group=_GROUP):
        if ep.name in found:
            raise ConfigurationError(f"two packages register the store scheme {ep.name!r}")
        found[ep.name] = ep.load()
    return found


def _split(url: str) -> tuple[str, str]:
    if "://" in url:
        scheme, rest = url.split("://", 1)
        scheme = scheme.lower()
        if scheme in ("postgresql", "postgres"):
            return "postgresql", url
        return scheme, rest or ":memory:"
    return "duckdb", url


def open_store(url: str, **options: Any) -> Store:
    """Open the store at ``url`` (a path means the embedded DuckDB store).

    Options are passed to the adapter: ``create``, ``read_only``, ``crs``,
    ``memory_limit``, ``threads``.

    >>> store = open_store("memory://")
    >>> store.project_crs().to_epsg()
    25832
    """
    scheme, location = _split(url)
    factories = available_stores()
    if scheme not in factories:
        if scheme == "postgresql":
            raise DependencyMissing(
                "the PostgreSQL/PostGIS store is not installed in this version; use a DuckDB file path"
            )
        raise ConfigurationError(f"unknown store scheme {scheme!r} in {url!r}; known: {sorted(factories)}")
    return factories[scheme](location, **options)
