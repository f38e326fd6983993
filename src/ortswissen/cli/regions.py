"""``ortswissen regions``: delineate quarters from blocks and type them."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import click
import yaml

from ortswissen.cli._common import DATE, RichProgress, console, db_option, handle_errors, open_cli_store, print_table
from ortswissen.services.regions import DelineationSpec, delineate_level, type_quarters

__all__ = ["register"]


@click.group("regions")
def regions() -> None:
    """Quartiere bilden und typisieren / delineate and type quarters."""


def _weighted(text: str) -> tuple[str, float]:
    name, _, weight = text.partition(":")
    try:
        return name, float(weight) if weight else 1.0
    except ValueError as exc:
        raise click.BadParameter(f"{text!r}: the weight after ':' must be a number") from exc


# command-line option → one similarity input each: (option, field, extra settings)
_ATTRIBUTE_OPTIONS: list[tuple[str, str, dict[str, bool]]] = [
    ("indicators", "indicator", {}),
    ("shares", "indicator", {"per_population": True}),
    ("attributes", "attribute", {}),
    ("categories", "attribute", {"categorical": True}),
]


@regions.command("delineate")
@db_option
@click.option("--spec", "spec_file", type=click.Path(exists=True, dir_okay=False), help="All settings as YAML/JSON.")
@click.option("--preset", type=click.Choice(["berlin"]), help="Shipped settings: quarters of the Berlin demo.")
@click.option("--level", default=None, help="Units to group [default: block].")
@click.option("--date", type=DATE, help="Units and values of this day.")
@click.option("--population", help="Indicator with the residents per unit (floor, cap, balance).")
@click.option("--indicator", "indicators", multiple=True, metavar="ID[:WEIGHT]", help="Numeric similarity input.")
@click.option("--share", "shares", multiple=True, metavar="ID[:WEIGHT]", help="A count divided by the population.")
@click.option("--attribute", "attributes", multiple=True, metavar="NAME[:WEIGHT]", help="Numeric unit attribute.")
@click.option("--category", "categories", multiple=True, metavar="NAME[:WEIGHT]", help="Categorical unit attribute.")
@click.option("--flows", "flows", multiple=True, metavar="GEORESOURCE[:SCALE_M]", help="Modelled flows to facilities.")
@click.option("--nest", "nest_level", help="Never cross units of this level (e.g. bezirk).")
@click.option("--barrier", "barriers", multiple=True, help="Georesource of barrier lines or areas.")
@click.option("--crossing", "crossings", multiple=True, help="Georesource of crossing points over barriers.")
@click.option("--tolerance", type=float, help="Units this close (m) are neighbours, e.g. across a street.")
@click.option("--n-regions", type=int)
@click.option("--target-population", type=float, help="Aim at this many residents per quarter.")
@click.option("--floor", type=float, help="Minimum residents per quarter.")
@click.option("--cap", type=float, help="Maximum residents per quarter.")
@click.option("--reach", type=float, help="Maximum distance (m) of any unit from its quarter's core.")
@click.option("--streets", help="Georesource of street lines: reach is walked along them (else straight).")
@click.option("--compactness", type=float, help="Weight of compact shapes in the polish [default 0.2].")
@click.option("--small-components", type=click.Choice(["raise", "keep", "bridge"]))
@click.option("--seed", type=int)
@click.option("--stability-runs", type=int, help="Perturbed re-runs for the stability measure.")
@click.option("--reference-level", help="Compare with this level (e.g. planungsraum).")
@click.option("--save-as", help="Save the quarters as a new level with this id.")
@click.option("--name-de")
@click.option("--name-en")
@click.option("--reexpress", multiple=True, help="Count indicator of the units to sum onto the quarters.")
@click.option("--output", type=click.Path(dir_okay=False), help="Write unit → quarter as CSV.")
@click.option("--json", "as_json", is_flag=True, help="Print the result summary as JSON.")
def delineate_cmd(
    db: str | None, spec_file: str | None, preset: str | None, output: str | None, as_json: bool, **kw: Any
) -> None:
    """Delineate quarters from the units of a level; show the quality measures; optionally save them as a level.

    Options override the settings of ``--spec``/``--preset``; e.g. the Berlin demo's quarters:
    ``ortswissen regions delineate --preset berlin``.
    """
    with handle_errors():
        data: dict[str, Any] = {}
        if preset:
            text = resources.files("ortswissen.demo").joinpath(f"regions_{preset}.yaml").read_text(encoding="utf-8")
            data = yaml.safe_load(text)
        if spec_file:
            data.update(yaml.safe_load(Path(spec_file).read_text(encoding="utf-8")) or {})
        attrs = list(data.get("attributes", []))
        for option, field, extra in _ATTRIBUTE_OPTIONS:
            for text in kw.pop(option):
                name, w = _weighted(text)
                attrs.append({field: name, "weight": w, **extra})
        flows = list(data.get("flows", []))
        for text in kw.pop("flows"):
            name, scale = _weighted(text)
            flows.append({"georesource": name, **({"scale": scale} if ":" in text else {})})
        for key in ("barriers", "crossings", "reexpress"):
            values = kw.pop(key)
            if values:
                data[key] = list(values)
        data.update({k: v for k, v in kw.items() if v is not None})
        data["attributes"] = attrs
        data["flows"] = flows
        spec = DelineationSpec(**data)
        store = open_cli_store(db, write=spec.save_as is not None)
        outcome = delineate_level(store, spec, progress=RichProgress())
        store.close()
    summary = outcome.summary()
    if output:
        import pandas as pd

        pd.DataFrame({"unit_id": outcome.unit_ids, "quarter": outcome.region_ids}).to_csv(output, index=False)
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False, default=str, indent=1))
        return
    m = summary["metrics"]
    pop = m["population"]
    console.print(
        f"{m['n_regions']} Quartiere aus {m['n_units']} Einheiten in {summary['timings']['total']:.1f} s "
        f"({summary['method']})"
    )
    rows = [
        {"measure": "WSS/TSS", "value": f"{m['wss_tss']:.3f}"},
        {"measure": "WSS ÷ Ward (same p)", "value": f"{m.get('wss_vs_ward', float('nan')):.3f}"},
        {"measure": "mean isoperimetric quotient", "value": f"{m['ipq_mean']:.3f}"},
        {"measure": "residents min / mean / max", "value": f"{pop['min']:.0f} / {pop['mean']:.0f} / {pop['max']:.0f}"},
        {"measure": "floor / cap violations", "value": f"{m['floor_violations']} / {m['cap_violations']}"},
        {"measure": "contiguous", "value": str(m["contiguous"])},
    ]
    if "self_containment" in m:
        rows.append({"measure": "flow self-containment", "value": f"{m['self_containment']:.3f}"})
    if "reference" in m:
        ref = m["reference"]
        rows.append(
            {"measure": f"agreement with {ref['level']} (ARI / NMI)", "value": f"{ref['ari']:.3f} / {ref['nmi']:.3f}"}
        )
    if "stability" in m:
        rows.append({"measure": "stability (mean ARI)", "value": f"{m['stability']['ari_mean']:.3f}"})
    print_table(rows, ["measure", "value"])
    for problem in summary["problems"][:10]:
        console.print(
            f"[yellow]![/] {problem['reason']}: {', '.join(problem['units'][:5])} ({problem['population']:g})"
        )
    if len(summary["problems"]) > 10:
        console.print(f"[yellow]![/] … {len(summary['problems']) - 10} more (see --json)")
    if outcome.saved_level:
        console.print(
            f"Gespeichert als Ebene / saved as level {outcome.saved_level!r}, crosswalk {outcome.crosswalk_id!r}."
        )


@regions.command("typology")
@db_option
@click.argument("level")
@click.option("--date", type=DATE, required=True)
@click.option("--indicator", "indicators", multiple=True, required=True, help="Indicator to type on (repeat).")
@click.option("--method", type=click.Choice(["kmeans", "gmm", "ward"]), default="kmeans", show_default=True)
@click.option("-k", "k", type=int, help="Number of types (default: chosen by silhouette or BIC).")
@click.option("--k-min", type=int, default=2, show_default=True)
@click.option("--k-max", type=int, default=8, show_default=True)
@click.option("--weight", "weight_indicator", help="Indicator weighing the type profiles (e.g. residents).")
@click.option("--relative-to", help="Divide the indicators by this indicator, or by their sum ('sum').")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--output", type=click.Path(dir_okay=False), help="Write unit → type as CSV.")
@click.option("--json", "as_json", is_flag=True)
def typology_cmd(db: str | None, level: str, output: str | None, as_json: bool, **kw: Any) -> None:
    """Cluster the units of a level (e.g. delineated quarters) into types and describe each type."""
    with handle_errors():
        store = open_cli_store(db)
        ids, t = type_quarters(
            store,
            level,
            kw["date"],
            list(kw["indicators"]),
            method=kw["method"],
            k=kw["k"],
            k_range=(kw["k_min"], kw["k_max"]),
            weight_indicator=kw["weight_indicator"],
            relative_to=kw["relative_to"],
            seed=kw["seed"],
        )
        store.close()
    if output:
        import pandas as pd

        pd.DataFrame({"unit_id": ids, "type": t.labels}).to_csv(output, index=False)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "k": t.k,
                    "method": t.method,
                    "criterion": t.criterion,
                    "scores": t.scores,
                    "types": t.profiles,
                    "units": dict(zip(ids, t.labels.tolist(), strict=True)),
                },
                ensure_ascii=False,
                default=str,
            )
        )
        return
    scores = ", ".join(f"k={k}: {v:.3f}" for k, v in t.scores.items())
    console.print(f"{t.k} Typen ({t.method}, gewählt nach {t.criterion}: {scores})")
    print_table(
        [{"type": p["type"], "quarters": p["n_quarters"], "profile": p["label"]} for p in t.profiles],
        ["type", "quarters", "profile"],
    )


def register(group: click.Group) -> None:
    """Add the ``regions`` commands to the main group."""
    group.add_command(regions)
