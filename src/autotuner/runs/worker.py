"""The tuning worker: runs started tasks one at a time, recording every experiment.

Embedded in ``autotuner serve`` (a background thread) or run alone by ``autotuner worker``; one
worker per database. Tasks whose status is ``running`` are its queue, oldest start first. When it
starts, a task it finds ``running`` resumes: its recorded experiments are replayed into the
search, and an experiment left half-done by a stopped service is marked failed. Cancelling
(``cancel_requested``, set by the API) stops the engine within seconds; shutting the worker down
stops the engine too, and leaves the task ``running`` so the next start resumes it.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from autotuner.core.actors import COMMAND_RUNTIME_OFF
from autotuner.core.enums import ACTIVE_EXPERIMENT, ExperimentStatus, Runtime, TaskStatus
from autotuner.core.errors import AutotunerError
from autotuner.db.base import utcnow
from autotuner.db.models import Experiment, Task
from autotuner.db.session import session_scope
from autotuner.runs import events, service
from autotuner.runtimes.loading import catalog_release
from autotuner.tasks.service import task_config
from autotuner.tuning.engine.gpus import detected_gpu_count
from autotuner.tuning.engine.preflight import EngineMissing, check_engine
from autotuner.tuning.engine.process import stop_stale_engines
from autotuner.tuning.experiment import ExperimentOutcome
from autotuner.tuning.runner import SearchHooks, run_search
from autotuner.tuning.scoring import is_better

log = logging.getLogger("autotuner.worker")

INTERRUPTED = "Interrupted: the service stopped during this experiment."
SHUTDOWN = "Interrupted by the service shutting down; the task resumes at the next start."


class Worker:
    def __init__(
        self,
        factory: sessionmaker[Session],
        log_dir: Path,
        *,
        allow_command_runtime: bool,
        poll_interval: float = 1.0,
        cwd: Path | None = None,
    ) -> None:
        self.factory = factory
        self.log_dir = Path(log_dir)
        self.poll_interval = poll_interval
        self.cwd = cwd
        self.allow_command_runtime = allow_command_runtime
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._cancel = threading.Event()
        self._thread: threading.Thread | None = None
        self._recovered = False

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run_forever, name="autotuner-worker", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 60.0) -> None:
        """Stop after tearing down the running engine (the task stays running, to resume)."""
        self._stop.set()
        self._cancel.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def notify(self) -> None:
        """Look for work now (a task was started or cancelled)."""
        self._wake.set()

    def run_forever(self) -> None:
        log.info("Worker started")
        while not self._stop.is_set():
            try:
                worked = self.run_once()
            except Exception:  # keep the worker alive; the error is in worker.log
                log.exception("Worker loop error")
                worked = False
            if not worked:
                self._wake.wait(self.poll_interval)
                self._wake.clear()
        log.info("Worker stopped")

    # --- one task ----------------------------------------------------------------------------

    def recover(self) -> None:
        """After a service that stopped without a teardown: engines it left running are stopped
        (from their ``.pid`` records, see :func:`~autotuner.tuning.engine.process.stop_stale_engines`)
        and experiments it left mid-way are marked failed (they are replayed as failures, not
        retried)."""
        stopped = stop_stale_engines(self.log_dir / "tasks")
        if stopped:
            log.warning("Stopped %d engine(s) left running by a service that did not shut down cleanly", stopped)
        with session_scope(self.factory, write=True) as session:
            for experiment in session.scalars(select(Experiment).where(Experiment.status.in_(ACTIVE_EXPERIMENT))):
                experiment.status = ExperimentStatus.failed
                experiment.error_message = INTERRUPTED
                experiment.ended_at = utcnow()
                events.record(
                    session, experiment.task_id, events.EXPERIMENT_FINISHED, events.experiment_data(experiment)
                )
        self._recovered = True

    def run_once(self) -> bool:
        """Run the next started task to its end (or until stopped). Returns False when idle."""
        if not self._recovered:
            self.recover()
        with session_scope(self.factory) as session:
            task = session.scalar(
                select(Task).where(Task.status == TaskStatus.running).order_by(Task.started_at, Task.id).limit(1)
            )
            if task is None:
                return False
            task_id, config = task.id, task_config(task)
        self.run_task(task_id, config)
        return True

    def run_task(self, task_id: int, config: dict[str, Any]) -> None:
        self._cancel.clear()
        if self._stop.is_set():  # stop() came before the clear: honour it (it sets _stop first)
            self._cancel.set()
        task_log = service.task_log_path(self.log_dir, task_id)
        task_log.parent.mkdir(parents=True, exist_ok=True)
        watcher = threading.Thread(target=self._watch_cancel, args=(task_id,), daemon=True)
        watcher.start()
        try:
            self._run_task(task_id, config, task_log)
        finally:
            self._cancel.set()  # ends the watcher
            watcher.join(5)

    def _say(self, task_log: Path, message: str) -> None:
        log.info("%s", message)
        with open(task_log, "a", encoding="utf-8") as handle:
            handle.write(f"{utcnow().isoformat(timespec='seconds')} {message}\n")

    def _run_task(self, task_id: int, config: dict[str, Any], task_log: Path) -> None:
        with session_scope(self.factory) as session:
            cancelled_before = session.scalar(select(Task.cancel_requested).where(Task.id == task_id))
        if cancelled_before:  # cancelled while it waited for the worker: run nothing
            self._finish(task_id, TaskStatus.cancelled, None, task_log, stop_reason="cancelled by the user")
            return
        if config.get("base_runtime") == Runtime.command and not self.allow_command_runtime:
            self._finish(task_id, TaskStatus.failed, COMMAND_RUNTIME_OFF, task_log)
            return
        try:
            found = check_engine(config, cwd=self.cwd, release=catalog_release(config.get("base_runtime")))
        except EngineMissing as exc:
            self._finish(task_id, TaskStatus.failed, str(exc), task_log)
            return
        if found.note:
            self._say(task_log, found.note)
        with session_scope(self.factory, write=True) as session:
            task = session.get_one(Task, task_id)
            failure: str | None
            try:
                resumed = service.resume_search(session, task)
            except AutotunerError as exc:
                failure = exc.message
            else:
                failure = None
                task.experiments_total = min(resumed.strategy.max_iterations, resumed.strategy.valid_count)
                task.experiments_done = resumed.replayed
                events.record_status(session, task)
        if failure is not None:
            self._finish(task_id, TaskStatus.failed, failure, task_log)
            return
        strategy, replayed, next_sequence = resumed.strategy, resumed.replayed, resumed.next_sequence
        self._say(
            task_log,
            f"Task {task_id} '{config['task_name']}': {strategy.name} over {strategy.valid_count:,} valid combination(s)"
            + (f", resuming after {replayed} recorded experiment(s)" if replayed else ""),
        )
        gpu_count = detected_gpu_count()
        hooks = SearchHooks(
            start=lambda seq, combo: self._start_experiment(task_id, seq, combo, task_log),
            status=lambda seq, status: self._experiment_status(task_id, seq, status),
            finish=lambda seq, combo, outcome: self._finish_experiment(task_id, seq, outcome, task_log),
        )
        reason = run_search(
            config,
            strategy,
            hooks,
            first_sequence=next_sequence,
            cancel_event=self._cancel,
            gpu_count=gpu_count or None,
            cwd=self.cwd,
        )
        if self._stop.is_set():
            self._say(task_log, f"Task {task_id} paused: the service is shutting down; it resumes at the next start")
            return
        if reason == "cancelled":
            self._finish(task_id, TaskStatus.cancelled, None, task_log, stop_reason="cancelled by the user")
            return
        with session_scope(self.factory) as session:
            succeeded = session.scalar(
                select(Experiment.id)
                .where(Experiment.task_id == task_id, Experiment.status == ExperimentStatus.succeeded)
                .limit(1)
            )
        if succeeded is None:
            self._finish(
                task_id,
                TaskStatus.failed,
                "No experiment succeeded: open the experiments' errors and logs to see why.",
                task_log,
                stop_reason=reason,
            )
        else:
            self._finish(task_id, TaskStatus.completed, None, task_log, stop_reason=reason)

    def _start_experiment(self, task_id: int, sequence: int, combination: dict[str, Any], task_log: Path) -> Path:
        path = service.experiment_log_path(self.log_dir, task_id, sequence)
        path.parent.mkdir(parents=True, exist_ok=True)
        with session_scope(self.factory, write=True) as session:
            experiment = Experiment(
                task_id=task_id,
                sequence=sequence,
                parameters=combination,
                status=ExperimentStatus.deploying,
                started_at=utcnow(),
                log_path=str(path),
            )
            session.add(experiment)
            session.flush()
            events.record(session, task_id, events.EXPERIMENT_STARTED, events.experiment_data(experiment))
        self._say(task_log, f"Experiment {sequence}: {combination}")
        return path

    def _experiment_status(self, task_id: int, sequence: int, status: str) -> None:
        with session_scope(self.factory, write=True) as session:
            experiment = session.scalars(
                select(Experiment).where(Experiment.task_id == task_id, Experiment.sequence == sequence)
            ).one()
            experiment.status = status
            events.record(session, task_id, events.EXPERIMENT_STATUS, events.experiment_data(experiment))

    def _finish_experiment(self, task_id: int, sequence: int, outcome: ExperimentOutcome, task_log: Path) -> None:
        status, error = outcome.status, outcome.error
        if status == ExperimentStatus.cancelled and self._stop.is_set():
            error = SHUTDOWN
        with session_scope(self.factory, write=True) as session:
            experiment = session.scalars(
                select(Experiment).where(Experiment.task_id == task_id, Experiment.sequence == sequence)
            ).one()
            experiment.status = status
            experiment.metrics = outcome.metrics
            experiment.score = outcome.score
            experiment.error_message = error
            experiment.command = outcome.command
            experiment.ended_at = outcome.ended_at
            session.flush()
            task = session.get_one(Task, task_id)
            if status != ExperimentStatus.cancelled:
                task.experiments_done = (task.experiments_done or 0) + 1
            if status == ExperimentStatus.succeeded:
                best = session.get(Experiment, task.best_experiment_id) if task.best_experiment_id else None
                if is_better(outcome.score, best.score if best is not None else None):
                    task.best_experiment_id = experiment.id
            session.flush()
            events.record(session, task_id, events.EXPERIMENT_FINISHED, events.experiment_data(experiment))
            events.record_status(session, task)
        detail = f"score {outcome.score:.4g}" if outcome.score is not None else (error or "")
        self._say(task_log, f"Experiment {sequence} {status}: {detail}")

    def _finish(
        self, task_id: int, status: str, error: str | None, task_log: Path, stop_reason: str | None = None
    ) -> None:
        with session_scope(self.factory, write=True) as session:
            task = session.get_one(Task, task_id)
            task.status = status
            task.error_message = error
            task.stop_reason = stop_reason
            task.cancel_requested = False
            task.completed_at = utcnow()
            session.flush()
            events.record_status(session, task)
            # Written before the commit: a reader that sees the task ended finds its last log line.
            self._say(
                task_log,
                f"Task {task_id} {status}" + (f": {error}" if error else f" ({stop_reason})" if stop_reason else ""),
            )

    def _watch_cancel(self, task_id: int) -> None:
        """Turn the database's cancel flag into the running experiment's cancel event."""
        while not self._cancel.wait(0.5):
            try:
                with session_scope(self.factory) as session:
                    requested = session.scalar(select(Task.cancel_requested).where(Task.id == task_id))
            except Exception:  # a transient database error: try again
                log.exception("Could not read the cancel flag of task %s", task_id)
                continue
            if requested is None or requested:
                self._cancel.set()
                return
