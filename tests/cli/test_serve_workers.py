"""``autotuner serve --workers 2``: two web processes answer requests and the tuning worker runs
once, in the main process, so a started task runs each experiment exactly once. A real service
(subprocess), real HTTP, the stand-in engine (``examples/toy_engine.py``)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest
from support.paths import TOY
from support.processes import assert_no_toy_engine_left, wait_for

from autotuner.tuning.space import iter_combinations

MARK = f"toy-workers-{uuid.uuid4().hex[:12]}"
SPACE = {"mem-fraction-static": [0.7, 0.8], "schedule-policy": ["fcfs", "lpm"]}
BENCHMARK = {"traffic_scenarios": ["D(32,8)"], "concurrency": [2], "requests_per_level": 4, "warmup_requests": 1}


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def web_processes(pid: int) -> list[int]:
    """The Uvicorn workers: the service's children spawned by multiprocessing."""
    out = []
    for child in children_of(pid):
        try:
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            continue
        if b"spawn_main" in cmdline:
            out.append(child)
    return out


@pytest.mark.slow
def test_two_web_processes_and_exactly_one_tuning_worker(cli_env):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "AUTOTUNER_EMBEDDED_WORKER": "true",
        "AUTOTUNER_ALLOW_COMMAND_RUNTIME": "true",
        "AUTOTUNER_HOST": "",
        "AUTOTUNER_PORT": "",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "autotuner.cli.main", "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:

        def answers() -> bool:
            assert process.poll() is None, process.communicate()
            try:
                return httpx.get(f"{base}/api/auth/me", timeout=1).status_code == 200
            except httpx.TransportError:
                return False

        wait_for(answers, "the service to answer", timeout=90, interval=0.2)
        wait_for(lambda: len(web_processes(process.pid)) == 2, "two web processes", timeout=60, interval=0.2)
        assert httpx.get(f"{base}/api/system/").json()["worker"]["state"] == "external"
        body = {
            "task_name": "two web processes",
            "model": {"id_or_path": MARK},
            "base_runtime": "command",
            "command": ["{python}", TOY, "--model-path", "{model}", "--host", "{host}", "--port", "{port}"],
            "parameters": SPACE,
            "optimization": {
                "strategy": "grid_search",
                "max_iterations": 4,
                "timeout_per_iteration": 120,
                "repeats": 0,
            },
            "benchmark": BENCHMARK,
        }
        with httpx.Client(base_url=base, timeout=30, headers={"Content-Type": "application/json"}) as client:
            created = client.post("/api/tasks/", json=body)
            assert created.status_code == 201, created.text
            task_id = created.json()["id"]
            assert client.post(f"/api/tasks/{task_id}/start").status_code == 200
            task = wait_for(
                lambda: (t := client.get(f"/api/tasks/{task_id}").json())["status"] in ("completed", "failed") and t,
                "the task to finish",
                timeout=180,
                interval=0.5,
            )
            experiments = client.get(f"/api/tasks/{task_id}/experiments").json()
    finally:
        process.terminate()
        try:
            process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
    assert task["status"] == "completed", task
    assert len(experiments) == 4 and all(e["status"] == "succeeded" for e in experiments), experiments
    assert sorted(e["sequence"] for e in experiments) == [1, 2, 3, 4]
    assert {tuple(sorted(e["parameters"].items())) for e in experiments} == {
        tuple(sorted(c.items())) for c in iter_combinations(SPACE)
    }
    log = (cli_env.log_dir / "worker.log").read_text()
    assert log.count("Worker started") == 1, "one tuning worker for the whole service"
    assert_no_toy_engine_left(MARK)
