"""What every entry point does first: open the database, migrate it, seed the system presets."""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from autotuner.core.settings import Settings
from autotuner.db import migrate
from autotuner.db.session import make_engine, make_session_factory, session_scope
from autotuner.presets.system_presets import seed_system_presets


def prepare_database(settings: Settings) -> tuple[Engine, sessionmaker[Session]]:
    """Create the engine, apply migrations and seed the system presets."""
    engine = make_engine(settings.resolved_database_url)
    migrate.upgrade(engine)
    factory = make_session_factory(engine)
    with session_scope(factory, write=True) as session:
        seed_system_presets(session)
    return engine, factory


def configure_logging(settings: Settings) -> Path:
    """Log to the console and to ``<data dir>/logs/worker.log``. Returns the log file."""
    settings.log_dir.mkdir(parents=True, exist_ok=True)
    path = settings.log_dir / "worker.log"
    logger = logging.getLogger("autotuner")
    if not any(isinstance(h, logging.FileHandler) and Path(h.baseFilename) == path for h in logger.handlers):
        handler = logging.FileHandler(path, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)
        console = logging.StreamHandler()
        console.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        logger.addHandler(console)
    logger.setLevel(logging.INFO)
    return path
