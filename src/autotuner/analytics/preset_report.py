"""``GET /api/presets/{id}/analytics``: what a preset's values did in the tasks made with it.

* A task used a preset when its provenance (written when the task was created from presets) names
  it; the version is the one it was merged at.
* Contexts group the succeeded experiments of those tasks by runtime, model, hardware (GPU model,
  else CPU model) and objective: best and median score. Scores of different objectives are never
  mixed.
* A win: the task's best experiment lies within the preset's values (every flag of the preset it
  sets has one of the preset's values). win_rate = wins / tasks with a best experiment.
* Trend: best and median score per preset version, over the tasks made with that version.
* Compared: every other preset used in the same tasks, with the same win rule and the median score
  of the experiments whose values come from it.

Everything is read with a fixed number of queries (tasks, a GROUP BY of experiment counts, the
scored experiments), whatever the number of tasks and experiments.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy.orm import Session

from autotuner.analytics.evidence import (
    Allowed,
    allowed_values,
    experiment_counts,
    median,
    readable_tasks,
    scored_rows,
    within,
)
from autotuner.analytics.schemas import ComparedPreset, ContextResult, PresetAnalytics, TrendPoint, VersionUse
from autotuner.core.actors import Actor
from autotuner.presets import service as presets_service


def _uses(provenance: dict[str, Any] | None) -> list[dict[str, Any]]:
    if not isinstance(provenance, dict):
        return []
    return [p for p in provenance.get("presets") or [] if isinstance(p, dict) and isinstance(p.get("id"), int)]


def context_key(context: dict[str, Any] | None, runtime: str, model_id: str, objective: str) -> tuple[str, ...]:
    ctx = context or {}
    hardware = ctx.get("gpu_model") or ctx.get("cpu_model") or ""
    return (
        str(ctx.get("runtime") or runtime),
        str(ctx.get("model_id") or model_id),
        str(hardware),
        str(ctx.get("objective") or objective),
    )


def _label(key: tuple[str, ...]) -> str:
    runtime, model_id, hardware, objective = key
    return f"{model_id} on {runtime}, {hardware or 'unknown hardware'}, {objective}"


def preset_analytics(session: Session, ref: int | str, actor: Actor) -> PresetAnalytics:
    preset = presets_service.get_preset(session, ref, actor)
    tasks = {t.id: t for t in readable_tasks(session, actor, with_provenance=True)}
    used_version: dict[int, int] = {}
    # For every preset used alongside: its name and its values, per task.
    spaces: dict[int, dict[int, Allowed]] = defaultdict(dict)
    names: dict[int, str] = {}
    for task in tasks.values():
        uses = _uses(task.provenance)
        if not any(u["id"] == preset.id for u in uses):
            continue
        for use in uses:
            spaces[use["id"]][task.id] = allowed_values(use.get("parameters") or {})
            names[use["id"]] = str(use.get("name") or use["id"])
            if use["id"] == preset.id:
                used_version[task.id] = int(use.get("version") or 1)
    task_ids = sorted(used_version)
    counts = experiment_counts(session, task_ids)
    rows = scored_rows(session, task_ids)
    by_task: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        by_task[row.task_id].append(row)
    best = {}
    for task_id in task_ids:
        best_id = tasks[task_id].best_experiment_id
        match = next((r for r in by_task[task_id] if r.id == best_id), None)
        if match is None and by_task[task_id]:  # no recorded best: the highest score
            match = max(by_task[task_id], key=lambda r: r.score)
        if match is not None:
            best[task_id] = match

    versions: dict[int, dict[str, Any]] = defaultdict(lambda: {"tasks": 0, "experiments": 0, "scores": []})
    contexts: dict[tuple[str, ...], list[float]] = defaultdict(list)
    for task_id in task_ids:
        entry = versions[used_version[task_id]]
        entry["tasks"] += 1
        entry["experiments"] += counts.get(task_id, 0)
        task = tasks[task_id]
        for row in by_task[task_id]:
            entry["scores"].append(row.score)
            contexts[context_key(row.context, task.runtime, task.model_id, task.objective)].append(row.score)

    def wins_of(preset_id: int, among: list[int]) -> int:
        return sum(1 for t in among if t in best and within(best[t].keys, spaces[preset_id].get(t, {})))

    judged = [t for t in task_ids if t in best]
    wins = wins_of(preset.id, judged)
    compared = []
    for other_id, per_task in spaces.items():
        if other_id == preset.id:
            continue
        together = sorted(per_task)
        together_judged = [t for t in together if t in best]
        other_wins = wins_of(other_id, together_judged)
        scores = [r.score for t in together for r in by_task[t] if within(r.keys, per_task[t])]
        compared.append(
            ComparedPreset(
                preset_id=other_id,
                preset_name=names[other_id],
                tasks_together=len(together),
                wins=other_wins,
                win_rate=other_wins / len(together_judged) if together_judged else None,
                median_score=median(scores),
            )
        )
    compared.sort(key=lambda c: (-c.tasks_together, c.preset_id))
    return PresetAnalytics(
        preset_id=preset.id,
        preset_name=preset.name,
        tasks=len(task_ids),
        experiments=sum(counts.get(t, 0) for t in task_ids),
        by_version=[
            VersionUse(version=v, tasks=e["tasks"], experiments=e["experiments"]) for v, e in sorted(versions.items())
        ],
        contexts=[
            ContextResult(
                key="|".join(key),
                label=_label(key),
                runtime=key[0],
                model_id=key[1],
                gpu_model=key[2] or None,
                objective=key[3],
                best_score=max(scores),
                median_score=median(scores),
                experiments=len(scores),
            )
            for key, scores in sorted(contexts.items())
        ],
        wins=wins,
        win_rate=wins / len(judged) if judged else None,
        trend=[
            TrendPoint(
                version=v,
                best_score=max(e["scores"]) if e["scores"] else None,
                median_score=median(e["scores"]),
            )
            for v, e in sorted(versions.items())
        ],
        compared=compared,
    )
