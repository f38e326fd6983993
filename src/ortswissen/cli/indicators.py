"""``ortswissen indicators``: the indicator catalogue."""

from __future__ import annotations

import json

import click

from ortswissen.cli._common import db_option, handle_errors, open_cli_store, print_table
from ortswissen.indicators import IndicatorMeta
from ortswissen.services.indicators import (
    compute_indicators,
    load_definitions,
    register_definitions,
    validate_definitions,
)

__all__ = ["register"]


@click.group("indicators", invoke_without_command=True)
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per indicator.")
@click.pass_context
def indicators(ctx: click.Context, db: str | None, as_json: bool) -> None:
    """Indikatoren / the indicator catalogue with dates and levels that have values."""
    if ctx.invoked_subcommand is not None:
        return
    with handle_errors():
        store = open_cli_store(db)
        metas = store.list_indicators()
        summary = store.value_summary()
        store.close()
    rows = []
    for meta in metas:
        mine = summary[summary["indicator_id"] == meta.id]
        rows.append(
            {
                "id": meta.id,
                "title": meta.title_de,
                "kind": meta.kind.value,
                "aggregation": meta.aggregation.method.value,
                "topic": meta.topic,
                "levels": ", ".join(sorted(mine["level_id"])),
                "dates": f"{mine['first_date'].min()}…{mine['last_date'].max()}" if len(mine) else "",
                "values": int(mine["values"].sum()) if len(mine) else 0,
            }
        )
    print_table(rows, ["id", "title", "kind", "aggregation", "topic", "levels", "dates", "values"], as_json=as_json)


@indicators.command("show")
@db_option
@click.argument("indicator_id")
def show(db: str | None, indicator_id: str) -> None:
    """Show all metadata of one indicator as JSON."""
    with handle_errors():
        store = open_cli_store(db)
        meta = store.get_indicator(indicator_id)
        store.close()
    click.echo(meta.model_dump_json(indent=2))


@indicators.command("schema")
def schema() -> None:
    """Print the JSON Schema of indicator definitions."""
    click.echo(json.dumps(IndicatorMeta.json_schema(), indent=2, ensure_ascii=False))


@indicators.command("validate")
@db_option
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--standalone", is_flag=True, help="Check the file alone, without the indicators of a store.")
def validate(db: str | None, file: str, standalone: bool) -> None:
    """Prüfen / validate a YAML or JSON file of definitions: fields, inputs, cycles (writes nothing)."""
    with handle_errors():
        metas = load_definitions(file)
        existing = []
        if not standalone:
            store = open_cli_store(db)
            existing = store.list_indicators()
            store.close()
        graph = validate_definitions(metas, existing)
    computed = [m.id for m in metas if m.computed]
    click.echo(
        f"{file}: {len(metas)} definition(s) valid, {len(computed)} computed; "
        f"order: {', '.join(graph.order(computed)) or '–'}"
    )


@indicators.command("define")
@db_option
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--no-compute", is_flag=True, help="Store the definitions without computing values.")
def define(db: str | None, file: str, no_compute: bool) -> None:
    """Anlegen / validate and store the definitions of FILE, then compute the computed ones."""
    with handle_errors():
        metas = load_definitions(file)
        store = open_cli_store(db, write=True)
        try:
            n = register_definitions(store, metas, compute=not no_compute)
        finally:
            store.close()
    click.echo(f"{n} definition(s) stored from {file}")


@indicators.command("compute")
@db_option
@click.argument("indicator_ids", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def compute(db: str | None, indicator_ids: tuple[str, ...], as_json: bool) -> None:
    """Berechnen / derive upper levels and computed indicators (all, or the INDICATOR_IDS and what they need)."""
    with handle_errors():
        store = open_cli_store(db, write=True)
        try:
            result = compute_indicators(store, list(indicator_ids) or None)
        finally:
            store.close()
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False))
        return
    click.echo(
        f"{len(result.indicators)} computed and {len(result.aggregated)} aggregated indicator(s): "
        f"{result.written:,} values in {result.seconds:.1f} s"
    )


def register(cli: click.Group) -> None:
    """Add the commands to the main group."""
    cli.add_command(indicators)
