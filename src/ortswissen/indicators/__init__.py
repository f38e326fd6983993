"""Indicators: metadata with aggregation rules, value statuses and scenarios.

Part of the pure core. The computation engine (formula templates, dependency graph,
classification, analysis) builds on these definitions.
"""

from ortswissen.indicators._model import (
    Aggregation,
    AggregationRule,
    ClassificationDefaults,
    IndicatorKind,
    IndicatorMeta,
    Polarity,
    UpdateInterval,
    Visibility,
)
from ortswissen.indicators._values import OBSERVED, ValueStatus

__all__ = [
    "OBSERVED",
    "Aggregation",
    "AggregationRule",
    "ClassificationDefaults",
    "IndicatorKind",
    "IndicatorMeta",
    "Polarity",
    "UpdateInterval",
    "ValueStatus",
    "Visibility",
]
