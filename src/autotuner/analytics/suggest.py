"""``POST /api/presets/suggest``: a parameter space for a model on some hardware, from two labelled
sources.

1. **memory_model** (:mod:`autotuner.tuning.memory`): the smallest tp-size whose weights fit with
   a useful KV cache, a memory-fraction range, a concurrency range from the tokens the cache holds
   at the scenario, and the prefill chunk from the scenario's input length.
2. **history**: the values that won (a task's best experiment) in the nearest past contexts - same
   runtime and objective, similar model size and GPU memory - weighted by closeness. A value is
   added when it won in at least ``MIN_TASKS`` near tasks and carries at least ``MIN_SHARE`` of the
   weight of the near tasks that set that flag; the reason gives the count of experiments behind it.

Existing presets are ranked by the best scores of the near tasks made with them.
"""

from __future__ import annotations

import math
import os
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from autotuner.analytics.evidence import (
    TaskFacts,
    flat,
    median,
    readable_tasks,
    rows_by_id,
    scored_counts,
    value_key,
)
from autotuner.analytics.schemas import RankedPreset, Suggestion, SuggestModelId, SuggestReason, SuggestRequest
from autotuner.core.actors import Actor
from autotuner.core.errors import ValidationFailed
from autotuner.tasks.context import cpu_model
from autotuner.tuning.engine.gpus import detected_gpus
from autotuner.tuning.memory import (
    DoesNotFit,
    Fit,
    ModelShape,
    ShapeError,
    find_model,
    kv_bytes_per_token,
    plan,
    power_of_two_at_most,
    read_config,
    scenario_tokens,
    weights_gb,
)

# The flags each runtime's catalog names for the memory model's four decisions.
FLAGS = {
    "sglang": {
        "tp": "tp-size",
        "memory": "mem-fraction-static",
        "requests": "max-running-requests",
        "prefill": "chunked-prefill-size",
    },
    "vllm": {
        "tp": "tensor-parallel-size",
        "memory": "gpu-memory-utilization",
        "requests": "max-num-seqs",
        "prefill": "max-num-batched-tokens",
    },
}
MEMORY_VALUES = [0.8, 0.85, 0.9]
MAX_REQUESTS = 1024
NEAR = 0.5  # similarity from which a past task counts as near
MIN_TASKS = 2
MIN_SHARE = 0.6


@dataclass(frozen=True)
class Hardware:
    gpu_model: str | None
    gpu_memory_gb: float
    gpu_count: int


def _shape(request: SuggestRequest) -> ModelShape:
    if isinstance(request.model, SuggestModelId):
        shape = find_model(request.model.id)
        if shape is None:
            raise ValidationFailed(
                f"'{request.model.id}' is not in the built-in table of models: pick one of "
                "GET /api/presets/suggest/models, or give 'config_path' (its config.json)."
            )
        return shape
    try:
        return read_config(request.model.config_path)
    except ShapeError as exc:
        raise ValidationFailed(str(exc)) from None


def _hardware(request: SuggestRequest) -> Hardware | None:
    """The given hardware, else nvidia-smi's; None for llama.cpp on a machine without GPUs."""
    if request.hardware is not None:
        given = request.hardware
        return Hardware(given.gpu_model, given.gpu_memory_gb, given.gpu_count)
    found = detected_gpus()
    if found is not None:
        return Hardware(found.model, found.memory_gb, found.count)
    if request.runtime == "llamacpp":
        return None
    raise ValidationFailed(
        "No GPU was found on this machine (nvidia-smi): give 'hardware' with gpu_memory_gb and gpu_count "
        '(e.g. {"gpu_model": "H100", "gpu_memory_gb": 80, "gpu_count": 8}).'
    )


def _requests_range(requests_fit: int) -> list[int]:
    top = power_of_two_at_most(min(max(requests_fit, 1), MAX_REQUESTS))
    return sorted({max(1, top // 4), max(1, top // 2), top})


def _prefill_range(input_tokens: int) -> list[int]:
    chunk = max(2048, 2 ** math.ceil(math.log2(max(input_tokens, 1))))
    return [chunk, chunk * 2]


def _memory_model_gpu(
    runtime: str, shape: ModelShape, fit: Fit, hardware: Hardware, input_tokens: int
) -> tuple[dict[str, list[Any]], list[SuggestReason]]:
    parameters: dict[str, list[Any]] = {}
    reasons: list[SuggestReason] = []

    def add(flag: str, values: list[Any], text: str) -> None:
        parameters[flag] = values
        reasons.extend(
            SuggestReason(flag=flag, value=v, source="memory_model", text=text, experiments=0) for v in values
        )

    if runtime == "llamacpp":
        add(
            "n-gpu-layers",
            [shape.layers],
            f"All {shape.layers} layers fit on the GPU ({fit.weights_gb:.1f} GB of weights, "
            f"{hardware.gpu_memory_gb:g} GB per GPU).",
        )
        slots = _requests_range(fit.requests_fit)
        add(
            "parallel",
            slots,
            f"The KV cache left holds about {fit.kv_tokens:,} tokens, {fit.requests_fit} requests of "
            f"{fit.tokens_per_request} tokens.",
        )
        add(
            "ctx-size",
            [max(slots) * fit.tokens_per_request],
            f"{max(slots)} slots x {fit.tokens_per_request} tokens per request of the scenario.",
        )
        return parameters, reasons
    flags = FLAGS[runtime]
    tp_values = [fit.tp_size] + ([fit.tp_size * 2] if fit.tp_size * 2 <= hardware.gpu_count else [])
    smaller = (
        f"; at tp-size {fit.tp_size // 2} each GPU would hold {fit.weights_gb / (fit.tp_size // 2):.1f} GB of "
        "weights, leaving no useful KV cache"
        if fit.tp_size > 1
        else ""
    )
    add(
        flags["tp"],
        tp_values,
        f"{fit.weights_gb:.1f} GB of weights: tp-size {fit.tp_size} puts {fit.weights_per_gpu_gb:.1f} GB on each "
        f"{hardware.gpu_memory_gb:g} GB GPU{smaller}"
        + ("; twice that tp-size is tried for more KV cache and compute." if len(tp_values) > 1 else "."),
    )
    add(
        flags["memory"],
        MEMORY_VALUES,
        f"The fraction of GPU memory for weights and KV cache: {fit.kv_cache_gb:.1f} GB of KV cache at 0.9; "
        "lower values leave room for activations and CUDA graphs.",
    )
    add(
        flags["requests"],
        _requests_range(fit.requests_fit),
        f"The KV cache holds about {fit.kv_tokens:,} tokens ({fit.kv_bytes_per_token:,} bytes per token): "
        f"{fit.requests_fit} requests of {fit.tokens_per_request} tokens of the scenario at once.",
    )
    add(
        flags["prefill"],
        _prefill_range(input_tokens),
        f"Prompts of the scenario are up to {input_tokens} tokens: a chunk that holds one whole prompt, and twice it.",
    )
    return parameters, reasons


def _memory_model_cpu(shape: ModelShape, per_request: int) -> tuple[dict[str, list[Any]], list[SuggestReason]]:
    cores = os.cpu_count() or 1
    threads = sorted({max(1, cores // 2), cores})
    parameters: dict[str, list[Any]] = {"n-gpu-layers": [0], "threads": threads, "parallel": [1, 2, 4]}
    parameters["ctx-size"] = [4 * per_request]
    texts = {
        "n-gpu-layers": "No GPU was found: every layer runs on the CPU.",
        "threads": f"This machine has {cores} CPU threads ({cpu_model() or 'unknown CPU'}): half of them and all.",
        "parallel": "A CPU serves few requests at once: 1, 2 and 4 slots.",
        "ctx-size": f"4 slots x {per_request} tokens per request of the scenario.",
    }
    reasons = [
        SuggestReason(flag=flag, value=v, source="memory_model", text=texts[flag], experiments=0)
        for flag, values in parameters.items()
        for v in values
    ]
    return parameters, reasons


def similarity(
    params_b: float | None, memory_gb: float | None, past: dict[str, Any] | None, model_id: str, past_model: str
) -> float:
    """0-1: 1 for the same model on GPUs of the same memory; halved for each doubling apart in model
    size or GPU memory; an unknown size or memory counts as 0.5."""
    ctx = past or {}
    if past_model and past_model == model_id:
        size = 1.0
    else:
        other = ctx.get("model_params_b")
        size = 2 ** -abs(math.log2(params_b / other)) if params_b and other else 0.5
    other_memory = ctx.get("gpu_memory_gb")
    gpu = 2 ** -abs(math.log2(memory_gb / other_memory)) if memory_gb and other_memory else 0.5
    return size * gpu


@dataclass
class NearTask:
    task: TaskFacts
    similarity: float
    best: dict[str, Any]
    best_score: float
    experiments: int
    label: str


def _near_tasks(
    session: Session, actor: Actor, request: SuggestRequest, shape: ModelShape, hardware: Hardware | None
) -> list[NearTask]:
    tasks = [
        t
        for t in readable_tasks(session, actor, with_provenance=True)
        if t.runtime == request.runtime and t.objective == request.objective
    ]
    best_rows = rows_by_id(session, [t.best_experiment_id for t in tasks if t.best_experiment_id is not None])
    counts = scored_counts(session, [t.id for t in tasks])
    near = []
    for task in tasks:
        best = best_rows.get(task.best_experiment_id or 0)
        if best is None or best.task_id != task.id:
            continue
        close = similarity(
            shape.params_b,
            hardware.gpu_memory_gb if hardware else None,
            best.context,
            request.model.id if isinstance(request.model, SuggestModelId) else "",
            task.model_id,
        )
        if close >= NEAR:
            ctx = best.context or {}
            label = f"{task.model_id} on {ctx.get('gpu_model') or ctx.get('cpu_model') or 'unknown hardware'}"
            near.append(NearTask(task, close, best.parameters, best.score, counts.get(task.id, 0), label))
    return near


def _from_history(
    near: list[NearTask], parameters: dict[str, list[Any]], tp_flag: str | None, min_tp: int, max_tp: int
) -> list[SuggestReason]:
    """Add to ``parameters`` the values that consistently won in near tasks; their reasons."""
    weight: dict[str, float] = defaultdict(float)
    wins: dict[str, dict[str, list[NearTask]]] = defaultdict(lambda: defaultdict(list))
    values: dict[str, Any] = {}
    for entry in near:
        for flag, value in flat(entry.best).items():
            if isinstance(value, (dict, list)):
                continue
            key = value_key(value)
            values[key] = value
            weight[flag] += entry.similarity
            wins[flag][key].append(entry)
    reasons = []
    for flag in sorted(wins):
        for key, winners in sorted(wins[flag].items()):
            share = sum(w.similarity for w in winners) / weight[flag]
            value = values[key]
            if len(winners) < MIN_TASKS or share < MIN_SHARE:
                continue
            if flag == tp_flag and not (isinstance(value, int) and min_tp <= value <= max_tp):
                continue  # never below what the memory model says fits
            current = parameters.setdefault(flag, [])
            if key not in {value_key(v) for v in current}:
                current.append(value)
                current.sort(key=lambda v: (str(type(v)), v))
            experiments = sum(w.experiments for w in winners)
            places = ", ".join(sorted({w.label for w in winners}))
            reasons.append(
                SuggestReason(
                    flag=flag,
                    value=value,
                    source="history",
                    text=(
                        f"Won in {len(winners)} of {sum(1 for e in near if flag in flat(e.best))} similar tasks "
                        f"({places}; {share:.0%} of their weight), {experiments} experiments."
                    ),
                    experiments=experiments,
                )
            )
    return reasons


def _ranked_presets(near: list[NearTask]) -> list[RankedPreset]:
    found: dict[int, dict[str, Any]] = {}
    for entry in near:
        for use in (entry.task.provenance or {}).get("presets") or []:
            if not isinstance(use, dict) or not isinstance(use.get("id"), int):
                continue
            item = found.setdefault(use["id"], {"name": str(use.get("name")), "scores": [], "n": 0, "sim": []})
            item["scores"].append(entry.best_score)
            item["n"] += entry.experiments
            item["sim"].append(entry.similarity)
    ranked = [
        RankedPreset(
            preset_id=preset_id,
            name=item["name"],
            score=median(item["scores"]),
            experiments=item["n"],
            similarity=round(sum(item["sim"]) / len(item["sim"]), 3),
        )
        for preset_id, item in found.items()
    ]
    ranked.sort(key=lambda p: (-p.similarity, -(p.score or 0.0), p.preset_id))
    return ranked


def suggest(session: Session, actor: Actor, request: SuggestRequest) -> Suggestion:
    shape = _shape(request)
    try:
        input_tokens, output_tokens = scenario_tokens(request.scenario)
    except ShapeError as exc:
        raise ValidationFailed(str(exc)) from None
    hardware = _hardware(request)
    warnings: list[str] = []
    dtype = request.dtype or shape.dtype
    if hardware is None:
        parameters, reasons = _memory_model_cpu(shape, input_tokens + output_tokens)
        figures: dict[str, Any] = {
            "weights_gb": round(weights_gb(shape, dtype), 2),
            "kv_bytes_per_token": kv_bytes_per_token(shape),
            "kv_cache_gb": 0.0,
            "kv_tokens": 0,
            "tp_size": 1,
        }
        warnings.append("No GPU was found: the suggestion is for llama.cpp on this machine's CPU.")
        tp_flag, min_tp, max_tp = None, 1, 1
    else:
        try:
            fit = plan(shape, dtype, hardware.gpu_memory_gb, hardware.gpu_count, request.scenario)
        except DoesNotFit as exc:
            raise ValidationFailed(str(exc)) from None
        parameters, reasons = _memory_model_gpu(request.runtime, shape, fit, hardware, input_tokens)
        figures = fit.figures()
        figures["gpu_memory_gb"] = hardware.gpu_memory_gb
        figures["gpu_count"] = hardware.gpu_count
        tp_flag = FLAGS.get(request.runtime, {}).get("tp")
        min_tp, max_tp = fit.tp_size, hardware.gpu_count
        if fit.tp_size > 1 and shape.kv_heads % fit.tp_size and fit.tp_size % shape.kv_heads:
            warnings.append(
                f"{shape.kv_heads} KV heads do not split evenly over tp-size {fit.tp_size}: the engine may refuse it."
            )
    figures["model_params_b"] = shape.params_b
    figures["dtype"] = dtype
    near = _near_tasks(session, actor, request, shape, hardware)
    reasons.extend(_from_history(near, parameters, tp_flag, min_tp, max_tp))
    if not near:
        warnings.append(
            "No similar past task (same runtime and objective): the suggestion is the memory model's alone."
        )
    return Suggestion(
        parameters=parameters, reasons=reasons, figures=figures, presets=_ranked_presets(near), warnings=warnings
    )
