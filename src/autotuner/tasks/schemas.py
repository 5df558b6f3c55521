"""Pydantic models of the task API: ``TaskCreate``, ``TaskUpdate``, ``TaskRead``, ``SpaceRead``."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, WithJsonSchema, field_validator, model_validator

from autotuner.core.enums import ExperimentStatus, Runtime, RuntimeField, TaskStatus, Visibility
from autotuner.core.requests import RequestModel, SpaceOrEmptyField, not_null, not_null_nor_blank
from autotuner.presets.schemas import MergeStrategy, NameText, ResolutionField
from autotuner.tuning.scoring import normalize_slo

Strategy = Literal["grid_search", "random_search", "bayesian"]
Objective = Literal["maximize_throughput", "minimize_latency", "minimize_ttft", "minimize_tpot"]
Percentile = Literal["mean", "p50", "p90", "p99"]
Penalty = Literal["linear", "exponential"]


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
    parallel: int | None = Field(
        default=None,
        ge=1,
        le=1024,
        description="Experiments run at once (each on the GPUs or slots it needs); default: as many as the pool holds.",
    )


class BenchmarkSpec(RequestModel):
    traffic_scenarios: list[str] = Field(
        default_factory=lambda: ["D(100,100)"],
        min_length=1,
        max_length=20,
        description=(
            "genai-bench notation: D(input_tokens,output_tokens), N(in_mean,in_std)/(out_mean,out_std) or "
            "U(in_min,in_max)/(out_min,out_max). Embedding scenarios E(size) are refused."
        ),
    )
    concurrency: list[Annotated[int, Field(ge=1, le=4096)]] = Field(
        default_factory=lambda: [1, 4, 8], min_length=1, max_length=20
    )
    requests_per_level: int | None = Field(
        default=50,
        ge=1,
        le=100_000,
        description="Requests per level; with seconds_per_level, the first reached ends it.",
    )
    seconds_per_level: float | None = Field(
        default=None, gt=0, le=86_400, description="Seconds per level; given alone, requests_per_level is unset."
    )
    warmup_requests: int = Field(default=2, ge=0, le=1000)
    endpoint: Literal["completions", "chat"] = "completions"
    additional_params: dict[str, Any] = Field(
        default_factory=dict,
        max_length=50,
        description='Sent in every request body, e.g. {"temperature": 0.7, "top_p": 0.9} (replaces temperature 0).',
    )

    @field_validator("concurrency")
    @classmethod
    def _positive(cls, value: list[int]) -> list[int]:
        if any(c < 1 or c > 4096 for c in value):
            raise ValueError("concurrency levels must be whole numbers from 1 to 4096")
        return value

    @model_validator(mode="after")
    def _time_alone(self) -> BenchmarkSpec:
        # seconds_per_level given without requests_per_level: a timed level, not the first of 50 requests.
        if self.seconds_per_level is not None and "requests_per_level" not in self.model_fields_set:
            self.requests_per_level = None
        return self


class SLOLimit(RequestModel):
    """One limit on one metric; see ``autotuner.tuning.scoring`` for the scoring."""

    # What the scoring refuses between fields, stated in the schema: fail_ratio on hard limits
    # only, steepness on exponential penalties only.
    model_config = ConfigDict(
        strict=True,
        json_schema_extra={
            "allOf": [
                {
                    "if": {"not": {"required": ["hard"], "properties": {"hard": {"const": True}}}},
                    "then": {"properties": {"fail_ratio": {"type": "null"}}},
                },
                {
                    "if": {"not": {"required": ["penalty"], "properties": {"penalty": {"const": "exponential"}}}},
                    "then": {"properties": {"steepness": {"type": "null"}}},
                },
            ]
        },
    )

    percentile: Percentile = "p90"
    max_ms: float = Field(gt=0, le=86_400_000, description="The limit, in milliseconds.")
    hard: bool = Field(default=False, description="Hard: a violation fails the experiment. Soft: a penalty.")
    weight: float = Field(default=1.0, ge=0, le=1_000_000, description="Scales the penalty of a soft violation.")
    fail_ratio: float | None = Field(
        default=None,
        ge=0,
        lt=1,
        description="Hard limits: the tolerated fraction of requests over max_ms before the experiment fails.",
    )
    penalty: Penalty = Field(
        default="linear",
        description="linear: weight x excess; exponential: weight x exp(excess / steepness); excess = observed / max_ms - 1.",
    )
    steepness: float | None = Field(
        default=None, gt=0, le=1000, description="Exponential penalties only (default 0.1): smaller is steeper."
    )


SLOLimits = SLOLimit | Annotated[list[SLOLimit], Field(min_length=1, max_length=12)]


class SLOSpec(RequestModel):
    """Any subset of ttft, tpot and latency; each one limit or a list (several percentiles)."""

    ttft: SLOLimits | None = None
    tpot: SLOLimits | None = None
    latency: SLOLimits | None = None


class SLORead(BaseModel):
    """A task's SLOs as stored: a list of limits per metric, every default filled in."""

    ttft: list[SLOLimit] | None = None
    tpot: list[SLOLimit] | None = None
    latency: list[SLOLimit] | None = None


def read_slo(value: Any) -> Any:
    """Stored SLOs in the read shape (rows written before limit lists held one object per metric)."""
    if not isinstance(value, dict):
        return value
    return normalize_slo(value) or None


ParallelSizes = Annotated[list[Annotated[int, Field(ge=1, le=1024)]], Field(min_length=1, max_length=20)]
Dtypes = Annotated[list[Annotated[str, Field(min_length=1, max_length=64)] | None], Field(min_length=1, max_length=20)]


class ParallelSpec(RequestModel):
    """Parallel sizes in engine-neutral words; each list is one dimension of the space."""

    tp: ParallelSizes | None = Field(
        default=None, description="Tensor parallel sizes (SGLang --tp-size, vLLM --tensor-parallel-size)."
    )
    pp: ParallelSizes | None = Field(default=None, description="Pipeline parallel sizes.")
    dp: ParallelSizes | None = Field(default=None, description="Data parallel sizes.")
    ep: ParallelSizes | None = Field(default=None, description="Expert parallel sizes (vLLM: 1 off, more on).")


class QuantizationSpec(RequestModel):
    """Quantization in engine-neutral words; null: no flag, the engine's default."""

    weights: Dtypes | None = Field(
        default=None, description='Weight quantization (--quantization), e.g. ["fp8", null].'
    )
    kv_cache: Dtypes | None = Field(
        default=None, description='KV-cache dtype (--kv-cache-dtype), e.g. ["auto", "fp8_e5m2"].'
    )


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


# The schema states the pattern; the validator says in words what is wrong.
ENV_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]{0,127}$"


class DockerSpec(RequestModel):
    """How the engine's container runs (deployment_mode "docker")."""

    image: str | None = Field(
        default=None,
        min_length=1,
        max_length=500,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._/:@-]*$",
        description="Default: the engine's official image at the catalog's release (required for base_runtime command).",
    )
    host_network: bool = Field(default=False, description="Share the host's network instead of publishing the port.")
    shm_size: str | None = Field(
        default=None,
        pattern=r"^[0-9]+[bkmgBKMG]?$",
        max_length=20,
        description="Shared memory, e.g. 16g. Default: SGLang and vLLM share the host's IPC namespace.",
    )
    env: list[Annotated[str, WithJsonSchema({"type": "string", "pattern": ENV_NAME_PATTERN})]] = Field(
        default_factory=list,
        max_length=100,
        description="NAMES of environment variables passed from the service's environment (values are never stored).",
    )

    @field_validator("env")
    @classmethod
    def _names(cls, value: list[str]) -> list[str]:
        for name in value:
            if not re.fullmatch(ENV_NAME_PATTERN, name):
                raise ValueError(
                    f"'{name[:130]}' is not an environment variable name: give names only (HF_TOKEN), never values"
                )
        return value


# The space: 'parameters' (non-empty) or 'presets' (then 'parameters' adds to them). As if/then,
# which the UI's type generator leaves aside (an anyOf would become a union of partial types).
SPACE_REQUIRED: dict[str, JsonValue] = {
    "if": {"properties": {"presets": {"type": "null"}}},
    "then": {"required": ["parameters"], "properties": {"parameters": {"type": "object", "minProperties": 1}}},
    # runtime_version picks a catalog: the command runtime has none.
    "allOf": [
        {
            "if": {"required": ["base_runtime"], "properties": {"base_runtime": {"const": "command"}}},
            "then": {"properties": {"runtime_version": {"type": "null"}}},
        }
    ],
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
    runtime_version: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        pattern=r"^v?[0-9][0-9A-Za-z.+-]*$",
        description="The engine version whose catalog checks the flags (GET /api/runtimes/{runtime}/versions); "
        "default: the installed engine's when it has a catalog, else the newest.",
    )
    deployment_mode: Literal["local", "docker"] = "local"
    docker: DockerSpec | None = Field(default=None, description='deployment_mode "docker": the container\'s options.')
    gpus: int | None = Field(default=None, ge=1, le=1024, description="GPUs the task may use (rules check tp x dp).")
    parameters: SpaceOrEmptyField | None = Field(
        default=None, description="The space to search (or use presets; then it adds to them)."
    )
    presets: PresetSelection | None = None
    parallel: ParallelSpec | None = Field(
        default=None, description="Parallel sizes to sweep, added to the space as the runtime's flags."
    )
    quantization: QuantizationSpec | None = Field(
        default=None, description="Quantizations to sweep, added to the space as the runtime's flags."
    )
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

    # An empty 'parameters' only adds to 'presets' given beside it.
    model_config = ConfigDict(
        strict=True,
        json_schema_extra={
            "if": {"properties": {"presets": {"type": "null"}}},
            "then": {"properties": {"parameters": {"type": "object", "minProperties": 1}}},
        },
    )

    task_name: NameText | None = Field(default=None, json_schema_extra=not_null_nor_blank)
    description: str | None = Field(default=None, max_length=10_000)
    model: ModelSpec | None = Field(default=None, json_schema_extra=not_null)
    base_runtime: RuntimeField | None = Field(default=None, json_schema_extra=not_null)
    runtime_version: str | None = Field(
        default=None, min_length=1, max_length=64, pattern=r"^v?[0-9][0-9A-Za-z.+-]*$", description="As in TaskCreate."
    )
    command: list[str] | None = Field(default=None, max_length=200)
    deployment_mode: Literal["local", "docker"] | None = None
    docker: DockerSpec | None = None
    gpus: int | None = Field(default=None, ge=1, le=1024)
    parameters: SpaceOrEmptyField | None = Field(
        json_schema_extra=not_null,
        default=None,
        description="The new space ({} only beside 'presets', which it then adds to).",
    )
    presets: PresetSelection | None = None
    parallel: ParallelSpec | None = None
    quantization: QuantizationSpec | None = None
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
    runtime_version: str | None = Field(description="The engine version whose catalog checked the flags.")
    command: list[str] | None
    deployment_mode: str
    docker: DockerSpec | None = None
    gpus: int | None
    parameters: dict[str, Any] = Field(
        description="The space searched: the flags of parallel and quantization included."
    )
    parallel: ParallelSpec | None = None
    quantization: QuantizationSpec | None = None
    neutral_flags: dict[str, str] = Field(
        default_factory=dict,
        description='The flags of parameters that parallel and quantization became: {"tp-size": "parallel.tp"}.',
    )
    optimization: OptimizationSpec
    benchmark: BenchmarkSpec
    slo: SLORead | None
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

    @field_validator("slo", mode="before")
    @classmethod
    def _slo_lists(cls, value: Any) -> Any:
        return read_slo(value)


class SpaceDraft(RequestModel):
    """A space to count before a task exists: parameters and/or presets, as in TaskCreate."""

    model_config = ConfigDict(strict=True, json_schema_extra=SPACE_REQUIRED)

    base_runtime: RuntimeField = Runtime.sglang
    runtime_version: str | None = Field(
        default=None, min_length=1, max_length=64, pattern=r"^v?[0-9][0-9A-Za-z.+-]*$", description="As in TaskCreate."
    )
    gpus: int | None = Field(default=None, ge=1, le=1024)
    parameters: SpaceOrEmptyField | None = None
    presets: PresetSelection | None = None
    parallel: ParallelSpec | None = None
    quantization: QuantizationSpec | None = None
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


class ExperimentContext(BaseModel):
    """What an experiment ran on: engine, model, hardware, benchmark. Unknown facts are null
    (experiments recorded before the product kept them have no hardware)."""

    runtime: str
    runtime_version: str | None = None
    model_id: str
    model_params_b: float | None = Field(default=None, description="Billions of parameters, when known.")
    architecture: str | None = None
    dtype: str | None = None
    quantization: str | None = None
    gpu_model: str | None = None
    gpu_memory_gb: float | None = None
    gpu_count: int | None = None
    cpu_model: str | None = None
    cpu_cores: int | None = None
    scenario: list[str] = Field(default_factory=list)
    concurrency: list[int] = Field(default_factory=list)
    objective: str | None = Field(default=None, description="The task's objective (how its scores are made).")


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
    context: ExperimentContext | None = Field(default=None, description="What it ran on (engine, model, hardware).")


class ExperimentPage(BaseModel):
    total: int = Field(description="How many experiments match the filters.")
    offset: int
    limit: int
    experiments: list[ExperimentRead] = Field(description="Newest first.")


class ExperimentsCleared(BaseModel):
    task_id: int
    cleared: int = Field(description="How many experiments were deleted.")


class ImportLine(BaseModel):
    field: str = Field(description="The file's field, dotted (benchmark.num_concurrency).")
    outcome: Literal["mapped", "converted", "defaulted", "not_supported", "dropped"]
    detail: str = Field(description="What became of it, in words.")


class TaskImported(BaseModel):
    task: TaskRead
    format: Literal["reference", "autotuner"] = Field(
        description="reference: a novitalabs/inference-autotuner task file; autotuner: this product's own task."
    )
    report: list[ImportLine] = Field(description="Every field of the file and what became of it.")


class SaveAsPreset(RequestModel):
    name: str = Field(min_length=1, max_length=255)
    description: str | None = Field(default=None, max_length=10_000)
    category: str | None = Field(default="custom", max_length=100)
