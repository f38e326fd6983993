"""``ortswissen indicators``: the indicator catalogue."""

from __future__ import annotations

import json

import click

from ortswissen.cli._common import db_option, handle_errors, open_cli_store, print_table
from ortswissen.indicators import IndicatorMeta

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


def register(cli: click.Group) -> None:
    """Add the commands to the main group."""
    cli.add_command(indicators)
