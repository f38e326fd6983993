"""``ortswissen crosswalk``: compute, inspect and apply crosswalks between unit versions."""

from __future__ import annotations

from pathlib import Path

import click

from ortswissen.cli._common import DATE, RichProgress, console, db_option, handle_errors, open_cli_store, print_table
from ortswissen.io import write_table
from ortswissen.services.crosswalks import CrosswalkSpec, apply_crosswalk, compute_crosswalk

__all__ = ["register"]


@click.group("crosswalk")
def crosswalk() -> None:
    """Umschlüsselung zwischen Gebietsständen / crosswalks between territorial versions."""


@crosswalk.command("compute")
@db_option
@click.argument("crosswalk_id")
@click.option("--from-level", required=True, help="Level of the source units.")
@click.option("--from-date", required=True, type=DATE, help="Source units valid on this day …")
@click.option("--from-until", type=DATE, help="… or on any day up to this one (a whole source period).")
@click.option("--to-level", required=True, help="Level of the target units.")
@click.option("--to-date", required=True, type=DATE, help="Target units valid on this day.")
@click.option(
    "--method",
    type=click.Choice(["area", "population", "block-sum"]),
    default="area",
    show_default=True,
    help="Weight by area, by block residents split by area, or by whole blocks.",
)
@click.option("--weights-level", help="Level of the blocks carrying residents (population, block-sum).")
@click.option("--weights-indicator", help="Indicator with the block residents.")
@click.option("--weights-date", type=DATE, help="Date of the block residents.")
@click.option("--within", "within_level", help="Only pair units in the same unit of this level (e.g. bezirk).")
@click.option(
    "--min-weight",
    type=float,
    default=1e-3,
    show_default=True,
    help="Pieces below this share of a source unit are treated as slivers.",
)
@click.option("--description", default="", help="Free text.")
def compute(db: str | None, crosswalk_id: str, **kw: object) -> None:
    """Compute and store a crosswalk."""
    with handle_errors():
        spec = CrosswalkSpec(id=crosswalk_id, **{k: v for k, v in kw.items() if v is not None})
        store = open_cli_store(db, write=True)
        result = compute_crosswalk(store, spec, progress=RichProgress())
        store.close()
    d = result.diagnostics
    console.print(
        f"Crosswalk {crosswalk_id!r}: {d['sources']} source and {d['targets']} target unit versions, "
        f"{d['pairs']} pairs; {d['sources_split']} sources split, "
        f"{d['area_fallback_sources']} by area for lack of residents."
    )


@crosswalk.command("list")
@db_option
@click.option("--json", "as_json", is_flag=True)
def list_(db: str | None, as_json: bool) -> None:
    """List stored crosswalks."""
    with handle_errors():
        store = open_cli_store(db)
        infos = store.list_crosswalks()
        store.close()
    rows = [
        {
            "id": c.id,
            "from": f"{c.from_level} {c.from_date}{'…' + str(c.from_until) if c.from_until else ''}",
            "to": f"{c.to_level} {c.to_date}",
            "method": c.method,
            "pairs": c.pairs,
        }
        for c in infos
    ]
    print_table(rows, ["id", "from", "to", "method", "pairs"], as_json=as_json)


@crosswalk.command("show")
@db_option
@click.argument("crosswalk_id")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write the weights to CSV/XLSX.")
def show(db: str | None, crosswalk_id: str, output: Path | None) -> None:
    """Show (or export) the weights of a crosswalk."""
    with handle_errors():
        store = open_cli_store(db)
        _, weights = store.get_crosswalk(crosswalk_id)
        store.close()
        if output:
            write_table(weights, output)
            console.print(f"{len(weights)} weights written to {output}.")
            return
    rows = weights.assign(weight=weights["weight"].round(6)).to_dict("records")
    print_table(rows, ["from_unit", "from_valid_from", "to_unit", "to_valid_from", "weight", "basis"])


@crosswalk.command("apply")
@db_option
@click.argument("crosswalk_id")
@click.option("--indicator", "indicators", multiple=True, required=True, help="Count indicator (repeatable).")
@click.option("--integer", is_flag=True, help="Whole numbers that keep every source total exactly.")
@click.option("--as", "target_indicator", help="Store under another indicator id (one source indicator).")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the result to a file instead of storing it.",
)
def apply(
    db: str | None,
    crosswalk_id: str,
    indicators: tuple[str, ...],
    integer: bool,
    target_indicator: str | None,
    output: Path | None,
) -> None:
    """Re-express count series on the crosswalk's target units (stored as 'estimated')."""
    with handle_errors():
        store = open_cli_store(db, write=output is None)
        result = apply_crosswalk(
            store,
            crosswalk_id,
            list(indicators),
            integer=integer,
            target_indicator=target_indicator,
            write=output is None,
        )
        store.close()
        if output:
            write_table(result, output)
    dates = sorted(set(result["date"])) if len(result) else []
    span = f"{dates[0]}…{dates[-1]}" if dates else "no dates"
    console.print(f"{len(result)} value(s) re-expressed ({span})" + (f", written to {output}" if output else ""))


def register(cli: click.Group) -> None:
    """Add the commands to the main group."""
    cli.add_command(crosswalk)
