"""Alembic environment: the engine comes from ``config.attributes`` (see ``autotuner.db.migrate``)."""

from __future__ import annotations

from alembic import context

from autotuner.db import models  # noqa: F401  (registers the tables on Base.metadata)
from autotuner.db.base import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = config.attributes.get("engine")
    if engine is None:
        from autotuner.core.settings import get_settings
        from autotuner.db.session import make_engine

        engine = make_engine(get_settings().resolved_database_url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()
