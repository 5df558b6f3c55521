"""Create experiments; tasks gain progress, best experiment and cancellation.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from autotuner.db.base import JSONType, UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.add_column(sa.Column("experiments_total", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("experiments_done", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("best_experiment_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("cancel_requested", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("stop_reason", sa.Text(), nullable=True))
    op.create_table(
        "experiments",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("parameters", JSONType, nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("metrics", JSONType, nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("command", JSONType, nullable=True),
        sa.Column("log_path", sa.Text(), nullable=True),
        sa.Column("started_at", UTCDateTime(), nullable=True),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_experiments")),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_experiments_task_id_tasks"), ondelete="CASCADE"
        ),
        sa.UniqueConstraint("task_id", "sequence", name=op.f("uq_experiments_task_id")),
    )
    op.create_index(op.f("ix_experiments_task_id"), "experiments", ["task_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_experiments_task_id"), table_name="experiments")
    op.drop_table("experiments")
    with op.batch_alter_table("tasks") as batch:
        for column in (
            "stop_reason",
            "cancel_requested",
            "best_experiment_id",
            "experiments_done",
            "experiments_total",
        ):
            batch.drop_column(column)
