"""``autotuner tasks ...``: create, list, show and delete tuning tasks.

The task service is imported inside each command: it pulls in SQLAlchemy, Pydantic models and
the engine catalogs (~0.5 s) that ``autotuner --help`` should not wait for.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer
from rich.text import Text

from autotuner.cli.base import (
    Command,
    JsonOpt,
    acting_actor,
    fail,
    new_group,
    open_session,
    parse_assignments,
    validated,
)
from autotuner.cli.output import Column, console, print_json, print_table, print_warning

app = new_group("Manage tuning tasks.")

TaskRef = Annotated[str, typer.Argument(metavar="TASK", help="Task id.")]


def task_dict(task: Any) -> dict[str, Any]:
    from autotuner.tasks import service
    from autotuner.tasks.schemas import TaskRead

    return TaskRead.model_validate(service.task_read(task)).model_dump(mode="json")


def print_task(row: dict[str, Any]) -> None:
    console.print(
        Text.assemble(
            (row["task_name"], "bold"),
            f" (id {row['id']}): {row['status']}, {row['base_runtime']}"
            + (f" {row['runtime_version']}" if row.get("runtime_version") else "")
            + f" on {row['model']['id_or_path']}, "
            f"{row['optimization']['strategy']} / {row['optimization']['objective']}",
        )
    )
    console.print(f"Parameter space ({row['combinations']} combination(s)):")
    console.print_json(data=row["parameters"])
    provenance = row.get("provenance")
    if provenance:
        names = ", ".join(p["name"] for p in provenance["presets"])
        console.print(Text.assemble(f"From presets {names} merged with ", (provenance["merge_strategy"], "bold")))
        if provenance.get("overrides"):
            console.print("  then overrides:", json.dumps(provenance["overrides"]), highlight=False, markup=False)
    verdict = row.get("verdict")
    if verdict:
        console.print(f"Verdict: {verdict['sentence']}", highlight=False, markup=False)
    if row.get("warm_start_used"):
        console.print(f"Warm start: {row['warm_start_used']} experiment(s) of earlier tasks", highlight=False)
    for warning in row.get("warnings") or []:
        print_warning(warning)


@app.command("create", cls=Command)
def tasks_create(
    name: Annotated[str, typer.Option(help="Unique task name.")],
    model: Annotated[str, typer.Option(help="Model id or path, e.g. meta-llama/Llama-3.1-8B-Instruct.")],
    runtime: Annotated[str, typer.Option(help="sglang, vllm or command.")] = "sglang",
    runtime_version: Annotated[
        str | None,
        typer.Option(
            metavar="VERSION", help="Engine version whose catalog checks the flags (`autotuner catalog list`)."
        ),
    ] = None,
    preset: Annotated[
        list[str] | None, typer.Option("--preset", help="Preset id or slug, in merge order (repeatable).")
    ] = None,
    strategy: Annotated[str, typer.Option("--strategy", "-s", help="Merge strategy for the presets.")] = "union",
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", metavar="NAME=VALUES", help="Override NAME=V1,V2 applied last (repeatable)."),
    ] = None,
    param: Annotated[
        list[str] | None,
        typer.Option("--param", "-p", metavar="NAME=VALUES", help="Parameter NAME=V1,V2 without presets (repeatable)."),
    ] = None,
    search: Annotated[str, typer.Option(metavar="METHOD", help="grid_search, random_search or bayesian.")] = (
        "grid_search"
    ),
    objective: Annotated[
        str, typer.Option(help="maximize_throughput, minimize_latency, minimize_ttft or minimize_tpot.")
    ] = "maximize_throughput",
    max_iterations: Annotated[int, typer.Option(metavar="N", help="Most experiments to run.")] = 50,
    gpus: Annotated[int | None, typer.Option(metavar="N", help="GPUs the task may use.")] = None,
    description: Annotated[str | None, typer.Option(metavar="TEXT")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a tuning task from presets (merged on the server) and/or parameters."""
    from autotuner.tasks import service
    from autotuner.tasks.schemas import TaskCreate

    overrides = parse_assignments(set_, "--set") or None
    parameters = parse_assignments(param, "--param") or None
    if not preset and overrides:
        fail("--set overrides presets: add --preset, or give the parameters with --param.")
    body: dict[str, Any] = {
        "task_name": name,
        "description": description,
        "model": {"id_or_path": model},
        "base_runtime": runtime,
        "runtime_version": runtime_version,
        "gpus": gpus,
        "parameters": parameters,
        "optimization": {"strategy": search, "objective": objective, "max_iterations": max_iterations},
    }
    if preset:
        body["presets"] = {"ids": preset, "merge_strategy": strategy, "overrides": overrides}
    data = validated(TaskCreate, body)
    with open_session() as session:
        row = task_dict(service.create_task(session, data, actor=acting_actor(session)))
    if as_json:
        print_json(row)
        return
    console.print("Created task:", highlight=False)
    print_task(row)


@app.command("list", cls=Command)
def tasks_list(
    status: Annotated[str | None, typer.Option(help="pending, running, completed, failed or cancelled.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """List tasks, newest first."""
    from autotuner.tasks import service

    with open_session() as session:
        actor = acting_actor(session)
        rows = [task_dict(t) for t in service.list_tasks(session, actor, status=status)]
    if as_json:
        print_json(rows)
        return
    columns = [
        Column("ID"),
        Column("Name"),
        Column("Status"),
        Column("Runtime"),
        Column("Model", own_line=True),
        Column("Combinations"),
        Column("Presets", own_line=True),
    ]
    print_table(
        f"{len(rows)} task{'s' if len(rows) != 1 else ''}",
        columns,
        [
            [
                str(row["id"]),
                row["task_name"],
                row["status"],
                row["base_runtime"],
                row["model"]["id_or_path"],
                str(row["combinations"]),
                ", ".join(p["name"] for p in (row["provenance"] or {}).get("presets", [])),
            ]
            for row in rows
        ],
    )


@app.command("show", cls=Command)
def tasks_show(task_id: TaskRef, as_json: JsonOpt = False) -> None:
    """Show a task: its space, where it came from, and warnings."""
    from autotuner.tasks import service

    with open_session() as session:
        actor = acting_actor(session)
        row = task_dict(service.get_task(session, task_id, actor))
    if as_json:
        print_json(row)
        return
    print_task(row)


@app.command("delete", cls=Command)
def tasks_delete(task_id: TaskRef) -> None:
    """Delete a task that is not running."""
    from autotuner.tasks import service

    with open_session() as session:
        actor = acting_actor(session)
        task = service.get_task(session, task_id, actor)
        name, deleted_id = task.task_name, task.id
        service.delete_task(session, task_id, actor)
    from autotuner.core.settings import get_settings
    from autotuner.runs.service import remove_task_logs

    remove_task_logs(get_settings().log_dir, deleted_id)
    console.print(Text.assemble("Deleted task ", (name, "bold"), "."))


# --- running and watching -------------------------------------------------------------------

WatchLog = Annotated[bool, typer.Option("--log", help="Also print the lines of the task's log.")]


@app.command("start", cls=Command)
def tasks_start(task_id: TaskRef, watch: Annotated[bool, typer.Option(help="Then follow it.")] = False) -> None:
    """Queue a task for the worker of `autotuner serve` or `autotuner worker` (a task with
    experiments continues from them)."""
    from autotuner.runs import service as runs

    with open_session() as session:
        task = runs.start_task(session, task_id, actor=acting_actor(session))
        name, number = task.task_name, task.id
    console.print(Text.assemble("Started task ", (name, "bold"), f" (id {number}): a running worker picks it up."))
    if watch:
        tasks_watch(str(number))


@app.command("restart", cls=Command)
def tasks_restart(task_id: TaskRef, watch: Annotated[bool, typer.Option(help="Then follow it.")] = False) -> None:
    """Run a finished, failed or cancelled task again from the start: its experiments and logs
    are deleted first."""
    from autotuner.core.settings import get_settings
    from autotuner.runs import service as runs

    with open_session() as session:
        task = runs.restart_task(session, task_id, actor=acting_actor(session))
        runs.remove_task_logs(get_settings().log_dir, task.id)
        name, number = task.task_name, task.id
    console.print(Text.assemble("Restarted task ", (name, "bold"), f" (id {number}): a running worker picks it up."))
    if watch:
        tasks_watch(str(number))


@app.command("watch", cls=Command)
def tasks_watch(task_id: TaskRef, log: WatchLog = False, as_json: JsonOpt = False) -> None:
    """Follow a task as it runs, wherever it was started: status changes, experiments started and
    finished with their scores (and with --log its log lines). Ends when the task ends: exit
    status 0 when it completed, 1 when it failed or was cancelled. Ctrl-C stops watching only."""
    import time

    from autotuner.core.settings import get_settings
    from autotuner.db.session import session_scope
    from autotuner.runs import events
    from autotuner.runs import service as runs
    from autotuner.startup import prepare_database
    from autotuner.tasks import service

    settings = get_settings()
    with open_session(settings) as session:
        actor = acting_actor(session)
        task = service.get_task(session, task_id, actor)
        number, name = task.id, task.task_name
    if not as_json:
        console.print(Text.assemble("Watching task ", (name, "bold"), f" (id {number}); Ctrl-C to stop watching."))
    engine, factory = prepare_database(settings)
    cursor = events.Cursor()
    log_path = runs.task_log_path(settings.log_dir, number)
    status = "unknown"
    try:
        while True:
            with session_scope(factory) as session:
                current = session.get(type(task), number)
                if current is None or not service.readable(actor, current):
                    fail(f"Task {number} was deleted while it was watched.")
                batch = events.read_task(session, current, cursor, log_path)
                status = current.status
            cursor = batch.cursor
            for event in batch.events:
                if event.kind == events.LOG and not log:
                    continue
                if as_json:
                    sys.stdout.write(json.dumps({"id": str(event.cursor), "event": event.kind, **event.data}) + "\n")
                    sys.stdout.flush()
                else:
                    console.print(watch_line(event.kind, event.data), highlight=False, markup=False)
            if batch.ended:
                break
            time.sleep(0.5)
    except KeyboardInterrupt:
        if not as_json:
            console.print(
                f"Stopped watching; task {number} goes on (autotuner tasks watch {number} to follow it again)."
            )
        raise typer.Exit(130) from None
    finally:
        engine.dispose()
    if not as_json:
        console.print(f"Task {number} {status}.")
    if status != "completed":
        raise typer.Exit(1)


def watch_line(kind: str, data: dict[str, Any]) -> str:
    """One event of a task as a line of `tasks watch`."""
    at = str(data.get("at", ""))[11:19]
    if kind == "log":
        return f"  | {data['line']}"
    if kind == "status":
        done, total = data.get("experiments_done"), data.get("experiments_total")
        progress = f" ({done}/{total} experiments)" if total else ""
        why = data.get("error_message") or data.get("stop_reason")
        cancelling = ", cancelling" if data.get("cancel_requested") else ""
        return f"{at} task {data['status']}{cancelling}{progress}" + (f": {why}" if why else "")
    if kind == "experiment.started":
        shown = ", ".join(f"{k}={v}" for k, v in data["parameters"].items())
        again = " (a repeat)" if data.get("repeat_of") is not None else ""
        return f"{at} experiment {data['sequence']} started{again}: {shown}"
    if kind == "experiment.status":
        return f"{at} experiment {data['sequence']} {data['status']}"
    if kind == "experiment.finished":
        score = data.get("score")
        detail = f"score {score:.4g}" if score is not None else (data.get("error_message") or "")
        return f"{at} experiment {data['sequence']} {data['status']}" + (f": {detail}" if detail else "")
    if kind == "experiments.cleared":
        return f"{at} {data['count']} experiment(s) cleared"
    return f"{at} {kind}"


@app.command("import", cls=Command)
def tasks_import(
    file: Annotated[str, typer.Argument(metavar="FILE", help="A task file (JSON): the reference autotuner's or ours.")],
    name: Annotated[str | None, typer.Option(help="Name the new task this instead.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a task from a task file of novitalabs/inference-autotuner (or this product's own
    task, as `tasks show --json` prints it), and say what became of every field of the file."""
    from pathlib import Path

    from autotuner.tasks import service

    path = Path(file)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        fail(f"Cannot read {file}: {exc.strerror or exc}.")
    except ValueError as exc:
        fail(f"{file} is not valid JSON ({exc}): a task file holds one JSON object.")
    with open_session() as session:
        task, report, kind = service.import_task_file(session, data, acting_actor(session), task_name=name)
        row = task_dict(task)
    if as_json:
        print_json({"task": row, "format": kind, "report": report})
        return
    source = "the reference autotuner's format" if kind == "reference" else "this product's task format"
    console.print(f"Imported {file} ({source}):", highlight=False)
    print_task(row)
    console.print("What became of each field of the file:")
    for line in report:
        console.print(
            Text.assemble("  ", (line["field"], "bold"), f" ({line['outcome'].replace('_', ' ')}): {line['detail']}"),
            highlight=False,
        )
