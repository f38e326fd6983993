"""Browser tests: Playwright drives Debian's headless Chromium against a real ``ortswissen serve``.

The server serves the Berlin demo store (``demo_db``, or an existing one named by
``ORTSWISSEN_E2E_DB``) on a free loopback port. Chromium
comes from Debian (``/usr/bin/chromium``, installed by ``.ci/run``), never a download.
Screenshots land in ``ORTSWISSEN_E2E_SHOTS`` when set (else in the test's temp folder) so a
developer can look at them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from backends import need
from ortswissen.devserver import CHROMIUM, CHROMIUM_ARGS, served

pytestmark = [pytest.mark.e2e]

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def e2e_db(request: pytest.FixtureRequest) -> Path:
    """The store to serve: ``ORTSWISSEN_E2E_DB`` (an existing demo store, to iterate quickly) or a fresh demo."""
    given = os.environ.get("ORTSWISSEN_E2E_DB")
    return Path(given) if given else request.getfixturevalue("demo_db")


@pytest.fixture(scope="session")
def app_url(e2e_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo served in a subprocess (internal mode)."""
    with served(e2e_db, log=tmp_path_factory.mktemp("serve") / "server.log") as base:
        yield base


@pytest.fixture(scope="session")
def public_url(e2e_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo served in public mode."""
    with served(e2e_db, public_mode=True, log=tmp_path_factory.mktemp("serve_public") / "server.log") as base:
        yield base


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Chromium (Debian's), launched by Playwright."""
    if not Path(CHROMIUM).exists():
        need(f"Chromium is not installed at {CHROMIUM} (Debian package 'chromium')")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        need("playwright is not installed (dev extra)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh page (1400×1000, downloads allowed); fails the test on any script error."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True, locale="de-DE")
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    pg.script_errors = errors
    yield pg
    context.close()
    assert not errors, f"errors in the page: {errors}"


@pytest.fixture(scope="session")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go."""
    target = os.environ.get("ORTSWISSEN_E2E_SHOTS")
    folder = Path(target) if target else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder
