"""The search loop shared by the worker (which records to the database) and ``autotuner tune``
(which prints): ask the strategy for a combination, run the experiment, record the score, until
the strategy stops or the run is cancelled. No database: the caller's hooks persist or print."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autotuner.presets.parameters import count_combinations
from autotuner.tuning.experiment import ExperimentOutcome, run_experiment
from autotuner.tuning.space import analyze_space
from autotuner.tuning.strategies import SpaceTooLarge, Strategy, make_strategy

# The strategies list every valid combination up front (over a kilobyte and tens of microseconds each): past this
# many, starting a search would stall the service and eat its memory, so it is refused instead.
MAX_SEARCH_SPACE = 100_000


def check_search_space(task: dict[str, Any], *, gpus: int | None = None) -> None:
    """Refuse, with its size, a space too large for the strategies to enumerate."""
    parameters = task.get("parameters") or {}
    total = count_combinations(parameters)
    if total <= MAX_SEARCH_SPACE:
        return
    runtime = task.get("base_runtime")
    report = analyze_space(parameters, runtime if runtime in ("sglang", "vllm") else None, gpus=gpus, limit=0)
    valid = report.valid
    if valid is not None and valid <= MAX_SEARCH_SPACE:
        return
    size = f"{valid:,} valid combinations" if valid is not None else f"{total:,} combinations"
    raise SpaceTooLarge(
        f"The parameter space holds {size}, more than the {MAX_SEARCH_SPACE:,} a search can handle: "
        "narrow it (fewer values per parameter, or fewer parameters) before starting the task."
    )


def prepare_strategy(task: dict[str, Any], *, gpus: int | None = None) -> Strategy:
    """The task's strategy, after :func:`check_search_space`."""
    check_search_space(task, gpus=gpus)
    return make_strategy(task, gpus=gpus)


@dataclass
class SearchHooks:
    """Called by :func:`run_search`; ``start`` returns the log file of the experiment."""

    start: Callable[[int, dict[str, Any]], Path]
    status: Callable[[int, str], None]
    finish: Callable[[int, dict[str, Any], ExperimentOutcome], None]


def run_search(
    task: dict[str, Any],
    strategy: Strategy,
    hooks: SearchHooks,
    *,
    first_sequence: int = 1,
    cancel_event: threading.Event,
    gpu_count: int | None = None,
    cwd: str | Path | None = None,
) -> str:
    """Run experiments until the strategy stops; returns why it stopped, or ``"cancelled"``."""
    sequence = first_sequence
    while not cancel_event.is_set():
        combination = strategy.suggest()
        if combination is None:
            return strategy.stop_reason or "the search is over"
        log_path = hooks.start(sequence, combination)
        current = sequence
        outcome = run_experiment(
            task,
            combination,
            log_path=log_path,
            cancel_event=cancel_event,
            on_status=lambda status: hooks.status(current, status),
            gpu_count=gpu_count,
            cwd=cwd,
        )
        hooks.finish(sequence, combination, outcome)
        if outcome.status == "cancelled":
            return "cancelled"
        strategy.record(combination, outcome.score if outcome.status == "succeeded" else None)
        sequence += 1
    return "cancelled"
