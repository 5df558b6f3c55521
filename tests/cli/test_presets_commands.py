"""The ``autotuner`` command, on the test's own database (CliRunner, real SQLite/PostgreSQL)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from autotuner.cli.main import app

runner = CliRunner(env={"COLUMNS": "200"})


def run(*args: str, ok: bool = True):
    result = runner.invoke(app, list(args))
    if ok:
        assert result.exit_code == 0, result.output
    return result


def test_presets_list_json_and_table(cli_env):
    rows = json.loads(run("presets", "list", "--json").stdout)
    assert {r["slug"] for r in rows} == {"memory-efficient", "high-throughput", "low-latency", "balanced"}
    table = run("presets", "list").stdout
    assert "High Throughput" in table and "tp-size: 2, 4" in table


def test_create_show_export_import_delete(cli_env, tmp_path):
    created = json.loads(
        run(
            "presets",
            "create",
            "--name",
            "Mine",
            "-p",
            "tp-size=1,2",
            "-p",
            "schedule-policy=lpm,fcfs",
            "-p",
            "enable-mixed-chunk=true",
            "--tag",
            "t1",
            "--json",
        ).stdout
    )
    assert created["parameters"] == {
        "tp-size": [1, 2],
        "schedule-policy": ["lpm", "fcfs"],
        "enable-mixed-chunk": [True],
    }
    assert created["metadata"] == {"tags": ["t1"]}
    shown = json.loads(run("presets", "show", "mine", "--json").stdout)
    assert shown["id"] == created["id"]
    target = tmp_path / "out.json"
    run("presets", "export", "mine", "-o", str(target))
    document = json.loads(target.read_text())
    assert document["version"] == "1.0" and document["preset"]["name"] == "Mine"
    run("presets", "delete", "mine", "--yes")
    failed = run("presets", "show", "mine", ok=False)
    assert failed.exit_code == 1
    assert "Preset not found: no preset with id or slug 'mine'" in failed.stderr
    imported = json.loads(run("presets", "import", str(target), "--json").stdout)
    assert imported["imported"][0]["parameters"] == created["parameters"]
    again = run("presets", "import", str(target), ok=False)
    assert again.exit_code == 1 and "already exists" in again.stderr
    renamed = json.loads(run("presets", "import", str(target), "--on-conflict", "rename", "--json").stdout)
    assert renamed["imported"][0]["name"] == "Mine (2)"


def test_merge_prints_the_reference_result(cli_env):
    union = json.loads(run("presets", "merge", "high-throughput", "memory-efficient", "--json").stdout)
    assert union["parameters"] == {"tp-size": [1, 2, 4], "mem-fraction-static": [0.7, 0.75, 0.9]}
    last = json.loads(
        run(
            "presets", "merge", "high-throughput", "memory-efficient", "-s", "last_wins", "--set", "tp-size=2", "--json"
        ).stdout
    )
    assert last["parameters"] == {"tp-size": [2], "mem-fraction-static": [0.7, 0.75]}
    text = run("presets", "merge", "high-throughput", "memory-efficient").stdout
    assert "9 combination(s)" in text


def test_errors_are_the_api_sentences_and_exit_non_zero(cli_env):
    bad = run("presets", "merge", "balanced", "-s", "foo", ok=False)
    assert bad.exit_code == 1
    assert "Invalid merge strategy 'foo': use one of union, intersection, last_wins" in bad.stderr
    protected = run("presets", "delete", "balanced", "--yes", ok=False)
    assert "Cannot delete system preset 'Balanced': create a custom preset instead" in protected.stderr
    no_params = run("presets", "create", "--name", "Empty", ok=False)
    assert no_params.exit_code == 1 and "--param" in no_params.stderr
    malformed = run("presets", "create", "--name", "X", "-p", "tp-size", ok=False)
    assert "is not NAME=VALUE" in malformed.stderr


def test_db_upgrade_reports_revision(cli_env):
    from autotuner.db import migrate

    result = run("db", "upgrade")
    assert f"revision {migrate.head_revision()}" in result.stdout


def test_openapi_lists_the_preset_paths():
    schema = json.loads(run("openapi").stdout)
    for path in (
        "/api/presets/",
        "/api/presets/{preset_id}",
        "/api/presets/merge",
        "/api/presets/import",
        "/api/presets/{preset_id}/export",
    ):
        assert path in schema["paths"], path


def test_tasks_create_from_presets_list_show_delete(cli_env):
    created = json.loads(
        run(
            "tasks",
            "create",
            "--name",
            "cli-task",
            "--model",
            "m",
            "--runtime",
            "sglang",
            "--preset",
            "high-throughput",
            "--preset",
            "memory-efficient",
            "--strategy",
            "last_wins",
            "--set",
            "tp-size=2",
            "--json",
        ).stdout
    )
    assert created["parameters"] == {"tp-size": [2], "mem-fraction-static": [0.7, 0.75]}
    assert [p["name"] for p in created["provenance"]["presets"]] == ["High Throughput", "Memory Efficient"]
    shown = run("tasks", "show", str(created["id"])).stdout
    assert "From presets High Throughput, Memory Efficient merged with last_wins" in shown
    assert "cli-task" in run("tasks", "list").stdout
    warned = run("tasks", "create", "--name", "v", "--model", "m", "--runtime", "vllm", "--preset", "balanced")
    assert "written for sglang, but this task runs vllm" in warned.stderr
    run("tasks", "delete", str(created["id"]))
    missing = run("tasks", "show", str(created["id"]), ok=False)
    assert missing.exit_code == 1 and "Task not found" in missing.stderr
    bad = run("tasks", "create", "--name", "x", "--model", "m", "--param", "mem-fraction-static=1.5", ok=False)
    assert "'mem-fraction-static' value 1.5" in bad.stderr
