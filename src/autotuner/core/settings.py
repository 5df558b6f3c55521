"""The one settings object of the service, read from ``AUTOTUNER_*`` environment variables."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


def default_data_dir() -> Path:
    """``$XDG_DATA_HOME/autotuner``, falling back to ``~/.local/share/autotuner``."""
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg) if xdg else Path.home() / ".local" / "share"
    return base / "autotuner"


def _default_ui_dir() -> Path:
    """The built UI: ``autotuner/web/ui_dist`` in an installed wheel (setup.py copies it there),
    else ``frontend/dist`` of the source checkout."""
    here = Path(__file__).resolve()
    packaged = here.parents[1] / "web" / "ui_dist"
    if (packaged / "index.html").is_file():
        return packaged
    return here.parents[3] / "frontend" / "dist"


def _default_help_dir() -> Path:
    """``site`` of the source checkout (``mkdocs build`` writes it)."""
    return Path(__file__).resolve().parents[3] / "site"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AUTOTUNER_", extra="ignore")

    # Where the database (SQLite), the logs and the tasks' files live.
    data_dir: Path = Field(default_factory=default_data_dir)
    # Any SQLAlchemy URL, e.g. postgresql+psycopg://user@host/db; unset: SQLite in the data folder.
    database_url: str | None = None
    # The built web UI served at / (``./scripts/start_dev.sh`` builds it when missing).
    ui_dir: Path = Field(default_factory=_default_ui_dir)
    # The built documentation site served under /help (``autotuner docs build`` writes it).
    help_dir: Path = Field(default_factory=_default_help_dir)
    # Largest accepted import file, in bytes (1 MiB).
    max_import_bytes: int = 1024 * 1024
    # Run the tuning worker inside ``autotuner serve``.
    embedded_worker: bool = True
    # Host names the service answers besides localhost, 127.0.0.1 and ::1 (its public name, e.g.
    # "tuner.example.com"); any other Host header is refused (DNS rebinding). Comma-separated.
    allowed_hosts: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Origins (scheme://host:port) allowed to call the API from a browser on another site: CORS
    # is off unless set. Comma-separated.
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # The "command" runtime runs any program a task names: off unless the operator turns it on.
    allow_command_runtime: bool = False
    # While no user exists, requests from other machines are the operator too (``autotuner serve
    # --insecure``); by default only this machine's requests are, and others must sign in.
    insecure: bool = False
    # Where experiments run: "local" (this machine's GPUs or slots) or "ray" (a Ray cluster's nodes,
    # needs `pip install "autotuner[ray]"`).
    executor: Literal["local", "ray"] = "local"
    # The Ray cluster: "auto" (the one this machine belongs to), host:port or ray://host:10001.
    ray_address: str = "auto"
    # A custom Ray resource each experiment reserves instead of GPUs (CPU engines), e.g. "autotuner_slot".
    ray_resource: str | None = None
    # How many times an experiment whose node was lost runs again on another node.
    ray_retries: int = Field(default=1, ge=0, le=5)

    @field_validator("allowed_hosts", "cors_origins", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

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
