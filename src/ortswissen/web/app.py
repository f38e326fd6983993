"""The web application: ``create_app(settings)`` returns the ASGI app.

It serves the HTTP API under ``/api/v1`` (OpenAPI at ``/api/v1/openapi.json``) and the
browser pages from the same process. Everything is local: no CDN, no remote fonts or tiles.
Errors of the one exception tree, malformed requests and HTTP errors (unknown path, wrong
method) are rendered in one place as ``application/problem+json`` (see :mod:`._problems`);
each operation declares in the OpenAPI document the error statuses it can answer with.

Examples
--------
>>> from fastapi.testclient import TestClient
>>> from ortswissen.storage import open_store
>>> from ortswissen.testing import synthetic_municipality
>>> store = synthetic_municipality().load(open_store("memory://"))
>>> client = TestClient(create_app(store=store))
>>> [lv["id"] for lv in client.get("/api/v1/levels").json()]
['stadt', 'bezirk', 'quartier', 'block']
>>> client.get("/api/v1/levels/nowhere/units").status_code
404
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from ortswissen._version import __version__
from ortswissen.config import Settings
from ortswissen.errors import NotFound, OrtswissenError
from ortswissen.ports import Store
from ortswissen.storage import open_store
from ortswissen.web import atlas, ogc, pages, regions_page
from ortswissen.web._problems import available_for, finish_openapi, problem_response
from ortswissen.web.api import analysis, catalog, demography, kita, migration, regions, tiles, values

__all__ = ["create_app"]


def create_app(settings: Settings | None = None, *, store: Store | None = None) -> FastAPI:
    """Build the app; opens ``settings.db`` read-only unless a ``store`` is given."""
    settings = settings or Settings()
    owns_store = store is None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if app.state.store is None:
            app.state.store = open_store(
                settings.db, read_only=True, memory_limit=settings.memory_limit, threads=settings.threads
            )
        try:
            yield
        finally:
            jobs = getattr(app.state, "delineation_jobs", None)
            if jobs is not None:  # let a running delineation finish before the store closes
                jobs.shutdown()
            if owns_store and app.state.store is not None:
                app.state.store.close()
                app.state.store = None

    app = FastAPI(
        title="ortswissen API",
        version=__version__,
        description="Kleinräumige Statistik für Kommunen / small-area statistics for municipalities.",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # Swagger UI would load scripts from a CDN; the app must work offline
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.store = store
    app.state.settings = settings

    generate_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        return finish_openapi(generate_openapi())  # FastAPI caches the document; finishing is idempotent

    app.openapi = openapi  # type: ignore[method-assign]

    @app.exception_handler(OrtswissenError)
    async def _domain_error(request: Request, exc: OrtswissenError) -> JSONResponse:
        public_only = bool(getattr(request.app.state.settings, "public_mode", False))
        available = (
            available_for(request.app.state.store, exc, public_only=public_only) if isinstance(exc, NotFound) else None
        )
        return problem_response(exc.http_status, exc.code, exc.user_message, request, available=available)

    @app.exception_handler(HTTPException)
    async def _http_error(request: Request, exc: HTTPException) -> JSONResponse:
        detail = str(exc.detail)
        if exc.status_code == 404:
            code, detail = "not-found", f"nothing is served at {request.url.path}"
        elif exc.status_code == 405:
            allowed = (exc.headers or {}).get("allow", "")
            code, detail = "method-not-allowed", f"method {request.method} is not allowed here; allowed: {allowed}"
        else:
            code = "http-error"
        return problem_response(exc.status_code, code, detail, request, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _request_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        loc = first.get("loc", ())
        where = ".".join(str(p) for p in loc)
        message = str(first.get("msg", "invalid request"))
        # a malformed query is a bad request; a well-formed body with invalid content (e.g. a
        # non-numeric weight) is unprocessable
        status, code = (422, "unprocessable") if loc and loc[0] == "body" else (400, "bad-request")
        if first.get("type") == "value_error":  # a rule of our models beyond the schema (e.g. "either a or b")
            code, message = "invalid-input", message.removeprefix("Value error, ")
        return problem_response(status, code, f"{where}: {message}", request)

    app.include_router(catalog.router, prefix="/api/v1")
    app.include_router(values.router, prefix="/api/v1")
    app.include_router(analysis.router, prefix="/api/v1")
    app.include_router(tiles.router, prefix="/api/v1")
    app.include_router(regions.router, prefix="/api/v1")
    app.include_router(demography.router, prefix="/api/v1")
    app.include_router(migration.router, prefix="/api/v1")
    app.include_router(kita.router, prefix="/api/v1")
    app.include_router(ogc.router)
    app.include_router(atlas.router)
    app.include_router(pages.router)
    app.include_router(regions_page.router)
    atlas.mount_static(app)
    return app
