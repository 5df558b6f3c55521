"""The ray executor on a real local Ray cluster (head + one more node, 2 fake GPUs each; see
conftest.py): experiments spread over both nodes at once, a node killed mid-experiment, cancel.
The engine is the stand-in ``examples/toy_engine.py``; the worker, database and HTTP API are real."""

from __future__ import annotations

import threading
import uuid
from datetime import datetime
from pathlib import Path

import pytest
from support.factories import create_task
from support.paths import TOY
from support.processes import assert_no_toy_engine_left, toy_engine_processes, wait_for

from autotuner.runs.ray_executor import RayExecutor
from autotuner.runs.worker import Worker
from autotuner.tuning.engine.gpus import DevicePool

MARK = f"toy-ray-{uuid.uuid4().hex[:12]}"
# 8 combinations, each needing 1 GPU (no tp-size). By the toy's formula the one best is
# mem-fraction-static 0.9 with lpm.
SPACE = {"mem-fraction-static": [0.8, 0.9], "schedule-policy": ["fcfs", "lpm", "random", "dfs-weight"]}
BEST = {"mem-fraction-static": 0.9, "schedule-policy": "lpm"}
BENCHMARK = {"traffic_scenarios": ["D(32,8)"], "concurrency": [2], "requests_per_level": 4, "warmup_requests": 1}

pytestmark = [pytest.mark.ray]


@pytest.fixture(scope="module", autouse=True)
def no_toy_engine_alive_after_the_module():
    yield
    assert_no_toy_engine_left(MARK)


def toy_task(name: str, *extra: str) -> dict:
    return {
        "task_name": name,
        "model": {"id_or_path": MARK},
        "base_runtime": "command",
        "command": ["{python}", TOY, "--model-path", "{model}", "--host", "{host}", "--port", "{port}", *extra],
        "parameters": SPACE,
        "optimization": {"strategy": "grid_search", "max_iterations": 8, "timeout_per_iteration": 120, "repeats": 0},
        "benchmark": BENCHMARK,
    }


def start(client, body: dict) -> int:
    task_id = create_task(client, body)["id"]
    assert client.post(f"/api/tasks/{task_id}/start").status_code == 200
    return task_id


def experiments_of(client, task_id: int) -> list[dict]:
    response = client.get(f"/api/tasks/{task_id}/experiments")
    assert response.status_code == 200, response.text
    return response.json()


def overlaps(a: dict, b: dict) -> bool:
    start_a, end_a = datetime.fromisoformat(a["started_at"]), datetime.fromisoformat(a["ended_at"])
    start_b, end_b = datetime.fromisoformat(b["started_at"]), datetime.fromisoformat(b["ended_at"])
    return start_a < end_b and start_b < end_a


def test_experiments_run_on_both_nodes_at_once_and_find_the_local_best(cluster, client, app, settings):
    executor = RayExecutor(cluster.address)
    assert executor.capacity() == 4 and executor.parallel({}) == 4
    worker = app.state.worker = Worker(
        app.state.session_factory, settings.log_dir, allow_command_runtime=True, executor=executor
    )
    system = client.get("/api/system").json()["cluster"]
    assert system["address"] == cluster.address and system["gpus_total"] == 4 and system["gpus_free"] == 4
    assert sorted((n["name"], n["alive"], n["gpus"]) for n in system["nodes"]) == [
        ("head", True, 2),
        ("node2", True, 2),
    ]
    task_id = start(client, toy_task("on-ray", "--delay-scale", "15"))
    assert worker.run_once() is True
    task = client.get(f"/api/tasks/{task_id}").json()
    experiments = experiments_of(client, task_id)
    assert task["status"] == "completed", task
    assert len(experiments) == 8 and all(e["status"] == "succeeded" for e in experiments), experiments
    nodes = {e["node"] for e in experiments}
    assert nodes == {"head", "node2"}, nodes
    assert any(
        overlaps(a, b) for a in experiments for b in experiments if a["node"] == "head" and b["node"] == "node2"
    ), "experiments on the two nodes ran at the same time"
    log = Path(experiments[0]["log_path"]).read_text(encoding="utf-8")
    assert "attempt 1 on node" in log, log[-2000:]
    ray_best = client.get(f"/api/experiments/{task['best_experiment_id']}").json()["parameters"]

    local = Worker(
        app.state.session_factory,
        settings.log_dir,
        allow_command_runtime=True,
        pool=DevicePool([f"slot-{i}" for i in range(4)], "slot", "test"),
    )
    local_id = start(client, toy_task("on-this-machine", "--delay-scale", "15"))
    assert local.run_once() is True
    local_task = client.get(f"/api/tasks/{local_id}").json()
    assert all(e["node"] is None for e in experiments_of(client, local_id))
    local_best = client.get(f"/api/experiments/{local_task['best_experiment_id']}").json()["parameters"]
    assert ray_best == local_best == BEST


def test_cancel_mid_run_stops_every_remote_engine(cluster, client, app, settings):
    executor = RayExecutor(cluster.address)
    worker = Worker(
        app.state.session_factory, settings.log_dir, allow_command_runtime=True, executor=executor, poll_interval=0.2
    )
    task_id = start(client, toy_task("cancel-on-ray", "--delay-scale", "200"))
    runner = threading.Thread(target=worker.run_once)
    runner.start()
    try:
        wait_for(lambda: len(toy_engine_processes(MARK)) >= 4, "4 remote engines running", timeout=90)
        busy = executor.cluster()
        assert busy["gpus_total"] == 4 and busy["gpus_free"] == 0, busy
        assert all(node["gpus_free"] == 0 for node in busy["nodes"]), busy
        assert client.post(f"/api/tasks/{task_id}/cancel").status_code == 200
        runner.join(90)
        assert not runner.is_alive()
    finally:
        worker.stop(timeout=30)
        runner.join(30)
    assert client.get(f"/api/tasks/{task_id}").json()["status"] == "cancelled"
    experiments = experiments_of(client, task_id)
    assert experiments and all(e["status"] == "cancelled" for e in experiments), experiments
    assert_no_toy_engine_left(MARK, grace=20)


def test_a_node_killed_mid_experiment_reruns_it_elsewhere_and_the_task_completes(cluster, client, app, settings):
    executor = RayExecutor(cluster.address)
    worker = Worker(app.state.session_factory, settings.log_dir, allow_command_runtime=True, executor=executor)
    task_id = start(client, toy_task("node-lost", "--delay-scale", "40"))
    runner = threading.Thread(target=worker.run_once)
    runner.start()
    try:
        wait_for(lambda: len(toy_engine_processes(MARK)) >= 4, "4 remote engines running", timeout=90)
        cluster.kill_node("node2")
        runner.join(600)
        assert not runner.is_alive()
    finally:
        worker.stop(timeout=30)
        runner.join(30)
    task = client.get(f"/api/tasks/{task_id}").json()
    experiments = experiments_of(client, task_id)
    assert task["status"] == "completed", task
    assert len(experiments) == 8 and all(e["status"] == "succeeded" for e in experiments), experiments
    retried = [e for e in experiments if "node lost" in Path(e["log_path"]).read_text(encoding="utf-8")]
    assert retried, "the experiments of the killed node were run again"
    assert all(e["node"] == "head" for e in retried)
    assert_no_toy_engine_left(MARK, grace=20)
