"""The Alembic migrations build exactly the schema the models declare, and go down again."""

from __future__ import annotations

from itertools import pairwise

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from autotuner.db import migrate
from autotuner.db.base import Base
from autotuner.db.session import make_engine


def test_migrations_match_the_models(database_url):
    engine = make_engine(database_url)
    try:
        migrate.upgrade(engine)
        assert migrate.current_revision(engine) == migrate.head_revision()
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        assert differences == []
    finally:
        engine.dispose()


def test_downgrade_to_base_and_up_again(database_url):
    from alembic import command

    engine = make_engine(database_url)
    try:
        migrate.upgrade(engine)
        command.downgrade(migrate.alembic_config(engine), "base")
        assert migrate.current_revision(engine) is None
        migrate.upgrade(engine)
        assert migrate.current_revision(engine) == migrate.head_revision()
    finally:
        engine.dispose()


def test_every_write_to_the_presets_or_their_shares_raises_their_revision(migrated_database_url):
    """The preset cache trusts the revision number (migration 0015's triggers): at head, every kind
    of write to either table raises it, in plain SQL from any connection. A later migration that
    rebuilds either table on SQLite drops its triggers; this test then fails."""
    from sqlalchemy import text

    engine = make_engine(migrated_database_url)
    writes = [
        "INSERT INTO teams (name, created_at) VALUES ('revision-team', '2026-12-01 00:00:00')",
        "INSERT INTO parameter_presets (name, slug, parameters, created_at, updated_at) VALUES"
        " ('revision-preset', 'revision-preset', '{}', '2026-12-01 00:00:00', '2026-12-01 00:00:00')",
        "UPDATE parameter_presets SET description = 'changed' WHERE slug = 'revision-preset'",
        "INSERT INTO preset_shares (preset_id, team_id) SELECT p.id, t.id FROM parameter_presets p, teams t"
        " WHERE p.slug = 'revision-preset' AND t.name = 'revision-team'",
        "UPDATE preset_shares SET team_id = team_id",
        "DELETE FROM preset_shares",
        "DELETE FROM parameter_presets WHERE slug = 'revision-preset'",
    ]
    try:
        with engine.connect() as connection:
            revision = text("SELECT number FROM preset_revision WHERE id = 1")
            numbers = [connection.execute(revision).scalar()]
            for write in writes:
                connection.execute(text(write))
                connection.commit()
                numbers.append(connection.execute(revision).scalar())
        # The team is not a preset: the number stays; each write after it raises it.
        assert numbers[1] == numbers[0], numbers
        assert all(later > earlier for earlier, later in pairwise(numbers[1:])), numbers
    finally:
        engine.dispose()
