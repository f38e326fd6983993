"""The delineation page at /regions: served offline, bilingual, with the form the job API takes; hidden in public mode.

Its script runs in a browser; browser tests come with the atlas app (Playwright on Chromium).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from fastapi.testclient import TestClient

from ortswissen.config import Settings
from ortswissen.services.regions import DelineationSpec
from ortswissen.storage import open_store
from ortswissen.web import create_app


def test_the_page_offers_the_store_s_levels_indicators_and_georesources(_town_template: Path) -> None:
    store = open_store(str(_town_template), read_only=True)
    with TestClient(create_app(store=store)) as c:
        page = c.get("/regions")
        english = c.get("/regions?lang=en")
        overview = c.get("/daten")
    store.close()
    assert page.status_code == 200 and "<html lang='de'>" in page.text
    assert "Quartiere bilden" in page.text and "Delineate quarters" in english.text
    assert "<option value='block' selected>" in page.text  # the levels of the store
    assert "<option value='block_residents' selected>" in page.text  # its indicators
    assert "<option value='kitas'>" in page.text  # its georesources as flow destinations
    assert "/api/v1/regions/delineations" in page.text
    assert not re.search(r"(src|href)=['\"]https?://", page.text)  # nothing from the network
    preset = json.loads(re.search(r"<script type='application/json' id='preset'>(.*?)</script>", page.text).group(1))
    DelineationSpec(**preset)  # the preset the button fills in is a valid spec
    assert "/regions?lang=de" in overview.text


def test_public_mode_hides_the_page(_town_template: Path) -> None:
    store = open_store(str(_town_template), read_only=True)
    with TestClient(create_app(Settings(public_mode=True), store=store)) as c:
        assert c.get("/regions").status_code == 404
        assert "/regions" not in c.get("/daten").text
    store.close()
