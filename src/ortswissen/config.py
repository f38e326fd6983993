"""Settings of ortswissen.

Command-line options override ``ORTSWISSEN_*`` environment variables, which override a
settings file, which overrides the defaults.

Nothing is read at import time; call :func:`load_settings`.

Examples
--------
>>> s = Settings(db="berlin.duckdb", port=9000)
>>> s.port, s.host
(9000, '127.0.0.1')
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from ortswissen.errors import ConfigurationError

__all__ = ["DEFAULT_DB", "Settings", "load_settings"]

#: Store used when none is given: a DuckDB file in the working directory.
DEFAULT_DB = "ortswissen.duckdb"


class Settings(BaseSettings):
    """All settings of ortswissen, with their documentation."""

    model_config = SettingsConfigDict(env_prefix="ORTSWISSEN_", extra="forbid")

    db: str = Field(DEFAULT_DB, description="Store: a DuckDB file path (default) or a store URL.")
    host: str = Field("127.0.0.1", description="Address the web server listens on.")
    port: int = Field(8765, ge=1, le=65535, description="Port the web server listens on.")
    language: Literal["de", "en"] = Field("de", description="Default language of the app and messages.")
    public_mode: bool = Field(False, description="Hide internal indicators and analysis tools.")
    memory_limit: str = Field("1GB", description="Memory DuckDB may use before spilling to disk.")
    threads: int | None = Field(None, ge=1, description="Threads DuckDB may use (default: all cores).")
    max_issues_per_code: int = Field(50, ge=1, description="Import problems listed per kind of problem.")
    base_map_url: str | None = Field(
        None, description="Optional raster tile URL for online use; the app works offline without it."
    )


def load_settings(file: str | Path | None = None, **overrides: Any) -> Settings:
    """Settings from a JSON file (optional), the environment and explicit overrides.

    ``None`` overrides are ignored so CLI options that were not given do not mask
    environment variables.
    """
    data: dict[str, Any] = {}
    if file is not None:
        path = Path(file)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ConfigurationError(f"cannot read settings file {path}: {exc}") from exc
        if not isinstance(data, dict):
            raise ConfigurationError(f"settings file {path} must hold a JSON object, not {type(data).__name__}")
    try:
        env_settings = Settings()
        merged = {**data, **env_settings.model_dump(exclude_unset=True)}
        merged.update({k: v for k, v in overrides.items() if v is not None})
        return Settings(**merged)
    except ValidationError as exc:
        raise ConfigurationError(f"invalid settings: {exc}") from exc
