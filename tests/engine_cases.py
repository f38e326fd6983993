"""A micro city whose indicator values are computed by hand in the tests.

City C ⊃ districts D1, D2 ⊃ quarters Q1, Q2 (in D1) and Q3, Q4 (in D2), each quarter a
1 km² square. Three reference dates. Deliberate gaps:

* Q2 has no row at all on 2020-12-31 (so D1 and C are incomplete then);
* Q3 has 0 residents and 0 children on 2021-12-31 (a zero denominator);
* Q4's children are suppressed on 2022-12-31;
* D2 has an *observed* population of 999 on 2022-12-31 that aggregation must not overwrite.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import shapely

from ortswissen.georesources import GeoresourceMeta
from ortswissen.indicators import IndicatorMeta
from ortswissen.ports import VALUE_BATCH_SCHEMA, ImportRecord, Store
from ortswissen.units import Level

D1, D2, D3 = dt.date(2020, 12, 31), dt.date(2021, 12, 31), dt.date(2022, 12, 31)
DATES = (D1, D2, D3)
START = dt.date(2000, 1, 1)
X0, Y0 = 390_000.0, 5_810_000.0
CRS = "EPSG:25832"

# (quarter, date) → value; None = row with status suppressed; absent = no row
POP = {
    ("Q1", D1): 100, ("Q1", D2): 110, ("Q1", D3): 120,
    ("Q2", D2): 200, ("Q2", D3): 220,
    ("Q3", D1): 50, ("Q3", D2): 0, ("Q3", D3): 60,
    ("Q4", D1): 300, ("Q4", D2): 330, ("Q4", D3): 390,
}  # fmt: skip
KIDS = {
    ("Q1", D1): 10, ("Q1", D2): 11, ("Q1", D3): 15,
    ("Q2", D2): 30, ("Q2", D3): 33,
    ("Q3", D1): 5, ("Q3", D2): 0, ("Q3", D3): 6,
    ("Q4", D1): 30, ("Q4", D2): 33, ("Q4", D3): None,
}  # fmt: skip
MEAN_AGE = {("Q1", D2): 40.0, ("Q2", D2): 30.0, ("Q3", D2): 50.0, ("Q4", D2): 45.0}
OBSERVED_D2_POP = 999.0

LEVELS = [
    Level("city", "Stadt", "City", sort_order=0),
    Level("district", "Bezirk", "District", parent_id="city", sort_order=1),
    Level("quarter", "Quartier", "Quarter", parent_id="district", sort_order=2),
]

QUARTERS = {"Q1": (0, 0, "D1"), "Q2": (1, 0, "D1"), "Q3": (0, 1, "D2"), "Q4": (1, 1, "D2")}


def _box(i: float, j: float, w: float = 1, h: float = 1) -> shapely.Geometry:
    return shapely.box(X0 + i * 1000, Y0 + j * 1000, X0 + (i + w) * 1000, Y0 + (j + h) * 1000)


def units_frame() -> gpd.GeoDataFrame:
    """All unit versions (UNIT_COLUMNS)."""
    rows: list[dict[str, Any]] = [
        {"level_id": "city", "unit_id": "C", "parent_id": None, "geometry": _box(0, 0, 2, 2)},
        {"level_id": "district", "unit_id": "D1", "parent_id": "C", "geometry": _box(0, 0, 2, 1)},
        {"level_id": "district", "unit_id": "D2", "parent_id": "C", "geometry": _box(0, 1, 2, 1)},
    ]
    rows += [
        {"level_id": "quarter", "unit_id": q, "parent_id": p, "geometry": _box(i, j)}
        for q, (i, j, p) in QUARTERS.items()
    ]
    frame = pd.DataFrame(rows)
    frame["valid_from"] = START
    frame["valid_to"] = None
    frame["vintage_id"] = None
    frame["name"] = frame["unit_id"]
    frame["official_key"] = None
    frame["attributes"] = None
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=CRS)


def metas() -> list[IndicatorMeta]:
    """Imported and computed definitions used by the tests."""

    def m(id_: str, **kw: Any) -> IndicatorMeta:
        return IndicatorMeta(id=id_, title_de=id_, title_en=id_, **kw)

    return [
        m("pop"),
        m("kids"),
        m("mean_age", kind="mean", aggregation={"method": "weighted_mean", "weight": "pop"}),
        m("max_age", kind="other", aggregation={"method": "max"}),
        m("pct_kids", computation={"template": "percent", "part": "kids", "whole": "pop"}),
        m("per_mille_kids", computation={"template": "per_mille", "part": "kids", "whole": "pop"}),
        m("share_kids", computation={"template": "share", "part": "kids", "whole": "pop"}),
        m("kids_per_100", computation={"template": "divide", "part": "kids", "whole": "pop", "scale": 100}),
        m("adults", computation={"template": "subtract", "minuend": "pop", "subtrahends": ["kids"]}),
        m("pop_plus_kids", computation={"template": "sum", "terms": ["pop", "kids"]}),
        m("pop_times_kids", computation={"template": "multiply", "factors": ["pop", "kids"], "constant": 0.5}),
        m("d_pop", computation={"template": "change", "input": "pop", "periods": 1}),
        m("d_pop_pct", computation={"template": "change", "input": "pop", "years": 1, "relative": True}),
        m("d_pop_since", computation={"template": "change_since", "input": "pop", "reference_date": D1}),
        m("trend_pop", computation={"template": "trend", "input": "pop", "periods": 3}),
        m("cont_pop", computation={"template": "continuity", "input": "pop", "periods": 3}),
        m("density", computation={"template": "density", "input": "pop"}),
        m(
            "index",
            computation={
                "template": "composite",
                "components": [
                    {"indicator": "pct_kids", "weight": 2},
                    {"indicator": "density", "weight": 1, "polarity": "higher_is_worse"},
                ],
            },
        ),
        m("n_kitas", computation={"template": "point_count", "georesource": "kitas", "at": {"like": "pop"}}),
        m(
            "n_public_kitas",
            computation={
                "template": "point_count",
                "georesource": "kitas",
                "where": [{"attribute": "traeger", "value": "public"}],
                "at": {"like": "pop"},
            },
        ),
        m(
            "kita_places",
            computation={
                "template": "feature_stat",
                "georesource": "kitas",
                "attribute": "places",
                "statistic": "sum",
                "at": {"like": "pop"},
            },
        ),
        m(
            "kita_places_mean",
            computation={
                "template": "feature_stat",
                "georesource": "kitas",
                "attribute": "places",
                "statistic": "mean",
                "at": {"like": "pop"},
            },
        ),
        m(
            "public_share",
            computation={
                "template": "subset_share",
                "georesource": "kitas",
                "subset": [{"attribute": "traeger", "value": "public"}],
                "at": {"like": "pop"},
            },
        ),
        m("dist_kita", computation={"template": "nearest_distance", "georesource": "kitas", "at": {"like": "pop"}}),
        m(
            "street_km",
            computation={"template": "line_length", "georesource": "streets", "at": {"dates": [D2]}},
        ),
    ]


# Kitas: two in Q1 (public 40 places, private 60), one in Q4 (public 80) closed 2021-06-30.
KITAS = [
    ("K1", 0.25, 0.5, {"traeger": "public", "places": 40}, None),
    ("K2", 0.75, 0.5, {"traeger": "private", "places": 60}, None),
    ("K3", 1.5, 1.5, {"traeger": "public", "places": 80}, dt.date(2021, 6, 30)),
]
# A street along y = 0.5 km from x = 0.5 to 1.5 km: 0.5 km in Q1, 0.5 km in Q2.
STREET = shapely.LineString([(X0 + 500, Y0 + 500), (X0 + 1500, Y0 + 500)])


def values_table() -> pa.Table:
    """The imported values as a VALUE_BATCH_SCHEMA table."""
    rows: list[dict[str, Any]] = []

    def add(ind: str, level: str, unit: str, day: dt.date, value: float | None) -> None:
        rows.append(
            {
                "indicator_id": ind,
                "level_id": level,
                "unit_id": unit,
                "unit_valid_from": START,
                "date": day,
                "scenario": "observed",
                "value": value,
                "status": "ok" if value is not None else "suppressed",
                "flag": None if value is not None else ".",
            }
        )

    for (q, day), v in POP.items():
        add("pop", "quarter", q, day, v)
    for (q, day), v in KIDS.items():
        add("kids", "quarter", q, day, v)
    for (q, day), v in MEAN_AGE.items():
        add("mean_age", "quarter", q, day, v)
        add("max_age", "quarter", q, day, v + 40)
    add("pop", "district", "D2", D3, OBSERVED_D2_POP)
    frame = pd.DataFrame(rows)
    frame["source_row"] = np.arange(1, len(frame) + 1)
    return pa.Table.from_pandas(frame, schema=VALUE_BATCH_SCHEMA, preserve_index=False)


def load(store: Store) -> None:
    """Levels, units, definitions, values and georesources into ``store``."""
    now = dt.datetime(2026, 1, 1)
    with store.transaction():
        for level in LEVELS:
            store.put_level(level)
        store.add_unit_versions(units_frame())
        for meta in metas():
            store.put_indicator(meta)
        for gid, kind in (("kitas", "point"), ("streets", "line")):
            store.put_georesource(GeoresourceMeta(id=gid, title_de=gid, title_en=gid, kind=kind))
        kitas = gpd.GeoDataFrame(
            {
                "georesource_id": "kitas",
                "feature_id": [k[0] for k in KITAS],
                "valid_from": START,
                "valid_to": [k[4] for k in KITAS],
                "name": [k[0] for k in KITAS],
                "attributes": [k[3] for k in KITAS],
            },
            geometry=[shapely.Point(X0 + k[1] * 1000, Y0 + k[2] * 1000) for k in KITAS],
            crs=CRS,
        )
        store.add_features(kitas)
        streets = gpd.GeoDataFrame(
            {"georesource_id": "streets", "feature_id": ["S1"], "valid_from": START, "valid_to": [None],
             "name": ["Hauptstraße"], "attributes": [{}]},
            geometry=[STREET],
            crs=CRS,
        )  # fmt: skip
        store.add_features(streets)
        store.assign_features()
    writer = store.value_writer("micro-values")
    try:
        writer.add(values_table())
        with store.transaction():
            written, _replaced = writer.finish()
            store.record_import(ImportRecord("micro-values", "values", "engine_cases", "", now, now, written, written))
    finally:
        writer.discard()
