"""Pydantic models of the analytics and suggestion API."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, JsonValue

from autotuner.core.requests import RequestModel
from autotuner.tasks.schemas import Objective


class VersionUse(BaseModel):
    version: int
    tasks: int
    experiments: int


class ContextResult(BaseModel):
    key: str = Field(description="runtime|model|hardware|objective: what the context is grouped by.")
    label: str
    runtime: str
    model_id: str
    gpu_model: str | None
    objective: str
    best_score: float | None
    median_score: float | None
    experiments: int


class TrendPoint(BaseModel):
    version: int
    best_score: float | None
    median_score: float | None


class ComparedPreset(BaseModel):
    preset_id: int
    preset_name: str
    tasks_together: int = Field(description="Tasks that used both presets.")
    wins: int = Field(description="Of those tasks, how many had their best configuration within this preset's values.")
    win_rate: float | None
    median_score: float | None = Field(
        description="Median score, in those tasks, of the experiments whose values all come from this preset."
    )


class PresetAnalytics(BaseModel):
    preset_id: int
    preset_name: str
    tasks: int = Field(description="Readable tasks made with this preset.")
    experiments: int = Field(description="Their experiments (any status).")
    by_version: list[VersionUse]
    contexts: list[ContextResult] = Field(
        description="Succeeded experiments' scores per runtime/model/hardware/objective."
    )
    wins: int = Field(description="Tasks whose best configuration lies within the preset's values.")
    win_rate: float | None = Field(description="wins / tasks that have a best configuration; null without one.")
    trend: list[TrendPoint]
    compared: list[ComparedPreset]


class ParameterImportance(BaseModel):
    name: str
    importance: float


class ValueStats(BaseModel):
    value: JsonValue
    n: int
    mean: float
    median: float
    min: float
    max: float
    q1: float
    q3: float


class Marginal(BaseModel):
    name: str
    values: list[ValueStats]


class ImportanceReport(BaseModel):
    method: str = Field(description="How importance was estimated.")
    tasks: int
    experiments: int = Field(description="Succeeded experiments with a score that were used.")
    parameters: list[ParameterImportance] = Field(description="Most important first; the importances sum to 1.")
    marginals: list[Marginal]


class ModelShapeRead(BaseModel):
    id: str
    params_b: float
    layers: int
    hidden_size: int
    kv_heads: int
    head_dim: int
    dtype: str
    architecture: str | None = None
    source: str


class SuggestModelId(RequestModel):
    """A model of the built-in table (GET /api/presets/suggest/models)."""

    id: str = Field(min_length=1, max_length=300, description="An id of the built-in table.")
    config_path: None = Field(default=None, description="Give either 'id' or 'config_path'.")


class SuggestModelConfig(RequestModel):
    """A model described by its config.json, read from the server's disk (never executed)."""

    config_path: str = Field(
        min_length=1, max_length=1000, description="A local path, on the server, of a config.json."
    )
    id: None = Field(default=None, description="Give either 'id' or 'config_path'.")


class SuggestHardware(RequestModel):
    gpu_model: str | None = Field(default=None, max_length=200)
    gpu_memory_gb: float = Field(gt=0, le=10_000, description="Memory of one GPU, in GB.")
    gpu_count: int = Field(ge=1, le=1024)


class SuggestRequest(RequestModel):
    runtime: Literal["sglang", "vllm", "llamacpp"]
    model: SuggestModelId | SuggestModelConfig = Field(description="Exactly one of 'id' and 'config_path'.")
    dtype: str | None = Field(
        default=None, min_length=1, max_length=32, description="Weights dtype; default the model's."
    )
    hardware: SuggestHardware | None = Field(
        default=None, description="Null: detect this machine's GPUs with nvidia-smi."
    )
    objective: Objective = "maximize_throughput"
    scenario: str = Field(default="D(1000,200)", min_length=1, max_length=100, description="genai-bench notation.")


class SuggestReason(BaseModel):
    flag: str
    value: JsonValue
    source: Literal["memory_model", "history"]
    text: str
    experiments: int = Field(description="Experiments behind it (0 for the memory model).")


class RankedPreset(BaseModel):
    preset_id: int
    name: str
    score: float | None = Field(description="Median of the best scores of the similar tasks that used it.")
    experiments: int
    similarity: float = Field(description="0-1: how close those tasks' contexts are to this one.")


class Suggestion(BaseModel):
    parameters: dict[str, list[JsonValue]] = Field(description="A parameter space for the runtime's flags.")
    reasons: list[SuggestReason]
    figures: dict[str, Any] = Field(description="The memory model's figures (GB are 10^9 bytes).")
    presets: list[RankedPreset]
    warnings: list[str]
