"""Unit tests of the exception tree (``ortswissen.errors``).

Every error is an :class:`OrtswissenError`, domain errors also subclass the matching built-in
type, each carries its HTTP status, ``str()`` is the plain message (no ``KeyError`` quotes), and
:class:`ImportRejected` carries its report with the report's summary as message.
"""

from __future__ import annotations

import pytest

from ortswissen import errors
from ortswissen.errors import (
    ConfigurationError,
    Conflict,
    CrsError,
    DefinitionError,
    DependencyMissing,
    ImportRejected,
    InfeasibleConstraints,
    InvalidInput,
    NotFound,
    OrtswissenError,
    SchemaVersionError,
    StoreError,
    StoreNotFound,
    StoreReadOnly,
    UnknownCrosswalk,
    UnknownGeoresource,
    UnknownIndicator,
    UnknownLevel,
    UnknownUnit,
    ValidityOverlap,
)
from ortswissen.reports import ImportReport

_ALL = [getattr(errors, name) for name in errors.__all__]
_NOT_FOUND = [NotFound, UnknownLevel, UnknownUnit, UnknownIndicator, UnknownGeoresource, UnknownCrosswalk]


def _make(cls: type[OrtswissenError]) -> OrtswissenError:
    if issubclass(cls, NotFound):
        return cls("x")
    if cls is ImportRejected:
        return ImportRejected(ImportReport(kind="values", source="f.csv"))
    if cls is InfeasibleConstraints:
        return InfeasibleConstraints("floor too high", [{"reason": "island below floor", "units": ["b1"]}])
    return cls("something went wrong")


def test_all_lists_the_whole_tree() -> None:
    assert len(_ALL) == 20
    assert all(isinstance(cls, type) for cls in _ALL)


@pytest.mark.parametrize("cls", _ALL, ids=lambda c: c.__name__)
def test_every_error_is_an_ortswissen_error(cls: type[Exception]) -> None:
    assert issubclass(cls, OrtswissenError)
    assert issubclass(cls, Exception)


@pytest.mark.parametrize("cls", _ALL, ids=lambda c: c.__name__)
def test_every_error_can_be_raised_and_caught_as_ortswissen_error(cls: type[OrtswissenError]) -> None:
    with pytest.raises(OrtswissenError):
        raise _make(cls)


@pytest.mark.parametrize(
    ("cls", "builtin"),
    [
        (NotFound, KeyError),
        (UnknownLevel, KeyError),
        (UnknownCrosswalk, KeyError),
        (InvalidInput, ValueError),
        (DefinitionError, ValueError),
        (CrsError, ValueError),
        (ImportRejected, ValueError),
        (InfeasibleConstraints, ValueError),
        (ConfigurationError, ValueError),
        (StoreNotFound, FileNotFoundError),
        (StoreNotFound, OSError),
        (DependencyMissing, ImportError),
    ],
    ids=lambda v: v.__name__,
)
def test_builtin_base_classes(cls: type[OrtswissenError], builtin: type[Exception]) -> None:
    assert issubclass(cls, builtin)
    with pytest.raises(builtin):
        raise _make(cls)


@pytest.mark.parametrize(
    ("cls", "not_builtin"),
    [(Conflict, ValueError), (StoreError, OSError), (InvalidInput, KeyError), (NotFound, ValueError)],
    ids=lambda v: v.__name__,
)
def test_no_unexpected_builtin_bases(cls: type[OrtswissenError], not_builtin: type[Exception]) -> None:
    assert not issubclass(cls, not_builtin)


@pytest.mark.parametrize(
    ("cls", "parent"),
    [
        (UnknownUnit, NotFound),
        (DefinitionError, InvalidInput),
        (CrsError, InvalidInput),
        (ImportRejected, InvalidInput),
        (ValidityOverlap, Conflict),
        (StoreNotFound, StoreError),
        (StoreReadOnly, StoreError),
        (SchemaVersionError, StoreError),
    ],
    ids=lambda v: v.__name__,
)
def test_tree_structure(cls: type[OrtswissenError], parent: type[OrtswissenError]) -> None:
    assert issubclass(cls, parent)


@pytest.mark.parametrize(
    ("cls", "status"),
    [
        (OrtswissenError, 500),
        (NotFound, 404),
        (UnknownLevel, 404),
        (UnknownUnit, 404),
        (UnknownIndicator, 404),
        (UnknownGeoresource, 404),
        (UnknownCrosswalk, 404),
        (InvalidInput, 400),
        (DefinitionError, 400),
        (CrsError, 400),
        (ConfigurationError, 400),
        (ImportRejected, 422),
        (Conflict, 409),
        (ValidityOverlap, 409),
        (StoreError, 500),
        (StoreNotFound, 404),
        (StoreReadOnly, 409),
        (SchemaVersionError, 500),
        (DependencyMissing, 500),
    ],
    ids=lambda v: v.__name__ if isinstance(v, type) else str(v),
)
def test_http_status(cls: type[OrtswissenError], status: int) -> None:
    assert cls.http_status == status
    assert _make(cls).http_status == status


def test_codes_are_distinct() -> None:
    codes = [cls.code for cls in _ALL if cls not in _NOT_FOUND[1:]]
    assert len(codes) == len(set(codes))


@pytest.mark.parametrize(
    ("cls", "text"),
    [
        (NotFound, "unknown object 'planungsraum'"),
        (UnknownLevel, "unknown level 'planungsraum'"),
        (UnknownUnit, "unknown unit 'planungsraum'"),
        (UnknownIndicator, "unknown indicator 'planungsraum'"),
        (UnknownGeoresource, "unknown georesource 'planungsraum'"),
        (UnknownCrosswalk, "unknown crosswalk 'planungsraum'"),
    ],
    ids=lambda v: v.__name__ if isinstance(v, type) else "text",
)
def test_not_found_str_has_no_key_error_quotes(cls: type[NotFound], text: str) -> None:
    exc = cls("planungsraum")
    assert str(exc) == text
    assert exc.key == "planungsraum"
    assert exc.details == {"key": "planungsraum"}
    assert exc.user_message == text


def test_not_found_custom_message() -> None:
    exc = UnknownUnit("01011101", "no unit 01011101 on 2020-12-31")
    assert str(exc) == "no unit 01011101 on 2020-12-31"
    assert exc.key == "01011101"


def test_message_and_details() -> None:
    exc = InvalidInput("bad value", row=7, column="RAUMID")
    assert str(exc) == exc.message == exc.user_message == "bad value"
    assert exc.details == {"row": 7, "column": "RAUMID"}


def test_store_not_found_str_is_the_message() -> None:
    exc = StoreNotFound("store berlin.duckdb does not exist")
    assert str(exc) == "store berlin.duckdb does not exist"


def test_import_rejected_carries_its_report() -> None:
    report = ImportReport(kind="values", source="ewr.csv")
    report.error("unknown-unit", "unknown planning area '99'", row=7)
    exc = ImportRejected(report)
    assert exc.report is report
    assert str(exc) == report.summary()
    assert str(exc).startswith("values import of ewr.csv: rejected, 1 error(s)")
    assert "unknown planning area '99'" in str(exc)
    assert exc.http_status == 422
    assert exc.code == "import-rejected"
