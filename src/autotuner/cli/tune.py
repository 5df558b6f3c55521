"""``autotuner tune TASK_FILE``: one task, end to end, in the terminal (no web service, nothing
recorded in the database). Presets named by the file are read from the database.

Relative paths in the file's ``command`` (and a llama.cpp task's model file) are read from the
file's folder (see :func:`resolve_command_paths`), so ``autotuner tune examples/toy_task.json`` works from any
folder; the engine must be there before the first experiment starts (the program and any
``*.py`` script of a command; see :mod:`autotuner.tuning.engine.preflight`).

The tuning engine and the task service are imported inside the functions that run a task: they
pull in SQLAlchemy, Pydantic models and Optuna (~0.5 s) that ``autotuner --help`` should not
wait for.
"""

from __future__ import annotations

import json
import os
import shlex
import threading
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console, RenderableType
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

from autotuner.cli.base import OPERATOR, JsonOpt, fail, validated
from autotuner.cli.output import Column, console, err_console, print_labelled, print_table, print_warning
from autotuner.core.settings import get_settings

if TYPE_CHECKING:
    from autotuner.tuning.experiment import ExperimentOutcome


def tune(
    task_file: Annotated[
        Path,
        typer.Argument(
            metavar="TASK_FILE", help="A task as JSON (the body of POST /api/tasks/).", exists=True, dir_okay=False
        ),
    ],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the engine commands and stop.")] = False,
    log_dir: Annotated[
        Path | None,
        typer.Option(
            metavar="FOLDER", help="Where the experiments' logs go (default: a new folder under the data dir)."
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Run a task end to end without the web service: a progress bar, then every experiment and the best.

    Relative paths in the task's command are read from the task file's folder, then from each folder above it (a llama.cpp task's model file too): an argument that names an existing file there (e.g. examples/toy_engine.py) becomes its absolute path; every other argument stays as written. The engine must be installed (SGLang, vLLM, llama.cpp's llama-server, or the command's program and its *.py scripts), or nothing starts."""
    tune_file(task_file, dry_run=dry_run, log_dir=log_dir, as_json=as_json)


def resolve_command_paths(command: list[str], folder: Path) -> list[str]:
    """``command`` with each argument that names an existing file, looked up from ``folder`` and
    then from each folder above it (nearest first), replaced by that file's absolute path.
    Options (``--x``), placeholders (``{python}``), absolute paths and arguments that name no
    file are kept as written."""
    folder = Path(os.path.abspath(folder))
    out = []
    for arg in command:
        found = None
        if arg and not arg.startswith("-") and "{" not in arg and not Path(arg).is_absolute():
            found = next((base / arg for base in (folder, *folder.parents) if (base / arg).is_file()), None)
        out.append(os.path.abspath(found) if found is not None else arg)
    return out


def _load_task(path: Path) -> dict[str, Any]:
    """Validate the file as the API would, resolving presets and the command's relative paths;
    return the task as plain data."""
    from autotuner.db.session import session_scope
    from autotuner.startup import prepare_database
    from autotuner.tasks import service
    from autotuner.tasks.schemas import TaskCreate

    try:
        body = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        fail(f"{path} is not a JSON task file ({exc}): see examples/toy_task.json.")
    data = validated(TaskCreate, body, about=f"{path}: ")
    fields = data.model_dump(mode="json", exclude={"presets", "parameters"})
    if isinstance(fields.get("command"), list):
        fields["command"] = resolve_command_paths(fields["command"], path.parent)
    if fields.get("base_runtime") == "llamacpp":  # the model is a local .gguf file, read like a command's paths
        model = fields["model"]
        model["id_or_path"] = resolve_command_paths([model["id_or_path"]], path.parent)[0]
    service.check_settings(fields, OPERATOR)
    version = service.resolve_runtime_version(data.base_runtime, data.runtime_version)
    fields["runtime_version"] = version
    neutral = (version, service.neutral_space(data.parallel), service.neutral_space(data.quantization))
    if data.presets is not None:
        engine, factory = prepare_database(get_settings())
        try:
            with session_scope(factory) as session:
                parameters, _, warnings = service.resolve_parameters(
                    session, data.base_runtime, data.parameters, data.presets, OPERATOR, *neutral
                )
        finally:
            engine.dispose()
    else:
        # Without presets no database is needed.
        parameters, _, warnings = service.resolve_parameters(
            None,  # type: ignore[arg-type]
            data.base_runtime,
            data.parameters,
            None,
            OPERATOR,
            *neutral,
        )
    return {**fields, "parameters": parameters, "warnings": warnings}


class TuneProgress(Progress):
    """The counter and the bar on one line, each running combination (several run at once on a
    pool of GPUs or slots) and the best one on lines of their own below it, so that an 80-column
    terminal keeps the bar."""

    def __init__(self, *, console: Console, disable: bool) -> None:
        self.running: dict[int, dict[str, Any]] = {}  # sequence -> combination
        self.best: tuple[int, float, dict[str, Any]] | None = None
        super().__init__(
            TextColumn("[bold]Experiment"),
            MofNCompleteColumn(),
            BarColumn(),
            TimeElapsedColumn(),
            console=console,
            disable=disable,
        )

    def get_renderables(self) -> Iterable[RenderableType]:
        yield from super().get_renderables()
        for sequence, combination in sorted(self.running.items()):
            yield Text.assemble(("now  ", "dim"), f"#{sequence} {json.dumps(combination)}")
        if self.best is not None:
            sequence, score, combination = self.best
            yield Text.assemble(("best ", "dim"), f"{score:.4g} (experiment {sequence}) {json.dumps(combination)}")


def _summary(outcome: ExperimentOutcome) -> str:
    if outcome.score is not None:
        return f"{outcome.score:.4g}"
    return outcome.status


def _check_engine(task: dict[str, Any]) -> None:
    """Raise ``EngineMissing`` (one sentence) when the task's engine is not installed here; note on
    stderr when its version is not the catalog's."""
    from autotuner.runtimes.loading import catalog_release
    from autotuner.tuning.engine.preflight import check_engine

    found = check_engine(task, release=catalog_release(task.get("base_runtime"), task.get("runtime_version")))
    if found.note:
        print_labelled("Note", "cyan", found.note, to=err_console)


def tune_file(path: Path, *, dry_run: bool, log_dir: Path | None, as_json: bool) -> None:
    from autotuner.tuning.engine.preflight import EngineMissing
    from autotuner.tuning.engine.process import terminate_all
    from autotuner.tuning.experiment import plan_run
    from autotuner.tuning.runner import RepeatPlan, SearchHooks, run_search
    from autotuner.tuning.scoring import best_index
    from autotuner.tuning.strategies import make_strategy
    from autotuner.tuning.verdict import Run, summarize

    task = _load_task(path)
    for warning in task.pop("warnings"):
        print_warning(warning)  # stderr: stdout stays the commands, the table or the JSON
    if dry_run:
        plan = plan_run(task, gpus=task.get("gpus"))
        commands = plan.commands(task)
        try:
            _check_engine(task)
        except EngineMissing as exc:  # a dry run still lists what would run
            print_warning(str(exc))
        if as_json:
            console.print_json(data=commands)
            if plan.note:  # stdout stays the JSON list of commands
                err_console.print(f"# {plan.note}", highlight=False, markup=False, soft_wrap=True)
        else:
            for command in commands:
                console.print(shlex.join(command), highlight=False, markup=False, soft_wrap=True)
            if plan.note:  # a shell comment, so the output still runs as a script
                console.print(f"# {plan.note}", highlight=False, markup=False, soft_wrap=True)
        return
    strategy = make_strategy(task, gpus=task.get("gpus"))
    try:  # the engine is there, or nothing starts
        _check_engine(task)
    except EngineMissing as exc:
        fail(str(exc))
    log_dir = log_dir or get_settings().log_dir / "tune" / datetime.now().strftime("%Y%m%d-%H%M%S")
    log_dir.mkdir(parents=True, exist_ok=True)
    planned = min(strategy.max_iterations, strategy.valid_count)
    repeats = RepeatPlan.of_task(task)
    planned += repeats.planned(planned)
    rows: list[tuple[int, dict[str, Any], ExperimentOutcome]] = []
    cancel = threading.Event()
    progress = TuneProgress(console=console, disable=as_json)
    bar = progress.add_task("", total=planned)

    def start(sequence: int, combination: dict[str, Any]) -> Path:
        progress.running[sequence] = combination
        progress.refresh()
        return log_dir / f"experiment-{sequence}.log"

    def finish(sequence: int, combination: dict[str, Any], outcome: ExperimentOutcome) -> None:
        rows.append((sequence, combination, outcome))
        progress.running.pop(sequence, None)
        rows.sort(key=lambda row: row[0])
        at = best_index([None if s in repeats.of else o.score for s, _, o in rows])  # originals only
        if at is not None:
            best_sequence, best_combination, best_outcome = rows[at]
            if best_outcome.score is not None:
                progress.best = (best_sequence, best_outcome.score, best_combination)
        progress.advance(bar)
        if outcome.status == "failed" and not as_json:
            print_labelled(f"Experiment {sequence} failed", "red", outcome.error or "", to=progress.console)

    hooks = SearchHooks(start=start, status=lambda _s, _st: None, finish=finish)
    try:
        with progress:
            reason = run_search(task, strategy, hooks, cancel_event=cancel, repeats=repeats)
    except KeyboardInterrupt:
        cancel.set()
        reason = "interrupted"
    finally:
        terminate_all()
    stats, verdict = summarize(
        [Run(s, f"#{s}", o.score if o.status == "succeeded" else None, repeats.of.get(s)) for s, _, o in rows]
    )
    by_sequence = {s: (s, c, o) for s, c, o in rows}
    best = by_sequence.get(verdict.best_experiment_id) if verdict and verdict.best_experiment_id else None
    if as_json:
        console.print_json(
            data={
                "stop_reason": reason,
                "experiments": [
                    {
                        "sequence": s,
                        "parameters": c,
                        **o.to_dict(),
                        "repeat_of": repeats.of.get(s),
                        "score_stats": stats[s].to_dict() if s in stats else None,
                    }
                    for s, c, o in rows
                ],
                "best": None
                if best is None
                else {
                    "sequence": best[0],
                    "parameters": best[1],
                    "score": best[2].score,
                    "mean_score": stats[best[0]].mean,
                },
                "verdict": verdict.to_dict() if verdict else None,
                "log_dir": str(log_dir),
            }
        )
        return
    print_table(
        f"{len(rows)} experiment(s) - {reason}",
        [
            Column("#", whole=True),
            Column("Parameters", own_line=True),
            Column("Status"),
            Column("Score"),
            Column("Error", own_line=True),
        ],
        [
            [
                f"{sequence}{' *' if best is not None and sequence == best[0] else ''}"
                + (f" ={repeats.of[sequence]}" if sequence in repeats.of else ""),
                json.dumps(combination),
                outcome.status,
                _summary(outcome),
                outcome.error or "",
            ]
            for sequence, combination, outcome in rows
        ],
    )
    if best is None or verdict is None:
        fail(f"No experiment succeeded: see the logs in {log_dir}.")
    mean = stats[best[0]]
    shown = f"score {mean.mean:.4g}" + (f", mean of {mean.n} runs" if mean.n > 1 else "")
    console.print(
        f"Best configuration (experiment {best[0]}, {shown}): {json.dumps(best[1])}",
        highlight=False,
        markup=False,
    )
    console.print(f"Verdict: {verdict.sentence}", highlight=False, markup=False)
    console.print(f"Logs: {log_dir}", highlight=False, markup=False)
