"""``ortswissen export``: units, values and georesources as CSV, XLSX, GeoJSON or GeoPackage."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from ortswissen.cli._common import DATE, console, db_option, handle_errors, open_cli_store
from ortswissen.services.exports import export_features, export_units, export_values

__all__ = ["register"]

OUT = click.Path(dir_okay=False, path_type=Path)
FORMAT = click.Choice(["csv", "xlsx", "geojson", "gpkg"])


@click.group("export")
def export() -> None:
    """Exportieren / export (format from the file suffix or --format)."""


def _lang(func: object) -> object:
    return click.option("--english", is_flag=True, help="English CSV (',' and '.') instead of German (';' and ',').")(
        click.option("--format", "fmt", type=FORMAT, help="Output format (default: from the suffix).")(func)
    )


@export.command("units")
@db_option
@click.argument("level")
@click.argument("output", type=OUT)
@click.option("--date", "at", type=DATE, help="Units valid on this day (default: all versions).")
@_lang
def units(db: str | None, level: str, output: Path, at: dt.date | None, fmt: str | None, english: bool) -> None:
    """Export the units of LEVEL to OUTPUT."""
    with handle_errors():
        store = open_cli_store(db)
        n = export_units(store, level, output, at=at, fmt=fmt, german=not english)
        store.close()
    console.print(f"{n} unit(s) written to {output}.")


@export.command("values")
@db_option
@click.argument("level")
@click.argument("output", type=OUT)
@click.option("--indicator", "indicators", multiple=True, help="Indicator (repeatable; default: all).")
@click.option("--date", "dates", multiple=True, type=DATE, help="Reference date (repeatable; default: all).")
@click.option("--as-of", type=DATE, help="Values expressed on the units valid on this day (a Gebietsstand).")
@click.option("--long", "long_layout", is_flag=True, help="One row per value instead of one column per indicator.")
@_lang
def values(
    db: str | None,
    level: str,
    output: Path,
    indicators: tuple[str, ...],
    dates: tuple[dt.date, ...],
    as_of: dt.date | None,
    long_layout: bool,
    fmt: str | None,
    english: bool,
) -> None:
    """Export values of LEVEL to OUTPUT (with geometries for GeoJSON/GeoPackage)."""
    with handle_errors():
        store = open_cli_store(db)
        n = export_values(
            store,
            output,
            level=level,
            indicators=list(indicators) or None,
            dates=list(dates) or None,
            as_of=as_of,
            layout="long" if long_layout else "wide",
            fmt=fmt,
            german=not english,
        )
        store.close()
    console.print(f"{n} row(s) written to {output}.")


@export.command("georesources")
@db_option
@click.argument("georesource_id")
@click.argument("output", type=OUT)
@click.option("--date", "at", type=DATE, help="Features valid on this day (default: all).")
@_lang
def georesources(
    db: str | None, georesource_id: str, output: Path, at: dt.date | None, fmt: str | None, english: bool
) -> None:
    """Export the features of a georesource to OUTPUT."""
    with handle_errors():
        store = open_cli_store(db)
        n = export_features(store, georesource_id, output, at=at, fmt=fmt, german=not english)
        store.close()
    console.print(f"{n} feature(s) written to {output}.")


def register(cli: click.Group) -> None:
    """Add the commands to the main group."""
    cli.add_command(export)
