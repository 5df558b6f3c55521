"""Create tasks.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from autotuner.db.base import JSONType, UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tasks",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("task_name", sa.String(255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("model", JSONType, nullable=False),
        sa.Column("base_runtime", sa.String(32), nullable=False),
        sa.Column("command", JSONType, nullable=True),
        sa.Column("deployment_mode", sa.String(32), nullable=False),
        sa.Column("gpus", sa.Integer(), nullable=True),
        sa.Column("parameters", JSONType, nullable=False),
        sa.Column("optimization", JSONType, nullable=False),
        sa.Column("benchmark", JSONType, nullable=False),
        sa.Column("slo", JSONType, nullable=True),
        sa.Column("provenance", JSONType, nullable=True),
        sa.Column("warnings", JSONType, nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=True),
        sa.Column("completed_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tasks")),
        sa.UniqueConstraint("task_name", name=op.f("uq_tasks_task_name")),
    )
    op.create_index(op.f("ix_tasks_status"), "tasks", ["status"])


def downgrade() -> None:
    op.drop_index(op.f("ix_tasks_status"), table_name="tasks")
    op.drop_table("tasks")
