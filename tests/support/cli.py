"""The ``autotuner`` command run in-process (Typer's CliRunner) in a terminal of a chosen width."""

from __future__ import annotations

from typer.testing import CliRunner, Result

from autotuner.cli.app import app


def run(*args: str, ok: bool = True, columns: int = 200) -> Result:
    """``autotuner *args`` with ``COLUMNS=columns``; asserts exit status 0 unless ``ok`` is False."""
    result = CliRunner(env={"COLUMNS": str(columns)}).invoke(app, list(args), prog_name="autotuner")
    if ok:
        assert result.exit_code == 0, result.output
    return result


def lines_of(text: str) -> list[str]:
    return [line.rstrip() for line in text.splitlines()]
