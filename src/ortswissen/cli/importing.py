"""``ortswissen import``: units, values, georesources and indicator definitions.

Every import is all or nothing. On errors the report lists file, row, column and value and
the command exits with status 1 without writing anything; ``--report FILE`` writes the full
report as JSON, ``--dry-run`` validates without writing.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import click
import yaml

from ortswissen.cli._common import (
    DATE,
    RichProgress,
    console,
    db_option,
    handle_errors,
    open_cli_store,
    print_report,
    print_table,
)
from ortswissen.config import load_settings
from ortswissen.errors import DefinitionError
from ortswissen.georesources import GeoresourceMeta
from ortswissen.indicators import IndicatorMeta
from ortswissen.io import SUPPORTED_ENCODINGS, ValueSpec, available_profiles, load_profile
from ortswissen.services.georesources import PointSpec, import_georesources
from ortswissen.services.units import UnitSpec, import_units
from ortswissen.services.values import ImportOptions, import_values, register_indicators

__all__ = ["register"]

FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


def _common(func: Any) -> Any:
    func = click.option(
        "--report",
        "report_path",
        type=click.Path(dir_okay=False),
        help="Write the full import report as JSON to this file.",
    )(func)
    func = click.option("--dry-run", is_flag=True, help="Validate everything, write nothing.")(func)
    func = click.option("--strict", is_flag=True, help="Treat warnings (e.g. restored leading zeros) as errors.")(func)
    return db_option(func)


def _options(dry_run: bool, strict: bool) -> ImportOptions:
    return ImportOptions(dry_run=dry_run, strict=strict, max_issues_per_code=load_settings().max_issues_per_code)


@click.group("import")
def import_group() -> None:
    """Daten importieren / import data (all or nothing, with a row-level error report)."""


@import_group.command("units")
@_common
@click.argument("file", type=FILE)
@click.option("--level", required=True, help="Level the units belong to.")
@click.option("--id-column", required=True, help="Column with the unit id.")
@click.option("--name-column", help="Column with the unit name.")
@click.option("--key-column", help="Column with the official key (AGS/ARS …).")
@click.option("--parent-column", help="Column with the parent unit id.")
@click.option("--parent-prefix", type=int, help="Parent id = first N characters of the id (Berlin LOR).")
@click.option("--parent-by-location", is_flag=True, help="Find the parent that holds most of each unit.")
@click.option("--valid-from", type=DATE, help="First day the boundaries are valid.")
@click.option("--valid-to", type=DATE, help="Last day the boundaries are valid (default: open).")
@click.option("--valid-from-column", help="Column with each unit's first valid day.")
@click.option("--valid-to-column", help="Column with each unit's last valid day.")
@click.option("--vintage", help="Vintage id (Gebietsstand), e.g. lor2021.")
@click.option("--vintage-label-de", help="German label of the vintage, e.g. 'LOR 2021'.")
@click.option("--vintage-label-en", help="English label of the vintage.")
@click.option("--crs", help="CRS of the file if it declares none (e.g. EPSG:25833).")
@click.option("--layer", help="Layer of a GeoPackage.")
@click.option(
    "--close-previous",
    is_flag=True,
    help="The file replaces the level's current boundaries: end their validity the day before.",
)
@click.option("--repair", is_flag=True, help="Repair invalid geometries (reported) instead of rejecting them.")
@click.option(
    "--cover-tolerance",
    type=float,
    default=0.005,
    show_default=True,
    help="Share of a unit's area that may lie outside its parent.",
)
def units_cmd(file: Path, db: str | None, report_path: str | None, dry_run: bool, strict: bool, **kw: Any) -> None:
    """Grenzen importieren / import unit boundaries (GeoJSON, GeoPackage, Shapefile, GeoParquet)."""
    with handle_errors():
        spec = UnitSpec(
            **{k: v for k, v in kw.items() if v is not None and v is not False}
            | {
                "close_previous": kw["close_previous"],
                "repair": kw["repair"],
                "parent_by_location": kw["parent_by_location"],
            }
        )
        store = open_cli_store(db, write=True, create=True)
        report = import_units(store, file, spec, options=_options(dry_run, strict), progress=RichProgress())
        store.close()
    print_report(report, path=report_path)


@import_group.command("values")
@_common
@click.argument("file", type=FILE)
@click.option("--level", help="Level of the units in the file.")
@click.option("--profile", help="A shipped profile (see 'ortswissen import profiles') or a profile YAML file.")
@click.option("--layout", type=click.Choice(["wide", "long"]), help="wide: a column per indicator; long: rows.")
@click.option("--unit-column", help="Column with the unit id.")
@click.option("--date", "date_", type=DATE, help="Reference date of all values (Stichtag).")
@click.option("--date-column", help="Column with the reference date.")
@click.option("--date-format", help="auto, DD.MM.YYYY, YYYY-MM-DD, YYYYMM, YYYY, MM/YYYY.")
@click.option(
    "--column",
    "columns",
    multiple=True,
    metavar="SOURCE=INDICATOR",
    help="Map a column to an indicator (wide layout; repeatable).",
)
@click.option("--indicator-column", help="Column with the indicator id (long layout).")
@click.option("--value-column", help="Column with the value (long layout).")
@click.option("--scenario", help="Scenario of the values (default: observed).")
@click.option("--status", type=click.Choice(["ok", "estimated", "projected"]), help="Status of the numbers.")
@click.option("--ignore-column", "ignore_columns", multiple=True, help="A column not to import (repeatable).")
@click.option("--delimiter", help="Field delimiter (default: detected and reported).")
@click.option("--decimal", type=click.Choice([",", "."]), help="Decimal separator (default ',').")
@click.option("--thousands", help="Thousands separator ('' for none; default '.').")
@click.option("--encoding", type=click.Choice(SUPPORTED_ENCODINGS), help="Text encoding (default: strict UTF-8).")
@click.option("--header-row", type=int, help="Row holding the column names (default 1).")
@click.option("--sheet", help="Sheet of an XLSX workbook (default: the first).")
@click.option("--no-padding", is_flag=True, help="Ids that lost leading zeros are errors, not repaired.")
def values_cmd(
    file: Path,
    db: str | None,
    report_path: str | None,
    dry_run: bool,
    strict: bool,
    profile: str | None,
    columns: tuple[str, ...],
    ignore_columns: tuple[str, ...],
    no_padding: bool,
    date_: dt.date | None,
    **kw: Any,
) -> None:
    """Werte importieren / import indicator values (CSV, XLSX, Parquet; German formats)."""
    with handle_errors():
        spec = load_profile(profile) if profile else ValueSpec()
        mapping: dict[str, str] = {}
        for item in columns:
            if "=" not in item:
                raise DefinitionError(f"--column needs SOURCE=INDICATOR, not {item!r}")
            source, target = item.split("=", 1)
            mapping[source.strip()] = target.strip()
        spec = spec.with_overrides(
            **kw,
            date=date_,
            columns=mapping or None,
            ignore_columns=[*spec.ignore_columns, *ignore_columns] if ignore_columns else None,
            id_padding="never" if no_padding else None,
        )
        store = open_cli_store(db, write=True)
        report = import_values(store, file, spec, options=_options(dry_run, strict), progress=RichProgress())
        store.close()
    print_report(report, path=report_path)


@import_group.command("georesources")
@_common
@click.argument("file", type=FILE)
@click.option("--id", "georesource_id", required=True, help="Georesource id, e.g. kitas.")
@click.option("--title-de", help="German title (default: the id).")
@click.option("--title-en", help="English title.")
@click.option("--kind", type=click.Choice(["point", "line", "area"]), default="point", show_default=True)
@click.option("--source", default="", help="Source and licence note.")
@click.option("--licence", default="")
@click.option("--id-column", help="Column with the feature id (default: the row number).")
@click.option("--name-column", help="Column with the feature name.")
@click.option("--x-column", help="Easting/longitude column (tables).")
@click.option("--y-column", help="Northing/latitude column (tables).")
@click.option("--crs", help="CRS of the coordinates (needed for tables).")
@click.option("--valid-from", type=DATE, help="First valid day of all features.")
@click.option("--valid-to", type=DATE, help="Last valid day of all features.")
@click.option("--valid-from-column", help="Column with each feature's first valid day.")
@click.option("--valid-to-column", help="Column with each feature's last valid day.")
@click.option("--numeric", "numeric_columns", multiple=True, help="Attribute parsed as a number (repeatable).")
@click.option("--close-previous", is_flag=True, help="A new snapshot: end the open features the day before.")
@click.option("--replace", is_flag=True, help="Replace all features of the georesource.")
@click.option("--delimiter", help="Field delimiter of a table.")
@click.option("--decimal", type=click.Choice([",", "."]), help="Decimal separator of a table.")
@click.option("--thousands", help="Thousands separator of a table ('' for none; default '.', none with --decimal .).")
@click.option("--encoding", type=click.Choice(SUPPORTED_ENCODINGS), help="Text encoding of a table.")
def georesources_cmd(
    file: Path,
    db: str | None,
    report_path: str | None,
    dry_run: bool,
    strict: bool,
    georesource_id: str,
    title_de: str | None,
    title_en: str | None,
    kind: str,
    source: str,
    licence: str,
    delimiter: str | None,
    decimal: str | None,
    thousands: str | None,
    encoding: str | None,
    numeric_columns: tuple[str, ...],
    **kw: Any,
) -> None:
    """Punkte, Linien, Flächen importieren / import georesources (geodata files or CSV with coordinates)."""
    with handle_errors():
        meta = GeoresourceMeta(
            id=georesource_id,
            title_de=title_de or georesource_id,
            title_en=title_en or title_de or georesource_id,
            kind=kind,
            source=source,
            licence=licence,
        )
        dialect: dict[str, Any] = {
            k: v for k, v in (("delimiter", delimiter), ("decimal", decimal), ("encoding", encoding)) if v
        }
        if thousands is not None:
            dialect["thousands"] = thousands or None
        elif decimal == ".":
            dialect["thousands"] = None  # the German default '.' cannot stay the thousands sign
        fields = {k: v for k, v in kw.items() if v is not None and v is not False}
        spec = PointSpec(georesource=meta, dialect=dialect, numeric_columns=list(numeric_columns), **fields)
        store = open_cli_store(db, write=True)
        report = import_georesources(store, file, spec, options=_options(dry_run, strict), progress=RichProgress())
        store.close()
    print_report(report, path=report_path)


@import_group.command("indicators")
@db_option
@click.argument("file", type=FILE)
def indicators_cmd(file: Path, db: str | None) -> None:
    """Indikator-Definitionen importieren / import indicator definitions (YAML or JSON list)."""
    with handle_errors():
        metas = load_indicator_file(file)
        store = open_cli_store(db, write=True)
        count = register_indicators(store, metas)
        store.close()
    console.print(f"{count} indicator definition(s) saved.")


def load_indicator_file(path: Path) -> list[IndicatorMeta]:
    """Indicator definitions from a YAML/JSON file: a list, or a mapping with ``indicators``."""
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise DefinitionError(f"cannot read {path.name}: {exc}") from exc
    items = data.get("indicators") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise DefinitionError(f"{path.name}: expected a list of indicator definitions")
    out = []
    for pos, item in enumerate(items, start=1):
        try:
            out.append(IndicatorMeta.model_validate(item))
        except ValueError as exc:
            raise DefinitionError(f"{path.name}: definition {pos}: {exc}") from exc
    return out


@import_group.command("profiles")
def profiles_cmd() -> None:
    """Show the shipped value-import profiles."""
    rows = []
    for name, path in sorted(available_profiles().items()):
        spec = load_profile(path)
        rows.append({"profile": name, "layout": spec.layout, "title": spec.title})
    print_table(rows, ["profile", "layout", "title"])


def register(cli: click.Group) -> None:
    """Add the commands to the main group."""
    cli.add_command(import_group)
