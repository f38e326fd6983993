"""Shared fixtures.

* ``town`` / ``town_files``: the seeded synthetic municipality and its files (session-wide).
* ``store``: an empty store, parametrised over the in-memory fake and a real DuckDB file.
* ``town_store``: a DuckDB file with the synthetic municipality loaded (fresh per test).
* ``demo_db``: the Berlin demo store built from the shipped bundle (session-wide).
* ``berlin``: the real Berlin data collection (``../shared/data/berlin`` or
  ``ORTSWISSEN_BERLIN_DATA``). Outside CI tests needing it skip cleanly when it is absent;
  with ``ORTSWISSEN_CI=1`` (set by ``.ci/run``) they fail instead, and so does any other skip.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from backends import need
from ortswissen.ports import Store
from ortswissen.storage import open_store
from ortswissen.testing import SyntheticMunicipality, synthetic_municipality

pytest_plugins = ["_backends_plugin"]  # postgres_url, ibis_postgres, spark_session, ibis_spark

ROOT = Path(__file__).resolve().parents[1]
IN_CI = os.environ.get("ORTSWISSEN_CI") == "1"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """In CI a skipped test is a failure: nothing may silently not run."""
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, which must provide everything the tests need: {report.longrepr}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``gpu`` run only where CuPy sees a CUDA device; elsewhere they are deselected.

    A GPU is optional hardware (CI has none), not a missing install step, so these tests are
    left out of the run and reported as deselected, never counted as passed or skipped.
    """
    gpu_tests = [item for item in items if item.get_closest_marker("gpu")]
    if not gpu_tests:
        return
    from ortswissen.demography._gpu import gpu_available

    if gpu_available():
        return
    config.hook.pytest_deselected(items=gpu_tests)
    items[:] = [item for item in items if not item.get_closest_marker("gpu")]


@pytest.fixture(scope="session")
def town() -> SyntheticMunicipality:
    """The synthetic municipality (seed 0)."""
    return synthetic_municipality(seed=0)


@pytest.fixture(scope="session")
def town_files(town: SyntheticMunicipality, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Its files, written once per session (tests must not modify them)."""
    return town.write_files(tmp_path_factory.mktemp("town"))


@pytest.fixture(scope="session")
def _town_template(town: SyntheticMunicipality, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("town_store") / "town.duckdb"
    store = open_store(str(path), create=True)
    town.load(store)
    store.checkpoint()  # type: ignore[attr-defined]
    store.close()
    return path


@pytest.fixture
def town_store(_town_template: Path, tmp_path: Path) -> Iterator[Store]:
    """A writable DuckDB store with the synthetic municipality, fresh for each test."""
    path = tmp_path / "town.duckdb"
    shutil.copy(_town_template, path)
    store = open_store(str(path))
    yield store
    store.close()


@pytest.fixture(params=["memory", "duckdb"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """An empty store of each kind (project CRS EPSG:25832)."""
    if request.param == "memory":
        yield open_store("memory://")
    else:
        s = open_store(str(tmp_path / "empty.duckdb"), create=True)
        yield s
        s.close()


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Berlin demo store, built once per session by ``ortswissen demo --no-serve`` from the shipped bundle."""
    from click.testing import CliRunner

    from ortswissen.cli.main import cli

    path = tmp_path_factory.mktemp("demo") / "berlin.duckdb"
    result = CliRunner().invoke(cli, ["demo", "--no-serve", "--db", str(path)])
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture(scope="session")
def berlin() -> Path:
    """The real Berlin data collection."""
    candidates = [os.environ.get("ORTSWISSEN_BERLIN_DATA"), str(ROOT.parent / "shared" / "data" / "berlin")]
    for candidate in candidates:
        if candidate and (Path(candidate) / "MANIFEST.csv").exists():
            return Path(candidate)
    need("the Berlin data collection (../shared/data/berlin) is not available")
    raise AssertionError("unreachable")
