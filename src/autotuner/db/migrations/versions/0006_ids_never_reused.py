"""Ids are never reused: on SQLite every table keyed by an id that is referenced from outside
(presets and their versions, tasks, experiments, users, teams, tokens, web sessions, audit
events) becomes AUTOINCREMENT, so that the id of a deleted row is never given again (without it,
SQLite hands out max(id) + 1, i.e. the id of the row with the highest id once that row is
deleted). PostgreSQL's sequences never go back: nothing changes there.

SQLite can only add AUTOINCREMENT by rebuilding the table (Alembic's batch "recreate"). The
environment turns foreign keys off for the migration (see env.py): dropping the old table would
otherwise cascade to the rows of the tables that reference it.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TABLES = (
    "users",
    "teams",
    "parameter_presets",
    "preset_versions",
    "tasks",
    "experiments",
    "api_tokens",
    "web_sessions",
    "audit_events",
)


def _rebuild(autoincrement: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in TABLES:
        with op.batch_alter_table(table, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}):
            pass
    problems = op.get_bind().exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if problems:
        raise RuntimeError(f"Rebuilding the tables broke {len(problems)} foreign keys: {problems[:5]}")


def upgrade() -> None:
    _rebuild(True)


def downgrade() -> None:
    _rebuild(False)
