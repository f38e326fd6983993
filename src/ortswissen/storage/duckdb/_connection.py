"""Opening DuckDB files with the spatial extension loaded from its PyPI wheel.

The extension binary ships in the ``duckdb-extension-spatial`` wheel; it is loaded from
that path. Automatic extension installs and loads are switched off, so DuckDB never tries
the network (the product must run offline).
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path
from typing import Any

import duckdb

from ortswissen.errors import DependencyMissing, StoreError

__all__ = ["connect", "spatial_extension_path"]


def spatial_extension_path() -> Path:
    """Path of the spatial extension binary matching the installed DuckDB."""
    try:
        import duckdb_extension_spatial
    except ImportError as exc:  # pragma: no cover - a broken install
        raise DependencyMissing(
            f"the DuckDB spatial extension is missing: pip install duckdb-extension-spatial=={duckdb.__version__}"
        ) from exc
    root = Path(str(importlib.resources.files(duckdb_extension_spatial)))
    path = root / "extensions" / f"v{duckdb.__version__}" / "spatial.duckdb_extension"
    if not path.exists():
        raise DependencyMissing(
            f"no spatial extension for DuckDB {duckdb.__version__} at {path}: "
            f"pip install duckdb-extension-spatial=={duckdb.__version__}"
        )
    return path


def connect(
    path: str,
    *,
    read_only: bool = False,
    memory_limit: str | None = None,
    threads: int | None = None,
) -> duckdb.DuckDBPyConnection:
    """Connect to a DuckDB file (or ``:memory:``) and load the spatial extension."""
    config: dict[str, Any] = {
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
    }
    if memory_limit:
        config["memory_limit"] = memory_limit
    if threads:
        config["threads"] = threads
    try:
        con = duckdb.connect(path, read_only=read_only, config=config)
    except duckdb.IOException as exc:
        raise StoreError(f"cannot open store {path}: {exc}") from exc
    except duckdb.Error as exc:
        raise StoreError(f"cannot open store {path}: {exc}") from exc
    # DuckDB draws a progress bar on stdout for queries over 2 s; a library must not write
    # into its caller's output (a CLI piping JSON, a child process reporting figures)
    con.execute("SET enable_progress_bar = false")
    con.execute(f"LOAD '{spatial_extension_path()}'")
    return con
