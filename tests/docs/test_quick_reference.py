"""The quick reference stays in step with the product: every endpoint it names exists in the
OpenAPI schema, every command it names exists in the CLI, and its preset file imports."""

from __future__ import annotations

import json
import re

import typer
from support.paths import ROOT

from autotuner.cli import reference
from autotuner.cli.app import app as cli_app

PAGE = (ROOT / "docs" / "PRESET_QUICK_REFERENCE.md").read_text(encoding="utf-8")
PRESET_FILE = ROOT / "docs" / "snippets" / "preset-file.json"


def test_every_endpoint_named_exists():
    paths = reference.openapi_schema()["paths"]
    named = re.findall(r"`(GET|POST|PUT|PATCH|DELETE) (/api/[^` ?]*)", PAGE)
    assert len(named) > 20
    for method, path in named:
        assert path in paths, f"{method} {path} is not an endpoint"
        assert method.lower() in paths[path], f"{method} {path} is not an endpoint"


def test_every_command_named_exists():
    root = typer.main.get_command(cli_app)
    named = re.findall(r"`autotuner ([a-z][a-z-]*(?: [a-z][a-z-]*)?)", PAGE)
    assert len(named) > 10
    for words in named:
        command = root
        for word in words.split():
            sub = getattr(command, "commands", {}).get(word)
            if sub is None:
                break
            command = sub
        assert command is not root, f"autotuner {words} is not a command"


def test_the_preset_file_imports_and_exports_the_same(client):
    imported = client.post(
        "/api/presets/import", files={"file": ("preset.json", PRESET_FILE.read_bytes(), "application/json")}
    )
    assert imported.status_code in (200, 201), imported.text
    document = json.loads(PRESET_FILE.read_text())
    exported = client.get(f"/api/presets/{reference.anchor(document['preset']['name'])}/export").json()
    for key in ("name", "description", "category", "runtime", "parameters"):
        assert exported["preset"][key] == document["preset"][key], key


def test_the_system_presets_table_is_the_shipped_one():
    from autotuner.presets.system_presets import SYSTEM_PRESETS, SYSTEM_RUNTIME

    section = PAGE.split("## System presets", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ") and "`" in line]
    assert len(rows) == len(SYSTEM_PRESETS)
    for row, spec in zip(rows, SYSTEM_PRESETS, strict=True):
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        assert cells[:4] == [spec["name"], f"`{spec['slug']}`", spec["category"], spec.get("runtime", SYSTEM_RUNTIME)]
        shown = dict(re.findall(r"`([a-z-]+) (\[[^`]*\])`", cells[4]))
        assert {name: json.loads(values) for name, values in shown.items()} == spec["parameters"], spec["name"]
