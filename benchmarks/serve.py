"""Serving benchmark: requests/s and latency of the HTTP API and OGC API – Features, against pygeoapi.

What is measured
----------------
* The Berlin demo store (``ortswissen demo --no-serve``; built into ``.bench/berlin.duckdb``
  when missing) served by ``ortswissen serve`` (FastAPI under uvicorn, one process) in a
  subprocess. The 542 planning areas of LOR 2021 (level ``planungsraum``) on 2023-12-31:

  - ``ogc-items``: ``/ogc/collections/planungsraum/items?limit=1000&datetime=2023-12-31&f=json``
    (all 542 features with WGS84 geometry and the values of every indicator of the level as
    properties);
  - ``values-json``: ``/api/v1/indicators/<id>/values?level=planungsraum&date=2023-12-31``
    (the long-form rows of one indicator, no geometry);
  - ``values-geojson``: the same with ``format=geojson`` (the units with geometry and that
    one indicator's value and status).

* The peer, in the same run: pygeoapi (installed by this script into its own virtual
  environment ``.bench/pygeoapi-venv``, never into ours) serving *the same features*: the
  FeatureCollection our ``ogc-items`` request returns, written to a GeoJSON file and served by
  pygeoapi's GeoJSON provider, through pygeoapi's Starlette app under the same uvicorn
  version, event loop and HTTP implementation, one process. Its requests:

  - for ``ogc-items``: ``/collections/planungsraum/items?limit=1000&f=json`` (the like-for-like
    comparison: same features, same properties, same geometry);
  - for ``values-json``: ``…/items?limit=1000&f=json&skipGeometry=true&properties=unit_id,<id>``,
    the nearest pygeoapi request to one indicator's values (pygeoapi has no values endpoint);
  - for ``values-geojson``: ``…/items?limit=1000&f=json&properties=unit_id,name,<id>``.

* Before any timing, each request is made once and checked: status 200, the expected number
  of features or rows (542), the same unit ids on both sides and the same values of the
  indicator (ours from the OGC API, from the values endpoint and from pygeoapi).
* The load: an asyncio HTTP/1.1 keep-alive client on loopback in this process (a small raw
  socket client by default, ``--client httpx`` for httpx), a fixed number of connections each
  sending its next request as soon as the previous response is read, for ``--duration``
  seconds after ``--warmup`` seconds (the window stays open until at least
  ``--min-responses`` responses, at most 6 × ``--duration``, so that slow answers still give
  percentiles); once with 1 connection (the latency one client sees) and once with 8
  (throughput under load). Reported: requests/s (200 responses completed in the window /
  its length), latency p50/p95/p99/max, errors (non-200 responses, broken connections), the
  response size, and the server's CPU time per request (``/proc/<pid>/stat``). Client and
  server share the machine's cores; the client's own CPU time is reported too.

Figures are medians over ``--repeat`` runs; ours and the peer alternate. Targets (from the
issue): ours ≥ 3 × pygeoapi's requests/s and ours p95 < 50 ms.

Run from the repository root::

    .venv/bin/python benchmarks/serve.py                # 1 and 8 connections, 2 s warm-up + 10 s, 3 runs each
    .venv/bin/python benchmarks/serve.py --json         # the same as one JSON document
    .venv/bin/python benchmarks/serve.py --quick        # smoke run: 1 run of 0.5 s + 2 s
    .venv/bin/python benchmarks/serve.py --no-peer      # ours only (no pygeoapi install)
    .venv/bin/python benchmarks/serve.py --profile 30   # ours under cProfile, top 30 functions
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import math
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _harness import cpu_seconds as _cpu_seconds
from _harness import ensure_importable as _ensure_importable
from _harness import load_average as _load
from _harness import log as _log
from _harness import machine as _machine

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = Path(__file__).resolve()

HOST = "127.0.0.1"
DEFAULT_DB = ROOT / ".bench" / "berlin.duckdb"
DEFAULT_LEVEL = "planungsraum"
DEFAULT_DATE = "2023-12-31"
DEFAULT_INDICATOR = "residents"
BERLIN_PLANNING_AREAS = 542  # LOR 2021
PYGEOAPI_VERSION = "0.21.0"
MIN_RATIO = 3.0  # ours ≥ 3 × pygeoapi's requests/s
MAX_P95_MS = 50.0  # ours p95 < 50 ms
SERVER_START_TIMEOUT = 180.0
MAX_WINDOW_FACTOR = 6.0  # a window waiting for --min-responses lasts at most this × --duration
ENDPOINTS = ("ogc-items", "values-json", "values-geojson")


# -- servers ---------------------------------------------------------------------------------------------
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never through a proxy


def _get(port: int, path: str, timeout: float = 60.0) -> tuple[int, dict[str, str], bytes]:
    """One GET on loopback: status, headers (lower-case names) and body."""
    try:
        with _DIRECT.open(f"http://{HOST}:{port}{path}", timeout=timeout) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, {k.lower(): v for k, v in exc.headers.items()}, exc.read()


def _env_with_sources() -> dict[str, str]:
    """The environment with ``src/`` first on ``PYTHONPATH`` (ours runs from this source tree)."""
    paths = [str(ROOT / "src"), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}


@dataclass
class Server:
    """A server in a subprocess, with its CPU time and peak RSS read from ``/proc``."""

    name: str
    command: list[str]
    port: int
    ready_path: str
    log_file: Path
    env: dict[str, str] | None = None
    description: dict[str, Any] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None
    start_seconds: float | None = None

    def start(self) -> None:
        """Start the process and wait until ``ready_path`` answers 200."""
        _log(f"  starting {self.name}: {' '.join(self.command)}")
        t0 = time.perf_counter()
        with self.log_file.open("wb") as handle:
            self.process = subprocess.Popen(
                self.command, stdout=handle, stderr=subprocess.STDOUT, cwd=ROOT, env=self.env
            )
        deadline = t0 + SERVER_START_TIMEOUT
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                status, _, _ = _get(self.port, self.ready_path, timeout=5)
            except OSError:
                time.sleep(0.2)
                continue
            if status == 200:
                self.start_seconds = time.perf_counter() - t0
                _log(f"  {self.name} ready in {self.start_seconds:.1f} s (pid {self.process.pid}, port {self.port})")
                return
            raise RuntimeError(f"{self.name}: {self.ready_path} answered {status}:\n{self.log_tail()}")
        self.stop()
        raise RuntimeError(f"{self.name} did not answer within {SERVER_START_TIMEOUT:.0f} s:\n{self.log_tail()}")

    def log_tail(self, chars: int = 4000) -> str:
        """The end of the server's output."""
        return self.log_file.read_text(encoding="utf-8", errors="replace")[-chars:] if self.log_file.exists() else ""

    def cpu_seconds(self) -> float | None:
        """User + system CPU time of the server process (all threads), from ``/proc/<pid>/stat``."""
        if self.process is None:
            return None
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def peak_rss_mb(self) -> float | None:
        """Peak RSS of the server process in MB (``VmHWM``)."""
        if self.process is None:
            return None
        try:
            for line in Path(f"/proc/{self.process.pid}/status").read_text(encoding="ascii").splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024 / 1e6
        except OSError:
            return None
        return None

    def stop(self) -> None:
        """Interrupt the server (as Ctrl+C would), kill it if it does not stop."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _server_impl(python: Path) -> dict[str, str]:
    """The uvicorn version and the event loop and HTTP implementation uvicorn's ``auto`` picks in an environment."""
    code = (
        "import importlib.util as u, json, uvicorn; "
        "print(json.dumps({'uvicorn': uvicorn.__version__, "
        "'loop': 'uvloop' if u.find_spec('uvloop') else 'asyncio', "
        "'http': 'httptools' if u.find_spec('httptools') else 'h11'}))"
    )
    out = subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)  # type: ignore[no-any-return]


def ours_server(db: Path, workdir: Path, *, profile_to: Path | None = None) -> Server:
    """``ortswissen serve --db <db>`` (or, with ``profile_to``, the same app under cProfile)."""
    _ensure_importable()
    import fastapi

    from ortswissen._version import __version__
    from ortswissen.devserver import free_port

    port = free_port(HOST)
    script = Path(sys.executable).with_name("ortswissen")
    env = _env_with_sources()
    if profile_to is not None:
        command = [sys.executable, str(SCRIPT), "--child", "profiled-server", str(db), str(port), str(profile_to)]
    elif script.exists():
        command = [str(script), "serve", "--db", str(db), "--host", HOST, "--port", str(port)]
    else:
        code = "from ortswissen.cli.main import main; main()"
        command = [sys.executable, "-c", code, "serve", "--db", str(db), "--host", HOST, "--port", str(port)]
    impl = _server_impl(Path(sys.executable))
    return Server(
        name="ortswissen",
        command=command,
        port=port,
        ready_path="/ogc/conformance",
        log_file=workdir / "ours.log",
        env=env,
        description={
            "what": f"ortswissen {__version__} `ortswissen serve` (FastAPI {fastapi.__version__}; sync endpoints "
            "in AnyIO's thread pool)",
            "server": f"uvicorn {impl['uvicorn']}, 1 process ({impl['loop']} event loop, {impl['http']})",
            **impl,
        },
    )


# -- the peer: pygeoapi in its own virtual environment ----------------------------------------------------
def ensure_pygeoapi(venv: Path, version: str, uvicorn_version: str) -> dict[str, Any]:
    """Create ``venv`` with pygeoapi, Starlette and uvicorn (ours' version), unless it is there already."""
    python = venv / "bin" / "python"
    marker = venv / "ortswissen-bench.json"
    wanted = {"pygeoapi": version, "uvicorn": uvicorn_version}
    if python.exists() and marker.exists() and json.loads(marker.read_text(encoding="utf-8")) == wanted:
        _log(f"  reusing {venv}")
    else:
        _log(f"  installing pygeoapi {version} into {venv} (pip)")
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
        pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        # uvicorn pinned to ours' version and nothing of uvicorn[standard]: the same server on both sides
        packages = [f"pygeoapi=={version}", "starlette", f"uvicorn=={uvicorn_version}"]
        subprocess.run([*pip, *packages], check=True)
        marker.write_text(json.dumps(wanted), encoding="utf-8")
    code = (
        "import json; from importlib.metadata import version as v; "
        "print(json.dumps({p: v(p) for p in ('pygeoapi', 'starlette', 'uvicorn')}))"
    )
    out = subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)  # type: ignore[no-any-return]


def pygeoapi_config(geojson: Path, collection: str, bbox: list[float], port: int, title: str) -> dict[str, Any]:
    """A minimal pygeoapi configuration: one collection from a GeoJSON file."""
    return {
        "server": {
            "bind": {"host": HOST, "port": port},
            "url": f"http://{HOST}:{port}",
            "mimetype": "application/json; charset=UTF-8",
            "encoding": "utf-8",
            "gzip": False,
            "language": "en-US",
            "cors": False,
            "pretty_print": False,
            "limits": {"default_items": 10, "max_items": 10000},
            "map": {"url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png", "attribution": "OpenStreetMap"},
        },
        "logging": {"level": "ERROR"},
        "metadata": {
            "identification": {
                "title": "pygeoapi peer of the ortswissen serving benchmark",
                "description": "The same features as ortswissen's OGC API",
                "keywords": ["benchmark"],
                "keywords_type": "theme",
                "terms_of_service": "https://creativecommons.org/licenses/by/4.0/",
                "url": "https://example.org",
            },
            "license": {"name": "CC-BY 4.0", "url": "https://creativecommons.org/licenses/by/4.0/"},
            "provider": {"name": "ortswissen benchmark", "url": "https://example.org"},
            "contact": {"name": "ortswissen benchmark"},
        },
        "resources": {
            collection: {
                "type": "collection",
                "title": title,
                "description": title,
                "keywords": [collection],
                "extents": {"spatial": {"bbox": bbox, "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}},
                "providers": [{"type": "feature", "name": "GeoJSON", "data": str(geojson), "id_field": "unit_id"}],
            }
        },
    }


def peer_server(
    venv: Path, workdir: Path, geojson: Path, collection: str, bbox: list[float], title: str, impl: dict[str, str]
) -> Server:
    """pygeoapi's Starlette app under uvicorn, one process, with ours' event loop and HTTP implementation."""
    import yaml

    _ensure_importable()
    from ortswissen.devserver import free_port

    port = free_port(HOST)
    config, openapi = workdir / "pygeoapi-config.yml", workdir / "pygeoapi-openapi.yml"
    config.write_text(yaml.safe_dump(pygeoapi_config(geojson, collection, bbox, port, title)), encoding="utf-8")
    env = {**os.environ, "PYGEOAPI_CONFIG": str(config), "PYGEOAPI_OPENAPI": str(openapi)}
    env.pop("PYTHONPATH", None)
    subprocess.run(
        [str(venv / "bin" / "pygeoapi"), "openapi", "generate", str(config), "--output-file", str(openapi)],
        check=True,
        env=env,
        capture_output=True,
    )
    peer_impl = _server_impl(venv / "bin" / "python")
    command = [
        str(venv / "bin" / "python"),
        "-m",
        "uvicorn",
        "pygeoapi.starlette_app:APP",
        "--host",
        HOST,
        "--port",
        str(port),
        "--workers",
        "1",
        "--loop",
        impl["loop"],
        "--http",
        impl["http"],
        "--log-level",
        "warning",
    ]
    return Server(
        name="pygeoapi",
        command=command,
        port=port,
        ready_path="/conformance?f=json",
        log_file=workdir / "pygeoapi.log",
        env=env,
        description={
            "server": f"uvicorn {peer_impl['uvicorn']}, 1 process ({impl['loop']} event loop, {impl['http']})",
            "uvicorn": peer_impl["uvicorn"],
            "loop": impl["loop"],
            "http": impl["http"],
        },
    )


# -- the load generator -------------------------------------------------------------------------------------
@dataclass
class Window:
    """The measured window (``time.perf_counter`` seconds); ``end`` is set when it closes."""

    start: float
    end: float = math.inf
    closed: bool = False

    @property
    def seconds(self) -> float:
        """The window's length (once closed)."""
        return self.end - self.start


@dataclass
class Tally:
    """Responses completed in the window."""

    window: Window
    latencies: list[float] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    requests_total: int = 0

    def response(self, done: float, seconds: float, status: int, size: int) -> None:
        self.requests_total += 1
        if self.window.start <= done <= self.window.end:
            self.latencies.append(seconds)
            self.sizes.append(size)
            self.statuses[status] = self.statuses.get(status, 0) + 1

    def error(self, done: float, what: str) -> None:
        self.requests_total += 1
        if self.window.start <= done <= self.window.end:
            self.errors.append(what)


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, int, bool]:
    """Read one HTTP/1.1 response: status, body size, whether the server closes the connection."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    length, chunked, close = None, False, False
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding":
            chunked = b"chunked" in value.lower()
        elif name == b"connection":
            close = b"close" in value.lower()
    size = 0
    if chunked:
        while True:
            n = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if n == 0:
                while await reader.readuntil(b"\r\n") != b"\r\n":  # trailers
                    pass
                break
            await reader.readexactly(n + 2)
            size += n
    elif length is not None:
        while size < length:
            chunk = await reader.read(min(length - size, 1 << 20))
            if not chunk:
                raise asyncio.IncompleteReadError(b"", length - size)
            size += len(chunk)
    else:  # until the server closes
        while chunk := await reader.read(1 << 20):
            size += len(chunk)
        close = True
    return status, size, close


async def _raw_worker(port: int, path: str, tally: Tally) -> None:
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nAccept: application/json, application/geo+json\r\n"
        "Connection: keep-alive\r\n\r\n"
    ).encode("ascii")
    writer: asyncio.StreamWriter | None = None
    reader: asyncio.StreamReader | None = None
    while not tally.window.closed:
        t0 = time.perf_counter()
        try:
            if writer is None or reader is None:
                reader, writer = await asyncio.open_connection(HOST, port, limit=1 << 20)
                t0 = time.perf_counter()
            writer.write(request)
            status, size, close = await _read_response(reader)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError, IndexError) as exc:
            tally.error(time.perf_counter(), f"{type(exc).__name__}: {exc}")
            if writer is not None:
                writer.close()
            reader = writer = None
            await asyncio.sleep(0.05)
            continue
        done = time.perf_counter()
        tally.response(done, done - t0, status, size)
        if close:
            writer.close()
            reader = writer = None
    if writer is not None:
        writer.close()


async def _httpx_workers(port: int, path: str, tally: Tally, connections: int) -> None:
    import httpx

    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    headers = {"Accept": "application/json, application/geo+json"}
    async with httpx.AsyncClient(
        base_url=f"http://{HOST}:{port}", limits=limits, timeout=120, headers=headers, trust_env=False
    ) as c:

        async def worker() -> None:
            while not tally.window.closed:
                t0 = time.perf_counter()
                try:
                    response = await c.get(path)
                except httpx.HTTPError as exc:
                    tally.error(time.perf_counter(), f"{type(exc).__name__}: {exc}")
                    await asyncio.sleep(0.05)
                    continue
                done = time.perf_counter()
                tally.response(done, done - t0, response.status_code, len(response.content))

        await asyncio.gather(*(worker() for _ in range(connections)))


async def _load_async(
    port: int,
    path: str,
    connections: int,
    warmup: float,
    duration: float,
    min_responses: int,
    client: str,
    server: Server,
) -> tuple[Tally, dict[str, float | None]]:
    tally = Tally(Window(time.perf_counter() + warmup))
    usage: dict[str, float | None] = {}

    async def sample() -> None:
        """Open the window after the warm-up, close it after ``duration`` (longer for slow answers)."""
        window = tally.window
        await asyncio.sleep(max(0.0, window.start - time.perf_counter()))
        usage["server_cpu_start"], usage["client_cpu_start"] = server.cpu_seconds(), _cpu_seconds()
        await asyncio.sleep(duration)
        # at least min_responses in the window (percentiles of a handful of answers say little),
        # for at most MAX_WINDOW_FACTOR × duration
        cap = window.start + duration * MAX_WINDOW_FACTOR
        while len(tally.latencies) + len(tally.errors) < min_responses and time.perf_counter() < cap:
            await asyncio.sleep(0.05)
        usage["server_cpu_end"], usage["client_cpu_end"] = server.cpu_seconds(), _cpu_seconds()
        window.end, window.closed = time.perf_counter(), True

    if client == "httpx":
        await asyncio.gather(sample(), _httpx_workers(port, path, tally, connections))
    else:
        await asyncio.gather(sample(), *(_raw_worker(port, path, tally) for _ in range(connections)))
    return tally, usage


def _percentile(sorted_values: list[float], q: float) -> float | None:
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return None
    rank = max(1, -(-len(sorted_values) * q // 100))
    return sorted_values[int(rank) - 1]


def measure(
    server: Server, path: str, connections: int, warmup: float, duration: float, min_responses: int, client: str
) -> dict[str, Any]:
    """Load ``path`` on ``server`` for ``warmup + duration`` seconds (or longer, see ``_load_async``)."""
    tally, usage = asyncio.run(
        _load_async(server.port, path, connections, warmup, duration, min_responses, client, server)
    )
    seconds = tally.window.seconds
    lat = sorted(x * 1000 for x in tally.latencies)
    ok = tally.statuses.get(200, 0)
    errors = len(tally.errors) + sum(n for status, n in tally.statuses.items() if status != 200)
    done = len(lat)
    server_cpu = (
        usage["server_cpu_end"] - usage["server_cpu_start"]  # type: ignore[operator]
        if usage.get("server_cpu_start") is not None and usage.get("server_cpu_end") is not None
        else None
    )
    client_cpu = usage["client_cpu_end"] - usage["client_cpu_start"]  # type: ignore[operator]
    return {
        "requests": done,
        "ok": ok,
        "errors": errors,
        "error_examples": sorted(set(tally.errors))[:5] + [f"HTTP {s}" for s in sorted(tally.statuses) if s != 200][:5],
        "rps": ok / seconds,
        "window_seconds": seconds,
        "p50_ms": _percentile(lat, 50),
        "p95_ms": _percentile(lat, 95),
        "p99_ms": _percentile(lat, 99),
        "max_ms": lat[-1] if lat else None,
        "mean_ms": statistics.fmean(lat) if lat else None,
        "bytes_per_response": int(statistics.median(tally.sizes)) if tally.sizes else None,
        "bytes_min": min(tally.sizes) if tally.sizes else None,
        "bytes_max": max(tally.sizes) if tally.sizes else None,
        "mb_per_s": sum(tally.sizes) / seconds / 1e6,
        "server_cpu_seconds": server_cpu,
        "server_cpu_ms_per_request": server_cpu / done * 1000 if server_cpu is not None and done else None,
        "server_cpu_share": server_cpu / seconds if server_cpu is not None else None,
        "client_cpu_seconds": client_cpu,
        "client_cpu_share": client_cpu / seconds,
        "requests_incl_warmup": tally.requests_total,
    }


# -- requests and their check ----------------------------------------------------------------------------
def paths(level: str, date: str, indicator: str) -> dict[str, dict[str, str]]:
    """The request of each endpoint on each side."""
    q = urllib.parse.quote
    items = f"/collections/{q(level)}/items?limit=1000&f=json"
    return {
        "ogc-items": {
            "ours": f"/ogc{items}&datetime={q(date)}",
            "peer": items,
            "what": "all features with geometry and every indicator of the level as properties (OGC API Features)",
            "peer_note": "like for like: the same features (ours' response written to a GeoJSON file)",
        },
        "values-json": {
            "ours": f"/api/v1/indicators/{q(indicator)}/values?level={q(level)}&date={q(date)}",
            "peer": f"{items}&skipGeometry=true&properties=unit_id,{q(indicator)}",
            "what": "one indicator's values of all units, JSON rows, no geometry",
            "peer_note": "nearest pygeoapi request (it has no values endpoint): items without geometry, two properties",
        },
        "values-geojson": {
            "ours": f"/api/v1/indicators/{q(indicator)}/values?level={q(level)}&date={q(date)}&format=geojson",
            "peer": f"{items}&properties=unit_id,name,{q(indicator)}",
            "what": "one indicator's values of all units as GeoJSON (with geometry)",
            "peer_note": "nearest pygeoapi request: items with geometry, three properties",
        },
    }


def _fetch_json(server: Server, path: str) -> tuple[dict[str, Any], int, str]:
    status, headers, body = _get(server.port, path)
    if status != 200:
        raise RuntimeError(f"{server.name} {path} answered {status}: {body[:500]!r}")
    return json.loads(body), len(body), headers.get("content-type", "")


def _feature_values(data: dict[str, Any], indicator: str) -> dict[str, Any]:
    return {str(f["properties"]["unit_id"]): f["properties"].get(indicator) for f in data["features"]}


def _same(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    """Unit ids whose values differ (beyond float rounding), or that only one side has."""
    out = sorted(set(a) ^ set(b))
    for key in set(a) & set(b):
        x, y = a[key], b[key]
        if (x is None) != (y is None) or (x is not None and abs(float(x) - float(y)) > 1e-9 * max(abs(x), 1)):
            out.append(key)
    return out


def verify_ours(
    server: Server, requests: dict[str, dict[str, str]], indicator: str, expect: int | None
) -> dict[str, Any]:
    """One request per endpoint: status 200, the expected count, the same values everywhere."""
    checks: dict[str, Any] = {}
    items, size, ctype = _fetch_json(server, requests["ogc-items"]["ours"])
    count = len(items["features"])
    expect = count if expect is None else expect
    by_ogc = _feature_values(items, indicator)
    checks["ogc-items"] = {
        "features": count,
        "number_matched": items.get("numberMatched"),
        "bytes": size,
        "content_type": ctype,
        "properties_per_feature": len(items["features"][0]["properties"]) if count else 0,
        "indicator_numbers": sum(v is not None for v in by_ogc.values()),
        "value_date": (items.get("valueDates") or {}).get(indicator),
    }
    problems = []
    if count != expect or items.get("numberMatched") != expect:
        problems.append(f"ogc-items: {count} features ({items.get('numberMatched')} matched), expected {expect}")
    if indicator not in items["features"][0]["properties"]:
        problems.append(f"ogc-items: no property {indicator!r}")
    values, size, ctype = _fetch_json(server, requests["values-json"]["ours"])
    rows = {str(r["unit_id"]): r["value"] for r in values["values"]}
    checks["values-json"] = {"rows": len(values["values"]), "units": len(rows), "bytes": size, "content_type": ctype}
    if len(values["values"]) != expect or len(rows) != expect:
        problems.append(f"values-json: {len(values['values'])} rows of {len(rows)} units, expected {expect}")
    if differ := _same(rows, by_ogc):
        problems.append(f"values-json and ogc-items differ for {len(differ)} units, e.g. {differ[:3]}")
    geo, size, ctype = _fetch_json(server, requests["values-geojson"]["ours"])
    by_geo = {str(f["properties"]["unit_id"]): f["properties"]["value"] for f in geo["features"]}
    checks["values-geojson"] = {"features": len(geo["features"]), "bytes": size, "content_type": ctype}
    if len(geo["features"]) != expect:
        problems.append(f"values-geojson: {len(geo['features'])} features, expected {expect}")
    if differ := _same(by_geo, by_ogc):
        problems.append(f"values-geojson and ogc-items differ for {len(differ)} units, e.g. {differ[:3]}")
    if problems:
        raise RuntimeError("ours failed the check: " + "; ".join(problems))
    return {"expected": expect, "endpoints": checks, "items": items}


def verify_peer(
    server: Server, requests: dict[str, dict[str, str]], indicator: str, expect: int, by_ogc: dict[str, Any]
) -> dict[str, Any]:
    """pygeoapi returns the same units with the same values (and only the asked-for properties)."""
    checks: dict[str, Any] = {}
    problems = []
    for endpoint, props in (
        ("ogc-items", None),
        ("values-json", {"unit_id", indicator}),
        ("values-geojson", {"unit_id", "name", indicator}),
    ):
        data, size, ctype = _fetch_json(server, requests[endpoint]["peer"])
        features = data["features"]
        checks[endpoint] = {
            "features": len(features),
            "number_matched": data.get("numberMatched"),
            "bytes": size,
            "content_type": ctype,
            "with_geometry": sum(f.get("geometry") is not None for f in features),
        }
        if len(features) != expect:
            problems.append(f"{endpoint}: {len(features)} features, expected {expect}")
        if differ := _same(_feature_values(data, indicator), by_ogc):
            problems.append(f"{endpoint}: values differ from ours for {len(differ)} units, e.g. {differ[:3]}")
        if props is not None and any(set(f["properties"]) - props for f in features):
            problems.append(f"{endpoint}: properties other than {sorted(props)}")
        if endpoint == "values-json" and checks[endpoint]["with_geometry"]:
            problems.append(f"{endpoint}: geometry despite skipGeometry=true")
        if endpoint != "values-json" and checks[endpoint]["with_geometry"] != expect:
            problems.append(f"{endpoint}: {checks[endpoint]['with_geometry']} features with geometry of {expect}")
    if problems:
        raise RuntimeError("the peer failed the check: " + "; ".join(problems))
    return checks


# -- the benchmark ---------------------------------------------------------------------------------------
def ensure_store(db: Path) -> dict[str, Any]:
    """The demo store at ``db``, built with ``ortswissen demo --no-serve`` when missing."""
    if db.exists():
        return {"db": str(db), "built": False, "build_seconds": None}
    db.parent.mkdir(parents=True, exist_ok=True)
    _log(f"  building the Berlin demo store {db} (ortswissen demo --no-serve; a few minutes)")
    t0 = time.perf_counter()
    code = "from ortswissen.cli.main import main; main()"
    env = _env_with_sources()
    subprocess.run([sys.executable, "-c", code, "demo", "--no-serve", "--db", str(db)], check=True, cwd=ROOT, env=env)
    return {"db": str(db), "built": True, "build_seconds": round(time.perf_counter() - t0, 1)}


def _summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    keys = ("rps", "p50_ms", "p95_ms", "p99_ms", "max_ms", "mean_ms", "server_cpu_ms_per_request")
    keys += ("server_cpu_share", "client_cpu_share", "mb_per_s")
    out: dict[str, Any] = {
        k: float(statistics.median(r[k] for r in runs)) if all(r[k] is not None for r in runs) else None for k in keys
    }
    out["errors"] = sum(r["errors"] for r in runs)
    out["requests"] = sum(r["requests"] for r in runs)
    out["bytes_per_response"] = runs[0]["bytes_per_response"]
    out["error_examples"] = sorted({e for r in runs for e in r["error_examples"]})[:5]
    out["runs"] = runs
    return out


def measure_endpoint(
    args: argparse.Namespace,
    requests: dict[str, dict[str, str]],
    endpoint: str,
    connections: int,
    ours: Server,
    peer: Server | None,
) -> dict[str, Any]:
    """``--repeat`` runs of one endpoint at one concurrency on each side (alternating), and their medians."""
    _log(f"{endpoint}, {connections} connection(s)")
    runs: dict[str, list[dict[str, Any]]] = {"ours": [], "peer": []}
    sides = [("ours", ours)] + ([("peer", peer)] if peer is not None else [])
    for i in range(args.repeat):
        for side, server in sides if i % 2 == 0 else sides[::-1]:
            r = measure(
                server,
                requests[endpoint][side],
                connections,
                args.warmup,
                args.duration,
                args.min_responses,
                args.client,
            )
            runs[side].append(r)
            _log(
                f"  run {i + 1}/{args.repeat} {server.name}: {r['rps']:.1f} req/s, p50 {_ms(r['p50_ms'])} ms, "
                f"p95 {_ms(r['p95_ms'])} ms, {r['errors']} errors, {(r['bytes_per_response'] or 0) / 1e3:,.0f} kB, "
                f"server CPU {_ms(r['server_cpu_ms_per_request'])} ms/request"
            )
    o = _summary(runs["ours"])
    entry: dict[str, Any] = {
        "endpoint": endpoint,
        "connections": connections,
        "what": requests[endpoint]["what"],
        "ours_path": requests[endpoint]["ours"],
        "ortswissen": o,
        "p95_met": o["p95_ms"] is not None and o["p95_ms"] < MAX_P95_MS and o["errors"] == 0,
    }
    if peer is not None:
        p = _summary(runs["peer"])
        ratio = o["rps"] / p["rps"] if p["rps"] else None
        entry.update(
            {
                "peer_path": requests[endpoint]["peer"],
                "peer_note": requests[endpoint]["peer_note"],
                "peer": p,
                "ratio_rps": ratio,
                "ratio_p95": p["p95_ms"] / o["p95_ms"] if o["p95_ms"] and p["p95_ms"] else None,
                "ratio_server_cpu": (
                    p["server_cpu_ms_per_request"] / o["server_cpu_ms_per_request"]
                    if o["server_cpu_ms_per_request"] and p["server_cpu_ms_per_request"]
                    else None
                ),
                "ratio_met": ratio is not None and ratio >= MIN_RATIO,
            }
        )
        entry["target_met"] = entry["ratio_met"] and entry["p95_met"]
    return entry


def bench(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    """Start ours (and the peer), check the answers, then load each endpoint on each side."""
    store = ensure_store(args.db)
    requests = paths(args.level, args.date, args.indicator)
    run_dir = Path(tempfile.mkdtemp(prefix="serve-", dir=workdir))
    ours = ours_server(args.db, run_dir)
    peer: Server | None = None
    servers: dict[str, Any] = {"ours": None, "peer": None}
    try:
        ours.start()
        checked = verify_ours(ours, requests, args.indicator, args.expect)
        items = checked.pop("items")
        expect = checked["expected"]
        _log(
            f"  ours: {expect} features, {checked['endpoints']['ogc-items']['properties_per_feature']} properties "
            f"each, {checked['endpoints']['ogc-items']['bytes'] / 1e6:.2f} MB (ogc-items)"
        )
        by_ogc = _feature_values(items, args.indicator)
        verification: dict[str, Any] = {"ours": checked, "peer": None}
        if not args.no_peer:
            venv = args.pygeoapi_venv
            versions = ensure_pygeoapi(venv, args.pygeoapi_version, ours.description["uvicorn"])
            geojson = run_dir / f"{args.level}_{args.date}.geojson"
            geojson.write_text(
                json.dumps({"type": "FeatureCollection", "features": items["features"]}, ensure_ascii=False),
                encoding="utf-8",
            )
            _, _, body = _get(ours.port, f"/ogc/collections/{urllib.parse.quote(args.level)}?f=json")
            bbox = json.loads(body)["extent"]["spatial"]["bbox"][0]
            peer = peer_server(venv, run_dir, geojson, args.level, bbox, f"{args.level} {args.date}", ours.description)
            peer.description["what"] = (
                f"pygeoapi {versions['pygeoapi']} Starlette app (Starlette {versions['starlette']}), GeoJSON "
                "provider on the same features (handlers in asyncio's default thread pool)"
            )
            peer.description["versions"] = versions
            peer.description["geojson_bytes"] = geojson.stat().st_size
            peer.start()
            verification["peer"] = verify_peer(peer, requests, args.indicator, expect, by_ogc)
            _log("  the peer returns the same units and values")
        results = [
            measure_endpoint(args, requests, endpoint, connections, ours, peer)
            for endpoint in args.endpoints
            for connections in args.connections
        ]
        for side, server in (("ours", ours), ("peer", peer)):
            if server is not None:
                servers[side] = {
                    **server.description,
                    "command": server.command,
                    "start_seconds": server.start_seconds,
                    "peak_rss_mb": server.peak_rss_mb(),
                }
    finally:
        for server in (ours, peer):
            if server is not None:
                server.stop()
        if not args.keep:
            for path in sorted(run_dir.iterdir()):
                path.unlink()
            run_dir.rmdir()
    return {"store": store, "servers": servers, "verification": verification, "endpoints": results}


# -- profiling -----------------------------------------------------------------------------------------------
def child_profiled_server(db: str, port: int, out: Path) -> int:
    """``ortswissen serve`` in this process under cProfile (every thread); statistics to ``out`` on Ctrl+C."""
    _ensure_importable()
    import cProfile
    import pstats
    import threading

    import uvicorn

    from ortswissen.config import load_settings
    from ortswissen.web import create_app

    profilers: list[cProfile.Profile] = []

    def start_thread_profiler(*_: Any) -> None:
        profiler = cProfile.Profile()
        profilers.append(profiler)
        profiler.enable()  # replaces this hook in the new thread

    settings = load_settings(db=db, host=HOST, port=port)
    app = create_app(settings)
    threading.setprofile(start_thread_profiler)
    main = cProfile.Profile()
    main.enable()
    uvicorn.run(app, host=HOST, port=port, log_level="warning")
    main.disable()
    threading.setprofile(None)  # type: ignore[arg-type]
    stats = pstats.Stats(main)
    for profiler in profilers:
        profiler.create_stats()
        if profiler.stats:  # type: ignore[attr-defined]
            stats.add(profiler)
    stats.dump_stats(str(out))
    return 0


def profile_ours(args: argparse.Namespace, workdir: Path) -> int:
    """Load each endpoint once against ours under cProfile; the top functions to stdout."""
    import pstats

    ensure_store(args.db)
    requests = paths(args.level, args.date, args.indicator)
    run_dir = Path(tempfile.mkdtemp(prefix="serve-profile-", dir=workdir))
    out = run_dir / "ours.pstats"
    server = ours_server(args.db, run_dir, profile_to=out)
    figures = {}
    try:
        server.start()
        verify_ours(server, requests, args.indicator, args.expect)
        for endpoint in args.endpoints:
            r = measure(
                server,
                requests[endpoint]["ours"],
                max(args.connections),
                args.warmup,
                args.duration,
                args.min_responses,
                args.client,
            )
            figures[endpoint] = r
            _log(f"  {endpoint} under the profiler: {r['rps']:.1f} req/s, p95 {r['p95_ms'] or 0:.1f} ms")
    finally:
        server.stop()
    if not out.exists():
        print(server.log_tail())
        return 1
    for order in ("cumulative", "tottime"):
        pstats.Stats(str(out)).strip_dirs().sort_stats(order).print_stats(args.profile)
    print(
        "profiled ortswissen serve (all threads; with the profiler's overhead): "
        + ", ".join(f"{k} {v['rps']:.1f} req/s, p95 {v['p95_ms'] or 0:.1f} ms" for k, v in figures.items())
    )
    return 0


# -- report -----------------------------------------------------------------------------------------------
def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    return _machine(["duckdb", "fastapi", "starlette"])


def _ms(x: float | None) -> str:
    return "—" if x is None else f"{x:.1f}"


def render(result: dict[str, Any]) -> str:
    """The human-readable report."""
    m, load, s, r = result["machine"], result["load_average"], result["settings"], result["result"]
    ours_srv, peer_srv = r["servers"]["ours"], r["servers"]["peer"]
    check = r["verification"]["ours"]
    items = check["endpoints"]["ogc-items"]
    lines = [
        f"ortswissen serving benchmark — {result['date']}",
        f"machine: {m['cpu_count']} CPUs ({m['cpus_usable']} usable), {m['memory_gb']} GB RAM, {m['platform']}; "
        "the load generator runs on the same machine and shares the CPUs with the server",
        f"versions: Python {m['python']}, DuckDB {m['duckdb']}, FastAPI {m['fastapi']}, Starlette {m['starlette']}, "
        f"ortswissen {m['ortswissen']} (sources {m['ortswissen_source_digest']})",
        f"load average (1/5/15 min): {load['start']} at start, {load['end']} at end",
        f"data: {s['db']}, level {s['level']} on {s['date']}: {check['expected']:,} units; indicator {s['indicator']}; "
        f"ogc-items: {items['properties_per_feature']} properties per feature, {items['bytes'] / 1e6:.2f} MB",
        f"ours: {ours_srv['what']}; {ours_srv['server']}",
    ]
    if peer_srv:
        lines.append(f"peer: {peer_srv['what']}; {peer_srv['server']}")
    lines += [
        f"load: {s['client']} asyncio HTTP/1.1 keep-alive client, {'/'.join(map(str, s['connections']))} "
        "connection(s), "
        f"{s['warmup']:g} s warm-up + {s['duration']:g} s measured (longer until {s['min_responses']} responses), "
        f"medians of {s['repeat']} run(s); "
        f"targets: ours ≥ {MIN_RATIO:g}× the peer's requests/s and ours p95 < {MAX_P95_MS:g} ms",
        "",
    ]
    header = (
        f"{'endpoint':<15} {'conn':>4} {'side':<10} │ {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
        f"{'max ms':>7} {'errors':>6} {'kB/resp':>8} │ {'srv CPU ms/req':>14} {'srv CPU':>7} {'client':>6}"
    )
    lines += [header, "─" * len(header)]
    for e in r["endpoints"]:
        sides = [("ortswissen", e["ortswissen"])] + ([("pygeoapi", e["peer"])] if "peer" in e else [])
        for i, (name, x) in enumerate(sides):
            size = x["bytes_per_response"]
            lines.append(
                f"{e['endpoint'] if i == 0 else '':<15} {e['connections'] if i == 0 else '':>4} {name:<10} │ "
                f"{x['rps']:>7.1f} {_ms(x['p50_ms']):>7} {_ms(x['p95_ms']):>7} {_ms(x['p99_ms']):>7} "
                f"{_ms(x['max_ms']):>7} {x['errors']:>6} {(size or 0) / 1e3:>8,.0f} │ "
                f"{_ms(x['server_cpu_ms_per_request']):>14} {(x['server_cpu_share'] or 0) * 100:>6.0f}% "
                f"{x['client_cpu_share'] * 100:>5.0f}%"
            )
    lines.append("")
    verdict = lambda ok: "met" if ok else "NOT met"  # noqa: E731
    for e in r["endpoints"]:
        text = (
            f"{e['endpoint']}, {e['connections']} conn.: ours p95 {_ms(e['ortswissen']['p95_ms'])} ms "
            f"(< {MAX_P95_MS:g} ms: {verdict(e['p95_met'])})"
        )
        if "peer" in e:
            ratio = "—" if e["ratio_rps"] is None else f"{e['ratio_rps']:.2f}×"
            p95 = "—" if e["ratio_p95"] is None else f"{e['ratio_p95']:.2f}×"
            cpu = "—" if e["ratio_server_cpu"] is None else f"{e['ratio_server_cpu']:.2f}×"
            text += (
                f"; ours/peer req/s {ratio} (≥ {MIN_RATIO:g}×: {verdict(e['ratio_met'])}); "
                f"peer/ours p95 {p95}; peer/ours server CPU per request {cpu}"
            )
        lines.append(text)
    lines += [
        "",
        "conn = concurrent keep-alive connections, each sending its next request when the last response is read;",
        "req/s = 200 responses completed in the measured window / its length; latency = request written to last",
        "byte read (nearest rank); srv CPU ms/req = server process CPU time (all threads) / responses; srv CPU and",
        "client = CPU time of the server and of the load generator as a share of one core during the window.",
        "requests:",
    ]
    seen = set()
    for e in r["endpoints"]:
        if e["endpoint"] in seen:
            continue
        seen.add(e["endpoint"])
        lines.append(f"  {e['endpoint']}: {e['what']}")
        lines.append(f"    ours {e['ours_path']}")
        if "peer" in e:
            lines.append(f"    peer {e['peer_path']} — {e['peer_note']}")
    return "\n".join(lines)


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--db",
        type=Path,
        default=DEFAULT_DB,
        help="store to serve (default .bench/berlin.duckdb, built with `ortswissen demo --no-serve` when missing)",
    )
    parser.add_argument("--level", default=DEFAULT_LEVEL, help=f"level (collection) (default {DEFAULT_LEVEL})")
    parser.add_argument("--date", default=DEFAULT_DATE, help=f"reference date (default {DEFAULT_DATE})")
    parser.add_argument("--indicator", default=DEFAULT_INDICATOR, help=f"indicator (default {DEFAULT_INDICATOR})")
    parser.add_argument(
        "--expect",
        type=int,
        help=f"units expected (default {BERLIN_PLANNING_AREAS} for the Berlin planning areas; otherwise whatever "
        "ours returns, checked against every other response)",
    )
    parser.add_argument("--endpoints", default=",".join(ENDPOINTS), help=f"comma-separated subset of {ENDPOINTS}")
    parser.add_argument(
        "--connections",
        default="1,8",
        help="comma-separated numbers of concurrent keep-alive connections, each measured (default 1,8: "
        "latency of one client, and throughput under load)",
    )
    parser.add_argument("--duration", type=float, help="measured seconds per run (default 10, --quick: 2)")
    parser.add_argument(
        "--min-responses",
        type=int,
        help="keep the window open past --duration until this many responses (at most "
        f"{MAX_WINDOW_FACTOR:g} × --duration; default 20, --quick: 3)",
    )
    parser.add_argument("--warmup", type=float, help="warm-up seconds before each run (default 2, --quick: 0.5)")
    parser.add_argument(
        "--repeat", type=int, help="runs per side and endpoint; figures are medians (default 3, --quick: 1)"
    )
    parser.add_argument(
        "--client",
        choices=("raw", "httpx"),
        default="raw",
        help="load generator (default raw: a minimal asyncio socket client, the cheapest on shared cores)",
    )
    parser.add_argument("--quick", action="store_true", help="smoke run: 1 run of 0.5 s warm-up + 2 s")
    parser.add_argument("--no-peer", action="store_true", help="ours only: no pygeoapi")
    parser.add_argument("--pygeoapi-version", default=PYGEOAPI_VERSION, help=f"default {PYGEOAPI_VERSION}")
    parser.add_argument(
        "--pygeoapi-venv", type=Path, help="the peer's virtual environment (default <workdir>/pygeoapi-venv)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document with all figures")
    parser.add_argument("--keep", action="store_true", help="keep the GeoJSON, pygeoapi config and server logs")
    parser.add_argument(
        "--profile",
        type=int,
        metavar="N",
        default=0,
        help="instead of the benchmark, load ours under cProfile (all threads) and print the top N functions",
    )
    parser.add_argument("--workdir", type=Path, default=ROOT / ".bench", help="where files are kept (default .bench/)")
    args = parser.parse_args(argv)
    args.duration = args.duration if args.duration is not None else (2.0 if args.quick else 10.0)
    args.warmup = args.warmup if args.warmup is not None else (0.5 if args.quick else 2.0)
    args.repeat = args.repeat if args.repeat is not None else (1 if args.quick else 3)
    args.min_responses = args.min_responses if args.min_responses is not None else (3 if args.quick else 20)
    try:
        args.connections = [int(c) for c in str(args.connections).split(",") if c.strip()]
    except ValueError:
        parser.error("--connections takes comma-separated whole numbers")
    if args.repeat < 1 or not args.connections or min(args.connections) < 1 or args.duration <= 0 or args.warmup < 0:
        parser.error("--repeat and --connections must be at least 1, --duration positive, --warmup not negative")
    args.endpoints = [e.strip() for e in args.endpoints.split(",") if e.strip()]
    if not args.endpoints or set(args.endpoints) - set(ENDPOINTS):
        parser.error(f"--endpoints: choose from {', '.join(ENDPOINTS)}")
    args.db = args.db.resolve()
    if args.expect is None and args.db == DEFAULT_DB.resolve() and args.level == DEFAULT_LEVEL:
        args.expect = BERLIN_PLANNING_AREAS
    args.workdir = args.workdir.resolve()
    args.pygeoapi_venv = (args.pygeoapi_venv or args.workdir / "pygeoapi-venv").resolve()
    return args


def _child_main(argv: list[str]) -> int:
    what, *rest = argv
    if what == "profiled-server":
        return child_profiled_server(rest[0], int(rest[1]), Path(rest[2]))
    raise SystemExit(f"unknown child {what!r}")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        return _child_main(argv[1:])
    args = parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    if args.profile:
        return profile_ours(args, args.workdir)
    started = dt.datetime.now().astimezone()
    result: dict[str, Any] = {
        "benchmark": "serve",
        "date": started.isoformat(timespec="seconds"),
        "machine": machine(),
        "settings": {
            "db": str(args.db),
            "level": args.level,
            "date": args.date,
            "indicator": args.indicator,
            "expect": args.expect,
            "endpoints": args.endpoints,
            "connections": args.connections,
            "duration": args.duration,
            "min_responses": args.min_responses,
            "warmup": args.warmup,
            "repeat": args.repeat,
            "client": args.client,
            "peer": not args.no_peer,
            "pygeoapi_version": None if args.no_peer else args.pygeoapi_version,
            "workdir": str(args.workdir),
        },
        "targets": {"min_ratio_rps": MIN_RATIO, "max_p95_ms": MAX_P95_MS},
        "load_average": {"start": _load(), "end": None},
        "result": None,
    }
    result["result"] = bench(args, args.workdir)
    result["load_average"]["end"] = _load()
    result["total_seconds"] = round((dt.datetime.now().astimezone() - started).total_seconds(), 1)
    if args.json:
        print(json.dumps(result, indent=2, default=str))
    else:
        print(render(result))
    errors = sum(e["ortswissen"]["errors"] + e.get("peer", {}).get("errors", 0) for e in result["result"]["endpoints"])
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
