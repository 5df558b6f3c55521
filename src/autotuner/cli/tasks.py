"""``autotuner tasks ...``: create, list, show and delete tuning tasks.

The task service is imported inside each command: it pulls in SQLAlchemy, Pydantic models and
the engine catalogs (~0.5 s) that ``autotuner --help`` should not wait for.
"""

from __future__ import annotations

import json
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
            f" (id {row['id']}): {row['status']}, {row['base_runtime']} on {row['model']['id_or_path']}, "
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
    for warning in row.get("warnings") or []:
        print_warning(warning)


@app.command("create", cls=Command)
def tasks_create(
    name: Annotated[str, typer.Option(help="Unique task name.")],
    model: Annotated[str, typer.Option(help="Model id or path, e.g. meta-llama/Llama-3.1-8B-Instruct.")],
    runtime: Annotated[str, typer.Option(help="sglang, vllm or command.")] = "sglang",
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
