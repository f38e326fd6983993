"""Server backends for the tests: a throwaway PostgreSQL/PostGIS cluster and a local Spark session.

The fixtures built on these live in ``tests/_backends_plugin.py``. Everything here works the same
locally and in CI (``.ci/run`` only installs the packages; nothing is started system-wide):

* :class:`PostgresCluster` runs ``initdb`` + ``pg_ctl`` from ``/usr/lib/postgresql/*/bin`` in a
  fresh directory under the system temp dir, on a free TCP port on 127.0.0.1 with trust
  authentication, creates a database with PostGIS, and removes everything on :meth:`stop`.
  PostgreSQL refuses to run as root, so under root the server runs as the ``postgres`` system
  user (created by the Debian packages); otherwise as the current user.
* :func:`start_spark` starts a small ``local[2]`` SparkSession (needs ``pyspark`` and Java 17+).

When something is missing, :func:`need` skips the test, or fails it under ``ORTSWISSEN_CI=1``
(the same rule as ``_need`` in ``tests/conftest.py``).
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import os
import pwd
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from ortswissen.devserver import free_port

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

IN_CI = os.environ.get("ORTSWISSEN_CI") == "1"
PG_MISSING = "PostgreSQL 15 with PostGIS is not installed (apt-get install postgresql-15-postgis-3)"
POSTGIS_MISSING = "the PostGIS extension is not installed (apt-get install postgresql-15-postgis-3)"
SPARK_MISSING = "pyspark is not installed (pip install -c constraints.txt -e .[dev])"
JAVA_MISSING = "Spark needs a Java 17+ runtime (apt-get install openjdk-17-jre-headless)"

PG_USER = "ortswissen"
PG_DATABASE = "ortswissen_test"


def need(reason: str) -> None:
    """Skip the test for a missing prerequisite; in CI (``ORTSWISSEN_CI=1``) fail instead."""
    if IN_CI:
        pytest.fail(f"{reason} (required in CI)")
    pytest.skip(reason)


# --------------------------------------------------------------------------------------------
# PostgreSQL


def find_pg_bindir() -> Path | None:
    """The ``bin`` directory of the newest installed PostgreSQL server (Debian layout), if any."""
    override = os.environ.get("ORTSWISSEN_PG_BINDIR")
    if override:
        return Path(override) if (Path(override) / "initdb").exists() else None

    def version(path: str) -> tuple[int, ...]:
        match = re.search(r"/postgresql/([\d.]+)/bin/", path)
        return tuple(int(p) for p in match.group(1).split(".")) if match else (0,)

    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=version, reverse=True)
    if found:
        return Path(found[0]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


class PostgresCluster:
    """A throwaway PostgreSQL cluster; :meth:`start` returns its ``postgresql://`` URL."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.root: Path | None = None
        self.port: int | None = None
        self._run_as: str | None = None
        self._started = False

    @property
    def datadir(self) -> Path:
        assert self.root is not None
        return self.root / "data"

    @property
    def url(self) -> str:
        return f"postgresql://{PG_USER}@127.0.0.1:{self.port}/{PG_DATABASE}"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        # pg_ctl detaches the server and sends its output to the log file, so no pipe is held open.
        return subprocess.run(
            [str(self.bindir / args[0]), *args[1:]],
            check=check,
            capture_output=True,
            text=True,
            cwd=self.root,
            user=self._run_as,
            group=self._run_as,
            extra_groups=[] if self._run_as else None,
            env={**os.environ, "LC_ALL": "C", "LANG": "C"},
            timeout=120,
        )

    def start(self) -> str:
        """Create, start and prepare the cluster (database + PostGIS); return its URL."""
        if os.geteuid() == 0:  # initdb and postgres refuse to run as root
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                need("running the tests as root needs the 'postgres' system user (apt-get install postgresql-15)")
            self._run_as = "postgres"
        # /tmp: short enough for the Unix socket path, and traversable by the 'postgres' user
        self.root = Path(tempfile.mkdtemp(prefix="ortswissen-pg-", dir="/tmp" if os.path.isdir("/tmp") else None))
        atexit.register(self.stop)
        if self._run_as:
            entry = pwd.getpwnam(self._run_as)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        try:
            self._run(
                "initdb",
                "-D",
                str(self.datadir),
                f"--username={PG_USER}",
                "--auth=trust",
                "--encoding=UTF8",
                "--no-locale",
                "--no-sync",
            )
        except subprocess.CalledProcessError as exc:
            raise RuntimeError(f"initdb failed:\n{exc.stdout}\n{exc.stderr}") from exc
        self._start_server()
        self._prepare_database()
        return self.url

    def _start_server(self) -> None:
        assert self.root is not None
        log = self.root / "server.log"
        last = ""
        for _ in range(5):  # the port may be taken between choosing and binding it
            self.port = free_port()
            options = (
                f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
                "-c fsync=off -c full_page_writes=off -c synchronous_commit=off -c max_connections=50"
            )
            result = self._run(
                "pg_ctl", "start", "-w", "-t", "60", "-D", str(self.datadir), "-l", str(log), "-o", options, check=False
            )
            if result.returncode == 0:
                self._started = True
                return
            last = f"{result.stdout}\n{result.stderr}\n{log.read_text(errors='replace') if log.exists() else ''}"
            if "could not bind" not in last and "already in use" not in last:
                break
            time.sleep(0.2)
        raise RuntimeError(f"could not start PostgreSQL:\n{last}")

    def _prepare_database(self) -> None:
        import psycopg

        admin = f"postgresql://{PG_USER}@127.0.0.1:{self.port}/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {PG_DATABASE}")
        with psycopg.connect(self.url, autocommit=True) as conn:
            available = conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'").fetchone()
            if available is None:
                self.stop()
                need(POSTGIS_MISSING)
            conn.execute("CREATE EXTENSION postgis")

    def stop(self) -> None:
        """Stop the server (immediately: nothing in it is worth keeping) and delete its files."""
        if self._started:
            self._started = False
            self._run("pg_ctl", "stop", "-D", str(self.datadir), "-m", "immediate", "-w", "-t", "60", check=False)
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None


def postgis_url() -> tuple[str, PostgresCluster | None]:
    """``ORTSWISSEN_PG_URL`` if set (no cluster), else a freshly started throwaway cluster."""
    url = os.environ.get("ORTSWISSEN_PG_URL")
    if url:
        return url, None
    try:
        import psycopg  # noqa: F401
    except ImportError:
        need("psycopg is not installed (pip install -c constraints.txt -e .[dev])")
    bindir = find_pg_bindir()
    if bindir is None:
        need(PG_MISSING)
        raise AssertionError("unreachable")
    cluster = PostgresCluster(bindir)
    try:
        return cluster.start(), cluster
    except BaseException:
        cluster.stop()
        raise


# --------------------------------------------------------------------------------------------
# Spark


def java_available() -> bool:
    """Whether a ``java`` that Spark can launch is present (``JAVA_HOME`` or on ``PATH``)."""
    java_home = os.environ.get("JAVA_HOME")
    if java_home and (Path(java_home) / "bin" / "java").exists():
        return True
    return shutil.which("java") is not None


SPARK_CONF: dict[str, str] = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.shuffle.partitions": "4",
    "spark.default.parallelism": "2",
    "spark.driver.memory": "1g",
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
}


def start_spark(workdir: Path, extra: dict[str, Any] | None = None) -> SparkSession:
    """A ``local[2]`` SparkSession whose warehouse (tables) and Derby files live under ``workdir``."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        need(SPARK_MISSING)
        raise AssertionError("unreachable") from None
    if not java_available():
        need(JAVA_MISSING)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    builder = SparkSession.builder.master("local[2]").appName("ortswissen-tests")
    conf = {
        **SPARK_CONF,
        "spark.sql.warehouse.dir": str(workdir / "warehouse"),
        "spark.driver.extraJavaOptions": f"-Dderby.system.home={workdir / 'derby'}",
        **(extra or {}),
    }
    for key, value in conf.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def stop_spark(session: SparkSession) -> None:
    """Stop the session (the JVM itself ends with the Python process)."""
    with contextlib.suppress(Exception):
        session.stop()
