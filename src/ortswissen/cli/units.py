"""``ortswissen units LEVEL``: the units of a level, valid on a date."""

from __future__ import annotations

import datetime as dt

import click

from ortswissen.cli._common import DATE, db_option, handle_errors, open_cli_store, print_table

__all__ = ["register"]


@click.command("units")
@db_option
@click.argument("level")
@click.option("--date", "at", type=DATE, help="Only units valid on this day (default: all versions).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per unit.")
def units(db: str | None, level: str, at: dt.date | None, as_json: bool) -> None:
    """Raumeinheiten einer Ebene / the units of LEVEL (with validity, parent and area)."""
    with handle_errors():
        store = open_cli_store(db)
        frame = store.unit_versions(level, at=at, geometry=False)
        store.close()
    rows = [
        {
            "id": r.unit_id,
            "name": r.name,
            "parent": r.parent_id,
            "valid_from": r.valid_from,
            "valid_to": r.valid_to,
            "vintage": r.vintage_id,
            "key": r.official_key,
            "area_km2": None if r.area_m2 is None else round(r.area_m2 / 1e6, 3),
        }
        for r in frame.itertuples(index=False)
    ]
    print_table(
        rows,
        ["id", "name", "parent", "valid_from", "valid_to", "vintage", "key", "area_km2"],
        as_json=as_json,
        title=None if as_json else f"{len(rows)} unit version(s) of {level}",
    )


def register(cli: click.Group) -> None:
    """Add the command to the main group."""
    cli.add_command(units)
