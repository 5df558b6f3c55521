"""``autotuner docs``: build or serve this project's documentation site (MkDocs + Material).

The site's sources are ``docs/`` and ``mkdocs.yml`` of a source checkout; the reference pages are
generated from the code at build time (:mod:`autotuner.cli.reference`). ``docs build`` writes
``site/``, which ``autotuner serve`` serves under ``/help``; ``docs serve`` rebuilds as you edit.
Both need the ``docs`` extra (``pip install -e '.[docs]'``).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

from autotuner.cli.base import Command, fail, new_group
from autotuner.core.settings import get_settings

app = new_group("Build or serve the documentation site (this project's docs/, with generated references).")

CHECKOUT = Path(__file__).resolve().parents[3]


def _config() -> Path:
    config = CHECKOUT / "mkdocs.yml"
    if not config.is_file():
        fail(f"No mkdocs.yml in {CHECKOUT}: the docs are built from a source checkout of the autotuner.")
    if importlib.util.find_spec("mkdocs") is None or importlib.util.find_spec("material") is None:
        fail("MkDocs and its Material theme are not installed: run pip install -e '.[docs]' (or ./scripts/docs.sh).")
    return config


def _mkdocs(*args: str) -> None:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    try:
        status = subprocess.call([sys.executable, "-m", "mkdocs", *args], cwd=CHECKOUT, env=env)
    except KeyboardInterrupt:
        status = 0
    if status != 0:
        fail(f"mkdocs {args[0]} failed (exit status {status}): its messages are above.")


@app.command("build", cls=Command)
def build(
    site_dir: Annotated[
        Path | None, typer.Option(metavar="DIR", help="Where to write the site (default: AUTOTUNER_HELP_DIR, site/).")
    ] = None,
) -> None:
    """Build the site strictly (a broken link or a missing page fails) into site/, served by `autotuner serve` at /help."""
    config = _config()
    target = (site_dir or get_settings().help_dir).resolve()
    _mkdocs("build", "--strict", "--config-file", str(config), "--site-dir", str(target))
    typer.echo(f"Built the documentation in {target}: `autotuner serve` shows it at /help.")


@app.command("serve", cls=Command)
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8001,
) -> None:
    """Serve the site at http://HOST:PORT, rebuilt whenever a page changes (Ctrl+C stops; restart it after a code change)."""
    config = _config()
    _mkdocs("serve", "--config-file", str(config), "--dev-addr", f"{host}:{port}")
