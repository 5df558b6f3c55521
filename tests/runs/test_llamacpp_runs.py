"""A llama.cpp task end to end through the real service paths: the REST API, the worker, the real
llama-server with the tiny model, the benchmark client and the database. The service runs with
the command runtime off: llama.cpp is an engine runtime whose program comes from the server's
configuration, never from a request."""

from __future__ import annotations

import json

import pytest
from support.factories import assert_error, create_task
from support.llama import llama_server, llama_server_processes, llamacpp_task, tiny_gguf  # noqa: F401 - fixtures
from support.paths import EXAMPLES
from support.processes import wait_for

from autotuner.core.settings import Settings
from autotuner.runs.worker import Worker
from autotuner.runtimes.checking import machine_cpus
from autotuner.tuning.space import iter_combinations

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("no_engine_left_behind")]

SPACE = {"parallel": [1, 4], "cont-batching": [True, False], "batch-size": [64, 512], "threads": [1]}
BENCHMARK = {"traffic_scenarios": ["D(32,16)"], "concurrency": [4], "requests_per_level": 8, "warmup_requests": 1}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The test service, with the command runtime off."""
    return settings.model_copy(update={"allow_command_runtime": False})


@pytest.fixture
def worker(app, settings):
    runner = Worker(app.state.session_factory, settings.log_dir, allow_command_runtime=False, poll_interval=0.05)
    yield runner
    runner.stop()


def run(client, worker: Worker, body: dict) -> tuple[dict, list[dict]]:
    task_id = create_task(client, body)["id"]
    response = client.post(f"/api/tasks/{task_id}/start")
    assert response.status_code == 200, response.text
    assert worker.run_once() is True
    task = client.get(f"/api/tasks/{task_id}").json()
    experiments = client.get(f"/api/tasks/{task_id}/experiments").json()
    return task, experiments


def test_a_llamacpp_task_tunes_the_real_engine_through_the_api(client, worker, llama_server, tiny_gguf):  # noqa: F811
    task, experiments = run(client, worker, llamacpp_task(tiny_gguf, SPACE, BENCHMARK))
    assert task["status"] == "completed", task["error_message"]
    assert task["experiments_done"] == 8 == len(experiments)
    assert [e["parameters"] for e in experiments] == list(iter_combinations(SPACE))
    for experiment in experiments:
        assert experiment["status"] == "succeeded", experiment["error_message"]
        assert experiment["command"][:3] == [str(llama_server), "-m", str(tiny_gguf)]
        metrics = experiment["metrics"]
        assert metrics["token_counts"]["tokenizer"] == "llama.cpp"
        assert metrics["token_counts"]["answers_without_usage"] == 0
        (level,) = metrics["levels"]
        # Real counts from the engine's usage: 8 requests of 32 prompt and 16 output tokens.
        assert (level["requests_succeeded"], level["input_tokens"], level["output_tokens"]) == (8, 256, 128)
        assert experiment["score"] == metrics["scoring"]["score"] > 0
    best = client.get(f"/api/experiments/{task['best_experiment_id']}").json()
    assert best["score"] == max(e["score"] for e in experiments)
    flags = " ".join(best["command"])
    assert f"--parallel {best['parameters']['parallel']}" in flags
    assert ("--cont-batching" if best["parameters"]["cont-batching"] else "--no-cont-batching") in flags
    engine_log = client.get(f"/api/experiments/{best['id']}/logs").text
    assert "llama_server" in engine_log and "model loaded" in engine_log
    assert wait_for(lambda: llama_server_processes(str(tiny_gguf)) == [], "every llama-server to exit", timeout=15)


def test_a_missing_model_file_fails_the_task_before_any_experiment(client, worker, tmp_path):
    missing = tmp_path / "nowhere" / "model.gguf"
    task, experiments = run(client, worker, llamacpp_task(missing, {"threads": [1]}, BENCHMARK))
    assert task["status"] == "failed" and experiments == []
    assert task["error_message"].startswith(f"The model file '{missing}' does not exist: llama.cpp loads a local .gguf")


def test_the_space_removes_contexts_too_small_and_warns_about_threads(client, tiny_gguf):  # noqa: F811
    cpus = machine_cpus()
    body = llamacpp_task(
        tiny_gguf,
        {"ctx-size": [512, 2048], "parallel": [1, 4], "threads": [1, cpus + 1]},
        {"traffic_scenarios": ["D(200,56)"], "concurrency": [4]},
    )
    task = create_task(client, body)
    assert f"threads {cpus + 1}: threads above this machine's CPU count makes threads wait for each other" in " ".join(
        task["warnings"]
    )
    space = client.get(f"/api/tasks/{task['id']}/space", params={"limit": 0}).json()
    # 512 tokens hold one request of 256 tokens, not four: (512, 4) is removed, for either threads.
    assert (space["total"], space["valid"]) == (8, 6)
    effect = next(e for e in space["removed_by_rule"] if e["rule"] == "llamacpp-ctx-holds-parallel-requests")
    assert effect["removed"] == 2 and effect["applies"] is True


def test_the_catalog_and_the_system_preset_are_served(client):
    runtimes = {r["name"]: r for r in client.get("/api/runtimes/").json()}
    assert runtimes["llamacpp"]["display_name"] == "llama.cpp"
    flags = {f["name"]: f for f in client.get("/api/runtimes/llamacpp/parameters").json()}
    assert flags["flash-attn"]["choices"] == ["on", "off", "auto"]
    assert flags["cont-batching"]["type"] == "bool" and flags["cont-batching"]["default"] is True
    presets = client.get("/api/presets/", params={"runtime": "llamacpp"}).json()
    assert [p["slug"] for p in presets] == ["cpu-throughput"]
    assert presets[0]["is_system"] is True


def test_the_llamacpp_runtime_needs_no_command_permission(client):
    # The command runtime is off in this service, yet a llama.cpp task is accepted: its program is
    # the server's llama-server, never one a request names.
    assert_error(
        client.post(
            "/api/tasks/",
            json={
                "task_name": "c",
                "model": {"id_or_path": "m"},
                "base_runtime": "command",
                "command": ["x", "{port}"],
            },
        ),
        403,
    )
    created = create_task(client, llamacpp_task("m.gguf", {"threads": [1]}, BENCHMARK))  # type: ignore[arg-type]
    assert created["base_runtime"] == "llamacpp" and created["command"] is None


def test_the_example_task_is_accepted_as_written(client):
    body = json.loads((EXAMPLES / "llamacpp_task.json").read_text())
    task = create_task(client, body)
    assert (task["base_runtime"], task["model"]["id_or_path"], task["combinations"]) == ("llamacpp", "tiny.gguf", 16)
