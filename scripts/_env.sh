# Sourced by scripts/demo and scripts/test: create .venv (once) and install ortswissen into it.
# Needs Python >= 3.11 with venv and pip, and access to PyPI; nothing else (no Node.js, no Docker).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

find_python() {
  for candidate in "${PYTHON:-}" python3.13 python3.12 python3.11 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys, venv; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  echo "ortswissen needs Python 3.11 or newer with the venv module (set PYTHON=/path/to/python3.11)" >&2
  return 1
}

ensure_env() {  # $1: extras, e.g. "" or "dev"
  local extras="${1:-}" spec="."
  [ -n "$extras" ] && spec=".[$extras]"
  local stamp=".venv/.installed-${extras:-base}"
  if [ ! -x .venv/bin/python ]; then
    "$(find_python)" -m venv .venv
    .venv/bin/python -m pip install --quiet --upgrade pip
  fi
  # reinstall when the dependency list or the pins changed
  local want
  want="$(cat pyproject.toml constraints.txt | sha256sum | cut -d' ' -f1)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "Installing ortswissen ${extras:+with $extras extras }into .venv …" >&2
    .venv/bin/python -m pip install --quiet -c constraints.txt -e "$spec"
    echo "$want" > "$stamp"
  fi
}
