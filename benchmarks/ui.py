"""Browser benchmark: time to the first complete map and time for a date change, in headless Chromium.

What is measured
----------------
* **Data**: the Berlin demo store (``--db``; built with ``ortswissen demo --no-serve`` when
  missing), served by ``ortswissen serve`` in a subprocess on loopback.
* **Browser**: Debian's Chromium (``/usr/bin/chromium``) driven by Playwright, WebGL through
  SwiftShader (no GPU), viewport 1400 × 1000.
* **First complete map**: a new browser context (empty cache) opens the atlas with
  ``--indicator`` on the 542 planning areas; the figure is the page's own clock from
  navigation start until the map has drawn every unit with its colours and MapLibre is idle
  (``window.ortswissen.firstMapMs``); ``ready_ms`` is when the rest of the view (the date slider
  with the whole series, the charts' data) is ready too. One warm-up load first (the server's first answers fill
  its caches; reported separately as ``cold_server_ms``), then ``--repeat`` measured loads.
* **Date change**: in a loaded page, after the classifications of all dates were fetched in the
  background (as a user's first interaction a second later would find them), the slider is set
  to ``--repeat`` other dates one after another, 600 ms apart (the charts below the map follow
  each change); each figure runs from the slider's input event to the repainted, idle map
  (measured in the page).
* The number of units drawn is checked on every load (542 planning areas).

Targets (issue 4): first complete map < 1.5 s, date change < 150 ms (medians of 5). No peer
is named for this benchmark.

Run from the repository root::

    .venv/bin/python benchmarks/ui.py            # 5 runs each
    .venv/bin/python benchmarks/ui.py --json     # the same as one JSON document
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import ROOT, ensure_importable, load_average, log, machine

ensure_importable()
from ortswissen.devserver import CHROMIUM, CHROMIUM_ARGS, served  # noqa: E402

LEVEL = "planungsraum"
DATE = "2023-12-31"
UNITS = 542
PAUSE_MS = 600


def _ensure_demo(db: Path) -> None:
    if db.exists():
        return
    log(f"building the demo store {db} …")
    db.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "ortswissen.cli.main", "demo", "--no-serve", "--db", str(db)], check=True)


@contextmanager
def _page(browser: Any) -> Iterator[Any]:
    """A page in a new browser context (empty cache), closed afterwards."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        yield context.new_page()
    finally:
        context.close()


def _load(browser: Any, url: str) -> dict[str, Any]:
    with _page(browser) as page:
        page.goto(url)
        page.wait_for_function("window.ortswissen && window.ortswissen.firstMapMs !== undefined", timeout=60_000)
        first = page.evaluate("window.ortswissen.firstMapMs")
        drawn = len(page.evaluate("() => window.ortswissen.renderedUnits()"))
        page.wait_for_function("window.ortswissen.readyMs !== undefined", timeout=60_000)
        return {"first_map_ms": first, "units_drawn": drawn, "ready_ms": page.evaluate("window.ortswissen.readyMs")}


def _date_changes(browser: Any, url: str, repeat: int) -> list[float]:
    with _page(browser) as page:
        page.goto(url)
        page.wait_for_function("document.body.dataset.ready === '1'", timeout=60_000)
        dates = page.evaluate("window.ortswissen.atlas.dates")
        page.wait_for_timeout(1500)  # the background prefetch of every date's classes
        out = []
        for i in range(repeat):
            index = (len(dates) - 2 - i) % len(dates)
            ms = page.evaluate(
                """async (index) => {
                    const slider = document.getElementById('date-slider');
                    const before = document.body.dataset.renderSeq;
                    const t0 = performance.now();
                    slider.value = String(index);
                    slider.dispatchEvent(new Event('input', {bubbles: true}));
                    await new Promise((resolve) => {
                        const done = () => document.body.dataset.renderSeq !== before
                            && document.body.dataset.ready === '1';
                        const check = () => done() ? resolve() : requestAnimationFrame(check);
                        check();
                    });
                    return performance.now() - t0;
                }""",
                index,
            )
            out.append(ms)
            log(f"  date change to {dates[index]}: {ms:.0f} ms")
            page.wait_for_timeout(PAUSE_MS)  # a user looks at the map before the next step; the charts follow
        return out


def bench(args: argparse.Namespace) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    db = Path(args.db)
    _ensure_demo(db)
    url_path = f"/?ind={args.indicator}&level={LEVEL}&date={DATE}"
    with served(db, log=ROOT / ".bench" / "ui-server.log") as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        url = base + url_path
        cold = _load(browser, url)
        log(f"cold server: first map {cold['first_map_ms']:.0f} ms ({cold['units_drawn']} units)")
        loads = []
        for i in range(args.repeat):
            run = _load(browser, url)
            loads.append(run)
            log(f"  load {i + 1}/{args.repeat}: first map {run['first_map_ms']:.0f} ms ({run['units_drawn']} units)")
        changes = _date_changes(browser, url, args.repeat)
        browser.close()
    first = statistics.median(r["first_map_ms"] for r in loads)
    change = statistics.median(changes)
    return {
        "benchmark": "ui",
        "when": time.strftime("%Y-%m-%d %H:%M:%S"),
        "machine": machine(["duckdb"]),
        "load_average": load_average(),
        "chromium": subprocess.run([CHROMIUM, "--version"], check=False, capture_output=True, text=True).stdout.strip(),
        "indicator": args.indicator,
        "level": LEVEL,
        "date": DATE,
        "cold_server_ms": round(cold["first_map_ms"], 1),
        "first_map_ms": [round(r["first_map_ms"], 1) for r in loads],
        "ready_ms": [round(r["ready_ms"], 1) for r in loads],
        "median_ready_ms": round(statistics.median(r["ready_ms"] for r in loads), 1),
        "units_drawn": [r["units_drawn"] for r in loads],
        "date_change_ms": [round(x, 1) for x in changes],
        "median_first_map_ms": round(first, 1),
        "median_date_change_ms": round(change, 1),
        "targets": {"first_map_ms": 1500, "date_change_ms": 150},
        "meets_targets": {
            "first_map": first < 1500 and all(r["units_drawn"] == UNITS for r in loads),
            "date_change": change < 150,
        },
    }


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--db", default=str(ROOT / ".bench" / "berlin.duckdb"), help="the demo store (built if missing)"
    )
    parser.add_argument("--indicator", default="residents", help="indicator to map (default residents)")
    parser.add_argument("--repeat", type=int, default=5, help="measured loads and date changes (default 5)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    result = bench(args)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        ok = result["meets_targets"]
        print(
            f"first complete map of {UNITS} planning areas: median {result['median_first_map_ms']:.0f} ms "
            f"(target < 1500 ms: {'met' if ok['first_map'] else 'missed'}); runs {result['first_map_ms']}"
        )
        print(f"whole view ready (slider, series): median {result['median_ready_ms']:.0f} ms")
        print(
            f"date change: median {result['median_date_change_ms']:.0f} ms "
            f"(target < 150 ms: {'met' if ok['date_change'] else 'missed'}); runs {result['date_change_ms']}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
