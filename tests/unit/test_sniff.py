"""Tests for ``ortswissen.io._sniff``: encodings, BOM, binary files, line endings, checksums, rows of bad bytes."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

import ortswissen.io._sniff as sniff_module
from ortswissen.errors import InvalidInput
from ortswissen.io._sniff import EncodingProblem, FileFacts, sniff


def _write(tmp_path: Path, data: bytes, name: str = "t.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# -- UTF-8 ---------------------------------------------------------------------------------------


def test_utf8_without_bom(tmp_path: Path) -> None:
    path = _write(tmp_path, "ort;name\n1;Straße\n2;Müller\n".encode())
    facts = sniff(path)
    assert isinstance(facts, FileFacts)
    assert facts.encoding == "utf-8"
    assert facts.bom is False
    assert facts.path == path
    assert facts.size == path.stat().st_size


def test_utf8_with_bom(tmp_path: Path) -> None:
    path = _write(tmp_path, b"\xef\xbb\xbf" + "ort;name\n1;Straße\n".encode())
    facts = sniff(path)
    assert facts.encoding == "utf-8"
    assert facts.bom is True


@pytest.mark.parametrize("declared", ["utf-8", "UTF-8", "utf8", "utf-8-sig", "auto"])
def test_declared_utf8_aliases(tmp_path: Path, declared: str) -> None:
    path = _write(tmp_path, "a;b\nä;ö\n".encode())
    assert sniff(path, declared).encoding == "utf-8"


def test_unsupported_encoding_is_invalid_input(tmp_path: Path) -> None:
    path = _write(tmp_path, b"a;b\n1;2\n")
    with pytest.raises(InvalidInput, match="unsupported encoding"):
        sniff(path, "utf-16")


def test_pure_ascii_file(tmp_path: Path) -> None:
    facts = sniff(_write(tmp_path, b"a,b\n1,2\n"))
    assert facts.encoding == "utf-8"
    assert facts.bom is False


def test_invalid_utf8_names_row_and_suggests_cp1252(tmp_path: Path) -> None:
    # row 3 holds a cp1252 "ß" (0xDF), which is no valid UTF-8
    data = b"ort;name\n1;Berlin\n2;Stra\xdfe\n3;Ende\n"
    path = _write(tmp_path, data)
    with pytest.raises(EncodingProblem) as info:
        sniff(path)
    exc = info.value
    assert exc.row == 3
    assert exc.value == "2;Straße"
    message = str(exc)
    bad_offset = data.index(b"\xdf")
    assert "row 3" in message
    assert f"byte {bad_offset} " in message
    assert "cp1252" in message
    assert exc.code == "encoding"
    assert isinstance(exc, InvalidInput)


def test_invalid_utf8_in_first_row(tmp_path: Path) -> None:
    path = _write(tmp_path, b"Gem\xfcse;b\n1;2\n")
    with pytest.raises(EncodingProblem) as info:
        sniff(path, "utf-8")
    assert info.value.row == 1
    assert info.value.value == "Gemüse;b"


def test_truncated_utf8_at_end_of_file(tmp_path: Path) -> None:
    # the file ends in the middle of a two-byte sequence ("ä" = C3 A4)
    path = _write(tmp_path, b"a;b\n1;2\n3;\xc3")
    with pytest.raises(EncodingProblem) as info:
        sniff(path)
    assert info.value.row == 3


# -- cp1252 and latin-1 ---------------------------------------------------------------------------


def test_declared_cp1252_on_cp1252_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "ort;name\r\n1;Straße – Nord\r\n2;„Müller“ €\r\n".encode("cp1252"))
    facts = sniff(path, "cp1252")
    assert facts.encoding == "cp1252"
    assert facts.bom is False
    assert facts.line_endings == {"crlf": 3, "cr": 0, "lf": 0}


@pytest.mark.parametrize("declared", ["windows-1252", "CP1252"])
def test_cp1252_aliases(tmp_path: Path, declared: str) -> None:
    path = _write(tmp_path, "a;b\n1;Straße\n".encode("cp1252"))
    assert sniff(path, declared).encoding == "cp1252"


def test_declared_cp1252_on_utf8_file_with_umlauts(tmp_path: Path) -> None:
    path = _write(tmp_path, "ort;name\n1;Müller\n".encode())
    with pytest.raises(EncodingProblem, match="UTF-8"):
        sniff(path, "cp1252")


def test_declared_cp1252_on_utf8_file_with_bom(tmp_path: Path) -> None:
    path = _write(tmp_path, b"\xef\xbb\xbfa;b\n1;2\n")
    with pytest.raises(EncodingProblem, match="byte-order mark"):
        sniff(path, "cp1252")


def test_declared_cp1252_on_ascii_file_is_fine(tmp_path: Path) -> None:
    assert sniff(_write(tmp_path, b"a;b\n1;2\n"), "cp1252").encoding == "cp1252"


def test_latin1_declared_on_latin1_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "a;b\n1;Straße\n".encode("latin-1"))
    for declared in ("latin-1", "latin1", "iso-8859-1"):
        assert sniff(path, declared).encoding == "latin-1"


def test_latin1_declared_but_cp1252_dash(tmp_path: Path) -> None:
    # 0x96 is the en dash in cp1252 but a C1 control character in latin-1
    path = _write(tmp_path, b"a;b\n1;Nord \x96 S\xfcd\n")
    with pytest.raises(EncodingProblem, match="cp1252"):
        sniff(path, "latin-1")


@pytest.mark.parametrize("byte", [0x81, 0x8D, 0x8F, 0x90, 0x9D], ids=lambda b: f"0x{b:02X}")
def test_undefined_cp1252_byte_names_the_row(tmp_path: Path, byte: int) -> None:
    data = b"a;b\n1;2\n3;x" + bytes([byte]) + b"y\n4;5\n"
    path = _write(tmp_path, data)
    with pytest.raises(EncodingProblem) as info:
        sniff(path, "cp1252")
    assert info.value.row == 3
    assert "row 3" in str(info.value)
    bad_offset = data.index(bytes([byte]))
    assert f"byte {bad_offset} " in str(info.value)
    assert "undefined in cp1252" in str(info.value)


def test_first_undefined_cp1252_byte_is_named(tmp_path: Path) -> None:
    # 0x9D comes first in the file although 0x81 is checked first
    data = b"a;b\n1;\x9d\n2;\x81\n"
    with pytest.raises(EncodingProblem) as info:
        sniff(_write(tmp_path, data), "cp1252")
    assert info.value.row == 2


# -- binary and empty files ----------------------------------------------------------------------


@pytest.mark.parametrize("bom", [b"\xff\xfe", b"\xfe\xff"], ids=["utf16-le", "utf16-be"])
def test_utf16_bom_is_rejected(tmp_path: Path, bom: bytes) -> None:
    codec = "utf-16-le" if bom == b"\xff\xfe" else "utf-16-be"
    path = _write(tmp_path, bom + "a;b\n1;2\n".encode(codec))
    with pytest.raises(EncodingProblem, match="UTF-16"):
        sniff(path)


def test_nul_bytes_are_rejected(tmp_path: Path) -> None:
    data = b"a;b\n1;\x002\n"
    nul_offset = data.index(b"\x00")
    with pytest.raises(EncodingProblem, match=rf"NUL bytes \(at byte {nul_offset}\)"):
        sniff(_write(tmp_path, data))


def test_utf16_without_bom_is_rejected_by_its_nul_bytes(tmp_path: Path) -> None:
    with pytest.raises(EncodingProblem, match="NUL"):
        sniff(_write(tmp_path, "a;b\n1;2\n".encode("utf-16-le")))


def test_empty_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="empty"):
        sniff(_write(tmp_path, b""))


@pytest.mark.parametrize("data", [b" ", b"\n\n\n", b" \t\r\n  \r\n"], ids=["space", "newlines", "mixed-blanks"])
def test_whitespace_only_file(tmp_path: Path, data: bytes) -> None:
    with pytest.raises(InvalidInput, match="blank"):
        sniff(_write(tmp_path, data))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="cannot read"):
        sniff(tmp_path / "nope.csv")


# -- line endings ---------------------------------------------------------------------------------

LINE_ENDINGS = [
    ("lf", b"a;b\n1;2\n3;4\n", {"crlf": 0, "cr": 0, "lf": 3}, False),
    ("crlf", b"a;b\r\n1;2\r\n3;4\r\n", {"crlf": 3, "cr": 0, "lf": 0}, False),
    ("cr", b"a;b\r1;2\r3;4\r", {"crlf": 0, "cr": 3, "lf": 0}, False),
    ("crlf-and-cr", b"a;b\r\n1;2\r3;4\r\n5;6\r", {"crlf": 2, "cr": 2, "lf": 0}, True),
    ("crlf-and-lf", b"a;b\r\n1;2\n", {"crlf": 1, "cr": 0, "lf": 1}, True),
    ("all-three", b"a;b\r\nStra\xc3\x9fe;1\r2;3\n", {"crlf": 1, "cr": 1, "lf": 1}, True),
    ("no-final-newline", b"a;b\n1;2", {"crlf": 0, "cr": 0, "lf": 1}, False),
    ("cr-cr-lf", b"a\r\r\nb\n", {"crlf": 1, "cr": 1, "lf": 1}, True),
]


@pytest.mark.parametrize(("data", "expected", "mixed"), [c[1:] for c in LINE_ENDINGS], ids=[c[0] for c in LINE_ENDINGS])
def test_line_endings_are_counted(tmp_path: Path, data: bytes, expected: dict[str, int], mixed: bool) -> None:
    facts = sniff(_write(tmp_path, data))
    assert facts.line_endings == expected
    assert facts.mixed_line_endings is mixed


def test_mixed_line_endings_property() -> None:
    def facts(endings: dict[str, int]) -> FileFacts:
        return FileFacts(Path("x"), 1, "utf-8", False, endings)

    assert facts({"crlf": 0, "cr": 0, "lf": 0}).mixed_line_endings is False
    assert facts({"crlf": 5, "cr": 0, "lf": 0}).mixed_line_endings is False
    assert facts({"crlf": 5, "cr": 1, "lf": 0}).mixed_line_endings is True
    assert facts({}).mixed_line_endings is False


def _expected_endings(data: bytes) -> dict[str, int]:
    """Count line endings of a whole byte string independently of any chunking."""
    crlf = data.count(b"\r\n")
    return {"crlf": crlf, "cr": data.count(b"\r") - crlf, "lf": data.count(b"\n") - crlf}


@pytest.mark.parametrize("chunk", [1, 2, 3, 4, 5, 7, 16], ids=lambda c: f"chunk{c}")
def test_line_endings_do_not_depend_on_chunk_boundaries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    data = b"a;b\r\n1;2\r\r\n3;4\n\r5;6\r\n\n7\r"
    expected = _expected_endings(data)
    assert expected == {"crlf": 3, "cr": 3, "lf": 2}  # sanity of the helper on this input
    monkeypatch.setattr(sniff_module, "_CHUNK", chunk)
    facts = sniff(_write(tmp_path, data))
    assert facts.line_endings == expected


@pytest.mark.parametrize("split", range(1, 12), ids=lambda s: f"boundary-at-{s}")
def test_crlf_split_at_every_position(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, split: int) -> None:
    data = b"a;b\r\n1;2\r\n"  # 10 bytes; a boundary inside either CRLF must not split it
    monkeypatch.setattr(sniff_module, "_CHUNK", split)
    facts = sniff(_write(tmp_path, data))
    assert facts.line_endings == {"crlf": 2, "cr": 0, "lf": 0}
    assert facts.mixed_line_endings is False


def test_crlf_split_exactly_across_the_real_read_boundary(tmp_path: Path) -> None:
    chunk = sniff_module._CHUNK
    assert chunk == 8 << 20  # the documented 8 MiB blocks
    line = b"x" * 99 + b"\n"
    head = b"a;b\n" + line * ((chunk - 4) // len(line))
    head += b"y" * (chunk - 1 - len(head))
    data = head + b"\r\n" + b"1;2\n"
    assert data[chunk - 1 : chunk + 1] == b"\r\n"  # the CR ends block 1, the LF starts block 2
    facts = sniff(_write(tmp_path, data))
    assert facts.line_endings == {"crlf": 1, "cr": 0, "lf": data.count(b"\n") - 1}
    assert facts.mixed_line_endings is True  # LF lines plus one CRLF
    assert facts.sha256 == hashlib.sha256(data).hexdigest()
    assert facts.size == len(data)


# -- rows of bad bytes in files read in several blocks -------------------------------------------


@pytest.mark.parametrize("chunk", [3, 4, 5, 6, 7, 8, 9, 64], ids=lambda c: f"chunk{c}")
def test_bad_utf8_byte_and_row_do_not_depend_on_chunk_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    # "€" (E2 82 AC) is valid UTF-8; the 0xDF after it is not. The bad byte is on row 2, at
    # offset 9; a block boundary inside the "€" must not move either.
    data = b"ab;c\n" + "€".encode() + b"x\xdf\n\n1;2\n"
    bad_offset = data.index(b"\xdf")
    assert bad_offset == 9
    monkeypatch.setattr(sniff_module, "_CHUNK", chunk)
    with pytest.raises(EncodingProblem) as info:
        sniff(_write(tmp_path, data))
    assert info.value.row == 2
    assert f"byte {bad_offset} " in str(info.value)


@pytest.mark.parametrize("chunk", [2, 5, 64], ids=lambda c: f"chunk{c}")
def test_undefined_cp1252_row_in_later_block(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    data = b"a;b\n1;2\n3;4\n5;\x81\n"
    monkeypatch.setattr(sniff_module, "_CHUNK", chunk)
    with pytest.raises(EncodingProblem) as info:
        sniff(_write(tmp_path, data), "cp1252")
    assert info.value.row == 4


@pytest.mark.parametrize(
    ("name", "data", "declared", "row"),
    [
        ("utf8-after-cr-lines", b"a;b\r1;2\r3;Stra\xdfe\r", "auto", 3),
        ("utf8-after-mixed-lines", b"a;b\r\n1;2\r3;4\r\n5;Stra\xdfe\r\n", "auto", 4),
        ("cp1252-after-cr-lines", b"a;b\r1;2\r3;\x81\r", "cp1252", 3),
    ],
    ids=["utf8-after-cr-lines", "utf8-after-mixed-lines", "cp1252-after-cr-lines"],
)
def test_bad_byte_row_counts_bare_cr_line_breaks(
    tmp_path: Path, name: str, data: bytes, declared: str, row: int
) -> None:
    # Files with bare-CR line endings (EWR 2004) are read with every CR as a line break, so the
    # row named for a bad byte must count CRs too; otherwise it disagrees with the table reader.
    with pytest.raises(EncodingProblem) as info:
        sniff(_write(tmp_path, data), declared)
    assert info.value.row == row, name


# -- checksum ------------------------------------------------------------------------------------


@pytest.mark.parametrize("chunk", [1, 7, 8 << 20], ids=["chunk1", "chunk7", "chunk-default"])
def test_sha256_is_the_hash_of_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    data = "ort;name\r\n1;Straße\n2;Müller\r".encode() * 50
    monkeypatch.setattr(sniff_module, "_CHUNK", chunk)
    facts = sniff(_write(tmp_path, data))
    assert facts.sha256 == hashlib.sha256(data).hexdigest()
    assert facts.size == len(data)


def test_sha256_differs_for_different_content(tmp_path: Path) -> None:
    a = sniff(_write(tmp_path, b"a;b\n1;2\n", "a.csv")).sha256
    b = sniff(_write(tmp_path, b"a;b\n1;3\n", "b.csv")).sha256
    assert a != b
