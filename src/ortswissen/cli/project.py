"""``ortswissen project``: small-area population projections and their backtests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from ortswissen.cli._common import RichProgress, console, db_option, handle_errors, open_cli_store, print_table

__all__ = ["register"]


@click.group("project")
def project() -> None:
    """Bevölkerungsprognosen / population projections."""


def _merge(items: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for item in items:
        new, sep, old = item.partition("=")
        if not sep or not new or not old:
            raise click.BadParameter(f"{item!r}: write NEW=OLD, e.g. 09041403=09041401")
        out[new.strip()] = old.strip()
    return out


_LABELS = {"model": "model", "constant_share": "share", "linear_trend": "trend", "hamilton_perry": "Ham.-Perry"}
_SIZE = {"0-2500": "<2.5k", "2500-5000": "2.5-5k", "5000-10000": "5-10k", "10000+": ">=10k"}


@project.command("backtest")
@db_option
@click.option("--level", default="planungsraum", show_default=True, help="Units to project.")
@click.option("--jump-off", "jump_offs", type=int, multiple=True, help="Jump-off year(s) [default: 2010 and 2015].")
@click.option("--horizon", type=int, default=5, show_default=True, help="Years projected.")
@click.option("--prefix", default="ewr_age_", show_default=True, help="Age-band indicators <prefix><from>_<to>.")
@click.option("--merge", "merges", multiple=True, metavar="NEW=OLD", help="Count a later split unit with its origin.")
@click.option("--base", type=int, default=5, show_default=True, help="Transitions pooled for the ratios.")
@click.option("--prior-weight", type=float, default=1000.0, show_default=True, help="Shrinkage towards the district.")
@click.option("--trajectories", type=int, default=1000, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--min-size", type=float, default=500.0, show_default=True, help="Leave out smaller areas.")
@click.option("--housing", default="dwellings", show_default=True, help="Dwelling-stock indicator ('' = none).")
@click.option("--persons-per-dwelling", type=float, default=1.8, show_default=True, help="First occupants added.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), help="Write the full reports as JSON.")
def backtest_cmd(
    db: str | None,
    level: str,
    jump_offs: tuple[int, ...],
    horizon: int,
    prefix: str,
    merges: tuple[str, ...],
    base: int,
    prior_weight: float,
    trajectories: int,
    seed: int,
    min_size: float,
    housing: str,
    persons_per_dwelling: float,
    json_path: str | None,
) -> None:
    """Project from past years and compare with what was counted (MAPE, MALPE, coverage).

    Baselines in the same run: constant share of the city total (share), linear trend
    (trend), plain Hamilton–Perry. MAPE/MALPE of area totals in %, "ages" the MAPE of the
    nine age groups, then the MAPE of totals by area size. Where the store has dwelling
    stocks (``--housing``), the new dwellings of the projected years enter the model as first
    occupants (× ``--persons-per-dwelling``): the housing pipeline a planner knows.

    Example: ``ortswissen project backtest --merge 09041403=09041401``.
    """
    from ortswissen.services.projections import run_backtest  # loads Numba: only when this command runs

    with handle_errors():
        store = open_cli_store(db)
        try:
            reports = run_backtest(
                store,
                level,
                list(jump_offs) or [2010, 2015],
                horizon=horizon,
                prefix=prefix,
                merge=_merge(merges),
                base=base,
                prior_weight=prior_weight,
                trajectories=trajectories,
                seed=seed,
                min_size=min_size,
                housing=housing or None,
                persons_per_dwelling=persons_per_dwelling,
                progress=RichProgress(),
            )
        finally:
            store.close()
    if json_path:
        Path(json_path).write_text(json.dumps(reports, indent=1, ensure_ascii=False), encoding="utf-8")
    for rep in reports:
        rows = []
        for name, m in rep["methods"].items():  # type: ignore[union-attr]
            rows.append(
                {
                    "method": _LABELS.get(name, name),
                    "MAPE": f"{m['mape']:.2f}",
                    "MALPE": f"{m['malpe']:+.2f}",
                    "ages": f"{m['age_groups']['mape']:.2f}",
                    **{
                        _SIZE.get(k, k): "" if v["mape"] is None else f"{v['mape']:.2f}"
                        for k, v in m["by_size"].items()
                    },
                }
            )
        cols = list(rows[0])
        print_table(
            rows,
            cols,
            title=f"{rep['jump_off']} → {rep['target']}: {rep['areas']} areas "
            f"({rep['areas_left_out']} below {rep['min_size']:.0f} left out)",
        )
        cov = rep["coverage"]
        city = rep["city"]
        console.print(
            f"  city: projected {city['projected']:,.0f}, counted {city['actual']:,.0f} · "  # type: ignore[index]
            f"80 % intervals cover {cov['80']['total']:.0%} of area totals "  # type: ignore[index]
            f"({cov['80']['age_groups']:.0%} of age groups), "  # type: ignore[index]
            f"95 %: {cov['95']['total']:.0%} ({cov['95']['age_groups']:.0%}) · "  # type: ignore[index]
            f"age tilt {rep['age_tilt']['value']:g} (calibrated one horizon earlier)"  # type: ignore[index]
        )
        if rep.get("housing"):
            h = rep["housing"]
            console.print(
                f"  new housing: {h['first_occupants']:,.0f} first occupants "  # type: ignore[index]
                f"({h['persons_per_dwelling']:g} per new dwelling, {h['areas_with_dwellings']} areas with stocks)"  # type: ignore[index]
            )


def _control(path: str | None) -> dict[int, float] | None:
    """City totals by year from a CSV ``year;total`` (``,`` or ``;``)."""
    if path is None:
        return None
    import pandas as pd

    table = pd.read_csv(path, sep=None, engine="python")
    cols = {c.lower().strip(): c for c in table.columns}
    if "year" not in cols or "total" not in cols:
        raise click.BadParameter(f"{path}: needs the columns year and total", param_hint="--control")
    return {int(y): float(t) for y, t in zip(table[cols["year"]], table[cols["total"]], strict=True)}


@project.command("run")
@db_option
@click.option("--level", default="planungsraum", show_default=True, help="Units to project.")
@click.option("--horizon", type=int, default=17, show_default=True, help="Years projected.")
@click.option("--jump-off", "jump_off", type=click.DateTime(["%Y-%m-%d"]), help="Base date [default: last stocks].")
@click.option("--jump-off-band", "jump_off_bands", multiple=True, help="Observed age-band indicator at the jump-off.")
@click.option("--lor-bands", is_flag=True, help="Jump-off bands = the Berlin LOR table (residents_age_under_6 …).")
@click.option("--prefix", default="ewr_age_", show_default=True, help="Age-band stocks <prefix><from>_<to>.")
@click.option("--crosswalk", help="Re-express the stocks through this crosswalk first.")
@click.option("--scenario", "scenarios", multiple=True, type=click.Choice(["low", "medium", "high"]))
@click.option("--trajectories", type=int, default=1000, show_default=True, help="0: no quantiles.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--base", type=int, default=5, show_default=True, help="Transitions pooled for the ratios.")
@click.option("--prior-weight", type=float, default=1000.0, show_default=True, help="Shrinkage towards the district.")
@click.option("--control", "control_path", type=click.Path(exists=True, dir_okay=False), help="City totals CSV.")
@click.option("--no-derive", is_flag=True, help="Do not aggregate to upper levels / recompute dependants.")
def run_cmd(
    db: str | None,
    level: str,
    horizon: int,
    jump_off: Any,
    jump_off_bands: tuple[str, ...],
    lor_bands: bool,
    prefix: str,
    crosswalk: str | None,
    scenarios: tuple[str, ...],
    trajectories: int,
    seed: int,
    base: int,
    prior_weight: float,
    control_path: str | None,
    no_derive: bool,
) -> None:
    """Project the population of every unit and store it (status projected, one scenario each).

    Stores the variants low/medium/high and the 2.5/10/50/90/97.5 % quantiles of the
    stochastic trajectories around medium (scenarios medium_q025 … medium_q975).

    Example (the Berlin demo): ``ortswissen project run --jump-off 2023-12-31 --lor-bands
    --crosswalk planungsraum_2006_2021``.
    """
    from ortswissen.services.indicators import recompute_after_import
    from ortswissen.services.projection_runs import LOR_BANDS, output_groups, run_projection

    bands = list(jump_off_bands) or ([b[0] for b in LOR_BANDS] if lor_bands else None)
    with handle_errors():
        store = open_cli_store(db, write=True)
        try:
            run = run_projection(
                store,
                level,
                horizon=horizon,
                jump_off=jump_off.date() if jump_off else None,
                jump_off_bands=bands,
                prefix=prefix,
                crosswalk=crosswalk,
                scenarios=list(scenarios) or ["medium", "low", "high"],
                trajectories=trajectories,
                seed=seed,
                base=base,
                prior_weight=prior_weight,
                control=_control(control_path),
                progress=RichProgress(),
            )
            if not no_derive:
                recompute_after_import(store, [g[0] for g in output_groups()])
        finally:
            store.close()
    rows = [
        {"scenario": name, **{str(run.years[i - 1]): f"{v:,.0f}" for i, v in enumerate(path) if i and i % 4 == 0}}
        for name, path in run.city.items()
    ]
    print_table(rows, list(rows[0]), title=f"{run.run_id}: {run.units} units of {level}, jump-off {run.jump_off}")
    console.print(f"  {run.written:,} values stored; scenarios {', '.join(run.scenarios)}")


@project.command("list")
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def list_cmd(db: str | None, as_json: bool) -> None:
    """Stored projection runs with their assumptions' key figures."""
    from ortswissen.services.projection_runs import list_runs

    with handle_errors():
        store = open_cli_store(db)
        try:
            runs = list_runs(store)
        finally:
            store.close()
    if as_json:
        click.echo(json.dumps(runs, indent=1, ensure_ascii=False))
        return
    rows = [
        {
            "run": r["run_id"],
            "level": r["level"],
            "jump-off": r["jump_off"],
            "years": f"{r['years'][0]}–{r['years'][-1]}" if r["years"] else "",
            "scenarios": len(r["scenarios"]),
            "trajectories": r["trajectories"],
            "seed": r["seed"],
            "values": f"{r['rows']:,}",
        }
        for r in runs
    ]
    if not rows:
        console.print("no projection runs stored yet: ortswissen project run …")
        return
    print_table(rows, list(rows[0]), title="Prognoseläufe / projection runs")


def register(cli: click.Group) -> None:
    """Add the ``project`` commands."""
    cli.add_command(project)
