r"""One streaming pass over a text file's bytes before it is parsed.

It settles the encoding (strict UTF-8 with or without BOM by default; cp1252 and latin-1
when declared), rejects undecodable bytes with the row and byte where they occur, notices
UTF-16 and binary files, and counts line endings so mixed CRLF/CR files (EWR 2004) are
reported rather than silently merged. It reads the file in blocks and never holds it whole.

Examples
--------
>>> import tempfile, os
>>> path = os.path.join(tempfile.mkdtemp(), "x.csv")
>>> _ = Path(path).write_bytes("a;b\r\nStraße;1\r2;3\n".encode("utf-8"))
>>> facts = sniff(path)
>>> facts.encoding, facts.line_endings
('utf-8', {'crlf': 1, 'cr': 1, 'lf': 1})
"""

from __future__ import annotations

import codecs
import hashlib
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from ortswissen.errors import InvalidInput

__all__ = ["SUPPORTED_ENCODINGS", "FileFacts", "sniff"]

#: Encodings accepted for text inputs ("auto" means strict UTF-8, BOM allowed).
SUPPORTED_ENCODINGS = ("auto", "utf-8", "utf-8-sig", "cp1252", "latin-1")

_CHUNK = 8 << 20
_C1 = re.compile(rb"[\x80-\x9f]")
_CP1252_UNDEFINED = bytes([0x81, 0x8D, 0x8F, 0x90, 0x9D])
_ALIASES = {
    "utf8": "utf-8",
    "utf-8": "utf-8",
    "utf-8-sig": "utf-8",
    "auto": "auto",
    "cp1252": "cp1252",
    "windows-1252": "cp1252",
    "latin-1": "latin-1",
    "latin1": "latin-1",
    "iso-8859-1": "latin-1",
    "iso8859-1": "latin-1",
}


@dataclass
class FileFacts:
    """What the byte pass found."""

    path: Path
    size: int
    encoding: str  # codec name for the parser: utf-8, cp1252 or latin-1
    bom: bool
    line_endings: dict[str, int] = field(default_factory=dict)
    sha256: str = ""

    @property
    def mixed_line_endings(self) -> bool:
        """Whether more than one kind of line ending occurs."""
        return sum(1 for n in self.line_endings.values() if n) > 1


class EncodingProblem(InvalidInput):
    """The bytes of a file do not fit its (declared or assumed) encoding."""

    code = "encoding"

    def __init__(self, message: str, *, row: int | None = None, value: str | None = None) -> None:
        super().__init__(message)
        self.row = row
        self.value = value


def _normalise(encoding: str) -> str:
    key = encoding.strip().lower()
    if key not in _ALIASES:
        raise InvalidInput(f"unsupported encoding {encoding!r}; use one of {', '.join(SUPPORTED_ENCODINGS)}")
    return _ALIASES[key]


def sniff(path: str | Path, encoding: str = "auto") -> FileFacts:
    """Check a text file's bytes; raise :class:`EncodingProblem` or :class:`InvalidInput`."""
    path = Path(path)
    declared = _normalise(encoding)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror or exc}") from exc
    if size == 0:
        raise InvalidInput(f"{path.name}: the file is empty")

    utf8 = codecs.getincrementaldecoder("utf-8")(errors="strict")
    utf8_ok = True
    utf8_error: tuple[int, int] | None = None  # absolute byte offset, line
    non_ascii = False
    c1_bytes = False
    undefined_cp1252: tuple[int, int] | None = None
    crlf = lf = cr = 0
    lines_before = 0
    offset = 0
    prev_last = b""
    bom = False
    only_space = True
    nul_at: int | None = None
    digest = hashlib.sha256()

    with path.open("rb") as fh, ThreadPoolExecutor(max_workers=1) as hasher:
        first = True
        while True:
            chunk = fh.read(_CHUNK)
            if not chunk:
                break
            hashing = hasher.submit(digest.update, chunk)  # hashlib releases the GIL: hash beside the checks
            if first:
                first = False
                if chunk.startswith(codecs.BOM_UTF8):
                    bom = True
                elif chunk.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                    raise EncodingProblem(f"{path.name}: the file is UTF-16; save it as UTF-8 (or cp1252)", row=1)
            if nul_at is None and b"\x00" in chunk:
                nul_at = offset + chunk.index(b"\x00")
            if only_space and chunk.strip():
                only_space = False
            # line endings; a CRLF split across two chunks is counted through prev_last
            n_lf = chunk.count(b"\n")
            n_crlf, n_cr = (chunk.count(b"\r\n"), chunk.count(b"\r")) if b"\r" in chunk else (0, 0)
            split_crlf = prev_last == b"\r" and chunk[:1] == b"\n"
            crlf += n_crlf + split_crlf
            cr += n_cr
            lf += n_lf
            if not chunk.isascii():
                non_ascii = True
                if not c1_bytes and _C1.search(chunk):
                    c1_bytes = True
            if undefined_cp1252 is None and declared == "cp1252":
                for b in _CP1252_UNDEFINED:
                    pos = chunk.find(bytes([b]))
                    if pos >= 0 and (undefined_cp1252 is None or offset + pos < undefined_cp1252[0]):
                        undefined_cp1252 = (offset + pos, lines_before + _breaks(chunk[:pos], prev_last) + 1)
            if utf8_ok:
                carried = len(utf8.getstate()[0])  # bytes of a character begun in the previous block
                try:
                    utf8.decode(chunk, final=False)
                except UnicodeDecodeError as exc:
                    utf8_ok = False
                    # the bad byte may be one carried over from the previous block (no line breaks there)
                    in_chunk = max(exc.start - carried, 0)
                    utf8_error = (offset - carried + exc.start, lines_before + _breaks(chunk[:in_chunk], prev_last) + 1)
            lines_before += n_lf + n_cr - n_crlf - split_crlf  # = _breaks(chunk, prev_last)
            hashing.result()
            offset += len(chunk)
            prev_last = chunk[-1:]
    if utf8_ok:
        try:
            utf8.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8_ok = False
            utf8_error = (size, lines_before + 1)
    if only_space:
        raise InvalidInput(f"{path.name}: the file contains only blank space")
    if nul_at is not None:
        raise EncodingProblem(
            f"{path.name}: the file contains NUL bytes (at byte {nul_at}); it is binary or UTF-16, not a text table"
        )
    # CRLF counted as both CR and LF above; separate them
    bare_cr = cr - crlf
    bare_lf = lf - crlf
    endings = {"crlf": crlf, "cr": bare_cr, "lf": bare_lf}

    if declared == "auto" or declared == "utf-8":
        if not utf8_ok:
            assert utf8_error is not None
            byte, line = utf8_error
            snippet = _line_at(path, byte, "cp1252")
            hint = (
                f"; the line reads as cp1252: {snippet!r} — declare the encoding cp1252 (Excel 'CSV' export)"
                if snippet is not None
                else ""
            )
            raise EncodingProblem(
                f"{path.name}: row {line}: byte {byte} is not valid UTF-8{hint}",
                row=line,
                value=snippet,
            )
        return FileFacts(path, size, "utf-8", bom, endings, digest.hexdigest())
    # a declared single-byte encoding
    if utf8_ok and non_ascii and not bom:
        raise EncodingProblem(
            f"{path.name}: the file is UTF-8 but {declared} was declared; its umlauts would turn into "
            "garbage such as 'Ã¤' — declare utf-8"
        )
    if bom:
        raise EncodingProblem(f"{path.name}: the file starts with a UTF-8 byte-order mark but {declared} was declared")
    if declared == "cp1252" and undefined_cp1252 is not None:
        byte, line = undefined_cp1252
        raise EncodingProblem(f"{path.name}: row {line}: byte {byte} is undefined in cp1252", row=line)
    if declared == "latin-1" and c1_bytes:
        raise EncodingProblem(
            f"{path.name}: the file has bytes 0x80–0x9F, which are control characters in latin-1 but letters "
            "and dashes (€ „ “ –) in cp1252 — declare cp1252"
        )
    return FileFacts(path, size, declared, bom, endings, digest.hexdigest())


def _breaks(data: bytes, before: bytes) -> int:
    """Line breaks (LF, CRLF or a bare CR) in ``data``; ``before`` is the byte preceding it."""
    n = data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")
    if before == b"\r" and data[:1] == b"\n":
        n -= 1  # the LF completes a CRLF whose CR was counted already
    return n


def _line_at(path: Path, offset: int, encoding: str, limit: int = 80) -> str | None:
    """The text of the line holding byte ``offset``, decoded with ``encoding`` (``None`` if that fails)."""
    start = max(0, offset - 4096)
    with path.open("rb") as fh:
        fh.seek(start)
        window = fh.read(8192)
    pos = offset - start
    head = max(window.rfind(b"\n", 0, pos), window.rfind(b"\r", 0, pos)) + 1
    ends = [i for i in (window.find(b"\n", pos), window.find(b"\r", pos)) if i >= 0]
    raw = window[head : min(ends) if ends else len(window)]
    try:
        return raw.decode(encoding)[:limit]
    except UnicodeDecodeError:
        return None
