"""Launching engines and running single experiments, on real subprocesses of the toy engine."""

from __future__ import annotations

import json
import sys
import threading
import time

import pytest
from support.paths import ROOT, TOY
from support.processes import pid_alive

from autotuner.tuning.engine import process
from autotuner.tuning.engine.commands import build_command, render_flags
from autotuner.tuning.engine.errors import LaunchCancelled, LaunchError
from autotuner.tuning.engine.gpus import engine_environment
from autotuner.tuning.engine.process import EngineProcess, free_port, terminate_all
from autotuner.tuning.experiment import plan_run, run_experiment

BEST = {"tp-size": 2, "mem-fraction-static": 0.9, "schedule-policy": "lpm"}

pytestmark = pytest.mark.slow


def toy_task(*extra: str, requests: int = 6) -> dict:
    task = json.loads((ROOT / "examples" / "toy_task.json").read_text())
    task["command"] = ["{python}", TOY, "--model-path", "{model}", "--host", "{host}", "--port", "{port}", *extra]
    task["benchmark"] = {
        "traffic_scenarios": ["D(16,8)"],
        "concurrency": [2],
        "requests_per_level": requests,
        "warmup_requests": 1,
    }
    return task


def toy_command(port: int, *extra: str) -> list[str]:
    return [sys.executable, TOY, "--port", str(port), *extra]


@pytest.fixture(autouse=True)
def no_engine_left_behind():
    yield
    leftovers = process.running_engines()
    assert leftovers == [], f"engines still registered: {[e.command for e in leftovers]}"


# --- command lines ---


def test_flags_render_values_bare_true_and_omit_false():
    flags = render_flags(
        {
            "tp-size": 2,
            "mem-fraction-static": 0.85,
            "enable-mixed-chunk": True,
            "disable-radix-cache": False,
            "schedule-policy": "lpm",
        },
        "sglang",
    )
    assert flags == [
        "--tp-size",
        "2",
        "--mem-fraction-static",
        "0.85",
        "--enable-mixed-chunk",
        "--schedule-policy",
        "lpm",
    ]


def test_groups_render_json_for_vllm_and_dotted_for_sglang():
    combination = {"speculative-config": {"num_speculative_tokens": 3, "method": "ngram"}}
    assert render_flags(combination, "vllm") == [
        "--speculative-config",
        '{"num_speculative_tokens": 3, "method": "ngram"}',
    ]
    assert render_flags(combination, "sglang") == [
        "--speculative-config.num_speculative_tokens",
        "3",
        "--speculative-config.method",
        "ngram",
    ]
    assert render_flags({"a": {"b": {"c": True, "d": False}}}, "command") == ["--a.b.c"]


def test_commands_per_runtime_are_argument_lists():
    task = {"model": {"id_or_path": "meta/llama"}, "base_runtime": "sglang"}
    assert build_command(task, {"tp-size": 2}, 4321) == [
        sys.executable,
        "-m",
        "sglang.launch_server",
        "--model-path",
        "meta/llama",
        "--host",
        "127.0.0.1",
        "--port",
        "4321",
        "--tp-size",
        "2",
    ]
    task["base_runtime"] = "vllm"
    assert build_command(task, {"tensor-parallel-size": 2}, 4321) == [
        "vllm",
        "serve",
        "meta/llama",
        "--host",
        "127.0.0.1",
        "--port",
        "4321",
        "--tensor-parallel-size",
        "2",
    ]
    task.update(base_runtime="command", command=["{python}", "srv.py", "{model}", "--bind={host}:{port}"])
    assert build_command(task, {"x": "a b; rm -rf /"}, 99) == [
        sys.executable,
        "srv.py",
        "meta/llama",
        "--bind=127.0.0.1:99",
        "--x",
        "a b; rm -rf /",
    ]


def test_command_runtime_without_command_is_refused():
    with pytest.raises(LaunchError, match="needs a field 'command'"):
        build_command({"model": "m", "base_runtime": "command"}, {}, 1)
    with pytest.raises(LaunchError, match="Unknown base_runtime 'tgi'"):
        build_command({"model": "m", "base_runtime": "tgi"}, {}, 1)


def test_gpu_environment(monkeypatch):
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    assert "CUDA_VISIBLE_DEVICES" not in engine_environment({"tp-size": 2}, "sglang", gpu_count=0)
    assert engine_environment({"tp-size": 2, "dp-size": 2}, "sglang", gpu_count=8)["CUDA_VISIBLE_DEVICES"] == "0,1,2,3"
    env = engine_environment({"tensor-parallel-size": 2, "pipeline-parallel-size": 3}, "vllm", gpu_count=8)
    assert env["CUDA_VISIBLE_DEVICES"] == "0,1,2,3,4,5"
    assert engine_environment({}, "sglang", gpu_count=2)["CUDA_VISIBLE_DEVICES"] == "0"
    with pytest.raises(LaunchError, match="need 4 GPUs but only 2 are present"):
        engine_environment({"tp-size": 4}, "sglang", gpu_count=2)


def test_free_ports_are_bindable_and_vary():
    ports = {free_port() for _ in range(5)}
    assert len(ports) >= 2 and all(1024 <= p <= 65535 for p in ports)


# --- the engine process ---


def test_engine_becomes_ready_and_is_gone_after_the_block(tmp_path):
    port = free_port()
    with EngineProcess(toy_command(port), tmp_path / "e.log", port=port) as engine:
        engine.wait_ready(timeout=20)
        pid = engine.pid
        assert pid_alive(pid)
        assert engine in process.running_engines()
    assert not pid_alive(pid)
    log = (tmp_path / "e.log").read_text()
    assert log.startswith("$ ") and "toy engine: serving" in log


def test_engine_crashing_at_start_fails_at_once_with_its_output(tmp_path):
    port = free_port()
    started = time.monotonic()
    with (
        EngineProcess(toy_command(port, "--fail-at-start"), tmp_path / "e.log", port=port) as engine,
        pytest.raises(LaunchError) as info,
    ):
        engine.wait_ready(timeout=60)
    assert time.monotonic() - started < 30  # did not wait for the 60 s timeout
    message = info.value.message
    # The cause comes first, before the output's tail.
    assert message.startswith(
        "The engine exited with code 1 before it became ready: "
        "toy engine: error: simulated failure at start (test switch --fail-at-start). Last lines of its output:"
    ), message


def test_missing_executable_is_a_readable_error(tmp_path):
    engine = EngineProcess(["/nonexistent/engine-binary"], tmp_path / "e.log", port=1)
    with pytest.raises(LaunchError, match="Could not start the engine"):
        engine.start()


def test_engine_never_ready_is_stopped_after_the_timeout(tmp_path):
    port = free_port()
    with EngineProcess(toy_command(port, "--never-ready"), tmp_path / "e.log", port=port) as engine:
        with pytest.raises(LaunchError, match=r"not ready within 0.6 s"):
            engine.wait_ready(timeout=0.6)
        pid = engine.pid
    assert not pid_alive(pid)


def test_cancel_while_starting(tmp_path):
    port = free_port()
    event = threading.Event()
    threading.Timer(0.3, event.set).start()
    with EngineProcess(toy_command(port, "--startup-delay", "30"), tmp_path / "e.log", port=port) as engine:
        with pytest.raises(LaunchCancelled):
            engine.wait_ready(timeout=60, cancel_event=event)
        pid = engine.pid
    assert not pid_alive(pid)


def test_sigkill_after_grace_period_for_an_engine_ignoring_sigterm(tmp_path):
    port = free_port()
    engine = EngineProcess(toy_command(port, "--ignore-sigterm"), tmp_path / "e.log", port=port, grace_period=0.3)
    engine.start()
    engine.wait_ready(timeout=20)
    code = engine.terminate()
    assert code == -9
    assert not pid_alive(engine.pid)
    assert engine.terminate() == -9  # idempotent


def test_the_whole_process_group_is_stopped(tmp_path):
    pid_file = tmp_path / "grandchild.pid"
    script = (
        "import subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        "open(sys.argv[1], 'w').write(str(child.pid))\n"
        "time.sleep(60)\n"
    )
    engine = EngineProcess([sys.executable, "-c", script, str(pid_file)], tmp_path / "e.log", port=1, grace_period=2)
    engine.start()
    deadline = time.monotonic() + 20
    while not (pid_file.exists() and pid_file.read_text()) and time.monotonic() < deadline:
        time.sleep(0.02)
    grandchild = int(pid_file.read_text())
    assert pid_alive(grandchild)
    engine.terminate()
    deadline = time.monotonic() + 5
    while pid_alive(grandchild) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not pid_alive(grandchild)


def test_terminate_all_stops_every_running_engine(tmp_path):
    engines = []
    for i in range(2):
        port = free_port()
        engine = EngineProcess(toy_command(port), tmp_path / f"{i}.log", port=port)
        engine.start()
        engines.append(engine)
    for engine in engines:
        engine.wait_ready(timeout=20)
    assert terminate_all() == 2
    assert all(not pid_alive(e.pid) for e in engines)
    assert process.running_engines() == []


# --- whole experiments ---


def test_experiment_succeeds_and_is_scored(tmp_path):
    statuses: list[str] = []
    outcome = run_experiment(toy_task(), BEST, log_path=tmp_path / "x.log", on_status=statuses.append)
    assert outcome.status == "succeeded", outcome.error
    assert statuses == ["deploying", "benchmarking"]
    assert outcome.score is not None and outcome.score > 0
    level = outcome.metrics["levels"][0]
    assert level["requests_succeeded"] == 6 and level["output_tokens"] == 48
    # Throughput is per GPU: tp-size 2 halves the level's output tokens/s.
    assert outcome.score == pytest.approx(level["output_tokens_per_s"] / 2)
    assert outcome.command[:2] == [sys.executable, TOY] and "--tp-size" in outcome.command
    assert outcome.started_at <= outcome.ended_at
    json.dumps(outcome.to_dict())  # JSON-serialisable
    assert "experiment succeeded" in (tmp_path / "x.log").read_text()


def test_experiment_with_engine_crashing_at_start_fails_clearly(tmp_path):
    outcome = run_experiment(toy_task("--fail-at-start"), BEST, log_path=tmp_path / "x.log")
    assert outcome.status == "failed" and outcome.score is None
    assert "exited with code 1 before it became ready" in outcome.error
    assert "simulated failure at start" in outcome.error


def test_experiment_with_engine_never_ready_fails_after_timeout(tmp_path):
    outcome = run_experiment(toy_task("--never-ready"), BEST, log_path=tmp_path / "x.log", timeout=0.8)
    assert outcome.status == "failed"
    assert "not ready within" in outcome.error


def test_experiment_with_engine_dying_mid_benchmark_fails_clearly(tmp_path):
    outcome = run_experiment(toy_task("--die-after-requests", "3", requests=20), BEST, log_path=tmp_path / "x.log")
    assert outcome.status == "failed" and outcome.score is None
    assert "exited with code 3 during the benchmark" in outcome.error
    assert "simulated crash after 3 requests" in outcome.error


def test_experiment_with_bad_benchmark_settings_fails_without_launching(tmp_path):
    task = toy_task()
    task["benchmark"]["traffic_scenarios"] = ["D(10)"]
    outcome = run_experiment(task, BEST, log_path=tmp_path / "x.log")
    assert outcome.status == "failed" and outcome.command == []
    assert "Traffic scenario 'D(10)' is not understood" in outcome.error


def test_hard_slo_fails_the_experiment(tmp_path):
    task = toy_task()
    task["slo"] = {"ttft": {"percentile": "p50", "max_ms": 0.001, "hard": True}}
    outcome = run_experiment(task, BEST, log_path=tmp_path / "x.log")
    assert outcome.status == "failed"
    assert outcome.error.startswith("Hard SLO violated: p50 TTFT")
    assert outcome.metrics["levels"][0]["requests_succeeded"] == 6


def test_cancel_stops_the_engine_within_seconds(tmp_path):
    task = toy_task("--tpot-ms", "200", requests=50)  # a benchmark that would take ~40 s
    event = threading.Event()
    pids: list[int] = []

    def cancel_when_benchmarking(status: str) -> None:
        if status == "benchmarking":
            pids.extend(e.pid for e in process.running_engines())
            threading.Timer(0.3, event.set).start()

    started = time.monotonic()
    outcome = run_experiment(
        task, BEST, log_path=tmp_path / "x.log", cancel_event=event, on_status=cancel_when_benchmarking
    )
    assert outcome.status == "cancelled"
    assert time.monotonic() - started < 15  # far below the ~40 s the benchmark needs
    assert len(pids) == 1 and not pid_alive(pids[0])


def test_dry_run_lists_one_command_per_planned_combination():
    task = toy_task()
    commands = plan_run(task).commands(task)
    assert len(commands) == 12
    assert commands[0][-6:] == ["--tp-size", "1", "--mem-fraction-static", "0.8", "--schedule-policy", "fcfs"]
    assert all("<port>" in c for c in commands)
    assert len({tuple(c) for c in commands}) == 12


def test_experiment_counts_slow_requests_for_a_hard_limits_fail_ratio(tmp_path):
    task = toy_task("--ttft-ms", "1", "--tpot-ms", "1")
    task["slo"] = {"latency": {"percentile": "p50", "max_ms": 0.001, "hard": True, "fail_ratio": 0.5}}
    outcome = run_experiment(task, BEST, log_path=tmp_path / "x.log")
    assert outcome.status == "failed" and outcome.score is None
    assert "100.0% of requests had latency over 0.001 ms (more than the tolerated 50.0%)" in outcome.error
    assert outcome.metrics["levels"][0]["over_ms"] == {"latency_ms": {"0.001": 6}}
    task["slo"]["latency"]["max_ms"] = 600_000
    outcome = run_experiment(task, BEST, log_path=tmp_path / "y.log")
    assert outcome.status == "succeeded", outcome.error
    assert outcome.metrics["levels"][0]["over_ms"] == {"latency_ms": {"600000.0": 0}}
