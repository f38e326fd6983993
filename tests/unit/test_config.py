"""Unit tests of settings (``ortswissen.config``).

Covers the defaults, ``ORTSWISSEN_*`` environment variables, explicit overrides (``None`` ignored),
the JSON settings file and the precedence file < environment < overrides, and that every invalid
value or unreadable file becomes a :class:`ConfigurationError`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ortswissen.config import DEFAULT_DB, Settings, load_settings
from ortswissen.errors import ConfigurationError


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No setting leaks in from the environment the tests run in."""
    settings_vars = {f"ORTSWISSEN_{field}".upper() for field in Settings.model_fields}
    for name in list(os.environ):
        if name.upper() in settings_vars:
            monkeypatch.delenv(name)


def _write(tmp_path: Path, content: str | bytes) -> Path:
    path = tmp_path / "settings.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


# -- defaults ---------------------------------------------------------------------------------


def test_defaults() -> None:
    s = load_settings()
    assert s.db == DEFAULT_DB == "ortswissen.duckdb"
    assert s.host == "127.0.0.1"
    assert s.port == 8765
    assert s.language == "de"
    assert s.public_mode is False
    assert s.memory_limit == "1GB"
    assert s.threads is None
    assert s.max_issues_per_code == 50
    assert s.base_map_url is None


def test_settings_constructor() -> None:
    s = Settings(db="berlin.duckdb", port=9000)
    assert (s.db, s.port, s.host) == ("berlin.duckdb", 9000, "127.0.0.1")


# -- environment and overrides ----------------------------------------------------------------


def test_port_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORTSWISSEN_PORT", "9100")
    assert load_settings().port == 9100


def test_overrides_beat_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORTSWISSEN_PORT", "9100")
    assert load_settings(port=9200).port == 9200


def test_none_overrides_are_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORTSWISSEN_PORT", "9100")
    s = load_settings(port=None, db=None, threads=None)
    assert s.port == 9100
    assert s.db == DEFAULT_DB
    assert s.threads is None


@pytest.mark.parametrize(
    ("name", "text", "field", "expected"),
    [
        ("ORTSWISSEN_DB", "berlin.duckdb", "db", "berlin.duckdb"),
        ("ORTSWISSEN_LANGUAGE", "en", "language", "en"),
        ("ORTSWISSEN_PUBLIC_MODE", "true", "public_mode", True),
        ("ORTSWISSEN_THREADS", "4", "threads", 4),
        ("ortswissen_host", "0.0.0.0", "host", "0.0.0.0"),
    ],
    ids=["db", "language", "bool", "optional-int", "lower-case-name"],
)
def test_other_environment_variables(
    monkeypatch: pytest.MonkeyPatch, name: str, text: str, field: str, expected: object
) -> None:
    monkeypatch.setenv(name, text)
    assert getattr(load_settings(), field) == expected


def test_unrelated_ortswissen_variables_are_tolerated(monkeypatch: pytest.MonkeyPatch) -> None:
    # the test runner itself sets ORTSWISSEN_CI and ORTSWISSEN_BERLIN_DATA
    monkeypatch.setenv("ORTSWISSEN_CI", "1")
    monkeypatch.setenv("ORTSWISSEN_BERLIN_DATA", "/nowhere")
    assert load_settings().port == 8765


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("ORTSWISSEN_PORT", "not-a-port"),
        ("ORTSWISSEN_PORT", "0"),
        ("ORTSWISSEN_PORT", "70000"),
        ("ORTSWISSEN_LANGUAGE", "fr"),
        ("ORTSWISSEN_THREADS", "0"),
    ],
    ids=["port-text", "port-zero", "port-too-big", "language", "threads-zero"],
)
def test_invalid_environment_values(monkeypatch: pytest.MonkeyPatch, name: str, text: str) -> None:
    monkeypatch.setenv(name, text)
    with pytest.raises(ConfigurationError, match="invalid settings"):
        load_settings()


@pytest.mark.parametrize(
    "overrides",
    [{"port": 0}, {"port": 65536}, {"port": "abc"}, {"language": "fr"}, {"max_issues_per_code": 0}, {"unknown": 1}],
    ids=["port-zero", "port-too-big", "port-text", "language", "issues-zero", "unknown-setting"],
)
def test_invalid_overrides(overrides: dict[str, object]) -> None:
    with pytest.raises(ConfigurationError, match="invalid settings"):
        load_settings(**overrides)


def test_configuration_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="invalid settings"):
        load_settings(port=-1)


# -- settings file ----------------------------------------------------------------------------


def test_settings_file(tmp_path: Path) -> None:
    path = _write(tmp_path, json.dumps({"db": "stadt.duckdb", "port": 9001, "language": "en"}))
    s = load_settings(path)
    assert (s.db, s.port, s.language) == ("stadt.duckdb", 9001, "en")
    assert s.host == "127.0.0.1"


def test_settings_file_as_string_path(tmp_path: Path) -> None:
    path = _write(tmp_path, json.dumps({"port": 9001}))
    assert load_settings(str(path)).port == 9001


def test_precedence_file_environment_overrides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(tmp_path, json.dumps({"port": 9001, "host": "0.0.0.0", "db": "file.duckdb"}))
    monkeypatch.setenv("ORTSWISSEN_PORT", "9002")
    monkeypatch.setenv("ORTSWISSEN_DB", "env.duckdb")
    s = load_settings(path, db="cli.duckdb")
    assert s.host == "0.0.0.0"  # only in the file
    assert s.port == 9002  # environment beats file
    assert s.db == "cli.duckdb"  # override beats both


@pytest.mark.parametrize(
    "content",
    [
        "{not json",
        "",
        '{"port": 0}',
        '{"port": "abc"}',
        '{"unknown": true}',
        "[1, 2]",
        "null",
        '"port"',
        b'{"host": "M\xfcnchen"}',
    ],
    ids=[
        "broken-json",
        "empty-file",
        "invalid-port",
        "port-text",
        "unknown-setting",
        "json-list",
        "json-null",
        "json-string",
        "not-utf8",
    ],
)
def test_broken_settings_file(tmp_path: Path, content: str | bytes) -> None:
    with pytest.raises(ConfigurationError):
        load_settings(_write(tmp_path, content))


def test_missing_settings_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="cannot read settings file"):
        load_settings(tmp_path / "absent.json")


def test_settings_file_is_a_directory(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="cannot read settings file"):
        load_settings(tmp_path)
