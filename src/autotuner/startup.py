"""What every entry point does first: open the database, migrate it, seed the system presets."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from autotuner.db import migrate
from autotuner.db.session import make_engine, make_session_factory, session_scope
from autotuner.presets.system_presets import seed_system_presets
from autotuner.settings import Settings


def prepare_database(settings: Settings) -> tuple[Engine, sessionmaker[Session]]:
    """Create the engine, apply migrations and seed the system presets."""
    engine = make_engine(settings.resolved_database_url)
    migrate.upgrade(engine)
    factory = make_session_factory(engine)
    with session_scope(factory) as session:
        seed_system_presets(session)
    return engine, factory
