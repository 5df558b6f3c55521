"""The search loop shared by the worker (which records to the database) and ``autotuner tune``
(which prints): ask the strategy for combinations, run up to ``parallel`` experiments at once on
devices reserved from the pool, record their scores, until the strategy stops or the run is
cancelled. No database: the caller's hooks persist or print.

Each experiment runs in its own thread: it waits for its devices (:class:`DevicePool`, shared
fairly with other tasks), then calls ``hooks.start``, runs, and hands its outcome back. The
strategy is only touched from the calling thread; the hooks are called one at a time.

Repeats (``optimization.repeats``, :class:`RepeatPlan`): once the strategy has nothing more to
propose and every experiment has ended, each of the ``repeat_top`` best configurations (by their
first score) runs ``repeats`` more times, as experiments of their own, before the search returns.
The strategy never hears of a repeat; ``hooks.repeat`` is told which experiment each one repeats.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, Protocol

from autotuner.tuning.engine.errors import LaunchError
from autotuner.tuning.engine.gpus import DevicePool, service_pool
from autotuner.tuning.experiment import CANCELLED_MESSAGE, ExperimentOutcome, run_experiment
from autotuner.tuning.pruning import Pruner
from autotuner.tuning.scoring import gpus_needed
from autotuner.tuning.strategies import Strategy
from autotuner.tuning.verdict import objective_values


@dataclass
class SearchHooks:
    """Called by :func:`run_search` (one call at a time); ``start`` returns the log file of the
    experiment; ``repeat(sequence, original_sequence)``, before ``start``, says an experiment repeats another."""

    start: Callable[[int, dict[str, Any]], Path]
    status: Callable[[int, str], None]
    finish: Callable[[int, dict[str, Any], ExperimentOutcome], None]
    repeat: Callable[[int, int], None] | None = None


@dataclass
class RepeatPlan:
    """Which repeats remain: ``repeats`` more runs of each of the ``top`` best originals."""

    repeats: int = 0
    top: int = 3
    originals: dict[int, tuple[dict[str, Any], float | None]] = field(
        default_factory=dict
    )  # sequence -> (combination, score)
    done: dict[int, int] = field(default_factory=dict)  # original sequence -> repeats started
    of: dict[int, int] = field(default_factory=dict)  # repeat sequence -> original sequence

    @classmethod
    def of_task(cls, task: dict[str, Any]) -> RepeatPlan:
        optimization = task.get("optimization") or {}
        return cls(int(optimization.get("repeats", 0) or 0), int(optimization.get("repeat_top", 3) or 3))

    def record_original(self, sequence: int, combination: dict[str, Any], score: float | None) -> None:
        self.originals[sequence] = (combination, score)

    def record_repeat(self, sequence: int, original: int) -> None:
        """A repeat already run (replayed on resume) or about to start."""
        self.of[sequence] = original
        self.done[original] = self.done.get(original, 0) + 1

    def planned(self, experiments: int) -> int:
        """Repeats that ``experiments`` originals lead to at most."""
        return self.repeats * min(self.top, experiments)

    def next(self, sequence: int) -> tuple[int, dict[str, Any]] | None:
        """The next repeat to run as experiment ``sequence``: (original sequence, combination), or None."""
        if self.repeats <= 0:
            return None
        scored = [(seq, combo, score) for seq, (combo, score) in self.originals.items() if score is not None]
        scored.sort(key=lambda item: (-(item[2] or 0.0), item[0]))
        for original, combination, _ in scored[: self.top]:
            if self.done.get(original, 0) < self.repeats:
                self.record_repeat(sequence, original)
                return original, combination
        return None


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
        prune: Callable[[dict[str, Any]], str | None] | None = None,
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
    repeats: RepeatPlan | None = None,
    pruner: Pruner | None = None,
    executor: ExperimentExecutor | None = None,
) -> str:
    """Run experiments until the strategy stops; returns why it stopped, or ``"cancelled"``.

    ``pool`` defaults to the process's (:func:`service_pool`), ``parallel`` to
    :func:`parallel_limit`; ``group`` names the task in the pool (fair sharing) and ``label`` is
    shown for the devices its experiments hold; ``repeats`` (default: the task's
    ``optimization.repeats``) holds the repeats to run once the strategy is done; ``pruner``
    (default: per ``optimization.prune``) stops hopeless experiments early (repeats never).
    ``executor``: run each experiment there instead of on the pool (it reserves its own resources)."""
    del gpu_count  # the pool's placement says which GPUs an experiment gets
    pool = pool or service_pool()
    limit = parallel or parallel_limit(task, pool)
    runtime = task.get("base_runtime", "sglang")
    results: queue.Queue[tuple[int, dict[str, Any], ExperimentOutcome | None, BaseException | None]] = queue.Queue()
    hook_lock = threading.Lock()
    in_flight: dict[int, threading.Thread] = {}
    plan = repeats if repeats is not None else RepeatPlan.of_task(task)
    pruning = pruner if pruner is not None else Pruner(task)
    objectives = (task.get("optimization") or {}).get("objectives") or []

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
                    prune=None if sequence in plan.of else pruning.check(combination),
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
                        prune=None if sequence in plan.of else pruning.check(combination),
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
            if outcome is not None and outcome.status == "succeeded":
                pruning.learn(outcome.metrics)
            if sequence in plan.of:  # a repeat: the strategy never proposed it
                continue
            if outcome is None or outcome.status == "cancelled":
                strategy.forget(combination)
            else:
                score = outcome.score if outcome.status == "succeeded" else None
                plan.record_original(sequence, combination, score)
                values = objective_values(outcome.metrics, objectives, parameters=combination, runtime=runtime)
                strategy.record(combination, score, pruned=outcome.status == "pruned", values=values)

    sequence = first_sequence
    repeating: str | None = None  # why the search ended, once only repeats remain
    try:
        while not cancel_event.is_set():
            settle(block=False)
            if cancel_event.is_set():
                break
            if len(in_flight) < limit:
                combination = strategy.propose() if repeating is None else None
                if combination is None and repeating is None and not in_flight:
                    repeating = strategy.stop_reason or "the search is over"
                if combination is None and repeating is not None:
                    repeat = plan.next(sequence)
                    if repeat is not None:
                        combination = repeat[1]
                        if hooks.repeat is not None:
                            locked(hooks.repeat, sequence, repeat[0])
                if combination is not None:
                    thread = threading.Thread(
                        target=one, args=(sequence, combination), name=f"experiment-{sequence}", daemon=True
                    )
                    in_flight[sequence] = thread
                    thread.start()
                    sequence += 1
                    continue
                if not in_flight:
                    return repeating or strategy.stop_reason or "the search is over"
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


__all__ = ["CANCELLED_MESSAGE", "ExperimentExecutor", "RepeatPlan", "SearchHooks", "parallel_limit", "run_search"]
