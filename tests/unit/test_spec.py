"""Tests for ``ortswissen.io._spec``: value import specifications, shipped profiles, overrides, column resolution."""

from __future__ import annotations

import importlib.resources
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from ortswissen.errors import DefinitionError, InvalidInput
from ortswissen.io._spec import DialectSpec, ValueSpec, available_profiles, load_profile
from ortswissen.io._tables import CsvDialect

SHIPPED = ["ewr-matrix", "long", "lor-population-t1", "lor-population-t2"]


def _raw_profile(name: str) -> dict[str, Any]:
    """The shipped YAML read directly, as an independent reference."""
    resource = importlib.resources.files("ortswissen.io") / "profiles" / f"{name}.yaml"
    return yaml.safe_load(resource.read_text(encoding="utf-8"))


# -- shipped profiles ----------------------------------------------------------------------------


def test_available_profiles_lists_the_shipped_ones() -> None:
    profiles = available_profiles()
    assert set(SHIPPED) <= set(profiles)
    for name in SHIPPED:
        assert profiles[name].name == f"{name}.yaml"
        assert profiles[name].exists()


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_profile_loads_and_matches_its_yaml(name: str) -> None:
    raw = _raw_profile(name)
    spec = load_profile(name)
    assert isinstance(spec, ValueSpec)
    assert spec.id == name == raw["id"]
    assert spec.layout == raw["layout"]
    assert spec.unit_column == raw["unit_column"]
    assert spec.columns == raw.get("columns", {})
    for key, value in raw["dialect"].items():
        assert getattr(spec.dialect, key) == value
    # the dialect is usable by the reader
    assert isinstance(spec.dialect.to_dialect(), CsvDialect)


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_profile_documents_every_indicator_it_fills(name: str) -> None:
    spec = load_profile(name)
    documented = {meta.id for meta in spec.indicators}
    assert set(spec.columns.values()) <= documented
    assert len(documented) == len(spec.indicators)  # no indicator described twice


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_profile_loads_by_path(name: str) -> None:
    assert load_profile(available_profiles()[name]) == load_profile(name)


def test_ewr_matrix_profile_details() -> None:
    spec = load_profile("ewr-matrix")
    assert (spec.layout, spec.unit_column, spec.date_column, spec.date_format) == ("wide", "RAUMID", "ZEIT", "YYYYMM")
    assert (spec.dialect.delimiter, spec.dialect.decimal, spec.dialect.thousands) == (";", ",", None)
    assert spec.rows_without_id == "skip"
    assert spec.columns["E_U1|E_EU1"] == "ewr_age_u1"


def test_lor_profiles_are_english_csv() -> None:
    for name in ("lor-population-t1", "lor-population-t2"):
        dialect = load_profile(name).dialect
        assert (dialect.delimiter, dialect.decimal, dialect.thousands) == (",", ".", None)


def test_long_profile() -> None:
    spec = load_profile("long")
    assert spec.layout == "long"
    assert (spec.unit_column, spec.date_column, spec.indicator_column, spec.value_column) == (
        "unit_id",
        "date",
        "indicator",
        "value",
    )
    assert spec.columns == {}


# -- wide columns ------------------------------------------------------------------------------


def _ewr_header(variant: str) -> list[str]:
    """Columns of an EWR file: every mapped source column, with the old (2013) or new (2014) names."""
    raw = _raw_profile("ewr-matrix")
    names = ["RAUMID", "BEZ", "PGR", "BZR", "PLR", "STADTRAUM", "ZEIT"]
    for source in raw["columns"]:
        options = source.split("|")
        names.append(options[0] if variant == "old" or len(options) == 1 else options[1])
    return names


@pytest.mark.parametrize(("variant", "expected_source"), [("old", "E_U1"), ("new", "E_EU1")], ids=["2013", "2014"])
def test_ewr_alternative_columns_resolve_to_whichever_exists(variant: str, expected_source: str) -> None:
    spec = load_profile("ewr-matrix")
    raw_columns = _raw_profile("ewr-matrix")["columns"]
    used, missing = spec.wide_columns(_ewr_header(variant))
    assert missing == []
    assert len(used) == len(raw_columns)
    assert used[expected_source] == "ewr_age_u1"
    other = "E_EU1" if expected_source == "E_U1" else "E_U1"
    assert other not in used
    assert used["E_E"] == "ewr_residents"
    # the geographic and date columns are no indicators
    assert not {"RAUMID", "ZEIT", "BEZ", "PLR"} & set(used)


def test_alternative_columns_when_both_exist_take_the_first() -> None:
    spec = ValueSpec(unit_column="RAUMID", columns={"E_U1|E_EU1": "ewr_age_u1"})
    assert spec.wide_columns(["RAUMID", "E_EU1", "E_U1"]) == ({"E_U1": "ewr_age_u1"}, [])


def test_alternatives_with_blanks_around_the_bar() -> None:
    spec = ValueSpec(columns={"E_U1 | E_EU1": "ewr_age_u1"})
    assert spec.wide_columns(["unit_id", "E_EU1"]) == ({"E_EU1": "ewr_age_u1"}, [])


def test_missing_required_columns_are_returned() -> None:
    spec = load_profile("ewr-matrix")
    raw_columns = _raw_profile("ewr-matrix")["columns"]
    used, missing = spec.wide_columns(["RAUMID", "ZEIT", "E_E", "E_EU1"])
    assert used == {"E_E": "ewr_residents", "E_EU1": "ewr_age_u1"}
    assert set(missing) == set(raw_columns) - {"E_E", "E_U1|E_EU1"}
    assert "E_EM" in missing
    assert "E_1U6|E_E1U6" in missing  # an alternative is reported as written in the profile


def test_wide_spec_without_columns_takes_all_other_columns_lower_cased() -> None:
    spec = ValueSpec(
        unit_column="RAUMID", date_column="ZEIT", scenario_column="Szenario", ignore_columns=["BEZ", "PLR"]
    )
    present = ["RAUMID", "BEZ", "ZEIT", "E_E", "Einwohner", "PLR", "Szenario", "anteil_65"]
    used, missing = spec.wide_columns(present)
    assert used == {"E_E": "e_e", "Einwohner": "einwohner", "anteil_65": "anteil_65"}
    assert list(used) == ["E_E", "Einwohner", "anteil_65"]  # file order
    assert missing == []


# -- validation ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"layout": "long", "indicator_column": "indicator"}, "indicator_column and value_column"),
        ({"layout": "long", "value_column": "value"}, "indicator_column and value_column"),
        (
            {"layout": "long", "indicator_column": "i", "value_column": "v", "columns": {"A": "a"}},
            "columns only apply",
        ),
        ({"value_column": "value"}, "only apply to the long layout"),
        ({"status_column": "status"}, "only apply to the long layout"),
        ({"date": date(2020, 12, 31), "date_column": "ZEIT"}, "either a fixed date or a date column"),
        ({"columns": {"E_E": "E-E"}}, "indicator id 'E-E'"),
        ({"columns": {"E_E": "1residents"}}, "indicator id '1residents'"),
        ({"columns": {"E_E": "residents\n"}}, "indicator id 'residents\\\\n'"),
        ({"layout": "long", "indicator_column": "i", "value_column": "v", "indicator_map": {"X": "Bad"}}, "'Bad'"),
        ({"date_format": "DD/MM/YYYY"}, "date_format must be one of"),
        ({"level": "Planungsraum"}, "level"),
        ({"layout": "matrix"}, "layout"),
        ({"unknown_field": 1}, "unknown_field"),
        ({"dialect": {"decimal": ";"}}, "decimal"),
        ({"dialect": {"header_row": 0}}, "header_row"),
    ],
    ids=[
        "long-without-value-column",
        "long-without-indicator-column",
        "long-with-columns",
        "wide-with-value-column",
        "wide-with-status-column",
        "fixed-date-and-date-column",
        "bad-indicator-id-dash",
        "bad-indicator-id-digit",
        "bad-indicator-id-trailing-newline",
        "bad-indicator-map-target",
        "unknown-date-format",
        "bad-level",
        "unknown-layout",
        "extra-field",
        "bad-decimal",
        "header-row-0",
    ],
)
def test_invalid_specs_raise(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        ValueSpec(**fields)


def test_valid_minimal_specs() -> None:
    wide = ValueSpec()
    assert (wide.layout, wide.unit_column, wide.date_format, wide.scenario) == ("wide", "unit_id", "auto", "observed")
    long = ValueSpec(layout="long", indicator_column="indicator", value_column="value", date=date(2020, 12, 31))
    assert long.date == date(2020, 12, 31)


def test_specs_are_frozen() -> None:
    spec = ValueSpec()
    with pytest.raises(ValidationError):
        spec.unit_column = "x"  # type: ignore[misc]


def test_dialect_spec_to_dialect() -> None:
    spec = DialectSpec(delimiter=",", decimal=".", thousands=None, encoding="cp1252", header_row=3)
    dialect = spec.to_dialect()
    assert dialect == CsvDialect(delimiter=",", decimal=".", thousands=None, encoding="cp1252", header_row=3)


# -- overrides -----------------------------------------------------------------------------------


def test_with_overrides_ignores_none() -> None:
    spec = load_profile("ewr-matrix")
    same = spec.with_overrides(level=None, date=None, date_format=None, delimiter=None, encoding=None)
    assert same == spec


def test_with_overrides_sets_fields() -> None:
    spec = load_profile("ewr-matrix").with_overrides(level="planungsraum", date_format="auto")
    assert spec.level == "planungsraum"
    assert spec.date_format == "auto"
    assert spec.columns == load_profile("ewr-matrix").columns


def test_with_overrides_merges_dialect_fields() -> None:
    spec = load_profile("ewr-matrix").with_overrides(encoding="cp1252", header_row=2)
    assert spec.dialect.encoding == "cp1252"
    assert spec.dialect.header_row == 2
    # untouched dialect fields keep the profile's values
    assert (spec.dialect.delimiter, spec.dialect.decimal, spec.dialect.thousands) == (";", ",", None)


def test_with_overrides_empty_thousands_means_none() -> None:
    base = load_profile("long")
    assert base.dialect.thousands == "."
    spec = base.with_overrides(thousands="")
    assert spec.dialect.thousands is None
    assert spec.dialect.to_dialect().thousands is None


def test_with_overrides_sets_thousands() -> None:
    spec = load_profile("ewr-matrix").with_overrides(thousands=".")
    assert spec.dialect.thousands == "."


def test_with_overrides_columns_replace_and_indicator_map_merges() -> None:
    base = ValueSpec(
        layout="long", indicator_column="i", value_column="v", indicator_map={"EW": "residents", "M": "male"}
    )
    merged = base.with_overrides(indicator_map={"M": "men", "W": "women"})
    assert merged.indicator_map == {"EW": "residents", "M": "men", "W": "women"}
    wide = ValueSpec(columns={"A": "a", "B": "b"})
    replaced = wide.with_overrides(columns={"C": "c"})
    assert replaced.columns == {"C": "c"}


def test_with_overrides_invalid_result_is_definition_error() -> None:
    spec = load_profile("ewr-matrix")
    with pytest.raises(DefinitionError, match="invalid value import specification"):
        spec.with_overrides(date=date(2020, 12, 31))  # the profile already has a date column
    with pytest.raises(DefinitionError):
        spec.with_overrides(level="Kein Level")
    with pytest.raises(DefinitionError):
        spec.with_overrides(header_row=0)


def test_with_overrides_does_not_modify_the_original() -> None:
    spec = load_profile("long")
    spec.with_overrides(delimiter=",", level="bezirk")
    assert spec.dialect.delimiter == ";"
    assert spec.level is None


# -- loading -------------------------------------------------------------------------------------


def test_unknown_profile_lists_shipped_profiles() -> None:
    with pytest.raises(DefinitionError) as info:
        load_profile("ewr-matrix-1999")
    message = str(info.value)
    assert "ewr-matrix-1999" in message
    for name in SHIPPED:
        assert name in message
    assert isinstance(info.value, InvalidInput)


def test_profile_yaml_from_tmp_path(tmp_path: Path) -> None:
    path = tmp_path / "mein-profil.yaml"
    path.write_text(
        "id: mein-profil\n"
        "layout: wide\n"
        "unit_column: Gebiet\n"
        "date_column: Jahr\n"
        "date_format: YYYY\n"
        "dialect:\n"
        "  delimiter: ';'\n"
        "  encoding: cp1252\n"
        "  header_row: 3\n"
        "columns:\n"
        "  Einwohner: einwohner\n"
        "  Alter 65+|Alter 65 und älter: einwohner_65plus\n",
        encoding="utf-8",
    )
    for given in (path, str(path)):
        spec = load_profile(given)
        assert spec.id == "mein-profil"
        assert (spec.unit_column, spec.date_column, spec.date_format) == ("Gebiet", "Jahr", "YYYY")
        assert (spec.dialect.delimiter, spec.dialect.encoding, spec.dialect.header_row) == (";", "cp1252", 3)
        assert spec.dialect.decimal == ","  # default
        assert spec.wide_columns(["Gebiet", "Jahr", "Einwohner", "Alter 65 und älter"]) == (
            {"Einwohner": "einwohner", "Alter 65 und älter": "einwohner_65plus"},
            [],
        )


def test_invalid_profile_yaml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "kaputt.yaml"
    path.write_text("layout: long\nindicator_column: i\n", encoding="utf-8")
    with pytest.raises(DefinitionError, match=r"kaputt\.yaml"):
        load_profile(path)


def test_unparsable_profile_yaml(tmp_path: Path) -> None:
    path = tmp_path / "syntax.yaml"
    path.write_text("columns: [unclosed\n", encoding="utf-8")
    with pytest.raises(DefinitionError, match="cannot read profile"):
        load_profile(path)
