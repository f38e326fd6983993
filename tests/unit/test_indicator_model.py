"""Unit tests of indicator metadata (``ortswissen.indicators._model`` and ``_values``).

Covers the defaults of :class:`IndicatorMeta`, the consistency rules between the kind of an
indicator and its aggregation rule, the rules of :class:`AggregationRule` and
:class:`ClassificationDefaults`, ``negative_allowed``, ``title()``, the JSON schema, a JSON round
trip, and :attr:`ValueStatus.has_number`.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from ortswissen.indicators import (
    OBSERVED,
    Aggregation,
    AggregationRule,
    ClassificationDefaults,
    IndicatorKind,
    IndicatorMeta,
    Polarity,
    UpdateInterval,
    ValueStatus,
    Visibility,
)


def _meta(**kwargs: Any) -> IndicatorMeta:
    base: dict[str, Any] = {"id": "ew_insgesamt", "title_de": "Einwohner insgesamt", "title_en": "Residents, total"}
    return IndicatorMeta(**{**base, **kwargs})


_RATIO = {"method": "ratio", "numerator": "ew_u6", "denominator": "ew_insgesamt", "scale": 100}

# -- defaults ---------------------------------------------------------------------------------


def test_defaults() -> None:
    meta = _meta()
    assert meta.kind == IndicatorKind.COUNT
    assert meta.aggregation == AggregationRule(method=Aggregation.SUM)
    assert meta.aggregation.scale == 1.0
    assert meta.aggregation.inputs() == []
    assert meta.polarity == Polarity.NEUTRAL
    assert meta.update_interval == UpdateInterval.ARBITRARY
    assert meta.visibility == Visibility.PUBLIC
    assert meta.decimals == 0
    assert meta.allow_negative is None
    assert meta.classification == ClassificationDefaults(method="quantiles", classes=5, palette="YlOrRd")
    assert meta.tags == ()
    assert meta.owner == "default"
    assert meta.computation is None
    assert meta.unit_de == meta.source == meta.licence == ""


def test_titles_are_stripped() -> None:
    meta = _meta(title_de="  Einwohner ", title_en="\tResidents\n")
    assert (meta.title_de, meta.title_en) == ("Einwohner", "Residents")


@pytest.mark.parametrize("field", ["title_de", "title_en"])
@pytest.mark.parametrize("blank", ["", "   "], ids=["empty", "spaces"])
def test_blank_titles_are_rejected(field: str, blank: str) -> None:
    with pytest.raises(ValidationError, match=field):
        _meta(**{field: blank})


@pytest.mark.parametrize(
    "bad_id",
    ["Ew", "1ew", "ew insgesamt", "ew-insgesamt", "", "ew\n"],
    ids=["upper", "digit", "space", "hyphen", "empty", "newline"],
)
def test_invalid_indicator_ids_are_rejected(bad_id: str) -> None:
    with pytest.raises(ValidationError, match="id"):
        _meta(id=bad_id)


@pytest.mark.parametrize(
    ("field", "value"),
    [("unknown_field", 1), ("decimals", 7), ("decimals", -1), ("kind", "percentage"), ("visibility", "secret")],
    ids=["extra-field", "too-many-decimals", "negative-decimals", "unknown-kind", "unknown-visibility"],
)
def test_invalid_fields_are_rejected(field: str, value: object) -> None:
    with pytest.raises(ValidationError):
        _meta(**{field: value})


def test_meta_is_frozen() -> None:
    meta = _meta()
    with pytest.raises(ValidationError):
        meta.title_de = "x"  # type: ignore[misc]


# -- kind versus aggregation ------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["share", "rate", "density"])
@pytest.mark.parametrize(
    "aggregation",
    [{"method": "sum"}, {"method": "weighted_mean", "weight": "ew_insgesamt"}],
    ids=["sum", "weighted-mean"],
)
def test_shares_rates_densities_refuse_sum_and_weighted_mean(kind: str, aggregation: dict[str, Any]) -> None:
    with pytest.raises(ValidationError, match=f"is a {kind}; {kind}s aggregate as the ratio of two counts"):
        _meta(id="anteil", kind=kind, aggregation=aggregation)


@pytest.mark.parametrize("kind", ["share", "rate", "density"])
def test_shares_rates_densities_need_the_default_sum_replaced(kind: str) -> None:
    # the default aggregation is sum, so such an indicator without a rule is refused as well
    with pytest.raises(ValidationError, match="ratio"):
        _meta(id="anteil", kind=kind)


@pytest.mark.parametrize("kind", ["share", "rate", "density"])
@pytest.mark.parametrize(
    "aggregation",
    [_RATIO, {"method": "none"}, {"method": "max"}, {"method": "min"}],
    ids=["ratio", "none", "max", "min"],
)
def test_shares_rates_densities_accept_other_methods(kind: str, aggregation: dict[str, Any]) -> None:
    meta = _meta(id="anteil_u6", kind=kind, aggregation=aggregation)
    assert meta.aggregation.method == Aggregation(aggregation["method"])


@pytest.mark.parametrize(
    "aggregation",
    [_RATIO, {"method": "min"}, {"method": "max"}, {"method": "weighted_mean", "weight": "flaeche"}],
    ids=["ratio", "min", "max", "weighted-mean"],
)
def test_counts_refuse_anything_but_sum_or_none(aggregation: dict[str, Any]) -> None:
    with pytest.raises(ValidationError, match="is a count; counts aggregate by 'sum'"):
        _meta(id="kitas", kind="count", aggregation=aggregation)


@pytest.mark.parametrize("method", ["sum", "none"])
def test_counts_accept_sum_and_none(method: str) -> None:
    assert _meta(kind="count", aggregation={"method": method}).aggregation.method == method


@pytest.mark.parametrize(
    ("kind", "aggregation"),
    [
        ("amount", {"method": "sum"}),
        ("amount", {"method": "max"}),
        ("mean", {"method": "weighted_mean", "weight": "ew_insgesamt"}),
        ("mean", {"method": "none"}),
        ("index", {"method": "none"}),
        ("change", {"method": "sum"}),
        ("other", _RATIO),
    ],
    ids=["amount-sum", "amount-max", "mean-weighted", "mean-none", "index-none", "change-sum", "other-ratio"],
)
def test_other_kinds_accept_their_rules(kind: str, aggregation: dict[str, Any]) -> None:
    meta = _meta(id="wert", kind=kind, aggregation=aggregation)
    assert meta.kind == kind


# -- AggregationRule --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "parts",
    [{}, {"numerator": "ew_u6"}, {"denominator": "ew_insgesamt"}],
    ids=["neither", "numerator-only", "denominator-only"],
)
def test_ratio_needs_numerator_and_denominator(parts: dict[str, str]) -> None:
    with pytest.raises(ValidationError, match="needs a numerator and a denominator"):
        AggregationRule(method="ratio", **parts)


def test_ratio_inputs() -> None:
    rule = AggregationRule(**_RATIO)
    assert rule.inputs() == ["ew_u6", "ew_insgesamt"]
    assert rule.scale == 100


def test_weighted_mean_needs_weight() -> None:
    with pytest.raises(ValidationError, match="needs a weight indicator"):
        AggregationRule(method="weighted_mean")


def test_weighted_mean_inputs() -> None:
    assert AggregationRule(method="weighted_mean", weight="ew_insgesamt").inputs() == ["ew_insgesamt"]


@pytest.mark.parametrize(
    ("method", "parts", "pattern"),
    [
        ("sum", {"numerator": "a"}, "numerator/denominator only apply to 'ratio', not 'sum'"),
        ("max", {"denominator": "a"}, "numerator/denominator only apply to 'ratio', not 'max'"),
        ("weighted_mean", {"weight": "w", "numerator": "a"}, "only apply to 'ratio'"),
        ("sum", {"weight": "w"}, "weight only applies to 'weighted_mean', not 'sum'"),
        ("ratio", {"numerator": "a", "denominator": "b", "weight": "w"}, "weight only applies to 'weighted_mean'"),
    ],
    ids=["numerator-on-sum", "denominator-on-max", "numerator-on-weighted-mean", "weight-on-sum", "weight-on-ratio"],
)
def test_parts_only_for_their_method(method: str, parts: dict[str, str], pattern: str) -> None:
    with pytest.raises(ValidationError, match=pattern):
        AggregationRule(method=method, **parts)


@pytest.mark.parametrize("scale", [0, -100], ids=["zero", "negative"])
def test_scale_must_be_positive(scale: float) -> None:
    with pytest.raises(ValidationError, match="scale"):
        AggregationRule(**{**_RATIO, "scale": scale})


def test_rule_parts_must_be_ids() -> None:
    with pytest.raises(ValidationError, match="numerator"):
        AggregationRule(method="ratio", numerator="EW U6", denominator="ew_insgesamt")


@pytest.mark.parametrize("part", ["numerator", "denominator"])
def test_indicator_cannot_be_its_own_numerator_or_denominator(part: str) -> None:
    rule = {**_RATIO, part: "anteil_u6"}
    with pytest.raises(ValidationError, match="'anteil_u6' cannot be its own numerator or denominator"):
        _meta(id="anteil_u6", kind="share", aggregation=rule)


# -- classification ---------------------------------------------------------------------------


def test_manual_classification_with_ascending_breaks() -> None:
    classification = ClassificationDefaults(method="manual", breaks=[0, 10, 20.5])
    assert classification.breaks == [0, 10, 20.5]


@pytest.mark.parametrize(
    ("breaks", "pattern"),
    [(None, "needs breaks"), ([], "needs breaks"), ([10, 5, 20], "ascending"), ([3, 2, 1], "ascending")],
    ids=["none", "empty", "unsorted", "descending"],
)
def test_manual_classification_needs_ascending_breaks(breaks: list[float] | None, pattern: str) -> None:
    with pytest.raises(ValidationError, match=pattern):
        ClassificationDefaults(method="manual", breaks=breaks)


@pytest.mark.parametrize("classes", [1, 10], ids=["too-few", "too-many"])
def test_classification_class_count_bounds(classes: int) -> None:
    with pytest.raises(ValidationError, match="classes"):
        ClassificationDefaults(classes=classes)


# -- negative_allowed -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "aggregation", "expected"),
    [
        ("count", {"method": "sum"}, False),
        ("amount", {"method": "sum"}, False),
        ("share", _RATIO, False),
        ("rate", _RATIO, False),
        ("density", _RATIO, False),
        ("mean", {"method": "none"}, True),
        ("index", {"method": "none"}, True),
        ("change", {"method": "sum"}, True),
        ("other", {"method": "none"}, True),
    ],
    ids=["count", "amount", "share", "rate", "density", "mean", "index", "change", "other"],
)
def test_negative_allowed_by_kind(kind: str, aggregation: dict[str, Any], expected: bool) -> None:
    assert _meta(id="wert", kind=kind, aggregation=aggregation).negative_allowed is expected


@pytest.mark.parametrize(
    ("kind", "aggregation", "allow"),
    [("count", {"method": "sum"}, True), ("change", {"method": "sum"}, False)],
    ids=["count-allowed", "change-forbidden"],
)
def test_allow_negative_overrides_the_kind(kind: str, aggregation: dict[str, Any], allow: bool) -> None:
    assert _meta(id="wert", kind=kind, aggregation=aggregation, allow_negative=allow).negative_allowed is allow


# -- title, schema, JSON ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "expected"),
    [("de", "Einwohner insgesamt"), ("en", "Residents, total"), ("fr", "Einwohner insgesamt")],
    ids=["german", "english", "other-falls-back-to-german"],
)
def test_title(language: str, expected: str) -> None:
    assert _meta().title(language) == expected


def test_title_defaults_to_german() -> None:
    assert _meta().title() == "Einwohner insgesamt"


def test_json_schema() -> None:
    schema = IndicatorMeta.json_schema()
    json.dumps(schema)  # serialisable
    assert schema["type"] == "object"
    assert {"id", "title_de", "title_en"} <= set(schema["required"])
    assert "aggregation" in schema["properties"]
    text = json.dumps(schema)
    assert "AggregationRule" in schema.get("$defs", {})
    rule = schema["$defs"]["AggregationRule"]
    assert {"method", "numerator", "denominator", "weight", "scale"} <= set(rule["properties"])
    assert "weighted_mean" in text
    assert "ratio" in text


def test_json_round_trip() -> None:
    meta = _meta(
        id="anteil_u6",
        title_de="Anteil unter 6",
        title_en="Share under 6",
        kind="share",
        aggregation=_RATIO,
        tags=("kinder", "demografie"),
        decimals=1,
        polarity="higher_is_better",
        classification={"method": "manual", "breaks": [0, 5, 10]},
        computation={"template": "percent", "part": "ew_u6", "whole": "ew_insgesamt"},
        update_interval="yearly",
        visibility="internal",
    )
    text = meta.model_dump_json()
    back = IndicatorMeta.model_validate_json(text)
    assert back == meta
    assert back.aggregation.inputs() == ["ew_u6", "ew_insgesamt"]
    assert back.tags == ("kinder", "demografie")
    data = json.loads(text)
    assert data["aggregation"]["method"] == "ratio"
    assert data["kind"] == "share"


def test_validate_json_applies_rules() -> None:
    text = json.dumps(
        {"id": "anteil", "title_de": "A", "title_en": "A", "kind": "share", "aggregation": {"method": "sum"}}
    )
    with pytest.raises(ValidationError, match="is a share"):
        IndicatorMeta.model_validate_json(text)


# -- ValueStatus ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "expected"),
    [("ok", True), ("estimated", True), ("projected", True), ("missing", False), ("suppressed", False)],
)
def test_value_status_has_number(status: str, expected: bool) -> None:
    assert ValueStatus(status).has_number is expected


def test_value_statuses_are_exactly_these() -> None:
    assert {s.value for s in ValueStatus} == {"ok", "missing", "suppressed", "estimated", "projected"}


def test_observed_scenario() -> None:
    assert OBSERVED == "observed"
