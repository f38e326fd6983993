"""Fixtures for the integration tests: the Berlin demo store, built once per session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from ortswissen.cli.main import cli
from ortswissen.ports import Store
from ortswissen.storage import open_store


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo store built by ``ortswissen demo --no-serve`` from the shipped bundle."""
    path = tmp_path_factory.mktemp("demo") / "berlin.duckdb"
    result = CliRunner().invoke(cli, ["demo", "--no-serve", "--db", str(path)])
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture
def demo(demo_db: Path) -> Iterator[Store]:
    """The demo store, opened read-only."""
    store = open_store(str(demo_db), read_only=True)
    yield store
    store.close()
