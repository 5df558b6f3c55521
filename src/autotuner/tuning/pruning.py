"""Early stopping of a hopeless experiment (``optimization.prune``).

The rule: after each benchmark level but the last, the experiment's score at that level (the
objective's per-level score, SLO penalties included, as :func:`~autotuner.tuning.scoring.score_metrics`
computes it) is compared with the best score any succeeded experiment of the task reached at the
same level (same traffic scenario and concurrency). When the best so far there is more than
``PRUNE_FACTOR`` (2) times as good - less than half the throughput, or more than twice the
latency - the benchmark stops, the engine is stopped, and the experiment ends ``pruned``: no score,
never ranked best, its combination not proposed again in this run (running the task again runs
it in full). Levels of an experiment that breaks a hard SLO are left to the scoring (it fails).
Repeats are never pruned; the first experiment of a task never is (nothing to compare with).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from autotuner.tuning.scoring import score_metrics

PRUNE_FACTOR = 2.0


def hopeless(score: float, best: float, factor: float = PRUNE_FACTOR) -> bool:
    """Is the best ``factor`` times as good as ``score``? (Scores: higher is better; throughput
    positive, latency objectives negative milliseconds.)"""
    if best > 0:
        return score * factor < best
    if best < 0:
        return score < best * factor
    return False


def _key(level: dict[str, Any]) -> tuple[str, int]:
    return str(level.get("scenario")), int(level.get("concurrency") or 0)


class Pruner:
    """The best score per level of the task's succeeded experiments, and the rule above."""

    def __init__(self, task: dict[str, Any], *, enabled: bool | None = None) -> None:
        optimization = task.get("optimization") or {}
        self.enabled = bool(optimization.get("prune", False)) if enabled is None else enabled
        self.objective = str(optimization.get("objective", "maximize_throughput"))
        self.slo = task.get("slo")
        self.runtime = str(task.get("base_runtime", "sglang"))
        self.best: dict[tuple[str, int], float] = {}
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        """Sent to another process (a Ray node) as the best scores known now, without the lock."""
        with self._lock:
            state = {**self.__dict__, "best": dict(self.best)}
        del state["_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def learn(self, metrics: dict[str, Any] | None) -> None:
        """Take in the levels of a succeeded experiment (its ``metrics`` with their scoring)."""
        if not metrics:
            return
        levels = metrics.get("levels") or []
        scores = (metrics.get("scoring") or {}).get("level_scores") or []
        with self._lock:
            for level, score in zip(levels, scores, strict=False):
                key = _key(level)
                if key not in self.best or score > self.best[key]:
                    self.best[key] = float(score)

    def level_score(self, level: dict[str, Any], parameters: dict[str, Any]) -> float | None:
        result = score_metrics(
            {"levels": [level]}, self.objective, parameters=parameters, slo=self.slo, runtime=self.runtime
        )
        return result.score

    def verdict(self, level: dict[str, Any], parameters: dict[str, Any]) -> str | None:
        """The sentence saying why the experiment is pruned after ``level``, or None to go on."""
        with self._lock:
            best = self.best.get(_key(level))
        if best is None:
            return None
        score = self.level_score(level, parameters)
        if score is None or not hopeless(score, best):
            return None
        scenario, concurrency = _key(level)
        return (
            f"Pruned after {scenario} at concurrency {concurrency}: the best so far there scored {best:.4g}, "
            f"more than {PRUNE_FACTOR:g} times as good as its {score:.4g}, so its engine was stopped early "
            "(run the task again to measure it in full, or set optimization.prune to false)."
        )

    def check(self, parameters: dict[str, Any]) -> Callable[[dict[str, Any]], str | None] | None:
        """What :func:`~autotuner.tuning.experiment.run_experiment` calls after each level, or None when off."""
        if not self.enabled:
            return None
        return lambda level: self.verdict(level, parameters)
