"""Preset versions (every create and update stores one), ``extends`` links between presets, and
each preset's current version number and effective parameters.

Existing presets get version 1 from their current state; their effective parameters are their own
(no preset extends another yet).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from autotuner.db.base import JSONType, UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _sources(space: dict[str, Any], owner: dict[str, Any], prefix: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Every leaf of ``space`` given by ``owner`` (the preset itself), in key order."""
    out: list[dict[str, Any]] = []
    for key, value in space.items():
        path = (*prefix, key)
        if isinstance(value, dict):
            out.extend(_sources(value, owner, path))
        else:
            out.append({"path": list(path), "parameter": ".".join(path), **owner})
    return out


def upgrade() -> None:
    # Plain ALTER TABLE ... ADD COLUMN (with defaults, so NOT NULL holds at once): on SQLite, a
    # batch operation would recreate the table, and dropping the old one cascades to the rows of
    # the tables that reference it (preset_shares).
    op.add_column("parameter_presets", sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
    op.add_column("parameter_presets", sa.Column("effective_parameters", JSONType, nullable=False, server_default="{}"))
    op.add_column("parameter_presets", sa.Column("effective_sources", JSONType, nullable=False, server_default="[]"))
    op.create_table(
        "preset_bases",
        sa.Column("preset_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("base_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("preset_id", "position", name=op.f("pk_preset_bases")),
        sa.UniqueConstraint("preset_id", "base_id", name=op.f("uq_preset_bases_preset_id")),
        sa.ForeignKeyConstraint(
            ["preset_id"],
            ["parameter_presets.id"],
            name=op.f("fk_preset_bases_preset_id_parameter_presets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["base_id"], ["parameter_presets.id"], name=op.f("fk_preset_bases_base_id_parameter_presets")
        ),
    )
    op.create_index(op.f("ix_preset_bases_base_id"), "preset_bases", ["base_id"])
    versions = op.create_table(
        "preset_versions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("preset_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("slug", sa.String(255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("category", sa.String(100), nullable=True),
        sa.Column("runtime", sa.String(32), nullable=True),
        sa.Column("parameters", JSONType, nullable=False),
        sa.Column("metadata", JSONType, nullable=True),
        sa.Column("extends", JSONType, nullable=False),
        sa.Column("effective_parameters", JSONType, nullable=False),
        sa.Column("effective_sources", JSONType, nullable=False),
        sa.Column("change", sa.String(32), nullable=False),
        sa.Column("change_note", sa.Text(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("author", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_preset_versions")),
        sa.UniqueConstraint("preset_id", "number", name=op.f("uq_preset_versions_preset_id")),
        sa.ForeignKeyConstraint(
            ["preset_id"],
            ["parameter_presets.id"],
            name=op.f("fk_preset_versions_preset_id_parameter_presets"),
            ondelete="CASCADE",
        ),
    )

    # Version 1 of every existing preset, from its current state.
    connection = op.get_bind()
    presets = sa.table(
        "parameter_presets",
        sa.column("id", sa.Integer()),
        sa.column("name", sa.String()),
        sa.column("slug", sa.String()),
        sa.column("description", sa.Text()),
        sa.column("category", sa.String()),
        sa.column("runtime", sa.String()),
        sa.column("is_system", sa.Boolean()),
        sa.column("parameters", JSONType),
        sa.column("metadata", JSONType),
        sa.column("owner_id", sa.Integer()),
        sa.column("updated_at", UTCDateTime()),
        sa.column("effective_parameters", JSONType),
        sa.column("effective_sources", JSONType),
    )
    users = sa.table("users", sa.column("id", sa.Integer()), sa.column("username", sa.String()))
    names = dict(connection.execute(sa.select(users.c.id, users.c.username)).all())
    rows = connection.execute(sa.select(presets)).mappings().all()
    for row in rows:
        owner = {"id": row["id"], "name": row["name"], "slug": row["slug"]}
        sources = _sources(row["parameters"], owner)
        connection.execute(
            presets.update()
            .where(presets.c.id == row["id"])
            .values(effective_parameters=row["parameters"], effective_sources=sources)
        )
        author = "system" if row["is_system"] else names.get(row["owner_id"], "local")
        connection.execute(
            versions.insert().values(
                preset_id=row["id"],
                number=1,
                name=row["name"],
                slug=row["slug"],
                description=row["description"],
                category=row["category"],
                runtime=row["runtime"],
                parameters=row["parameters"],
                metadata=row["metadata"],
                extends=[],
                effective_parameters=row["parameters"],
                effective_sources=sources,
                change="migrated",
                change_note=None,
                summary="Version 1: the preset as it was when versions were introduced.",
                author=author,
                created_at=row["updated_at"],
            )
        )


def downgrade() -> None:
    op.drop_table("preset_versions")
    op.drop_index(op.f("ix_preset_bases_base_id"), table_name="preset_bases")
    op.drop_table("preset_bases")
    # ALTER TABLE ... DROP COLUMN (SQLite 3.35+, PostgreSQL), not a batch that recreates the table.
    for column in ("effective_sources", "effective_parameters", "version"):
        op.execute(sa.text(f"ALTER TABLE parameter_presets DROP COLUMN {column}"))
