"""Tasks remember the engine version whose catalog checked their flags (``runtime_version``).

Existing tasks keep NULL: they were checked against the one catalog there was, and are shown as
checked against the newest catalog of their engine.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.add_column(sa.Column("runtime_version", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.drop_column("runtime_version")
