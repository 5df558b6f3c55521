"""Create parameter_presets.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from autotuner.db.base import JSONType, UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "parameter_presets",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("slug", sa.String(255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("category", sa.String(100), nullable=True),
        sa.Column("runtime", sa.String(32), nullable=True),
        sa.Column("is_system", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("parameters", JSONType, nullable=False),
        sa.Column("metadata", JSONType, nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parameter_presets")),
        sa.UniqueConstraint("name", name=op.f("uq_parameter_presets_name")),
        sa.UniqueConstraint("slug", name=op.f("uq_parameter_presets_slug")),
    )
    op.create_index(op.f("ix_parameter_presets_category"), "parameter_presets", ["category"])


def downgrade() -> None:
    op.drop_index(op.f("ix_parameter_presets_category"), table_name="parameter_presets")
    op.drop_table("parameter_presets")
