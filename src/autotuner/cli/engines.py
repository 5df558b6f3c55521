"""``autotuner engines``: get an inference engine onto this machine without a hub.

``autotuner engines install llamacpp`` builds llama.cpp's ``llama-server`` from the sources that
the ``llama-cpp-python`` source distribution on PyPI vendors and caches it per version (see
:mod:`autotuner.tuning.engine.install`); ``autotuner engines path llamacpp`` prints the
``llama-server`` a llama.cpp task would run.
"""

from __future__ import annotations

import os
import time
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from autotuner.cli.base import Command, fail, new_group
from autotuner.cli.output import console

app = new_group("Install and locate inference engines (llama.cpp's llama-server).")

ENGINES = ("llamacpp",)

EngineArg = Annotated[str, typer.Argument(metavar="ENGINE", help="The engine: llamacpp (llama.cpp's llama-server).")]


def _check_engine(engine: str) -> None:
    if engine not in ENGINES:
        fail(
            f"Unknown engine '{engine}': use one of {', '.join(ENGINES)} "
            "(SGLang and vLLM install with pip on a GPU machine)."
        )


@app.command("install", cls=Command)
def install(
    engine: EngineArg,
    jobs: Annotated[
        int | None, typer.Option(metavar="N", help="Parallel compile jobs (default: the CPU count).", min=1)
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Build again even when a build is cached.")] = False,
    keep_sources: Annotated[
        bool, typer.Option("--keep-sources", help="Keep the downloaded sources and build folder.")
    ] = False,
) -> None:
    """Build llama-server (about 17 CPU-minutes) and cache it per version; a cached build returns at once."""
    from autotuner.tuning.engine.install import (
        LLAMA_CPP_PYTHON_VERSION,
        InstallError,
        cached_binary,
        find_llama_server,
        install_llama_server,
    )

    _check_engine(engine)
    found = find_llama_server()
    if found is not None and found.source != "cache" and found.usable and not force:
        console.print(
            f"llama-server from {found.source} is used: {found.path} (nothing to build; --force builds the cached one anyway)."
        )
        return
    if cached_binary().is_file() and not force:
        console.print(f"llama-server (llama-cpp-python {LLAMA_CPP_PYTHON_VERSION}) is already built: {cached_binary()}")
        return
    started = time.monotonic()
    console.print(
        f"Building llama-server from the llama.cpp that llama-cpp-python {LLAMA_CPP_PYTHON_VERSION} vendors "
        "(about 17 CPU-minutes; 20-30 minutes on a busy 2-core machine). It resumes if interrupted."
    )
    try:
        if console.is_terminal:
            with Progress(
                TextColumn("[bold blue]{task.fields[step]}", justify="left"),
                BarColumn(),
                TextColumn("{task.percentage:>3.0f}%"),
                TimeElapsedColumn(),
                console=console,
                transient=False,
            ) as progress:
                bar = progress.add_task("build", total=100, step="Preparing")

                def show(message: str, fraction: float | None) -> None:
                    if fraction is None:
                        progress.console.print(message)
                    else:
                        progress.update(bar, completed=round(fraction * 100), step="Compiling")

                path = install_llama_server(jobs=jobs, report=show, force=force, keep_sources=keep_sources)
        else:  # a log (CI): one line per step and per 5% of the compile
            last = [-5]

            def show(message: str, fraction: float | None) -> None:
                if fraction is None:
                    console.print(message, highlight=False)
                    return
                percent = round(fraction * 100)
                if percent >= last[0] + 5 or percent == 100:
                    last[0] = percent
                    minutes = (time.monotonic() - started) / 60
                    console.print(f"[{percent:3d}%] compiling llama-server ({minutes:.1f} min)", highlight=False)

            path = install_llama_server(jobs=jobs, report=show, force=force, keep_sources=keep_sources)
    except InstallError as exc:
        fail(exc.message)
    console.print(f"llama-server is ready ({(time.monotonic() - started) / 60:.1f} min): {path}", highlight=False)


@app.command("path", cls=Command)
def path(engine: EngineArg) -> None:
    """Print the llama-server a llama.cpp task runs (AUTOTUNER_LLAMA_SERVER, else PATH, else the cached build)."""
    from autotuner.tuning.engine.install import find_llama_server

    _check_engine(engine)
    found = find_llama_server()
    if found is None or not found.usable:
        where = f" ({found.path} from {found.source} is not executable)" if found is not None else ""
        fail(f"No llama-server here{where}: run `autotuner engines install llamacpp`.")
    typer.echo(os.fspath(found.path))
