"""Alembic environment: the engine comes from ``config.attributes`` (see ``autotuner.db.migrate``)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from autotuner.db import models  # noqa: F401  (registers the tables on Base.metadata)
from autotuner.db.base import Base

config = context.config
target_metadata = Base.metadata


def _foreign_keys(connection: Connection, *, on: bool) -> None:
    driver = connection.connection.dbapi_connection
    assert driver is not None
    cursor = driver.cursor()
    cursor.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
    cursor.close()


def run_migrations_online() -> None:
    engine = config.attributes.get("engine")
    if engine is None:
        from autotuner.core.settings import get_settings
        from autotuner.db.session import make_engine

        engine = make_engine(get_settings().resolved_database_url)
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # A batch operation recreates a table; with foreign keys on, dropping the old one would
            # cascade to the rows referencing it. The pragma only works outside a transaction, so
            # it goes to the driver's connection before SQLAlchemy begins one (see db.session).
            _foreign_keys(connection, on=False)
        try:
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                render_as_batch=sqlite,
                compare_type=True,
            )
            with context.begin_transaction():
                context.run_migrations()
            connection.commit()
        finally:
            if sqlite:
                connection.rollback()
                _foreign_keys(connection, on=True)


run_migrations_online()
