"""``ortswissen db``: create, inspect, migrate and back up stores."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import click

from ortswissen.cli._common import console, db_option, handle_errors, open_cli_store
from ortswissen.config import load_settings
from ortswissen.errors import StoreError

__all__ = ["register"]


@click.group("db")
def db_group() -> None:
    """Der Datenspeicher / the store: init, info, migrate, backup."""


@db_group.command("init")
@db_option
@click.option(
    "--crs",
    default="EPSG:25832",
    show_default=True,
    help="Projected CRS all geometries are stored in (EPSG:25833 for Berlin and the east).",
)
def init(db: str | None, crs: str) -> None:
    """Create a new, empty store."""
    with handle_errors():
        store = open_cli_store(db, write=True, create=True, crs=crs)
        info = store.info()
        store.close()
        console.print(f"Store {info['url']} ready (schema {info['schema_version']}, {info['crs']}).")


@db_group.command("info")
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def info(db: str | None, as_json: bool) -> None:
    """Show schema version, CRS and row counts."""
    with handle_errors():
        store = open_cli_store(db)
        data = store.info()
        store.close()
    if as_json:
        click.echo(json.dumps(data, indent=2, default=str))
        return
    console.print(
        f"[bold]{data['url']}[/] — {data['engine']}, schema {data['schema_version']}, {data['crs']}, "
        f"{data['file_bytes'] / 1e6:.1f} MB"
    )
    for table, count in data["counts"].items():
        console.print(f"  {table:<18} {count:>12,}".replace(",", "."))


@db_group.command("migrate")
@db_option
def migrate(db: str | None) -> None:
    """Apply pending schema migrations."""
    with handle_errors():
        store = open_cli_store(db, write=True)
        version = store.info()["schema_version"]
        store.close()
        console.print(f"Schema is at version {version}.")


@db_group.command("backup")
@db_option
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
def backup(db: str | None, target: Path) -> None:
    """Copy a DuckDB store file consistently (after a checkpoint) to TARGET."""
    with handle_errors():
        settings = load_settings(db=db)
        source = Path(settings.db)
        if not source.exists():
            raise StoreError(f"no store at {source}")
        store = open_cli_store(db, write=True)
        store.checkpoint()  # type: ignore[attr-defined]
        store.close()
        if target.exists():
            raise StoreError(f"{target} exists; choose another file")
        shutil.copy2(source, target)
        console.print(f"Backed up {source} to {target}.")


def register(cli: click.Group) -> None:
    """Add the commands to the main group."""
    cli.add_command(db_group)
