"""The data overview at ``/daten`` (German first, English via ``?lang=en``).

An overview of the store without JavaScript: levels with their territorial versions,
indicators, georesources, the API and the data credits. It is plain server-rendered HTML
with an inline stylesheet, so it works offline; the atlas app at ``/`` links to it.
"""

from __future__ import annotations

import html
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse

from ortswissen._version import __version__
from ortswissen.config import Settings
from ortswissen.ports import Store
from ortswissen.services.catalog import level_overview
from ortswissen.web.api._deps import get_settings, get_store, visible_indicator

__all__ = ["PAGE_STYLE", "router"]

router = APIRouter(include_in_schema=False)

_TEXT = {
    "de": {
        "title": "ortswissen – Datenbestand",
        "levels": "Raumebenen und Gebietsstände",
        "level": "Ebene",
        "vintages": "Gebietsstände",
        "periods": "Einheiten je Zeitraum",
        "indicators": "Indikatoren",
        "georesources": "Georessourcen",
        "api": "Programmierschnittstelle (API)",
        "credits": "Datenquellen und Lizenzen",
        "features": "Objekte",
        "none": "Noch keine Daten. Importieren Sie Daten mit „ortswissen import …“ oder starten Sie „ortswissen demo“.",
        "note": "Diese Seite zeigt den Datenbestand und die Schnittstelle; Karten und Diagramme zeigt der Atlas.",
        "atlas": "Zum Atlas",
        "switch": "English",
    },
    "en": {
        "title": "ortswissen – data overview",
        "levels": "Spatial levels and territorial versions",
        "level": "Level",
        "vintages": "Vintages",
        "periods": "Units per period",
        "indicators": "Indicators",
        "georesources": "Georesources",
        "api": "Application programming interface (API)",
        "credits": "Data sources and licences",
        "features": "features",
        "none": "No data yet. Import data with 'ortswissen import …' or run 'ortswissen demo'.",
        "note": "This page shows the data and the interface; maps and charts are in the atlas.",
        "atlas": "Open the atlas",
        "switch": "Deutsch",
    },
}

#: the stylesheet every server-rendered page starts from
PAGE_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1b1f24;background:#fafafa}
header{background:#0b4f6c;color:#fff;padding:1rem 2rem}header a{color:#fff}
main{max-width:72rem;margin:0 auto;padding:1rem 2rem}h2{border-bottom:2px solid #0b4f6c;padding-bottom:.2rem}
table{border-collapse:collapse;width:100%;margin-bottom:1rem}th,td{text-align:left;padding:.35rem .5rem;
border-bottom:1px solid #d0d7de;vertical-align:top}th{background:#eef3f6}code{background:#eef3f6;padding:0 .2rem}
.note{background:#fff8c5;border:1px solid #d4a72c;padding:.5rem 1rem}pre{white-space:pre-wrap}
a:focus,button:focus{outline:3px solid #d4a72c}
"""


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value))


@router.get("/daten", response_class=HTMLResponse)
def index(
    store: Annotated[Store, Depends(get_store)],
    settings: Annotated[Settings, Depends(get_settings)],
    lang: Annotated[str | None, Query(pattern="^(de|en)$")] = None,
) -> HTMLResponse:
    """Overview page of the store."""
    language = lang or settings.language
    t = _TEXT[language]
    other = "en" if language == "de" else "de"
    parts = [
        f"<!doctype html><html lang='{language}'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>{_e(t['title'])}</title><style>{PAGE_STYLE}</style></head><body>",
        f"<header><h1>{_e(t['title'])}</h1><a href='/?lang={language}'>{_e(t['atlas'])}</a> · "
        f"<a href='/daten?lang={other}' lang='{other}'>{_e(t['switch'])}</a> · "
        f"v{_e(__version__)}</header><main>",
        f"<p class='note'>{_e(t['note'])}</p>",
    ]
    overview = level_overview(store)
    if not overview:
        parts.append(f"<p>{_e(t['none'])}</p>")
    else:
        parts.append(
            f"<h2>{_e(t['levels'])}</h2><table><thead><tr><th scope='col'>{_e(t['level'])}</th>"
            f"<th scope='col'>{_e(t['vintages'])}</th><th scope='col'>{_e(t['periods'])}</th></tr></thead>"
            "<tbody>"
        )
        for o in overview:
            name = o.level.name_de if language == "de" else o.level.name_en
            vint = "<br>".join(
                f"{_e(v.vintage.label_de if language == 'de' else v.vintage.label_en)}: {_e(v.valid_from)}–"
                f"{_e(v.valid_to or '')} ({v.units})"
                for v in o.vintages
            )
            per = "<br>".join(f"{_e(p.start)}–{_e(p.end or '')}: {p.units}" for p in o.periods)
            parts.append(
                f"<tr><td><strong>{_e(name)}</strong><br><code>{_e(o.level.id)}</code> · "
                f"<a href='/api/v1/levels/{_e(o.level.id)}/units'>GeoJSON</a></td>"
                f"<td>{vint}</td><td>{per}</td></tr>"
            )
        parts.append("</tbody></table>")
    metas = [m for m in store.list_indicators() if visible_indicator(m, settings)]
    if metas:
        parts.append(f"<h2>{_e(t['indicators'])} ({len(metas)})</h2><table><tbody>")
        for m in metas[:200]:
            parts.append(
                f"<tr><td><code>{_e(m.id)}</code></td><td>{_e(m.title(language))}</td><td>{_e(m.source)}</td></tr>"
            )
        parts.append("</tbody></table>")
    geos = store.list_georesources()
    if geos:
        parts.append(f"<h2>{_e(t['georesources'])}</h2><ul>")
        for g in geos:
            title = g.title_de if language == "de" else g.title_en
            parts.append(
                f"<li><a href='/api/v1/georesources/{_e(g.id)}/features'>{_e(title)}</a> — {_e(g.source)}</li>"
            )
        parts.append("</ul>")
    parts.append(
        f"<h2>{_e(t['api'])}</h2><ul>"
        "<li><a href='/api/v1/openapi.json'>/api/v1/openapi.json</a> (OpenAPI)</li>"
        "<li><a href='/api/v1/levels'>/api/v1/levels</a></li>"
        "<li><code>/api/v1/levels/{level}/units?date=YYYY-MM-DD</code></li>"
        "<li><a href='/api/v1/indicators'>/api/v1/indicators</a></li>"
        "<li><code>/api/v1/indicators/{id}/values?level=…&amp;date=…</code></li></ul>"
    )
    if not settings.public_mode:
        label = "Quartiere bilden" if language == "de" else "Delineate quarters"
        parts.append(f"<p><a href='/regions?lang={language}'>{_e(label)}</a></p>")
    credits = store.get_meta("credits")
    if credits:
        parts.append(f"<h2>{_e(t['credits'])}</h2><pre>{_e(credits)}</pre>")
    parts.append("</main></body></html>")
    return HTMLResponse("".join(parts))
