"""``ortswissen georesources``: points, lines and areas in the store."""

from __future__ import annotations

import datetime as dt

import click

from ortswissen.cli._common import DATE, db_option, handle_errors, open_cli_store, print_table

__all__ = ["register"]


@click.group("georesources", invoke_without_command=True)
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines.")
@click.pass_context
def georesources(ctx: click.Context, db: str | None, as_json: bool) -> None:
    """Georessourcen / georesources with feature counts."""
    if ctx.invoked_subcommand is not None:
        return
    with handle_errors():
        store = open_cli_store(db)
        rows = []
        for meta in store.list_georesources():
            feats = store.features(meta.id)
            rows.append(
                {
                    "id": meta.id,
                    "title": meta.title_de,
                    "kind": meta.kind.value,
                    "features": len(feats),
                    "open": int(feats["valid_to"].isna().sum()),
                    "source": meta.source,
                }
            )
        store.close()
    print_table(rows, ["id", "title", "kind", "features", "open", "source"], as_json=as_json)


@georesources.command("features")
@db_option
@click.argument("georesource_id")
@click.option("--date", "at", type=DATE, help="Only features valid on this day.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines.")
def features(db: str | None, georesource_id: str, at: dt.date | None, as_json: bool) -> None:
    """List the features of a georesource."""
    with handle_errors():
        store = open_cli_store(db)
        feats = store.features(georesource_id, at=at, wgs84=True)
        store.close()
    rows = [
        {
            "id": r.feature_id,
            "name": r.name,
            "valid_from": r.valid_from,
            "valid_to": r.valid_to,
            "lon": round(r.geometry.centroid.x, 6),
            "lat": round(r.geometry.centroid.y, 6),
            "attributes": r.attributes,
        }
        for r in feats.itertuples(index=False)
    ]
    print_table(rows, ["id", "name", "valid_from", "valid_to", "lon", "lat", "attributes"], as_json=as_json)


def register(cli: click.Group) -> None:
    """Add the commands to the main group."""
    cli.add_command(georesources)
