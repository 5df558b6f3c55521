"""``autotuner presets ...``: list, show, create, delete, export, import and merge presets; their
history (versions, diff, restore).

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


def _leaf(space: dict[str, Any], path: list[str]) -> Any:
    node: Any = space
    for key in path:
        node = node[key]
    return node


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
        actor = acting_actor(session)
        presets = service.list_presets(session, actor, category=category, is_system=system, runtime=runtime, q=q)
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
        actor = acting_actor(session)
        row = preset_dict(service.get_preset(session, ref, actor))
    if as_json:
        print_json(row)
        return
    console.print(
        Text.assemble(
            (row["name"], "bold"),
            f" (id {row['id']}, slug {row['slug']}, version {row['version']})",
            (" system", "cyan") if row["is_system"] else "",
        )
    )
    for key in ("description", "category", "runtime"):
        console.print(f"  {key}: {row[key] if row[key] is not None else '-'}", highlight=False, markup=False)
    if row["extends"]:
        bases = ", ".join(f"{b['name']} ({b['slug']})" for b in row["extends"])
        console.print(f"  extends: {bases}", highlight=False, markup=False)
    if row["extended_by"]:
        console.print(f"  extended by {row['extended_by']} preset(s)", highlight=False, markup=False)
    console.print("  parameters:")
    console.print_json(data=row["parameters"])
    if row["extends"]:
        console.print("  effective parameters (value: from preset):")
        for source in row["effective_sources"]:
            values = _leaf(row["effective_parameters"], source["path"])
            shown = ", ".join(show_value(v) for v in values)
            console.print(f"    {source['parameter']}: {shown}  ({source['name']})", highlight=False, markup=False)
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
    extends: Annotated[
        list[str] | None,
        typer.Option(
            "--extends",
            metavar="PRESET",
            help="A preset (id or slug) this one extends (repeatable, in merge order): its effective parameters are "
            "the bases' merged in order, then its own on top.",
        ),
    ] = None,
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
    refs: list[int | str] = [int(e) if e.strip().isdecimal() else e for e in extends or []]
    data = validated(
        PresetCreate,
        {
            "name": name,
            "category": category,
            "description": description,
            "runtime": runtime,
            "parameters": space,
            "metadata": {"tags": tag} if tag else None,
            "extends": refs or None,
        },
    )
    with open_session() as session:
        actor = acting_actor(session)
        saved = service.create_preset(session, data, actor)
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
    detach: Annotated[
        bool,
        typer.Option(
            "--detach",
            help="If presets extend it, copy the values it gives them into their own parameters first "
            "(a new version each) and delete it.",
        ),
    ] = False,
) -> None:
    """Delete a custom preset (system presets are protected)."""
    from autotuner.presets import service

    with open_session() as session:
        actor = acting_actor(session)
        preset = service.get_preset(session, ref, actor)
        name = preset.name
        if not yes and not preset.is_system and sys.stdin.isatty():
            typer.confirm(f"Delete preset '{name}'?", abort=True)
        detached = service.delete_preset(session, ref, actor, cascade="detach" if detach else None)
        detached_names = [d.name for d in detached]
    console.print(Text.assemble("Deleted preset ", (name, "bold"), "."))
    for other in detached_names:
        console.print(
            f"'{other}' no longer extends it: the values it gave were copied into its own parameters.",
            highlight=False,
            markup=False,
        )


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
        actor = acting_actor(session)
        preset = service.get_preset(session, ref, actor)
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
        actor = acting_actor(session)
        imported, skipped, renamed, notes = service.import_presets(session, raw, actor, on_conflict)  # type: ignore[arg-type]
        rows = [preset_dict(p) for p in imported]
    if as_json:
        print_json({"imported": rows, "skipped": skipped, "renamed": renamed, "notes": notes})
        return
    for row in rows:
        console.print(Text.assemble("Imported ", (row["name"], "bold"), f" (id {row['id']})."))
    for name in skipped:
        console.print(f"Skipped '{name}': the name is taken.", highlight=False, markup=False)
    for note in notes:
        print_labelled("Note", "cyan", note)


def merged_space_table(parameters: dict[str, Any]) -> Table:
    """The merged space, one parameter a row: ``tp-size | 1, 2, 4``."""
    table = Table(box=None, pad_edge=False, show_edge=False, padding=(0, 2, 0, 0))
    table.add_column("Parameter", style="bold", no_wrap=True, overflow="fold")
    table.add_column("Values")
    for path, values in iter_leaves(parameters):
        shown = ", ".join(show_value(v) for v in values) if isinstance(values, list) else show_value(values)
        table.add_row(".".join(path), shown)
    return table


def parse_resolutions(items: list[str] | None) -> dict[str, Any]:
    """``["tp-size=last", "mem-fraction-static=0.8,0.9"]`` -> ``{"tp-size": "last", "mem-...": [0.8, 0.9]}``:
    a resolution name, or the values to keep."""
    from autotuner.presets.merger import RESOLUTIONS

    out: dict[str, Any] = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or not value.strip():
            fail(f"--resolve {item!r} is not PARAM=RESOLUTION: write e.g. --resolve tp-size=last")
        text = value.strip()
        if text in RESOLUTIONS:
            out[name.strip()] = text
        else:
            out[name.strip()] = parse_assignments([f"{name.strip()}={text}"], "--resolve")[name.strip()]
    return out


@app.command("merge", cls=Command)
def presets_merge(
    refs: Annotated[list[str], typer.Argument(metavar="PRESET...", help="Preset ids or slugs, in merge order.")],
    strategy: Annotated[
        str,
        typer.Option(
            "--strategy", "-s", help="union, intersection, last_wins, deep_merge or smart (per parameter, by catalog)."
        ),
    ] = "union",
    resolve: Annotated[
        list[str] | None,
        typer.Option(
            "--resolve",
            metavar="PARAM=RESOLUTION",
            help="Decide one conflict: union, intersection, first, last, min, max, or values V1,V2 (repeatable).",
        ),
    ] = None,
    runtime: Annotated[
        str | None, typer.Option(help="The engine whose catalog smart merge and the rules use (sglang, vllm).")
    ] = None,
    gpus: Annotated[int | None, typer.Option(min=1, max=1024, help="GPUs, for the rules that need them.")] = None,
    set_: Assignments = None,
    as_json: JsonOpt = False,
) -> None:
    """Merge presets and print the resulting parameter space: a table of each parameter's values,
    then the conflicts in words with their proposed resolution, every smart decision, and what the
    combination rules remove (--json for the API's answer)."""
    from autotuner.presets.schemas import MergeRequest
    from autotuner.tasks.preview import merge_preview

    overrides = parse_assignments(set_, "--set") or None
    data = validated(
        MergeRequest,
        {
            "preset_ids": list(refs),
            "merge_strategy": strategy,
            "overrides": overrides,
            "resolutions": parse_resolutions(resolve) or None,
            "runtime": runtime,
            "gpus": gpus,
        },
    )
    with open_session() as session:
        report = merge_preview(session, data, acting_actor(session))
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
        print_labelled("Resolved" if conflict.resolution is not None else "Conflict", "yellow", conflict.message)
    # Decisions the conflicts do not already say: a value out of range dropped, a parameter left out.
    explained = {c.parameter for c in report.conflicts}
    for decision in report.decisions:
        if decision.parameter not in explained:
            print_labelled("Decision", "cyan", decision.message)
    removals = [m for m in (report.space.messages if report.space else []) if " removes " in m]
    if report.space is not None and (removals or gpus is not None):
        valid = "?" if report.space.valid is None else str(report.space.valid)
        console.print(
            f"Combination rules of {report.space.runtime}: {valid} of {report.space.total} combination(s) remain.",
            highlight=False,
            markup=False,
        )
        for message in report.space.messages:
            print_labelled("Rule", "magenta", message)


# --- history ----------------------------------------------------------------------------------


@app.command("history", cls=Command)
def presets_history(
    ref: PresetRef,
    limit: Annotated[int, typer.Option(min=1, max=200, help="How many versions (newest first).")] = 20,
    offset: Annotated[int, typer.Option(min=0, help="Skip this many of the newest.")] = 0,
    as_json: JsonOpt = False,
) -> None:
    """A preset's versions, newest first: number, when, who, what changed and why."""
    from autotuner.presets import history

    with open_session() as session:
        page = history.list_versions(session, ref, acting_actor(session), offset=offset, limit=limit)
    if as_json:
        print_json(page.model_dump(mode="json"))
        return
    print_table(
        f"{page.total} version{'s' if page.total != 1 else ''} (current: {page.current_version})",
        [Column("Version"), Column("When"), Column("Who"), Column("Change"), Column("Summary", own_line=True)],
        [
            [
                str(v.number) + (" *" if v.number == page.current_version else ""),
                f"{v.created_at:%Y-%m-%d %H:%M}",
                v.author,
                v.change,
                v.summary + (f" Note: {v.change_note}" if v.change_note else ""),
            ]
            for v in page.versions
        ],
    )


@app.command("diff", cls=Command)
def presets_diff(
    ref: PresetRef,
    a: Annotated[int, typer.Argument(metavar="A", min=1, help="The older version.")],
    b: Annotated[int, typer.Argument(metavar="B", min=1, help="The newer version.")],
    as_json: JsonOpt = False,
) -> None:
    """What changed from version A to version B: parameters added, removed, changed, and fields."""
    from autotuner.presets import history

    with open_session() as session:
        diff = history.diff_versions(session, ref, a, b, acting_actor(session))
    if as_json:
        print_json(diff.model_dump(mode="json"))
        return
    console.print(f"Version {a} -> {b}: {diff.summary}", highlight=False, markup=False)
    for item in diff.parameters.added:
        console.print(f"  + {item.parameter}: {', '.join(map(show_value, item.values))}", highlight=False, markup=False)
    for item in diff.parameters.removed:
        console.print(f"  - {item.parameter}: {', '.join(map(show_value, item.values))}", highlight=False, markup=False)
    for change in diff.parameters.changed:
        console.print(
            f"  ~ {change.parameter}: {', '.join(map(show_value, change.before))} -> "
            f"{', '.join(map(show_value, change.after))}",
            highlight=False,
            markup=False,
        )
    for field in diff.fields:
        console.print(
            f"  {field.field}: {json.dumps(field.before)} -> {json.dumps(field.after)}", highlight=False, markup=False
        )


@app.command("restore", cls=Command)
def presets_restore(
    ref: PresetRef,
    number: Annotated[int, typer.Argument(metavar="N", min=1, help="The version to restore.")],
    note: Annotated[str | None, typer.Option("--note", metavar="TEXT", help="Why (kept with the version).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Restore version N: a new version equal to it (the history keeps every version)."""
    from autotuner.presets import history

    with open_session() as session:
        saved = history.restore_version(session, ref, number, acting_actor(session), note=note)
        row = preset_dict(saved.preset)
        warnings = saved.warnings
    if as_json:
        print_json({**row, "warnings": warnings})
        return
    console.print(
        Text.assemble("Restored ", (row["name"], "bold"), f" to version {number}: it is now version {row['version']}.")
    )
    for warning in warnings:
        print_warning(warning)


# --- analytics and suggestions ------------------------------------------------------------------


def _score(value: float | None) -> str:
    return "-" if value is None else f"{value:.4g}"


@app.command("analytics", cls=Command)
def presets_analytics(ref: PresetRef, as_json: JsonOpt = False) -> None:
    """How a preset's values fared: tasks by version, scores per context, wins, other presets."""
    from autotuner.analytics.preset_report import preset_analytics

    with open_session() as session:
        report = preset_analytics(session, ref, acting_actor(session))
    if as_json:
        print_json(report.model_dump(mode="json"))
        return
    rate = "-" if report.win_rate is None else f"{report.win_rate:.0%}"
    console.print(
        Text.assemble(
            (report.preset_name, "bold"),
            f" (id {report.preset_id}): {report.tasks} task(s), {report.experiments} experiment(s); "
            f"best configuration within its values in {report.wins} task(s) ({rate})",
        )
    )
    if not report.tasks:
        console.print("No task you can read was made with this preset yet.", highlight=False, markup=False)
        return
    print_table(
        "Per version",
        [Column("Version"), Column("Tasks"), Column("Experiments"), Column("Best"), Column("Median")],
        [
            [str(v.version), str(v.tasks), str(v.experiments), _score(t.best_score), _score(t.median_score)]
            for v, t in zip(report.by_version, report.trend, strict=True)
        ],
    )
    print_table(
        "Scores per context (succeeded experiments)",
        [Column("Context", own_line=True), Column("Best"), Column("Median"), Column("N")],
        [[c.label, _score(c.best_score), _score(c.median_score), str(c.experiments)] for c in report.contexts],
    )
    if report.compared:
        print_table(
            "Other presets in the same tasks",
            [Column("Preset"), Column("Together"), Column("Wins"), Column("Win rate"), Column("Median")],
            [
                [
                    f"{c.preset_name} ({c.preset_id})",
                    str(c.tasks_together),
                    str(c.wins),
                    "-" if c.win_rate is None else f"{c.win_rate:.0%}",
                    _score(c.median_score),
                ]
                for c in report.compared
            ],
        )


@app.command("suggest", cls=Command)
def presets_suggest(
    runtime: Annotated[str, typer.Option(help="sglang, vllm or llamacpp.")] = "sglang",
    model: Annotated[str | None, typer.Option(help="A model id of the built-in table (see --models).")] = None,
    config: Annotated[str | None, typer.Option(metavar="PATH", help="A local config.json instead of --model.")] = None,
    dtype: Annotated[str | None, typer.Option(help="Weights dtype (default: the model's).")] = None,
    gpu_memory: Annotated[
        float | None, typer.Option(metavar="GB", help="Memory of one GPU; default: nvidia-smi.")
    ] = None,
    gpus: Annotated[int, typer.Option(min=1, help="How many GPUs (with --gpu-memory).")] = 1,
    gpu_model: Annotated[str | None, typer.Option(help="The GPU's name, e.g. H100 (with --gpu-memory).")] = None,
    objective: Annotated[str, typer.Option(help="The objective history is read for.")] = "maximize_throughput",
    scenario: Annotated[str, typer.Option(help="genai-bench scenario.")] = "D(1000,200)",
    save: Annotated[str | None, typer.Option(metavar="NAME", help="Save the space as a new preset.")] = None,
    models: Annotated[bool, typer.Option("--models", help="List the built-in table of models and stop.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Suggest a parameter space for a model on some GPUs: a reason for every value."""
    from autotuner.analytics.schemas import SuggestRequest
    from autotuner.analytics.suggest import suggest
    from autotuner.presets import service
    from autotuner.presets.schemas import PresetCreate
    from autotuner.tuning.memory import known_models

    if models:
        rows = [shape.as_dict() for shape in known_models()]
        if as_json:
            print_json(rows)
            return
        print_table(
            "Built-in model shapes (from each model's config.json)",
            [Column("Model"), Column("Params (B)"), Column("Layers"), Column("KV heads"), Column("Head dim")],
            [[r["id"], f"{r['params_b']:g}", str(r["layers"]), str(r["kv_heads"]), str(r["head_dim"])] for r in rows],
        )
        return
    body: dict[str, Any] = {
        "runtime": runtime,
        "model": {"id": model} if model is not None else {"config_path": config},
        "dtype": dtype,
        "objective": objective,
        "scenario": scenario,
    }
    if model is not None and config is not None:
        fail("Give --model or --config, not both.")
    if model is None and config is None:
        fail("Give --model ID (see --models) or --config PATH (a config.json).")
    if gpu_memory is not None:
        body["hardware"] = {"gpu_memory_gb": gpu_memory, "gpu_count": gpus, "gpu_model": gpu_model}
    request = validated(SuggestRequest, body)
    with open_session() as session:
        actor = acting_actor(session)
        answer = suggest(session, actor, request)
        saved = None
        if save is not None:
            data = validated(
                PresetCreate,
                {
                    "name": save,
                    "runtime": runtime,
                    "category": "suggested",
                    "parameters": answer.parameters,
                    "description": f"Suggested for {model or config} ({scenario}).",
                },
            )
            saved = service.create_preset(session, data, actor)
    if as_json:
        print_json(answer.model_dump(mode="json"))
        return
    figures = answer.figures
    console.print(
        f"{figures['weights_gb']:g} GB of weights, {figures['kv_bytes_per_token']:,} bytes of KV cache per token; "
        f"tp-size {figures['tp_size']}: about {figures['kv_tokens']:,} tokens of cache.",
        highlight=False,
        markup=False,
    )
    # One row per flag and reason: the values a reason gives together share it.
    grouped: dict[tuple[str, str, str], list[str]] = {}
    for r in answer.reasons:
        grouped.setdefault((r.flag, r.source.replace("_", " "), r.text), []).append(show_value(r.value))
    print_table(
        "Suggested space",
        [Column("Flag"), Column("Values"), Column("From"), Column("Why", own_line=True)],
        [[flag, ", ".join(values), source, text] for (flag, source, text), values in grouped.items()],
    )
    if answer.presets:
        print_table(
            "Presets on similar contexts",
            [Column("Preset"), Column("Score"), Column("Experiments"), Column("Similarity")],
            [
                [f"{p.name} ({p.preset_id})", _score(p.score), str(p.experiments), f"{p.similarity:.2f}"]
                for p in answer.presets
            ],
        )
    for warning in answer.warnings:
        print_warning(warning)
    if saved is not None:
        console.print(f"Saved as preset '{saved.preset.name}' (id {saved.preset.id}).", highlight=False, markup=False)
