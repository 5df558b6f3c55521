"""The search loop shared by the worker (which records to the database) and ``autotuner tune``
(which prints): ask the strategy for a combination, run the experiment, record the score, until
the strategy stops or the run is cancelled. No database: the caller's hooks persist or print."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from autotuner.tuning.experiment import ExperimentOutcome, run_experiment
from autotuner.tuning.strategies import Strategy


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
        outcome = run_experiment(
            task,
            combination,
            log_path=log_path,
            cancel_event=cancel_event,
            on_status=partial(hooks.status, sequence),
            gpu_count=gpu_count,
            cwd=cwd,
        )
        hooks.finish(sequence, combination, outcome)
        if outcome.status == "cancelled":
            return "cancelled"
        strategy.record(combination, outcome.score if outcome.status == "succeeded" else None)
        sequence += 1
    return "cancelled"
