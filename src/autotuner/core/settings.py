"""The one settings object of the service, read from ``AUTOTUNER_*`` environment variables."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_data_dir() -> Path:
    """``$XDG_DATA_HOME/autotuner``, falling back to ``~/.local/share/autotuner``."""
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg) if xdg else Path.home() / ".local" / "share"
    return base / "autotuner"


def _default_ui_dir() -> Path:
    # The built UI of a source checkout: <repo>/frontend/dist.
    return Path(__file__).resolve().parents[3] / "frontend" / "dist"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AUTOTUNER_", extra="ignore")

    data_dir: Path = Field(default_factory=default_data_dir)
    database_url: str | None = None
    ui_dir: Path = Field(default_factory=_default_ui_dir)
    # Largest accepted import file, in bytes (1 MiB).
    max_import_bytes: int = 1024 * 1024
    # Run the tuning worker inside ``autotuner serve``.
    embedded_worker: bool = True

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'autotuner.db'}"

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "logs"


@lru_cache
def get_settings() -> Settings:
    return Settings()
