"""Documentation stays true: CLI reference current, problem codes catalogued and documented, public API."""

from __future__ import annotations

import importlib
import inspect
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ortswissen.reports import ISSUE_CODES

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "ortswissen"
_CALL = re.compile(r'(?:\.(?:error|warning|note)\(|Severity\.\w+,\s*)\s*"([a-z][a-z0-9-]*)"')


def _emitted_codes() -> set[str]:
    codes: set[str] = set()
    for path in SRC.rglob("*.py"):
        codes |= set(_CALL.findall(path.read_text(encoding="utf-8")))
    codes |= {"decimal-point-found", "decimal-comma-found", "not-a-number"}  # from io._numbers.PROBLEM_MESSAGES
    return codes


def test_every_emitted_problem_code_is_catalogued() -> None:
    emitted = _emitted_codes()
    assert len(emitted) > 30  # the scan really finds the calls
    assert emitted - set(ISSUE_CODES) == set()


def test_every_catalogued_code_is_documented() -> None:
    text = (ROOT / "docs" / "importing.md").read_text(encoding="utf-8")
    for code, (de, en) in ISSUE_CODES.items():
        assert f"| `{code}` | {de} | {en} |" in text, code


def test_cli_reference_is_current() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "cli_reference.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "module",
    [
        "ortswissen.units",
        "ortswissen.indicators",
        "ortswissen.georesources",
        "ortswissen.io",
        "ortswissen.storage",
        "ortswissen.demo",
        "ortswissen.errors",
        "ortswissen.reports",
        "ortswissen.ports",
        "ortswissen.web",
        "ortswissen.demography",
        "ortswissen.migration",
        "ortswissen.kita",
    ],
)
def test_public_names_exist_and_are_documented(module: str) -> None:
    mod = importlib.import_module(module)
    assert mod.__all__, module
    for name in mod.__all__:
        obj = getattr(mod, name)  # every exported name exists
        if inspect.isfunction(obj) or inspect.isclass(obj):
            assert (obj.__doc__ or "").strip(), f"{module}.{name} has no docstring"


def test_readme_gives_exactly_two_setup_commands() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Set-up on a fresh machine")[1].split("\n## ")[0]
    block = section.split("```bash")[1].split("```")[0]
    commands = [line for line in block.splitlines() if line.strip()]
    assert [c.split()[0] for c in commands] == ["./scripts/demo", "./scripts/test"]
    for script in ("scripts/demo", "scripts/test", ".ci/run"):
        assert (ROOT / script).stat().st_mode & 0o111, f"{script} is not executable"
    assert "scripts/test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
