"""Aggregates of the register extract: stocks, flows and the indicators derived from them.

Stocks count main residents on a day by unit, single year of age (0 … 100, 100 meaning 100
and over), sex and nationality group; flows are the extract's events with the units of
origin and destination on any level. Both are computed by the store (one SQL query each);
the person rows they read never leave it. :func:`derive_register_values` turns them into
indicator values on 31 December of each year (topic "Demografie").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pandas as pd

from ortswissen.errors import InvalidInput
from ortswissen.indicators import IndicatorKind, IndicatorMeta, UpdateInterval
from ortswissen.ports import ImportRecord, RegisterExtract, Store
from ortswissen.register import AGE_CAP
from ortswissen.services._derived_import import value_batch, write_derived_import
from ortswissen.services._progress import NO_PROGRESS, Progress
from ortswissen.services._provenance import new_import_id, now
from ortswissen.services.register._import import register_store

__all__ = [
    "AGE_BANDS",
    "DERIVED_KIND",
    "FLOW_INDICATORS",
    "STOCK_INDICATORS",
    "derive_register_values",
    "register_flow_events",
    "register_stocks",
]

#: Import kind of derived register values.
DERIVED_KIND = "register-values"
#: Five-year bands of the age indicators: (suffix, from, to exclusive); the last is open.
AGE_BANDS: tuple[tuple[str, int, int], ...] = (
    *((f"{a:02d}_{a + 5:02d}", a, a + 5) for a in range(0, 95, 5)),
    ("95_plus", 95, AGE_CAP + 1),
)
_STOCK_BASE = {
    "reg_residents": ("Einwohner (Register)", "Residents (register)"),
    "reg_residents_male": ("Einwohner männlich (Register)", "Male residents (register)"),
    "reg_residents_female": ("Einwohnerinnen weiblich (Register)", "Female residents (register)"),
    "reg_foreigners": ("Ausländer/innen (Register)", "Foreign nationals (register)"),
}
#: Flow indicators: id → (German, English, definition).
FLOW_INDICATORS = {
    "reg_births": ("Geburten", "Births", "births of main residents, counted at the address of birth"),
    "reg_deaths": ("Sterbefälle", "Deaths", "deaths, counted at the last address"),
    "reg_moves_in": ("Zuzüge von außerhalb", "Moves in from outside the city", "move_in, at the new address"),
    "reg_moves_out": ("Fortzüge nach außerhalb", "Moves out of the city", "move_out, at the last address"),
    "reg_moves_in_internal": (
        "Zuzüge aus anderen Gebieten der Stadt",
        "Moves in from other units of the city",
        "move_within from another unit of the level, at the new address",
    ),
    "reg_moves_out_internal": (
        "Fortzüge in andere Gebiete der Stadt",
        "Moves out to other units of the city",
        "move_within to another unit of the level, at the old address",
    ),
    "reg_moves_within_unit": (
        "Umzüge innerhalb des Gebiets",
        "Moves within the unit",
        "move_within with both addresses in the same unit",
    ),
    "reg_net_migration": (
        "Wanderungssaldo",
        "Net migration",
        "moves in + internal moves in − moves out − internal moves out",
    ),
}


def _stock_indicators() -> dict[str, tuple[str, str]]:
    out = dict(_STOCK_BASE)
    for sex, de, en in (("m", "männlich", "male"), ("f", "weiblich", "female")):
        for suffix, lo, hi in AGE_BANDS:
            if hi > AGE_CAP:
                out[f"reg_{sex}_age_{suffix}"] = (f"Einwohner {de} ab {lo} Jahren", f"Residents {en} aged {lo}+")
            else:
                out[f"reg_{sex}_age_{suffix}"] = (
                    f"Einwohner {de} {lo} bis unter {hi} Jahre",
                    f"Residents {en} aged {lo} to under {hi}",
                )
    return out


#: Stock indicators (31 December): id → (German, English).
STOCK_INDICATORS = _stock_indicators()


def _extract(store: Store) -> RegisterExtract:
    extract = register_store(store).register_extract()
    if extract is None:
        raise InvalidInput("the store holds no register extract: run 'ortswissen register import' first")
    return extract


def register_stocks(store: Store, level_id: str, dates: Sequence[dt.date]) -> pd.DataFrame:
    """Main residents per ``unit_id, date, age (0..100), sex, nationality``: ``count`` (no zero rows).

    Dates must lie within the extract period; a block maps to the unit version valid on each date.
    """
    extract = _extract(store)
    store.get_level(level_id)
    outside = [d for d in dates if not extract.period_start <= d <= extract.period_end]
    if outside:
        raise InvalidInput(
            f"stocks exist from {extract.period_start} to {extract.period_end}, not on {', '.join(map(str, outside))}"
        )
    frame = register_store(store).register_stocks(level_id, list(dates))
    return frame[["unit_id", "date", "age", "sex", "nationality", "count"]]


def register_flow_events(store: Store, level_id: str, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Events from ``start`` to ``end`` (dates are months' first days) with units of origin and destination.

    Columns ``kind, date, year, age, sex, nationality, origin_unit, dest_unit, other_region``;
    ``origin_unit`` is ``None`` for births and moves in, ``dest_unit`` for deaths and moves out.
    Person-level rows: services aggregate them, no API returns them.
    """
    _extract(store)
    store.get_level(level_id)
    frame = register_store(store).register_flow_events(level_id, start, end)
    return frame[["kind", "date", "year", "age", "sex", "nationality", "origin_unit", "dest_unit", "other_region"]]


def _years(extract: RegisterExtract, years: Sequence[int] | None) -> tuple[list[int], list[int]]:
    """Years with a stock on 31 December and years whose whole calendar year lies in the period."""
    span = range(extract.period_start.year, extract.period_end.year + 1)
    wanted = set(years) if years is not None else set(span)
    stock = [y for y in span if y in wanted and extract.period_start <= dt.date(y, 12, 31) <= extract.period_end]
    flow = [
        y
        for y in span
        if y in wanted and dt.date(y, 1, 1) >= extract.period_start and dt.date(y, 12, 31) <= extract.period_end
    ]
    return stock, flow


def _ensure_indicators(store: Store, extract: RegisterExtract) -> None:
    label_de = " (synthetisch)" if extract.synthetic else ""
    label_en = " (synthetic)" if extract.synthetic else ""
    note = (
        "Synthetische Daten: kein echtes Register. / Synthetic data: not a real register. " if extract.synthetic else ""
    )
    tags = ("register", "synthetic") if extract.synthetic else ("register",)
    items = [
        (i, de, en, "Hauptwohnsitz am Stichtag / main residents on the day", UpdateInterval.YEARLY)
        for i, (de, en) in STOCK_INDICATORS.items()
    ]
    items += [
        (i, de, en, f"Fälle im Kalenderjahr / cases in the calendar year: {text}", UpdateInterval.YEARLY)
        for i, (de, en, text) in FLOW_INDICATORS.items()
    ]
    for indicator, de, en, text, interval in items:
        store.put_indicator(
            IndicatorMeta(
                id=indicator,
                title_de=de + label_de,
                title_en=en + label_en,
                unit_de="Personen",
                unit_en="persons",
                description_de=note + text,
                description_en=note + text,
                source="Einwohnermelderegister, pseudonymisiert" + label_de,
                reference_date_note="31.12.",
                update_interval=interval,
                topic="Demografie",
                tags=tags,
                kind=IndicatorKind.COUNT,
                allow_negative=indicator == "reg_net_migration",
            )
        )


def _stock_rows(stocks: pd.DataFrame) -> pd.DataFrame:
    """Long indicator rows (unit_id, unit_valid_from, date, indicator_id, value) from single-year stocks."""
    key = ["unit_id", "unit_valid_from", "date"]
    parts = [stocks.groupby(key, as_index=False)["count"].sum().assign(indicator_id="reg_residents")]
    for sex, indicator in (("m", "reg_residents_male"), ("f", "reg_residents_female")):
        part = stocks[stocks["sex"] == sex].groupby(key, as_index=False)["count"].sum()
        parts.append(part.assign(indicator_id=indicator))
    foreign = stocks[stocks["nationality"].isin(("eu", "non_eu"))].groupby(key, as_index=False)["count"].sum()
    parts.append(foreign.assign(indicator_id="reg_foreigners"))
    edges = [lo for _, lo, _ in AGE_BANDS] + [AGE_CAP + 1]
    band = pd.cut(stocks["age"], bins=edges, right=False, labels=[s for s, _, _ in AGE_BANDS])
    sexed = stocks.assign(band=band.astype(str))
    sexed = sexed[sexed["sex"].isin(("m", "f"))]
    grouped = sexed.groupby([*key, "sex", "band"], as_index=False)["count"].sum()
    grouped["indicator_id"] = "reg_" + grouped["sex"] + "_age_" + grouped["band"]
    parts.append(grouped[[*key, "count", "indicator_id"]])
    return pd.concat(parts, ignore_index=True).rename(columns={"count": "value"})


def _flow_rows(flows: pd.DataFrame) -> pd.DataFrame:
    """Long indicator rows (unit_id, unit_valid_from, date, indicator_id, value) from events."""
    kind = flows["kind"]
    internal = (kind == "move_within") & (flows["origin_unit"] != flows["dest_unit"])
    same = (kind == "move_within") & flows["origin_unit"].notna() & (flows["origin_unit"] == flows["dest_unit"])
    picks = [
        ("reg_births", kind == "birth", "dest"),
        ("reg_deaths", kind == "death", "origin"),
        ("reg_moves_in", kind == "move_in", "dest"),
        ("reg_moves_out", kind == "move_out", "origin"),
        ("reg_moves_in_internal", internal, "dest"),
        ("reg_moves_out_internal", internal, "origin"),
        ("reg_moves_within_unit", same, "origin"),
    ]
    parts = []
    for indicator, mask, side in picks:
        part = flows.loc[mask.to_numpy(), [f"{side}_unit", f"{side}_valid_from", "year"]]
        part = part[part[f"{side}_unit"].notna()]
        part.columns = ["unit_id", "unit_valid_from", "year"]
        parts.append(
            part.groupby(["unit_id", "unit_valid_from", "year"], as_index=False)
            .size()
            .rename(columns={"size": "value"})
            .assign(indicator_id=indicator)
        )
    out = pd.concat(parts, ignore_index=True)
    out["date"] = [dt.date(int(y), 12, 31) for y in out["year"]]
    return out.drop(columns="year")


def _complete(rows: pd.DataFrame, units: pd.DataFrame, indicators: Sequence[str]) -> pd.DataFrame:
    """Every indicator for every unit valid on each date, zero where nothing was counted."""
    grid = units.merge(pd.DataFrame({"indicator_id": list(indicators)}), how="cross")
    merged = grid.merge(rows, on=["unit_id", "unit_valid_from", "date", "indicator_id"], how="left")
    merged["value"] = merged["value"].fillna(0.0).astype(float)
    return merged


def _units_on(store: Store, level_id: str, dates: Sequence[dt.date]) -> pd.DataFrame:
    parts = []
    for day in dates:
        units = store.unit_versions(level_id, at=day, geometry=False)
        parts.append(
            pd.DataFrame(
                {"unit_id": units["unit_id"].to_numpy(), "unit_valid_from": units["valid_from"].to_numpy(), "date": day}
            )
        )
    return (
        pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["unit_id", "unit_valid_from", "date"])
    )


def derive_register_values(
    store: Store,
    *,
    levels: Sequence[str] | None = None,
    years: Sequence[int] | None = None,
    progress: Progress = NO_PROGRESS,
) -> dict[str, Any]:
    """Write the register indicators for every level (or ``levels``) and year; returns a summary.

    Stocks on 31 December of each year in the period, flows for each calendar year wholly in
    it; units valid on the date without any resident or event get 0. One import, all or
    nothing; values of an earlier derivation with the same keys are replaced.
    """
    extract = _extract(store)
    target = register_store(store)
    level_ids = list(levels) if levels else [lv.id for lv in store.list_levels()]
    for level_id in level_ids:
        store.get_level(level_id)
    stock_years, flow_years = _years(extract, years)
    if not stock_years and not flow_years:
        raise InvalidInput(
            f"no year to derive: the extract covers {extract.period_start} to {extract.period_end}"
            + (f", years asked: {sorted(set(years))}" if years else "")
        )
    started = now()
    import_id = new_import_id(DERIVED_KIND)
    with store.transaction():
        _ensure_indicators(store, extract)
    flag = "synthetic" if extract.synthetic else None
    frames = []
    progress.start("Register-Indikatoren / register indicators", len(level_ids))
    for level_id in level_ids:
        stock_dates = [dt.date(y, 12, 31) for y in stock_years]
        if stock_dates:
            stocks = target.register_stocks(level_id, stock_dates)
            rows = _stock_rows(stocks)
            frames.append(
                _complete(rows, _units_on(store, level_id, stock_dates), list(STOCK_INDICATORS)).assign(
                    level_id=level_id
                )
            )
        if flow_years:
            flows = target.register_flow_events(
                level_id, dt.date(min(flow_years), 1, 1), dt.date(max(flow_years), 12, 31)
            )
            rows = _flow_rows(flows)
            done = _complete(
                rows,
                _units_on(store, level_id, [dt.date(y, 12, 31) for y in flow_years]),
                [i for i in FLOW_INDICATORS if i != "reg_net_migration"],
            )
            wide = done.pivot_table(
                index=["unit_id", "unit_valid_from", "date"], columns="indicator_id", values="value", aggfunc="sum"
            ).reset_index()
            net = wide.assign(
                value=wide["reg_moves_in"]
                + wide["reg_moves_in_internal"]
                - wide["reg_moves_out"]
                - wide["reg_moves_out_internal"],
                indicator_id="reg_net_migration",
            )[["unit_id", "unit_valid_from", "date", "value", "indicator_id"]]
            frames.append(pd.concat([done, net], ignore_index=True).assign(level_id=level_id))
        progress.advance()
    progress.finish()
    table = pd.concat(frames, ignore_index=True)
    n = len(table)
    frame = table.assign(scenario="observed", status="ok", flag=flag)
    summary: dict[str, Any] = {
        "levels": level_ids,
        "stock_years": stock_years,
        "flow_years": flow_years,
        "synthetic": extract.synthetic,
    }

    def record(written: int, replaced: int) -> ImportRecord:
        summary.update(values=written, replaced=replaced)
        return ImportRecord(
            import_id,
            DERIVED_KIND,
            f"register:{extract.import_id}",
            "",
            started,
            now(),
            n,
            written,
            replaced,
            options={"register_import": extract.import_id, "levels": level_ids, "synthetic": extract.synthetic},
            summary=summary,
        )

    write_derived_import(store, import_id, value_batch(frame), record, what="the derivation")
    return {"import_id": import_id, **summary}
