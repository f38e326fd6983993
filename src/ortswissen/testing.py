"""A small synthetic municipality for tests and examples ("Musterstadt"), made by code.

Seeded and deterministic. Levels: the city (``stadt``), 4 districts (``bezirk``, 4 km
squares), 16 quarters (``quartier``, 2 km squares, nested in districts) and 64 blocks
(``block``, 1 km squares, not nested). On 1 January 2021 the quarters change: ``0104`` is
split into ``0105`` and ``0106`` along a line that cuts through blocks, and ``0301`` and
``0302`` merge into ``0307``. Residents live in blocks; quarter figures for 2018–2023
(31 December) are the block residents allocated by area, so crosswalks can be checked
against known truth. Twelve Kitas with places are the georesource; one closes in 2022.

The files written by :meth:`SyntheticMunicipality.write_files` use several formats and
CRSs on purpose (GeoJSON in WGS84, GeoPackage and Shapefile in EPSG:25832, GeoParquet in
EPSG:3035, German CSV in cp1252) so importers are exercised as real users would.

Examples
--------
>>> town = synthetic_municipality(seed=1)
>>> len(town.quarters_old), len(town.quarters_new), len(town.blocks)
(16, 3, 64)
>>> int(town.values.query("indicator == 'residents' and date.dt.year == 2020")["value"].sum()) == int(
...     town.block_residents[2020].sum())
True
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ortswissen.georesources import GeoresourceMeta
from ortswissen.indicators import IndicatorMeta
from ortswissen.ports import Store
from ortswissen.units import Level

__all__ = ["CITY_KEY", "SyntheticMunicipality", "rook_lattice", "synthetic_municipality"]

#: AGS of the synthetic city (a made-up key in Hesse's number range).
CITY_KEY = "06699000"
_X0, _Y0 = 534_000.0, 5_684_000.0
_CRS = "EPSG:25832"
_YEARS = (2018, 2019, 2020, 2021, 2022, 2023)


@dataclass
class SyntheticMunicipality:
    """The generated data; :meth:`write_files` and :meth:`load` turn it into files and a store."""

    seed: int
    city: gpd.GeoDataFrame
    districts: gpd.GeoDataFrame
    quarters_old: gpd.GeoDataFrame
    quarters_new: gpd.GeoDataFrame
    blocks: gpd.GeoDataFrame
    block_residents: dict[int, np.ndarray]
    values: pd.DataFrame
    kitas: gpd.GeoDataFrame
    change_date: date = date(2021, 1, 1)
    levels: list[Level] = field(default_factory=list)
    indicators: list[IndicatorMeta] = field(default_factory=list)

    def quarter_values(self, year: int, indicator: str = "residents") -> pd.Series:
        """True values of one indicator on 31 December of ``year``, by quarter id."""
        sel = self.values[(self.values["indicator"] == indicator) & (self.values["date"].dt.year == year)]
        return sel.set_index("unit_id")["value"]

    # -- files ------------------------------------------------------------------------------------
    def write_files(self, folder: str | Path) -> dict[str, Path]:
        """Write boundaries, values and Kitas in several real-world formats."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        paths = {
            "city": folder / "stadt.geojson",
            "districts": folder / "bezirke.gpkg",
            "quarters_old": folder / "quartiere_2015.shp",
            "quarters_new": folder / "quartiere_2021.parquet",
            "blocks": folder / "bloecke.geojson",
            "values": folder / "einwohner.csv",
            "blocks_values": folder / "block_einwohner.csv",
            "kitas": folder / "kitas.csv",
        }
        self.city.to_crs(4326).to_file(paths["city"], driver="GeoJSON")
        self.districts.to_file(paths["districts"], driver="GPKG", layer="bezirke")
        self.quarters_old.to_file(paths["quarters_old"], driver="ESRI Shapefile", encoding="utf-8")
        self.quarters_new.to_crs(3035).to_parquet(paths["quarters_new"])
        self.blocks.to_crs(4326).to_file(paths["blocks"], driver="GeoJSON")
        # wide German CSV in cp1252 with a name column holding umlauts
        wide = self.values.pivot_table(index=["unit_id", "date"], columns="indicator", values="value").reset_index()
        names = dict(
            zip(
                pd.concat([self.quarters_old, self.quarters_new])["id"],
                pd.concat([self.quarters_old, self.quarters_new])["name"],
                strict=False,
            )
        )
        lines = ["Quartier;Name;Stichtag;Einwohner;unter 6 Jahre;weiblich"]
        for row in wide.itertuples(index=False):
            lines.append(
                f"{row.unit_id};{names[row.unit_id]};{row.date:%d.%m.%Y};{_de(row.residents)};"
                f"{_de(row.residents_under_6)};{_de(row.residents_female)}"
            )
        paths["values"].write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
        blines = ["block;stichtag;einwohner"]
        for year in (2018, 2020):
            for bid, pop in zip(self.blocks["id"], self.block_residents[year], strict=True):
                blines.append(f"{bid};31.12.{year};{int(pop)}")
        paths["blocks_values"].write_text("\n".join(blines) + "\n", encoding="utf-8")
        klines = ["nr;name;rechtswert;hochwert;plaetze;geoeffnet;geschlossen"]
        for row in self.kitas.itertuples(index=False):
            closed = "" if row.valid_to is None else row.valid_to.strftime("%d.%m.%Y")
            klines.append(
                f"{row.id};{row.name};{_de(row.geometry.x, 1)};{_de(row.geometry.y, 1)};{row.places};"
                f"{row.valid_from:%d.%m.%Y};{closed}"
            )
        paths["kitas"].write_text("\n".join(klines) + "\n", encoding="utf-8")
        return paths

    # -- loading into a store ------------------------------------------------------------------------
    def load(self, store: Store, folder: str | Path | None = None) -> Store:
        """Import everything into ``store`` through the real importers."""
        from ortswissen.io import ValueSpec
        from ortswissen.services.georesources import PointSpec, import_georesources
        from ortswissen.services.units import UnitSpec, import_units
        from ortswissen.services.values import import_values, register_indicators

        with tempfile.TemporaryDirectory() as tmp:
            paths = self.write_files(folder or tmp)
            for level in self.levels:
                store.put_level(level)
            start = date(2015, 1, 1)
            import_units(
                store,
                paths["city"],
                UnitSpec(level="stadt", id_column="id", name_column="name", key_column="ags", valid_from=start),
            )
            import_units(
                store,
                paths["districts"],
                UnitSpec(level="bezirk", id_column="id", name_column="name", parent_column="stadt", valid_from=start),
            )
            import_units(
                store,
                paths["quarters_old"],
                UnitSpec(
                    level="quartier",
                    id_column="id",
                    name_column="name",
                    parent_prefix=2,
                    valid_from_column="gueltig_ab",
                    valid_to_column="gueltig_bi",
                    vintage="q2015",
                    vintage_label_de="Quartiere 2015",
                    vintage_label_en="Quarters 2015",
                ),
            )
            import_units(
                store,
                paths["quarters_new"],
                UnitSpec(
                    level="quartier",
                    id_column="id",
                    name_column="name",
                    parent_prefix=2,
                    valid_from=self.change_date,
                    vintage="q2021",
                    vintage_label_de="Quartiere 2021",
                    vintage_label_en="Quarters 2021",
                ),
            )
            import_units(store, paths["blocks"], UnitSpec(level="block", id_column="id", valid_from=start))
            register_indicators(store, self.indicators)
            import_values(
                store,
                paths["values"],
                ValueSpec(
                    level="quartier",
                    unit_column="Quartier",
                    date_column="Stichtag",
                    columns={
                        "Einwohner": "residents",
                        "unter 6 Jahre": "residents_under_6",
                        "weiblich": "residents_female",
                    },
                    ignore_columns=["Name"],
                    dialect={"delimiter": ";", "encoding": "cp1252"},
                ),
            )
            import_values(
                store,
                paths["blocks_values"],
                ValueSpec(
                    level="block",
                    unit_column="block",
                    date_column="stichtag",
                    columns={"einwohner": "block_residents"},
                    dialect={"delimiter": ";"},
                ),
            )
            import_georesources(
                store,
                paths["kitas"],
                PointSpec(
                    georesource=GeoresourceMeta(id="kitas", title_de="Kindertagesstätten", title_en="Day-care centres"),
                    id_column="nr",
                    name_column="name",
                    x_column="rechtswert",
                    y_column="hochwert",
                    crs=_CRS,
                    valid_from_column="geoeffnet",
                    valid_to_column="geschlossen",
                    numeric_columns=["plaetze"],
                    dialect={"delimiter": ";"},
                ),
            )
        return store


def _de(value: float, decimals: int = 0) -> str:
    text = f"{value:.{decimals}f}"
    return text.replace(".", ",")


def _box(x: float, y: float, w: float, h: float) -> shapely.Polygon:
    return shapely.box(_X0 + x, _Y0 + y, _X0 + x + w, _Y0 + y + h)


def synthetic_municipality(seed: int = 0) -> SyntheticMunicipality:
    """Generate Musterstadt deterministically from ``seed``."""
    rng = np.random.default_rng(seed)
    start = date(2015, 1, 1)
    end_old = date(2020, 12, 31)
    change = date(2021, 1, 1)

    city = gpd.GeoDataFrame(
        {"id": [CITY_KEY], "name": ["Musterstadt"], "ags": [CITY_KEY]}, geometry=[_box(0, 0, 8000, 8000)], crs=_CRS
    )
    district_names = ["Altstadt", "Nordend", "Südstadt", "Weststadt"]
    districts = gpd.GeoDataFrame(
        {
            "id": [f"{d + 1:02d}" for d in range(4)],
            "name": district_names,
            "stadt": CITY_KEY,
        },
        geometry=[_box((d % 2) * 4000, (d // 2) * 4000, 4000, 4000) for d in range(4)],
        crs=_CRS,
    )
    quarter_rows = []
    for d in range(4):
        dx, dy = (d % 2) * 4000, (d // 2) * 4000
        for q in range(4):
            qx, qy = dx + (q % 2) * 2000, dy + (q // 2) * 2000
            qid = f"{d + 1:02d}{q + 1:02d}"
            quarter_rows.append((qid, f"{district_names[d]} {q + 1}", _box(qx, qy, 2000, 2000)))
    q_geom = {qid: g for qid, _, g in quarter_rows}
    q_name = {qid: n for qid, n, _ in quarter_rows}
    changed = {"0104", "0301", "0302"}
    old = gpd.GeoDataFrame(
        {
            "id": [q for q, _, _ in quarter_rows],
            "name": [n for _, n, _ in quarter_rows],
            "gueltig_ab": [start.isoformat()] * 16,
            "gueltig_bi": [end_old.isoformat() if q in changed else None for q, _, _ in quarter_rows],
        },
        geometry=[g for _, _, g in quarter_rows],
        crs=_CRS,
    )
    x0, y0, x1, y1 = q_geom["0104"].bounds
    cut = x0 + 1300.0  # cuts through the blocks of the quarter
    new = gpd.GeoDataFrame(
        {
            "id": ["0105", "0106", "0307"],
            "name": [f"{q_name['0104']} West", f"{q_name['0104']} Ost", "Südstadt Mitte"],
        },
        geometry=[
            shapely.box(x0, y0, cut, y1),
            shapely.box(cut, y0, x1, y1),
            shapely.union(q_geom["0301"], q_geom["0302"]),
        ],
        crs=_CRS,
    )
    blocks = gpd.GeoDataFrame(
        {"id": [f"B{i:03d}" for i in range(64)]},
        geometry=[_box((i % 8) * 1000, (i // 8) * 1000, 1000, 1000) for i in range(64)],
        crs=_CRS,
    )
    base = rng.integers(200, 3000, size=64).astype(float)
    base[rng.choice(64, size=4, replace=False)] = 0  # parks and industry: nobody lives there
    growth = rng.normal(1.01, 0.02, size=(len(_YEARS), 64)).cumprod(axis=0)
    block_res = {year: np.round(base * growth[i]).astype(np.int64) for i, year in enumerate(_YEARS)}

    def allocate(units: dict[str, shapely.Geometry], pops: np.ndarray) -> dict[str, int]:
        totals: dict[str, float] = {}
        for geom_b, pop in zip(blocks.geometry, pops, strict=True):
            for uid, g in units.items():
                share = shapely.area(shapely.intersection(geom_b, g)) / geom_b.area
                if share > 0:
                    totals[uid] = totals.get(uid, 0.0) + pop * share
        # whole numbers preserving the city total (largest remainder)
        ids = sorted(totals)
        raw = np.array([totals[i] for i in ids])
        target = round(float(pops.sum()))
        base_int = np.floor(raw).astype(np.int64)
        rest = target - int(base_int.sum())
        order = np.argsort(-(raw - base_int), kind="stable")
        base_int[order[:rest]] += 1
        return dict(zip(ids, base_int.tolist(), strict=True))

    records: list[dict[str, Any]] = []
    new_units = {q: g for q, g in q_geom.items() if q not in changed}
    new_units.update(dict(zip(new["id"], new.geometry, strict=True)))
    for year in _YEARS:
        units = q_geom if year <= 2020 else new_units
        residents = allocate(units, block_res[year])
        for uid, value in residents.items():
            under6 = round(value * rng.uniform(0.04, 0.08))
            female = round(value * rng.uniform(0.48, 0.53))
            stamp = pd.Timestamp(year=year, month=12, day=31)
            records += [
                {"indicator": "residents", "unit_id": uid, "date": stamp, "value": float(value)},
                {"indicator": "residents_under_6", "unit_id": uid, "date": stamp, "value": float(under6)},
                {"indicator": "residents_female", "unit_id": uid, "date": stamp, "value": float(female)},
            ]
    values = pd.DataFrame(records)

    kita_pts = [shapely.Point(_X0 + float(x), _Y0 + float(y)) for x, y in rng.uniform(150, 7850, size=(12, 2)).round(1)]
    kitas = gpd.GeoDataFrame(
        {
            "id": [f"{100 + i:05d}" for i in range(12)],
            "name": [f"Kita Sonnenschein {i + 1}" if i % 2 else f"Kita Löwenzahn {i + 1}" for i in range(12)],
            "places": rng.integers(20, 140, size=12),
            "valid_from": [date(2015, 1, 1)] * 12,
            "valid_to": [date(2022, 7, 31) if i == 3 else None for i in range(12)],
        },
        geometry=kita_pts,
        crs=_CRS,
    )
    levels = [
        Level("stadt", "Stadt", "City", sort_order=0),
        Level("bezirk", "Stadtbezirk", "District", parent_id="stadt", key_width=2, sort_order=1),
        Level("quartier", "Quartier", "Quarter", parent_id="bezirk", key_width=4, sort_order=2),
        Level("block", "Baublock", "Block", parent_id="quartier", nested=False, key_pattern=r"B\d{3}", sort_order=3),
    ]
    indicators = [
        IndicatorMeta(
            id="residents",
            title_de="Einwohner",
            title_en="Residents",
            unit_de="Personen",
            unit_en="persons",
            kind="count",
            source="synthetisch / synthetic",
            topic="bevoelkerung",
        ),
        IndicatorMeta(
            id="residents_under_6",
            title_de="Einwohner unter 6 Jahre",
            title_en="Residents under 6",
            kind="count",
            source="synthetisch / synthetic",
            topic="bevoelkerung",
        ),
        IndicatorMeta(
            id="residents_female",
            title_de="Einwohnerinnen",
            title_en="Female residents",
            kind="count",
            source="synthetisch / synthetic",
            topic="bevoelkerung",
        ),
        IndicatorMeta(
            id="block_residents",
            title_de="Einwohner je Block",
            title_en="Residents per block",
            kind="count",
            source="synthetisch / synthetic",
            topic="bevoelkerung",
        ),
    ]
    return SyntheticMunicipality(
        seed, city, districts, old, new, blocks, block_res, values, kitas, change, levels, indicators
    )


def rook_lattice(rows: int, cols: int, size: float = 100.0) -> tuple[np.ndarray, np.ndarray]:
    """``(edges, centroids)`` of a ``rows × cols`` grid of squares with side ``size``, cells numbered row by row.

    Edges join the cells that share a side (rook contiguity), each pair once.

    >>> edges, centroids = rook_lattice(2, 3)
    >>> len(edges), centroids[4].tolist()
    (7, [150.0, 150.0])
    """
    idx = np.arange(rows * cols).reshape(rows, cols)
    edges = np.concatenate(
        [
            np.column_stack([idx[:, :-1].ravel(), idx[:, 1:].ravel()]),
            np.column_stack([idx[:-1, :].ravel(), idx[1:, :].ravel()]),
        ]
    )
    r, c = np.divmod(np.arange(rows * cols), cols)
    return edges, np.column_stack([c * size + size / 2, r * size + size / 2])
