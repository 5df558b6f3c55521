"""The tuning worker: runs started tasks, recording every experiment.

Embedded in ``autotuner serve`` (a background thread) or run alone by ``autotuner worker``; one
worker per database. Every task whose status is ``running`` gets a thread; each task runs up to
``optimization.parallel`` experiments at once on devices of the worker's pool
(:class:`~autotuner.tuning.engine.gpus.DevicePool`), which the tasks share fairly (see
:mod:`autotuner.tuning.runner`). When it starts, a task it finds ``running`` resumes: its
recorded experiments are replayed into the search, and an experiment left half-done by a service
that died is marked cancelled (``INTERRUPTED``) so that its combination runs again. Cancelling
(``cancel_requested``, set by the API) stops the task's engines within seconds; shutting the
worker down stops every engine too, and leaves the tasks ``running`` so the next start resumes them.
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
from autotuner.tasks.context import experiment_context
from autotuner.tasks.service import task_config
from autotuner.tuning.engine.containers import remove_leftover_containers
from autotuner.tuning.engine.gpus import DevicePool, service_pool
from autotuner.tuning.engine.preflight import EngineMissing, check_engine
from autotuner.tuning.engine.process import stop_stale_engines
from autotuner.tuning.experiment import ExperimentOutcome
from autotuner.tuning.runner import ExperimentExecutor, SearchHooks, run_search
from autotuner.tuning.scoring import OBJECTIVES
from autotuner.tuning.verdict import objective_values

log = logging.getLogger("autotuner.worker")

INTERRUPTED = "Interrupted: the service stopped during this experiment; it runs again when the task resumes."
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
        pool: DevicePool | None = None,
        executor: ExperimentExecutor | None = None,
    ) -> None:
        self.factory = factory
        self.log_dir = Path(log_dir)
        self.poll_interval = poll_interval
        self.cwd = cwd
        self.allow_command_runtime = allow_command_runtime
        self.pool = pool or service_pool()
        self.executor = executor  # None: experiments run on this machine's pool
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._cancels: dict[int, threading.Event] = {}  # the tasks running now
        self._task_threads: dict[int, threading.Thread] = {}
        self._thread: threading.Thread | None = None
        self._recovered = False
        self.state = "stopped"

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run_forever, name="autotuner-worker", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 60.0) -> None:
        """Stop after tearing down the running engines (the tasks stay running, to resume)."""
        self._stop.set()
        with self._lock:
            for event in self._cancels.values():
                event.set()
        self.pool.wake()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        with self._lock:  # after the loop ended, so no task thread starts after this list
            threads = list(self._task_threads.values())
        for thread in threads:  # a thread started meanwhile sees _stop and cancels at once
            thread.join(timeout)
        self.state = "stopped"

    def running_tasks(self) -> list[int]:
        with self._lock:
            return sorted(self._cancels)

    def notify(self) -> None:
        """Look for work now (a task was started or cancelled)."""
        self._wake.set()

    def run_forever(self) -> None:
        if self.executor is not None:
            log.info("Worker started: experiments run on the Ray cluster at %s", getattr(self.executor, "address", "?"))
        else:
            log.info("Worker started with %d %s(s) in its pool", self.pool.size, self.pool.kind)
        self.state = "running"
        while not self._stop.is_set():
            try:
                self.dispatch()
            except Exception:  # keep the worker alive; the error is in worker.log
                log.exception("Worker loop error")
            self._wake.wait(self.poll_interval)
            self._wake.clear()
        log.info("Worker stopped")

    def dispatch(self) -> int:
        """Give every running task that has none a thread of its own; returns how many started."""
        if not self._recovered:
            self.recover()
        with self._lock:
            for task_id, thread in list(self._task_threads.items()):
                if not thread.is_alive():
                    del self._task_threads[task_id]
        started = 0
        for task_id, config in self._queued():
            if self._stop.is_set():
                break
            thread = threading.Thread(
                target=self._run_guarded, args=(task_id, config), name=f"autotuner-task-{task_id}", daemon=True
            )
            with self._lock:
                self._task_threads[task_id] = thread
            thread.start()
            started += 1
        return started

    def _queued(self) -> list[tuple[int, dict[str, Any]]]:
        """Running tasks without a thread, oldest start first."""
        with session_scope(self.factory) as session:
            tasks = session.scalars(
                select(Task).where(Task.status == TaskStatus.running).order_by(Task.started_at, Task.id)
            ).all()
            with self._lock:
                busy = set(self._task_threads) | set(self._cancels)
            return [(task.id, task_config(task)) for task in tasks if task.id not in busy]

    def _run_guarded(self, task_id: int, config: dict[str, Any]) -> None:
        try:
            self.run_task(task_id, config)
        except Exception:
            log.exception("Task %s stopped on an error", task_id)
        finally:
            self._wake.set()

    # --- one task ----------------------------------------------------------------------------

    def recover(self) -> None:
        """After a service that stopped without a teardown: engines it left running are stopped
        (from their ``.pid`` records, see :func:`~autotuner.tuning.engine.process.stop_stale_engines`;
        their supervisors normally stopped them already) and experiments it left mid-way are
        marked cancelled with ``INTERRUPTED``: they are not replayed, so they run again."""
        stopped = stop_stale_engines(self.log_dir / "tasks")
        if stopped:
            log.warning("Stopped %d engine(s) left running by a service that did not shut down cleanly", stopped)
        removed = remove_leftover_containers()
        if removed:
            log.warning("Removed %d engine container(s) left by a service that did not shut down cleanly", removed)
        with session_scope(self.factory, write=True) as session:
            for experiment in session.scalars(select(Experiment).where(Experiment.status.in_(ACTIVE_EXPERIMENT))):
                experiment.status = ExperimentStatus.cancelled
                experiment.error_message = INTERRUPTED
                experiment.ended_at = utcnow()
                events.record(
                    session, experiment.task_id, events.EXPERIMENT_FINISHED, events.experiment_data(experiment)
                )
        self._recovered = True

    def run_once(self) -> bool:
        """Run the next started task to its end (or until stopped) in this thread. Returns False
        when idle."""
        if not self._recovered:
            self.recover()
        queued = self._queued()
        if not queued:
            return False
        self.run_task(*queued[0])
        return True

    def run_task(self, task_id: int, config: dict[str, Any]) -> None:
        cancel = threading.Event()
        with self._lock:
            self._cancels[task_id] = cancel
        if self._stop.is_set():  # stop() came before we registered: honour it
            cancel.set()
        task_log = service.task_log_path(self.log_dir, task_id)
        task_log.parent.mkdir(parents=True, exist_ok=True)
        done = threading.Event()
        watcher = threading.Thread(target=self._watch_cancel, args=(task_id, cancel, done), daemon=True)
        watcher.start()
        try:
            self._run_task(task_id, config, task_log, cancel)
        finally:
            done.set()  # ends the watcher
            watcher.join(5)
            with self._lock:
                self._cancels.pop(task_id, None)

    def _say(self, task_log: Path, message: str) -> None:
        log.info("%s", message)
        with open(task_log, "a", encoding="utf-8") as handle:
            handle.write(f"{utcnow().isoformat(timespec='seconds')} {message}\n")

    def _run_task(self, task_id: int, config: dict[str, Any], task_log: Path, cancel: threading.Event) -> None:
        with session_scope(self.factory) as session:
            cancelled_before = session.scalar(select(Task.cancel_requested).where(Task.id == task_id))
        if cancelled_before:  # cancelled while it waited for the worker: run nothing
            self._finish(task_id, TaskStatus.cancelled, None, task_log, stop_reason="cancelled by the user")
            return
        if config.get("base_runtime") == Runtime.command and not self.allow_command_runtime:
            self._finish(task_id, TaskStatus.failed, COMMAND_RUNTIME_OFF, task_log)
            return
        try:
            release = catalog_release(config.get("base_runtime"), config.get("runtime_version"))
            found = check_engine(config, cwd=self.cwd, release=release)
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
                planned = min(resumed.strategy.max_iterations, resumed.strategy.valid_count)
                task.experiments_total = planned + resumed.repeats.planned(planned)
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
        repeat_of: dict[int, int] = {}  # sequence of a repeat -> sequence of its original
        hooks = SearchHooks(
            start=lambda seq, combo: self._start_experiment(task_id, seq, combo, task_log, repeat_of.get(seq)),
            status=lambda seq, status: self._experiment_status(task_id, seq, status),
            finish=lambda seq, combo, outcome: self._finish_experiment(task_id, seq, outcome, task_log),
            repeat=repeat_of.__setitem__,
        )
        reason = run_search(
            config,
            strategy,
            hooks,
            first_sequence=next_sequence,
            cancel_event=cancel,
            cwd=self.cwd,
            pool=self.pool,
            group=task_id,
            label={"task_id": task_id, "task_name": config["task_name"]},
            repeats=resumed.repeats,
            pruner=resumed.pruner,
            executor=self.executor,
            parallel=self.executor.parallel(config) if self.executor is not None else None,
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

    def _start_experiment(
        self, task_id: int, sequence: int, combination: dict[str, Any], task_log: Path, repeats: int | None = None
    ) -> Path:
        """Record the experiment as deploying; ``repeats``: the sequence of the original it repeats."""
        path = service.experiment_log_path(self.log_dir, task_id, sequence)
        path.parent.mkdir(parents=True, exist_ok=True)
        with session_scope(self.factory, write=True) as session:
            original = (
                session.scalar(
                    select(Experiment.id).where(Experiment.task_id == task_id, Experiment.sequence == repeats)
                )
                if repeats is not None
                else None
            )
            experiment = Experiment(
                task_id=task_id,
                sequence=sequence,
                parameters=combination,
                status=ExperimentStatus.deploying,
                started_at=utcnow(),
                log_path=str(path),
                repeat_of=original,
            )
            task = session.get(Task, task_id)
            experiment.context = experiment_context(task, combination) if task is not None else None
            session.add(experiment)
            session.flush()
            events.record(session, task_id, events.EXPERIMENT_STARTED, events.experiment_data(experiment))
        self._say(
            task_log,
            f"Experiment {sequence}" + (f" (repeat of {repeats})" if repeats is not None else "") + f": {combination}",
        )
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
            experiment.node = outcome.node
            task = session.get_one(Task, task_id)
            if status == ExperimentStatus.succeeded:
                experiment.objective_values = objective_values(
                    outcome.metrics, OBJECTIVES, parameters=experiment.parameters, runtime=task.base_runtime
                )
            session.flush()
            if status != ExperimentStatus.cancelled:
                task.experiments_done = (task.experiments_done or 0) + 1
            service.refresh_results(session, task)
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
            if task.verdict and status == TaskStatus.completed:
                self._say(task_log, f"Verdict: {task.verdict['sentence']}")
            # Written before the commit: a reader that sees the task ended finds its last log line.
            self._say(
                task_log,
                f"Task {task_id} {status}" + (f": {error}" if error else f" ({stop_reason})" if stop_reason else ""),
            )

    def _watch_cancel(self, task_id: int, cancel: threading.Event, done: threading.Event) -> None:
        """Turn the database's cancel flag into the task's cancel event (its experiments stop)."""
        while not done.wait(0.5) and not cancel.is_set():
            try:
                with session_scope(self.factory) as session:
                    requested = session.scalar(select(Task.cancel_requested).where(Task.id == task_id))
            except Exception:  # a transient database error: try again
                log.exception("Could not read the cancel flag of task %s", task_id)
                continue
            if requested is None or requested:
                cancel.set()
                self.pool.wake()
                return
