"""The ``autotuner`` command: serve the product, manage presets, migrate the database."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from autotuner import __version__
from autotuner.errors import AutotunerError, ValidationFailed
from autotuner.settings import Settings, get_settings

app = typer.Typer(
    help="Autotuner for LLM inference engines: presets, tuning tasks and the web service.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
presets_app = typer.Typer(help="Manage parameter presets.", no_args_is_help=True)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
app.add_typer(presets_app, name="presets")
app.add_typer(db_app, name="db")

console = Console()
err_console = Console(stderr=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


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
    from autotuner.presets.parameters import iter_leaves

    def show(value: Any) -> str:
        return json.dumps(value) if isinstance(value, bool) else str(value)

    return "; ".join(f"{'.'.join(path)}: {', '.join(show(v) for v in values)}" for path, values in iter_leaves(parameters))


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
        Optional[bool], typer.Option("--version", callback=version_callback, is_eager=True, help="Print the version.")
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

    from autotuner.web.app import create_app

    settings = get_settings()
    try:
        application = create_app(settings)
    except Exception as exc:
        fail(f"Cannot start: the database {settings.resolved_database_url!r} is not usable ({exc}).")
    console.print(
        f"Autotuner {__version__}: database {settings.resolved_database_url}\n"
        f"  UI  http://{host}:{port}/\n  API http://{host}:{port}/docs",
        highlight=False,
    )
    uvicorn.run(application, host=host, port=port, log_level="info")


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
    category: Annotated[Optional[str], typer.Option(help="Only this category.")] = None,
    system: Annotated[Optional[bool], typer.Option("--system/--custom", help="Only system or only custom presets.")] = None,
    runtime: Annotated[Optional[str], typer.Option(help="Only presets for this runtime (sglang, vllm).")] = None,
    q: Annotated[Optional[str], typer.Option("--search", "-q", help="Text in name, description or tags.")] = None,
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
        table.add_row(str(row["id"]), name, row["slug"], row["category"] or "", row["runtime"] or "any", short_parameters(row["parameters"]))
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
    console.print(f"[bold]{row['name']}[/] (id {row['id']}, slug {row['slug']}){' [cyan]system[/]' if row['is_system'] else ''}")
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
    param: Annotated[Optional[list[str]], typer.Option("--param", "-p", help="NAME=V1,V2 (repeatable).")] = None,
    parameters: Annotated[Optional[str], typer.Option(help="Parameters as JSON, inline or a file path.")] = None,
    category: Annotated[Optional[str], typer.Option(help="performance, memory, general, custom, ...")] = "custom",
    description: Annotated[Optional[str], typer.Option()] = None,
    runtime: Annotated[Optional[str], typer.Option(help="sglang, vllm, or omit for any engine.")] = None,
    tag: Annotated[Optional[list[str]], typer.Option("--tag", help="A tag (repeatable).")] = None,
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
            name=name, category=category, description=description, runtime=runtime, parameters=space,
            metadata={"tags": tag} if tag else None,
        )
    except ValidationError as exc:
        from autotuner.web.errors import validation_sentence

        fail(validation_sentence(exc.errors()))
    with open_session() as session:
        preset = service.create_preset(session, data)
        warnings = service.catalog_warnings(preset)
        row = preset_dict(preset)
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
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="File to write (default: preset-<slug>.json); '-' for stdout.")] = None,
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
        fail(f"The import file is larger than {settings.max_import_bytes // 1024} KiB: import presets in smaller files.")
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
    strategy: Annotated[str, typer.Option("--strategy", "-s", help="union, intersection, last_wins or deep_merge.")] = "union",
    set_: Annotated[Optional[list[str]], typer.Option("--set", help="Override NAME=V1,V2 applied last (repeatable).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Merge presets and print the resulting parameter space."""
    from autotuner.presets import service

    overrides = parse_assignments(set_, "--set") or None
    with open_session() as session:
        result, presets = service.merge_presets(session, refs, strategy, overrides)
        names = [p.name for p in presets]
    payload = {
        "parameters": result.parameters,
        "applied_presets": names,
        "merge_strategy": result.strategy,
        "conflicts": [c.to_dict() for c in result.conflicts],
        "combinations": result.combinations,
    }
    if as_json:
        print_json(payload)
        return
    console.print(f"Merged {', '.join(names)} with [bold]{result.strategy}[/]: {result.combinations} combination(s).")
    console.print_json(data=result.parameters)
    for conflict in result.conflicts:
        console.print(f"[yellow]Conflict:[/] {conflict.message}", highlight=False)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
