"""Experiments written straight into the test's database (the worker's columns, as it writes
them), for tasks and presets made through the real API."""

from __future__ import annotations

from typing import Any

from autotuner.db.models import Experiment, Task
from autotuner.db.session import session_scope


def context(gpu_model: str | None, **extra: Any) -> dict[str, Any]:
    return {
        "runtime": "sglang",
        "runtime_version": None,
        "model_id": "meta-llama/Llama-3.1-8B-Instruct",
        "model_params_b": 8.03,
        "gpu_model": gpu_model,
        "gpu_memory_gb": 80.0 if gpu_model else None,
        "gpu_count": 8 if gpu_model else None,
        "scenario": ["D(100,100)"],
        "concurrency": [1],
        "objective": "maximize_throughput",
        **extra,
    }


def add_experiments(
    app: Any, task_id: int, rows: list[tuple[dict[str, Any], float | None, dict[str, Any]]]
) -> list[int]:
    """Add (parameters, score, context) experiments to a task (score None: failed); the best
    scored one becomes the task's best. Their ids, in order."""
    ids = []
    with session_scope(app.state.session_factory, write=True) as session:
        task = session.get(Task, task_id)
        assert task is not None
        best: Experiment | None = None
        for sequence, (parameters, score, ctx) in enumerate(rows, start=1):
            experiment = Experiment(
                task_id=task_id,
                sequence=sequence,
                parameters=parameters,
                status="succeeded" if score is not None else "failed",
                score=score,
                context=ctx,
            )
            session.add(experiment)
            session.flush()
            ids.append(experiment.id)
            if score is not None and (best is None or score > (best.score or 0)):
                best = experiment
        task.best_experiment_id = best.id if best else None
        task.status = "completed"
    return ids
