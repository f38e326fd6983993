"""``ortswissen serve`` in a subprocess on a free loopback port, and headless Chromium for it.

Browser tests and the UI benchmark drive a real server the way a user's browser would; this
module starts one and tells Playwright how to launch Debian's Chromium offline.

Examples
--------
>>> port = free_port()
>>> 1024 <= port <= 65535
True
>>> "--headless=new" in CHROMIUM_ARGS
True
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["CHROMIUM", "CHROMIUM_ARGS", "free_port", "served"]

#: Debian's Chromium (package ``chromium``), which Playwright drives instead of a downloaded browser
CHROMIUM = "/usr/bin/chromium"

#: WebGL through SwiftShader (MapLibre needs it; there is no GPU) and no background traffic
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never through a proxy


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free on ``host`` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


@contextmanager
def served(
    db: str | Path, *, public_mode: bool = False, log: Path | None = None, timeout: float = 120.0
) -> Iterator[str]:
    """Serve the store at ``db`` (read-only) until the block ends; yields ``http://127.0.0.1:<port>``.

    Raises ``RuntimeError`` with the server's output when it exits or does not answer in time.
    """
    port = free_port()
    env = {
        **os.environ,
        "ORTSWISSEN_PUBLIC_MODE": "true" if public_mode else "false",
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
    }
    command = [sys.executable, "-m", "ortswissen.cli.main", "serve", "--db", str(db), "--port", str(port)]
    log_path = log or Path(os.devnull)
    if log is not None:
        log.parent.mkdir(parents=True, exist_ok=True)
    base = f"http://127.0.0.1:{port}"
    with log_path.open("wb") as handle:
        process = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                tail = log_path.read_text(errors="replace")[-4000:] if log else ""
                raise RuntimeError(f"the server exited with {process.returncode}: {tail}")
            try:
                with _DIRECT.open(f"{base}/api/v1/health", timeout=5) as response:
                    if response.status == 200:
                        break
            except (OSError, urllib.error.URLError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server did not answer within {timeout:.0f} s")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
