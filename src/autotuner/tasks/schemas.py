"""Pydantic models of the task API: ``TaskCreate``, ``TaskUpdate``, ``TaskRead``, ``SpaceRead``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, field_validator

from autotuner.core.enums import ExperimentStatus, Runtime, RuntimeField, TaskStatus, Visibility
from autotuner.core.requests import RequestModel, SpaceOrEmptyField, not_null, not_null_nor_blank
from autotuner.presets.schemas import MergeStrategy, NameText, ResolutionField

Strategy = Literal["grid_search", "random_search", "bayesian"]
Objective = Literal["maximize_throughput", "minimize_latency", "minimize_ttft", "minimize_tpot"]
Percentile = Literal["p50", "p90", "p99"]


class ModelSpec(RequestModel):
    id_or_path: str = Field(min_length=1, max_length=1000, description="Hugging Face id or local path.")


class OptimizationSpec(RequestModel):
    strategy: Strategy = "grid_search"
    objective: Objective = "maximize_throughput"
    max_iterations: int = Field(default=50, ge=1, le=10_000)
    timeout_per_iteration: int = Field(default=600, ge=1, le=86_400, description="Seconds per experiment.")
    early_stop_patience: int | None = Field(
        default=None, ge=1, le=10_000, description="Stop after this many experiments without improvement."
    )
    sample_if_larger: bool = Field(
        default=False, description="grid_search: sample max_iterations combinations of a larger space."
    )
    seed: int = Field(default=0, ge=0, le=2**31 - 1)


class BenchmarkSpec(RequestModel):
    traffic_scenarios: list[str] = Field(
        default_factory=lambda: ["D(100,100)"],
        min_length=1,
        max_length=20,
        description="genai-bench notation: D(input_tokens,output_tokens).",
    )
    concurrency: list[Annotated[int, Field(ge=1, le=4096)]] = Field(
        default_factory=lambda: [1, 4, 8], min_length=1, max_length=20
    )
    requests_per_level: int | None = Field(default=50, ge=1, le=100_000)
    seconds_per_level: float | None = Field(default=None, gt=0, le=86_400)
    warmup_requests: int = Field(default=2, ge=0, le=1000)
    endpoint: Literal["completions", "chat"] = "completions"

    @field_validator("concurrency")
    @classmethod
    def _positive(cls, value: list[int]) -> list[int]:
        if any(c < 1 or c > 4096 for c in value):
            raise ValueError("concurrency levels must be whole numbers from 1 to 4096")
        return value


class SLOLimit(RequestModel):
    percentile: Percentile = "p90"
    max_ms: float = Field(gt=0, le=86_400_000)
    hard: bool = Field(default=False, description="Hard: a violation fails the experiment. Soft: a penalty.")


class SLOSpec(RequestModel):
    ttft: SLOLimit | None = None
    tpot: SLOLimit | None = None
    latency: SLOLimit | None = None


class PresetSelection(RequestModel):
    ids: list[int | str] = Field(
        min_length=1,
        max_length=100,
        description="Preset ids or slugs, in merge order, each once.",
        json_schema_extra={"uniqueItems": True},
    )
    merge_strategy: MergeStrategy = "union"
    overrides: SpaceOrEmptyField | None = Field(default=None, description="The user's fine-tuning, applied last.")
    resolutions: dict[str, ResolutionField] | None = Field(
        default=None, max_length=500, description="Per parameter, as in POST /api/presets/merge."
    )


# The space: 'parameters' (non-empty) or 'presets' (then 'parameters' adds to them). As if/then,
# which the UI's type generator leaves aside (an anyOf would become a union of partial types).
SPACE_REQUIRED: dict[str, JsonValue] = {
    "if": {"properties": {"presets": {"type": "null"}}},
    "then": {"required": ["parameters"], "properties": {"parameters": {"type": "object", "minProperties": 1}}},
}


class TaskCreate(RequestModel):
    model_config = ConfigDict(
        strict=True,
        json_schema_extra={
            "examples": [
                {
                    "task_name": "llama-throughput",
                    "model": {"id_or_path": "meta-llama/Llama-3.1-8B-Instruct"},
                    "base_runtime": "sglang",
                    "presets": {
                        "ids": ["high-throughput", "memory-efficient"],
                        "merge_strategy": "last_wins",
                        "overrides": {"tp-size": [2]},
                    },
                }
            ],
            **SPACE_REQUIRED,
        },
    )

    task_name: str = Field(min_length=1, max_length=255, json_schema_extra={"pattern": r"\S"})
    description: str | None = Field(default=None, max_length=10_000)
    model: ModelSpec
    base_runtime: RuntimeField = Runtime.sglang
    command: list[str] | None = Field(
        default=None,
        max_length=200,
        description='base_runtime "command": argument-list template, e.g. ["python", "server.py", "{model}", "--port", "{port}"].',
    )
    deployment_mode: Literal["local"] = "local"
    gpus: int | None = Field(default=None, ge=1, le=1024, description="GPUs the task may use (rules check tp x dp).")
    parameters: SpaceOrEmptyField | None = Field(
        default=None, description="The space to search (or use presets; then it adds to them)."
    )
    presets: PresetSelection | None = None
    optimization: OptimizationSpec = Field(default_factory=OptimizationSpec)
    benchmark: BenchmarkSpec = Field(default_factory=BenchmarkSpec)
    slo: SLOSpec | None = None

    @field_validator("task_name")
    @classmethod
    def _strip(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("the task name must not be empty")
        return value


class TaskUpdate(RequestModel):
    """Any subset of fields; allowed while the task is not running. An explicit ``null`` clears
    an optional field; the fields every task has (name, model, runtime, space...) take no null."""

    task_name: NameText | None = Field(default=None, json_schema_extra=not_null_nor_blank)
    description: str | None = Field(default=None, max_length=10_000)
    model: ModelSpec | None = Field(default=None, json_schema_extra=not_null)
    base_runtime: RuntimeField | None = Field(default=None, json_schema_extra=not_null)
    command: list[str] | None = Field(default=None, max_length=200)
    gpus: int | None = Field(default=None, ge=1, le=1024)
    parameters: SpaceOrEmptyField | None = Field(
        json_schema_extra=not_null,
        default=None,
        description="The new space ({} only beside 'presets', which it then adds to).",
    )
    presets: PresetSelection | None = None
    optimization: OptimizationSpec | None = Field(default=None, json_schema_extra=not_null)
    benchmark: BenchmarkSpec | None = Field(default=None, json_schema_extra=not_null)
    slo: SLOSpec | None = None


class AppliedPreset(BaseModel):
    id: int
    version: int | None = Field(default=None, description="The version of the preset the task was built from.")
    name: str
    slug: str | None = None
    runtime: str | None = None
    parameters: dict[str, Any]


class Provenance(BaseModel):
    presets: list[AppliedPreset]
    merge_strategy: str
    overrides: dict[str, Any] | None = None
    conflicts: list[dict[str, Any]] = Field(default_factory=list)
    resolutions: dict[str, Any] | None = None
    decisions: list[dict[str, Any]] = Field(default_factory=list)


class TaskRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    task_name: str
    description: str | None
    model: ModelSpec
    base_runtime: Runtime
    command: list[str] | None
    deployment_mode: str
    gpus: int | None
    parameters: dict[str, Any]
    optimization: OptimizationSpec
    benchmark: BenchmarkSpec
    slo: SLOSpec | None
    provenance: Provenance | None
    warnings: list[str]
    combinations: int
    status: TaskStatus
    error_message: str | None
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    experiments_total: int | None = Field(description="Experiments the search plans (known once it starts).")
    experiments_done: int
    best_experiment_id: int | None
    cancel_requested: bool
    stop_reason: str | None = Field(description="Why the search ended: exhausted, max_iterations, early stop...")
    owner: str | None = Field(description="Its owner's user name; null for what was made before users existed.")
    visibility: Visibility = Field(description="private (its owner), teams (those in team_ids), or public.")
    team_ids: list[int] = Field(description="The teams it is shared with (visibility 'teams').")


class SpaceDraft(RequestModel):
    """A space to count before a task exists: parameters and/or presets, as in TaskCreate."""

    model_config = ConfigDict(strict=True, json_schema_extra=SPACE_REQUIRED)

    base_runtime: RuntimeField = Runtime.sglang
    gpus: int | None = Field(default=None, ge=1, le=1024)
    parameters: SpaceOrEmptyField | None = None
    presets: PresetSelection | None = None
    benchmark: BenchmarkSpec | None = Field(
        default=None,
        description="The task's benchmark: its largest traffic scenario is context for rules (llama.cpp's ctx-size).",
    )


class RuleEffectRead(BaseModel):
    rule: str
    description: str
    removed: int | None
    applies: bool = True


class SpaceRead(BaseModel):
    total: int
    valid: int | None
    removed_by_rule: list[RuleEffectRead]
    combinations: list[dict[str, Any]]
    offset: int
    limit: int
    truncated: bool = False
    parameters: dict[str, Any]
    warnings: list[str] = Field(default_factory=list)


class ExperimentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    task_id: int
    sequence: int
    parameters: dict[str, Any]
    status: ExperimentStatus
    metrics: dict[str, Any] | None
    score: float | None = Field(description="Higher is better, whatever the objective; null when it failed.")
    error_message: str | None
    command: list[str] | None
    log_path: str | None
    started_at: datetime | None
    ended_at: datetime | None
    created_at: datetime


class SaveAsPreset(RequestModel):
    name: str = Field(min_length=1, max_length=255)
    description: str | None = Field(default=None, max_length=10_000)
    category: str | None = Field(default="custom", max_length=100)
