"""Import reports: every problem an import finds, with file, row, column and value.

An import validates the whole input before it writes anything. Problems are collected as
:class:`Issue` objects in an :class:`ImportReport`; if any has severity ``error`` the import
is rejected (:class:`ortswissen.errors.ImportRejected`) and nothing is written. Warnings
(for example ids whose lost leading zeros were restored) and notes (for example skipped
blank rows) are kept in the report of a successful import, so nothing happens silently.

Rows are counted as a spreadsheet does: the first line of a file is row 1, so the first data
row below a one-line header is row 2. For geodata files the row is the feature's position
(1-based) in the file.

Examples
--------
>>> report = ImportReport(kind="values", source="ewr.csv")
>>> report.error("unknown-unit", "unknown planning area '99999999'", row=7, column="RAUMID",
...              value="99999999")
>>> report.ok
False
>>> print(report.issues[0])
ewr.csv, row 7, column 'RAUMID': unknown planning area '99999999' [unknown-unit]
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

__all__ = ["ISSUE_CODES", "ImportReport", "Issue", "Severity"]

#: Every problem code an import may report: code → (German, English) explanation.
ISSUE_CODES: dict[str, tuple[str, str]] = {
    # reading the file
    "unreadable": ("Datei nicht lesbar oder leer", "file cannot be read, or is empty"),
    "encoding": ("Zeichenkodierung passt nicht (z. B. cp1252 statt UTF-8)", "bytes do not fit the encoding"),
    "delimiter-detected": ("Trennzeichen aus der Kopfzeile erkannt", "delimiter detected from the header"),
    "mixed-line-endings": ("gemischte Zeilenenden (CRLF/CR/LF) gelesen", "mixed line endings were read"),
    "wrong-field-count": ("Zeile hat zu viele oder zu wenige Felder", "row has too many or too few fields"),
    "newline-in-value": ("Zeilenumbruch innerhalb eines Werts", "a line break inside a quoted value"),
    "missing-column": ("erwartete Spalte fehlt", "an expected column is missing"),
    "column-ignored": ("Spalte wird nicht importiert", "column is not imported"),
    "no-data": ("keine Datenzeilen", "no data rows"),
    "blank-row": ("leere Zeile übersprungen", "blank row skipped"),
    "totals-row": ("Summenzeile ohne Kennung übersprungen", "totals row without an id skipped"),
    "row-without-id": ("Zeile ohne Kennung übersprungen, keine Summe", "row without an id skipped, not totals"),
    "strict": ("Warnungen im strengen Modus", "warnings in strict mode"),
    # ids and units
    "missing-id": ("Kennung fehlt", "the id is empty"),
    "invalid-id": ("Kennung passt nicht zum Schlüssel der Ebene", "id does not fit the level's key"),
    "id-zero-padded": ("verlorene führende Nullen ergänzt", "lost leading zeros restored"),
    "id-lost-zeros": ("Kennung hat führende Nullen verloren", "id lost its leading zeros"),
    "duplicate-id": ("Kennung doppelt", "id occurs twice"),
    "unknown-level": ("unbekannte Raumebene", "unknown level"),
    "missing-level": ("Raumebene nicht angegeben", "no level given"),
    "unknown-unit": ("unbekannte Raumeinheit", "unknown unit"),
    "no-units": ("Ebene hat noch keine Einheiten", "the level has no units yet"),
    "unit-not-valid-on-date": ("Einheit am Stichtag nicht gültig", "unit not valid on the date"),
    # dates and validity
    "missing-date": ("Stichtag bzw. Gültigkeitsbeginn fehlt", "date or validity start missing"),
    "invalid-date": ("kein gültiges Datum", "not a valid date"),
    "invalid-period": ("Gültigkeit endet vor ihrem Beginn", "validity ends before it starts"),
    "validity-overlap": (
        "Gültigkeit überschneidet sich mit gespeicherter Fassung",
        "validity overlaps a stored version",
    ),
    "units-retired": ("Einheiten fehlen in der neuen Fassung und enden", "units missing from the new version end"),
    "values-outside-validity": (
        "gespeicherte Werte liegen nach dem neuen Gültigkeitsende",
        "stored values lie after the new end of validity",
    ),
    # numbers and values
    "not-a-number": ("keine Zahl", "not a number"),
    "decimal-point-found": ("Dezimalpunkt statt Dezimalkomma", "decimal point where a comma is expected"),
    "decimal-comma-found": ("Dezimalkomma statt Dezimalpunkt", "decimal comma where a point is expected"),
    "negative-value": ("negativer Wert bei Anzahl oder Anteil", "negative count or share"),
    "fractional-count": ("Anzahl ist keine ganze Zahl", "count is not a whole number"),
    "duplicate-key": ("Wert für denselben Schlüssel mehrfach", "the same value key occurs twice"),
    "unknown-indicator": ("Indikator nicht definiert", "indicator not defined"),
    "no-value-columns": ("keine Wertspalten", "no value columns"),
    "invalid-status": ("unbekannter Status", "unknown status"),
    "missing-scenario": ("Szenario fehlt", "the scenario is empty"),
    "status-conflict": ("Status passt nicht zum Wert", "status does not fit the value"),
    # geometry and CRS
    "crs": ("Koordinatenbezugssystem fehlt, falsch oder unplausibel", "CRS missing, wrong or implausible"),
    "missing-geometry": ("Geometrie fehlt", "geometry missing"),
    "empty-geometry": ("Geometrie leer", "geometry empty"),
    "wrong-geometry-type": ("falscher Geometrietyp", "wrong geometry type"),
    "invalid-geometry": (
        "ungültige Geometrie (z. B. Selbstüberschneidung)",
        "invalid geometry (e.g. self-intersection)",
    ),
    "repaired-geometry": ("ungültige Geometrie repariert", "invalid geometry repaired"),
    "missing-coordinate": ("Koordinate fehlt", "coordinate missing"),
    # hierarchy
    "missing-parent": ("übergeordnete Einheit fehlt", "parent unit missing"),
    "unknown-parent": ("übergeordnete Einheit unbekannt", "parent unit unknown"),
    "no-parent-units": ("übergeordnete Ebene hat keine Einheiten", "the parent level has no units"),
    "parent-not-valid": ("übergeordnete Einheit nicht über die ganze Gültigkeit gültig", "parent not valid throughout"),
    "parent-does-not-cover": ("Einheit liegt nicht in ihrer übergeordneten Einheit", "parent does not cover the unit"),
    "parent-ignored": (
        "Ebene ist nicht verschachtelt: keine übergeordneten Einheiten",
        "level not nested: parents ignored",
    ),
    # register extracts (docs/register.md)
    "invalid-sex": ("Geschlecht nicht m, w/f oder d", "sex is not m, w/f or d"),
    "invalid-nationality": ("Staatsangehörigkeit kein ISO-Ländercode", "nationality is not an ISO country code"),
    "invalid-residence": ("Wohnungsstatus nicht haupt oder neben", "residence is not haupt or neben"),
    "invalid-event": ("unbekannte Ereignisart", "unknown kind of event"),
    "invalid-region": (
        "Herkunft/Ziel weder AGS noch Ländercode",
        "origin/destination is neither an AGS key nor a country code",
    ),
    "unknown-person": ("Registernummer fehlt in der Personendatei", "register id not in the persons file"),
    "invalid-coordinate": ("Koordinate keine Zahl oder unvollständig", "coordinate is not a number or incomplete"),
    "incomplete-address": (
        "Anschrift unvollständig (Straße, Hausnummer, PLZ)",
        "address incomplete (street, number, postcode)",
    ),
    "missing-address": ("Anschrift fehlt", "address missing"),
    "missing-address-table": ("Straßenanschrift ohne Adresstabelle", "street address but no address table"),
    "address-not-found": ("Anschrift nicht in der Adresstabelle", "address not in the address table"),
    "duplicate-address": (
        "Anschrift doppelt in der Adresstabelle, erste verwendet",
        "address repeated in the table, first used",
    ),
    "address-ignored": ("Anschrift bei Fortzug oder Tod nicht verwendet", "address of a move out or death not used"),
    "outside-blocks": ("Anschrift liegt in keinem Block", "address lies outside every block"),
    "born-after-period": ("Geburt nach dem Ende des Zeitraums", "born after the end of the period"),
    "address-before-birth": ("Anschrift zu Beginn, aber später geboren", "address at the period start but born later"),
    "event-outside-period": ("Ereignis außerhalb des Zeitraums", "event outside the period"),
    "event-before-birth": ("Ereignis vor der Geburt", "event before birth"),
    "event-after-death": ("Ereignis nach dem Tod", "event after death"),
    "birth-date-mismatch": ("Geburt nicht im Geburtsmonat der Person", "birth not in the person's month of birth"),
    "birth-not-first": ("Geburt nicht erstes Ereignis der Person", "birth is not the person's first event"),
    "not-resident": ("Person vor dem Ereignis nicht gemeldet", "person not resident before the event"),
    "already-resident": ("Zuzug einer bereits gemeldeten Person", "move in of a person already resident"),
    "person-without-address": (
        "Person ohne Anschrift und Ereignis ausgelassen",
        "person without address or event left out",
    ),
}

#: Issues kept per code; further ones of the same code are only counted.
DEFAULT_ISSUES_PER_CODE = 50


class Severity(StrEnum):
    """How bad an issue is: errors reject the import, warnings and notes do not."""

    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


@dataclass(frozen=True)
class Issue:
    """One problem found in an input, located as precisely as the format allows."""

    severity: Severity
    code: str
    message: str
    source: str = ""
    row: int | None = None
    column: str | None = None
    value: str | None = None

    def location(self) -> str:
        """File, row and column as one readable string."""
        parts = [self.source] if self.source else []
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f"column {self.column!r}")
        return ", ".join(parts)

    def __str__(self) -> str:
        where = self.location()
        prefix = f"{where}: " if where else ""
        return f"{prefix}{self.message} [{self.code}]"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        data = asdict(self)
        data["severity"] = str(self.severity)
        return data


@dataclass
class ImportReport:
    """What an import read, what it wrote and every problem it found."""

    kind: str
    source: str
    issues: list[Issue] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    issue_totals: Counter[tuple[str, str]] = field(default_factory=Counter)
    details: dict[str, Any] = field(default_factory=dict)
    per_code_limit: int = DEFAULT_ISSUES_PER_CODE

    # -- collecting -------------------------------------------------------------------
    def add(
        self,
        severity: Severity,
        code: str,
        message: str,
        *,
        row: int | None = None,
        column: str | None = None,
        value: object = None,
        source: str | None = None,
    ) -> None:
        """Record an issue; beyond ``per_code_limit`` per code it is only counted."""
        key = (str(severity), code)
        self.issue_totals[key] += 1
        if self.issue_totals[key] > self.per_code_limit:
            return
        shown = None if value is None else _clip(str(value))
        self.issues.append(
            Issue(Severity(severity), code, message, source if source is not None else self.source, row, column, shown)
        )

    def error(self, code: str, message: str, **where: Any) -> None:
        """Record an error: the import will be rejected."""
        self.add(Severity.ERROR, code, message, **where)

    def warning(self, code: str, message: str, **where: Any) -> None:
        """Record a warning: the import goes ahead, the user should look."""
        self.add(Severity.WARNING, code, message, **where)

    def note(self, code: str, message: str, **where: Any) -> None:
        """Record a note about something handled on purpose (e.g. a skipped blank row)."""
        self.add(Severity.NOTE, code, message, **where)

    def room(self, severity: Severity | str, code: str) -> int:
        """How many more issues of this code would still be recorded individually."""
        return max(0, self.per_code_limit - self.issue_totals[(str(severity), code)])

    def tally(self, severity: Severity | str, code: str, count: int) -> None:
        """Count ``count`` issues of a code without recording them (beyond the listed ones)."""
        if count > 0:
            self.issue_totals[(str(severity), code)] += count

    def extend(self, issues: Iterable[Issue]) -> None:
        """Add issues found elsewhere (for example by a pure validation function)."""
        for issue in issues:
            self.add(
                issue.severity,
                issue.code,
                issue.message,
                row=issue.row,
                column=issue.column,
                value=issue.value,
                source=issue.source or None,
            )

    # -- reading ----------------------------------------------------------------------
    @property
    def error_count(self) -> int:
        """All errors found, including those beyond the per-code limit."""
        return sum(n for (sev, _), n in self.issue_totals.items() if sev == Severity.ERROR)

    @property
    def warning_count(self) -> int:
        """All warnings found, including those beyond the per-code limit."""
        return sum(n for (sev, _), n in self.issue_totals.items() if sev == Severity.WARNING)

    @property
    def ok(self) -> bool:
        """True when there is no error."""
        return self.error_count == 0

    @property
    def errors(self) -> list[Issue]:
        """The recorded errors (at most ``per_code_limit`` per code)."""
        return [i for i in self.issues if i.severity == Severity.ERROR]

    @property
    def warnings(self) -> list[Issue]:
        """The recorded warnings."""
        return [i for i in self.issues if i.severity == Severity.WARNING]

    def codes(self, severity: Severity | str | None = None) -> set[str]:
        """The issue codes seen, optionally of one severity."""
        return {code for (sev, code) in self.issue_totals if severity is None or sev == str(severity)}

    def summary(self, max_lines: int = 10) -> str:
        """A short human-readable summary, first errors first."""
        head = f"{self.kind} import of {self.source}: "
        if self.ok:
            written = self.counts.get("written", 0)
            text = head + (
                f"ok, {written} would be written (dry run: nothing was written)"
                if self.details.get("dry_run")
                else f"ok, {written} written"
            )
            if self.warning_count:
                text += f", {self.warning_count} warning(s)"
            return text
        lines = [head + f"rejected, {self.error_count} error(s); nothing was written"]
        lines += [f"  {issue}" for issue in self.errors[:max_lines]]
        hidden = self.error_count - min(len(self.errors), max_lines)
        if hidden > 0:
            lines.append(f"  … and {hidden} more error(s)")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict with totals per code and every recorded issue."""
        return {
            "kind": self.kind,
            "source": self.source,
            "ok": self.ok,
            "counts": dict(self.counts),
            "totals": [
                {"severity": sev, "code": code, "count": n} for (sev, code), n in sorted(self.issue_totals.items())
            ],
            "issues": [i.to_dict() for i in self.issues],
            "details": self.details,
        }

    def to_json(self) -> str:
        """The report as JSON text."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2, default=str)


def _clip(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
