"""The ``ortswissen`` command: a group of nouns, each in its own module."""

from __future__ import annotations

import logging
import sys

import click

from ortswissen._version import __version__
from ortswissen.cli import (
    crosswalk,
    db,
    demo,
    export,
    georesources,
    importing,
    indicators,
    kita,
    levels,
    migration,
    project,
    regions,
    register,
    serve,
    units,
)

__all__ = ["cli", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(__version__, prog_name="ortswissen")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
def cli(verbose: int) -> None:
    """Ortswissen – kleinräumige Statistik für Kommunen / small-area statistics for municipalities.

    Daten importieren, Gebietsstände verwalten, Indikatoren bereitstellen und als Web-App
    ausliefern. Import data, manage territorial versions, serve indicators and the web app.

    Start with the Berlin demo: ``ortswissen demo``.
    """
    level = logging.WARNING - 10 * verbose
    logging.basicConfig(level=max(level, logging.DEBUG), format="%(levelname)s %(name)s: %(message)s")


for module in (
    demo,
    serve,
    db,
    levels,
    units,
    importing,
    indicators,
    georesources,
    crosswalk,
    regions,
    project,
    register,
    migration,
    kita,
    export,
):
    module.register(cli)


def main() -> None:
    """Entry point of the console script."""
    cli(prog_name="ortswissen")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
