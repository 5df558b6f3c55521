"""The search loop shared by the worker (which records to the database) and ``autotuner tune``
(which prints): ask the strategy for combinations, run up to ``parallel`` experiments at once on
devices reserved from the pool, record their scores, until the strategy stops or the run is
cancelled. No database: the caller's hooks persist or print.

Each experiment runs in its own thread: it waits for its devices (:class:`DevicePool`, shared
fairly with other tasks), then calls ``hooks.start``, runs, and hands its outcome back. The
strategy is only touched from the calling thread; the hooks are called one at a time.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, Protocol

from autotuner.tuning.engine.errors import LaunchError
from autotuner.tuning.engine.gpus import DevicePool, service_pool
from autotuner.tuning.experiment import CANCELLED_MESSAGE, ExperimentOutcome, run_experiment
from autotuner.tuning.scoring import gpus_needed
from autotuner.tuning.strategies import Strategy


@dataclass
class SearchHooks:
    """Called by :func:`run_search` (one call at a time); ``start`` returns the log file of the experiment."""

    start: Callable[[int, dict[str, Any]], Path]
    status: Callable[[int, str], None]
    finish: Callable[[int, dict[str, Any], ExperimentOutcome], None]


class ExperimentExecutor(Protocol):
    """Runs one experiment somewhere other than this machine's pool (e.g. a Ray cluster).

    ``begin`` is called once the experiment holds its resources and returns its log file (the
    caller records the experiment then); the executor streams the engine's log into it. Returns
    None when cancelled before it started."""

    def run(
        self,
        task: dict[str, Any],
        combination: dict[str, Any],
        *,
        begin: Callable[[], Path],
        cancel_event: threading.Event,
        on_status: Callable[[str], None],
        cwd: str | Path | None,
    ) -> ExperimentOutcome | None: ...

    def parallel(self, task: dict[str, Any]) -> int:
        """How many experiments of ``task`` run at once there."""
        ...


def parallel_limit(task: dict[str, Any], pool: DevicePool) -> int:
    """How many experiments of ``task`` run at once: ``optimization.parallel``, else as many as the pool holds."""
    value = (task.get("optimization") or {}).get("parallel")
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    return pool.size


def _not_run(error: str, status: str = "failed") -> ExperimentOutcome:
    now = datetime.now(UTC)
    return ExperimentOutcome(status, None, None, error, [], now, now)


def run_search(
    task: dict[str, Any],
    strategy: Strategy,
    hooks: SearchHooks,
    *,
    first_sequence: int = 1,
    cancel_event: threading.Event,
    gpu_count: int | None = None,
    cwd: str | Path | None = None,
    pool: DevicePool | None = None,
    parallel: int | None = None,
    group: Any = None,
    label: dict[str, Any] | None = None,
    executor: ExperimentExecutor | None = None,
) -> str:
    """Run experiments until the strategy stops; returns why it stopped, or ``"cancelled"``.

    ``pool`` defaults to the process's (:func:`service_pool`), ``parallel`` to
    :func:`parallel_limit`; ``group`` names the task in the pool (fair sharing) and ``label`` is
    shown for the devices its experiments hold. ``executor``: run each experiment there instead of
    on the pool (it reserves its own resources)."""
    del gpu_count  # the pool's placement says which GPUs an experiment gets
    pool = pool or service_pool()
    limit = parallel or parallel_limit(task, pool)
    runtime = task.get("base_runtime", "sglang")
    results: queue.Queue[tuple[int, dict[str, Any], ExperimentOutcome | None, BaseException | None]] = queue.Queue()
    hook_lock = threading.Lock()
    in_flight: dict[int, threading.Thread] = {}

    def locked(hook: Callable[..., Any], *args: Any) -> Any:
        with hook_lock:
            return hook(*args)

    def one(sequence: int, combination: dict[str, Any]) -> None:
        outcome: ExperimentOutcome | None = None
        placement = None
        error: BaseException | None = None
        try:
            if executor is not None:
                outcome = executor.run(
                    task,
                    combination,
                    begin=partial(locked, hooks.start, sequence, combination),
                    cancel_event=cancel_event,
                    on_status=partial(locked, hooks.status, sequence),
                    cwd=cwd,
                )
                if outcome is not None:
                    locked(hooks.finish, sequence, combination, outcome)
                return
            try:
                need = pool.demand(gpus_needed(combination, runtime))
                pool.check_fits(need)
            except LaunchError as exc:
                locked(hooks.start, sequence, combination)
                outcome = _not_run(exc.message)
            else:
                placement = pool.acquire(
                    need,
                    group=group,
                    label={**(label or {}), "sequence": sequence, "parameters": combination},
                    cancel_event=cancel_event,
                )
                if placement is not None:  # None: cancelled while waiting, it never started
                    log_path = locked(hooks.start, sequence, combination)
                    outcome = run_experiment(
                        task,
                        combination,
                        log_path=log_path,
                        cancel_event=cancel_event,
                        on_status=partial(locked, hooks.status, sequence),
                        cwd=cwd,
                        placement=placement,
                    )
            if outcome is not None:
                # Recorded before its devices go to another experiment, so what the pool and
                # the experiments say always agree.
                locked(hooks.finish, sequence, combination, outcome)
        except Exception as exc:  # a hook failed: handed to the search loop, which raises it
            error = exc
        finally:
            pool.release(placement)
            results.put((sequence, combination, outcome, error))

    def settle(block: bool) -> None:
        """Tell the strategy about the experiments that have ended."""
        while in_flight:
            try:
                sequence, combination, outcome, error = results.get(timeout=0.2) if block else results.get_nowait()
            except queue.Empty:
                return
            in_flight.pop(sequence).join()
            block = False
            if error is not None:
                raise error
            if outcome is None or outcome.status == "cancelled":
                strategy.forget(combination)
            else:
                strategy.record(combination, outcome.score if outcome.status == "succeeded" else None)

    sequence = first_sequence
    try:
        while not cancel_event.is_set():
            settle(block=False)
            if cancel_event.is_set():
                break
            if len(in_flight) < limit:
                combination = strategy.propose()
                if combination is not None:
                    thread = threading.Thread(
                        target=one, args=(sequence, combination), name=f"experiment-{sequence}", daemon=True
                    )
                    in_flight[sequence] = thread
                    thread.start()
                    sequence += 1
                    continue
                if not in_flight:
                    return strategy.stop_reason or "the search is over"
            settle(block=True)
    finally:
        if in_flight:  # cancelled, an error, or the caller is being interrupted: every experiment stops
            cancel_event.set()
            pool.wake()
            while in_flight:
                try:
                    settle(block=True)
                except Exception:  # the first error is the one raised
                    continue
    return "cancelled"


__all__ = ["CANCELLED_MESSAGE", "ExperimentExecutor", "SearchHooks", "parallel_limit", "run_search"]
