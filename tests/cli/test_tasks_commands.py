"""``autotuner tasks ...`` on the test's own database (CliRunner, real SQLite/PostgreSQL)."""

from __future__ import annotations

import json

from support.cli import lines_of, run


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
    pinned = run(
        "tasks", "create", "--name", "p", "--model", "m", "--runtime-version", "0.5.22", "--param", "tp-size=1"
    )
    assert "p (id " in pinned.stdout and "sglang 0.5.22 on m" in pinned.stdout
    renamed = run("tasks", "create", "--name", "r", "--model", "m", "--param", "cuda-graph-max-bs=8", ok=False)
    assert "it was renamed to 'cuda-graph-max-bs-decode'" in renamed.stderr


def test_list_at_80_columns_keeps_the_model_id_whole_on_a_line_of_its_own(cli_env):
    run(
        "tasks",
        "create",
        "--name",
        "llama-throughput-with-a-long-name",
        "--model",
        "meta-llama/Llama-3.1-8B-Instruct-with-a-long-suffix",
        "--preset",
        "high-throughput",
        "--preset",
        "memory-efficient",
    )
    out = run("tasks", "list", columns=80).stdout
    lines = lines_of(out)
    assert max(len(line) for line in lines) <= 80, out
    row = next(i for i, line in enumerate(lines) if "llama-throughput-with-a-long-name" in line.split())
    assert lines[row].split() == ["1", "llama-throughput-with-a-long-name", "pending", "sglang", "9"]
    assert lines[row + 1].split() == ["Model:", "meta-llama/Llama-3.1-8B-Instruct-with-a-long-suffix"]
    assert lines[row + 2].split() == ["Presets:", "High", "Throughput,", "Memory", "Efficient"]
