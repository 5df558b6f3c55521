"""Running tasks, as the API sees it: start, cancel, experiments, logs, save as preset.
The work itself is done by :mod:`autotuner.runs.worker`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from autotuner.core.enums import FINISHED_TASK, ExperimentStatus, TaskStatus, engine_runtime
from autotuner.core.errors import InvalidState, ValidationFailed
from autotuner.db.lookup import get_by_ref
from autotuner.db.models import Experiment, Task
from autotuner.db.session import begin_write
from autotuner.presets import service as presets_service
from autotuner.presets.schemas import PresetCreate
from autotuner.tasks.service import get_task, task_config
from autotuner.tuning.strategies import make_strategy

LOG_TAIL_BYTES = 256 * 1024


def start_task(session: Session, task_id: int) -> Task:
    """Queue a task for the worker. A task with experiments continues from them."""
    begin_write(session)
    task = get_task(session, task_id)
    if task.status == TaskStatus.running:
        raise InvalidState(f"Task '{task.task_name}' is already running.")
    # Fail fast on a search that cannot start (grid too large, no valid combination...).
    make_strategy(task_config(task), gpus=task.gpus)
    task.status = TaskStatus.running
    task.cancel_requested = False
    task.error_message = None
    task.stop_reason = None
    task.completed_at = None
    if task.started_at is None:
        task.started_at = _now()
    session.flush()
    return task


def cancel_task(session: Session, task_id: int) -> Task:
    begin_write(session)
    task = get_task(session, task_id)
    if task.status in FINISHED_TASK:
        raise InvalidState(f"Task '{task.task_name}' is already {task.status}: there is nothing to cancel.")
    if task.status == TaskStatus.pending:
        task.status = TaskStatus.cancelled
        task.completed_at = _now()
        task.stop_reason = "cancelled before it started"
    else:
        task.cancel_requested = True
    session.flush()
    return task


def _now():
    from autotuner.db.base import utcnow

    return utcnow()


def list_experiments(session: Session, task_id: int) -> list[Experiment]:
    get_task(session, task_id)
    return list(session.scalars(select(Experiment).where(Experiment.task_id == task_id).order_by(Experiment.sequence)))


def get_experiment(session: Session, experiment_id: int) -> Experiment:
    return get_by_ref(session, Experiment, experiment_id, noun="experiment")


def read_log(path: str | Path | None, tail_bytes: int = LOG_TAIL_BYTES) -> str:
    """The end of a log file ('' when it does not exist yet)."""
    if not path:
        return ""
    path = Path(path)
    try:
        size = path.stat().st_size
        with open(path, "rb") as handle:
            if size > tail_bytes:
                handle.seek(size - tail_bytes)
                handle.readline()
            return handle.read().decode("utf-8", errors="replace")
    except FileNotFoundError:
        return ""


def task_log_path(log_dir: Path, task_id: int) -> Path:
    return log_dir / "tasks" / str(task_id) / "task.log"


def experiment_log_path(log_dir: Path, task_id: int, sequence: int) -> Path:
    return log_dir / "tasks" / str(task_id) / f"experiment-{sequence}.log"


def save_as_preset(
    session: Session, experiment_id: int, name: str, description: str | None, category: str | None
) -> Any:
    """A new preset holding the experiment's combination, with the task, experiment and metrics
    in its metadata."""
    begin_write(session)
    experiment = get_experiment(session, experiment_id)
    if experiment.status != ExperimentStatus.succeeded:
        raise ValidationFailed(
            f"Experiment {experiment.sequence} {experiment.status}: save a succeeded experiment as a preset."
        )
    task = session.get(Task, experiment.task_id)
    parameters = _as_space(experiment.parameters)
    summary = _metrics_summary(experiment.metrics)
    data = PresetCreate(
        name=name,
        description=description
        or f"Best configuration found by task '{task.task_name}' (experiment {experiment.sequence}).",
        category=category or "custom",
        runtime=engine_runtime(task.base_runtime),
        parameters=parameters,
        metadata={
            "author": "autotuner",
            "tags": ["tuned", task.base_runtime],
            "recommended_for": [task.model.get("id_or_path", "")],
            "source": {
                "task_id": task.id,
                "task_name": task.task_name,
                "experiment_id": experiment.id,
                "experiment_sequence": experiment.sequence,
                "objective": task.optimization.get("objective"),
                "score": experiment.score,
                "metrics": summary,
            },
        },
    )
    return presets_service.create_preset(session, data).preset


def _as_space(combination: dict[str, Any]) -> dict[str, Any]:
    return {k: _as_space(v) if isinstance(v, dict) else [v] for k, v in combination.items()}


def _metrics_summary(metrics: dict[str, Any] | None) -> dict[str, Any]:
    """The headline figures of an experiment (the full metrics stay on the experiment)."""
    if not metrics:
        return {}
    levels = [
        {
            "scenario": level.get("scenario"),
            "concurrency": level.get("concurrency"),
            "output_tokens_per_s": level.get("output_tokens_per_s"),
            "requests_per_s": level.get("requests_per_s"),
            "ttft_ms_p90": (level.get("ttft_ms") or {}).get("p90"),
            "tpot_ms_p90": (level.get("tpot_ms") or {}).get("p90"),
            "latency_ms_p90": (level.get("latency_ms") or {}).get("p90"),
        }
        for level in metrics.get("levels") or []
    ]
    return {"levels": levels, "scoring": metrics.get("scoring")}
