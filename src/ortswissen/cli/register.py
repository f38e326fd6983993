"""``ortswissen register``: import a pseudonymised register extract, derive indicators, show counts.

Person rows never leave the store: ``info`` prints counts only, and ``derive`` writes
aggregate indicators. See docs/register.md.
"""

from __future__ import annotations

import datetime as dt
import json

import click

from ortswissen.cli._common import (
    DATE,
    RichProgress,
    console,
    db_option,
    handle_errors,
    open_cli_store,
    print_report,
)
from ortswissen.config import load_settings

__all__ = ["register"]


@click.group("register")
def register_group() -> None:
    """Melderegister / population register: import extracts, derive indicators, show counts."""


@register_group.command("import")
@db_option
@click.argument("persons", type=click.Path(exists=True, dir_okay=False))
@click.option("--events", "events", type=click.Path(exists=True, dir_okay=False), help="events.csv of the extract.")
@click.option("--addresses", type=click.Path(exists=True, dir_okay=False), help="Address table street → x, y.")
@click.option("--period-start", type=DATE, required=True, help="First day of the extract period.")
@click.option("--period-end", type=DATE, required=True, help="Last day of the extract period.")
@click.option(
    "--secret-file",
    type=click.Path(dir_okay=False),
    help="Key file of the pseudonyms [env ORTSWISSEN_REGISTER_SECRET; default <store>.register-key, created 0600].",
)
@click.option("--synthetic", is_flag=True, help="Mark the extract (and everything derived) as synthetic data.")
@click.option("--crs", "coordinate_crs", default="EPSG:25833", show_default=True, help="CRS of x/y coordinates.")
@click.option("--derive/--no-derive", default=True, show_default=True, help="Derive the indicators afterwards.")
@click.option("--report", "report_path", type=click.Path(dir_okay=False), help="Write the import report as JSON.")
def import_cmd(
    db: str | None,
    persons: str,
    events: str | None,
    addresses: str | None,
    period_start: dt.date,
    period_end: dt.date,
    secret_file: str | None,
    synthetic: bool,
    coordinate_crs: str,
    derive: bool,
    report_path: str | None,
) -> None:
    """Import persons.csv (and events.csv, addresses.csv): pseudonymised, all or nothing.

    Example: ``ortswissen register import persons.csv --events events.csv
    --period-start 2014-12-31 --period-end 2024-12-31``.
    """
    from ortswissen.services.register import derive_register_values, import_register, resolve_secret

    with handle_errors():
        store = open_cli_store(db, write=True)
        try:
            secret = resolve_secret(load_settings(db=db).db, secret_file, create=True)
            report = import_register(
                store,
                persons,
                events,
                addresses,
                period_start=period_start,
                period_end=period_end,
                secret=secret,
                synthetic=synthetic,
                coordinate_crs=coordinate_crs,
                progress=RichProgress(),
            )
            print_report(report, path=report_path)
            if derive:
                summary = derive_register_values(store, progress=RichProgress())
                console.print(
                    f"{summary['values']:,} indicator values for {', '.join(summary['levels'])} "
                    f"(stocks {_years(summary['stock_years'])}, flows {_years(summary['flow_years'])})"
                )
        finally:
            store.close()


def _years(years: list[int]) -> str:
    return f"{years[0]}–{years[-1]}" if years else "none"


@register_group.command("derive")
@db_option
@click.option("--level", "levels", multiple=True, help="Level(s) to derive [default: all].")
@click.option("--year", "years", type=int, multiple=True, help="Year(s) to derive [default: all of the period].")
def derive_cmd(db: str | None, levels: tuple[str, ...], years: tuple[int, ...]) -> None:
    """Derive the register indicators (stocks on 31 Dec, flows per year) for every level."""
    from ortswissen.services.register import derive_register_values

    with handle_errors():
        store = open_cli_store(db, write=True)
        try:
            summary = derive_register_values(
                store, levels=list(levels) or None, years=list(years) or None, progress=RichProgress()
            )
        finally:
            store.close()
    console.print(
        f"{summary['values']:,} indicator values for {', '.join(summary['levels'])} "
        f"(stocks {_years(summary['stock_years'])}, flows {_years(summary['flow_years'])})"
    )


@register_group.command("info")
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def info_cmd(db: str | None, as_json: bool) -> None:
    """The stored extract: period, synthetic flag and counts (never a person row)."""
    from ortswissen.services.register import register_info

    with handle_errors():
        store = open_cli_store(db)
        try:
            data = register_info(store)
        finally:
            store.close()
    if as_json:
        click.echo(json.dumps(data, indent=2, default=str))
        return
    extract = data["extract"]
    if extract is None:
        console.print("No register extract in the store / kein Registerauszug gespeichert.")
        return
    flag = " [yellow](synthetic / synthetisch)[/]" if extract["synthetic"] else ""
    console.print(
        f"[bold]Register extract[/] {extract['import_id']}: {extract['period_start']} – {extract['period_end']}"
        f"{flag}, key check {extract['key_check']}"
    )
    for name, count in data["counts"].items():
        console.print(f"  {name:<26} {count:>12,}".replace(",", "."))


def register(cli: click.Group) -> None:
    """Add the ``register`` commands to the main group."""
    cli.add_command(register_group)
