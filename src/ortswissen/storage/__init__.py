"""Store adapters and the registry that opens them by URL.

``open_store`` resolves a location as ``ibis.connect`` does: a file path (or
``duckdb://path``) opens the embedded DuckDB store, ``memory://`` the in-memory fake used
by unit tests, ``postgresql://…`` the server store once it is installed. Adapters register
under the ``ortswissen.storage`` entry-point group, ours included.
"""

from ortswissen.storage._registry import available_stores, open_store

__all__ = ["available_stores", "open_store"]
