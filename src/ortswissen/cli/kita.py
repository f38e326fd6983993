"""``ortswissen kita``: Kita demand planning from projected children and the Kita places."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ortswissen.cli._common import RichProgress, console, db_option, handle_errors, open_cli_store, print_table

__all__ = ["register"]


@click.group("kita")
def kita() -> None:
    """Kita-Bedarfsplanung / Kita demand planning."""


def _years(years: tuple[int, ...], span: str | None) -> list[int]:
    out = list(years)
    if span:
        first, sep, last = span.partition("-")
        try:
            lo, hi = int(first), int(last or first)
        except ValueError:
            raise click.BadParameter(f"{span!r}: write FIRST-LAST, e.g. 2025-2030", param_hint="--years") from None
        if not sep and last:
            hi = lo
        if hi < lo:
            raise click.BadParameter(f"{span!r}: the last year lies before the first", param_hint="--years")
        out += list(range(lo, hi + 1))
    return sorted(set(out))


def _fmt(value: object) -> str:
    return "" if value is None else f"{value:,.0f}" if isinstance(value, float) else str(value)


@kita.command("plan")
@db_option
@click.option("--level", default="planungsraum", show_default=True, help="Planning areas (Raumebene).")
@click.option("--year", "years", type=int, multiple=True, help="A year (31 Dec); repeat for several.")
@click.option(
    "--years", "span", metavar="FIRST-LAST", help="A range of years, e.g. 2025-2030 [default: all projected]."
)
@click.option(
    "--scenario",
    type=click.Choice(["medium", "low", "high", "observed"]),
    default="medium",
    show_default=True,
    help="Population scenario of the children.",
)
@click.option(
    "--quotas",
    type=click.Choice(["current", "need"]),
    default=None,
    help="Care quotas: current take-up (Ist) or parents' stated need (Bedarf) [default: current].",
)
@click.option(
    "--quotas-file",
    type=click.Path(exists=True, dir_okay=False),
    help="YAML/JSON with edited quotas by age, age6_share, hours (see `ortswissen kita quotas --template`).",
)
@click.option(
    "--catchment",
    default="none",
    show_default=True,
    metavar="none|neighbours|<metres>m",
    help="Places of the area only, shared with touching areas, or within a walking radius (2SFCA).",
)
@click.option(
    "--interval",
    type=click.Choice(["80", "95", "none"]),
    default="80",
    show_default=True,
    help="Interval of the demand from the projection's quantiles (medium only).",
)
@click.option("--georesource", default="kitas", show_default=True, help="Point georesource with the places.")
@click.option("--places-attribute", help="Attribute holding the places [default: places, plaetze or platzzahl].")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False), help="Write the plan as .csv or .xlsx (header block + table)."
)
@click.option("--english", is_flag=True, help="English CSV conventions (comma, decimal point).")
@click.option("--json", "as_json", is_flag=True, help="Print the plans as JSON instead of the summary.")
def plan_cmd(
    db: str | None,
    level: str,
    years: tuple[int, ...],
    span: str | None,
    scenario: str,
    quotas: str | None,
    quotas_file: str | None,
    catchment: str,
    interval: str,
    georesource: str,
    places_attribute: str | None,
    output: str | None,
    english: bool,
    as_json: bool,
) -> None:
    """Demand, places and gap per area and year: children × care quotas × hours factor vs. Kita places.

    Children by single year of age 0–6 come from the projection (``ortswissen project run``);
    places from the Kita georesource. A negative gap is a shortage. With ``--output`` the
    table is written the way a youth welfare office files it: a header block (date,
    scenario, quotas, catchment, sources, "modelled") above one row per area and year and a
    total row per year.

    Example: ``ortswissen kita plan --years 2025-2030 --quotas need --catchment 500m -o kita.xlsx``.
    """
    from ortswissen.kita import DEFAULT_QUOTAS, KitaAssumptions
    from ortswissen.services import kita as svc

    with handle_errors():
        if quotas_file:
            assumptions = svc.read_assumptions(quotas_file, quotas=quotas)
        else:
            assumptions = KitaAssumptions(DEFAULT_QUOTAS[quotas or "current"])
        fmt = None
        if output:
            fmt = Path(output).suffix.lower().lstrip(".")
            if fmt not in ("csv", "xlsx"):
                raise click.BadParameter(f"{Path(output).name}: write .csv or .xlsx", param_hint="--output")
        store = open_cli_store(db)
        try:
            wanted = _years(years, span) or svc.plan_years(store, level, scenario)
            plans = svc.kita_plans(
                store,
                level,
                wanted,
                scenario=scenario,
                assumptions=assumptions,
                catchment=catchment,
                interval=None if interval == "none" else int(interval),
                georesource=georesource,
                places_attribute=places_attribute,
                progress=RichProgress(),
            )
        finally:
            store.close()
        if output and fmt:
            svc.write_plans(plans, output, fmt, german=not english)  # type: ignore[arg-type]
    if as_json:
        click.echo(json.dumps([p.to_dict() for p in plans], ensure_ascii=False, indent=1))
        return
    rows = []
    for p in plans:
        t = p.to_dict()["total"]
        rows.append(
            {
                "year": p.year,
                "children U3": _fmt(t["children_u3"]),
                "children Ü3": _fmt(t["children_ue3"]),
                "demand": _fmt(t["demand"]),
                "interval": "" if t["demand_low"] is None else f"{t['demand_low']:,.0f}–{t['demand_high']:,.0f}",
                "places": _fmt(t["places"]),
                "gap": _fmt(t["gap"]),
                "coverage": "" if t["coverage"] is None else f"{t['coverage']:.1%}",
                "short areas": int((p.rows["gap"] < 0).sum()),
            }
        )
    first = plans[0]
    print_table(
        rows,
        list(rows[0]),
        title=f"Kita-Plan {level}, scenario {scenario}, quotas {first.assumptions.quotas.id}, "
        f"catchment {first.catchment.label}",
    )
    last = plans[-1].rows.sort_values("gap").head(10)
    short = [
        {"unit": r.unit_id, "name": r.name, "demand": _fmt(r.demand), "places": _fmt(r.places), "gap": _fmt(r.gap)}
        for r in last.itertuples(index=False)
        if r.gap < 0
    ]
    if short:
        print_table(short, list(short[0]), title=f"Größte Lücken / largest shortages {plans[-1].year}")
    for note in dict.fromkeys(n for p in plans for n in p.notes):
        console.print(f"[dim]· {note}[/]", highlight=False)
    if output:
        console.print(f"[green]{output}[/] written ({len(plans)} year(s), {len(first.rows)} areas each)")


@kita.command("quotas")
@click.option("--template", "template", type=click.Path(dir_okay=False), help="Write an editable YAML file.")
@click.option("--quotas", type=click.Choice(["current", "need"]), default="current", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the defaults as JSON.")
def quotas_cmd(template: str | None, quotas: str, as_json: bool) -> None:
    """Default care quotas by age (current take-up and parents' need) with their sources."""
    from ortswissen.services import kita as svc

    with handle_errors():
        if template:
            Path(template).write_text(svc.quotas_template(quotas), encoding="utf-8")
            console.print(f"[green]{template}[/] written: edit it and pass it with --quotas-file")
            return
        defaults = svc.quota_defaults()
    if as_json:
        click.echo(json.dumps(defaults, ensure_ascii=False, indent=1))
        return
    rows = [
        {"age": str(age), **{k: f"{v['by_age'][str(age)]:.1%}" for k, v in defaults["scenarios"].items()}}
        for age in range(7)
    ]
    print_table(rows, ["age", *defaults["scenarios"]], title="Betreuungsquoten / care quotas by age")
    console.print(f"age 6 counts with share {defaults['age6_share']:g} (children not yet at school on 31 Dec)")
    for src in defaults["sources"]:
        console.print(f"[dim]· {src}[/]", highlight=False)


def register(cli: click.Group) -> None:
    """Add the ``kita`` commands."""
    cli.add_command(kita)
