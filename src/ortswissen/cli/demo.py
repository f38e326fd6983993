"""``ortswissen demo``: build the Berlin demo store from the shipped bundle and serve it."""

from __future__ import annotations

import time
from pathlib import Path

import click

from ortswissen.cli._common import RichProgress, console, db_option, handle_errors
from ortswissen.cli.serve import run_server
from ortswissen.config import load_settings
from ortswissen.errors import ConfigurationError, StoreError
from ortswissen.storage import open_store

__all__ = ["register"]


def _existing_demo(path: Path) -> str | None:
    """The bundle version of a complete demo store at ``path``, else ``None``."""
    try:
        store = open_store(str(path), read_only=True)
    except StoreError:
        return None
    try:
        return store.get_meta("demo_bundle")
    finally:
        store.close()


@click.command("demo")
@db_option
@click.option("--no-serve", is_flag=True, help="Only build the store, do not start the web server.")
@click.option("--port", type=int, default=None, help="Port of the web server [default 8765].")
@click.option("--host", default=None, help="Address of the web server [default 127.0.0.1].")
@click.option("--rebuild", is_flag=True, help="Build the store again even if it is up to date.")
def demo(db: str | None, no_serve: bool, port: int | None, host: str | None, rebuild: bool) -> None:
    """Berlin-Demo / the Berlin demo: real public data, both LOR versions, served on localhost.

    Builds an embedded store (DuckDB) from the data bundle shipped with ortswissen (no
    internet needed) and serves the app and API. An up-to-date demo store is reused.
    """
    from ortswissen.demo import BERLIN_CRS, bundle_version, load_berlin

    with handle_errors():
        settings = load_settings(db=db, host=host, port=port)
        path = Path(settings.db)
        if "://" in settings.db:
            raise ConfigurationError("the demo builds an embedded DuckDB store: give a file path with --db")
        current = bundle_version()
        found = _existing_demo(path) if path.exists() else None
        if path.exists() and found is None and not rebuild:
            raise ConfigurationError(
                f"{path} exists and is not a complete demo store; use another --db or --rebuild to replace it"
            )
        if rebuild or found != current:
            for leftover in (path, path.with_name(path.name + ".wal")):
                leftover.unlink(missing_ok=True)
            console.print(f"Baue Berlin-Demo / building the Berlin demo in [bold]{path}[/] …")
            started = time.perf_counter()
            store = open_store(
                str(path), create=True, crs=BERLIN_CRS, memory_limit=settings.memory_limit, threads=settings.threads
            )
            try:
                summary = load_berlin(store, progress=RichProgress())
                store.checkpoint()  # type: ignore[attr-defined]
                info = store.info()
            except BaseException:
                store.close()
                for leftover in (path, path.with_name(path.name + ".wal")):
                    leftover.unlink(missing_ok=True)
                raise
            store.close()
            counts = info["counts"]
            console.print(
                f"Fertig / done in {time.perf_counter() - started:.0f} s: {counts['unit_versions']:,} unit versions, "
                f"{counts['indicator_values']:,} values, {counts['features']:,} facilities, "
                f"{len(summary.crosswalks)} crosswalks (bundle {summary.bundle})."
            )
        else:
            console.print(f"Berlin-Demo {current} in {path} ist aktuell / is up to date.")
        if not no_serve:
            run_server(str(path), settings.host, settings.port)


def register(cli: click.Group) -> None:
    """Add the command to the main group."""
    cli.add_command(demo)
