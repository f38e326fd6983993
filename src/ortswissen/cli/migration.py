"""``ortswissen migration``: moves in, out and within, OD matrices, net migration by age, flow lines.

Reads the register extract in the store (``ortswissen register import``); everything shown
or written is an aggregate. Counts are shown in full (an internal tool);
``--suppress-small`` applies the minimum-count rule of the public API.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from ortswissen.cli._common import console, db_option, handle_errors, open_cli_store, print_table

__all__ = ["register"]

_GROUPS = (
    "kinder",
    "jugendliche",
    "bildungswanderer",
    "berufseinsteiger",
    "familienwanderer",
    "lebensmitte",
    "senioren",
    "familien",
)


@click.group("migration")
def migration() -> None:
    """Wanderungsanalyse / migration analysis (from the register extract)."""


def _level_year(func: Any) -> Any:
    func = click.option("--year", type=int, required=True, help="Calendar year (wholly in the extract).")(func)
    func = click.option("--level", required=True, help="Spatial level, e.g. planungsraum or bezirk.")(func)
    return db_option(func)


_suppress = click.option(
    "--suppress-small", is_flag=True, help="Hide counts of 1 and 2 (and what they reveal), as the public API does."
)


def _fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "·"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _write(rows: list[dict[str, Any]], out: str) -> None:
    import pandas as pd

    from ortswissen.io import write_table

    frame = pd.DataFrame(rows)
    if "suppressed" in frame:
        frame["suppressed"] = frame["suppressed"].map(", ".join)
    write_table(frame, out)
    console.print(f"[green]{len(frame)} rows written to {out}[/]")


@migration.command("summary")
@_level_year
@_suppress
@click.option("--out", type=click.Path(dir_okay=False), help="Write the table as .csv or .xlsx.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines instead of a table.")
def summary_cmd(db: str | None, level: str, year: int, suppress_small: bool, out: str | None, as_json: bool) -> None:
    """Zuzüge, Fortzüge, Binnenwanderung, Umzüge, Saldo and Volumen per 1,000 per unit.

    Example: ``ortswissen migration summary --level bezirk --year 2022``.
    """
    from ortswissen.migration import SUPPRESS_BELOW
    from ortswissen.services.migration import summary

    with handle_errors():
        store = open_cli_store(db)
        try:
            data = summary(store, level, year, suppress_below=SUPPRESS_BELOW if suppress_small else None)
        finally:
            store.close()
    rows = data["rows"]
    if out:
        _write(rows, out)
        return
    cols = ["unit_id", "name", "population", "moves_in", "moves_out", "internal_in", "internal_out", "within"]
    cols += ["net", "net_rate", "turnover_rate"]
    if as_json:
        print_table(rows, cols, as_json=True)
        return
    shown = [{c: _fmt(r[c], 2 if c.endswith("rate") else 0) for c in cols} for r in rows]
    mark = " (synthetisch / synthetic)" if data["synthetic"] else ""
    print_table(shown, cols, title=f"Wanderungen {level} {year}{mark}")
    t = data["total"]
    console.print(
        f"  Stadt / city: {_fmt(t['moves_in'])} in, {_fmt(t['moves_out'])} out, saldo {_fmt(t['net'])} "
        f"({_fmt(t['net_rate'], 2)} per 1,000), {_fmt(t['internal'])} between and {_fmt(t['within'])} within units; "
        f"population from {data['population_source'] or 'nothing (no rates)'}"
    )


@migration.command("od")
@_level_year
@click.option("--to-year", type=int, help="Last year of a range (inclusive).")
@click.option("--age-group", type=click.Choice(_GROUPS), help="Only moves of this age group.")
@click.option("--out", type=click.Path(dir_okay=False), help="Write the dense matrix as .csv or .xlsx.")
@click.option("--top", type=int, default=20, show_default=True, help="Pairs shown without --out.")
def od_cmd(
    db: str | None, level: str, year: int, to_year: int | None, age_group: str | None, out: str | None, top: int
) -> None:
    """Origin–destination matrix (Verflechtungsmatrix) between the units; "outside" beyond the city.

    With ``--out`` the whole matrix is written (rows from, columns to, with totals);
    without it the largest pairs are shown.

    Example: ``ortswissen migration od --level bezirk --year 2022 --out od.xlsx``.
    """
    from ortswissen.services.migration import od, od_table

    with handle_errors():
        store = open_cli_store(db)
        try:
            if out:
                from ortswissen.io import write_table

                table = od_table(store, level, year, year_to=to_year, age_group=age_group)
                write_table(table, out, sheet="Wanderungsmatrix")
                console.print(f"[green]{len(table) - 1}×{len(table.columns) - 3} matrix written to {out}[/]")
                return
            data = od(store, level, year, year_to=to_year, age_group=age_group)
        finally:
            store.close()
    names = {u["unit_id"]: u["name"] for u in data["units"]}
    rows = [
        {
            "from": f["origin"],
            "from name": names.get(f["origin"], "außerhalb / outside" if f["origin"] == "outside" else ""),
            "to": f["destination"],
            "to name": names.get(f["destination"], "außerhalb / outside" if f["destination"] == "outside" else ""),
            "moves": _fmt(f["count"]),
        }
        for f in data["flows"][:top]
    ]
    span = f"{year}" if not to_year or to_year == year else f"{year}–{to_year}"
    print_table(rows, ["from", "from name", "to", "to name", "moves"], title=f"Wanderungsmatrix {level} {span}")
    console.print(f"  {len(data['flows'])} pairs, {sum(f['count'] for f in data['flows']):,} moves")


@migration.command("by-age")
@_level_year
@click.option("--unit", help="Unit id (default: the whole city).")
@_suppress
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines instead of a table.")
def by_age_cmd(db: str | None, level: str, year: int, unit: str | None, suppress_small: bool, as_json: bool) -> None:
    """Net migration by age group (Bildungswanderer, Familienwanderer, Senioren …) of a unit or the city.

    Example: ``ortswissen migration by-age --level planungsraum --unit 01100101 --year 2022``.
    """
    from ortswissen.migration import SUPPRESS_BELOW
    from ortswissen.services.migration import by_age

    with handle_errors():
        store = open_cli_store(db)
        try:
            data = by_age(store, level, year, unit=unit, suppress_below=SUPPRESS_BELOW if suppress_small else None)
        finally:
            store.close()
    cols = ["group", "label_de", "moves_in", "moves_out", "net", "population", "rate_per_1000"]
    if as_json:
        print_table(data["groups"], cols, as_json=True)
        return
    shown = [{c: _fmt(g[c], 2 if c == "rate_per_1000" else 0) for c in cols} for g in data["groups"]]
    print_table(shown, cols, title=f"Wanderungssaldo nach Alter: {data['name']} {year}")
    t = data["total"]
    console.print(f"  total: {_fmt(t['moves_in'])} in, {_fmt(t['moves_out'])} out, saldo {_fmt(t['net'])}")


@migration.command("flows")
@_level_year
@click.option("--to-year", type=int, help="Last year of a range (inclusive).")
@click.option("--min-count", type=int, default=10, show_default=True, help="Smallest number of moves of a pair.")
@click.option("--age-group", type=click.Choice(_GROUPS), help="Only moves of this age group.")
@click.option("--limit", type=int, default=200, show_default=True, help="Most lines, largest first.")
@_suppress
@click.option("--out", type=click.Path(dir_okay=False), required=True, help="GeoJSON file (WGS84).")
def flows_cmd(
    db: str | None,
    level: str,
    year: int,
    to_year: int | None,
    min_count: int,
    age_group: str | None,
    limit: int,
    suppress_small: bool,
    out: str,
) -> None:
    """Flow lines between unit points as GeoJSON LineStrings, drawn in the net direction.

    Example: ``ortswissen migration flows --level bezirk --year 2022 --min-count 50 --out flows.geojson``.
    """
    from ortswissen.migration import SUPPRESS_BELOW
    from ortswissen.services.migration import flows

    with handle_errors():
        store = open_cli_store(db)
        try:
            data = flows(
                store,
                level,
                year,
                year_to=to_year,
                min_count=min_count,
                age_group=age_group,
                limit=limit,
                suppress_below=SUPPRESS_BELOW if suppress_small else None,
            )
        finally:
            store.close()
    Path(out).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    console.print(f"[green]{len(data['features'])} flow lines written to {out}[/]")


def register(cli: click.Group) -> None:
    """Add the ``migration`` group to the main command."""
    cli.add_command(migration)
