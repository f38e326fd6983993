"""Build the compact Berlin demo bundle from the public Berlin data collection.

    python scripts/build_demo_bundle.py [--source ../shared/data/berlin] [--out src/ortswissen/demo/data/berlin]

Reads the verbatim public files (see their README and MANIFEST.csv), fixes the documented
quirks, simplifies geometries and writes GeoParquet/Parquet files plus ``levels.yaml``,
``indicators.yaml``, ``CREDITS.md`` and ``manifest.json``. The product never reads the
source collection at run time; it ships this bundle.

What is done to the data, and why:

* Planning areas (both LOR vintages) are simplified as a coverage (shared edges stay shared,
  1 m tolerance) and rounded to 0.1 m; district regions and forecast areas are the
  dissolved planning areas of their vintage, so nesting is exact. Districts and the city
  come from the official district layer (simplified the same way).
* Old LOR: the feature "Schloßstraße" in Charlottenburg-Wilmersdorf carries Steglitz's id
  06010102; it gets its correct id 04030417 (documented upstream error). Planning area
  09041401 was split on 01.01.2019 into 09041401 and 09041403: the first version
  (2001–2018) is their union.
* The EWR matrices 2001–2020 are parsed with ortswissen's own importer and the shipped
  ``ewr-matrix`` profile (which restores the lost leading zeros of 2014 and reads the quoted
  decimals of 2012–2015), so building the bundle also proves the importer on real files.
* LOR population tables t1/t2 for all 18 half-years and 5 levels go into one long table
  (the city row's id 0 becomes the AGS 11000000).
* Blocks: the union of the 2018 residents layer and the 2015 building-age layer (geometry
  of 2018 where both exist), simplified with 0.5 m tolerance.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
from datetime import date
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from ortswissen.indicators import IndicatorMeta  # noqa: E402
from ortswissen.io import load_profile  # noqa: E402
from ortswissen.services.units import UnitSpec, import_units  # noqa: E402
from ortswissen.services.values import import_values  # noqa: E402
from ortswissen.storage import open_store  # noqa: E402
from ortswissen.units import Level  # noqa: E402

CRS = 25833
OLD_START, OLD_END, NEW_START = date(2001, 1, 1), date(2020, 12, 31), date(2021, 1, 1)
SPLIT = date(2019, 1, 1)
CITY = "11000000"
BUNDLE_VERSION = "berlin-2026.11-2"


def simplify_coverage(geoms: np.ndarray, tolerance: float) -> np.ndarray:
    """Simplify polygons that share edges without opening gaps; round to 0.1 m."""
    simplified = shapely.coverage_simplify(np.asarray(geoms, dtype=object), tolerance)
    return _round(simplified)


def _round(geoms: np.ndarray) -> np.ndarray:
    rounded = shapely.transform(geoms, lambda c: np.round(c, 1))
    bad = ~shapely.is_valid(rounded)
    if bad.any():
        rounded[bad] = [shapely.make_valid(g, method="structure") for g in rounded[bad]]
    return rounded


def dissolve(frame: gpd.GeoDataFrame, key_len: int) -> gpd.GeoDataFrame:
    """Parents as unions of their children (ids are prefixes)."""
    keys = frame["id"].str[:key_len]
    geoms = [shapely.union_all(frame.geometry[keys == k].values) for k in sorted(keys.unique())]
    return gpd.GeoDataFrame({"id": sorted(keys.unique())}, geometry=_round(np.asarray(geoms, dtype=object)), crs=CRS)


def read(path: Path) -> gpd.GeoDataFrame:
    frame = gpd.read_parquet(path) if path.suffix == ".parquet" else gpd.read_file(path)
    return frame.to_crs(CRS)


def names_from(path: Path, id_col: str = "id", name_col: str = "name") -> dict[str, str]:
    frame = gpd.read_file(path) if path.suffix != ".parquet" else gpd.read_parquet(path)
    return dict(zip(frame[id_col].astype(str), frame[name_col].astype(str), strict=True))


def build_units(src: Path) -> dict[str, gpd.GeoDataFrame]:
    geo = src / "geo"
    # districts and city
    districts = read(geo / "berlin-lor-districts.geojson")[["id", "name", "geometry"]].sort_values("id")
    districts["geometry"] = simplify_coverage(districts.geometry.values, 1.0)
    city = gpd.GeoDataFrame(
        {"id": [CITY], "name": ["Berlin"]}, geometry=[shapely.union_all(districts.geometry.values)], crs=CRS
    )
    city["geometry"] = _round(city.geometry.values)
    districts["parent_id"] = CITY

    # old LOR planning areas: fix the duplicated id, simplify
    old = read(geo / "lor-until-2020" / "berlin-lor-planning-areas-until-2020.geojson")[["id", "name", "geometry"]]
    dup = old.index[old["id"] == "06010102"]
    wrong = [i for i in dup if old.geometry[i].centroid.x < 385_500]  # the one lying in Charlottenburg
    if len(wrong) != 1:
        raise SystemExit(f"expected one misplaced 06010102, found {len(wrong)}")
    old.loc[wrong[0], "id"] = "04030417"
    old["geometry"] = simplify_coverage(old.geometry.values, 1.0)
    old_names = {
        **names_from(geo / "lor-until-2020" / "berlin-lor-district-regions-until-2020.geojson"),
        **names_from(geo / "lor-until-2020" / "berlin-lor-forecast-areas-until-2020.geojson"),
    }
    # versions of the 2019 split
    a, b = old[old["id"] == "09041401"].iloc[0], old[old["id"] == "09041403"].iloc[0]
    plr_old = old.assign(valid_from=OLD_START, valid_to=OLD_END)
    plr_old.loc[plr_old["id"].isin(["09041401", "09041403"]), "valid_from"] = SPLIT
    whole = gpd.GeoDataFrame(
        {
            "id": ["09041401"],
            "name": [f"{a['name']} (vor der Teilung 2019)"],
            "valid_from": [OLD_START],
            "valid_to": [date(2018, 12, 31)],
        },
        geometry=_round(np.asarray([shapely.union(a.geometry, b.geometry)], dtype=object)),
        crs=CRS,
    )
    plr_old = pd.concat([plr_old, whole], ignore_index=True).sort_values(["id", "valid_from"])
    current_old = old
    bzr_old = dissolve(current_old, 6)
    pgr_old = dissolve(current_old, 4)
    for frame in (bzr_old, pgr_old):
        frame["name"] = frame["id"].map(old_names)
        frame["valid_from"], frame["valid_to"] = OLD_START, OLD_END

    # new LOR
    new = read(geo / "lor-from-2021" / "lor_planungsraeume_2021.shp").rename(
        columns={"PLR_ID": "id", "PLR_NAME": "name"}
    )
    new = new[["id", "name", "geometry"]].sort_values("id").reset_index(drop=True)
    new["geometry"] = simplify_coverage(new.geometry.values, 1.0)
    new_bzr_names = names_from(geo / "lor-from-2021" / "lor_bezirksregionen_2021.shp", "BZR_ID", "BZR_NAME")
    new_pgr_names = names_from(geo / "lor-from-2021" / "berlin-lor-forecast-areas-from-2021.geojson")
    bzr_new, pgr_new = dissolve(new, 6), dissolve(new, 4)
    bzr_new["name"] = bzr_new["id"].map(new_bzr_names)
    pgr_new["name"] = pgr_new["id"].map(new_pgr_names)
    for frame in (new, bzr_new, pgr_new):
        frame["valid_from"], frame["valid_to"] = NEW_START, None
    for frame in (plr_old, bzr_old, pgr_old, new, bzr_new, pgr_new):
        frame["parent_id"] = None  # derived from the id prefix on import

    # Ortsteile (nested in districts by location) and postcode areas (not nested)
    ot = read(geo / "ortsteile" / "lor_ortsteile.shp").rename(columns={"spatial_na": "id", "OTEIL": "name"})
    ot = ot[["id", "name", "geometry"]].sort_values("id").reset_index(drop=True)
    ot["geometry"] = simplify_coverage(ot.geometry.values, 1.0)
    plz = read(geo / "plz" / "plz.shp").dissolve(by="plz", as_index=False).rename(columns={"plz": "id"})
    plz["name"] = plz["id"]
    plz = plz[["id", "name", "geometry"]].sort_values("id").reset_index(drop=True)
    plz["geometry"] = simplify_coverage(plz.geometry.values, 1.0)
    for frame in (ot, plz):
        frame["valid_from"], frame["valid_to"] = date(2023, 1, 1), None

    # blocks: union of both block layers
    ew = read(src / "blocks" / "Einwohnerdichte_2018.parquet")
    ew["id"] = [f"{int(x):016d}" for x in ew["SCHL5"]]
    ga = read(src / "blocks" / "Gebaeudealter_2015.parquet")
    ga["id"] = ga["gml_id"].str.split(".").str[-1]
    geom = dict(zip(ga["id"], ga.geometry, strict=True)) | dict(zip(ew["id"], ew.geometry, strict=True))
    typ = dict(zip(ga["id"], ga["TYPKLAR"], strict=True)) | dict(zip(ew["id"], ew["TYPKLAR"], strict=True))
    decade = dict(zip(ga["id"], ga["UEBERW_DEKADE_WOH_NEU"], strict=True))
    ids = sorted(geom)
    geoms = np.asarray(
        [shapely.make_valid(geom[i], method="structure") if not geom[i].is_valid else geom[i] for i in ids],
        dtype=object,
    )
    geoms = _round(shapely.simplify(geoms, 0.5, preserve_topology=True))
    blocks = gpd.GeoDataFrame(
        {
            "id": ids,
            "name": ids,
            "structure_type": [typ.get(i) for i in ids],
            "building_decade": [decade.get(i) for i in ids],
            "valid_from": date(2015, 1, 1),
            "valid_to": None,
            "parent_id": None,
        },
        geometry=geoms,
        crs=CRS,
    )

    return {
        "stadt": city.assign(valid_from=OLD_START, valid_to=None, parent_id=None),
        "bezirk": districts.assign(valid_from=OLD_START, valid_to=None),
        "prognoseraum_2006": pgr_old,
        "prognoseraum_2021": pgr_new,
        "bezirksregion_2006": bzr_old,
        "bezirksregion_2021": bzr_new,
        "planungsraum_2006": plr_old,
        "planungsraum_2021": new,
        "ortsteil": ot.assign(parent_id=None),
        "plz": plz.assign(parent_id=None),
        "block": blocks,
    }


def population_values(src: Path) -> pd.DataFrame:
    """LOR population tables t1 and t2, all half-years and levels, as one long table."""
    t2 = load_profile("lor-population-t2")
    t1 = load_profile("lor-population-t1")
    levels = {
        "city": "stadt",
        "districts": "bezirk",
        "forecast-areas": "prognoseraum",
        "district-regions": "bezirksregion",
        "planning-areas": "planungsraum",
    }
    frames = []
    for folder in sorted((src / "population" / "lor-2015-2024").iterdir()):
        year, half = folder.name.split("-")[-2:]
        day = date(int(year), 6, 30) if half == "01" else date(int(year), 12, 31)
        for table, spec in (("t2", t2), ("t1", t1)):
            for suffix, level in levels.items():
                path = folder / f"{folder.name}-{table}-{suffix}.csv"
                raw = pd.read_csv(path, dtype={"id": str})
                raw["id"] = raw["id"].replace({"0": CITY})
                columns = {k: v for k, v in spec.columns.items() if not (table == "t1" and v == "residents")}
                if table == "t1":
                    columns = {k: v for k, v in columns.items() if v != "residents_foreigners"}
                long = raw.melt(id_vars="id", value_vars=list(columns), var_name="column", value_name="value")
                long["indicator"] = long["column"].map(columns)
                long["level"] = level
                long["date"] = day
                frames.append(long[["level", "id", "date", "indicator", "value"]])
    out = pd.concat(frames, ignore_index=True).rename(columns={"id": "unit_id"})
    out["value"] = out["value"].round().astype("int64")
    return out.sort_values(["level", "indicator", "date", "unit_id"]).reset_index(drop=True)


def ewr_values(src: Path, plr_old: gpd.GeoDataFrame) -> pd.DataFrame:
    """Parse the 20 EWR matrices with ortswissen's importer and return the stored values."""
    spec = load_profile("ewr-matrix").with_overrides(level="planungsraum")
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(str(Path(tmp) / "ewr.duckdb"), create=True, crs=f"EPSG:{CRS}")
        store.put_level(Level("planungsraum", "Planungsraum", "Planning area", key_width=8))
        units_file = Path(tmp) / "plr.parquet"
        plr_old.assign(
            valid_from=plr_old["valid_from"].astype(str), valid_to=plr_old["valid_to"].astype(str)
        ).to_parquet(units_file)
        import_units(
            store,
            units_file,
            UnitSpec(
                level="planungsraum",
                id_column="id",
                name_column="name",
                valid_from_column="valid_from",
                valid_to_column="valid_to",
            ),
        )
        notes = []
        for path in sorted((src / "ewr").glob("EWR*_Matrix.csv")):
            report = import_values(store, path, spec)
            notes.append(
                f"{path.name}: {report.counts['written']} values, "
                f"{report.warning_count} warning(s), codes {sorted(report.codes())}"
            )
        values = store.read_values(level_id="planungsraum")
        store.close()
    print("\n".join(notes))
    out = values[["unit_id", "date", "indicator_id", "value"]].rename(columns={"indicator_id": "indicator"})
    out["value"] = out["value"].round().astype("int64")
    out.insert(0, "level", "planungsraum")
    return out


def block_values(src: Path) -> tuple[pd.DataFrame, list[dict[str, object]]]:
    """Block residents 2015 and 2018 and building counts by period and type (2015)."""
    ew = pd.read_parquet(src / "blocks" / "Einwohnerdichte_2018.parquet", columns=["SCHL5", "EW2018"])
    ga = pd.read_parquet(src / "blocks" / "Gebaeudealter_2015.parquet").drop(columns="geometry")
    ga["id"] = ga["gml_id"].str.split(".").str[-1]
    rows = [
        pd.DataFrame(
            {
                "unit_id": [f"{int(x):016d}" for x in ew["SCHL5"]],
                "date": date(2018, 12, 31),
                "indicator": "block_residents",
                "value": ew["EW2018"].astype("float"),
            }
        )
    ]
    rows.append(
        pd.DataFrame(
            {
                "unit_id": ga["id"],
                "date": date(2015, 12, 31),
                "indicator": "block_residents",
                "value": ga["EW2015"].astype("float"),
            }
        )
    )
    periods = [c for c in ga.columns if c.startswith("X")]
    types = ["FREISTEHEN", "DOPPELHAUS", "GEREIHTES", "ANDERERTYP"]
    metas: list[dict[str, object]] = []
    for col in periods + types:
        iid = "buildings_" + col.lower().lstrip("x").replace("bis_", "before_")
        text = ga[col].astype("string")
        value = pd.to_numeric(text, errors="coerce")
        rows.append(
            pd.DataFrame(
                {
                    "unit_id": ga["id"],
                    "date": date(2015, 12, 31),
                    "indicator": iid,
                    "value": value.fillna(0).astype(float),
                    "flag": np.where(text.str.contains("-", na=False), text, None),
                }
            )
        )
        label = col.lstrip("X").replace("_", "–") if col in periods else col.title()
        metas.append(
            {
                "id": iid,
                "title_de": f"Wohngebäude {label}",
                "title_en": f"Residential buildings {label}",
                "kind": "count",
                "unit_de": "Gebäude",
                "unit_en": "buildings",
                "topic": "wohnen/gebaeude",
                "source": "Geoportal Berlin / Umweltatlas Berlin – Gebäudealter der Wohnbebauung (2015)",
                "licence": "dl-de/by-2-0",
                "description_de": "Anzahl Wohngebäude im Block; die Klasse „1-3“ ist als unterdrückt markiert.",
            }
        )
    out = pd.concat(rows, ignore_index=True)
    out.insert(0, "level", "block")
    # "1-3" is a suppressed size class: no number, status suppressed, the class kept as flag;
    # a missing resident count (27 blocks of 2015) is missing, not zero
    out["status"] = np.where(out["flag"].notna(), "suppressed", np.where(out["value"].isna(), "missing", "ok"))
    out.loc[out["flag"].notna(), "value"] = np.nan
    return out, metas


def plz_values(src: Path) -> pd.DataFrame:
    """Residents per postcode area on 31.12.2023 (rows per postcode × district are summed)."""
    raw = pd.read_csv(
        src / "population" / "ortsteile-plz-2023" / "population_age_gender_Berlin_PLZ_20231231.csv", dtype={"PLZ": str}
    )
    cols = {
        "total": "residents",
        "< 6": "residents_age_under_6",
        "65 <=": "residents_age_65_plus",
        "female_share": "residents_female",
    }
    agg = raw.groupby("PLZ")[list(cols)].sum().reset_index()
    long = agg.melt(id_vars="PLZ", var_name="column", value_name="value")
    long["indicator"] = long["column"].map(cols)
    long["date"] = date(2023, 12, 31)
    long["level"] = "plz"
    return long.rename(columns={"PLZ": "unit_id"})[["level", "unit_id", "date", "indicator", "value"]]


def housing_values(src: Path, plr_old: gpd.GeoDataFrame, plr_new: gpd.GeoDataFrame) -> pd.DataFrame:
    """Dwellings per planning area at 31.12. (F I 1 – j): LOR 2006 ids 2015–2020, LOR 2021 ids 2022–2023.

    The upstream header is shifted by one column: the column named ``inhabitants`` holds the
    total dwellings (data README §9). ``–`` means none. 2021 still uses the old ids on a date
    when only the new areas exist, so it is left out; rows of unknown ids are dropped (counted).
    """
    frames = []
    for year in range(2015, 2024):
        if year == 2021:
            continue
        files = sorted((src / "housing" / f"berlin-lor-housing-stock-{year}-00-csv").glob("*planning-areas.csv"))
        raw = pd.concat([pd.read_csv(f, dtype=str) for f in files], ignore_index=True)
        known = set((plr_old if year <= 2020 else plr_new)["id"])
        ids = raw["id"].str.zfill(8).replace({"06010102": "04030417"} if year <= 2020 else {})
        dwellings = pd.to_numeric(raw["inhabitants"].str.replace("–", "0", regex=False), errors="raise")
        keep = ids.isin(known)
        if (~keep).any():
            print(f"housing {year}: {int((~keep).sum())} rows with unknown planning-area ids dropped")
        frames.append(
            pd.DataFrame(
                {
                    "unit_id": ids[keep].to_numpy(),
                    "date": date(year, 12, 31),
                    "indicator": "dwellings",
                    "value": dwellings[keep].to_numpy(),
                }
            )
        )
    out = pd.concat(frames, ignore_index=True)
    return out.groupby(["unit_id", "date", "indicator"], as_index=False)["value"].sum()


def write_units(units: dict[str, gpd.GeoDataFrame], out: Path) -> None:
    folder = out / "units"
    folder.mkdir(parents=True, exist_ok=True)
    for name, units_frame in units.items():
        frame = units_frame.copy()
        for col in ("valid_from", "valid_to"):
            frame[col] = frame[col].map(lambda d: None if d is None or pd.isna(d) else d.isoformat())
        frame.to_parquet(folder / f"{name}.parquet", compression="zstd", index=False)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, default=ROOT.parent / "shared" / "data" / "berlin")
    parser.add_argument("--out", type=Path, default=ROOT / "src" / "ortswissen" / "demo" / "data" / "berlin")
    args = parser.parse_args()
    src, out = args.source.resolve(), args.out
    if not (src / "MANIFEST.csv").exists():
        raise SystemExit(f"no Berlin data collection at {src}")
    out.mkdir(parents=True, exist_ok=True)

    units = build_units(src)
    write_units(units, out)
    values = out / "values"
    values.mkdir(exist_ok=True)
    population = population_values(src)
    for level, part in population.groupby("level"):
        part.drop(columns="level").to_parquet(
            values / f"lor_population_{level}.parquet", compression="zstd", index=False
        )
    ewr = ewr_values(src, units["planungsraum_2006"]).drop(columns="level")
    ewr.to_parquet(values / "ewr_planungsraum.parquet", compression="zstd", index=False)
    blocks, building_metas = block_values(src)
    blocks.drop(columns="level").to_parquet(values / "blocks_block.parquet", compression="zstd", index=False)
    plz_values(src).drop(columns="level").to_parquet(values / "population_plz.parquet", compression="zstd", index=False)
    housing = housing_values(src, units["planungsraum_2006"], units["planungsraum_2021"])
    housing.to_parquet(values / "housing_planungsraum.parquet", compression="zstd", index=False)
    write_georesources(src, out)
    write_catalogue(out, building_metas)
    write_credits(src, out)
    write_manifest(src, out)


def write_georesources(src: Path, out: Path) -> None:
    """Kitas as a German CSV with WGS84 coordinates; the other facilities as GeoParquet."""
    folder = out / "georesources"
    folder.mkdir(exist_ok=True)
    kitas = pd.read_csv(
        src / "daycare" / "berlin-daycare-centers-2025-10-csv" / "berlin-daycare-centers-2025-10-details.csv", dtype=str
    )
    kitas = kitas[["id", "name", "places", "type", "sponsor_name", "zip_code", "lat", "lon", "geojson_feature_id"]]
    for col in ("lat", "lon"):
        kitas[col] = kitas[col].str.replace(".", ",", regex=False)
    kitas.to_csv(folder / "kitas.csv", sep=";", index=False, encoding="utf-8")
    keep = {
        "schulen": ["bsn", "name", "schulart", "traeger", "schultyp", "bezirk"],
        "apothekenstandorte": ["gc_id", "aponame"],
        "pflegeeinrichtungen": ["ik_nummer", "einrichtung_name", "platzzahl"],
        "jugendfreizeiteinrichtungen": ["e_nr", "e_name", "e_platz", "e_art"],
    }
    for name, cols in keep.items():
        frame = gpd.read_file(src / "facilities" / f"{name}.geojson")
        frame = frame[[c for c in cols if c in frame.columns] + ["geometry"]]
        frame.to_crs(CRS).to_parquet(folder / f"{name}.parquet", compression="zstd", index=False)


def write_catalogue(out: Path, building_metas: list[dict[str, object]]) -> None:
    """Indicator definitions of everything in the bundle (validated here)."""
    metas: dict[str, dict[str, object]] = {}
    for profile in ("lor-population-t2", "lor-population-t1", "ewr-matrix"):
        for meta in load_profile(profile).indicators:
            metas.setdefault(meta.id, meta.model_dump(mode="json", exclude_defaults=True))
    metas["block_residents"] = {
        "id": "block_residents",
        "title_de": "Einwohner im Block",
        "title_en": "Residents per block",
        "kind": "count",
        "unit_de": "Personen",
        "unit_en": "persons",
        "topic": "bevoelkerung/bloecke",
        "source": "Geoportal Berlin / Umweltatlas Berlin – Einwohnerdichte 2018; Gebäudealter der Wohnbebauung (2015)",
        "licence": "dl-de/by-2-0",
        "reference_date_note": "31.12.2018 bzw. 2015",
    }
    metas["dwellings"] = {
        "id": "dwellings",
        "title_de": "Wohnungen",
        "title_en": "Dwellings",
        "kind": "count",
        "unit_de": "Wohnungen",
        "unit_en": "dwellings",
        "topic": "wohnen",
        "description_de": "Wohnungen in Wohn- und Nichtwohngebäuden (Fortschreibung des Wohnungsbestandes).",
        "description_en": "Dwellings in residential and non-residential buildings (stock update).",
        "source": "Amt für Statistik Berlin-Brandenburg, Statistischer Bericht F I 1 – j; Open Data Product",
        "licence": "CC BY 3.0 DE",
        "reference_date_note": "Stichtag 31.12.",
        "update_interval": "yearly",
    }
    for meta in building_metas:
        metas[str(meta["id"])] = meta
    for meta in metas.values():
        IndicatorMeta.model_validate(meta)
    (out / "indicators.yaml").write_text(
        "# Indicator definitions of the Berlin demo bundle (generated by scripts/build_demo_bundle.py).\n"
        + yaml.safe_dump({"indicators": list(metas.values())}, allow_unicode=True, sort_keys=False, width=110),
        encoding="utf-8",
    )


def write_credits(src: Path, out: Path) -> None:
    text = f"""# Datenquellen und Lizenzen / data sources and licences

Demo-Datenpaket {BUNDLE_VERSION}, erzeugt mit `scripts/build_demo_bundle.py` aus öffentlichen Daten
(Herkunft jeder Datei: `manifest.json`). Geometrien vereinfacht (1 m), Bezirksregionen und
Prognoseräume als Vereinigung ihrer Planungsräume abgeleitet.

* Amt für Statistik Berlin-Brandenburg — Einwohnerregisterstatistik (EWR-Matrizen 2001–2020),
  Statistischer Bericht A I 16 – hj (LOR-Einwohner 2015–2023), A I 5 – hj (Postleitzahlen 2023),
  F I 1 – j (Wohnungsbestand je Planungsraum 2015–2023, ohne 2021; aufbereitet von Open Data Product,
  CC BY 4.0): CC BY 3.0 DE (https://creativecommons.org/licenses/by/3.0/de/).
* Geoportal Berlin / Senatsverwaltung für Stadtentwicklung — Lebensweltlich orientierte Räume (LOR)
  Planungsräume und Bezirksregionen 01.01.2021, ALKIS Ortsteile, Postleitzahlen (RBS),
  Umweltatlas Berlin – Einwohnerdichte 2018 und Gebäudealter der Wohnbebauung, Schulen, Apotheken,
  Pflegeeinrichtungen, Jugendfreizeiteinrichtungen: dl-de/by-2-0 (https://www.govdata.de/dl-de/by-2-0),
  „Geoportal Berlin / <Titel des Datensatzes>“. Bezirksgrenzen: „Geoportal Berlin / Bezirksgrenzen“.
* LOR-Geodaten bis 2020: Amt für Statistik Berlin-Brandenburg (CC BY 3.0 DE), aufbereitet von
  Open Data Product (open-data-product-berlin-lor-geodata, CC BY 4.0).
* Senatsverwaltung für Bildung, Jugend und Familie Berlin — Kitas in Berlin (Oktober 2025):
  CC BY 3.0 DE; aufbereitet von Open Data Product (CC BY 4.0).
* Open Data Product und Open Lifeworlds (aufbereitete Produkte): CC BY 4.0
  (https://creativecommons.org/licenses/by/4.0/).

Korrekturen: Planungsraum „Schloßstraße“ in Charlottenburg-Wilmersdorf trägt in der Quelle die
Nummer 06010102 (Steglitz); hier korrigiert zu 04030417. Planungsraum 09041401 wurde am 01.01.2019
in 09041401 und 09041403 geteilt; die Fassung 2001–2018 ist die Vereinigung beider.
Die ALKIS-Ortsteile (2024) ragen bis zu 1,1 % über die ältere Bezirksgrenzen-Ebene hinaus (0106, 0703);
der Import erlaubt dafür 2 % statt 0,5 %. Die Postleitzahlgebiete stammen vom Februar 2024 und tragen
hier die Einwohner vom 31.12.2023.

Kurzform: Data: Amt für Statistik Berlin-Brandenburg (CC BY 3.0 DE); Geoportal Berlin (dl-de/by-2-0);
SenBJF Berlin (CC BY 3.0 DE); Open Data Product & Open Lifeworlds (CC BY 4.0).
"""
    (out / "CREDITS.md").write_text(text, encoding="utf-8")


def write_manifest(src: Path, out: Path) -> None:
    manifest = pd.read_csv(src / "MANIFEST.csv", dtype=str)
    files = sorted(p for p in out.rglob("*") if p.is_file() and p.name != "manifest.json")
    data = {
        "bundle": BUNDLE_VERSION,
        "built_with": "scripts/build_demo_bundle.py",
        "crs": f"EPSG:{CRS}",
        "files": {str(p.relative_to(out)): {"bytes": p.stat().st_size, "sha256": sha256(p)} for p in files},
        "total_bytes": sum(p.stat().st_size for p in files),
        "sources": [
            {"file": r.file, "sha256": r.sha256, "upstream": f"{r.upstream_repo}@{r.upstream_commit}:{r.upstream_path}"}
            for r in manifest.itertuples(index=False)
            if not r.file.startswith(("housing/", "population/lor-2015-2024/")) or "-t1-" in r.file or "-t2-" in r.file
        ],
    }
    (out / "manifest.json").write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")
    print(f"bundle: {len(files)} files, {data['total_bytes'] / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
