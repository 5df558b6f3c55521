"""The real llama-server in a container (deployment_mode "docker"): an image built on this machine
from the llama-server scripts/llama_server.sh builds (``/app/llama-server``, as in llama.cpp's
official image), the tiny model mounted read-only from the host, driven through the API."""

from __future__ import annotations

import uuid

import docker
import pytest
from support.docker_images import LLAMA_SERVER_IN_IMAGE, llama_server_image
from support.llama import llama_server, llamacpp_task, tiny_gguf  # noqa: F401 - fixtures

from autotuner.core.settings import Settings
from autotuner.runs.worker import Worker
from autotuner.tuning.engine import containers

pytestmark = [pytest.mark.docker, pytest.mark.slow]

MARK = f"llama-docker-{uuid.uuid4().hex[:12]}"
BENCHMARK = {"traffic_scenarios": ["D(32,8)"], "concurrency": [2], "requests_per_level": 4, "warmup_requests": 1}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"allow_command_runtime": False})


@pytest.fixture
def worker(app, settings):
    runner = Worker(app.state.session_factory, settings.log_dir, allow_command_runtime=False, poll_interval=0.05)
    yield runner
    runner.stop()


def ours(client: docker.DockerClient) -> list[str]:
    return [
        c["Id"]
        for c in client.api.containers(all=True, filters={"label": containers.LABEL})
        if (c.get("Labels") or {}).get(containers.LABEL_TASK) == MARK
    ]


def test_llama_server_in_a_container_serves_the_mounted_model(client, worker, llama_server, tiny_gguf):  # noqa: F811
    image = llama_server_image(llama_server)
    body = llamacpp_task(tiny_gguf, {"parallel": [1, 2], "threads": [1]}, BENCHMARK)
    body.update(task_name=MARK, deployment_mode="docker", docker={"image": image})
    response = client.post("/api/tasks/", json=body)
    assert response.status_code == 201, response.text
    task_id = response.json()["id"]
    assert client.post(f"/api/tasks/{task_id}/start").status_code == 200
    assert worker.run_once() is True

    task = client.get(f"/api/tasks/{task_id}").json()
    assert task["status"] == "completed", task
    experiments = client.get(f"/api/tasks/{task_id}/experiments").json()
    assert [e["status"] for e in experiments] == ["succeeded", "succeeded"], [e["error_message"] for e in experiments]
    for experiment in experiments:
        assert experiment["command"][:3] == [LLAMA_SERVER_IN_IMAGE, "-m", str(tiny_gguf)]
        assert experiment["metrics"]["levels"][0]["requests_succeeded"] == 4
    log = client.get(f"/api/experiments/{experiments[0]['id']}/logs").text
    assert f"$ docker run {image} {LLAMA_SERVER_IN_IMAGE} -m {tiny_gguf}" in log
    assert "model loaded" in log  # llama-server's own output, streamed from the container
    daemon = docker.from_env()
    try:
        assert ours(daemon) == []
    finally:
        daemon.close()
