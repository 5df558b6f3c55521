"""Tasks keep the engine-neutral ``parallel`` and ``quantization`` spaces they were given (their
flags are in ``parameters``; these say where those flags came from). Existing tasks have neither.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from autotuner.db.base import JSONType

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.add_column(sa.Column("parallel", JSONType, nullable=True))
        batch.add_column(sa.Column("quantization", JSONType, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.drop_column("quantization")
        batch.drop_column("parallel")
