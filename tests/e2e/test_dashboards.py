"""The dashboards Demografie, Wanderungen and Kita-Planung in a real browser against the served demo.

What the page shows is compared with what the served API answers for the same query.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import numpy as np
import pandas as pd
import pytest

from e2e_helpers import api, run_axe, wait_ready
from ortswissen.devserver import served

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

LEVEL = "bezirk"
DISTRICT = "01"  # Mitte
OTHER = "02"  # Friedrichshain-Kreuzberg
OBSERVED = "2023-12-31"


PERIOD = (dt.date(2022, 1, 1), dt.date(2023, 12, 31))
PERSONS = 12_000


def register_frames(store: Any, seed: int = 5) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A seeded synthetic register extract spread over Berlin's blocks (x/y in EPSG:25833).

    Residents at the period start, then per person at most one event in 2022-2023: a move within
    the city, a move out, a death; plus persons moving in from outside and births.
    """
    rng = np.random.default_rng(seed)
    areas = store.unit_versions("block", at=PERIOD[0])
    points = np.array([[p.x, p.y] for p in areas.geometry.representative_point()])
    weights = rng.gamma(2.0, 1.0, len(points))  # areas of unequal size
    weights /= weights.sum()

    def place(n: int) -> np.ndarray:
        return points[rng.choice(len(points), n, p=weights)]  # inside a block, as the import requires

    def day(n: int) -> list[str]:
        start = np.datetime64(PERIOD[0])
        return [str(start + int(d)) for d in rng.integers(0, 720, n)]

    n = PERSONS
    xy = place(n)
    birth = [str(np.datetime64("1935-01-01") + int(d)) for d in rng.integers(0, 31_000, n)]
    persons = pd.DataFrame(
        {
            "register_id": [f"r{i}" for i in range(n)],
            "birth_date": birth,
            "sex": rng.choice(["m", "w"], n),
            "nationality": rng.choice(["DE", "TR", "PL", "SY"], n, p=[0.8, 0.08, 0.07, 0.05]),
            "x": xy[:, 0],
            "y": xy[:, 1],
        }
    )
    kind = rng.choice(["none", "move_within", "move_out", "death"], n, p=[0.72, 0.2, 0.06, 0.02])
    events = []
    for i in np.flatnonzero(kind != "none"):
        when = day(1)[0]
        if when <= birth[i]:
            continue
        target = place(1)[0] if kind[i] == "move_within" else (None, None)
        events.append(
            {
                "register_id": f"r{i}",
                "event": kind[i],
                "date": when,
                "x": target[0],
                "y": target[1],
                "other_region": "DE" if kind[i] == "move_out" else None,
            }
        )
    arrivals = n // 12
    axy = place(arrivals)
    newcomers = []
    for j in range(arrivals):
        when = day(1)[0]
        born = str(np.datetime64(when) - int(rng.integers(18 * 365, 45 * 365)))
        newcomers.append(
            {
                "register_id": f"a{j}",
                "birth_date": born,
                "sex": rng.choice(["m", "w"]),
                "nationality": "DE",
                "x": None,
                "y": None,
            }
        )
        events.append(
            {
                "register_id": f"a{j}",
                "event": "move_in",
                "date": when,
                "x": axy[j, 0],
                "y": axy[j, 1],
                "other_region": "DE",
            }
        )
    babies = n // 100
    bxy = place(babies)
    for j in range(babies):
        when = day(1)[0]
        newcomers.append(
            {
                "register_id": f"b{j}",
                "birth_date": when,
                "sex": rng.choice(["m", "w"]),
                "nationality": "DE",
                "x": None,
                "y": None,
            }
        )
        events.append(
            {
                "register_id": f"b{j}",
                "event": "birth",
                "date": when,
                "x": bxy[j, 0],
                "y": bxy[j, 1],
                "other_region": None,
            }
        )
    return pd.concat([persons, pd.DataFrame(newcomers)], ignore_index=True), pd.DataFrame(events)


@pytest.fixture(scope="module")
def dash_db(e2e_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo store plus a synthetic register extract and its derived indicators (Bezirke)."""
    from ortswissen.services.register import derive_register_values, import_register_frames
    from ortswissen.storage import open_store

    path = tmp_path_factory.mktemp("dashboards") / "berlin.duckdb"
    shutil.copy(e2e_db, path)
    store = open_store(str(path))
    try:
        persons, events = register_frames(store)
        report = import_register_frames(
            store,
            persons,
            events,
            period_start=PERIOD[0],
            period_end=PERIOD[1],
            secret="dashboards-e2e-secret-0123456789",
            source_label="dashboards-e2e",
            synthetic=True,
        )
        assert report.ok, report.summary()
        derive_register_values(store, levels=["stadt", "bezirk"])
        store.checkpoint()  # type: ignore[attr-defined]
    finally:
        store.close()
    return path


@pytest.fixture(scope="module")
def dash_url(dash_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The store with the register served in a subprocess."""
    with served(dash_db, log=tmp_path_factory.mktemp("serve_dash") / "server.log") as base:
        yield base


def _open(page: Any, base: str, view: str, **params: str) -> None:
    query = "&".join(f"{k}={v}" for k, v in {"view": view, **params}.items())
    page.goto(f"{base}/?{query}")
    wait_ready(page, timeout=60_000)


def _query(page: Any) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def _de(value: float, decimals: int = 0) -> str:
    """A number as the German page writes it (1.234,5)."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def _choose(page: Any, select: str, value: str) -> None:
    seq = page.evaluate("() => document.body.dataset.ready")
    assert seq == "1"
    page.select_option(select, value)
    page.wait_for_function(
        f"document.body.dataset.ready === '1' && document.querySelector('{select}').value === '{value}'"
    )
    wait_ready(page, timeout=60_000)


# ---------------------------------------------------------------- navigation


def test_the_header_leads_to_the_three_dashboards(page: Any, dash_url: str) -> None:
    _open(page, dash_url, "demografie", level=LEVEL, unit=DISTRICT)
    links = {
        "#nav-atlas": "Atlas",
        "#nav-demografie": "Demografie",
        "#nav-wanderungen": "Wanderungen",
        "#nav-kita": "Kita-Planung",
    }
    for selector, label in links.items():
        assert page.locator(selector).inner_text() == label
    assert page.locator("#nav-demografie").get_attribute("aria-current") == "page"
    assert page.locator("#pyramid").is_visible()
    # another view starts from its own defaults: only the language carries over
    assert page.locator("#nav-atlas").get_attribute("href") == "/?lang=de"
    with page.expect_navigation():
        page.locator("#nav-kita").click()
    wait_ready(page, timeout=60_000)
    assert _query(page)["view"] == ["kita"]
    assert page.locator("#nav-kita").get_attribute("aria-current") == "page"
    assert page.locator("#kita-table").is_visible()


# ---------------------------------------------------------------- Demografie


def test_the_pyramid_and_key_figures_show_what_the_api_answers(page: Any, dash_url: str, shots: Path) -> None:
    _open(page, dash_url, "demografie", level=LEVEL, unit=DISTRICT, date=OBSERVED)
    pyramid = api(dash_url, "/demography/pyramid", level=LEVEL, unit=DISTRICT, date=OBSERVED, scenario="observed")
    shown = page.evaluate("() => window.ortswissen.demography.pyramid")
    assert shown == pyramid
    assert "Mitte" in page.locator("#view-title").inner_text()
    keys = api(dash_url, "/demography/keyfigures", level=LEVEL, unit=DISTRICT, date=OBSERVED)
    residents = page.locator("#figures [data-key=residents] dd")
    assert residents.inner_text() == _de(keys["residents"])
    ageing = page.locator("#figures [data-key=ageing_index] dd").inner_text()
    assert ageing == _de(keys["ageing_index"], 1)
    assert (page.locator("#keyfigures .badge.synthetic").count() == 1) == keys["synthetic"]
    assert (page.locator("#pyramid .badge.synthetic").count() == 1) == pyramid["synthetic"]
    # the table view of the pyramid has one row per band, the oldest first
    page.locator("#pyramid-table-toggle").click()
    rows = page.locator("#pyramid-body tbody tr")
    assert rows.count() == len(pyramid["bands"])
    top = pyramid["bands"][-1]
    assert rows.first.locator("th").inner_text() == top["label"]
    assert _de(top["total"]) in rows.first.inner_text()
    page.locator("#pyramid-table-toggle").click()
    assert page.locator("#pyramid-chart canvas").count() == 1
    page.screenshot(path=str(shots / "dashboards-demografie.png"), full_page=True)


def test_the_unit_selector_changes_the_pyramid(page: Any, dash_url: str) -> None:
    _open(page, dash_url, "demografie", level=LEVEL, unit=DISTRICT, date=OBSERVED)
    before = page.evaluate("() => window.ortswissen.demography.pyramid")
    _choose(page, "#unit", OTHER)
    after = page.evaluate("() => window.ortswissen.demography.pyramid")
    assert after["unit"] == OTHER and before["unit"] == DISTRICT
    assert after == api(dash_url, "/demography/pyramid", level=LEVEL, unit=OTHER, date=OBSERVED)
    assert [b["total"] for b in after["bands"]] != [b["total"] for b in before["bands"]]
    assert _query(page)["unit"] == [OTHER]
    assert "Friedrichshain" in page.locator("#view-title").inner_text()


def test_a_projected_date_shows_the_variant_with_its_interval_and_the_fan(
    page: Any, dash_url: str, shots: Path
) -> None:
    runs = api(dash_url, "/demography/runs")
    year = runs[0]["years"][-1]
    date = f"{year}-12-31"
    _open(page, dash_url, "demografie", level=LEVEL, unit=DISTRICT, date=date)
    assert _query(page)["scen"] == ["medium"]
    assert page.locator("#scenario").is_enabled()
    medium = page.evaluate("() => window.ortswissen.demography.pyramid")
    assert medium["status"] == "projected"
    _choose(page, "#scenario", "high")
    high = page.evaluate("() => window.ortswissen.demography.pyramid")
    assert high == api(dash_url, "/demography/pyramid", level=LEVEL, unit=DISTRICT, date=date, scenario="high")
    assert sum(b["total"] for b in high["bands"]) > sum(b["total"] for b in medium["bands"])
    fan = api(dash_url, "/demography/fan", level=LEVEL, unit=DISTRICT, indicator="residents")
    page.locator("#fan-table-toggle").click()
    last = page.locator("#fan-body tbody tr").last
    assert last.locator("th").inner_text() == f"31.12.{year}"
    assert _de(fan["scenarios"]["medium"][-1]["value"]) in last.inner_text()
    page.screenshot(path=str(shots / "dashboards-demografie-projected.png"), full_page=True)


def test_the_language_switch_changes_the_dashboard_labels(page: Any, dash_url: str) -> None:
    _open(page, dash_url, "demografie", level=LEVEL, unit=DISTRICT, date=OBSERVED)
    assert page.locator("#pyramid-title").inner_text() == "Alterspyramide"
    assert page.locator("#figures [data-key=old_age_dependency] dt").inner_text() == "Altenquotient"
    with page.expect_navigation():
        page.locator("#lang-switch").click()
    wait_ready(page, timeout=60_000)
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.locator("#pyramid-title").inner_text() == "Age pyramid"
    assert page.locator("#figures [data-key=old_age_dependency] dt").inner_text() == "Old-age dependency ratio"
    assert page.locator("#nav-kita").inner_text() == "Childcare planning"
    assert _query(page)["unit"] == [DISTRICT]  # the state survives the switch


# ---------------------------------------------------------------- Wanderungen


def test_the_migration_dashboard_shows_flows_matrix_and_net_by_age(page: Any, dash_url: str, shots: Path) -> None:
    _open(page, dash_url, "wanderungen", level=LEVEL)
    year = _query(page)["year"][0]
    summary = api(dash_url, "/migration/summary", level=LEVEL, year=year)
    assert page.evaluate("() => window.ortswissen.migration.summary") == summary
    # the map paints every unit of the summary, and its table lists their figures
    painted = page.evaluate(
        "(ids) => ids.filter(id => window.ortswissen.stateOf(id).color)", [r["unit_id"] for r in summary["rows"]]
    )
    assert len(painted) == sum(r["net_rate"] is not None for r in summary["rows"])
    page.locator("#map-table-toggle").click()
    first = sorted(summary["rows"], key=lambda r: r["name"])[0]
    row = page.locator("#map-table .summary-table tbody tr", has_text=first["name"]).first
    assert _de(first["moves_in"]) in row.inner_text() and _de(first["net"]) in row.inner_text()
    assert (page.locator("#flows .badge.synthetic").count() == 1) == summary["synthetic"]
    flows = page.evaluate("() => window.ortswissen.migration.flows")
    assert flows == api(dash_url, "/migration/flows", level=LEVEL, year=year, min_count=10)
    assert page.locator("#flow-count").inner_text().startswith(f"Ströme: {len(flows['features'])} ")
    assert page.evaluate("() => window.ortswissen.map.getLayer('flows-line') !== undefined")
    # the OD matrix as a table: the row of the first unit holds its flows
    od = api(dash_url, "/migration/od", level=LEVEL, year=year)
    page.locator("#od-table-toggle").click()
    table_rows = page.locator("#od-body tbody tr")
    assert table_rows.count() >= 2
    origin_name = table_rows.first.locator("th").inner_text()
    origin = next(u["unit_id"] for u in od["units"] if u["name"] == origin_name)
    # counts below the API's minimum are suppressed (null) and read "< n" in the table
    out_total = sum(f["count"] or 0 for f in od["flows"] if f["origin"] == origin)
    cells = table_rows.first.locator("td").all_inner_texts()
    assert sum(int(c.replace(".", "")) for c in cells if not c.startswith("<")) == out_total
    hidden = sum(f["count"] is None for f in od["flows"] if f["origin"] == origin)
    assert sum(c == f"< {od['suppress_below']}" for c in cells) == hidden
    page.locator("#od-table-toggle").click()
    # net migration by age for the whole city, then for a unit chosen in the selector
    ages = api(dash_url, "/migration/net-by-age", level=LEVEL, year=year)
    page.locator("#netbyage-table-toggle").click()
    shown = page.locator("#netbyage-body tbody tr")
    assert shown.count() == len(ages["groups"])
    assert _de(ages["groups"][0]["net"]) in shown.first.inner_text()
    _choose(page, "#unit", DISTRICT)
    assert page.evaluate("() => window.ortswissen.migration.netByAge.unit") == DISTRICT
    page.screenshot(path=str(shots / "dashboards-wanderungen.png"), full_page=True)


# ---------------------------------------------------------------- Kita-Planung


def _kita_rows(page: Any) -> dict[str, str]:
    return page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('#kita-table tbody tr')].map(
            r => [r.dataset.unit, r.querySelector('td.demand').dataset.value]))"""
    )


def test_the_kita_table_follows_the_scenario_switch(page: Any, dash_url: str, shots: Path) -> None:
    _open(page, dash_url, "kita", level=LEVEL, scen="medium")
    q = _query(page)
    year, quotas = q["year"][0], q["quota"][0]
    plan = api(dash_url, "/kita/plan", level=LEVEL, year=year, scenario="medium", quotas=quotas, catchment="none")
    medium = _kita_rows(page)
    assert set(medium) == {r["unit_id"] for r in plan["rows"]}
    for r in plan["rows"]:
        assert float(medium[r["unit_id"]]) == pytest.approx(r["demand"])
    worst = min(plan["rows"], key=lambda r: r["gap"])
    assert page.locator("#kita-table tbody tr").first.get_attribute("data-unit") == worst["unit_id"]
    assert _de(worst["gap"]) in page.locator("#kita-table tbody tr").first.inner_text()
    colours = page.evaluate(
        "(ids) => ids.map(id => window.ortswissen.stateOf(id).color)", [r["unit_id"] for r in plan["rows"]]
    )
    assert all(colours)
    page.screenshot(path=str(shots / "dashboards-kita.png"), full_page=True)
    _choose(page, "#scenario", "high")
    assert _query(page)["scen"] == ["high"]
    high = _kita_rows(page)
    expected = api(dash_url, "/kita/plan", level=LEVEL, year=year, scenario="high", quotas=quotas, catchment="none")
    for r in expected["rows"]:
        assert float(high[r["unit_id"]]) == pytest.approx(r["demand"])
    assert high != medium
    assert sum(float(v) for v in high.values()) > sum(float(v) for v in medium.values())
    csv_link = page.locator("#download-csv").get_attribute("href")
    assert "/kita/plan.csv" in csv_link and "scenario=high" in csv_link


# ---------------------------------------------------------------- accessibility


@pytest.mark.parametrize("view", ["demografie", "wanderungen", "kita"])
def test_axe_finds_no_serious_violations_on_the_dashboards(page: Any, dash_url: str, view: str) -> None:
    _open(page, dash_url, view, level=LEVEL)
    violations = run_axe(page)
    assert not violations, [(v["id"], v["help"], [n["target"] for n in v["nodes"][:3]]) for v in violations]


def test_the_keyboard_reaches_the_dashboard_controls_in_order(page: Any, dash_url: str) -> None:
    _open(page, dash_url, "demografie", level=LEVEL, unit=DISTRICT, date=OBSERVED)
    order = []
    for _ in range(20):
        page.keyboard.press("Tab")
        order.append(page.evaluate("() => document.activeElement.id"))
    wanted = ["level", "unit", "date", "pyramid-table-toggle"]
    positions = [order.index(w) for w in wanted]
    assert positions == sorted(positions), order
    page.locator("#unit").focus()
    page.keyboard.press("ArrowDown")  # a select changes with the keyboard and keeps the focus
    wait_ready(page, timeout=60_000)
    page.wait_for_function("document.activeElement && document.activeElement.id === 'unit'")
