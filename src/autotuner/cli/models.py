"""``autotuner models make-tiny PATH``: a small real GGUF model for llama.cpp, made offline (see
:mod:`autotuner.tuning.engine.tiny_model`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

models_app = typer.Typer(help="Models to tune with, made on this machine.", no_args_is_help=True)

console = Console()
err_console = Console(stderr=True)


@models_app.command("make-tiny")
def make_tiny(
    path: Annotated[Path, typer.Argument(help="Where to write the .gguf file.", dir_okay=False)],
    layers: Annotated[int, typer.Option(help="Transformer blocks.", min=1, max=64)] = 4,
    embedding: Annotated[int, typer.Option(help="Hidden size (a multiple of --heads).", min=8, max=8192)] = 512,
    feed_forward: Annotated[int, typer.Option(help="Feed-forward size.", min=8, max=32768)] = 1536,
    heads: Annotated[int, typer.Option(help="Attention heads.", min=1, max=128)] = 8,
    kv_heads: Annotated[int, typer.Option(help="Key/value heads (divides --heads).", min=1, max=128)] = 4,
    context: Annotated[int, typer.Option(help="Training context length in tokens.", min=64, max=1_048_576)] = 4096,
    seed: Annotated[int, typer.Option(help="Seed of the random weights.", min=0)] = 0,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Write a llama-architecture model with random weights and a working tokenizer (its output is gibberish, its compute is real)."""
    from autotuner.tuning.engine.tiny_model import TinyModelShape, make_tiny_model

    if path.exists() and not force:
        err_console.print(f"[bold red]Error:[/] {path} exists: give another path, or --force to overwrite it.")
        raise typer.Exit(1)
    shape = TinyModelShape(layers, embedding, feed_forward, heads, kv_heads, context, seed)
    try:
        info = make_tiny_model(path, shape)
    except ValueError as exc:
        err_console.print(f"[bold red]Error:[/] The model's shape is not possible: {exc}.")
        raise typer.Exit(1) from None
    except OSError as exc:
        err_console.print(f"[bold red]Error:[/] Cannot write {path}: {exc.strerror or exc}.")
        raise typer.Exit(1) from None
    if as_json:
        typer.echo(json.dumps(info, indent=2))
        return
    console.print(
        f"Wrote {info['path']}: llama architecture, {info['layers']} layers x {info['embedding']} wide, "
        f"{info['parameters'] / 1e6:.1f} M parameters (f16, {info['bytes'] / 1e6:.0f} MB), "
        f"{info['vocabulary']} tokens. Use its path as the task's model.id_or_path.",
        highlight=False,
    )
