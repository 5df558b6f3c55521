"""Parameter importance and marginal effects (``GET /api/analytics/importance``).

Method: first-order functional ANOVA on the observed experiments. For each flag, the share of the
score's variance explained by its value alone: sum over values of n_v x (mean_v - mean)^2, divided
by the total sum of squares (the correlation ratio, eta squared); the shares are normalised to sum
to 1. Across tasks, scores are first standardised within each task (z-scores), so tasks with other
scales or objectives do not drown each other.

Why not Optuna's FanovaImportanceEvaluator (a random forest fitted per call) or
PedAnovaImportanceEvaluator: both need the experiments rebuilt as an Optuna study with a
distribution per flag, and fANOVA's forest costs seconds at 10,000 experiments; the tuner's spaces
are discrete grids, where the main effects are computed exactly in one pass (O(experiments x
flags)). Interactions between flags are not separated (they are in no flag's share).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from autotuner.analytics.evidence import Row, flat, quartiles, readable_tasks, scored_rows, value_key
from autotuner.analytics.schemas import ImportanceReport, Marginal, ParameterImportance, ValueStats
from autotuner.core.actors import Actor
from autotuner.tasks import service as tasks_service

METHOD = (
    "first-order functional ANOVA (variance share of each flag's main effect, eta squared), "
    "scores standardised per task"
)


def _standardised(rows: Sequence[Row]) -> list[tuple[dict[str, Any], float]]:
    by_task: dict[int, list[Row]] = defaultdict(list)
    for row in rows:
        by_task[row.task_id].append(row)
    out = []
    for task_rows in by_task.values():
        scores = [r.score for r in task_rows]
        mean = sum(scores) / len(scores)
        spread = math.sqrt(sum((s - mean) ** 2 for s in scores) / len(scores))
        for row in task_rows:
            out.append((row.keys, (row.score - mean) / spread if spread > 0 else 0.0))
    return out


def importance(samples: Sequence[tuple[dict[str, Any], float]]) -> list[tuple[str, float]]:
    """(flag, share) sorted by share, for flags that took at least two values; ``samples`` are
    ``({flag: value (or its key)}, score)``."""
    if not samples:
        return []
    scores = [s for _, s in samples]
    mean = sum(scores) / len(scores)
    total = sum((s - mean) ** 2 for s in scores)
    names = sorted({name for params, _ in samples for name in params})
    raw: dict[str, float] = {}
    for name in names:
        groups: dict[str, list[float]] = defaultdict(list)
        for params, score in samples:
            groups[str(params.get(name))].append(score)
        if len(groups) < 2:
            continue
        between = sum(len(g) * (sum(g) / len(g) - mean) ** 2 for g in groups.values())
        raw[name] = between / total if total > 0 else 0.0
    shares = sum(raw.values())
    if shares <= 0:
        return sorted(((n, 1 / len(raw)) for n in raw), key=lambda x: x[0]) if raw else []
    return sorted(((n, v / shares) for n, v in raw.items()), key=lambda x: (-x[1], x[0]))


def marginals(rows: Sequence[Row]) -> list[Marginal]:
    """The raw score distribution per value of each flag."""
    per_flag: dict[str, dict[str, tuple[Any, list[float]]]] = defaultdict(dict)
    for row in rows:
        keys = row.keys
        for name, value in flat(row.parameters).items():
            entry = per_flag[name].get(keys[name])
            if entry is None:
                entry = per_flag[name][keys[name]] = (value, [])
            entry[1].append(row.score)
    out = []
    for name in sorted(per_flag):
        values = []
        for value, scores in per_flag[name].values():
            ordered = sorted(scores)
            q1, q3 = quartiles(ordered)
            n = len(ordered)
            middle = ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2
            values.append(
                ValueStats(
                    value=value,
                    n=n,
                    mean=sum(ordered) / n,
                    median=middle,
                    min=ordered[0],
                    max=ordered[-1],
                    q1=q1,
                    q3=q3,
                )
            )
        values.sort(key=lambda v: value_key(v.value))
        out.append(Marginal(name=name, values=values))
    return out


def importance_report(
    session: Session,
    actor: Actor,
    *,
    task_id: int | None = None,
    runtime: str | None = None,
    model_id: str | None = None,
) -> ImportanceReport:
    """Importance for one task, or across the readable tasks of a runtime and/or model."""
    if task_id is not None:
        tasks_service.get_task(session, task_id, actor)  # a sentence for a task one cannot see
        task_ids = [task_id]
    else:
        task_ids = [
            t.id
            for t in readable_tasks(session, actor)
            if (runtime is None or t.runtime == runtime) and (model_id is None or t.model_id == model_id)
        ]
    rows = scored_rows(session, task_ids, with_context=False)
    ranked = importance(_standardised(rows))
    used_tasks = len({r.task_id for r in rows})
    return ImportanceReport(
        method=METHOD,
        tasks=used_tasks,
        experiments=len(rows),
        parameters=[ParameterImportance(name=n, importance=v) for n, v in ranked],
        marginals=marginals(rows),
    )
