"""Fixtures for the server backends (loaded by ``pytest_plugins`` in ``tests/conftest.py``).

* ``postgres_url`` (session): a ``postgresql://`` URL of a database with PostGIS. Taken from
  ``ORTSWISSEN_PG_URL`` when set, else a throwaway cluster is started for the session and removed
  afterwards (see ``tests/backends.py``).
* ``ibis_postgres`` (session): an Ibis PostgreSQL connection to that database.
* ``spark_session`` (session): a small ``local[2]`` SparkSession (UTC, no UI, 4 shuffle partitions).
  Starting it takes ~10 s: use it only from tests marked ``slow``.
* ``ibis_spark`` (session): an Ibis PySpark connection on that session.

Missing binaries skip the tests locally and fail them in CI (``ORTSWISSEN_CI=1``). Heavy imports
(Ibis, psycopg, pyspark) happen inside the fixtures, so test sessions that do not use them pay nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from backends import postgis_url, start_spark, stop_spark

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL database with PostGIS (``ORTSWISSEN_PG_URL`` or a throwaway cluster)."""
    url, cluster = postgis_url()
    try:
        yield url
    finally:
        if cluster is not None:
            cluster.stop()


@pytest.fixture(scope="session")
def ibis_postgres(postgres_url: str) -> Iterator[Any]:
    """An Ibis connection to ``postgres_url``."""
    import ibis

    con = ibis.connect(postgres_url)
    assert con.name == "postgres"
    yield con
    con.disconnect()


@pytest.fixture(scope="session")
def spark_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SparkSession]:
    """A local[2] SparkSession for the session (slow to start: mark its tests ``slow``)."""
    session = start_spark(tmp_path_factory.mktemp("spark"))
    yield session
    stop_spark(session)


@pytest.fixture(scope="session")
def ibis_spark(spark_session: SparkSession) -> Any:
    """An Ibis PySpark connection on ``spark_session``."""
    import ibis

    return ibis.pyspark.connect(spark_session)
