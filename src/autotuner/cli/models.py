"""``autotuner models make-tiny PATH``: a small real GGUF model for llama.cpp, made offline (see
:mod:`autotuner.tuning.engine.tiny_model`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from autotuner.cli.base import Command, JsonOpt, fail, new_group
from autotuner.cli.output import console, print_json

app = new_group("Models to tune with, made on this machine.")


@app.command("make-tiny", cls=Command)
def make_tiny(
    path: Annotated[Path, typer.Argument(metavar="PATH", help="Where to write the .gguf file.", dir_okay=False)],
    layers: Annotated[int, typer.Option(metavar="N", help="Transformer blocks.", min=1, max=64)] = 8,
    embedding: Annotated[
        int, typer.Option(metavar="N", help="Hidden size (a multiple of --heads).", min=8, max=8192)
    ] = 768,
    feed_forward: Annotated[int, typer.Option(metavar="N", help="Feed-forward size.", min=8, max=32768)] = 2048,
    heads: Annotated[int, typer.Option(metavar="N", help="Attention heads.", min=1, max=128)] = 12,
    kv_heads: Annotated[int, typer.Option(metavar="N", help="Key/value heads (divides --heads).", min=1, max=128)] = 4,
    context: Annotated[
        int, typer.Option(metavar="N", help="Training context length in tokens.", min=64, max=1_048_576)
    ] = 4096,
    seed: Annotated[int, typer.Option(metavar="N", help="Seed of the random weights.", min=0)] = 0,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Write a llama-architecture model with random weights and a working tokenizer (its output is gibberish, its compute is real)."""
    from autotuner.tuning.engine.tiny_model import TinyModelShape, make_tiny_model

    if path.exists() and not force:
        fail(f"{path} exists: give another path, or --force to overwrite it.")
    shape = TinyModelShape(layers, embedding, feed_forward, heads, kv_heads, context, seed)
    try:
        info = make_tiny_model(path, shape)
    except ValueError as exc:
        fail(f"The model's shape is not possible: {exc}; change the options.")
    except OSError as exc:
        fail(f"Cannot write {path}: {exc.strerror or exc}; choose a folder you can write to.")
    if as_json:
        print_json(info)
        return
    console.print(
        f"Wrote {info['path']}: llama architecture, {info['layers']} layers x {info['embedding']} wide, "
        f"{info['parameters'] / 1e6:.1f} M parameters (f16, {info['bytes'] / 1e6:.0f} MB), "
        f"{info['vocabulary']} tokens. Use its path as the task's model.id_or_path.",
        highlight=False,
    )
