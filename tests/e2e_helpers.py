"""Helpers of the browser tests (tests/e2e) and what they compare the page with: the served API."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

AXE = Path(__file__).parent / "e2e" / "vendor" / "axe.min.js"
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never through a proxy


def api(base: str, path: str, **params: Any) -> Any:
    """GET JSON from the served API (what the page should show)."""
    query = f"?{urlencode(params, doseq=True)}" if params else ""
    with _DIRECT.open(f"{base}/api/v1{path}{query}", timeout=60) as response:
        return json.loads(response.read())


def api_post(base: str, path: str, body: Any) -> Any:
    """POST JSON to the served API."""
    request = urllib.request.Request(
        f"{base}/api/v1{path}", data=json.dumps(body).encode(), headers={"content-type": "application/json"}
    )
    with _DIRECT.open(request, timeout=60) as response:
        return json.loads(response.read())


def wait_ready(pg: Any, timeout: float = 30_000) -> None:
    """Wait until the app says it has drawn everything it was asked to."""
    pg.wait_for_function("document.body.dataset.ready === '1'", timeout=timeout)


def run_axe(pg: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page."""
    pg.add_script_tag(path=str(AXE))
    result = pg.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [v for v in result["violations"] if v.get("impact") in ("serious", "critical")]
