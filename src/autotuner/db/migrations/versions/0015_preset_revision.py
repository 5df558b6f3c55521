"""A revision number of the presets that the database raises itself: the preset cache asks it on
every read instead of the presets' count, highest id and latest update (the count read the whole
table on PostgreSQL, about 0.2 ms of the database's CPU per request with 1,000 presets), and it
also sees writes that leave ``updated_at`` alone (another process's SQL, shares removed).

Triggers on ``parameter_presets`` and ``preset_shares`` raise it on every insert, update and
delete: for each statement on PostgreSQL (and on TRUNCATE), for each row on SQLite (which has no
statement triggers). On SQLite, a later migration that rebuilds either table (a batch "recreate")
drops its triggers with it, and must create them again: ``tests/db/test_migrations.py`` checks
at head that every kind of write raises the number.

The index on ``updated_at`` (0014), made for the old check, goes: no query reads it any more.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

TABLES = ("parameter_presets", "preset_shares")
EVENTS = ("insert", "update", "delete")
RAISE = "UPDATE preset_revision SET number = number + 1 WHERE id = 1"
FUNCTION = "preset_revision_raise"


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def create_triggers() -> None:
    """The triggers that raise the number."""
    if _sqlite():
        for table in TABLES:
            for event in EVENTS:
                op.execute(
                    f"CREATE TRIGGER IF NOT EXISTS {table}_{event}_raises_revision AFTER {event.upper()} ON {table}"
                    f" BEGIN {RAISE}; END"
                )
        return
    op.execute(
        f"CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS"
        f" $$ BEGIN {RAISE}; RETURN NULL; END $$"
    )
    for table in TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_raises_revision AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}"
            f" FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
        )


def upgrade() -> None:
    op.create_table(
        "preset_revision",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("number", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_preset_revision")),
    )
    op.execute("INSERT INTO preset_revision (id, number) VALUES (1, 0)")
    create_triggers()
    op.drop_index("ix_parameter_presets_updated_at", table_name="parameter_presets")


def downgrade() -> None:
    op.create_index("ix_parameter_presets_updated_at", "parameter_presets", ["updated_at"])
    for table in TABLES:
        if _sqlite():
            for event in EVENTS:
                op.execute(f"DROP TRIGGER IF EXISTS {table}_{event}_raises_revision")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_raises_revision ON {table}")
    if not _sqlite():
        op.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")
    op.drop_table("preset_revision")
