"""Experiments record the context they ran in (``experiments.context``: runtime and version,
model, hardware, benchmark scenario and concurrency, objective), and an index for the analytics'
per-task aggregates. Existing experiments get what their task knows: runtime, runtime version,
model id, scenarios, concurrency and objective; their hardware was never recorded (null).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

from autotuner.db.base import JSONType

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def _loaded(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _context(row: Any) -> dict[str, Any]:
    model = _loaded(row.model) or {}
    benchmark = _loaded(row.benchmark) or {}
    optimization = _loaded(row.optimization) or {}
    return {
        "runtime": row.base_runtime,
        "runtime_version": row.runtime_version,
        "model_id": str(model.get("id_or_path") or ""),
        "model_params_b": None,
        "architecture": None,
        "dtype": None,
        "quantization": None,
        "gpu_model": None,
        "gpu_memory_gb": None,
        "gpu_count": None,
        "cpu_model": None,
        "cpu_cores": None,
        "scenario": [str(s) for s in benchmark.get("traffic_scenarios") or []],
        "concurrency": [int(c) for c in benchmark.get("concurrency") or [] if isinstance(c, int)],
        "objective": optimization.get("objective") or "maximize_throughput",
    }


def upgrade() -> None:
    with op.batch_alter_table("experiments") as batch:
        batch.add_column(sa.Column("context", JSONType, nullable=True))
    op.create_index("ix_experiments_task_status_score", "experiments", ["task_id", "status", "score"])
    bind = op.get_bind()
    tasks = sa.table(
        "tasks",
        sa.column("id", sa.Integer),
        sa.column("base_runtime", sa.String),
        sa.column("runtime_version", sa.String),
        sa.column("model", sa.Text),
        sa.column("benchmark", sa.Text),
        sa.column("optimization", sa.Text),
    )
    experiments = sa.table("experiments", sa.column("task_id", sa.Integer), sa.column("context", JSONType))
    with_experiments: sa.Select[Any] = sa.select(sa.column("task_id")).select_from(sa.table("experiments")).distinct()
    for row in bind.execute(sa.select(tasks).where(tasks.c.id.in_(with_experiments))).all():
        bind.execute(sa.update(experiments).where(experiments.c.task_id == row.id).values(context=_context(row)))


def downgrade() -> None:
    op.drop_index("ix_experiments_task_status_score", table_name="experiments")
    with op.batch_alter_table("experiments") as batch:
        batch.drop_column("context")
