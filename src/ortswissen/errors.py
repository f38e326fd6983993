"""The one exception tree of ortswissen.

Every error the package raises on purpose is an :class:`OrtswissenError`. Domain errors
also subclass the matching built-in type so that ordinary ``except ValueError`` code keeps
working, and each carries the HTTP status the web layer renders it with::

    OrtswissenError
    ├── ConfigurationError (ValueError)            400
    ├── DependencyMissing (ImportError)            500
    ├── NotFound (KeyError)                        404
    │   ├── UnknownLevel
    │   ├── UnknownUnit
    │   ├── UnknownIndicator
    │   ├── UnknownGeoresource
    │   └── UnknownCrosswalk
    ├── InvalidInput (ValueError)                  400
    │   ├── DefinitionError                        (bad level/indicator/spec metadata)
    │   ├── CrsError                               (missing, wrong or implausible CRS)
    │   └── ImportRejected                         (carries the full ImportReport)  422
    ├── Conflict                                   409
    │   └── ValidityOverlap
    └── StoreError                                 500
        ├── StoreNotFound (FileNotFoundError)      404
        ├── StoreReadOnly                          409
        └── SchemaVersionError                     500

Examples
--------
>>> try:
...     raise UnknownLevel("planungsraum")
... except KeyError as exc:
...     print(exc, exc.http_status)
unknown level 'planungsraum' 404
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ortswissen.reports import ImportReport

__all__ = [
    "ConfigurationError",
    "Conflict",
    "CrsError",
    "DefinitionError",
    "DependencyMissing",
    "ImportRejected",
    "InfeasibleConstraints",
    "InvalidInput",
    "NotFound",
    "OrtswissenError",
    "SchemaVersionError",
    "StoreError",
    "StoreNotFound",
    "StoreReadOnly",
    "UnknownCrosswalk",
    "UnknownGeoresource",
    "UnknownIndicator",
    "UnknownLevel",
    "UnknownUnit",
    "ValidityOverlap",
]


class OrtswissenError(Exception):
    """Base of all errors raised on purpose by ortswissen."""

    http_status: int = 500
    code: str = "error"

    def __init__(self, message: str = "", **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return self.message

    @property
    def user_message(self) -> str:
        """A message that is safe to show to any user."""
        return self.message


class ConfigurationError(OrtswissenError, ValueError):
    """A setting or command-line option is invalid."""

    http_status = 400
    code = "configuration"


class DependencyMissing(OrtswissenError, ImportError):
    """An optional dependency is not installed; the message says what to install."""

    code = "dependency-missing"


class NotFound(OrtswissenError, KeyError):
    """Something asked for by id does not exist."""

    http_status = 404
    code = "not-found"
    kind = "object"

    def __init__(self, key: str, message: str | None = None, *, available: list[str] | None = None) -> None:
        super().__init__(message or f"unknown {self.kind} {key!r}", key=key)
        self.key = key
        #: what does exist, when the raiser knows it (the web layer lists it in the 404 answer)
        self.available = available


class UnknownLevel(NotFound):
    """A spatial level id is not in the store."""

    kind = "level"


class UnknownUnit(NotFound):
    """A spatial unit id is not known (at the given date)."""

    kind = "unit"


class UnknownIndicator(NotFound):
    """An indicator id is not in the store."""

    kind = "indicator"


class UnknownGeoresource(NotFound):
    """A georesource id is not in the store."""

    kind = "georesource"


class UnknownCrosswalk(NotFound):
    """A crosswalk id is not in the store."""

    kind = "crosswalk"


class InvalidInput(OrtswissenError, ValueError):
    """Input data or a request is invalid."""

    http_status = 400
    code = "invalid-input"


class DefinitionError(InvalidInput):
    """Metadata (a level, an indicator, an import specification) is invalid."""

    code = "invalid-definition"


class CrsError(InvalidInput):
    """A coordinate reference system is missing, wrong or implausible for the data."""

    code = "crs"


class ImportRejected(InvalidInput):
    """An import found errors and wrote nothing; ``report`` lists every problem."""

    http_status = 422
    code = "import-rejected"

    def __init__(self, report: ImportReport) -> None:
        super().__init__(report.summary())
        self.report = report


class InfeasibleConstraints(InvalidInput):
    """Constraints of a delineation that cannot all be met; ``problems`` names the units or components.

    Each problem is a dict with at least ``reason`` and ``units`` (unit ids, at most 50 listed)
    and, where it applies, ``component``, ``population`` and the bound it fails.
    """

    http_status = 422
    code = "infeasible-constraints"

    def __init__(self, message: str, problems: list[dict[str, Any]]) -> None:
        super().__init__(message, problems=problems)
        self.problems = problems


class Conflict(OrtswissenError):
    """The request conflicts with what is stored."""

    http_status = 409
    code = "conflict"


class ValidityOverlap(Conflict):
    """Two versions of the same unit would be valid on the same day."""

    code = "validity-overlap"


class StoreError(OrtswissenError):
    """The store cannot be opened or used."""

    code = "store"


class StoreNotFound(StoreError, FileNotFoundError):
    """The store file does not exist and creating it was not asked for."""

    http_status = 404
    code = "store-not-found"


class StoreReadOnly(StoreError):
    """A write was attempted on a store opened read-only."""

    http_status = 409
    code = "store-read-only"


class SchemaVersionError(StoreError):
    """The store's schema is newer than this version of ortswissen understands."""

    code = "schema-version"
