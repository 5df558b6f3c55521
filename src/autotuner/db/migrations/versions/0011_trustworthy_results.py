"""Results a user can trust (issue 14): repeats point at their original (``repeat_of``), an
original keeps its score statistics (``score_stats``), every succeeded experiment its objectives'
values (``objective_values``); a task keeps its ``verdict``, ``warm_start_used`` and
``pareto_front``. Existing experiments are originals (``repeat_of`` null) without statistics or
objective values, and existing tasks have no verdict (null), used no warm start (0) and have no
front ([]): all are filled when a task next runs.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from autotuner.db.base import JSONType

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("experiments") as batch:
        batch.add_column(sa.Column("repeat_of", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("score_stats", JSONType, nullable=True))
        batch.add_column(sa.Column("objective_values", JSONType, nullable=True))
    with op.batch_alter_table("tasks") as batch:
        batch.add_column(sa.Column("verdict", JSONType, nullable=True))
        batch.add_column(sa.Column("warm_start_used", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("pareto_front", JSONType, nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.drop_column("pareto_front")
        batch.drop_column("warm_start_used")
        batch.drop_column("verdict")
    with op.batch_alter_table("experiments") as batch:
        batch.drop_column("objective_values")
        batch.drop_column("score_stats")
        batch.drop_column("repeat_of")
