"""The dependency graph of indicators: computation order, dependants, cycles.

Every computed indicator declares its inputs. The graph is checked before anything is
stored: an input that does not exist or a cycle is a :class:`DefinitionError` naming the
indicators involved.

Examples
--------
>>> from ortswissen.indicators._model import IndicatorMeta
>>> m = lambda i, c=None: IndicatorMeta(id=i, title_de=i, title_en=i, computation=c)
>>> graph = DependencyGraph([m("ew"), m("u6"), m("anteil_u6", {"template": "percent", "part": "u6", "whole": "ew"}),
...                          m("d_anteil", {"template": "change", "input": "anteil_u6", "periods": 1})])
>>> graph.order()
['anteil_u6', 'd_anteil']
>>> sorted(graph.dependants(["u6"]))
['anteil_u6', 'd_anteil']
>>> DependencyGraph([m("a", {"template": "sum", "terms": ["b", "ew"]}),
...                  m("b", {"template": "sum", "terms": ["a", "ew"]}), m("ew")])
Traceback (most recent call last):
...
ortswissen.errors.DefinitionError: indicator definitions form a cycle: a → b → a
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ortswissen.errors import DefinitionError
from ortswissen.indicators._model import IndicatorMeta

__all__ = ["DependencyGraph"]


class DependencyGraph:
    """Indicators and the edges input → computed indicator."""

    def __init__(self, metas: Iterable[IndicatorMeta]) -> None:
        self.metas: dict[str, IndicatorMeta] = {m.id: m for m in metas}
        self._inputs: dict[str, list[str]] = {}
        for meta in self.metas.values():
            if meta.computation is None:
                continue
            inputs = meta.computation.inputs()
            missing = [i for i in inputs if i not in self.metas]
            if missing:
                known = ", ".join(sorted(self.metas)[:20])
                raise DefinitionError(
                    f"indicator {meta.id!r} ({meta.computation.template}) refers to unknown indicator(s) "
                    f"{', '.join(repr(x) for x in missing)}; known: {known}{' …' if len(self.metas) > 20 else ''}"
                )
            self._inputs[meta.id] = inputs
        self._order = self._topological_order()

    def inputs(self, indicator_id: str) -> list[str]:
        """The direct inputs of a computed indicator (``[]`` for imported ones)."""
        return list(self._inputs.get(indicator_id, []))

    def order(self, only: Iterable[str] | None = None) -> list[str]:
        """Computed indicators in an order where inputs come first (optionally a subset)."""
        if only is None:
            return list(self._order)
        wanted = set(only)
        return [i for i in self._order if i in wanted]

    def dependants(self, changed: Sequence[str]) -> set[str]:
        """All computed indicators that depend, directly or not, on any of ``changed``."""
        users: dict[str, list[str]] = {}
        for target, inputs in self._inputs.items():
            for source in inputs:
                users.setdefault(source, []).append(target)
        seen: set[str] = set()
        todo = list(changed)
        while todo:
            for user in users.get(todo.pop(), []):
                if user not in seen:
                    seen.add(user)
                    todo.append(user)
        return seen

    def closure(self, targets: Iterable[str]) -> set[str]:
        """``targets`` and every computed indicator they need, transitively."""
        seen: set[str] = set()
        todo = list(targets)
        while todo:
            current = todo.pop()
            if current in seen:
                continue
            seen.add(current)
            todo.extend(self._inputs.get(current, []))
        return seen

    def _topological_order(self) -> list[str]:
        state: dict[str, int] = {}  # 1 = on the stack, 2 = done
        order: list[str] = []

        def visit(node: str, path: list[str]) -> None:
            if state.get(node) == 2:
                return
            if state.get(node) == 1:
                cycle = [*path[path.index(node) :], node]
                raise DefinitionError(f"indicator definitions form a cycle: {' → '.join(cycle)}")
            state[node] = 1
            for source in self._inputs.get(node, []):
                visit(source, [*path, node])
            state[node] = 2
            if node in self._inputs:
                order.append(node)

        for node in sorted(self._inputs):
            visit(node, [])
        return order
