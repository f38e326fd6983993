"""Helpers shared by the benchmark scripts: logging, CPU time, medians, the source digest, the machine."""

from __future__ import annotations

import hashlib
import importlib
import os
import platform
import resource
import statistics
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

__all__ = [
    "cpu_seconds",
    "ensure_importable",
    "load_average",
    "log",
    "log_run",
    "machine",
    "median",
    "source_digest",
]


def log(message: str) -> None:
    """Progress on stderr, so that ``--json`` output can be piped."""
    print(message, file=sys.stderr, flush=True)


def ensure_importable() -> None:
    """Make ``ortswissen`` importable when it is not installed (run from the source tree)."""
    try:
        import ortswissen._version  # noqa: F401
    except ImportError:
        sys.path.insert(0, str(ROOT / "src"))


def cpu_seconds() -> float:
    """User + system CPU time of this process so far (all its threads)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def median(runs: list[dict[str, Any]], key: str) -> float:
    """The median of ``key`` over the runs."""
    return float(statistics.median(r[key] for r in runs))


def log_run(i: int, repeat: int, what: str, result: dict[str, Any]) -> None:
    """One line per timed run."""
    log(
        f"  run {i + 1}/{repeat} {what}: {result['seconds']:.2f} s (CPU {result['cpu_seconds']:.2f} s), "
        f"peak RSS {result['peak_rss_mb']:.0f} MB"
    )


def source_digest() -> str | None:
    """SHA-256 (first 12 hex digits) of the ortswissen sources the figures were measured with."""
    ensure_importable()
    import ortswissen.storage

    package = Path(ortswissen.storage.__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*")):
        if path.suffix in (".py", ".sql", ".yaml") and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(package)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def load_average() -> list[float] | None:
    """The 1/5/15-minute load average (the machine's busyness during the run)."""
    return [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None


def machine(packages: list[str]) -> dict[str, Any]:
    """What the figures were measured on: CPUs, memory, platform and the versions of ``packages``."""
    ensure_importable()
    from ortswissen._version import __version__

    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    memory = None
    if hasattr(os, "sysconf") and "SC_PHYS_PAGES" in os.sysconf_names:
        memory = round(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") / 1e9, 1)
    return {
        "cpu_count": os.cpu_count(),
        "cpus_usable": affinity,
        "memory_gb": memory,
        "processor": platform.processor() or platform.machine(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        **{name: importlib.import_module(name).__version__ for name in packages},
        "ortswissen": __version__,
        "ortswissen_source_digest": source_digest(),
    }
