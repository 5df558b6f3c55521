"""Running tasks, as the API sees it: start, cancel, experiments, logs, save as preset.
The work itself is done by :mod:`autotuner.runs.worker`."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import and_, delete, false, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from autotuner.core.actors import Actor
from autotuner.core.enums import FINISHED_TASK, ExperimentStatus, Runtime, TaskStatus, Visibility, engine_runtime
from autotuner.core.errors import InvalidState, ValidationFailed
from autotuner.db import audit
from autotuner.db.base import utcnow
from autotuner.db.lookup import get_by_ref
from autotuner.db.models import Experiment, ParameterPreset, Task, TaskShare
from autotuner.db.session import begin_write
from autotuner.presets import service as presets_service
from autotuner.presets.schemas import PresetCreate
from autotuner.runs import events
from autotuner.tasks import service as tasks_service
from autotuner.tasks.service import get_task, get_task_to_change, task_config
from autotuner.tuning.strategies import Strategy, make_strategy

LOG_TAIL_BYTES = 256 * 1024


@dataclass
class ResumedSearch:
    """A task's search with its recorded experiments replayed into it."""

    strategy: Strategy
    replayed: int  # experiments that ran to an end (succeeded or failed)
    next_sequence: int


def resume_search(session: Session, task: Task) -> ResumedSearch:
    """The task's strategy, told the results of the experiments already recorded (so it never
    proposes them again); raises the strategy's sentence when the search cannot start."""
    strategy = make_strategy(task_config(task), gpus=task.gpus)
    done = list(session.scalars(select(Experiment).where(Experiment.task_id == task.id).order_by(Experiment.sequence)))
    replayed = 0
    for experiment in done:
        if experiment.status in (ExperimentStatus.succeeded, ExperimentStatus.failed):
            score = experiment.score if experiment.status == ExperimentStatus.succeeded else None
            strategy.record(experiment.parameters, score)
            replayed += 1
    next_sequence = max((e.sequence for e in done), default=0) + 1
    return ResumedSearch(strategy, replayed, next_sequence)


def _check_runtime_allowed(task: Task, actor: Actor) -> None:
    if task.base_runtime == Runtime.command:
        actor.check_may_run_commands()


def start_task(session: Session, task_id: int | str, *, actor: Actor, restarted: bool = False) -> Task:
    """Queue a task for the worker. A task with experiments continues from them; one whose every
    planned experiment has run is refused (it can be run again from the start)."""
    begin_write(session)
    task = get_task_to_change(session, task_id, actor, "start")
    if task.status == TaskStatus.running:
        raise InvalidState(f"Task '{task.task_name}' is already running.")
    _check_runtime_allowed(task, actor)
    # Fail fast on a search that cannot start (grid too large, no valid combination...), and on
    # one with nothing left to run.
    resumed = resume_search(session, task)
    if resumed.replayed and resumed.strategy.suggest() is None:
        raise InvalidState(
            f"Task '{task.task_name}' cannot continue: every experiment its search plans has run "
            f"({resumed.replayed} experiment(s); {resumed.strategy.stop_reason or 'the search is over'}). "
            f"Run it again from the start instead (Run again in the UI, POST /api/tasks/{task.id}/restart)."
        )
    task.status = TaskStatus.running
    task.cancel_requested = False
    task.error_message = None
    task.stop_reason = None
    task.completed_at = None
    if task.started_at is None:
        task.started_at = utcnow()
    session.flush()
    events.record_status(session, task, restarted=restarted)
    audit.record(session, actor, "task.start", "task", task.id, f"Started task '{task.task_name}'")
    return task


def restart_task(session: Session, task_id: int | str, *, actor: Actor) -> Task:
    """A fresh run of a task that is not running: its experiments are deleted, then it starts.
    The caller removes the old logs (:func:`remove_task_logs`) before it commits."""
    begin_write(session)
    task = get_task_to_change(session, task_id, actor, "run again")
    if task.status == TaskStatus.running:
        raise InvalidState(f"Task '{task.task_name}' is running: cancel it before you run it again.")
    _check_runtime_allowed(task, actor)
    _clear(session, task)
    task.started_at = None
    session.flush()
    audit.record(session, actor, "task.restart", "task", task.id, f"Cleared task '{task.task_name}' to run it again")
    return start_task(session, task.id, actor=actor, restarted=True)


def _clear(session: Session, task: Task) -> int:
    cleared = session.scalar(select(func.count()).select_from(Experiment).where(Experiment.task_id == task.id)) or 0
    session.execute(delete(Experiment).where(Experiment.task_id == task.id))
    task.experiments_done = 0
    task.experiments_total = None
    task.best_experiment_id = None
    events.record_cleared(session, task.id, cleared)
    return cleared


def clear_experiments(session: Session, task_id: int, *, actor: Actor) -> int:
    """Delete every experiment of a task that is not running (its logs go with them: the caller
    removes them, :func:`remove_task_logs`, before it commits). Returns how many there were."""
    begin_write(session)
    task = get_task_to_change(session, task_id, actor, "clear the experiments of")
    if task.status == TaskStatus.running:
        raise InvalidState(f"Task '{task.task_name}' is running: cancel it before you clear its experiments.")
    cleared = _clear(session, task)
    session.flush()
    audit.record(
        session,
        actor,
        "task.clear_experiments",
        "task",
        task.id,
        f"Cleared the {cleared} experiment(s) of task '{task.task_name}'",
    )
    return cleared


def remove_task_logs(log_dir: Path, task_id: int) -> None:
    """Delete a task's log folder (its log and one file per experiment)."""
    shutil.rmtree(task_log_path(log_dir, task_id).parent, ignore_errors=True)


def cancel_task(session: Session, task_id: int, actor: Actor) -> Task:
    begin_write(session)
    task = get_task_to_change(session, task_id, actor, "cancel")
    if task.status in FINISHED_TASK:
        raise InvalidState(f"Task '{task.task_name}' is already {task.status}: there is nothing to cancel.")
    if task.status == TaskStatus.pending:
        task.status = TaskStatus.cancelled
        task.completed_at = utcnow()
        task.stop_reason = "cancelled before it started"
    else:
        task.cancel_requested = True
    session.flush()
    events.record_status(session, task)
    audit.record(session, actor, "task.cancel", "task", task.id, f"Cancelled task '{task.task_name}'")
    return task


def list_experiments(session: Session, task_id: int, actor: Actor) -> list[Experiment]:
    get_task(session, task_id, actor)
    return list(session.scalars(select(Experiment).where(Experiment.task_id == task_id).order_by(Experiment.sequence)))


def readable_task_ids(actor: Actor) -> Any:
    """The ids of the tasks ``actor`` may read, as SQL (the rule of Actor.may_read)."""
    query = select(Task.id)
    if actor.is_admin:
        return query
    shared = select(TaskShare.task_id).where(TaskShare.team_id.in_(list(actor.team_roles)))
    return query.where(
        or_(
            Task.owner_id == actor.user_id if actor.user_id is not None else false(),
            Task.visibility == Visibility.public,
            and_(Task.visibility == Visibility.teams, Task.id.in_(shared)),
        )
    )


def list_all_experiments(
    session: Session,
    actor: Actor,
    *,
    status: ExperimentStatus | None = None,
    task_id: int | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[int, list[Experiment]]:
    """Experiments of every task ``actor`` may read (or of one task), newest first: how many
    match, and the page."""
    where: list[ColumnElement[bool]] = [Experiment.task_id.in_(readable_task_ids(actor))]
    if task_id is not None:
        get_task(session, task_id, actor)  # a sentence for a task one cannot see
        where.append(Experiment.task_id == task_id)
    if status is not None:
        where.append(Experiment.status == status)
    total = session.scalar(select(func.count()).select_from(Experiment).where(*where)) or 0
    rows = session.scalars(select(Experiment).where(*where).order_by(Experiment.id.desc()).offset(offset).limit(limit))
    return total, list(rows)


def get_experiment(session: Session, experiment_id: int, actor: Actor) -> Experiment:
    """An experiment of a task ``actor`` may read (else not found)."""

    def visible(experiment: Experiment) -> bool:
        task = session.get(Task, experiment.task_id)
        return task is not None and tasks_service.readable(actor, task)

    return get_by_ref(session, Experiment, experiment_id, noun="experiment", visible=visible)


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


def log_tail_offset(path: str | Path | None, tail_bytes: int = LOG_TAIL_BYTES) -> int:
    """Where the end of a log that :func:`read_log` shows starts (0 for a short or missing log)."""
    if not path:
        return 0
    try:
        with open(path, "rb") as handle:
            size = handle.seek(0, 2)
            if size <= tail_bytes:
                return 0
            handle.seek(size - tail_bytes)
            handle.readline()
            return handle.tell()
    except FileNotFoundError:
        return 0


def task_log_path(log_dir: Path, task_id: int) -> Path:
    return log_dir / "tasks" / str(task_id) / "task.log"


def experiment_log_path(log_dir: Path, task_id: int, sequence: int) -> Path:
    return log_dir / "tasks" / str(task_id) / f"experiment-{sequence}.log"


def save_as_preset(
    session: Session, experiment_id: int, name: str, description: str | None, category: str | None, actor: Actor
) -> ParameterPreset:
    """A new preset holding the experiment's combination, with the task, experiment and metrics
    in its metadata."""
    begin_write(session)
    experiment = get_experiment(session, experiment_id, actor)
    if experiment.status != ExperimentStatus.succeeded:
        raise ValidationFailed(
            f"Experiment {experiment.sequence} {experiment.status}: save a succeeded experiment as a preset."
        )
    task = session.get_one(Task, experiment.task_id)
    parameters = _as_space(experiment.parameters)
    summary = _metrics_summary(experiment.metrics)
    data = PresetCreate.model_validate(
        {
            "name": name,
            "description": description
            or f"Best configuration found by task '{task.task_name}' (experiment {experiment.sequence}).",
            "category": category or "custom",
            "runtime": engine_runtime(task.base_runtime),
            "parameters": parameters,
            "metadata": {
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
        }
    )
    return presets_service.create_preset(session, data, actor).preset


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
