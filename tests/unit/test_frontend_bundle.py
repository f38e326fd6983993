"""The committed browser bundle matches its sources (checked without Node.js).

``npm run build`` in ``frontend/`` writes ``manifest.json`` with a hash of the sources it was
built from and a hash of every file it wrote. Changing a source without rebuilding, or
editing a built file by hand, fails here; ``npm run check`` rebuilds and compares byte for
byte where Node.js is available.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from ortswissen.web.atlas import STATIC_DIR

ROOT = Path(__file__).resolve().parents[2]
FRONTEND = ROOT / "frontend"
MANIFEST = STATIC_DIR / "app" / "manifest.json"


def _sources_hash() -> str:
    """The hash ``frontend/build.mjs`` computes (``sourcesHash``): paths sorted, text with LF line ends."""
    inputs = [p for p in (FRONTEND / "src").rglob("*") if p.is_file()]
    inputs += [FRONTEND / "package.json", FRONTEND / "package-lock.json", FRONTEND / "build.mjs"]
    digest = hashlib.sha256()
    for rel in sorted(p.relative_to(FRONTEND).as_posix() for p in inputs):
        digest.update(f"{rel}\n".encode())
        digest.update((FRONTEND / rel).read_text(encoding="utf-8").replace("\r\n", "\n").encode())
        digest.update(b"\n")
    return digest.hexdigest()


def test_the_bundle_was_built_from_the_current_sources() -> None:
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    assert manifest["sources_sha256"] == _sources_hash(), (
        "frontend/ changed since the bundle was built: run `npm run build` in frontend/ and commit the result"
    )


def test_the_built_files_are_those_the_manifest_lists() -> None:
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    present = {p.name for p in (STATIC_DIR / "app").iterdir() if p.name != "manifest.json"}
    assert present == set(manifest["files"])
    whole = hashlib.sha256()
    for name in sorted(manifest["files"]):
        digest = hashlib.sha256((STATIC_DIR / "app" / name).read_bytes()).hexdigest()
        assert digest == manifest["files"][name], f"{name} was changed after the build"
        whole.update(f"{name} {digest}\n".encode())
    assert whole.hexdigest() == manifest["bundle_sha256"]


def test_the_bundle_loads_nothing_from_the_network() -> None:
    code = (STATIC_DIR / "app" / "app.js").read_text(encoding="utf-8")
    # no script, style, font or tile from elsewhere: the app works offline (links are fine, loads are not;
    # the browser tests also check that every request of a page goes to the app's own server)
    assert not re.search(r"""src\s*=\s*["']https?://""", code)
    assert not any(host in code for host in ("fonts.googleapis", "unpkg.com", "jsdelivr", "tile.openstreetmap"))
    css = (STATIC_DIR / "app" / "app.css").read_text(encoding="utf-8")
    assert not re.search(r"url\(\s*['\"]?https?://", css)


def test_the_pinned_libraries_are_the_ones_in_the_bundle() -> None:
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    package = json.loads((FRONTEND / "package.json").read_text(encoding="utf-8"))
    wanted = {**package["dependencies"], **package["devDependencies"]}
    assert {name: manifest["packages"][name] for name in wanted} == wanted
