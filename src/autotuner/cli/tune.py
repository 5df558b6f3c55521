"""``autotuner tune task.json``: one task, end to end, in the terminal (no web service, nothing
recorded in the database). Presets named by the file are read from the database."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn

from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from autotuner.core.errors import AutotunerError
from autotuner.core.settings import get_settings
from autotuner.tuning.engine.process import terminate_all
from autotuner.tuning.experiment import ExperimentOutcome, plan_run
from autotuner.tuning.runner import SearchHooks, run_search
from autotuner.tuning.scoring import best_index
from autotuner.tuning.strategies import make_strategy


def _load_task(path: Path, fail: Callable[[str], NoReturn]) -> dict[str, Any]:
    """Validate the file as the API would, resolving presets, and return the task as plain data."""
    from autotuner.core.sentences import validation_sentence
    from autotuner.db.session import session_scope
    from autotuner.startup import prepare_database
    from autotuner.tasks import service
    from autotuner.tasks.schemas import TaskCreate

    try:
        body = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        fail(f"{path} is not a JSON task file ({exc}): see examples/toy_task.json.")
    try:
        data = TaskCreate.model_validate(body)
    except ValidationError as exc:
        fail(f"{path}: {validation_sentence(exc.errors())}")
    fields = data.model_dump(mode="json", exclude={"presets", "parameters"})
    try:
        service.check_settings(fields)
        if data.presets is not None:
            engine, factory = prepare_database(get_settings())
            try:
                with session_scope(factory) as session:
                    parameters, _, warnings = service.resolve_parameters(
                        session, data.base_runtime, data.parameters, data.presets
                    )
            finally:
                engine.dispose()
        else:
            # Without presets no database is needed.
            parameters, _, warnings = service.resolve_parameters(None, data.base_runtime, data.parameters, None)  # type: ignore[arg-type]
    except AutotunerError as exc:
        fail(exc.message)
    return {**fields, "parameters": parameters, "warnings": warnings}


def _summary(outcome: ExperimentOutcome) -> str:
    if outcome.score is not None:
        return f"{outcome.score:.4g}"
    return outcome.status


def tune_file(
    path: Path,
    *,
    dry_run: bool,
    log_dir: Path | None,
    as_json: bool,
    console: Console,
    fail: Callable[[str], NoReturn],
) -> None:
    task = _load_task(path, fail)
    for warning in task.pop("warnings"):
        console.print(f"[yellow]Warning:[/] {warning}", highlight=False)
    if dry_run:
        try:
            plan = plan_run(task, gpus=task.get("gpus"))
        except AutotunerError as exc:
            fail(exc.message)
        commands = plan.commands(task)
        if as_json:
            console.print_json(data=commands)
            if plan.note:  # stdout stays the JSON list of commands
                Console(stderr=True).print(f"# {plan.note}", highlight=False, soft_wrap=True)
        else:
            import shlex

            for command in commands:
                console.print(shlex.join(command), highlight=False, soft_wrap=True)
            if plan.note:  # a shell comment, so the output still runs as a script
                console.print(f"# {plan.note}", highlight=False, soft_wrap=True)
        return
    try:
        strategy = make_strategy(task, gpus=task.get("gpus"))
    except AutotunerError as exc:
        fail(exc.message)
    log_dir = log_dir or get_settings().log_dir / "tune" / datetime.now().strftime("%Y%m%d-%H%M%S")
    log_dir.mkdir(parents=True, exist_ok=True)
    planned = min(strategy.max_iterations, strategy.valid_count)
    rows: list[tuple[int, dict[str, Any], ExperimentOutcome]] = []
    cancel = threading.Event()
    progress = Progress(
        TextColumn("[bold]Experiment"),
        MofNCompleteColumn(),
        BarColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
        console=console,
        disable=as_json,
    )
    bar = progress.add_task("", total=planned)

    def best_text() -> str:
        if strategy.best_score is None:
            return "best: -"
        return f"best {strategy.best_score:.4g} {json.dumps(strategy.best_combination)}"

    def start(sequence: int, combination: dict[str, Any]) -> Path:
        progress.update(bar, description=f"now {json.dumps(combination)} | {best_text()}")
        return log_dir / f"experiment-{sequence}.log"

    def finish(sequence: int, combination: dict[str, Any], outcome: ExperimentOutcome) -> None:
        rows.append((sequence, combination, outcome))
        progress.advance(bar)
        if outcome.status == "failed" and not as_json:
            progress.console.print(f"[red]Experiment {sequence} failed:[/] {outcome.error}", highlight=False)

    hooks = SearchHooks(start=start, status=lambda _s, _st: None, finish=finish)
    try:
        with progress:
            reason = run_search(task, strategy, hooks, cancel_event=cancel)
    except KeyboardInterrupt:
        cancel.set()
        reason = "interrupted"
    finally:
        terminate_all()
    best_at = best_index([outcome.score for _, _, outcome in rows])
    best = None if best_at is None else rows[best_at]
    if as_json:
        console.print_json(
            data={
                "stop_reason": reason,
                "experiments": [{"sequence": s, "parameters": c, **o.to_dict()} for s, c, o in rows],
                "best": None if best is None else {"sequence": best[0], "parameters": best[1], "score": best[2].score},
                "log_dir": str(log_dir),
            }
        )
        return
    table = Table(title=f"{len(rows)} experiment(s) - {reason}")
    for column in ("#", "Parameters", "Status", "Score", "Error"):
        table.add_column(column, overflow="fold")
    for sequence, combination, outcome in rows:
        mark = " *" if best is not None and sequence == best[0] else ""
        table.add_row(
            f"{sequence}{mark}", json.dumps(combination), outcome.status, _summary(outcome), outcome.error or ""
        )
    console.print(table)
    if best is None:
        fail(f"No experiment succeeded: see the logs in {log_dir}.")
    console.print(
        f"Best configuration (experiment {best[0]}, score {best[2].score:.4g}): {json.dumps(best[1])}", highlight=False
    )
    console.print(f"Logs: {log_dir}", highlight=False)
