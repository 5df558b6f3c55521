"""The ``autotuner`` command: serve the product, manage presets, migrate the database."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from autotuner import __version__
from autotuner.cli.engines import engines_app
from autotuner.cli.models import models_app
from autotuner.core.actors import Actor
from autotuner.core.errors import AutotunerError
from autotuner.core.settings import Settings, get_settings

app = typer.Typer(
    help="Autotuner for LLM inference engines: presets, tuning tasks and the web service.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
presets_app = typer.Typer(help="Manage parameter presets.", no_args_is_help=True)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
tasks_app = typer.Typer(help="Manage tuning tasks.", no_args_is_help=True)
app.add_typer(presets_app, name="presets")
app.add_typer(tasks_app, name="tasks")
app.add_typer(db_app, name="db")
app.add_typer(engines_app, name="engines")
app.add_typer(models_app, name="models")

console = Console()
err_console = Console(stderr=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]

# The CLI runs on the service's machine with access to its database: it acts as the operator, who
# may run the command runtime (the stand-in engine) whatever the service allows its clients.
OPERATOR = Actor.operator(allow_command_runtime=True)


def fail(message: str, code: int = 1) -> None:
    err_console.print(f"[bold red]Error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


@contextmanager
def open_session(settings: Settings | None = None) -> Iterator[Session]:
    """A session on the configured database (migrated and seeded), committing on success.
    Domain errors print their sentence and exit non-zero."""
    from autotuner.db.session import session_scope
    from autotuner.startup import prepare_database

    settings = settings or get_settings()
    try:
        engine, factory = prepare_database(settings)
    except Exception as exc:  # unreachable or unusable database
        fail(f"Cannot open the database {settings.resolved_database_url!r}: {exc}")
    try:
        with session_scope(factory) as session:
            yield session
    except AutotunerError as exc:
        fail(exc.message)
    finally:
        engine.dispose()


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def short_parameters(parameters: dict[str, Any]) -> str:
    from autotuner.core.parameters import iter_leaves

    def show(value: Any) -> str:
        return json.dumps(value) if isinstance(value, bool) else str(value)

    return "; ".join(
        f"{'.'.join(path)}: {', '.join(show(v) for v in values)}" for path, values in iter_leaves(parameters)
    )


def parse_value(text: str) -> Any:
    """``4`` -> 4, ``0.9`` -> 0.9, ``true`` -> True, anything else stays a string."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return text
    return value if isinstance(value, (bool, int, float)) else text


def parse_assignments(items: list[str] | None, option: str) -> dict[str, Any]:
    """``["tp-size=1,2", "schedule-policy=lpm"]`` -> ``{"tp-size": [1, 2], "schedule-policy": ["lpm"]}``."""
    out: dict[str, Any] = {}
    for item in items or []:
        name, sep, values = item.partition("=")
        if not sep or not name.strip() or not values.strip():
            fail(f"{option} {item!r} is not NAME=VALUE[,VALUE...]: write e.g. {option} tp-size=1,2")
        out[name.strip()] = [parse_value(v.strip()) for v in values.split(",") if v.strip()]
    return out


def load_json_argument(text: str, what: str) -> Any:
    """A JSON document given inline or as a path to a file."""
    path = Path(text)
    raw = path.read_text() if path.is_file() else text
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        fail(f"{what} is neither a JSON file nor inline JSON ({exc.msg}): pass e.g. '{{\"tp-size\": [1, 2]}}'")


def preset_dict(preset) -> dict[str, Any]:
    from autotuner.presets.schemas import PresetRead

    return PresetRead.model_validate(preset).model_dump(mode="json")


# --- top level ---------------------------------------------------------------------------


def version_callback(value: bool) -> None:
    if value:
        console.print(f"autotuner {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool | None, typer.Option("--version", callback=version_callback, is_eager=True, help="Print the version.")
    ] = None,
) -> None:
    """Autotuner for LLM inference engines."""


@app.command()
def serve(
    host: Annotated[str, typer.Option(envvar="AUTOTUNER_HOST", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(envvar="AUTOTUNER_PORT", help="Port to listen on.")] = 8000,
) -> None:
    """Serve the API (docs at /docs) and the built web UI on one port."""
    import uvicorn

    from autotuner.startup import configure_logging
    from autotuner.web.app import create_app

    settings = get_settings()
    log_file = configure_logging(settings)
    try:
        application = create_app(settings)
    except Exception as exc:
        fail(f"Cannot start: the database {settings.resolved_database_url!r} is not usable ({exc}).")
    console.print(
        f"Autotuner {__version__}: database {settings.resolved_database_url}\n"
        f"  UI  http://{host}:{port}/\n  API http://{host}:{port}/docs\n  log {log_file}"
        + (
            ""
            if settings.embedded_worker
            else "\n  tuning worker: off (AUTOTUNER_EMBEDDED_WORKER=false); run `autotuner worker`"
        ),
        highlight=False,
    )
    uvicorn.run(application, host=host, port=port, log_level="info")


@app.command()
def worker(
    poll: Annotated[float, typer.Option(help="Seconds between looks for started tasks.")] = 1.0,
) -> None:
    """Run the tuning worker alone (when `autotuner serve` runs with AUTOTUNER_EMBEDDED_WORKER=false).

    One worker per database: do not run it beside a serve that embeds one."""
    import signal

    from autotuner.runs.worker import Worker
    from autotuner.startup import configure_logging, prepare_database
    from autotuner.tuning.engine.process import terminate_all

    settings = get_settings()
    log_file = configure_logging(settings)
    try:
        engine, factory = prepare_database(settings)
    except Exception as exc:
        fail(f"Cannot open the database {settings.resolved_database_url!r}: {exc}")
    runner = Worker(factory, settings.log_dir, allow_command_runtime=settings.allow_command_runtime, poll_interval=poll)
    console.print(f"Worker on {settings.resolved_database_url} (log {log_file}); Ctrl-C stops it.", highlight=False)

    def _stop(_signum, _frame) -> None:
        runner.stop()

    signal.signal(signal.SIGTERM, _stop)
    try:
        runner.start()
        while runner._thread is not None and runner._thread.is_alive():
            runner._thread.join(0.5)
    except KeyboardInterrupt:
        runner.stop()
    finally:
        terminate_all()
        engine.dispose()


@app.command()
def tune(
    task_file: Annotated[
        Path, typer.Argument(help="A task as JSON (the body of POST /api/tasks/).", exists=True, dir_okay=False)
    ],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the engine commands and stop.")] = False,
    log_dir: Annotated[
        Path | None, typer.Option(help="Where the experiments' logs go (default: a new folder under the data dir).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Run a task end to end without the web service: a progress bar, then every experiment and the best."""
    from autotuner.cli.tune import tune_file

    tune_file(task_file, dry_run=dry_run, log_dir=log_dir, as_json=as_json, console=console, fail=fail)


@app.command()
def openapi() -> None:
    """Print the OpenAPI schema of the service (used to generate the UI's API types)."""
    from autotuner.web.app import create_app

    print_json(create_app(get_settings(), prepare_db=False).openapi())


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the database migrations (the service also does it at start-up)."""
    from autotuner.db import migrate

    settings = get_settings()
    with open_session(settings):
        pass
    console.print(f"Database {settings.resolved_database_url} is at revision {migrate.head_revision()}.")


# --- presets -----------------------------------------------------------------------------


@presets_app.command("list")
def presets_list(
    category: Annotated[str | None, typer.Option(help="Only this category.")] = None,
    system: Annotated[
        bool | None, typer.Option("--system/--custom", help="Only system or only custom presets.")
    ] = None,
    runtime: Annotated[str | None, typer.Option(help="Only presets for this runtime (sglang, vllm, llamacpp).")] = None,
    q: Annotated[str | None, typer.Option("--search", "-q", help="Text in name, description or tags.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """List presets."""
    from autotuner.presets import service

    with open_session() as session:
        presets = service.list_presets(session, category=category, is_system=system, runtime=runtime, q=q)
        rows = [preset_dict(p) for p in presets]
    if as_json:
        print_json(rows)
        return
    table = Table(title=f"{len(rows)} preset{'s' if len(rows) != 1 else ''}")
    for column in ("ID", "Name", "Slug", "Category", "Runtime", "Parameters"):
        table.add_column(column, overflow="fold")
    for row in rows:
        name = row["name"] + (" [cyan](system)[/]" if row["is_system"] else "")
        table.add_row(
            str(row["id"]),
            name,
            row["slug"],
            row["category"] or "",
            row["runtime"] or "any",
            short_parameters(row["parameters"]),
        )
    console.print(table)


@presets_app.command("show")
def presets_show(ref: Annotated[str, typer.Argument(help="Preset id or slug.")], as_json: JsonOpt = False) -> None:
    """Show one preset."""
    from autotuner.presets import service

    with open_session() as session:
        row = preset_dict(service.get_preset(session, ref))
    if as_json:
        print_json(row)
        return
    console.print(
        f"[bold]{row['name']}[/] (id {row['id']}, slug {row['slug']}){' [cyan]system[/]' if row['is_system'] else ''}"
    )
    for key in ("description", "category", "runtime"):
        console.print(f"  {key}: {row[key] if row[key] is not None else '-'}", highlight=False)
    console.print("  parameters:")
    console.print_json(data=row["parameters"])
    if row["metadata"]:
        console.print("  metadata:")
        console.print_json(data=row["metadata"])


@presets_app.command("create")
def presets_create(
    name: Annotated[str, typer.Option(help="Unique name.")],
    param: Annotated[list[str] | None, typer.Option("--param", "-p", help="NAME=V1,V2 (repeatable).")] = None,
    parameters: Annotated[str | None, typer.Option(help="Parameters as JSON, inline or a file path.")] = None,
    category: Annotated[str | None, typer.Option(help="performance, memory, general, custom, ...")] = "custom",
    description: Annotated[str | None, typer.Option()] = None,
    runtime: Annotated[str | None, typer.Option(help="sglang, vllm, llamacpp, or omit for any engine.")] = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", help="A tag (repeatable).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a custom preset."""
    from pydantic import ValidationError

    from autotuner.presets import service
    from autotuner.presets.schemas import PresetCreate

    space = load_json_argument(parameters, "--parameters") if parameters else {}
    if not isinstance(space, dict):
        fail("--parameters must be a JSON object such as '{\"tp-size\": [1, 2]}'.")
    space.update(parse_assignments(param, "--param"))
    if not space:
        fail("Give the preset's parameters with --param tp-size=1,2 (repeatable) or --parameters JSON.")
    try:
        data = PresetCreate(
            name=name,
            category=category,
            description=description,
            runtime=runtime,
            parameters=space,
            metadata={"tags": tag} if tag else None,
        )
    except ValidationError as exc:
        from autotuner.core.sentences import validation_sentence

        fail(validation_sentence(exc.errors()))
    with open_session() as session:
        saved = service.create_preset(session, data)
        warnings = saved.warnings
        row = preset_dict(saved.preset)
    if as_json:
        print_json({**row, "warnings": warnings})
        return
    console.print(f"Created preset [bold]{row['name']}[/] (id {row['id']}, slug {row['slug']}).")
    for warning in warnings:
        err_console.print(f"[yellow]Warning:[/] {warning}", highlight=False)


@presets_app.command("delete")
def presets_delete(
    ref: Annotated[str, typer.Argument(help="Preset id or slug.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete a custom preset (system presets are protected)."""
    from autotuner.presets import service

    with open_session() as session:
        preset = service.get_preset(session, ref)
        name = preset.name
        if not yes and not preset.is_system and sys.stdin.isatty():
            typer.confirm(f"Delete preset '{name}'?", abort=True)
        service.delete_preset(session, ref)
    console.print(f"Deleted preset [bold]{name}[/].")


@presets_app.command("export")
def presets_export(
    ref: Annotated[str, typer.Argument(help="Preset id or slug.")],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="File to write (default: preset-<slug>.json); '-' for stdout."),
    ] = None,
) -> None:
    """Export a preset to a JSON file."""
    from autotuner.presets import service

    with open_session() as session:
        preset = service.get_preset(session, ref)
        document = service.export_preset(preset).model_dump(mode="json")
        slug = preset.slug
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if output is not None and str(output) == "-":
        sys.stdout.write(text)
        return
    target = output or Path(f"preset-{slug}.json")
    target.write_text(text)
    console.print(f"Exported to {target}.")


@presets_app.command("import")
def presets_import(
    file: Annotated[Path, typer.Argument(help="The JSON file to import.", exists=True, dir_okay=False, readable=True)],
    on_conflict: Annotated[str, typer.Option(help="When a name is taken: error, rename, skip or overwrite.")] = "error",
    as_json: JsonOpt = False,
) -> None:
    """Import presets from a JSON file (all of the file or none)."""
    from autotuner.presets import service

    if on_conflict not in ("error", "rename", "skip", "overwrite"):
        fail(f"Invalid --on-conflict {on_conflict!r}: use one of error, rename, skip, overwrite.")
    raw = file.read_bytes()
    settings = get_settings()
    if len(raw) > settings.max_import_bytes:
        fail(
            f"The import file is larger than {settings.max_import_bytes // 1024} KiB: import presets in smaller files."
        )
    with open_session(settings) as session:
        imported, skipped, renamed = service.import_presets(session, raw, on_conflict)  # type: ignore[arg-type]
        rows = [preset_dict(p) for p in imported]
    if as_json:
        print_json({"imported": rows, "skipped": skipped, "renamed": renamed})
        return
    for row in rows:
        console.print(f"Imported [bold]{row['name']}[/] (id {row['id']}).")
    for name in skipped:
        console.print(f"Skipped '{name}': the name is taken.")


@presets_app.command("merge")
def presets_merge(
    refs: Annotated[list[str], typer.Argument(help="Preset ids or slugs, in merge order.")],
    strategy: Annotated[
        str, typer.Option("--strategy", "-s", help="union, intersection, last_wins or deep_merge.")
    ] = "union",
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="Override NAME=V1,V2 applied last (repeatable).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Merge presets and print the resulting parameter space."""
    from autotuner.presets import service

    overrides = parse_assignments(set_, "--set") or None
    with open_session() as session:
        report = service.merge_report(*service.merge_presets(session, refs, strategy, overrides))
    if as_json:
        print_json(report.model_dump(mode="json"))
        return
    console.print(
        f"Merged {', '.join(report.applied_presets)} with [bold]{report.merge_strategy}[/]: "
        f"{report.combinations} combination(s)."
    )
    console.print_json(data=report.parameters)
    for conflict in report.conflicts:
        console.print(f"[yellow]Conflict:[/] {conflict.message}", highlight=False)


# --- tasks -------------------------------------------------------------------------------


def task_dict(task) -> dict[str, Any]:
    from autotuner.tasks import service
    from autotuner.tasks.schemas import TaskRead

    return TaskRead.model_validate(service.task_read(task)).model_dump(mode="json")


def print_task(row: dict[str, Any]) -> None:
    console.print(
        f"[bold]{row['task_name']}[/] (id {row['id']}): {row['status']}, {row['base_runtime']} on "
        f"{row['model']['id_or_path']}, {row['optimization']['strategy']} / {row['optimization']['objective']}",
        highlight=False,
    )
    console.print(f"Parameter space ({row['combinations']} combination(s)):")
    console.print_json(data=row["parameters"])
    provenance = row.get("provenance")
    if provenance:
        names = ", ".join(p["name"] for p in provenance["presets"])
        console.print(f"From presets {names} merged with [bold]{provenance['merge_strategy']}[/]", highlight=False)
        if provenance.get("overrides"):
            console.print("  then overrides:", json.dumps(provenance["overrides"]), highlight=False)
    for warning in row.get("warnings") or []:
        err_console.print(f"[yellow]Warning:[/] {warning}", highlight=False)


@tasks_app.command("create")
def tasks_create(
    name: Annotated[str, typer.Option(help="Unique task name.")],
    model: Annotated[str, typer.Option(help="Model id or path, e.g. meta-llama/Llama-3.1-8B-Instruct.")],
    runtime: Annotated[str, typer.Option(help="sglang, vllm, llamacpp or command.")] = "sglang",
    preset: Annotated[
        list[str] | None, typer.Option("--preset", help="Preset id or slug, in merge order (repeatable).")
    ] = None,
    strategy: Annotated[str, typer.Option("--strategy", "-s", help="Merge strategy for the presets.")] = "union",
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="Override NAME=V1,V2 applied last (repeatable).")
    ] = None,
    param: Annotated[
        list[str] | None, typer.Option("--param", "-p", help="Parameter NAME=V1,V2 without presets (repeatable).")
    ] = None,
    search: Annotated[str, typer.Option(help="grid_search, random_search or bayesian.")] = "grid_search",
    objective: Annotated[
        str, typer.Option(help="maximize_throughput, minimize_latency, minimize_ttft or minimize_tpot.")
    ] = "maximize_throughput",
    max_iterations: Annotated[int, typer.Option(help="Most experiments to run.")] = 50,
    gpus: Annotated[int | None, typer.Option(help="GPUs the task may use.")] = None,
    description: Annotated[str | None, typer.Option()] = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a tuning task from presets (merged on the server) and/or parameters."""
    from pydantic import ValidationError

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
    try:
        data = TaskCreate.model_validate(body)
    except ValidationError as exc:
        from autotuner.core.sentences import validation_sentence

        fail(validation_sentence(exc.errors()))
    with open_session() as session:
        row = task_dict(service.create_task(session, data, actor=OPERATOR))
    if as_json:
        print_json(row)
        return
    console.print("Created task:", highlight=False)
    print_task(row)


@tasks_app.command("list")
def tasks_list(
    status: Annotated[str | None, typer.Option(help="pending, running, completed, failed or cancelled.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """List tasks, newest first."""
    from autotuner.tasks import service

    with open_session() as session:
        rows = [task_dict(t) for t in service.list_tasks(session, status=status)]
    if as_json:
        print_json(rows)
        return
    table = Table(title=f"{len(rows)} task{'s' if len(rows) != 1 else ''}")
    for column in ("ID", "Name", "Status", "Runtime", "Model", "Combinations", "Presets"):
        table.add_column(column, overflow="fold")
    for row in rows:
        presets = ", ".join(p["name"] for p in (row["provenance"] or {}).get("presets", []))
        table.add_row(
            str(row["id"]),
            row["task_name"],
            row["status"],
            row["base_runtime"],
            row["model"]["id_or_path"],
            str(row["combinations"]),
            presets,
        )
    console.print(table)


@tasks_app.command("show")
def tasks_show(task_id: Annotated[str, typer.Argument(help="Task id.")], as_json: JsonOpt = False) -> None:
    """Show a task: its space, where it came from, and warnings."""
    from autotuner.tasks import service

    with open_session() as session:
        row = task_dict(service.get_task(session, task_id))
    if as_json:
        print_json(row)
        return
    print_task(row)


@tasks_app.command("delete")
def tasks_delete(task_id: Annotated[str, typer.Argument(help="Task id.")]) -> None:
    """Delete a task that is not running."""
    from autotuner.tasks import service

    with open_session() as session:
        name = service.get_task(session, task_id).task_name
        service.delete_task(session, task_id)
    console.print(f"Deleted task [bold]{name}[/].")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
