"""The browser app (atlas, area profiles, composites) at ``/`` and its static bundle.

The app itself is JavaScript built from ``frontend/`` into ``web/static/app`` (committed, so
no Node.js is needed to run it). This module serves the HTML shell that loads it, with the
settings the app needs in a JSON island, and mounts the static files. Everything is local:
no CDN, no remote fonts or tiles (an optional raster base map URL may be configured).
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Query
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

from ortswissen._version import __version__
from ortswissen.config import Settings
from ortswissen.web.api._deps import get_settings

__all__ = ["STATIC_DIR", "mount_static", "router"]

#: the built bundle (``npm run build`` in ``frontend/`` writes it)
STATIC_DIR = Path(__file__).with_name("static")

router = APIRouter(include_in_schema=False)

_TITLE = {"de": "ortswissen – Atlas", "en": "ortswissen – atlas"}
_NOSCRIPT = {
    "de": "Die Kartenanwendung braucht JavaScript. Der Datenbestand ist auch ohne JavaScript lesbar:",
    "en": "The map application needs JavaScript. The data overview works without it:",
}


def _asset_version() -> str:
    """The bundle's content hash (from its manifest), so browsers reload a new build."""
    manifest = STATIC_DIR / "app" / "manifest.json"
    try:
        return str(json.loads(manifest.read_text(encoding="utf-8"))["bundle_sha256"])[:12]
    except (OSError, ValueError, KeyError):
        return __version__


def shell(settings: Settings, language: str, *, embed: bool = False) -> str:
    """The HTML page that boots the app in ``language`` (``embed``: the map alone, for iframes)."""
    config = {
        "lang": language,
        "publicMode": settings.public_mode,
        "baseMapUrl": settings.base_map_url,
        "version": __version__,
        "api": "/api/v1",
        "embed": embed,
    }
    island = json.dumps(config).replace("</", "<\\/")
    v = _asset_version()
    title = html.escape(_TITLE[language])
    return (
        f"<!doctype html><html lang='{language}'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{title}</title><link rel='icon' href='/favicon.ico' type='image/svg+xml'>"
        f"<link rel='stylesheet' href='/static/app/app.css?v={v}'>"
        f"<script type='application/json' id='ow-config'>{island}</script>"
        f"<script type='module' src='/static/app/app.js?v={v}'></script>"
        "</head><body>"
        f"<div id='app' aria-live='polite'></div>"
        f"<noscript><p>{html.escape(_NOSCRIPT[language])} <a href='/daten?lang={language}'>/daten</a></p></noscript>"
        "</body></html>"
    )


@router.get("/", response_class=HTMLResponse)
def atlas(
    settings: Annotated[Settings, Depends(get_settings)],
    lang: Annotated[str | None, Query(pattern="^(de|en)$")] = None,
    embed: Annotated[bool, Query(description="Only the map (for embedding in other pages).")] = False,
) -> HTMLResponse:
    """The atlas; the view (map, profile, composite) and its state live in the query string."""
    return HTMLResponse(shell(settings, lang or settings.language, embed=embed))


_FAVICON = (
    "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'><rect width='16' height='16' rx='3' fill='#0b4f6c'/>"
    "<path d='M3 12V6l3 2 2-4 2 3 3-2v7z' fill='#fdae61'/></svg>"
)


@router.get("/favicon.ico")
def favicon() -> Response:
    """The app's icon (an inline SVG; browsers ask for it on every page)."""
    return Response(_FAVICON, media_type="image/svg+xml", headers={"Cache-Control": "max-age=86400"})


def mount_static(app: FastAPI) -> None:
    """Serve the built bundle under ``/static``."""
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
