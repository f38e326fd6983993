"""The atlas in a real browser against the served Berlin demo."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import shapely
from shapely.geometry import shape

from e2e_helpers import api, api_post, run_axe, wait_ready

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

IND = "residents"
LEVEL = "planungsraum"
DATE = "2023-12-31"


def _open(page: Any, base: str, **params: str) -> None:
    query = "&".join(f"{k}={v}" for k, v in {"ind": IND, "level": LEVEL, "date": DATE, **params}.items())
    page.goto(f"{base}/?{query}")
    wait_ready(page)


def _colours(page: Any) -> dict[str, str | None]:
    return page.evaluate(
        """() => {
        const out = {};
        for (const id of window.ortswissen.atlas.classes.units.map(u => u.unit_id))
            out[id] = window.ortswissen.stateOf(id).color ?? null;
        return out; }"""
    )


def _query(page: Any) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def test_the_map_draws_every_planning_area_with_a_legend(page: Any, app_url: str, shots: Path) -> None:
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    _open(page, app_url)
    units = api(app_url, f"/levels/{LEVEL}/units", date=DATE)["features"]
    drawn = page.evaluate("() => window.ortswissen.renderedUnits()")
    assert len(units) == 542
    assert set(drawn) == {f["properties"]["id"] for f in units}
    classes = api(app_url, f"/indicators/{IND}/classify", level=LEVEL, date=DATE)
    legend = page.locator("#legend li[data-class]")
    assert legend.count() == len(classes["breaks"])
    counts = [int(t.strip(" ()")) for t in page.locator("#legend li[data-class] .count").all_inner_texts()]
    assert counts == classes["counts"]
    colours = _colours(page)
    assert sum(c is not None for c in colours.values()) == sum(classes["counts"])
    assert len({c for c in colours.values() if c}) == len(classes["breaks"])  # one colour per class
    assert all(u.startswith(app_url) for u in requests), [u for u in requests if not u.startswith(app_url)]
    page.screenshot(path=str(shots / "atlas.png"), full_page=True)


def test_the_slider_changes_colours_and_the_url(page: Any, app_url: str, shots: Path) -> None:
    _open(page, app_url, ind="share_age_65_plus")
    before = _colours(page)
    map_before = page.locator("#map canvas").screenshot()
    seq = page.evaluate("() => document.body.dataset.renderSeq")
    page.locator("#date-slider").focus()
    page.keyboard.press("ArrowLeft")
    page.wait_for_function(f"document.body.dataset.renderSeq !== '{seq}' && document.body.dataset.ready === '1'")
    after = _colours(page)
    date = _query(page)["date"][0]
    assert date < DATE
    assert page.locator("#date-label").inner_text() == f"{date[8:10]}.{date[5:7]}.{date[:4]}"
    assert before != after
    assert page.locator("#map canvas").screenshot() != map_before
    classes = api(app_url, "/indicators/share_age_65_plus/classify", level=LEVEL, date=date)
    palette = page.evaluate("() => window.ortswissen.atlas.palette")
    expected = {u["unit_id"]: (palette[u["class"]] if u["class"] is not None else None) for u in classes["units"]}
    assert {k: v for k, v in after.items() if k in expected} == expected
    page.screenshot(path=str(shots / "atlas_slider.png"))


def _click_unit(page: Any, base: str, unit: str) -> None:
    feature = next(f for f in api(base, f"/levels/{LEVEL}/units", date=DATE)["features"] if f["id"] == unit)
    point = shapely.get_coordinates(shape(feature["geometry"]).representative_point())[0]
    xy = page.evaluate(f"() => window.ortswissen.map.project([{point[0]}, {point[1]}])")
    box = page.locator("#map canvas").bounding_box()
    page.mouse.click(box["x"] + xy["x"], box["y"] + xy["y"])


def test_clicking_a_unit_selects_it_and_opens_its_profile(page: Any, app_url: str, shots: Path) -> None:
    _open(page, app_url)
    unit = "01100101"  # Stülerstraße, a large planning area in Mitte
    _click_unit(page, app_url, unit)
    page.wait_for_function(f"new URL(location.href).searchParams.get('sel') === '{unit}'")
    state = page.evaluate("(id) => window.ortswissen.stateOf(id)", unit)
    assert state["selected"] is True  # outlined on the map
    chip = page.locator("#selection li")
    assert chip.count() == 1 and "Stülerstraße" in chip.inner_text()
    with page.expect_navigation():
        chip.locator("a.profile-link").click()
    wait_ready(page)
    assert "Stülerstraße" in page.locator("#profile-title").inner_text()
    expected = api(app_url, f"/units/{unit}/profile", level=LEVEL, date=DATE)
    shown = page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('tr[data-indicator]')].map(
            r => [r.dataset.indicator, r.querySelector('td[data-value]').dataset.value]))"""
    )
    compared = 0
    for row in expected["indicators"]:
        if row["indicator"] in shown and row["value"] is not None:
            assert float(shown[row["indicator"]]) == pytest.approx(row["value"])
            compared += 1
    assert compared >= 40
    residents = page.locator("tr[data-indicator='residents'] td").first.inner_text()
    value = next(r["value"] for r in expected["indicators"] if r["indicator"] == "residents")
    assert residents.startswith(f"{int(value):,}".replace(",", "."))  # German thousands separator
    page.screenshot(path=str(shots / "profile.png"), full_page=True)


def test_the_csv_export_downloads_the_rows_the_api_returns(page: Any, app_url: str) -> None:
    _open(page, app_url)
    page.locator("details.menu summary", has_text="Export").click()
    with page.expect_download() as info:
        page.locator("a[data-format='csv']").click()
    text = Path(info.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    values = api(app_url, f"/indicators/{IND}/values", level=LEVEL, date=DATE)["values"]
    assert len(rows) == len(values) == 542
    by_unit = {v["unit_id"]: v["value"] for v in values}
    for row in rows:
        expected = by_unit[row["unit_id"]]
        shown = row["value"].replace(".", "").replace(",", ".")
        assert (shown == "" and expected is None) or float(shown) == pytest.approx(expected)


def test_the_language_switch_changes_labels_and_number_formats(page: Any, app_url: str) -> None:
    _open(page, app_url)
    assert page.locator("#nav-composite").inner_text() == "Komposit-Index"
    german = page.locator("#legend li[data-class]").first.inner_text()
    with page.expect_navigation():
        page.locator("#lang-switch").click()
    wait_ready(page)
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.locator("#nav-composite").inner_text() == "Composite index"
    assert page.locator("label[for='level']").inner_text() == "Spatial level"
    english = page.locator("#legend li[data-class]").first.inner_text()
    assert "." in german and "," in english  # 4.240 vs 4,240
    assert _query(page)["ind"] == [IND]  # the state survives the switch


def test_charts_follow_the_selection_and_offer_tables(page: Any, app_url: str, shots: Path) -> None:
    _open(page, app_url, sel="01100101,01100102", tab="timeseries")
    page.wait_for_selector("#chart-timeseries canvas")
    page.locator("#chart-table-toggle").click()
    table = page.locator(".chart-body table")
    header = table.locator("thead th").all_inner_texts()
    assert header[1:] == [
        "Stülerstraße",
        api(app_url, "/units/01100102/profile", level=LEVEL, date=DATE)["name"],
        "Gesamtstadt",
    ]
    series = api(app_url, f"/indicators/{IND}/series", unit="01100101", level=LEVEL)["values"]
    cells = {r[0]: r[1] for r in (row.split("\t") for row in table.locator("tbody tr").all_inner_texts())}
    shown = {day: text for day, text in cells.items() if text != "–"}  # the 2021 unit has no values before 2021
    expected = {  # the atlas charts the observations; projected scenarios live in the Demografie dashboard
        f"{v['date'][8:]}.{v['date'][5:7]}.{v['date'][:4]}": f"{int(v['value']):,}".replace(",", ".")
        for v in series
        if v["scenario"] == "observed"
    }
    assert shown == expected
    page.locator("#tab-ranking").click()  # the table view stays on: the ranking as a table
    page.wait_for_function("document.querySelector('.chart-body caption')?.textContent.includes('Einwohner')")
    first = page.locator(".chart-body tbody tr").first.inner_text().split("\t")
    top = api(app_url, f"/indicators/{IND}/ranking", level=LEVEL, date=DATE)["units"][0]
    assert first[0] == "1" and first[2] == f"{int(top['value']):,}".replace(",", ".")
    page.locator("#chart-table-toggle").click()
    page.wait_for_selector("#chart-ranking canvas")
    page.locator("#tab-lisa").click()
    page.wait_for_selector("#moran")
    moran = api(app_url, "/analysis/lisa", indicator=IND, level=LEVEL, date=DATE)["moran"]["I"]
    assert f"{moran:.3f}".replace(".", ",") in page.locator("#moran").inner_text()
    lisa = api(app_url, "/analysis/lisa", indicator=IND, level=LEVEL, date=DATE)["units"]
    hot = next(u["unit_id"] for u in lisa if u["cluster"] == "HH")
    cold = next(u["unit_id"] for u in lisa if u["cluster"] == "not significant")
    colour = "(id) => window.ortswissen.stateOf(id).color"
    assert page.evaluate(colour, hot) == "#d7191c" and page.evaluate(colour, cold) == "#eeeeee"  # clusters on the map
    page.screenshot(path=str(shots / "atlas_lisa.png"), full_page=True)


def test_the_metadata_is_one_click_away(page: Any, app_url: str) -> None:
    _open(page, app_url)
    page.locator("#info").click()
    dialog = page.locator("dialog.metadata")
    meta = api(app_url, f"/indicators/{IND}")
    assert meta["source"] in dialog.inner_text() and meta["licence"] in dialog.inner_text()
    assert page.evaluate("document.activeElement.closest('dialog') !== null")  # focus moved into the dialog
    page.keyboard.press("Escape")
    page.wait_for_selector("dialog.metadata", state="detached", timeout=5000)


def test_changing_a_composite_weight_changes_the_ranking(page: Any, app_url: str, shots: Path) -> None:
    page.goto(f"{app_url}/?view=composite&level={LEVEL}&date={DATE}&comp=share_age_65_plus:1:-,share_foreigners:1:%2B")
    wait_ready(page)
    before = page.locator("#composite-ranking tbody").get_attribute("data-order").split(",")
    slider = page.locator("#comp-weight-0")
    slider.focus()
    page.keyboard.press("End")  # weight 5 for the first component
    page.wait_for_function("new URL(location.href).searchParams.get('comp').startsWith('share_age_65_plus:5')")
    wait_ready(page)
    page.wait_for_function(
        f"document.querySelector('#composite-ranking tbody').dataset.order.split(',')[0] !== '{before[0]}'"
        f" || document.querySelector('#composite-ranking tbody').dataset.order !== '{','.join(before)}'"
    )
    after = page.locator("#composite-ranking tbody").get_attribute("data-order").split(",")
    assert after != before
    body = {
        "level": LEVEL,
        "date": DATE,
        "spec": {
            "components": [
                {"indicator": "share_age_65_plus", "weight": 5, "polarity": "higher_is_worse"},
                {"indicator": "share_foreigners", "weight": 1, "polarity": "higher_is_better"},
            ],
            "normalisation": "zscore",
            "classes": {"method": "quantiles", "k": 5},
        },
    }
    result = api_post(app_url, "/composite", body)
    ranked = sorted((u for u in result["units"] if u["rank"] is not None), key=lambda u: u["rank"])
    assert after == [u["unit_id"] for u in ranked]
    page.screenshot(path=str(shots / "composite.png"))


@pytest.mark.parametrize(
    "query",
    [
        f"ind={IND}&level={LEVEL}&date={DATE}",
        f"view=profile&level={LEVEL}&unit=01100101&date={DATE}",
        f"view=composite&level={LEVEL}&date={DATE}",
    ],
    ids=["atlas", "profile", "composite"],
)
def test_axe_finds_no_serious_violations(page: Any, app_url: str, query: str) -> None:
    page.goto(f"{app_url}/?{query}")
    wait_ready(page)
    violations = run_axe(page)
    assert violations == [], [(v["id"], v["help"], [n["target"] for n in v["nodes"][:3]]) for v in violations]


def test_the_keyboard_reaches_the_catalogue_and_the_map(page: Any, app_url: str) -> None:
    _open(page, app_url)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.locator("#catalogue-search").fill("65 Jahre")
    button = page.locator("button.indicator", has_text="Anteil Einwohner 65 Jahre und älter")
    button.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("new URL(location.href).searchParams.get('ind') === 'share_age_65_plus'")
    wait_ready(page)
    page.locator("#map-table-toggle").click()
    rows = page.locator("#map-table tbody tr")
    assert rows.count() == 542
    rows.first.locator("input[type=checkbox]").check()
    page.wait_for_function("new URL(location.href).searchParams.get('sel')")


def test_public_mode_hides_analysis_tools(page: Any, public_url: str) -> None:
    _open(page, public_url)
    assert page.locator("#tab-lisa").count() == 0 and page.locator("#tab-scatter").count() == 0
    assert page.locator("#nav-composite").count() == 0 and page.locator("#nav-regions").count() == 0
    assert page.locator("#tab-ranking").count() == 1


def test_the_embedded_map_shows_only_the_map(page: Any, app_url: str, shots: Path) -> None:
    _open(page, app_url, embed="1")
    assert page.locator("header.top").count() == 0 and page.locator("nav.catalogue").count() == 0
    assert len(page.evaluate("() => window.ortswissen.renderedUnits()")) == 542
    page.screenshot(path=str(shots / "embed.png"))


def test_both_lor_versions_are_offered_and_drawn(page: Any, app_url: str, shots: Path) -> None:
    _open(page, app_url)
    options = page.locator("#level option").all_inner_texts()
    assert "Planungsraum – LOR 2006 (bis 2020)" in options and "Planungsraum – LOR 2021" in options
    page.locator("#level").select_option(label="Planungsraum – LOR 2006 (bis 2020)")
    page.wait_for_function("new URL(location.href).searchParams.get('date') <= '2020-12-31'")
    wait_ready(page)
    date = _query(page)["date"][0]
    old_units = {f["id"] for f in api(app_url, f"/levels/{LEVEL}/units", date=date, geometry="point")["features"]}
    page.wait_for_function(f"window.ortswissen.renderedUnits().length === {len(old_units)}")
    assert set(page.evaluate("() => window.ortswissen.renderedUnits()")) == old_units
    assert len(old_units) in (447, 448) and "LOR 2006" in page.locator("#vintage").inner_text()
    page.screenshot(path=str(shots / "atlas_lor2006.png"))


def test_the_map_and_chart_download_as_png_and_the_permalink_restores_the_view(page: Any, app_url: str) -> None:
    _open(page, app_url, ind="share_age_65_plus", sel="01100101", cm="jenks", k="6", pal="Blues")
    page.locator("details.menu summary", has_text="Export").click()
    with page.expect_download() as info:
        page.locator("#export-map-png").click()
    png = Path(info.value.path()).read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000  # a drawn map, not an empty canvas
    page.wait_for_selector("#chart-histogram canvas")
    page.locator("details.menu summary", has_text="Export").click()
    with page.expect_download() as info:
        page.locator("#export-chart-png").click()
    assert Path(info.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page.locator("#share summary").click()
    link = page.locator("#permalink").input_value()
    assert parse_qs(urlparse(link).query)["sel"] == ["01100101"]
    assert "embed=1" in page.locator("#embed-code").input_value()
    colours = _colours(page)
    other = page.context.new_page()
    other.goto(link)
    wait_ready(other)
    assert _colours(other) == colours  # same indicator, date, classes and palette
    assert len(other.locator("#legend li[data-class]").all()) == 6
    assert other.locator("#selection li").count() == 1
    other.close()
