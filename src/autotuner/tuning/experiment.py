"""One experiment: launch the engine with one combination, wait until it is ready, benchmark it,
score it, and tear it down - always, whatever happens. No database: the caller records the
:class:`ExperimentOutcome`.

Status is ``succeeded`` (scored), ``failed`` (``error`` says why: the engine could not start,
exited early, was not ready in time, died during the benchmark, every request failed, a hard SLO
was broken, or the whole experiment overran ``timeout``) or ``cancelled`` (``cancel_event`` was
set; the engine is stopped within a fraction of a second plus its SIGTERM grace period).

``prune`` (optional, see :mod:`autotuner.tuning.pruning`) is called with each benchmark level
but the last; a sentence returned stops the benchmark and the engine, and the experiment ends
``pruned`` (its measured levels kept in ``metrics``, no score).

``on_status`` (optional) is called with ``"deploying"`` and then ``"benchmarking"`` so that a
worker can show progress.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from autotuner.core.errors import AutotunerError
from autotuner.tuning.benchmark import (
    BenchmarkAborted,
    BenchmarkConfig,
    BenchmarkPruned,
    LevelResult,
    run_benchmark_sync,
)
from autotuner.tuning.engine.commands import build_command, model_of
from autotuner.tuning.engine.containers import DockerEngine
from autotuner.tuning.engine.errors import LaunchCancelled, LaunchError
from autotuner.tuning.engine.gpus import Placement, engine_environment
from autotuner.tuning.engine.process import DEFAULT_GRACE_PERIOD, EngineProcess, free_port
from autotuner.tuning.scoring import score_metrics, slo_thresholds, validate_objective, validate_slo
from autotuner.tuning.strategies import BayesianSearch, make_strategy

DEFAULT_TIMEOUT = 600.0
CANCELLED_MESSAGE = "The experiment was cancelled."


@dataclass
class ExperimentOutcome:
    status: str  # succeeded | failed | cancelled | pruned
    metrics: dict[str, Any] | None
    score: float | None
    error: str | None
    command: list[str]
    started_at: datetime
    ended_at: datetime
    timings: dict[str, float] = field(default_factory=dict)
    node: str | None = None  # the cluster node that ran it (the Ray executor); None on this machine

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["started_at"] = self.started_at.isoformat()
        data["ended_at"] = self.ended_at.isoformat()
        return data


def _now() -> datetime:
    return datetime.now(UTC)


def experiment_timeout(task: dict[str, Any]) -> float:
    value = (task.get("optimization") or {}).get("timeout_per_iteration")
    return (
        float(value)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0
        else DEFAULT_TIMEOUT
    )


def _append_log(path: Path, line: str) -> None:
    try:
        with open(path, "a", encoding="utf-8") as log:
            log.write(f"# autotuner: {line}\n")
    except OSError:
        pass


def make_engine(
    task: dict[str, Any],
    parameters: dict[str, Any],
    log_path: Path,
    *,
    port: int,
    env: dict[str, str],
    cwd: str | Path | None,
    grace_period: float,
) -> EngineProcess:
    """The engine handle for the task's ``deployment_mode``: a local process, or a container
    (GPUs by the indices the local path would put in ``CUDA_VISIBLE_DEVICES``)."""
    if task.get("deployment_mode") == "docker":
        visible = env.get("CUDA_VISIBLE_DEVICES", "")
        gpus = [index for index in visible.split(",") if index.strip()]
        return DockerEngine(task, parameters, log_path, port=port, gpu_indices=gpus, cwd=cwd, grace_period=grace_period)
    command = build_command(task, parameters, port)
    return EngineProcess(command, log_path, port=port, env=env, cwd=cwd, grace_period=grace_period)


def run_experiment(
    task: dict[str, Any],
    parameters: dict[str, Any],
    *,
    log_path: str | Path,
    cancel_event: threading.Event | None = None,
    timeout: float | None = None,
    on_status: Callable[[str], None] | None = None,
    grace_period: float = DEFAULT_GRACE_PERIOD,
    cwd: str | Path | None = None,
    gpu_count: int | None = None,
    placement: Placement | None = None,
    prune: Callable[[dict[str, Any]], str | None] | None = None,
) -> ExperimentOutcome:
    """Run one experiment of ``task`` with the combination ``parameters``; never raises for
    engine or benchmark trouble (that is a ``failed`` outcome). ``placement``: the devices it
    holds (see :mod:`autotuner.tuning.engine.gpus`); without one, the machine's first GPUs."""
    started_at = _now()
    t0 = time.monotonic()
    timeout = experiment_timeout(task) if timeout is None else float(timeout)
    deadline = t0 + timeout
    log_path = Path(log_path)
    cancel_event = cancel_event or threading.Event()
    runtime = task.get("base_runtime", "sglang")
    timings: dict[str, float] = {}
    command: list[str] = []

    def outcome(
        status: str, error: str | None, metrics: dict[str, Any] | None = None, score: float | None = None
    ) -> ExperimentOutcome:
        timings["total_s"] = round(time.monotonic() - t0, 6)
        _append_log(log_path, f"experiment {status}" + (f": {error}" if error else f", score {score}"))
        return ExperimentOutcome(status, metrics, score, error, command, started_at, _now(), timings)

    try:
        config = BenchmarkConfig.from_task(task.get("benchmark"))
        objective = validate_objective((task.get("optimization") or {}).get("objective", "maximize_throughput"))
        slo = validate_slo(task.get("slo"))
        config.count_over_ms = slo_thresholds(slo)
        port = free_port()
        env = engine_environment(parameters, runtime, gpu_count, placement)
        engine = make_engine(task, parameters, log_path, port=port, env=env, cwd=cwd, grace_period=grace_period)
        command = engine.command
    except AutotunerError as exc:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        return outcome("failed", exc.message)
    except TypeError as exc:  # malformed benchmark object, e.g. an unknown key
        log_path.parent.mkdir(parents=True, exist_ok=True)
        return outcome("failed", f"The task's benchmark settings are malformed ({exc}): fix the benchmark object.")

    if cancel_event.is_set():
        log_path.parent.mkdir(parents=True, exist_ok=True)
        return outcome("cancelled", CANCELLED_MESSAGE)
    if on_status:
        on_status("deploying")
    result: tuple[str, str | None, dict[str, Any] | None, float | None] = (
        "failed",
        "The experiment did not run.",
        None,
        None,
    )
    try:
        t = time.monotonic()
        engine.start()
        timings["launch_s"] = round(time.monotonic() - t, 6)
        t = time.monotonic()
        try:
            engine.wait_ready(max(0.0, deadline - time.monotonic()), cancel_event)
        finally:
            timings["ready_s"] = round(time.monotonic() - t, 6)
        if on_status:
            on_status("benchmarking")

        def should_stop() -> str | None:
            if cancel_event.is_set():
                return CANCELLED_MESSAGE
            if engine.returncode() is not None:
                return engine.exit_message("during the benchmark")
            if time.monotonic() >= deadline:
                return (
                    f"The experiment did not finish within {timeout:g} s (timeout_per_iteration) and was stopped: "
                    "raise the timeout or send fewer requests per level."
                )
            return None

        def on_level(level: LevelResult) -> str | None:
            return prune(level.to_dict()) if prune is not None else None

        t = time.monotonic()
        try:
            bench = run_benchmark_sync(
                engine.base_url, config, model=None, should_stop=should_stop, on_level=on_level if prune else None
            )
        finally:
            timings["benchmark_s"] = round(time.monotonic() - t, 6)
        if engine.returncode() is not None:
            result = ("failed", engine.exit_message("during the benchmark"), bench.to_dict(), None)
        else:
            t = time.monotonic()
            metrics = bench.to_dict()
            scored = score_metrics(metrics, objective, parameters=parameters, slo=slo, runtime=runtime)
            metrics["scoring"] = scored.to_dict()
            timings["score_s"] = round(time.monotonic() - t, 6)
            if scored.failed:
                result = ("failed", scored.reason, metrics, None)
            else:
                result = ("succeeded", None, metrics, scored.score)
    except LaunchCancelled:
        result = ("cancelled", CANCELLED_MESSAGE, None, None)
    except BenchmarkPruned as exc:
        result = ("pruned", str(exc), {"levels": [level.to_dict() for level in exc.levels]}, None)
    except BenchmarkAborted as exc:
        reason = str(exc)
        result = ("cancelled" if reason == CANCELLED_MESSAGE else "failed", reason, None, None)
    except LaunchError as exc:
        result = ("failed", exc.message, None, None)
    except Exception as exc:
        result = ("failed", f"The experiment failed unexpectedly: {type(exc).__name__}: {exc}", None, None)
    finally:
        t = time.monotonic()
        engine.terminate()
        timings["teardown_s"] = round(time.monotonic() - t, 6)
    return outcome(*result)


# A dry run lists at most this many combinations (a bayesian search chooses among all valid ones).
MAX_PLANNED_LISTED = 1_000


@dataclass
class PlannedRun:
    """What a task would run: ``combinations`` (at most ``limit`` of them), how many the search
    runs or chooses from, and a sentence saying so when the list is not the exact plan."""

    strategy: str
    valid_count: int  # valid combinations of the space
    planned: int  # experiments the search runs at most
    combinations: list[dict[str, Any]]
    note: str | None  # None when ``combinations`` is exactly what runs, in order

    def commands(self, task: dict[str, Any]) -> list[list[str]]:
        """The engine command of each listed combination, with the literal ``<port>`` standing
        for the free port picked at run time (``autotuner tune --dry-run``)."""
        return [build_command(task, combination, "<port>") for combination in self.combinations]


def plan_run(task: dict[str, Any], *, gpus: int | None = None, limit: int = MAX_PLANNED_LISTED) -> PlannedRun:
    """The combinations a task would run: exactly, in order, for grid and random search; for
    bayesian (which decides as it goes) the valid combinations it chooses from, in grid order.
    At most ``limit`` are listed, without listing the rest."""
    optimization = dict(task.get("optimization") or {})
    optimization.pop("early_stop_patience", None)
    strategy = make_strategy({**task, "optimization": optimization}, gpus=gpus)
    planned = min(strategy.max_iterations, strategy.valid_count)
    out: list[dict[str, Any]] = []
    combination: dict[str, Any] | None
    note: str | None
    if isinstance(strategy, BayesianSearch):
        for combination in strategy.iter_valid():
            if len(out) >= limit:
                break
            out.append(combination)
        listed = f"the first {len(out):,} are listed" if len(out) < strategy.valid_count else "all are listed"
        note = (
            f"bayesian chooses up to {planned:,} experiments as it goes among {strategy.valid_count:,} valid "
            f"combinations; {listed}."
        )
        return PlannedRun(strategy.name, strategy.valid_count, planned, out, note)
    while len(out) < limit and (combination := strategy.suggest()) is not None:
        out.append(combination)
        strategy.record(combination, None)
    note = None
    if len(out) < planned:
        note = f"{strategy.name} runs {planned:,} experiments; the first {len(out):,} are listed."
    return PlannedRun(strategy.name, strategy.valid_count, planned, out, note)


__all__ = [
    "MAX_PLANNED_LISTED",
    "ExperimentOutcome",
    "PlannedRun",
    "experiment_timeout",
    "model_of",
    "plan_run",
    "run_experiment",
]
