"""The worker records each experiment's context as it starts it: a real run of the stand-in
engine (``examples/toy_engine.py``) through the real worker."""

from __future__ import annotations

import os
import shutil
import uuid

import pytest
from support.paths import TOY
from support.processes import assert_no_toy_engine_left

from autotuner.runs.worker import Worker

MARK = f"toy-context-{uuid.uuid4().hex[:12]}"

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("no_engine_left_behind")]


@pytest.fixture(scope="module", autouse=True)
def no_toy_engine_alive_after_the_module():
    yield
    assert_no_toy_engine_left(MARK)


def test_each_experiment_records_what_it_ran_on(client, app, settings) -> None:
    body = {
        "task_name": "context",
        "model": {"id_or_path": MARK},
        "base_runtime": "command",
        "command": ["{python}", TOY, "--model-path", "{model}", "--host", "{host}", "--port", "{port}"],
        "parameters": {"mem-fraction-static": [0.8, 0.9]},
        "optimization": {
            "strategy": "grid_search",
            "objective": "minimize_ttft",
            "max_iterations": 2,
            "repeats": 1,
            "repeat_top": 1,
        },
        "benchmark": {
            "traffic_scenarios": ["D(16,4)"],
            "concurrency": [2],
            "requests_per_level": 4,
            "warmup_requests": 1,
        },
    }
    created = client.post("/api/tasks/", json=body)
    assert created.status_code == 201, created.text
    task_id = created.json()["id"]
    assert client.post(f"/api/tasks/{task_id}/start").status_code == 200
    worker = Worker(app.state.session_factory, settings.log_dir, allow_command_runtime=True, poll_interval=0.05)
    try:
        assert worker.run_once() is True
    finally:
        worker.stop()
    experiments = client.get(f"/api/tasks/{task_id}/experiments").json()
    assert [e["status"] for e in experiments] == ["succeeded"] * 3, experiments
    [repeat] = [e for e in experiments if e["repeat_of"] is not None]  # a repeat records its context too
    assert repeat["context"] == next(e for e in experiments if e["id"] == repeat["repeat_of"])["context"]
    for experiment in experiments:
        context = experiment["context"]
        assert context["runtime"] == "command" and context["model_id"] == MARK
        assert (context["scenario"], context["concurrency"], context["objective"]) == (
            ["D(16,4)"],
            [2],
            "minimize_ttft",
        )
        assert context["model_params_b"] is None  # not a model of the built-in table
        if shutil.which("nvidia-smi") is None:
            assert context["gpu_count"] is None and context["cpu_cores"] == os.cpu_count()
            assert context["cpu_model"]
        else:
            assert context["gpu_count"] >= 1 and context["gpu_memory_gb"] > 0
    one = client.get(f"/api/experiments/{experiments[0]['id']}").json()
    assert one["context"] == experiments[0]["context"]
    importance = client.get("/api/analytics/importance", params={"task_id": task_id}).json()
    assert (importance["tasks"], importance["experiments"]) == (1, 3)  # repeats are measurements too
    assert [p["name"] for p in importance["parameters"]] == ["mem-fraction-static"]
