"""``autotuner presets ...``: list, show, create, delete, export, import and merge presets.

The preset service is imported inside each command: it pulls in SQLAlchemy and Pydantic models
(~0.4 s) that ``autotuner --help`` should not wait for.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from autotuner.cli.base import OPERATOR, Command, JsonOpt, fail, new_group, open_session, parse_assignments, validated
from autotuner.cli.output import (
    Column,
    console,
    parameter_lines,
    print_json,
    print_labelled,
    print_table,
    print_warning,
    show_value,
)
from autotuner.core.parameters import iter_leaves
from autotuner.core.settings import get_settings

app = new_group("Manage parameter presets.")

PresetRef = Annotated[str, typer.Argument(metavar="PRESET", help="Preset id or slug.")]
Assignments = Annotated[
    list[str] | None,
    typer.Option("--set", metavar="NAME=VALUES", help="Override NAME=V1,V2 applied last (repeatable)."),
]


def preset_dict(preset: Any) -> dict[str, Any]:
    from autotuner.presets.schemas import PresetRead

    return PresetRead.model_validate(preset).model_dump(mode="json")


def load_json_argument(text: str, what: str) -> Any:
    """A JSON document given inline or as a path to a file."""
    path = Path(text)
    raw = path.read_text() if path.is_file() else text
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        fail(f"{what} is neither a JSON file nor inline JSON ({exc.msg}): pass e.g. '{{\"tp-size\": [1, 2]}}'")


@app.command("list", cls=Command)
def presets_list(
    category: Annotated[str | None, typer.Option(help="Only this category.")] = None,
    system: Annotated[
        bool | None, typer.Option("--system/--custom", help="Only system or only custom presets.")
    ] = None,
    runtime: Annotated[str | None, typer.Option(help="Only presets for this runtime (sglang, vllm).")] = None,
    q: Annotated[
        str | None, typer.Option("--search", "-q", metavar="TEXT", help="Text in name, description or tags.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """List presets."""
    from autotuner.presets import service

    with open_session() as session:
        presets = service.list_presets(session, OPERATOR, category=category, is_system=system, runtime=runtime, q=q)
        rows = [preset_dict(p) for p in presets]
    if as_json:
        print_json(rows)
        return
    columns = [
        Column("ID"),
        Column("Name"),
        Column("Slug"),
        Column("Category"),
        Column("Runtime"),
        Column("Parameters", own_line=True),
    ]
    print_table(
        f"{len(rows)} preset{'s' if len(rows) != 1 else ''}",
        columns,
        [
            [
                str(row["id"]),
                Text.assemble(row["name"], (" (system)", "cyan") if row["is_system"] else ""),
                row["slug"],
                row["category"] or "",
                row["runtime"] or "any",
                "\n".join(parameter_lines(row["parameters"])),
            ]
            for row in rows
        ],
    )


@app.command("show", cls=Command)
def presets_show(ref: PresetRef, as_json: JsonOpt = False) -> None:
    """Show one preset."""
    from autotuner.presets import service

    with open_session() as session:
        row = preset_dict(service.get_preset(session, ref, OPERATOR))
    if as_json:
        print_json(row)
        return
    console.print(
        Text.assemble(
            (row["name"], "bold"),
            f" (id {row['id']}, slug {row['slug']})",
            (" system", "cyan") if row["is_system"] else "",
        )
    )
    for key in ("description", "category", "runtime"):
        console.print(f"  {key}: {row[key] if row[key] is not None else '-'}", highlight=False, markup=False)
    console.print("  parameters:")
    console.print_json(data=row["parameters"])
    if row["metadata"]:
        console.print("  metadata:")
        console.print_json(data=row["metadata"])


@app.command("create", cls=Command)
def presets_create(
    name: Annotated[str, typer.Option(help="Unique name.")],
    param: Annotated[
        list[str] | None, typer.Option("--param", "-p", metavar="NAME=VALUES", help="NAME=V1,V2 (repeatable).")
    ] = None,
    parameters: Annotated[
        str | None, typer.Option(metavar="JSON", help="Parameters as JSON, inline or a file path.")
    ] = None,
    category: Annotated[str | None, typer.Option(help="performance, memory, general, custom, ...")] = "custom",
    description: Annotated[str | None, typer.Option(metavar="TEXT")] = None,
    runtime: Annotated[str | None, typer.Option(help="sglang, vllm, or omit for any engine.")] = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", help="A tag (repeatable).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a custom preset."""
    from autotuner.presets import service
    from autotuner.presets.schemas import PresetCreate

    space = load_json_argument(parameters, "--parameters") if parameters else {}
    if not isinstance(space, dict):
        fail("--parameters must be a JSON object such as '{\"tp-size\": [1, 2]}'.")
    space.update(parse_assignments(param, "--param"))
    if not space:
        fail("Give the preset's parameters with --param tp-size=1,2 (repeatable) or --parameters JSON.")
    data = validated(
        PresetCreate,
        {
            "name": name,
            "category": category,
            "description": description,
            "runtime": runtime,
            "parameters": space,
            "metadata": {"tags": tag} if tag else None,
        },
    )
    with open_session() as session:
        saved = service.create_preset(session, data, OPERATOR)
        warnings = saved.warnings
        row = preset_dict(saved.preset)
    if as_json:
        print_json({**row, "warnings": warnings})
        return
    console.print(Text.assemble("Created preset ", (row["name"], "bold"), f" (id {row['id']}, slug {row['slug']})."))
    for warning in warnings:
        print_warning(warning)


@app.command("delete", cls=Command)
def presets_delete(
    ref: PresetRef,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete a custom preset (system presets are protected)."""
    from autotuner.presets import service

    with open_session() as session:
        preset = service.get_preset(session, ref, OPERATOR)
        name = preset.name
        if not yes and not preset.is_system and sys.stdin.isatty():
            typer.confirm(f"Delete preset '{name}'?", abort=True)
        service.delete_preset(session, ref, OPERATOR)
    console.print(Text.assemble("Deleted preset ", (name, "bold"), "."))


@app.command("export", cls=Command)
def presets_export(
    ref: PresetRef,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", metavar="FILE", help="File to write (default: preset-<slug>.json); '-' for stdout."
        ),
    ] = None,
) -> None:
    """Export a preset to a JSON file."""
    from autotuner.presets import service

    with open_session() as session:
        preset = service.get_preset(session, ref, OPERATOR)
        document = service.export_preset(preset).model_dump(mode="json")
        slug = preset.slug
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if output is not None and str(output) == "-":
        sys.stdout.write(text)
        return
    target = output or Path(f"preset-{slug}.json")
    target.write_text(text)
    console.print(f"Exported to {target}.", highlight=False, markup=False)


@app.command("import", cls=Command)
def presets_import(
    file: Annotated[
        Path,
        typer.Argument(metavar="FILE", help="The JSON file to import.", exists=True, dir_okay=False, readable=True),
    ],
    on_conflict: Annotated[
        str,
        typer.Option(
            metavar="error|rename|skip|overwrite", help="When a name is taken: error, rename, skip or overwrite."
        ),
    ] = "error",
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
        imported, skipped, renamed = service.import_presets(session, raw, OPERATOR, on_conflict)  # type: ignore[arg-type]
        rows = [preset_dict(p) for p in imported]
    if as_json:
        print_json({"imported": rows, "skipped": skipped, "renamed": renamed})
        return
    for row in rows:
        console.print(Text.assemble("Imported ", (row["name"], "bold"), f" (id {row['id']})."))
    for name in skipped:
        console.print(f"Skipped '{name}': the name is taken.", highlight=False, markup=False)


def merged_space_table(parameters: dict[str, Any]) -> Table:
    """The merged space, one parameter a row: ``tp-size | 1, 2, 4``."""
    table = Table(box=None, pad_edge=False, show_edge=False, padding=(0, 2, 0, 0))
    table.add_column("Parameter", style="bold", no_wrap=True, overflow="fold")
    table.add_column("Values")
    for path, values in iter_leaves(parameters):
        shown = ", ".join(show_value(v) for v in values) if isinstance(values, list) else show_value(values)
        table.add_row(".".join(path), shown)
    return table


@app.command("merge", cls=Command)
def presets_merge(
    refs: Annotated[list[str], typer.Argument(metavar="PRESET...", help="Preset ids or slugs, in merge order.")],
    strategy: Annotated[
        str, typer.Option("--strategy", "-s", help="union, intersection, last_wins or deep_merge.")
    ] = "union",
    set_: Assignments = None,
    as_json: JsonOpt = False,
) -> None:
    """Merge presets and print the resulting parameter space: a table of each parameter's values,
    then the conflicts in words (--json for the API's answer)."""
    from autotuner.presets import service

    overrides = parse_assignments(set_, "--set") or None
    with open_session() as session:
        report = service.merge_report(*service.merge_presets(session, refs, strategy, overrides, actor=OPERATOR))
    if as_json:
        print_json(report.model_dump(mode="json"))
        return
    console.print(
        Text.assemble(
            f"Merged {', '.join(report.applied_presets)} with ",
            (report.merge_strategy, "bold"),
            f": {report.combinations} combination(s).",
        )
    )
    console.print(merged_space_table(report.parameters))
    for conflict in report.conflicts:
        print_labelled("Conflict", "yellow", conflict.message)
