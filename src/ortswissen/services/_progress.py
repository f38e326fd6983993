"""Progress reporting for long work: services call it, front ends draw it."""

from __future__ import annotations

from typing import Protocol

__all__ = ["NO_PROGRESS", "Progress"]


class Progress(Protocol):
    """Receives progress from a service (the CLI draws a bar, tests ignore it)."""

    def start(self, task: str, total: float | None = None) -> None:
        """A new phase of work begins; ``total`` in the phase's own unit, if known."""

    def advance(self, amount: float = 1) -> None:
        """Some of the current phase is done."""

    def finish(self) -> None:
        """The current phase is done."""


class _NoProgress:
    def start(self, task: str, total: float | None = None) -> None:
        pass

    def advance(self, amount: float = 1) -> None:
        pass

    def finish(self) -> None:
        pass


#: A progress sink that ignores everything.
NO_PROGRESS: Progress = _NoProgress()
