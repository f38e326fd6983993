"""The per-installation secret of the register pseudonyms: never inside the store file.

Looked up in this order: the environment variable ``ORTSWISSEN_REGISTER_SECRET``; a key file
given explicitly (``--secret-file``); the key file next to the store, ``<store>.register-key``.
A missing key file is created on the first import with 32 random bytes (hex) and mode 0600.
Whoever holds the secret and the store can link a known register id to its pseudonym, so the
key file belongs in the registration office's backup, not next to copies of the store.

Examples
--------
>>> import os, stat, tempfile
>>> folder = tempfile.mkdtemp()
>>> secret = resolve_secret(os.path.join(folder, "city.duckdb"), env={}, create=True)
>>> len(secret), oct(stat.S_IMODE(os.stat(os.path.join(folder, "city.duckdb.register-key")).st_mode))
(64, '0o600')
>>> resolve_secret(os.path.join(folder, "city.duckdb"), env={}) == secret
True
>>> resolve_secret("x.duckdb", env={"ORTSWISSEN_REGISTER_SECRET": "from the environment, long enough"})
b'from the environment, long enough'
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path

from ortswissen.errors import ConfigurationError

__all__ = ["ENV_SECRET", "MIN_SECRET_BYTES", "default_key_file", "resolve_secret"]

#: Environment variable holding the secret itself.
ENV_SECRET = "ORTSWISSEN_REGISTER_SECRET"
#: Shortest secret accepted (bytes).
MIN_SECRET_BYTES = 16


def default_key_file(store_url: str) -> Path:
    """``<store>.register-key`` next to a DuckDB file."""
    if store_url.startswith(("memory://", "postgresql://", "postgres://")) or store_url == ":memory:":
        raise ConfigurationError(
            f"the store {store_url} is not a file: give the register secret with --secret-file or {ENV_SECRET}"
        )
    path = store_url.removeprefix("duckdb://")
    return Path(path).with_name(Path(path).name + ".register-key")


def _check(secret: bytes, where: str) -> bytes:
    if len(secret) < MIN_SECRET_BYTES:
        raise ConfigurationError(f"the register secret from {where} is shorter than {MIN_SECRET_BYTES} bytes")
    return secret


def resolve_secret(
    store_url: str,
    secret_file: str | Path | None = None,
    *,
    env: Mapping[str, str] | None = None,
    create: bool = False,
) -> bytes:
    """The secret as bytes (see the module docstring); ``create`` makes a missing key file."""
    env = os.environ if env is None else env
    if env.get(ENV_SECRET):
        return _check(env[ENV_SECRET].encode("utf-8"), ENV_SECRET)
    path = Path(secret_file) if secret_file else default_key_file(store_url)
    if path.exists():
        return _check(path.read_bytes().strip(), str(path))
    if not create:
        raise ConfigurationError(
            f"no register secret: {path} does not exist and {ENV_SECRET} is not set "
            "(the first 'ortswissen register import' creates the key file)"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_hex(32).encode("ascii")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(value + b"\n")
    return value
