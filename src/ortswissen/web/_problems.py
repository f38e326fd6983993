"""Problem details (RFC 9457): the one shape of every error answer, and its place in the OpenAPI document.

Every error is ``application/problem+json`` with ``type``, ``title`` (a short code), ``status``,
``detail`` (a message meant for people) and ``instance`` (the request path). Each operation
declares the error statuses it can answer with :func:`problems`; :func:`finish_openapi` adds
the ``Problem`` schema to the document and removes FastAPI's generic ``422`` validation error,
which this API never sends (malformed parameters are ``400``, an invalid body ``422``, both
as problems).

Examples
--------
>>> sorted(problems(400, 404))
[400, 404]
>>> problems(404)[404]["content"]
{'application/problem+json': {'schema': {'$ref': '#/components/schemas/Problem'}}}
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

__all__ = ["PROBLEM_MEDIA_TYPE", "Problem", "available_for", "finish_openapi", "problem_response", "problems"]

#: Media type of an error answer.
PROBLEM_MEDIA_TYPE = "application/problem+json"
_REF = "#/components/schemas/Problem"

_DESCRIPTIONS = {
    400: "Bad request: a parameter is malformed, out of range or cannot be used here; `detail` says which and why.",
    404: "Not found: a level, unit, indicator, georesource, crosswalk or date with values does not exist.",
    405: "Method not allowed.",
    406: "Not acceptable: none of the media types in `Accept` is available.",
    409: "Conflict with what is stored.",
    422: "Unprocessable: the request body is well-formed JSON but invalid; `detail` says where and why.",
    500: "Internal error.",
}


class Problem(BaseModel):
    """An error answer (RFC 9457 problem details)."""

    type: str = Field(description="URI naming the kind of problem.")
    title: str = Field(description="Short code of the kind of problem, e.g. `not-found`.")
    status: int = Field(description="The HTTP status code.")
    detail: str = Field(description="What went wrong, for people.")
    instance: str = Field(description="The path of the request.")
    available: list[str] | None = Field(
        default=None,
        description="For `not-found`: the ids (or dates) that do exist, where they can be listed (at most 500).",
    )


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for error answers with these statuses."""
    return {
        status: {"description": _DESCRIPTIONS[status], "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": _REF}}}}
        for status in statuses
    }


def problem_response(
    status: int,
    code: str,
    detail: str,
    request: Request,
    headers: dict[str, str] | None = None,
    available: list[str] | None = None,
) -> JSONResponse:
    """The ``application/problem+json`` answer; ``available`` lists what exists (for a 404)."""
    if available is not None:
        shown = ", ".join(available[:_SHOWN]) + (f" … ({len(available)} in all)" if len(available) > _SHOWN else "")
        detail = f"{detail}; available: {shown or 'none'}"
    return JSONResponse(
        Problem(
            type=f"https://ortswissen.invalid/problems/{code}",
            title=code,
            status=status,
            detail=detail,
            instance=str(request.url.path),
            available=available[:_LISTED] if available is not None else None,
        ).model_dump(exclude_none=True),
        status_code=status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


_SHOWN = 20  # ids named in the detail text
_LISTED = 500  # ids in the ``available`` member


def available_for(store: Any, exc: Exception, *, public_only: bool = False) -> list[str] | None:
    """What exists of the kind a :class:`~ortswissen.errors.NotFound` asked for (None: not listable).

    ``public_only``: list only public indicators (public mode must not reveal internal ones).

    Examples
    --------
    >>> from ortswissen.errors import UnknownLevel
    >>> from ortswissen.storage import open_store
    >>> available_for(open_store("memory://"), UnknownLevel("x"))
    []
    """
    listed = getattr(exc, "available", None)
    if listed is not None:
        return [str(x) for x in listed]
    kind = getattr(exc, "kind", None)
    lister = {
        "level": lambda: [lv.id for lv in store.list_levels()],
        "indicator": lambda: [
            m.id for m in store.list_indicators() if not public_only or m.visibility.value == "public"
        ],
        "georesource": lambda: [g.id for g in store.list_georesources()],
        "crosswalk": lambda: [c.id for c in store.list_crosswalks()],
    }.get(str(kind))
    if store is None or lister is None:
        return None
    try:
        return sorted(lister())
    except Exception:  # an error while describing an error must not hide the first one
        return None


_FASTAPI_VALIDATION = ("ValidationError", "HTTPValidationError")


def finish_openapi(spec: dict[str, Any]) -> dict[str, Any]:
    """Add the ``Problem`` schema and drop FastAPI's default ``422`` answers (in place; idempotent)."""
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = Problem.model_json_schema()
    for operations in spec.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.get("responses", {})
            default = responses.get("422", {}).get("content", {}).get("application/json", {})
            if default.get("schema", {}).get("$ref", "").endswith("/HTTPValidationError"):
                del responses["422"]
    for name in _FASTAPI_VALIDATION:
        schemas.pop(name, None)
    return spec
