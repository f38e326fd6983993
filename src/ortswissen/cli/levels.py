"""``ortswissen levels``: the spatial levels, their vintages and territorial periods."""

from __future__ import annotations

import click

from ortswissen.cli._common import console, db_option, handle_errors, open_cli_store, print_table
from ortswissen.services.catalog import add_level, level_overview
from ortswissen.units import Level, Vintage

__all__ = ["register"]


def _period(start: object, end: object) -> str:
    return f"{start}–{end or ''}"


@click.group("levels", invoke_without_command=True)
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per level.")
@click.pass_context
def levels(ctx: click.Context, db: str | None, as_json: bool) -> None:
    """Raumebenen und Gebietsstände / spatial levels and their territorial versions.

    Without a subcommand: list every level with its vintages (e.g. LOR 2006 and LOR 2021)
    and the periods in which its set of units stayed the same.
    """
    if ctx.invoked_subcommand is not None:
        return
    with handle_errors():
        store = open_cli_store(db)
        overview = level_overview(store)
        store.close()
    if as_json:
        rows = [o.to_dict() for o in overview]
        print_table(rows, list(rows[0]) if rows else ["id"], as_json=True)
        return
    if not overview:
        console.print("No levels yet. Create one with 'ortswissen levels add' or run 'ortswissen demo'.")
        return
    for o in overview:
        lv = o.level
        where = ""
        if lv.parent_id:
            where = f" [dim](in {lv.parent_id})[/]" if lv.nested else f" [dim](not nested, beside {lv.parent_id})[/]"
        console.print(f"[bold]{lv.id}[/]  {lv.name_de} / {lv.name_en}{where}")
        for v in o.vintages:
            console.print(
                f"    {v.vintage.id:<11} {_period(v.valid_from, v.valid_to):<22} {v.units:>6}  {v.vintage.label_de}"
            )
        if o.periods:
            console.print(
                "    [dim]periods:[/] " + " · ".join(f"{_period(p.start, p.end)}: {p.units}" for p in o.periods)
            )


@levels.command("add")
@db_option
@click.argument("level_id")
@click.option("--name-de", required=True, help="German name, e.g. 'Planungsraum'.")
@click.option("--name-en", required=True, help="English name, e.g. 'Planning area'.")
@click.option("--parent", "parent_id", help="Id of the next upper level.")
@click.option("--not-nested", is_flag=True, help="Units cut across the parent level (postcodes, grid cells).")
@click.option("--key-width", type=int, help="Fixed width of numeric ids (restores lost leading zeros).")
@click.option("--key-pattern", help="Regular expression all ids must match.")
@click.option("--order", "sort_order", type=int, default=0, help="Position in listings.")
def add(
    db: str | None,
    level_id: str,
    name_de: str,
    name_en: str,
    parent_id: str | None,
    not_nested: bool,
    key_width: int | None,
    key_pattern: str | None,
    sort_order: int,
) -> None:
    """Create or update a level."""
    with handle_errors():
        store = open_cli_store(db, write=True, create=True)
        add_level(
            store,
            Level(level_id, name_de, name_en, parent_id, not not_nested, key_width, key_pattern, sort_order=sort_order),
        )
        store.close()
    console.print(f"Level {level_id!r} saved.")


@levels.command("vintage")
@db_option
@click.argument("level_id")
@click.argument("vintage_id")
@click.option("--label-de", required=True, help="German label, e.g. 'LOR 2021'.")
@click.option("--label-en", required=True, help="English label.")
@click.option("--source", default="", help="Where the boundaries come from.")
def vintage(db: str | None, level_id: str, vintage_id: str, label_de: str, label_en: str, source: str) -> None:
    """Create or relabel a vintage (Gebietsstand) of a level."""
    with handle_errors():
        store = open_cli_store(db, write=True)
        store.put_vintage(Vintage(level_id, vintage_id, label_de, label_en, source))
        store.close()
    console.print(f"Vintage {vintage_id!r} of {level_id!r} saved.")


def register(cli: click.Group) -> None:
    """Add the commands to the main group."""
    cli.add_command(levels)
