"""Scoring one experiment's benchmark metrics against an objective and SLOs. Pure: plain data in,
plain data out.

Convention: **a higher score is always better**. Throughput scores are positive numbers (output
tokens per second, per GPU); latency objectives score the negated milliseconds (``-120.5`` beats
``-300``). A failed experiment has the score ``None`` and never ranks as best (:func:`best_index`).

Objectives (per level, from :mod:`autotuner.tuning.benchmark`'s metrics):

* ``maximize_throughput``: output tokens/s divided by the GPU count the parameters ask for
  (tp x pp x dp; 1 when no parallel size is among the parameters);
* ``minimize_latency``: minus the mean end-to-end latency (ms);
* ``minimize_ttft``: minus the mean time to first token (ms);
* ``minimize_tpot``: minus the mean time per output token (ms).

Levels (scenario x concurrency) are aggregated by the **mean of their per-level scores**, each
level weighing the same. A level where no request succeeded fails the experiment.

SLOs (the task's ``slo`` field)::

    {"ttft": {"percentile": "p90", "max_ms": 500, "hard": false},
     "tpot": {"percentile": "p99", "max_ms": 50, "hard": true},
     "latency": {"percentile": "p50", "max_ms": 4000}}

``percentile`` is one of mean, p50, p90, p99 (default p90); ``hard`` defaults to false; an
optional ``weight`` (default 1) scales a soft penalty. Every level is checked. A hard limit
exceeded at any level fails the experiment with a reason naming it. A soft limit exceeded by a
relative excess ``e = observed / max_ms - 1`` adds ``weight * e`` to that level's penalty ``p``,
and the level's score becomes ``score / (1 + p)`` when positive, ``score * (1 + p)`` when negative:
the further over the limit, the worse the score, and a met SLO costs nothing.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

from autotuner.core.errors import ValidationFailed

OBJECTIVES = ("maximize_throughput", "minimize_latency", "minimize_ttft", "minimize_tpot")
SLO_METRICS = {"ttft": "ttft_ms", "tpot": "tpot_ms", "latency": "latency_ms"}
PERCENTILES = ("mean", "p50", "p90", "p99")
_LATENCY_METRIC = {"minimize_latency": "latency_ms", "minimize_ttft": "ttft_ms", "minimize_tpot": "tpot_ms"}

# GPU-count flags per runtime, multiplied together (a missing one counts as 1).
GPU_FLAGS: dict[str, tuple[tuple[str, ...], ...]] = {
    "sglang": (("tp-size", "tp"), ("pp-size", "pp"), ("dp-size", "dp")),
    "vllm": (
        ("tensor-parallel-size", "tp-size", "tp"),
        ("pipeline-parallel-size", "pp-size", "pp"),
        ("data-parallel-size", "dp-size", "dp"),
    ),
    "llamacpp": (),  # one process; n-gpu-layers offloads layers, it asks for no more GPUs
    "command": (
        ("tp-size", "tp", "tensor-parallel-size"),
        ("pp-size", "pp", "pipeline-parallel-size"),
        ("dp-size", "dp", "data-parallel-size"),
    ),
}


class InvalidObjective(ValidationFailed):
    pass


class InvalidSLO(ValidationFailed):
    pass


def gpus_needed(parameters: dict[str, Any] | None, runtime: str = "sglang") -> int:
    """GPUs one engine needs: tp x pp x dp (SGLang, vLLM and commands alike; missing sizes count 1)."""
    total = 1
    for names in GPU_FLAGS.get(runtime, GPU_FLAGS["command"]):
        for name in names:
            value = (parameters or {}).get(name)
            if isinstance(value, int) and not isinstance(value, bool) and value > 0:
                total *= value
                break
    return total


def validate_objective(objective: Any) -> str:
    if not isinstance(objective, str) or objective not in OBJECTIVES:
        raise InvalidObjective(f"Unknown objective {objective!r}: use one of {', '.join(OBJECTIVES)}.")
    return objective


def validate_slo(slo: Any) -> dict[str, dict[str, Any]]:
    """Check a task's ``slo`` field and return it with defaults filled in ({} for null)."""
    if slo is None:
        return {}
    if not isinstance(slo, dict):
        raise InvalidSLO('The slo must be an object such as {"ttft": {"percentile": "p90", "max_ms": 500}}, or null.')
    out: dict[str, dict[str, Any]] = {}
    for name, rule in slo.items():
        if name not in SLO_METRICS:
            raise InvalidSLO(f"Unknown SLO '{name}': use ttft, tpot or latency.")
        if not isinstance(rule, dict):
            raise InvalidSLO(
                f'SLO \'{name}\' must be an object such as {{"percentile": "p90", "max_ms": 500, "hard": false}}.'
            )
        percentile = rule.get("percentile", "p90")
        if percentile not in PERCENTILES:
            raise InvalidSLO(f"SLO '{name}' has percentile {percentile!r}: use one of {', '.join(PERCENTILES)}.")
        max_ms = rule.get("max_ms")
        if isinstance(max_ms, bool) or not isinstance(max_ms, (int, float)) or not math.isfinite(max_ms) or max_ms <= 0:
            raise InvalidSLO(f"SLO '{name}' needs max_ms, a positive number of milliseconds.")
        hard = rule.get("hard", False)
        if not isinstance(hard, bool):
            raise InvalidSLO(f"SLO '{name}' has hard={hard!r}: use true or false.")
        weight = rule.get("weight", 1.0)
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not math.isfinite(weight) or weight < 0:
            raise InvalidSLO(f"SLO '{name}' has weight {weight!r}: use a number of 0 or more.")
        out[name] = {"percentile": percentile, "max_ms": float(max_ms), "hard": hard, "weight": float(weight)}
    return out


@dataclass
class ScoreResult:
    score: float | None
    failed: bool
    reason: str | None = None
    objective: str = ""
    gpus: int = 1
    level_scores: list[float] = field(default_factory=list)
    penalties: list[float] = field(default_factory=list)
    violations: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _level_name(level: dict[str, Any]) -> str:
    return f"{level.get('scenario', '?')} at concurrency {level.get('concurrency', '?')}"


def score_metrics(
    metrics: dict[str, Any],
    objective: str,
    *,
    parameters: dict[str, Any] | None = None,
    slo: dict[str, Any] | None = None,
    runtime: str = "sglang",
) -> ScoreResult:
    """Score a benchmark result (``BenchmarkResult.to_dict()``); see the module docstring."""
    validate_objective(objective)
    rules = validate_slo(slo)
    gpus = gpus_needed(parameters, runtime) if objective == "maximize_throughput" else 1
    levels = metrics.get("levels") or []
    if not levels:
        return ScoreResult(None, True, "The benchmark produced no levels to score.", objective, gpus)
    level_scores: list[float] = []
    penalties: list[float] = []
    violations: list[dict[str, Any]] = []
    hard_reasons: list[str] = []
    for level in levels:
        if not level.get("requests_succeeded"):
            first = (level.get("errors") or ["no error recorded"])[0]
            return ScoreResult(
                None, True, f"No request succeeded at {_level_name(level)} (first error: {first}).", objective, gpus
            )
        if objective == "maximize_throughput":
            raw = float(level["output_tokens_per_s"]) / gpus
        else:
            value = (level.get(_LATENCY_METRIC[objective]) or {}).get("mean")
            if value is None:
                return ScoreResult(
                    None,
                    True,
                    f"The benchmark measured no {_LATENCY_METRIC[objective][:-3]} at {_level_name(level)}.",
                    objective,
                    gpus,
                )
            raw = -float(value)
        penalty = 0.0
        for name, rule in rules.items():
            observed = (level.get(SLO_METRICS[name]) or {}).get(rule["percentile"])
            if observed is None or observed <= rule["max_ms"]:
                continue
            excess = observed / rule["max_ms"] - 1.0
            violations.append(
                {
                    "slo": name,
                    "percentile": rule["percentile"],
                    "max_ms": rule["max_ms"],
                    "observed_ms": observed,
                    "hard": rule["hard"],
                    "scenario": level.get("scenario"),
                    "concurrency": level.get("concurrency"),
                }
            )
            if rule["hard"]:
                hard_reasons.append(
                    f"{rule['percentile']} {name.upper() if name != 'latency' else 'latency'} {observed:.1f} ms "
                    f"> {rule['max_ms']:g} ms at {_level_name(level)}"
                )
            else:
                penalty += rule["weight"] * excess
        penalties.append(round(penalty, 6))
        level_scores.append(raw / (1 + penalty) if raw >= 0 else raw * (1 + penalty))
    if hard_reasons:
        return ScoreResult(
            None,
            True,
            "Hard SLO violated: " + "; ".join(hard_reasons) + ".",
            objective,
            gpus,
            level_scores,
            penalties,
            violations,
        )
    score = sum(level_scores) / len(level_scores)
    return ScoreResult(score, False, None, objective, gpus, level_scores, penalties, violations)


def is_better(score: float | None, best: float | None) -> bool:
    """The one rule for "best": a higher score wins; a failed experiment (None) never does; on a
    tie the earlier experiment stays best. The worker, ``autotuner tune`` and the strategies use it."""
    return score is not None and (best is None or score > best)


def best_index(scores: list[float | None]) -> int | None:
    """Index of the best of ``scores`` by :func:`is_better`; None when every one failed."""
    best: int | None = None
    for i, score in enumerate(scores):
        if is_better(score, None if best is None else scores[best]):
            best = i
    return best
