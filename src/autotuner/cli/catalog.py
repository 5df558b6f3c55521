"""``autotuner catalog``: the engine catalogs, one per engine version, generated from the releases.

``autotuner catalog sync sglang==0.5.23`` downloads the wheel without its dependencies (cached in
``~/.cache/autotuner/wheels/``), reads its argument definitions statically and writes
``runtimes/data/generated/sglang/0.5.23.json`` (see :mod:`autotuner.runtimes.generate`); the
hand-curated overlay (``runtimes/data/overlays/sglang.json``) is merged when the catalog loads, so
a re-sync never loses it. ``autotuner catalog sync llamacpp`` reads ``llama-server --help`` of the
llama-server a llama.cpp task would run. ``list`` shows the versions, ``flags`` one version's flags.
"""

from __future__ import annotations

import time
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import typer

from autotuner.cli.base import Command, fail, new_group
from autotuner.cli.output import console

app = new_group("Engine catalogs per version: generate them from the released engines, list them.")


def _generated_dir() -> Path:
    return Path(str(resources.files("autotuner.runtimes").joinpath("data", "generated")))


@app.command("sync", cls=Command)
def sync(
    spec: Annotated[
        str,
        typer.Argument(
            metavar="ENGINE==VERSION",
            help="sglang==0.5.23, vllm==0.33.0, or llamacpp (the llama-server a task would run).",
        ),
    ],
    out: Annotated[
        Path | None,
        typer.Option(help="Folder of the generated catalogs (default: the package's runtimes/data/generated)."),
    ] = None,
    offline: Annotated[bool, typer.Option("--offline", help="Use only the wheel cache; never download.")] = False,
) -> None:
    """Generate the catalog of one engine version from its release and write it."""
    from autotuner.runtimes.generate import dump_catalog
    from autotuner.tuning.engine.wheels import PACKAGES, WheelError, generate_from_wheel

    runtime, _, version = spec.partition("==")
    runtime, version = runtime.strip().lower(), version.strip().removeprefix("v")
    started = time.monotonic()
    if runtime == "llamacpp":
        document = _llamacpp_document(version)
    elif runtime in PACKAGES:
        if not version:
            fail(
                f"Give the version: `autotuner catalog sync {runtime}==X` (`pip index versions {runtime}` lists them)."
            )
        try:
            document = generate_from_wheel(runtime, version, download=not offline)
        except WheelError as problem:
            fail(problem.message)
    else:
        fail(f"Unknown engine '{runtime}': use sglang==VERSION, vllm==VERSION or llamacpp.")
    folder = (out or _generated_dir()) / runtime
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{document['version']}.json"
    text = dump_catalog(document)
    changed = not target.is_file() or target.read_text(encoding="utf-8") != text
    target.write_text(text, encoding="utf-8")
    flags = document["flags"]
    deprecated = sum(1 for f in flags if f.get("deprecated"))
    console.print(
        f"{runtime} {document['version']}: {len(flags)} flags ({deprecated} deprecated) from {document['package']} "
        f"in {time.monotonic() - started:.1f} s -> {target}" + ("" if changed else " (unchanged)"),
        highlight=False,
    )


def _llamacpp_document(version: str) -> dict[str, Any]:
    from autotuner.runtimes.generate import llamacpp_catalog
    from autotuner.tuning.engine.install import find_llama_server, server_help, server_version

    found = find_llama_server()
    if found is None or not found.usable:
        fail("No llama-server here: run `autotuner engines install llamacpp` first.")
    reported = server_version(found.path)
    if reported is None:
        fail(f"{found.path} --version printed no version: is it llama.cpp's llama-server?")
    if version and version != reported:
        fail(f"The llama-server here is {reported}, not {version}: sync `llamacpp` without a version.")
    return llamacpp_catalog(reported, server_help(found.path), program=found.path.name)


@app.command("list", cls=Command)
def list_versions() -> None:
    """The engine versions with a catalog, newest first, and where each came from."""
    from autotuner.runtimes.loading import RUNTIMES, catalog_versions, get_catalog

    for runtime in RUNTIMES:
        versions = catalog_versions(runtime) or (None,)
        for version in versions:
            catalog = get_catalog(runtime, version)
            origin = f"{catalog.package} sha256 {catalog.sha256[:12]}" if catalog.sha256 else "hand-written"
            console.print(
                f"{catalog.label}: {len(catalog.engine_flags) or len(catalog.flags)} flags, "
                f"{len(catalog.flags)} worth tuning ({origin})",
                highlight=False,
            )


@app.command("flags", cls=Command)
def flags(
    runtime: Annotated[str, typer.Argument(metavar="ENGINE", help="sglang, vllm or llamacpp.")],
    version: Annotated[str | None, typer.Option(help="The engine version (default: the newest catalog).")] = None,
    tuned: Annotated[bool, typer.Option("--tuned", help="Only the flags worth tuning.")] = False,
) -> None:
    """Every flag of one engine version: name, type, default, and what replaced a deprecated one."""
    from autotuner.runtimes.loading import get_catalog

    catalog = get_catalog(runtime, version)
    entries = catalog.engine_entries or tuple(spec.to_dict() for spec in catalog.flags.values())
    for entry in entries:
        if tuned and entry["name"] not in catalog.flags:
            continue
        extra = []
        if entry.get("negative"):
            extra.append(f"off: --{entry['negative']}")
        if entry.get("deprecated"):
            extra.append("deprecated" + (f", use --{entry['replaced_by']}" if entry.get("replaced_by") else ""))
        default = entry.get("default")
        shown = "" if default is None else f" = {default}"
        typer.echo(f"--{entry['name']} ({entry['type']}){shown}" + (f"  [{'; '.join(extra)}]" if extra else ""))
