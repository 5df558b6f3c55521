"""An index on presets' last update: every preset read asks whether the presets changed (count,
highest id, latest update), and without it the latest update read the whole table.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_parameter_presets_updated_at", "parameter_presets", ["updated_at"])


def downgrade() -> None:
    op.drop_index("ix_parameter_presets_updated_at", table_name="parameter_presets")
