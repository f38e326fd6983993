"""Composite indices and what-if comparisons ("Was-wäre-wenn") over spatial units.

A :class:`CompositeSpec` combines several indicators into one score per unit:

1. **Orientation.** Components with ``polarity="higher_is_worse"`` are negated before
   normalisation, so that in every ``norm_<indicator>`` column and in the score *higher is
   better*. (For ``minmax`` this gives ``1 - minmax(x)``, for ``rank`` ``n + 1 - rank(x)``.)
2. **Normalisation**, per component over all units that have a value for it:

   * ``zscore``: ``(x - mean) / sd`` with the population standard deviation (``ddof=0``);
   * ``zscore_weighted``: the same with mean and sd weighted by a population indicator
     (``spec.population``), so that large units count more; with equal populations it equals
     ``zscore``. Units without a population value still get a z-score but do not shape the
     mean and sd;
   * ``minmax``: ``(x - min) / (max - min)`` in ``[0, 1]``;
   * ``rank``: the ascending rank ``1 … n`` (ties get the average rank).

   A component without spread (all values equal) normalises to its neutral value: 0 for the
   z-scores, 0.5 for ``minmax``, the average rank for ``rank``; a note says so.
3. **Combination** with the weights ``w``:

   * ``weighted_sum``: ``Σ w·v`` (not divided by the weights);
   * ``weighted_mean``: ``Σ w·v / Σ w``;
   * ``geometric_mean``: ``exp(Σ w·ln p / Σ w)`` of positive values ``p``. Normalised values
     can be zero or negative, so each component is first *shifted* so that its smallest value
     (over the units with a value) becomes 1: ``p = v - min(v) + 1``. The shift keeps the
     differences in normalised units and needs no arbitrary upper bound; the weakest unit of
     a component contributes the factor 1. ``minmax`` values become ``[1, 2]``, z-scores
     ``[1, 1 + range in sd]``, ranks ``[1, n]`` — the wider the range, the less a strong
     component compensates a weak one;
   * ``minimum``: the smallest normalised component (the weakest link); weights are ignored.
4. **Standardisation** (``standardise=True``): the combined score is z-standardised (``ddof=0``).
5. **Missing values.** ``missing="drop"``: a unit missing any component gets no score and the
   status ``"missing"``. ``missing="skip_component"``: the score uses the available
   components, the weights renormalised over them (for ``weighted_sum`` the sum is scaled by
   ``Σ w_all / Σ w_available`` so that it stays on the scale of a complete unit); only a unit
   with no component at all is missing.
6. **Rank** 1 is the highest score; scores that agree to within ``1e-10`` of the largest
   absolute score tie and share the smallest rank; missing scores have no rank.
7. **Classes** (``spec.classes``): the scores are classified with
   :func:`ortswissen.analysis.classify.classify`; class 0 holds the lowest scores.

The result frame carries ``attrs["notes"]`` (list of str) and ``attrs["classification"]``
(the classification as a dict, or ``None``).

Examples
--------
>>> import pandas as pd
>>> values = pd.DataFrame({"income": [1.0, 2.0, 3.0], "unemployment": [3.0, 2.0, 1.0]}, index=["a", "b", "c"])
>>> spec = CompositeSpec(
...     components=[
...         CompositeComponent(indicator="income"),
...         CompositeComponent(indicator="unemployment", polarity="higher_is_worse"),
...     ],
...     normalisation="minmax",
... )
>>> result = compute_composite(values, spec)
>>> result[["score", "rank", "status"]]
   score  rank status
a    0.0   3.0     ok
b    0.5   2.0     ok
c    1.0   1.0     ok
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ortswissen.analysis.classify import MAX_CLASSES, ClassMethod, _as_values, check_breaks, classify
from ortswissen.errors import DefinitionError, InvalidInput

__all__ = [
    "CompositeClasses",
    "CompositeComponent",
    "CompositeSpec",
    "compare_with_baseline",
    "compute_composite",
    "what_if",
]

Normalisation = Literal["zscore", "zscore_weighted", "minmax", "rank"]
Combination = Literal["weighted_sum", "weighted_mean", "geometric_mean", "minimum"]
_TIE_TOLERANCE = 1e-10


class CompositeComponent(BaseModel):
    """One indicator in a composite index.

    Examples
    --------
    >>> CompositeComponent(indicator="arbeitslosenquote", weight=2, polarity="higher_is_worse")
    CompositeComponent(indicator='arbeitslosenquote', weight=2.0, polarity='higher_is_worse')
    >>> CompositeComponent(indicator="x", weight=-1)
    Traceback (most recent call last):
    ...
    pydantic_core._pydantic_core.ValidationError: 1 validation error for CompositeComponent
    weight
      Input should be greater than 0 ...
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    indicator: str = Field(min_length=1, description="Indicator id; a column of the values frame.")
    weight: Annotated[float, Field(strict=True, gt=0, allow_inf_nan=False)] = Field(
        1.0, description="Positive, finite weight (a number, not text)."
    )
    polarity: Literal["higher_is_better", "higher_is_worse"] = Field(
        "higher_is_better", description="Whether a higher value of the indicator is better or worse."
    )


class CompositeClasses(BaseModel):
    """How to classify the composite score: ``{method, k[, breaks]}`` or ``{thresholds}``.

    Examples
    --------
    >>> CompositeClasses(method="quantiles", k=4).method
    'quantiles'
    >>> CompositeClasses(thresholds=[0.0]).thresholds
    [0.0]
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    method: ClassMethod | None = Field(None, description="Classification method as in classify().")
    k: Annotated[int, Field(strict=True, ge=1, le=MAX_CLASSES)] = 5
    breaks: list[float] | None = Field(None, description="Upper bounds (manual) or thresholds (threshold).")
    thresholds: list[float] | None = Field(None, description="Shorthand for method 'threshold' with these breaks.")

    @model_validator(mode="after")
    def _check(self) -> CompositeClasses:
        if (self.method is None) == (self.thresholds is None):
            raise ValueError("classes: give either 'method' (with 'k' or 'breaks') or 'thresholds'")
        if self.thresholds is not None:
            if self.breaks is not None:
                raise ValueError("classes: 'breaks' cannot be combined with 'thresholds'")
            check_breaks(self.thresholds, "classes.thresholds")
        elif self.method in ("manual", "threshold"):
            if self.breaks is None:
                raise ValueError(f"classes: method {self.method!r} needs 'breaks'")
            check_breaks(self.breaks, "classes.breaks")
        elif self.breaks is not None:
            raise ValueError(f"classes: method {self.method!r} computes its own breaks; 'breaks' is not allowed")
        return self


class CompositeSpec(BaseModel):
    """The definition of a composite index (see the module docstring).

    Examples
    --------
    >>> spec = CompositeSpec(components=[{"indicator": "a"}, {"indicator": "b", "weight": 2}])
    >>> spec.normalisation, spec.combination, spec.missing
    ('zscore', 'weighted_mean', 'drop')
    >>> CompositeSpec(components=[{"indicator": "a"}], normalisation="zscore_weighted")
    Traceback (most recent call last):
    ...
    pydantic_core._pydantic_core.ValidationError: 1 validation error for CompositeSpec
      Value error, population: normalisation 'zscore_weighted' needs a population indicator ...
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    components: list[CompositeComponent] = Field(min_length=1, description="The indicators, each used once.")
    normalisation: Normalisation = "zscore"
    population: str | None = Field(
        None, min_length=1, description="Population indicator weighting mean and sd for 'zscore_weighted'."
    )
    combination: Combination = "weighted_mean"
    standardise: bool = Field(False, description="z-standardise the combined score.")
    classes: CompositeClasses | None = None
    missing: Literal["drop", "skip_component"] = Field(
        "drop", description="'drop': a unit missing any component gets no score; 'skip_component': use the others."
    )

    @model_validator(mode="after")
    def _check(self) -> CompositeSpec:
        seen: set[str] = set()
        for component in self.components:
            if component.indicator in seen:
                raise ValueError(f"components: indicator {component.indicator!r} is listed more than once")
            seen.add(component.indicator)
        if self.normalisation == "zscore_weighted" and self.population is None:
            raise ValueError("population: normalisation 'zscore_weighted' needs a population indicator")
        return self


def compute_composite(
    values: pd.DataFrame,
    spec: CompositeSpec | Mapping[str, Any],
    population: pd.Series | None = None,
) -> pd.DataFrame:
    """Compute a composite index per unit.

    Parameters
    ----------
    values : pandas.DataFrame
        Indexed by unit id (unique), one column per component indicator; NaN is missing.
    spec : CompositeSpec or mapping
        The definition; a mapping is validated into a :class:`CompositeSpec`.
    population : pandas.Series, optional
        Population per unit id for ``zscore_weighted``; defaults to the column
        ``spec.population`` of ``values``. Ignored by the other normalisations.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``values``: ``score`` (float), ``rank`` (float, 1 = highest score,
        ties share the smallest rank, NaN when missing), ``class`` (nullable ``Int64``),
        ``status`` (``"ok"`` or ``"missing"``) and ``norm_<indicator>`` per component.

    Raises
    ------
    InvalidInput
        For a missing column, a duplicated unit id, non-numeric or infinite values, or a bad
        population.
    DefinitionError
        For a mapping ``spec`` that is not a valid :class:`CompositeSpec`.

    Examples
    --------
    >>> import pandas as pd
    >>> values = pd.DataFrame({"a": [1.0, 2.0, 3.0, None]}, index=["u1", "u2", "u3", "u4"])
    >>> compute_composite(values, {"components": [{"indicator": "a"}], "combination": "weighted_sum"})
           score  rank  class   status    norm_a
    u1 -1.224745   3.0   <NA>       ok -1.224745
    u2  0.000000   2.0   <NA>       ok  0.000000
    u3  1.224745   1.0   <NA>       ok  1.224745
    u4       NaN   NaN   <NA>  missing       NaN
    """
    spec = _as_spec(spec)
    if not isinstance(values, pd.DataFrame):
        raise InvalidInput(f"values: expected a pandas DataFrame, got {type(values).__name__}")
    if not values.index.is_unique:
        duplicated = values.index[values.index.duplicated()].unique().tolist()
        raise InvalidInput(f"values: unit ids must be unique; duplicated: {duplicated[:5]!r}")
    notes: list[str] = []
    indicators = [c.indicator for c in spec.components]
    raw = np.column_stack([_column(values, name) for name in indicators])
    weights_for_stats = None
    if spec.normalisation == "zscore_weighted":
        weights_for_stats = _population(values, spec, population)

    normalised = np.empty_like(raw)
    for j, component in enumerate(spec.components):
        oriented = raw[:, j] if component.polarity == "higher_is_better" else -raw[:, j]
        normalised[:, j] = _normalise(oriented, spec.normalisation, weights_for_stats, component.indicator, notes)

    score = _combine(normalised, spec, notes)
    scored = ~np.isnan(score)
    if spec.standardise and scored.any():
        score[scored] = _zscore(score[scored], None, "score", notes)

    result = pd.DataFrame(index=values.index.copy())
    result["score"] = score
    result["rank"] = _rank_descending(score)
    result["class"] = pd.array([pd.NA] * len(score), dtype="Int64")
    classification = None
    if spec.classes is not None:
        c = spec.classes
        method = "threshold" if c.thresholds is not None else c.method
        breaks = c.thresholds if c.thresholds is not None else c.breaks
        classification = classify(score, method, c.k, breaks=breaks)  # type: ignore[arg-type]
        result["class"] = pd.array(classification.classes, dtype="Int64")
        notes.extend(f"classes: {note}" for note in classification.notes)
    result["status"] = np.where(scored, "ok", "missing").tolist()
    for j, name in enumerate(indicators):
        result[f"norm_{name}"] = normalised[:, j]
    result.attrs["notes"] = notes
    result.attrs["classification"] = None if classification is None else classification.to_dict()
    return result


def compare_with_baseline(current: pd.DataFrame, baseline: pd.DataFrame) -> pd.DataFrame:
    """Compare a composite result with a baseline (e.g. a what-if scenario with the status quo).

    Units of either frame are kept (current's order first); a unit missing on one side has no
    changes.

    Returns
    -------
    pandas.DataFrame
        ``score``, ``baseline_score``, ``score_change`` (current − baseline), ``rank``,
        ``baseline_rank``, ``rank_change`` (baseline − current: positive means the unit moved
        up), ``class``, ``baseline_class``, ``class_change`` (current − baseline, ``Int64``).

    Examples
    --------
    >>> import pandas as pd
    >>> now = pd.DataFrame({"score": [2.0, 1.0], "rank": [1.0, 2.0], "class": [1, 0]}, index=["a", "b"])
    >>> before = pd.DataFrame({"score": [0.5, 1.5], "rank": [2.0, 1.0], "class": [0, 1]}, index=["a", "b"])
    >>> compare_with_baseline(now, before)[["score_change", "rank_change", "class_change"]]
       score_change  rank_change  class_change
    a           1.5          1.0             1
    b          -0.5         -1.0            -1
    """
    for name, frame in (("current", current), ("baseline", baseline)):
        if not isinstance(frame, pd.DataFrame):
            raise InvalidInput(f"{name}: expected a pandas DataFrame, got {type(frame).__name__}")
        absent = [col for col in ("score", "rank", "class") if col not in frame.columns]
        if absent:
            raise InvalidInput(f"{name}: missing column(s) {', '.join(absent)} (expected a compute_composite result)")
        if not frame.index.is_unique:
            raise InvalidInput(f"{name}: unit ids must be unique")
    index = current.index.union(baseline.index, sort=False)
    now, before = current.reindex(index), baseline.reindex(index)
    out = pd.DataFrame(index=index)
    out["score"] = now["score"].astype(float)
    out["baseline_score"] = before["score"].astype(float)
    out["score_change"] = out["score"] - out["baseline_score"]
    out["rank"] = now["rank"].astype(float)
    out["baseline_rank"] = before["rank"].astype(float)
    out["rank_change"] = out["baseline_rank"] - out["rank"]
    out["class"] = now["class"].astype("Int64")
    out["baseline_class"] = before["class"].astype("Int64")
    out["class_change"] = out["class"] - out["baseline_class"]
    return out


def what_if(
    values: pd.DataFrame,
    spec: CompositeSpec | Mapping[str, Any],
    changes: Mapping[Hashable, Mapping[str, float | None]],
    population: pd.Series | None = None,
) -> pd.DataFrame:
    """Was-wäre-wenn: change some values, recompute and compare with the unchanged index.

    ``changes`` maps unit id → {indicator: new value}; the comparison is
    :func:`compare_with_baseline` of the changed result against the original one. All units
    are renormalised, so a change in one unit can move others.

    Examples
    --------
    >>> import pandas as pd
    >>> values = pd.DataFrame({"a": [1.0, 2.0, 3.0]}, index=["u1", "u2", "u3"])
    >>> spec = {"components": [{"indicator": "a"}], "normalisation": "rank"}
    >>> what_if(values, spec, {"u1": {"a": 5.0}})[["score", "baseline_score", "rank_change"]]
        score  baseline_score  rank_change
    u1    3.0             1.0          2.0
    u2    1.0             2.0         -1.0
    u3    2.0             3.0         -1.0
    """
    spec = _as_spec(spec)
    changed = values.copy()
    known = {c.indicator for c in spec.components} | ({spec.population} if spec.population else set())
    for name in known & set(changed.columns):
        changed[name] = _as_values(changed[name], f"values[{name!r}]")  # float, so that any new value fits
    for unit, updates in changes.items():
        if unit not in changed.index:
            raise InvalidInput(f"changes: unknown unit {unit!r}")
        for indicator, value in updates.items():
            if indicator not in known or indicator not in changed.columns:
                raise InvalidInput(f"changes: indicator {indicator!r} is not a column used by the composite")
            changed.loc[unit, indicator] = math.nan if value is None else value
    return compare_with_baseline(
        compute_composite(changed, spec, population), compute_composite(values, spec, population)
    )


# -- internals -----------------------------------------------------------------------------------


def _as_spec(spec: CompositeSpec | Mapping[str, Any]) -> CompositeSpec:
    if isinstance(spec, CompositeSpec):
        return spec
    if not isinstance(spec, Mapping):
        raise DefinitionError(f"spec: expected a CompositeSpec or a mapping, got {type(spec).__name__}")
    try:
        return CompositeSpec.model_validate(dict(spec))
    except ValidationError as exc:
        raise DefinitionError(f"spec: invalid composite definition: {exc}") from exc


def _column(values: pd.DataFrame, name: str) -> np.ndarray:
    if name not in values.columns:
        raise InvalidInput(f"values: no column for component indicator {name!r}")
    return _as_values(values[name], f"values[{name!r}]")


def _population(values: pd.DataFrame, spec: CompositeSpec, population: pd.Series | None) -> np.ndarray:
    if population is None:
        if spec.population is None or spec.population not in values.columns:
            raise InvalidInput(
                f"population: normalisation 'zscore_weighted' needs population values "
                f"(a Series or a column {spec.population!r} in values)"
            )
        population = values[spec.population]
    if not isinstance(population, pd.Series):
        raise InvalidInput(f"population: expected a pandas Series, got {type(population).__name__}")
    if not population.index.is_unique:
        raise InvalidInput("population: unit ids must be unique")
    pop = _as_values(population.reindex(values.index), "population")
    if (pop < 0).any():
        raise InvalidInput(f"population: negative value for unit {values.index[int(np.flatnonzero(pop < 0)[0])]!r}")
    return pop


def _normalise(x: np.ndarray, method: str, population: np.ndarray | None, name: str, notes: list[str]) -> np.ndarray:
    out = np.full(x.shape, math.nan)
    present = ~np.isnan(x)
    if not present.any():
        notes.append(f"{name}: no values")
        return out
    v = x[present]
    if method in ("zscore", "zscore_weighted"):
        out[present] = _zscore(v, None if population is None else population[present], name, notes)
    elif method == "minmax":
        low, high = float(v.min()), float(v.max())
        if high == low:
            notes.append(f"{name}: all values are equal; normalised to 0.5")
            out[present] = 0.5
        else:
            out[present] = (v - low) / (high - low)
    else:  # rank
        out[present] = pd.Series(v).rank(method="average").to_numpy(dtype=float)
        if np.unique(v).size == 1:
            notes.append(f"{name}: all values are equal; they share the average rank")
    return out


def _zscore(v: np.ndarray, population: np.ndarray | None, name: str, notes: list[str]) -> np.ndarray:
    """z-scores with ddof=0, weighted by ``population`` where given (NaN weights are left out)."""
    if population is None:
        mean = float(v.mean())
        sd = math.sqrt(float(np.mean((v - mean) ** 2)))
    else:
        usable = ~np.isnan(population)
        w, vw = population[usable], v[usable]
        total = float(w.sum())
        if total <= 0:
            raise InvalidInput(f"population: no positive population among the units with a value for {name!r}")
        mean = float(np.dot(w, vw) / total)
        sd = math.sqrt(float(np.dot(w, (vw - mean) ** 2) / total))
        if not usable.all():
            notes.append(f"{name}: {int((~usable).sum())} unit(s) without population left out of mean and sd")
    if sd <= 1e-12 * float(np.abs(v).max()):  # no spread beyond rounding noise
        notes.append(f"{name}: all values are equal; z-scores set to 0")
        return np.zeros_like(v)
    return (v - mean) / sd


def _combine(norm: np.ndarray, spec: CompositeSpec, notes: list[str]) -> np.ndarray:
    n_units = norm.shape[0]
    weights = np.array([c.weight for c in spec.components], dtype=float)
    available = ~np.isnan(norm)
    rows = available.all(axis=1) if spec.missing == "drop" else available.any(axis=1)
    score = np.full(n_units, math.nan)
    if not rows.any():
        return score
    avail = available[rows]
    w = np.where(avail, weights, 0.0)
    w_total = w.sum(axis=1)
    if spec.combination == "minimum":
        if np.unique(weights).size > 1:
            notes.append("combination 'minimum' ignores the weights")
        score[rows] = np.where(avail, norm[rows], np.inf).min(axis=1)
        return score
    if spec.combination == "geometric_mean":
        lowest = np.array([col[~np.isnan(col)].min() if (~np.isnan(col)).any() else 0.0 for col in norm.T])
        shifted = norm[rows] - lowest + 1.0
        logs = np.where(avail, np.log(np.where(avail, shifted, 1.0)), 0.0)
        score[rows] = np.exp((w * logs).sum(axis=1) / w_total)
        return score
    weighted = np.where(avail, norm[rows], 0.0) * w
    total = weighted.sum(axis=1)
    if spec.combination == "weighted_mean":
        score[rows] = total / w_total
    else:  # weighted_sum, rescaled to the full weight where components were skipped
        score[rows] = total * (weights.sum() / w_total)
    return score


def _rank_descending(score: np.ndarray) -> np.ndarray:
    """1 = highest; scores within the tie tolerance share the smallest rank; NaN stays NaN."""
    ranks = np.full(score.shape, math.nan)
    present = ~np.isnan(score)
    s = score[present]
    if not s.size:
        return ranks
    order = np.argsort(-s, kind="stable")
    ordered = s[order]
    tolerance = _TIE_TOLERANCE * float(np.abs(s).max())
    new_group = np.concatenate(([True], (ordered[:-1] - ordered[1:]) > tolerance))
    start = np.maximum.accumulate(np.where(new_group, np.arange(s.size), 0))
    sorted_ranks = np.empty(s.size)
    sorted_ranks[order] = start + 1.0
    ranks[present] = sorted_ranks
    return ranks
