"""The tables of the product."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from autotuner.db.base import Base, JSONType, UTCDateTime, utcnow


class ParameterPreset(Base):
    """A named, reusable piece of a parameter space."""

    __tablename__ = "parameter_presets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(255), unique=True, nullable=False)
    slug: Mapped[str] = mapped_column(String(255), unique=True, nullable=False)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    category: Mapped[str | None] = mapped_column(String(100), nullable=True, index=True)
    # The engine the preset's flags are written for: "sglang", "vllm", or None for any engine.
    runtime: Mapped[str | None] = mapped_column(String(32), nullable=True)
    is_system: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default=false())
    parameters: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    # ``metadata`` is reserved by SQLAlchemy's declarative API: the attribute is ``meta``.
    meta: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSONType, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"<ParameterPreset id={self.id} name={self.name!r}>"


class Task(Base):
    """A tuning task: a parameter space to search, how to run the engine, and how to score it."""

    __tablename__ = "tasks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    task_name: Mapped[str] = mapped_column(String(255), unique=True, nullable=False)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    model: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    base_runtime: Mapped[str] = mapped_column(String(32), nullable=False)
    # Argument-list template for base_runtime "command" (e.g. ["python", "server.py", "--port", "{port}"]).
    command: Mapped[list[str] | None] = mapped_column(JSONType, nullable=True)
    deployment_mode: Mapped[str] = mapped_column(String(32), nullable=False, default="local")
    # GPUs the task may use (rules such as tp-size x dp-size <= gpus); None: not limited.
    gpus: Mapped[int | None] = mapped_column(Integer, nullable=True)
    parameters: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    optimization: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    benchmark: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    slo: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    # Where the parameters came from: presets (copied), merge strategy, overrides.
    provenance: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    warnings: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    status: Mapped[str] = mapped_column(String(32), nullable=False, default="pending", index=True)
    error_message: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Progress of a run: experiments planned (None until the search knows) and finished.
    experiments_total: Mapped[int | None] = mapped_column(Integer, nullable=True)
    experiments_done: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    best_experiment_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Set by POST /cancel while running; the worker stops the engine and marks the task cancelled.
    cancel_requested: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default=false())
    stop_reason: Mapped[str | None] = mapped_column(Text, nullable=True)


class Experiment(Base):
    """One run of the engine with one combination of the task's parameters."""

    __tablename__ = "experiments"
    __table_args__ = (UniqueConstraint("task_id", "sequence"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), nullable=False, index=True)
    sequence: Mapped[int] = mapped_column(Integer, nullable=False)
    parameters: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    # pending, deploying, benchmarking, succeeded, failed, cancelled
    status: Mapped[str] = mapped_column(String(32), nullable=False, default="pending")
    metrics: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    error_message: Mapped[str | None] = mapped_column(Text, nullable=True)
    command: Mapped[list[str] | None] = mapped_column(JSONType, nullable=True)
    log_path: Mapped[str | None] = mapped_column(Text, nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
