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

SLOs (the task's ``slo`` field), milliseconds everywhere. Any subset of ``ttft``, ``tpot`` and
``latency``; each holds one limit or a list of limits (several percentiles, each with its own
limit)::

    {"ttft": {"percentile": "p90", "max_ms": 500},
     "latency": [{"percentile": "p50", "max_ms": 2000},
                 {"percentile": "p99", "max_ms": 10000, "hard": true, "fail_ratio": 0.05}],
     "tpot": {"percentile": "p99", "max_ms": 50, "penalty": "exponential", "steepness": 0.1,
              "weight": 2}}

A limit: ``percentile`` (mean, p50, p90, p99; default p90), ``max_ms``, ``weight`` (default 1),
``hard`` (default false), ``fail_ratio`` (hard limits only), ``penalty`` (``linear``, the default,
or ``exponential``) and ``steepness`` (exponential only; default 0.1). Every level is checked, each
limit on its own:

* **soft** (``hard`` false): when the level's percentile ``observed`` exceeds ``max_ms`` by the
  relative excess ``e = observed / max_ms - 1``, the level's penalty ``p`` grows by
  ``weight * e`` (linear) or ``weight * exp(e / steepness)`` (exponential: just over the limit
  already costs ``weight``, and each further ``steepness`` of excess multiplies that by e ~ 2.718;
  a smaller steepness is steeper). A met limit costs nothing;
* **hard** without ``fail_ratio``: the percentile over ``max_ms`` fails the experiment;
* **hard** with ``fail_ratio`` f (0 <= f < 1): the experiment fails when more than the fraction f
  of the level's successful requests took longer than ``max_ms`` (the benchmark counts them); a
  tolerated excess of the percentile costs a penalty as a soft limit would.

The level's score becomes ``score / (1 + p)`` when positive (throughput), ``score * (1 + p)`` when
negative (latency objectives): the further over the limits, the worse the score.

Task rows written before limit lists existed hold one object per metric; :func:`normalize_slo`
reads both shapes.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

from autotuner.core.errors import ValidationFailed
from autotuner.tuning.benchmark import over_key

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


PENALTIES = ("linear", "exponential")
DEFAULT_STEEPNESS = 0.1
MAX_LIMITS_PER_METRIC = 12


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _limit(name: str, rule: Any, where: str) -> dict[str, Any]:
    if not isinstance(rule, dict):
        raise InvalidSLO(
            f'SLO {where} must be an object such as {{"percentile": "p90", "max_ms": 500, "hard": false}}.'
        )
    known = {"percentile", "max_ms", "hard", "weight", "fail_ratio", "penalty", "steepness"}
    unknown = sorted(set(rule) - known)
    if unknown:
        raise InvalidSLO(f"SLO {where} has the unknown field '{unknown[0]}': use {', '.join(sorted(known))}.")
    percentile = rule.get("percentile", "p90")
    if percentile not in PERCENTILES:
        raise InvalidSLO(f"SLO {where} has percentile {percentile!r}: use one of {', '.join(PERCENTILES)}.")
    max_ms: Any = rule.get("max_ms")
    if not _number(max_ms) or max_ms <= 0:
        raise InvalidSLO(f"SLO {where} needs max_ms, a positive number of milliseconds.")
    hard = rule.get("hard", False)
    if not isinstance(hard, bool):
        raise InvalidSLO(f"SLO {where} has hard={hard!r}: use true or false.")
    weight = rule.get("weight", 1.0)
    if weight is None:
        weight = 1.0
    if not _number(weight) or weight < 0:
        raise InvalidSLO(f"SLO {where} has weight {weight!r}: use a number of 0 or more.")
    fail_ratio = rule.get("fail_ratio")
    if fail_ratio is not None:
        if not _number(fail_ratio) or not 0 <= fail_ratio < 1:
            raise InvalidSLO(
                f"SLO {where} has fail_ratio {fail_ratio!r}: use the tolerated fraction of slow requests, "
                "from 0 up to (not including) 1."
            )
        if not hard:
            raise InvalidSLO(
                f"SLO {where} sets fail_ratio on a soft limit: fail_ratio says when a hard limit fails the "
                'experiment, so add "hard": true or remove it.'
            )
    penalty = rule.get("penalty") or "linear"
    if penalty not in PENALTIES:
        raise InvalidSLO(f"SLO {where} has penalty {penalty!r}: use linear or exponential.")
    steepness = rule.get("steepness")
    if steepness is not None:
        if not _number(steepness) or steepness <= 0:
            raise InvalidSLO(f"SLO {where} has steepness {steepness!r}: use a positive number such as 0.1.")
        if penalty != "exponential":
            raise InvalidSLO(
                f'SLO {where} sets steepness on a linear penalty: add "penalty": "exponential" or remove steepness.'
            )
    elif penalty == "exponential":
        steepness = DEFAULT_STEEPNESS
    return {
        "percentile": percentile,
        "max_ms": float(max_ms),
        "hard": hard,
        "weight": float(weight),
        "fail_ratio": None if fail_ratio is None else float(fail_ratio),
        "penalty": penalty,
        "steepness": None if steepness is None else float(steepness),
    }


def normalize_slo(slo: Any) -> dict[str, list[dict[str, Any]]]:
    """Check a task's ``slo`` field and return it as ``{metric: [limit, ...]}`` with every default
    filled in ({} for null). Reads both shapes: one limit object per metric (task rows written
    before limit lists existed) and a list of limits. Raises :class:`InvalidSLO` with a sentence."""
    if slo is None:
        return {}
    if not isinstance(slo, dict):
        raise InvalidSLO('The slo must be an object such as {"ttft": {"percentile": "p90", "max_ms": 500}}, or null.')
    out: dict[str, list[dict[str, Any]]] = {}
    for name, rules in slo.items():
        if name not in SLO_METRICS:
            raise InvalidSLO(f"Unknown SLO '{name}': use ttft, tpot or latency.")
        if rules is None:
            continue
        if isinstance(rules, list):
            if not rules or len(rules) > MAX_LIMITS_PER_METRIC:
                raise InvalidSLO(
                    f"SLO '{name}' must hold 1 to {MAX_LIMITS_PER_METRIC} limits, such as "
                    '[{"percentile": "p50", "max_ms": 2000}, {"percentile": "p99", "max_ms": 10000}].'
                )
            limits = [_limit(name, rule, f"'{name}' limit {i + 1}") for i, rule in enumerate(rules)]
        else:
            limits = [_limit(name, rules, f"'{name}'")]
        out[name] = limits
    return out


def validate_slo(slo: Any) -> dict[str, list[dict[str, Any]]]:
    """:func:`normalize_slo` (the name the task service and the experiment runner call)."""
    return normalize_slo(slo)


def slo_thresholds(slo: Any) -> dict[str, list[float]]:
    """The limits whose slow requests the benchmark must count (hard limits with ``fail_ratio``),
    per level metric (``latency_ms``): the benchmark's ``count_over_ms``."""
    out: dict[str, list[float]] = {}
    for name, limits in normalize_slo(slo).items():
        for rule in limits:
            if rule["hard"] and rule["fail_ratio"] is not None:
                values = out.setdefault(SLO_METRICS[name], [])
                if rule["max_ms"] not in values:
                    values.append(rule["max_ms"])
    return out


def slo_penalty(rule: dict[str, Any], observed: float) -> float:
    """The penalty of one exceeded limit (see the module docstring); 0 when it is met."""
    if observed <= rule["max_ms"]:
        return 0.0
    excess = observed / rule["max_ms"] - 1.0
    if rule.get("penalty") == "exponential":
        steepness = rule.get("steepness") or DEFAULT_STEEPNESS
        # Bounded so that a wild excess cannot overflow: the score is then ~0 either way.
        return float(rule["weight"] * math.exp(min(excess / steepness, 700.0)))
    return float(rule["weight"] * excess)


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
    rules = normalize_slo(slo)
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
        for name, limits in rules.items():
            metric = SLO_METRICS[name]
            shown = name.upper() if name != "latency" else "latency"
            for rule in limits:
                observed = (level.get(metric) or {}).get(rule["percentile"])
                slow_fraction: float | None = None
                if rule["hard"] and rule["fail_ratio"] is not None:
                    counted = ((level.get("over_ms") or {}).get(metric) or {}).get(over_key(rule["max_ms"]))
                    if counted is None:
                        return ScoreResult(
                            None,
                            True,
                            f"The benchmark did not count the {name} requests over {rule['max_ms']:g} ms at "
                            f"{_level_name(level)}, so fail_ratio cannot be checked: run the experiment again.",
                            objective,
                            gpus,
                        )
                    slow_fraction = int(counted) / int(level["requests_succeeded"])
                over = observed is not None and observed > rule["max_ms"]
                fails = slow_fraction > rule["fail_ratio"] if slow_fraction is not None else (rule["hard"] and over)
                if not over and not fails:
                    continue
                violation: dict[str, Any] = {
                    "slo": name,
                    "percentile": rule["percentile"],
                    "max_ms": rule["max_ms"],
                    "observed_ms": observed,
                    "hard": rule["hard"],
                    "failed": fails,
                    "scenario": level.get("scenario"),
                    "concurrency": level.get("concurrency"),
                }
                if slow_fraction is not None:
                    violation["slow_fraction"] = round(slow_fraction, 6)
                    violation["fail_ratio"] = rule["fail_ratio"]
                violations.append(violation)
                if fails:
                    if slow_fraction is not None:
                        hard_reasons.append(
                            f"{slow_fraction:.1%} of requests had {shown} over {rule['max_ms']:g} ms "
                            f"(more than the tolerated {rule['fail_ratio']:.1%}) at {_level_name(level)}"
                        )
                    else:
                        hard_reasons.append(
                            f"{rule['percentile']} {shown} {observed:.1f} ms > {rule['max_ms']:g} ms at {_level_name(level)}"
                        )
                elif observed is not None:
                    penalty += slo_penalty(rule, observed)
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
