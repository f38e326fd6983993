"""Shared pieces of the command-line interface: options, store opening, output, errors."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from ortswissen.config import DEFAULT_DB, load_settings
from ortswissen.errors import ImportRejected, OrtswissenError
from ortswissen.ports import Store
from ortswissen.reports import ImportReport, Severity
from ortswissen.storage import open_store
from ortswissen.units import parse_date

__all__ = [
    "DateType",
    "RichProgress",
    "console",
    "db_option",
    "err_console",
    "handle_errors",
    "open_cli_store",
    "print_report",
    "print_table",
]

F = TypeVar("F", bound=Callable[..., Any])

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


class DateType(click.ParamType):
    """A date as ``YYYY-MM-DD`` or ``DD.MM.YYYY``."""

    name = "date"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> dt.date:
        if isinstance(value, dt.date):
            return value
        try:
            return parse_date(value)
        except OrtswissenError as exc:
            self.fail(exc.message, param, ctx)


DATE = DateType()


def db_option(func: F) -> F:
    """The ``--db`` option (default: ``ORTSWISSEN_DB`` or ``./ortswissen.duckdb``)."""
    return click.option(
        "--db",
        "db",
        default=None,
        metavar="PATH|URL",
        help=f"Store: a DuckDB file or a store URL [env ORTSWISSEN_DB; default ./{DEFAULT_DB}].",
    )(func)


def open_cli_store(db: str | None, *, write: bool = False, create: bool = False, crs: str | None = None) -> Store:
    """Open the store named by ``--db`` or the settings (read-only unless ``write``)."""
    settings = load_settings(db=db)
    options: dict[str, Any] = {"create": create, "read_only": not write, "crs": crs}
    if not settings.db.startswith(("memory://", "postgresql://", "postgres://")):
        options.update(memory_limit=settings.memory_limit, threads=settings.threads)
    return open_store(settings.db, **options)


class RichProgress:
    """Draws service progress as a rich progress bar on stderr."""

    def __init__(self) -> None:
        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err_console,
            transient=True,
        )
        self._task: Any = None

    def start(self, task: str, total: float | None = None) -> None:
        if self._task is None:
            self._progress.start()
        else:
            self._progress.remove_task(self._task)
        self._task = self._progress.add_task(task, total=total)

    def advance(self, amount: float = 1) -> None:
        if self._task is not None:
            self._progress.advance(self._task, amount)

    def finish(self) -> None:
        if self._task is not None:
            self._progress.remove_task(self._task)
            self._task = None
            self._progress.stop()


def print_report(report: ImportReport, *, path: str | None = None, quiet: bool = False) -> None:
    """Show an import report (and write it as JSON if asked)."""
    if path:
        Path(path).write_text(report.to_json(), encoding="utf-8")
    if quiet and report.ok and not report.warning_count:
        return
    target = console if report.ok else err_console
    colour = "green" if report.ok else "red"
    target.print(f"[{colour}]{escape(report.summary(max_lines=0).splitlines()[0])}[/]")
    shown = [i for i in report.issues if i.severity != Severity.NOTE or not report.ok][:30]
    if shown:
        table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
        for col in ("", "row", "column", "problem", "value"):
            table.add_column(col)
        for issue in shown:
            mark = {"error": "[red]✗[/]", "warning": "[yellow]![/]", "note": "[dim]·[/]"}[str(issue.severity)]
            table.add_row(
                mark,
                "" if issue.row is None else str(issue.row),
                escape(issue.column or ""),
                f"{escape(issue.message)} [dim]({issue.code})[/]",
                escape(issue.value or ""),
            )
        target.print(table)
    hidden = sum(report.issue_totals.values()) - len(shown)
    if hidden > 0:
        target.print(f"[dim]… {hidden} more issue(s); --report FILE writes them all as JSON[/]")
    notes = [i for i in report.issues if i.severity == Severity.NOTE]
    if report.ok and notes:
        for note in notes[:5]:
            target.print(f"[dim]· {escape(str(note))}[/]")


def print_table(
    rows: list[dict[str, Any]], columns: list[str], *, as_json: bool = False, title: str | None = None
) -> None:
    """Print rows as a table, or as JSON lines for scripts."""
    if as_json:
        for row in rows:
            click.echo(json.dumps({c: row.get(c) for c in columns}, ensure_ascii=False, default=str))
        return
    table = Table(title=title, header_style="bold", box=None)
    for col in columns:
        table.add_column(col)
    for row in rows:
        table.add_row(*["" if row.get(c) is None else str(row.get(c)) for c in columns])
    console.print(table)


@contextmanager
def handle_errors() -> Iterator[None]:
    """Turn ortswissen errors into a clear message and exit code 1."""
    try:
        yield
    except ImportRejected as exc:
        print_report(exc.report, path=click.get_current_context().params.get("report_path"))
        sys.exit(1)
    except OrtswissenError as exc:
        err_console.print(f"[red]Fehler / error:[/] {escape(exc.message)}")
        sys.exit(1)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ())) or 'input'}: {e.get('msg')}" for e in exc.errors()
        )
        err_console.print(f"[red]Fehler / error:[/] {escape(problems)}")
        sys.exit(1)
