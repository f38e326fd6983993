"""Fixtures for the integration tests (the demo store itself, ``demo_db``, is in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ortswissen.ports import Store
from ortswissen.storage import open_store


@pytest.fixture
def demo(demo_db: Path) -> Iterator[Store]:
    """The demo store, opened read-only."""
    store = open_store(str(demo_db), read_only=True)
    yield store
    store.close()
