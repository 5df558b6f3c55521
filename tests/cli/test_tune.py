"""``autotuner tune task.json``: a task end to end in the terminal, on real toy engine processes."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import sys
import uuid
from pathlib import Path

import pytest
from support.cli import lines_of
from support.paths import ROOT, TOY
from support.processes import assert_no_toy_engine_left, toy_engine_processes
from typer.testing import CliRunner

from autotuner.cli.app import app
from autotuner.cli.tune import resolve_command_paths
from autotuner.tuning.engine import process

TOY_TASK = ROOT / "examples" / "toy_task.json"
MARK = f"toy-cli-{uuid.uuid4().hex[:12]}"  # the model name: finds this module's engines in /proc

runner = CliRunner(env={"COLUMNS": "200"})


pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("no_engine_left_behind")]


@pytest.fixture(scope="module", autouse=True)
def no_toy_engine_alive_after_the_module():
    yield
    assert_no_toy_engine_left(MARK)


def task_file(
    tmp_path: Path, parameters: dict, *extra: str, benchmark: dict | None = None, program: list[str] | None = None
) -> Path:
    path = tmp_path / "task.json"
    path.write_text(
        json.dumps(
            {
                "task_name": "cli-toy",
                "model": {"id_or_path": MARK},
                "base_runtime": "command",
                "command": [
                    *(program or ["{python}", TOY]),
                    "--model-path",
                    "{model}",
                    "--host",
                    "{host}",
                    "--port",
                    "{port}",
                    *extra,
                ],
                "parameters": parameters,
                "optimization": {
                    "strategy": "grid_search",
                    "max_iterations": 10,
                    "timeout_per_iteration": 60,
                    "repeats": 0,
                },
                "benchmark": benchmark
                or {
                    "traffic_scenarios": ["D(16,4)"],
                    "concurrency": [2],
                    "requests_per_level": 6,
                    "warmup_requests": 1,
                },
            }
        )
    )
    return path


def test_dry_run_prints_the_twelve_engine_commands_as_shell_quoted_argument_lists(cli_env, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # any folder: the script's path is read from the task file's folders
    result = runner.invoke(app, ["tune", str(TOY_TASK), "--dry-run"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 12, result.stdout
    first = shlex.split(lines[0])
    assert first == [
        sys.executable,
        TOY,
        "--model-path",
        "toy-model",
        "--host",
        "127.0.0.1",
        "--port",
        "<port>",
        "--delay-scale",
        "60",
        "--tp-size",
        "1",
        "--mem-fraction-static",
        "0.8",
        "--schedule-policy",
        "fcfs",
    ]
    assert "'<port>'" in lines[0], "arguments are quoted for a shell (shlex), the engine itself gets no shell"
    assert result.stderr == ""
    combos = [tuple(shlex.split(line)[10:]) for line in lines]
    assert len(set(combos)) == 12
    assert ("--tp-size", "2", "--mem-fraction-static", "0.9", "--schedule-policy", "lpm") in combos
    assert not process.running_engines(), "a dry run starts nothing"

    as_json = runner.invoke(app, ["tune", str(TOY_TASK), "--dry-run", "--json"])
    assert as_json.exit_code == 0, as_json.output
    assert [shlex.join(command) for command in json.loads(as_json.stdout)] == lines


def test_tune_runs_a_small_task_and_prints_the_table_and_the_best(cli_env, tmp_path):
    # The toy's delays scaled so that its best leads by far more than a busy machine's noise.
    path = task_file(
        tmp_path,
        {"tp-size": [1, 2], "schedule-policy": ["fcfs", "lpm"]},
        "--delay-scale",
        "30",
        benchmark={"traffic_scenarios": ["D(32,8)"], "concurrency": [2], "requests_per_level": 6, "warmup_requests": 1},
    )
    logs = tmp_path / "logs"
    result = runner.invoke(app, ["tune", str(path), "--log-dir", str(logs)])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "4 experiment(s) - every combination has been tried" in out
    for column in ("Parameters", "Status", "Score"):
        assert column in out
    assert out.count("succeeded") == 4
    assert "Best configuration (experiment 4, score " in out
    assert '{"tp-size": 2, "schedule-policy": "lpm"}' in out.split("Best configuration", 1)[1]
    assert f"Logs: {logs}" in out
    assert sorted(p.name for p in logs.glob("experiment-*.log")) == [f"experiment-{i}.log" for i in range(1, 5)]
    assert "toy engine: serving" in (logs / "experiment-4.log").read_text()
    assert not list(logs.glob("*.pid"))


def test_tune_repeats_the_best_and_prints_the_verdict(cli_env, tmp_path):
    path = task_file(
        tmp_path,
        {"tp-size": [1, 2]},
        "--delay-scale",
        "10",
        benchmark={"traffic_scenarios": ["D(32,8)"], "concurrency": [2], "requests_per_level": 4, "warmup_requests": 0},
    )
    body = json.loads(path.read_text())
    body["optimization"] |= {"repeats": 1, "repeat_top": 1}
    path.write_text(json.dumps(body))
    result = runner.invoke(app, ["tune", str(path), "--log-dir", str(tmp_path / "logs")])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "3 experiment(s) - every combination has been tried" in out
    assert "3 =2" in out  # experiment 3 repeats experiment 2
    assert "Best configuration (experiment 2, score " in out and ", mean of 2 runs): " in out
    verdict = out.split("Verdict: ", 1)[1]
    assert verdict.startswith("Best: #2, ahead of #1 by ") or verdict.startswith("#2 and #1 are tied within noise")

    as_json = runner.invoke(app, ["tune", str(path), "--json", "--log-dir", str(tmp_path / "again")])
    report = json.loads(as_json.stdout)
    assert [e["repeat_of"] for e in report["experiments"]] == [None, None, 2]
    assert report["experiments"][1]["score_stats"]["n"] == 2 and report["verdict"]["best_experiment_id"] == 2


def test_tune_json_reports_failures_and_the_best(cli_env, tmp_path):
    path = task_file(tmp_path, {"tp-size": [2], "fail-at-start": [True, False]})
    result = runner.invoke(app, ["tune", str(path), "--log-dir", str(tmp_path / "logs"), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["stop_reason"] == "every combination has been tried"
    failed, succeeded = report["experiments"]
    assert failed["status"] == "failed" and "simulated failure at start" in failed["error"]
    assert "--fail-at-start" in failed["command"]
    assert succeeded["status"] == "succeeded" and succeeded["score"] > 0
    assert report["best"] == {
        "sequence": 2,
        "parameters": {"tp-size": 2, "fail-at-start": False},
        "score": succeeded["score"],
        "mean_score": succeeded["score"],  # measured once (repeats 0)
    }


def test_tune_fails_when_no_experiment_succeeds(cli_env, tmp_path):
    path = task_file(tmp_path, {"tp-size": [1, 2]}, "--fail-at-start")
    logs = tmp_path / "logs"
    result = runner.invoke(app, ["tune", str(path), "--log-dir", str(logs)])
    assert result.exit_code == 1, result.output
    assert "Experiment 1 failed:" in result.stdout and "Experiment 2 failed:" in result.stdout
    assert f"No experiment succeeded: see the logs in {logs}." in result.stderr


def test_tune_refuses_a_bad_scenario_with_one_sentence(cli_env, tmp_path):
    path = task_file(tmp_path, {"tp-size": [1]}, benchmark={"traffic_scenarios": ["D(10)"], "concurrency": [1]})
    result = runner.invoke(app, ["tune", str(path)])
    assert result.exit_code == 1
    assert "Error: Traffic scenario 'D(10)' is not understood: write D(input_tokens,output_tokens)" in result.stderr
    assert result.stdout == ""
    assert not toy_engine_processes(MARK)


def test_tune_refuses_a_space_whose_valid_combinations_cannot_be_counted(cli_env, tmp_path):
    path = task_file(tmp_path, {"max-num-batched-tokens": list(range(1000, 1500)), "max-num-seqs": list(range(1, 501))})
    body = json.loads(path.read_text())
    body["base_runtime"] = "vllm"
    body["optimization"] = {"strategy": "random_search", "max_iterations": 10}
    path.write_text(json.dumps(body))
    for args in (["tune", str(path)], ["tune", str(path), "--dry-run"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 1, result.output
        assert "The parameter space holds 250,000 combinations and the vllm rules read too many" in result.stderr


def test_dry_run_of_a_billion_combinations_lists_what_would_run(cli_env, tmp_path):
    path = task_file(tmp_path, {f"knob-{i}": list(range(10)) for i in range(9)})
    body = json.loads(path.read_text())
    body["optimization"] = {"strategy": "random_search", "max_iterations": 10}
    path.write_text(json.dumps(body))
    result = runner.invoke(app, ["tune", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 10 and len(set(lines)) == 10  # random search runs exactly these, no note
    body["optimization"] = {"strategy": "bayesian", "max_iterations": 10}
    path.write_text(json.dumps(body))
    result = runner.invoke(app, ["tune", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1001
    assert lines[-1] == (
        "# bayesian chooses up to 10 experiments as it goes among 1,000,000,000 valid combinations; "
        "the first 1,000 are listed."
    )
    assert shlex.split(lines[0])[-18:] == [arg for i in range(9) for arg in (f"--knob-{i}", "0")]
    as_json = runner.invoke(app, ["tune", str(path), "--dry-run", "--json"])
    assert as_json.exit_code == 0, as_json.output
    assert [shlex.join(command) for command in json.loads(as_json.stdout)] == lines[:-1]
    assert "1,000,000,000 valid combinations" in as_json.stderr


# --- relative paths of a task file, and a program that does not exist ----------------------


def test_relative_paths_are_read_from_the_task_file_folder_then_the_folders_above(tmp_path):
    project = tmp_path / "project"
    (project / "tasks" / "engines").mkdir(parents=True)
    (project / "tools").mkdir()
    (project / "tasks" / "engines" / "serve.py").write_text("")
    (project / "tools" / "serve.py").write_text("")
    (project / "tasks" / "serve.py").write_text("")
    folder = project / "tasks"
    command = [
        "{python}",
        "engines/serve.py",  # in the task file's folder
        "tools/serve.py",  # in the folder above it
        "serve.py",  # in both the task file's folder and nowhere else: the nearest wins
        "--port",
        "{port}",
        "lpm",  # names no file: kept
        "engines",  # a folder, not a file: kept
        str(project / "tools" / "serve.py"),  # already absolute
        "missing.py",  # does not exist anywhere: kept, the program check reports it
    ]
    assert resolve_command_paths(command, folder) == [
        "{python}",
        str(folder / "engines" / "serve.py"),
        str(project / "tools" / "serve.py"),
        str(folder / "serve.py"),
        "--port",
        "{port}",
        "lpm",
        "engines",
        str(project / "tools" / "serve.py"),
        "missing.py",
    ]


def test_tune_refuses_a_program_that_is_not_installed_before_any_experiment(cli_env, tmp_path):
    path = task_file(tmp_path, {"tp-size": [1, 2]}, program=["no-such-engine-x9"])
    logs = tmp_path / "logs"
    result = runner.invoke(app, ["tune", str(path), "--log-dir", str(logs)])
    assert result.exit_code == 1, result.output
    assert result.stderr.strip() == (
        "Error: The task's command starts 'no-such-engine-x9', which is not an executable program here (not on PATH "
        "and not an executable file): fix the first item of 'command'."
    )
    assert result.stdout == "" and not logs.exists()


def test_tune_without_sglang_installed_fails_at_once_with_what_to_install(cli_env, tmp_path):
    # SGLang is not installed where the tests run (no GPU here): the newcomer's case.
    path = tmp_path / "task.json"
    path.write_text(json.dumps({"task_name": "s", "model": {"id_or_path": "m"}, "parameters": {"tp-size": [1]}}))
    logs = tmp_path / "logs"
    result = runner.invoke(app, ["tune", str(path), "--log-dir", str(logs)])
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("Error: SGLang is not installed for this Python")
    assert "examples/toy_task.json" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert result.stdout == "" and not logs.exists()


def test_tune_refuses_a_script_that_does_not_exist(cli_env, tmp_path, monkeypatch):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    path = task_file(tmp_path, {"tp-size": [1]}, program=["{python}", "examples/no_engine.py"])
    result = runner.invoke(app, ["tune", str(path)])
    assert result.exit_code == 1, result.output
    assert result.stderr.strip() == (
        f"Error: The task's command runs the script 'examples/no_engine.py', which does not exist in {elsewhere}: "
        "give its absolute path, or a path relative to the task file (autotuner tune) or to the folder the service "
        "starts in."
    )
    assert result.stdout == ""


def test_dry_run_lists_the_commands_and_warns_that_the_program_is_missing(cli_env, tmp_path):
    path = task_file(tmp_path, {"tp-size": [1, 2]}, program=["no-such-engine-x9"])
    result = runner.invoke(app, ["tune", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert [shlex.split(line)[0] for line in lines_of(result.stdout)] == ["no-such-engine-x9"] * 2
    assert "Warning: The task's command starts 'no-such-engine-x9', which is not an executable program" in " ".join(
        result.stderr.split()
    )


def test_tune_runs_a_task_file_from_another_folder(cli_env, tmp_path, monkeypatch):
    project = tmp_path / "project"
    (project / "engines").mkdir(parents=True)
    (project / "tasks").mkdir()
    shutil.copy(TOY, project / "engines" / "toy.py")
    path = task_file(project / "tasks", {"tp-size": [2]}, program=["{python}", "engines/toy.py"])
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    result = runner.invoke(
        app, ["tune", os.path.relpath(path, elsewhere), "--log-dir", str(tmp_path / "logs"), "--json"]
    )
    assert result.exit_code == 0, result.output
    (experiment,) = json.loads(result.stdout)["experiments"]
    assert experiment["status"] == "succeeded", experiment["error"]
    assert experiment["command"][:2] == [sys.executable, str(project / "engines" / "toy.py")]


def test_progress_keeps_the_bar_and_the_counter_at_80_columns(cli_env, tmp_path):
    path = task_file(tmp_path, {"tp-size": [1, 2], "schedule-policy": ["fcfs", "lpm"]}, "--delay-scale", "0")
    narrow = CliRunner(env={"COLUMNS": "80"})
    result = narrow.invoke(app, ["tune", str(path), "--log-dir", str(tmp_path / "logs")])
    assert result.exit_code == 0, result.output
    lines = lines_of(result.stdout)
    assert max(len(line) for line in lines) <= 80, result.stdout
    bar = next(i for i, line in enumerate(lines) if line.startswith("Experiment 4/4"))
    assert "━" * 20 in lines[bar], lines[bar]  # the bar, not squeezed out by the parameters
    best = " ".join(lines[bar + 1 : bar + 3])
    assert best.startswith("best ") and '"tp-size":' in best  # the parameters on lines of their own


def test_warnings_go_to_stderr_so_that_json_stays_json(cli_env, tmp_path):
    path = tmp_path / "task.json"
    body = {"task_name": "w", "model": {"id_or_path": "m"}, "parameters": {"tp-size": [1], "no-such-flag": [1, 2]}}
    path.write_text(json.dumps(body))
    result = runner.invoke(app, ["tune", str(path), "--dry-run", "--json"])
    assert result.exit_code == 0, result.output
    assert [command[-4:] for command in json.loads(result.stdout)] == [
        ["--tp-size", "1", "--no-such-flag", "1"],
        ["--tp-size", "1", "--no-such-flag", "2"],
    ]
    assert "Warning:" in result.stderr and "'no-such-flag'" in result.stderr
    assert "Warning: SGLang is not installed for this Python" in result.stderr  # listed all the same


def test_dry_run_expands_parallel_and_quantization_into_the_engines_flags(cli_env, tmp_path):
    path = tmp_path / "task.json"
    task = {
        "task_name": "p",
        "model": {"id_or_path": "m"},
        "base_runtime": "vllm",
        "parameters": {"max-num-seqs": [64]},
        "parallel": {"tp": [1, 2]},
        "quantization": {"kv_cache": ["auto", "fp8"]},
    }
    path.write_text(json.dumps(task))
    result = runner.invoke(app, ["tune", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    commands = [line for line in result.stdout.splitlines() if line.startswith("vllm serve")]
    assert len(commands) == 4
    assert "--tensor-parallel-size 2 --kv-cache-dtype fp8" in commands[3]
