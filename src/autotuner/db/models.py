"""The tables of the product."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
    select,
)
from sqlalchemy.orm import Mapped, column_property, declared_attr, mapped_column, relationship

from autotuner.db.base import Base, JSONType, UTCDateTime, utcnow

# SQLite: AUTOINCREMENT, so that the id of a deleted row is never given again (migration 0006).
NEVER_REUSE_IDS: dict[str, Any] = {"sqlite_autoincrement": True}


class Owned:
    """An owner and a visibility (see autotuner.core.actors for who may do what); the class adds
    ``shares``, the teams a ``teams`` visibility reaches."""

    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True, index=True)
    visibility: Mapped[str] = mapped_column(String(16), nullable=False, default="private", server_default="private")
    if TYPE_CHECKING:  # mapped by each class
        shares: list[PresetShare] | list[TaskShare]

    @declared_attr
    def owner(cls) -> Mapped[User | None]:
        return relationship("User", lazy="selectin")

    @property
    def team_ids(self) -> list[int]:
        return sorted(share.team_id for share in self.shares)

    @property
    def owner_name(self) -> str | None:
        return self.owner.username if self.owner is not None else None


class ParameterPreset(Owned, Base):
    """A named, reusable piece of a parameter space."""

    __tablename__ = "parameter_presets"
    __table_args__ = NEVER_REUSE_IDS

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
    # Owned: its owner is None for system presets and for what was made before users existed (the
    # first admin then owns those).
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)
    shares: Mapped[list[PresetShare]] = relationship(lazy="selectin", cascade="all, delete-orphan")
    # The number of its current version (a row of preset_versions): the ETag of the API.
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")
    # Its bases' effective parameters merged in order (deep merge), then its own on top; and, for
    # each leaf, the preset that gave it: [{"path": [...], "parameter", "id", "name", "slug"}].
    # Kept up to date by the preset service whenever a base changes.
    effective_parameters: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, server_default="{}")
    effective_sources: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, nullable=False, server_default="[]")
    base_links: Mapped[list[PresetBase]] = relationship(
        lazy="selectin",
        cascade="all, delete-orphan",
        order_by="PresetBase.position",
        foreign_keys="PresetBase.preset_id",
        back_populates="preset",
    )
    # Loaded only when read (deleting a base lists them); the API shows only their count,
    # ``extended_by``, a subquery of the row's own SELECT (mapped below PresetBase).
    dependent_links: Mapped[list[PresetBase]] = relationship(
        lazy="select", viewonly=True, foreign_keys="PresetBase.base_id"
    )
    if TYPE_CHECKING:
        extended_by: Mapped[int]

    @property
    def extends(self) -> list[dict[str, Any]]:
        """The presets it extends, in merge order: ``[{"id", "name", "slug"}]``."""
        return [{"id": link.base.id, "name": link.base.name, "slug": link.base.slug} for link in self.base_links]

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"<ParameterPreset id={self.id} name={self.name!r}>"


class PresetRevision(Base):
    """One row (id 1): a number the database itself raises on every write to the presets or their
    shares, whoever writes (the service, the CLI in another process, an operator's SQL). Its
    triggers are made by migration 0015. The preset cache asks this number on every read: one
    primary-key look-up, where counting the presets read the whole table."""

    __tablename__ = "preset_revision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    number: Mapped[int] = mapped_column(BigInteger, nullable=False)


class PresetBase(Base):
    """One link of ``extends``: ``preset_id`` extends ``base_id``, at ``position`` in its list. A
    base cannot be deleted while a preset extends it (the service detaches or refuses first)."""

    __tablename__ = "preset_bases"
    __table_args__ = (PrimaryKeyConstraint("preset_id", "position"), UniqueConstraint("preset_id", "base_id"))

    preset_id: Mapped[int] = mapped_column(ForeignKey("parameter_presets.id", ondelete="CASCADE"), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    base_id: Mapped[int] = mapped_column(ForeignKey("parameter_presets.id"), nullable=False, index=True)
    preset: Mapped[ParameterPreset] = relationship(foreign_keys=[preset_id], back_populates="base_links")
    base: Mapped[ParameterPreset] = relationship(foreign_keys=[base_id], lazy="selectin")


# How many presets extend it directly: counted in the row's own SELECT rather than by loading them.
ParameterPreset.extended_by = column_property(
    select(func.count()).where(PresetBase.base_id == ParameterPreset.id).correlate_except(PresetBase).scalar_subquery()
)


class PresetVersion(Base):
    """One immutable version of a preset: every field as it was, who made it, when, and why."""

    __tablename__ = "preset_versions"
    __table_args__ = (UniqueConstraint("preset_id", "number"), NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    preset_id: Mapped[int] = mapped_column(ForeignKey("parameter_presets.id", ondelete="CASCADE"), nullable=False)
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    slug: Mapped[str] = mapped_column(String(255), nullable=False)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    category: Mapped[str | None] = mapped_column(String(100), nullable=True)
    runtime: Mapped[str | None] = mapped_column(String(32), nullable=True)
    parameters: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    meta: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSONType, nullable=True)
    # The bases as they were: [{"id", "name", "slug"}].
    extends: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, nullable=False)
    effective_parameters: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    effective_sources: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, nullable=False)
    # created, updated, restored, base_changed, detached, imported, system_release, migrated
    change: Mapped[str] = mapped_column(String(32), nullable=False)
    change_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    summary: Mapped[str] = mapped_column(Text, nullable=False)
    author: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class Task(Owned, Base):
    """A tuning task: a parameter space to search, how to run the engine, and how to score it."""

    __tablename__ = "tasks"
    __table_args__ = NEVER_REUSE_IDS

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    task_name: Mapped[str] = mapped_column(String(255), unique=True, nullable=False)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    model: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    base_runtime: Mapped[str] = mapped_column(String(32), nullable=False)
    # The engine version whose catalog checked the flags (pinned by the user, or the installed /
    # newest one when the task was created); None for runtimes without a catalog.
    runtime_version: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # Argument-list template for base_runtime "command" (e.g. ["python", "server.py", "--port", "{port}"]).
    command: Mapped[list[str] | None] = mapped_column(JSONType, nullable=True)
    deployment_mode: Mapped[str] = mapped_column(String(32), nullable=False, default="local")
    # deployment_mode "docker": {"image", "host_network", "shm_size", "env": [NAMES]}; never values.
    docker: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    # GPUs the task may use (rules such as tp-size x dp-size <= gpus); None: not limited.
    gpus: Mapped[int | None] = mapped_column(Integer, nullable=True)
    parameters: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    # Engine-neutral spaces ({"tp": [1, 2]}, {"kv_cache": ["auto", "fp8_e5m2"]}); their flags are in parameters.
    parallel: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    quantization: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
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
    # What the results say once noise is counted (tuning.verdict.Verdict as a dict); None before any score.
    verdict: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    # Experiments of earlier tasks the search was seeded with (optimization.warm_start).
    warm_start_used: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    # Experiment ids on the Pareto front (several objectives); empty for one objective.
    pareto_front: Mapped[list[int]] = mapped_column(JSONType, nullable=False, default=list, server_default="[]")
    shares: Mapped[list[TaskShare]] = relationship(lazy="selectin", cascade="all, delete-orphan")


class Experiment(Base):
    """One run of the engine with one combination of the task's parameters."""

    __tablename__ = "experiments"
    __table_args__ = (
        UniqueConstraint("task_id", "sequence"),
        # Analytics read a task's succeeded experiments and their scores (migration 0011).
        Index("ix_experiments_task_status_score", "task_id", "status", "score"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), nullable=False, index=True)
    sequence: Mapped[int] = mapped_column(Integer, nullable=False)
    parameters: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    # pending, deploying, benchmarking, succeeded, failed, cancelled, pruned
    status: Mapped[str] = mapped_column(String(32), nullable=False, default="pending")
    metrics: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    error_message: Mapped[str | None] = mapped_column(Text, nullable=True)
    command: Mapped[list[str] | None] = mapped_column(JSONType, nullable=True)
    log_path: Mapped[str | None] = mapped_column(Text, nullable=True)
    # The Ray node (its address) that ran it; None when it ran on this machine.
    node: Mapped[str | None] = mapped_column(String(255), nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    # A repeat run (optimization.repeats) points at the original experiment of its combination.
    repeat_of: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # On an original: its score over itself and its repeats (tuning.verdict.ScoreStats as a dict).
    score_stats: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    # Each objective's metric in natural units (tokens/s, ms), keyed by objective; succeeded only.
    objective_values: Mapped[dict[str, float] | None] = mapped_column(JSONType, nullable=True)
    # What it ran on (autotuner.tasks.context): runtime and version, model, hardware, benchmark.
    context: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)


class TaskEvent(Base):
    """Something that happened to a task, for the live stream (``GET /api/tasks/{id}/events``)
    and ``autotuner tasks watch``: written by the run layer in the transaction of the change it
    describes, so a reader never sees a change without its event. The id only grows (SQLite
    AUTOINCREMENT, a sequence on PostgreSQL): it is the stream's event id."""

    __tablename__ = "task_events"
    __table_args__ = {"sqlite_autoincrement": True}  # noqa: RUF012 (SQLAlchemy reads it)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), nullable=False, index=True)
    # status, experiment.started, experiment.status, experiment.finished, experiments.cleared
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


# --- people, teams and their credentials ----------------------------------------------------------


class User(Base):
    __tablename__ = "users"
    __table_args__ = NEVER_REUSE_IDS

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    password_hash: Mapped[str] = mapped_column(Text, nullable=False)
    is_admin: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default=false())
    disabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class Team(Base):
    __tablename__ = "teams"
    __table_args__ = NEVER_REUSE_IDS

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), unique=True, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class TeamMember(Base):
    """A user's role in a team: owner (manages members), member (edits what is shared with the
    team), viewer (reads it)."""

    __tablename__ = "team_members"
    __table_args__ = (PrimaryKeyConstraint("team_id", "user_id"),)

    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    role: Mapped[str] = mapped_column(String(16), nullable=False)


class ApiToken(Base):
    """A token for the CLI and scripts: shown once, stored as its SHA-256."""

    __tablename__ = "api_tokens"
    __table_args__ = NEVER_REUSE_IDS

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    prefix: Mapped[str] = mapped_column(String(16), nullable=False)  # shown in lists to tell tokens apart
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class WebSession(Base):
    """A browser's login: the cookie holds a random secret, the table its SHA-256."""

    __tablename__ = "web_sessions"
    __table_args__ = NEVER_REUSE_IDS

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class PresetShare(Base):
    """A preset with visibility "teams" is visible to the members of these teams."""

    __tablename__ = "preset_shares"
    __table_args__ = (PrimaryKeyConstraint("preset_id", "team_id"),)

    preset_id: Mapped[int] = mapped_column(ForeignKey("parameter_presets.id", ondelete="CASCADE"), nullable=False)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), nullable=False, index=True)


class TaskShare(Base):
    __tablename__ = "task_shares"
    __table_args__ = (PrimaryKeyConstraint("task_id", "team_id"),)

    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), nullable=False)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), nullable=False, index=True)


class AuditEvent(Base):
    """One write: who, what, when, from where. Never a secret."""

    __tablename__ = "audit_events"
    __table_args__ = NEVER_REUSE_IDS

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(64), nullable=False)
    action: Mapped[str] = mapped_column(String(64), nullable=False)
    object_type: Mapped[str] = mapped_column(String(32), nullable=False)
    object_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    summary: Mapped[str] = mapped_column(Text, nullable=False)
    remote_addr: Mapped[str | None] = mapped_column(String(64), nullable=True)
