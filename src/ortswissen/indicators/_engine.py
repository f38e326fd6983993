"""The indicator engine: aggregation rules and templates compiled to Ibis expressions.

One backend-neutral program: the same expressions run on DuckDB (the embedded default),
PostgreSQL and Spark. The engine reads two tables the store provides,

* ``values``: ``indicator_id, level_id, unit_id, unit_valid_from, date, scenario, value,
  status, flag`` (the long value table; derived rows, flagged ``calc:``/``agg:``, are ignored),
* ``units``: ``level_id, unit_id, valid_from, valid_to, parent_id, area_m2``,

plus prepared tables for the spatial templates (features already assigned to units at
import), and returns derived rows of the same shape as ``values``.

Rules, the same for every template:

* **Status.** Each row carries a severity: ok < estimated < projected < missing < suppressed.
  A result takes the highest severity of its inputs; without a number in every input the
  value is missing (``null``), never 0. A ratio with a zero denominator is missing with the
  flag ``calc:zero_denominator``.
* **Aggregation** (imported indicators, up the nested levels): ``sum``/``min``/``max`` over
  the child units, ``weighted_mean`` by a weight indicator, ``ratio`` as the ratio of the
  aggregated numerator and denominator (a share is never averaged), ``none``: nothing. An
  upper unit is missing when a child valid on the date has no row or no number. Observed
  values on the upper level always win: a level and date with imported values is not
  overwritten. Values re-expressed on another Gebietsstand aggregate to that Gebietsstand.
* **Computed indicators** are computed on every level from that level's inputs, so a share
  of a district is the ratio of the district's summed counts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd
import pyarrow as pa

from ortswissen.errors import DefinitionError
from ortswissen.indicators._computation import (
    ChangeComputation,
    ChangeSinceComputation,
    CompositeComputation,
    DensityComputation,
    DifferenceComputation,
    FeatureStatComputation,
    LineLengthComputation,
    NearestDistanceComputation,
    PointCountComputation,
    ProductComputation,
    RatioComputation,
    SubsetShareComputation,
    SumComputation,
    TrendComputation,
)
from ortswissen.indicators._dag import DependencyGraph
from ortswissen.indicators._model import IndicatorMeta
from ortswissen.ports import VALUE_BATCH_SCHEMA

__all__ = [
    "DERIVED_FLAG_PREFIXES",
    "QUANTILE_FLAG",
    "RESULT_SCHEMA",
    "SEVERITY",
    "STATUS_OF_SEVERITY",
    "Engine",
    "LevelLink",
]

#: Severity of each status; a derived value takes the highest of its inputs.
SEVERITY: dict[str, int] = {"ok": 0, "estimated": 1, "projected": 2, "missing": 3, "suppressed": 4}
STATUS_OF_SEVERITY: dict[int, str] = {v: k for k, v in SEVERITY.items()}
_MISSING = SEVERITY["missing"]
#: Flags of rows the engine wrote (they are never inputs).
DERIVED_FLAG_PREFIXES = ("calc:", "agg:")
KEY = ("level_id", "unit_id", "unit_valid_from", "date", "scenario")
QUANTILE_FLAG = "quantile"
"""Flag of projected quantile rows (scenarios like ``medium_q10``), left out of every derivation."""
_ROW = (*KEY, "value", "sev", "flag")

#: The engine's result rows: a value batch without the source row (derived rows have none).
RESULT_SCHEMA = pa.schema([f for f in VALUE_BATCH_SCHEMA if f.name != "source_row"])


@dataclass(frozen=True)
class LevelLink:
    """A level and, when it nests into one, its parent level."""

    level_id: str
    parent_level_id: str | None


@dataclass(frozen=True)
class _Col:
    """One indicator as columns of the wide table: value, severity (null: no row) and flag."""

    v: Any
    s: Any
    f: Any = None


def _sev_of_status(status: ir.StringValue) -> ir.IntegerValue:
    cases = [(status == name, sev) for name, sev in SEVERITY.items()]
    return ibis.cases(*cases, else_=_MISSING).cast("int32")


def _status_of_sev(sev: ir.IntegerValue) -> ir.StringValue:
    return ibis.cases(*[(sev == v, ibis.literal(k)) for k, v in SEVERITY.items()], else_="missing")


def _gated_value(ok: ir.BooleanValue, value: ir.NumericValue) -> ir.FloatingValue:
    """``value`` where ``ok``, else missing (null)."""
    return ibis.cases((ok, value), else_=ibis.null("float64")).cast("float64")


def _gated_sev(ok: ir.BooleanValue, sev: ir.IntegerValue) -> ir.IntegerValue:
    """The input severity where ``ok``, else at least "missing"."""
    return ibis.cases((ok, sev), else_=_greatest(sev, ibis.literal(_MISSING))).cast("int32")


def _greatest(*values: ir.IntegerValue) -> ir.IntegerValue:
    out = values[0]
    for value in values[1:]:
        out = ibis.cases((value > out, value), else_=out)
    return out


def _present(sev: ir.IntegerValue, expr: ir.IntegerValue) -> ir.IntegerValue:
    """``expr`` where the input has a row (``sev`` not null), else null: no row."""
    return ibis.cases((sev.notnull(), expr), else_=ibis.null("int32")).cast("int32")


def _combine(inputs: Sequence[_Col], formula: Any, *, zero_guard: int | None = None) -> _Col:
    """A row-wise template: a row where any input has one; a value where all inputs have numbers.

    ``zero_guard``: the position of a denominator; where it is 0 the value is missing.
    """
    exists = ibis.or_(*[c.s.notnull() for c in inputs])
    have_all = ibis.and_(*[c.v.notnull() for c in inputs])
    zero = inputs[zero_guard].v == 0 if zero_guard is not None else ibis.literal(False)
    ok = have_all & ~zero
    sev = _greatest(*[c.s.fill_null(-1) for c in inputs])
    return _Col(
        _gated_value(ok, formula([c.v for c in inputs])),
        ibis.cases((exists, _gated_sev(ok, sev)), else_=ibis.null("int32")).cast("int32"),
        ibis.cases((have_all & zero, ibis.literal("calc:zero_denominator")), else_=ibis.null("string")),
    )


def _needs_index(c: Any) -> bool:
    """Whether a template reads its input by date position (change over periods, trend, continuity)."""
    return (isinstance(c, ChangeComputation) and c.periods is not None) or isinstance(c, TrendComputation)


_LEAF_TYPES = (
    PointCountComputation,
    FeatureStatComputation,
    SubsetShareComputation,
    LineLengthComputation,
    NearestDistanceComputation,
)


class Engine:
    """Derives the values of computed indicators and of aggregated levels.

    Parameters
    ----------
    backend
        An Ibis backend that holds ``values`` and ``units``.
    values, units
        The input tables (see the module docstring for their columns).
    metas
        All indicator definitions (imported and computed).
    levels
        The levels with their parent level (nested levels only aggregate upwards).
    prepared
        Spatial preparations per computed indicator id, from the service: for
        ``point_count``/``feature_stat``/``subset_share``/``line_length`` a frame with
        ``level_id, unit_id, unit_valid_from, valid_from, valid_to, x, in_subset`` (one row
        per feature and unit assignment; ``x`` is the attribute or the length in metres);
        for ``nearest_distance`` finished rows ``level_id, unit_id, unit_valid_from, date,
        value``. Dates for the spatial templates come in ``dates``.
    """

    def __init__(
        self,
        backend: Any,
        values: ir.Table,
        units: ir.Table,
        metas: Iterable[IndicatorMeta],
        levels: Sequence[LevelLink],
        *,
        prepared: Mapping[str, pd.DataFrame] | None = None,
        dates: Mapping[str, Sequence[dt.date]] | None = None,
        materialize: bool = True,
    ) -> None:
        self.backend = backend
        self.graph = DependencyGraph(metas)
        self.metas = self.graph.metas
        self.levels = list(levels)
        self.prepared = dict(prepared or {})
        self.dates = dict(dates or {})
        self._materialize = materialize
        self._counter = 0
        #: what the last :meth:`run` derived: its rows replace all earlier derived rows of these
        self.computed_ids: list[str] = []
        self.aggregated_ids: list[str] = []
        written_by_us = ibis.or_(*[values.flag.startswith(prefix) for prefix in DERIVED_FLAG_PREFIXES])
        self.values = values.filter(values.flag.isnull() | ~written_by_us)
        self.units = units

    # -- public -------------------------------------------------------------------------------
    def run(self, targets: Iterable[str] | None = None, *, aggregate: Iterable[str] | None = None) -> list[ir.Table]:
        """Derived rows (``RESULT_SCHEMA``, in parts) for ``targets`` (default: every computed indicator).

        ``aggregate`` names the imported indicators whose upper-level values are derived
        (default: every imported indicator that the targets need, or all when no targets given).
        """
        computed = set(self.graph.order()) if targets is None else set(targets)
        unknown = sorted(i for i in computed if i not in self.metas)
        if unknown:
            raise DefinitionError(f"unknown indicator(s): {', '.join(unknown)}")
        needed = self.graph.closure(computed)
        if aggregate is None:
            imported = [i for i, m in self.metas.items() if not m.computed]
            aggregate = imported if targets is None else [i for i in needed if not self.metas[i].computed]
        else:
            aggregate = list(aggregate)
        for meta in (self.metas[i] for i in list(aggregate)):  # a ratio rule needs its parts aggregated
            aggregate = [*aggregate, *[i for i in meta.aggregation.inputs() if not self.metas[i].computed]]
        self.computed_ids = sorted(i for i in computed if self.metas[i].computed)
        self.aggregated_ids = sorted(set(aggregate))
        base_ids = sorted({*aggregate, *(i for i in needed if not self.metas[i].computed)})
        base, new_parts = self._aggregate(base_ids, set(aggregate))
        wanted = sorted(aggregate)
        parts = [self._result(p.filter(p.indicator_id.isin(wanted))) for p in new_parts]
        order = self.graph.order(needed) if needed else []
        rest = [i for i in order if self.metas[i].computed]
        if not rest:
            return parts
        leaves = [i for i in rest if isinstance(self.metas[i].computation, _LEAF_TYPES)]
        long_parts = [p for p in (base, *new_parts) if p is not None]
        for indicator_id in leaves:
            rows = self._leaf(self.metas[indicator_id])
            long_parts.append(rows.mutate(indicator_id=ibis.literal(indicator_id)).select("indicator_id", *_ROW))
        long_all = long_parts[0]
        for part in long_parts[1:]:
            long_all = long_all.union(part)
        slots = {i: n for n, i in enumerate([*base_ids, *rest])}
        # the wide table, then one narrow table per layer (row id + the layer's new columns): a
        # table's cost grows with its columns, so no layer copies what earlier ones hold
        pivot = self._keep(self._pivot(long_all, [*base_ids, *leaves], set(leaves), slots))
        tables: list[ir.Table] = [pivot]
        home = dict.fromkeys([*base_ids, *leaves], 0)
        for layer in self._layers([i for i in rest if i not in set(leaves)]):
            inputs = {i for x in layer for i in self.metas[x].inputs()}
            w = self._gather(tables, sorted({home[i] for i in inputs}), [slots[i] for i in inputs])
            tables.append(self._keep(self._layer(w, layer, slots)))
            home.update(dict.fromkeys(layer, len(tables) - 1))
        for indicator_id in rest:
            if indicator_id in computed:
                table = self._gather(tables, [home[indicator_id]], [slots[indicator_id]])
                parts.append(self._unpivot(table, indicator_id, slots[indicator_id]))
        return parts

    @staticmethod
    def _gather(tables: Sequence[ir.Table], homes: Sequence[int], wanted: Sequence[int]) -> ir.Table:
        """The wide table (keys, area, imported and spatial columns) with the columns ``wanted`` of later layers."""
        w = tables[0]
        names = list(w.columns)
        for index in sorted(set(homes) - {0}):
            t = tables[index]
            cols = [c for c in t.columns if c != "rid" and int(c[1:]) in set(wanted)]
            w = w.join(t.select("rid", *cols), "rid")
            names += cols
        return w.select(*names) if len(names) > len(tables[0].columns) else w

    @staticmethod
    def _result(t: ir.Table) -> ir.Table:
        return t.select(
            "indicator_id", *KEY, t.value.cast("float64").name("value"), _status_of_sev(t.sev).name("status"), "flag"
        )

    def to_pyarrow(self, parts: Sequence[ir.Table]) -> pa.Table:
        """Execute the parts and return their rows with :data:`RESULT_SCHEMA` (one query per part)."""
        tables = [self.backend.to_pyarrow(p).select(RESULT_SCHEMA.names).cast(RESULT_SCHEMA) for p in parts]
        return pa.concat_tables(tables) if tables else RESULT_SCHEMA.empty_table()

    # -- helpers ------------------------------------------------------------------------------
    def _keep(self, table: ir.Table) -> ir.Table:
        """Materialise an intermediate result: a temporary table, or a cached one where the backend has none (Spark)."""
        if not self._materialize:
            return table
        self._counter += 1
        name = f"_ow_engine_{self._counter}"
        if getattr(self.backend, "name", "") == "pyspark":
            return self._keep_spark(name, table)
        return self.backend.create_table(name, table, temp=True, overwrite=True)

    def _keep_spark(self, name: str, table: ir.Table) -> ir.Table:
        """Spark has no temporary tables: a view (it registers in-memory inputs), checkpointed.

        The local checkpoint computes the rows once and cuts the lineage, so later plans stay
        small (cached views alone keep the whole history in every plan).
        """
        self.backend.create_view(f"{name}_q", table, overwrite=True)
        session = self.backend._session  # Ibis offers no public handle for checkpoints
        session.table(f"{name}_q").localCheckpoint().createOrReplaceTempView(name)
        return self.backend.table(name)

    def _base(self, ids: Sequence[str]) -> ir.Table:
        v = self.values
        # quantiles of a stochastic projection are not additive: never aggregated or combined
        keep = v.indicator_id.isin(list(ids)) & (v.flag.isnull() | (v.flag != QUANTILE_FLAG))
        return v.filter(keep).select(
            "indicator_id",
            *KEY,
            v.value.cast("float64").name("value"),
            _sev_of_status(v.status).name("sev"),
            v.flag.cast("string").name("flag"),
        )

    def _levels_bottom_up(self) -> list[LevelLink]:
        parents = {lv.level_id: lv.parent_level_id for lv in self.levels}

        def depth(level_id: str) -> int:
            d, seen = 0, set()
            while parents.get(level_id) and level_id not in seen:
                seen.add(level_id)
                level_id = parents[level_id]  # type: ignore[assignment]
                d += 1
            return d

        return sorted((lv for lv in self.levels if lv.parent_level_id), key=lambda lv: -depth(lv.level_id))

    # -- aggregation up the levels --------------------------------------------------------------
    def _aggregate(self, base_ids: Sequence[str], aggregate: set[str]) -> tuple[ir.Table | None, list[ir.Table]]:
        """The imported rows (all levels) and, per parent level, the rows aggregated into it.

        Levels are processed bottom-up; a level's rows are its imported rows plus what its
        child levels aggregated into it, so nothing is copied more than once.
        """
        if not base_ids:
            return None, []
        base = self._keep(self._base(base_ids))
        by_method: dict[str, str] = {i: self.metas[i].aggregation.method.value for i in aggregate}
        simple = [i for i, m in by_method.items() if m in ("sum", "min", "max")]
        weighted = [i for i, m in by_method.items() if m == "weighted_mean"]
        ratios = [i for i, m in by_method.items() if m == "ratio"]
        added: dict[str, ir.Table] = {}
        new_parts: list[ir.Table] = []
        for link in self._levels_bottom_up():
            child = base.filter(base.level_id == link.level_id)
            if link.level_id in added:
                child = child.union(added[link.level_id])
            mapped = self._map_to_parent(child, link)
            pieces: list[ir.Table] = []
            if simple:
                pieces.append(self._aggregate_simple(mapped, link, simple, by_method))
            for indicator_id in weighted:
                pieces.append(self._aggregate_weighted(mapped, link, indicator_id))
            if not pieces:
                continue
            agg = pieces[0]
            for piece in pieces[1:]:
                agg = agg.union(piece)
            agg = self._keep(self._prefer_observed(agg, base, link.parent_level_id))
            if ratios:
                ratio_rows = self._ratio_rows(agg, ratios, link.parent_level_id)  # type: ignore[arg-type]
                agg = self._keep(agg.union(self._prefer_observed(ratio_rows, base, link.parent_level_id)))
            new_parts.append(agg)
            parent = str(link.parent_level_id)
            added[parent] = added[parent].union(agg) if parent in added else agg
        return base, new_parts

    def _map_to_parent(self, child: ir.Table, link: LevelLink) -> ir.Table:
        """Child rows with the parent unit version valid where the child's territory applies.

        A natural row (date within the child version) uses the parent valid on the date; a
        re-expressed row uses the parent valid when the child version starts, and is marked
        non-natural so it aggregates separately (another Gebietsstand).
        """
        u = self.units
        cu = u.filter(u.level_id == link.level_id).select(
            c_unit=u.unit_id, c_from=u.valid_from, c_to=u.valid_to, parent_id=u.parent_id
        )
        joined = child.join(cu, [child.unit_id == cu.c_unit, child.unit_valid_from == cu.c_from])
        natural = (joined.date >= joined.c_from) & (joined.c_to.isnull() | (joined.date <= joined.c_to))
        joined = joined.mutate(
            natural=natural,
            eff=ibis.cases((natural, joined.date), (joined.date < joined.c_from, joined.c_from), else_=joined.c_to),
        )
        pu = u.filter(u.level_id == link.parent_level_id).select(p_unit=u.unit_id, p_from=u.valid_from, p_to=u.valid_to)
        mapped = joined.join(
            pu,
            [
                joined.parent_id == pu.p_unit,
                pu.p_from <= joined.eff,
                pu.p_to.isnull() | (pu.p_to >= joined.eff),
            ],
        )
        return mapped

    def _expected_children(self, link: LevelLink, dates: ir.Table) -> ir.Table:
        u = self.units
        cu = u.filter((u.level_id == link.level_id) & u.parent_id.notnull())
        pairs = cu.cross_join(dates)
        pairs = pairs.filter(
            (pairs.valid_from <= pairs.date) & (pairs.valid_to.isnull() | (pairs.valid_to >= pairs.date))
        )
        return pairs.group_by(e_parent=pairs.parent_id, e_date=pairs.date).aggregate(expected=pairs.count())

    def _aggregate_simple(
        self, mapped: ir.Table, link: LevelLink, ids: Sequence[str], by_method: Mapping[str, str]
    ) -> ir.Table:
        m = mapped.filter(mapped.indicator_id.isin(list(ids)))
        methods = ibis.memtable({"m_id": list(ids), "method": [by_method[i] for i in ids]})
        m = m.join(methods, m.indicator_id == methods.m_id)
        grouped = m.group_by(
            "indicator_id",
            unit_id=m.p_unit,
            unit_valid_from=m.p_from,
            date=m.date,
            scenario=m.scenario,
            natural=m.natural,
            method=m.method,
        ).aggregate(
            n=m.count(),
            n_num=m.value.count(),
            s=m.value.sum(),
            lo=m.value.min(),
            hi=m.value.max(),
            sev=m.sev.max(),
        )
        return self._finish_aggregate(grouped, link, grouped.method)

    def _finish_aggregate(self, grouped: ir.Table, link: LevelLink, method: ir.StringValue) -> ir.Table:
        dates = grouped.select("date").distinct()
        expected = self._expected_children(link, dates)
        g = grouped.left_join(expected, [grouped.unit_id == expected.e_parent, grouped.date == expected.e_date])
        complete = (g.n_num == g.n) & (~g.natural | (g.n >= g.expected.fill_null(0)))
        value = ibis.cases((method == "min", g.lo), (method == "max", g.hi), else_=g.s)
        sev = _gated_sev(complete, g.sev)
        flag = ibis.cases((complete, ibis.literal("agg:") + method), else_=ibis.literal("agg:incomplete"))
        out = g.select(
            "indicator_id",
            level_id=ibis.literal(link.parent_level_id),
            unit_id=g.unit_id,
            unit_valid_from=g.unit_valid_from,
            date=g.date,
            scenario=g.scenario,
            value=_gated_value(complete, value),
            sev=sev.cast("int32"),
            flag=flag,
            natural=g.natural,
        )
        return out

    def _aggregate_weighted(self, mapped: ir.Table, link: LevelLink, indicator_id: str) -> ir.Table:
        weight_id = self.metas[indicator_id].aggregation.weight
        x = mapped.filter(mapped.indicator_id == indicator_id)
        w = mapped.filter(mapped.indicator_id == weight_id).select(
            w_unit=mapped.unit_id,
            w_from=mapped.unit_valid_from,
            w_date=mapped.date,
            w_scen=mapped.scenario,
            w=mapped.value,
            w_sev=mapped.sev,
        )
        j = x.left_join(
            w, [x.unit_id == w.w_unit, x.unit_valid_from == w.w_from, x.date == w.w_date, x.scenario == w.w_scen]
        )
        grouped = j.group_by(
            "indicator_id",
            unit_id=j.p_unit,
            unit_valid_from=j.p_from,
            date=j.date,
            scenario=j.scenario,
            natural=j.natural,
        ).aggregate(
            n=j.count(),
            n_num=ibis.cases((j.value.notnull() & j.w.notnull(), 1), else_=0).sum(),
            s=(j.value * j.w).sum() / j.w.sum().nullif(0),
            lo=ibis.null("float64"),
            hi=ibis.null("float64"),
            sev=_greatest(j.sev, j.w_sev.fill_null(_MISSING)).max(),
        )
        grouped = grouped.mutate(n_num=grouped.n_num.cast("int64"))
        return self._finish_aggregate(grouped, link, ibis.literal("weighted_mean"))

    def _ratio_rows(self, agg: ir.Table, ratios: Sequence[str], level_id: str) -> ir.Table:
        parts: list[ir.Table] = []
        for indicator_id in ratios:
            rule = self.metas[indicator_id].aggregation
            num = agg.filter(agg.indicator_id == rule.numerator).drop("indicator_id")
            den = agg.filter(agg.indicator_id == rule.denominator).drop("indicator_id")
            rows = self._combine_long([num, den], lambda v, s=rule.scale: v[0] / v[1] * s, zero_guard=1)
            parts.append(
                rows.mutate(
                    indicator_id=ibis.literal(indicator_id),
                    natural=ibis.literal(True),
                    flag=ibis.cases((rows.flag == "calc:zero_denominator", rows.flag), else_=ibis.literal("agg:ratio")),
                ).select("indicator_id", *_ROW, "natural")
            )
        out = parts[0]
        for part in parts[1:]:
            out = out.union(part)
        return out.filter(out.level_id == level_id)

    def _prefer_observed(self, agg: ir.Table, observed: ir.Table, level_id: str | None) -> ir.Table:
        """Drop aggregated rows where a unit has an imported value, and re-expressed rows duplicating natural ones."""
        obs = (
            observed.filter(observed.level_id == level_id)
            .select(
                o_ind=observed.indicator_id, o_unit=observed.unit_id, o_date=observed.date, o_scen=observed.scenario
            )
            .distinct()
        )
        kept = agg.anti_join(
            obs,
            [
                agg.indicator_id == obs.o_ind,
                agg.unit_id == obs.o_unit,
                agg.date == obs.o_date,
                agg.scenario == obs.o_scen,
            ],
        )
        nat = kept.filter(kept.natural).select(
            n_ind=kept.indicator_id,
            n_unit=kept.unit_id,
            n_from=kept.unit_valid_from,
            n_date=kept.date,
            n_scen=kept.scenario,
        )
        other = kept.filter(~kept.natural).anti_join(
            nat,
            [
                kept.indicator_id == nat.n_ind,
                kept.unit_id == nat.n_unit,
                kept.unit_valid_from == nat.n_from,
                kept.date == nat.n_date,
                kept.scenario == nat.n_scen,
            ],
        )
        both = kept.filter(kept.natural).union(other)
        return both.drop("natural")

    # -- computed indicators on the wide table ---------------------------------------------------
    def _combine_long(
        self,
        inputs: Sequence[ir.Table],
        formula: Any,
        *,
        zero_guard: int | None = None,
    ) -> ir.Table:
        """Outer-combine the rows of several long inputs on the key and apply ``formula`` (ratio aggregation)."""
        tagged = [t.select(*KEY, "value", "sev", pos=ibis.literal(i)) for i, t in enumerate(inputs)]
        u = tagged[0]
        for t in tagged[1:]:
            u = u.union(t)
        aggs: dict[str, Any] = {"sev": u.sev.max(), "n": u.pos.nunique()}
        for i in range(len(inputs)):
            aggs[f"v{i}"] = ibis.cases((u.pos == i, u.value), else_=ibis.null("float64")).max()
        g = u.group_by(*KEY).aggregate(**aggs)
        values = [g[f"v{i}"] for i in range(len(inputs))]
        have_all = (g.n == len(inputs)) & ibis.and_(*[v.notnull() for v in values])
        zero = values[zero_guard] == 0 if zero_guard is not None else ibis.literal(False)
        ok = have_all & ~zero
        return g.select(
            *KEY,
            value=_gated_value(ok, formula(values)),
            sev=_gated_sev(ok, g.sev),
            flag=ibis.cases((have_all & zero, ibis.literal("calc:zero_denominator")), else_=ibis.null("string")),
        )

    def _with_flag(self, table: ir.Table, template: str) -> ir.Table:
        return table.mutate(flag=table.flag.fill_null(f"calc:{template}")).select(*_ROW)

    def _leaf(self, meta: IndicatorMeta) -> ir.Table:
        """Rows of a spatial indicator (from its preparation); they enter the wide table like imported ones."""
        c = meta.computation
        if isinstance(c, NearestDistanceComputation):
            out = self._prepared_values(meta.id)
        else:
            out = self._features(meta.id, c)  # type: ignore[arg-type]
        return self._with_flag(out, c.template)  # type: ignore[union-attr]

    def _pivot(self, long_all: ir.Table, ids: Sequence[str], flagged: set[str], slots: Mapping[str, int]) -> ir.Table:
        """One row per key with ``v<n>``/``s<n>`` (and ``f<n>`` for spatial indicators) per indicator, plus the area."""
        aggs: dict[str, Any] = {}
        for indicator_id in ids:
            n, mine = slots[indicator_id], long_all.indicator_id == indicator_id
            aggs[f"v{n}"] = long_all.value.max(where=mine)
            aggs[f"s{n}"] = long_all.sev.max(where=mine)
            if indicator_id in flagged:
                aggs[f"f{n}"] = long_all.flag.max(where=mine)
        w = long_all.group_by(*KEY).aggregate(**aggs)
        u = self.units.select(
            a_level=self.units.level_id,
            a_unit=self.units.unit_id,
            a_from=self.units.valid_from,
            area=self.units.area_m2,
        )
        j = w.left_join(u, [w.level_id == u.a_level, w.unit_id == u.a_unit, w.unit_valid_from == u.a_from])
        out = j.select(*KEY, j.area.cast("float64").name("area"), *aggs)
        # ordered by the key, so the row ids are the same however often the pivot is evaluated
        return out.mutate(rid=ibis.row_number().over(order_by=[out[k] for k in KEY]).cast("int64"))

    def _layers(self, ids: Sequence[str]) -> list[list[str]]:
        """Group indicators (in dependency order) so each group reads only what earlier groups made."""
        depth: dict[str, int] = {}
        pending = set(ids)
        for indicator_id in ids:
            inputs = [i for i in self.metas[indicator_id].inputs() if i in pending]
            depth[indicator_id] = 1 + max((depth[i] for i in inputs), default=-1)
        layers: list[list[str]] = [[] for _ in range(max(depth.values(), default=-1) + 1)]
        for indicator_id in ids:
            layers[depth[indicator_id]].append(indicator_id)
        return layers

    def _unpivot(self, wide: ir.Table, indicator_id: str, n: int) -> ir.Table:
        s = wide[f"s{n}"]
        rows = wide.filter(s.notnull())
        return rows.select(
            indicator_id=ibis.literal(indicator_id),
            **{k: rows[k] for k in KEY},
            value=rows[f"v{n}"].cast("float64"),
            status=_status_of_sev(rows[f"s{n}"]),
            flag=rows[f"f{n}"].cast("string"),
        )

    def _layer(self, wide: ir.Table, ids: Sequence[str], slots: Mapping[str, int]) -> ir.Table:
        """Add the columns of ``ids`` (which read only columns already in ``wide``)."""
        w = wide
        for src in sorted({slots[c.input] for c in self._computations(ids) if _needs_index(c)}):
            w = self._with_date_index(w, src)
        windows: dict[str, Any] = {}
        for indicator_id in ids:
            c = self.metas[indicator_id].computation
            if isinstance(c, CompositeComputation):
                windows.update(self._normalised(w, c, slots, slots[indicator_id]))
        w = w.mutate(**windows) if windows else w
        joined = w
        builders: list[tuple[str, Any]] = []
        for indicator_id in ids:
            n = slots[indicator_id]
            c = self.metas[indicator_id].computation
            if isinstance(c, ChangeComputation | ChangeSinceComputation):
                then = self._then(w, c, slots[c.input], n)
                j = joined.left_join(then, self._then_predicates(joined, then, c, slots[c.input], n))
                joined = j.select(*[j[k] for k in joined.columns], j[f"t{n}_v"], j[f"t{n}_s"])
            elif isinstance(c, TrendComputation):
                rows = self._trend(w.view(), c, slots[c.input], n)
                j = joined.left_join(rows, [joined[k] == rows[f"r{n}_{k}"] for k in KEY])
                joined = j.select(*[j[k] for k in joined.columns], j[f"r{n}_value"], j[f"r{n}_sev"], j[f"r{n}_flag"])
            builders.append((indicator_id, c))
        new: dict[str, Any] = {}
        col = lambda i: _Col(joined[f"v{slots[i]}"], joined[f"s{slots[i]}"])  # noqa: E731
        for indicator_id, c in builders:
            n = slots[indicator_id]
            out = self._column(joined, c, n, col, slots)
            flag = out.f if out.f is not None else ibis.null("string")
            exists = out.s.notnull()
            new[f"v{n}"] = ibis.cases((exists, out.v), else_=ibis.null("float64")).cast("float64")
            new[f"s{n}"] = out.s.cast("int32")
            new[f"f{n}"] = ibis.cases((exists, flag.fill_null(f"calc:{c.template}")), else_=ibis.null("string"))
        return joined.select(joined.rid, **new)

    def _column(self, j: ir.Table, c: Any, n: int, col: Any, slots: Mapping[str, int]) -> _Col:
        match c:
            case SumComputation():
                return _combine([col(i) for i in c.terms], lambda v: sum(v[1:], v[0]))
            case DifferenceComputation():
                return _combine([col(c.minuend), *[col(i) for i in c.subtrahends]], lambda v: v[0] - sum(v[2:], v[1]))
            case ProductComputation():
                constant = c.constant

                def product(v: list[Any]) -> Any:
                    out = v[0] * constant
                    for x in v[1:]:
                        out = out * x
                    return out

                return _combine([col(i) for i in c.factors], product)
            case RatioComputation():
                scale = c.scale
                return _combine([col(c.part), col(c.whole)], lambda v: v[0] / v[1] * scale, zero_guard=1)
            case DensityComputation():
                x = col(c.input)
                divisor = 1e6 if c.per == "km2" else 1e4
                ok = x.v.notnull() & (j.area > 0)
                return _Col(
                    _gated_value(ok, x.v / (j.area / divisor)),
                    _present(x.s, _gated_sev(ok, x.s)),
                    ibis.cases((x.v.notnull() & ~ok, ibis.literal("calc:no_area")), else_=ibis.null("string")),
                )
            case ChangeComputation() | ChangeSinceComputation():
                return self._change(j, c, col(c.input), n)
            case TrendComputation():
                return _Col(j[f"r{n}_value"], _present(col(c.input).s, j[f"r{n}_sev"]), j[f"r{n}_flag"])
            case CompositeComputation():
                weights = [p.weight for p in c.components]
                total = sum(weights)
                parts = [_Col(j[f"z{n}_{k}"], j[f"s{slots[p.indicator]}"]) for k, p in enumerate(c.components)]
                return _combine(
                    parts, lambda v: sum((v[i] * weights[i] for i in range(1, len(v))), v[0] * weights[0]) / total
                )
        raise DefinitionError(f"template {c.template!r} cannot be computed on the wide table")  # pragma: no cover

    # change: the row of the same unit at an earlier date, joined in
    def _then(self, w: ir.Table, c: ChangeComputation | ChangeSinceComputation, src: int, n: int) -> ir.Table:
        v = w.view()  # a self-join: a distinct reference keeps the join predicates unambiguous
        then = v.filter(v[f"s{src}"].notnull())
        if isinstance(c, ChangeSinceComputation):
            then = then.filter(then.date == ibis.literal(c.reference_date))
        cols = {
            f"t{n}_level": then.level_id,
            f"t{n}_unit": then.unit_id,
            f"t{n}_from": then.unit_valid_from,
            f"t{n}_scen": then.scenario,
            f"t{n}_date": then.date,
            f"t{n}_v": then[f"v{src}"],
            f"t{n}_s": then[f"s{src}"],
        }
        if isinstance(c, ChangeComputation) and c.periods is not None:
            cols[f"t{n}_i"] = then[f"i{src}"]
        return then.select(**cols)

    def _then_predicates(
        self, w: ir.Table, then: ir.Table, c: ChangeComputation | ChangeSinceComputation, src: int, n: int
    ) -> list[Any]:
        preds = [
            w.level_id == then[f"t{n}_level"],
            w.unit_id == then[f"t{n}_unit"],
            w.unit_valid_from == then[f"t{n}_from"],
            w.scenario == then[f"t{n}_scen"],
        ]  # no condition on the left row alone: DuckDB would fall back to a nested-loop join
        if isinstance(c, ChangeComputation) and c.years is not None:
            preds.append(w.date - ibis.interval(years=c.years) == then[f"t{n}_date"])
        elif isinstance(c, ChangeComputation):
            preds.append(w[f"i{src}"] - c.periods == then[f"t{n}_i"])
        return preds

    def _change(self, j: ir.Table, c: ChangeComputation | ChangeSinceComputation, x: _Col, n: int) -> _Col:
        t_v, t_s = j[f"t{n}_v"], j[f"t{n}_s"]
        have = x.v.notnull() & t_v.notnull()
        if c.relative:
            zero = t_v == 0
            value = (x.v - t_v) / t_v * c.scale
        else:
            zero = ibis.literal(False)
            value = x.v - t_v
        ok = have & ~zero
        sev = _greatest(x.s, t_s.fill_null(_MISSING))
        return _Col(
            _gated_value(ok, value),
            _present(x.s, _gated_sev(ok, sev)),
            ibis.cases(
                (have & zero, ibis.literal("calc:zero_denominator")),
                (t_s.isnull(), ibis.literal("calc:no_base_value")),
                else_=ibis.null("string"),
            ),
        )

    def _computations(self, ids: Sequence[str]) -> list[Any]:
        return [self.metas[i].computation for i in ids]

    def _with_date_index(self, w: ir.Table, src: int) -> ir.Table:
        """Add ``i<src>``: the position of the date among the dates with rows of input ``src`` (per level, scenario).

        Ranked on the few distinct dates and joined back (a window over all rows is far slower).
        """
        d = w.filter(w[f"s{src}"].notnull()).select(d_level=w.level_id, d_scen=w.scenario, d_date=w.date).distinct()
        d = d.mutate(
            d_idx=ibis.dense_rank().over(ibis.window(group_by=[d.d_level, d.d_scen], order_by=d.d_date)).cast("int64")
        )
        j = w.left_join(d, [w.level_id == d.d_level, w.scenario == d.d_scen, w.date == d.d_date])
        return j.select(*[j[c] for c in w.columns], **{f"i{src}": j.d_idx})

    def _normalised(self, w: ir.Table, c: CompositeComputation, slots: Mapping[str, int], n: int) -> dict[str, Any]:
        """``z<n>_<k>``: component k of composite n normalised within its level, date and scenario."""
        out: dict[str, Any] = {}
        for k, part in enumerate(c.components):
            x = w[f"v{slots[part.indicator]}"]
            worse = part.polarity == "higher_is_worse"
            win = ibis.window(group_by=[w.level_id, w.date, w.scenario])
            if c.normalisation == "zscore":
                z = (x - x.mean().over(win)) / x.std(how="pop").over(win).nullif(0)
                z = -z if worse else z
            elif c.normalisation == "minmax":
                lo, hi = x.min().over(win), x.max().over(win)
                z = (x - lo) / (hi - lo).nullif(0)
                z = 1 - z if worse else z
            else:
                rwin = ibis.window(group_by=[w.level_id, w.date, w.scenario, x.isnull()], order_by=x)
                z = ibis.percent_rank().over(rwin)
                z = 1 - z if worse else z
            out[f"z{n}_{k}"] = ibis.cases((x.notnull(), z), else_=ibis.null("float64")).cast("float64")
        return out

    def _trend(self, w: ir.Table, c: TrendComputation, src: int, n: int) -> ir.Table:
        """Per input row: OLS slope per year (trend) or Pearson r (continuity) over the last ``periods`` dates."""
        x = w.filter(w[f"s{src}"].notnull()).select(*KEY, idx=w[f"i{src}"], value=w[f"v{src}"], sev=w[f"s{src}"])
        past = x.select(
            p_level=x.level_id,
            p_unit=x.unit_id,
            p_from=x.unit_valid_from,
            p_scen=x.scenario,
            p_idx=x.idx,
            p_date=x.date,
            p_value=x.value,
            p_sev=x.sev,
        )
        j = x.join(
            past,
            [
                x.level_id == past.p_level,
                x.unit_id == past.p_unit,
                x.unit_valid_from == past.p_from,
                x.scenario == past.p_scen,
                past.p_idx <= x.idx,
                past.p_idx > x.idx - c.periods,
            ],
        )
        t = (j.p_date.epoch_days() - j.date.epoch_days()).cast("float64") / 365.25
        y = j.p_value
        g = j.group_by(*KEY).aggregate(
            n=y.count(),
            rows=j.count(),
            sx=t.sum(where=y.notnull()),
            sy=y.sum(),
            sxy=(t * y).sum(),
            sxx=(t * t).sum(where=y.notnull()),
            syy=(y * y).sum(),
            sev=j.p_sev.max(),
        )
        cnt = g.n.cast("float64")
        cov = cnt * g.sxy - g.sx * g.sy
        varx = cnt * g.sxx - g.sx * g.sx
        vary = cnt * g.syy - g.sy * g.sy
        full = (g.n == c.periods) & (g.rows == c.periods)
        if c.template == "trend":
            value = cov / varx.nullif(0)
            degenerate = varx <= 0
        else:
            value = cov / (varx * vary).sqrt().nullif(0)
            degenerate = (varx * vary) <= 1e-12 * (ibis.greatest(g.syy * cnt, 1.0))
        ok = full & ~degenerate
        return g.select(
            **{f"r{n}_{k}": g[k] for k in KEY},
            **{
                f"r{n}_value": _gated_value(ok, value),
                f"r{n}_sev": _gated_sev(ok, g.sev),
                f"r{n}_flag": ibis.cases(
                    (~full, ibis.literal("calc:too_few_values")),
                    (degenerate, ibis.literal("calc:constant_series")),
                    else_=ibis.null("string"),
                ),
            },
        )

    def _dates_table(self, indicator_id: str) -> ir.Table:
        dates = sorted(set(self.dates.get(indicator_id, [])))
        if not dates:
            raise DefinitionError(f"indicator {indicator_id!r}: no dates to compute for (check its 'at')")
        return ibis.memtable(pd.DataFrame({"d_date": pd.Series(dates, dtype="object")}), schema={"d_date": "date"})

    def _prepared_values(self, indicator_id: str) -> ir.Table:
        frame = self.prepared.get(indicator_id)
        if frame is None:
            raise DefinitionError(f"indicator {indicator_id!r}: its spatial preparation is missing")
        t = ibis.memtable(
            frame,
            schema={
                "level_id": "string",
                "unit_id": "string",
                "unit_valid_from": "date",
                "date": "date",
                "value": "float64",
            },
        )
        return t.select(
            *[k for k in KEY if k != "scenario"],
            scenario=ibis.literal("observed"),
            value=t.value,
            sev=ibis.cases((t.value.notnull(), 0), else_=_MISSING).cast("int32"),
            flag=ibis.null("string"),
        ).select(*_ROW)

    def _features(
        self,
        indicator_id: str,
        c: PointCountComputation | FeatureStatComputation | SubsetShareComputation | LineLengthComputation,
    ) -> ir.Table:
        frame = self.prepared.get(indicator_id)
        if frame is None:
            raise DefinitionError(f"indicator {indicator_id!r}: its spatial preparation is missing")
        f = ibis.memtable(
            frame,
            schema={
                "level_id": "string",
                "unit_id": "string",
                "unit_valid_from": "date",
                "valid_from": "date",
                "valid_to": "date",
                "x": "float64",
                "in_subset": "boolean",
            },
        )
        dates = self._dates_table(indicator_id)
        u = self.units
        uv = u.cross_join(dates)
        uv = uv.filter((uv.valid_from <= uv.d_date) & (uv.valid_to.isnull() | (uv.valid_to >= uv.d_date)))
        uv = uv.select(level_id=uv.level_id, unit_id=uv.unit_id, unit_valid_from=uv.valid_from, date=uv.d_date)
        hits = f.cross_join(dates)
        on = hits.d_date if c.at.features_on is None else ibis.literal(c.at.features_on)
        hits = hits.filter((hits.valid_from <= on) & (hits.valid_to.isnull() | (hits.valid_to >= on)))
        stats: dict[str, Any] = {
            "n": hits.count(),
            "n_sub": ibis.cases((hits.in_subset, 1), else_=0).sum(),
            "total": hits.x.sum(),
        }
        if isinstance(c, FeatureStatComputation):
            stat = {
                "min": hits.x.min(),
                "max": hits.x.max(),
                "mean": hits.x.mean(),
                "median": hits.x.median(),
                "sum": hits.x.sum(),
                "std": hits.x.std(how="sample"),
            }[c.statistic]
            stats["stat"] = stat
            stats["n_x"] = hits.x.count()
        g = hits.group_by(
            h_level=hits.level_id, h_unit=hits.unit_id, h_from=hits.unit_valid_from, h_date=hits.d_date
        ).aggregate(**stats)
        j = uv.left_join(
            g, [uv.level_id == g.h_level, uv.unit_id == g.h_unit, uv.unit_valid_from == g.h_from, uv.date == g.h_date]
        )
        n = j.n.fill_null(0).cast("float64")
        flag = ibis.null("string")
        if isinstance(c, PointCountComputation):
            value = n
        elif isinstance(c, LineLengthComputation):
            value = j.total.fill_null(0.0) / (1000.0 if c.unit == "km" else 1.0)
        elif isinstance(c, SubsetShareComputation):
            value = ibis.cases((n > 0, j.n_sub.fill_null(0).cast("float64") / n * c.scale), else_=ibis.null("float64"))
            flag = ibis.cases((n == 0, ibis.literal("calc:zero_denominator")), else_=flag)
        else:
            need = 2 if c.statistic == "std" else 1
            value = ibis.cases((j.n_x.fill_null(0) >= need, j.stat), else_=ibis.null("float64"))
            flag = ibis.cases((j.n_x.fill_null(0) < need, ibis.literal("calc:no_features")), else_=flag)
        return j.select(
            "level_id",
            "unit_id",
            "unit_valid_from",
            "date",
            scenario=ibis.literal("observed"),
            value=value.cast("float64"),
            sev=ibis.cases((value.notnull(), 0), else_=_MISSING).cast("int32"),
            flag=flag,
        )
