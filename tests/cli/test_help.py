"""``--help`` of every command reads as words at 80 columns: no ``<bool>``, ``<list[str]>`` or
``{refs}...``."""

from __future__ import annotations

import re

import pytest
from support.cli import lines_of, run
from typer.main import get_command

from autotuner.cli.app import app


def command_paths() -> list[tuple[str, ...]]:
    paths: list[tuple[str, ...]] = [()]

    def walk(command, prefix: tuple[str, ...]) -> None:
        for name, sub in getattr(command, "commands", {}).items():
            paths.append((*prefix, name))
            walk(sub, (*prefix, name))

    walk(get_command(app), ())
    return paths


def test_every_command_is_listed():
    assert {" ".join(p) for p in command_paths()} >= {
        "",
        "serve",
        "worker",
        "tune",
        "openapi",
        "db upgrade",
        "presets list",
        "presets show",
        "presets create",
        "presets delete",
        "presets export",
        "presets import",
        "presets merge",
        "tasks create",
        "tasks list",
        "tasks show",
        "tasks delete",
        "engines install",
        "engines path",
        "models make-tiny",
    }


@pytest.mark.parametrize("path", command_paths(), ids=lambda p: " ".join(p) or "autotuner")
def test_help_reads_as_words_at_80_columns(path):
    out = run(*path, "--help", columns=80).stdout
    lines = lines_of(out)
    assert max(len(line) for line in lines) <= 80, out
    assert not re.search(r"<(bool|str|int|float|path|list\[\w+\])>", out), out  # a type instead of words
    usage = next(line for line in lines if "Usage:" in line)
    assert "{" not in usage and "<" not in usage, usage
    help_line = next(line for line in lines if "--help" in line)
    assert help_line.split()[2:] == ["Show", "this", "message", "and", "exit.", "│"], help_line


def test_arguments_and_options_are_named_by_what_they_take():
    root = lines_of(run("--help", columns=80).stdout)
    assert next(line for line in root if "--version" in line).split()[1:4] == ["--version", "Print", "the"]
    merge = run("presets", "merge", "--help", columns=80).stdout
    assert "Usage: autotuner presets merge [OPTIONS] PRESET..." in merge
    assert re.search(r"--set +NAME=VALUES +Override", merge)
    assert "Usage: autotuner presets show [OPTIONS] PRESET" in run("presets", "show", "--help").stdout
    assert re.search(r"-p +NAME=VALUES", run("presets", "create", "--help").stdout)
    tune = run("tune", "--help", columns=80).stdout
    assert "Usage: autotuner tune [OPTIONS] TASK_FILE" in tune
    # The path rule of task files is told where the command is described.
    assert "Relative paths in the task's command are read from the task file's folder" in " ".join(tune.split())
