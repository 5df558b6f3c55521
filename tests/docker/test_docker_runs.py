"""deployment_mode "docker" end to end on a real Docker daemon (no mock): the stand-in engine
(a test double) in an image built on this machine (:mod:`support.docker_images`), driven through
the REST API, the worker and the Docker Engine API.

Every test checks that no container of this test session is left (the label filter is empty),
including after a service is killed with SIGKILL. Run with ``pytest -m docker``; scripts/test.sh
starts a daemon first when none answers (``ensure_docker`` in scripts/lib.sh).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import uuid

import docker
import httpx
import pytest
from support.docker_images import STANDIN_SCRIPT, standin_image
from support.factories import assert_error, create_task
from support.processes import pid_alive, wait_for

from autotuner.runs.worker import Worker
from autotuner.tuning.engine import containers
from autotuner.tuning.experiment import run_experiment

pytestmark = [pytest.mark.docker, pytest.mark.slow]

MARK = f"toy-docker-{uuid.uuid4().hex[:12]}"  # the model name: tells this session's containers apart
SPACE = {"tp-size": [1, 2], "schedule-policy": ["fcfs", "lpm"]}
BEST = {"tp-size": 2, "schedule-policy": "lpm"}
BENCHMARK = {"traffic_scenarios": ["D(32,8)"], "concurrency": [2], "requests_per_level": 6, "warmup_requests": 1}
COMMAND = ["{python}", STANDIN_SCRIPT, "--model-path", "{model}", "--host", "{host}", "--port", "{port}"]


@pytest.fixture(scope="module")
def daemon() -> docker.DockerClient:
    client = docker.from_env()  # fails the module when no daemon answers: run scripts/lib.sh's ensure_docker
    yield client
    client.close()


@pytest.fixture(scope="module")
def image(daemon) -> str:
    return standin_image()


def ours(daemon: docker.DockerClient) -> list[str]:
    """Ids of this test session's containers (their task label or command carries MARK), running or not."""
    return [
        c["Id"]
        for c in daemon.api.containers(all=True, filters={"label": containers.LABEL})
        if MARK in (c.get("Labels") or {}).get(containers.LABEL_TASK, "") or MARK in c.get("Command", "")
    ]


def exists(daemon: docker.DockerClient, container_id: str) -> bool:
    return bool(daemon.api.containers(all=True, filters={"id": container_id}))


@pytest.fixture(autouse=True)
def no_container_left(daemon):
    yield
    left = ours(daemon)
    for container_id in left:
        daemon.api.remove_container(container_id, force=True)
    assert not left, f"containers left behind: {left}"


@pytest.fixture
def worker(app, settings):
    runner = Worker(app.state.session_factory, settings.log_dir, allow_command_runtime=True, poll_interval=0.05)
    yield runner
    runner.stop()


def docker_task(name: str, image: str, *extra: str, parameters: dict | None = None, **docker_options) -> dict:
    return {
        "task_name": f"{name}-{MARK}",
        "model": {"id_or_path": MARK},
        "base_runtime": "command",
        "command": [*COMMAND, *extra],
        "deployment_mode": "docker",
        "docker": {"image": image, **docker_options},
        "parameters": parameters if parameters is not None else SPACE,
        "optimization": {"strategy": "grid_search", "max_iterations": 10, "timeout_per_iteration": 60, "repeats": 0},
        "benchmark": BENCHMARK,
    }


def experiment(task: dict, parameters: dict, tmp_path, **kwargs):
    return run_experiment(task, parameters, log_path=tmp_path / "exp.log", timeout=60, grace_period=5, **kwargs)


# --- a docker task finds the best -----------------------------------------------------------------


def test_a_docker_task_finds_the_best_configuration(client, worker, image, daemon, monkeypatch):
    monkeypatch.setenv("AUTOTUNER_DOCKER_TEST_SECRET", "passed-by-name")
    body = docker_task("grid", image, "--delay-scale", "25", env=["AUTOTUNER_DOCKER_TEST_SECRET"])
    task = create_task(client, body)
    assert task["deployment_mode"] == "docker"
    assert task["docker"] == {
        "image": image,
        "host_network": False,
        "shm_size": None,
        "env": ["AUTOTUNER_DOCKER_TEST_SECRET"],
    }
    assert client.post(f"/api/tasks/{task['id']}/start").status_code == 200
    assert worker.run_once() is True

    task = client.get(f"/api/tasks/{task['id']}").json()
    assert task["status"] == "completed", task
    experiments = client.get(f"/api/tasks/{task['id']}/experiments").json()
    assert len(experiments) == 4
    for done in experiments:
        assert done["status"] == "succeeded", done["error_message"]
        # The same command as the local path, with the image's python and bound for the published port.
        assert done["command"][:2] == ["python3", STANDIN_SCRIPT]
        assert done["command"][done["command"].index("--host") + 1] == "0.0.0.0"
    best = client.get(f"/api/experiments/{task['best_experiment_id']}").json()
    assert best["parameters"] == BEST
    log = client.get(f"/api/experiments/{best['id']}/logs").text
    assert f"$ docker run {image} python3 {STANDIN_SCRIPT}" in log
    assert "toy engine: serving" in log and "tp-size 2" in log  # the container's output, streamed
    task_log = client.get(f"/api/tasks/{task['id']}/logs").text
    assert f"The engine runs in containers of the image {image}." in task_log
    # The value of a variable passed by name is never stored.
    assert "passed-by-name" not in client.get(f"/api/tasks/{task['id']}").text


def test_the_container_gets_labels_env_by_name_the_model_read_only_and_a_local_port(image, daemon, tmp_path):
    model = tmp_path / "model-dir"
    model.mkdir()
    task = docker_task("inspect", image, parameters={})
    task["model"] = {"id_or_path": str(model)}
    os.environ["AUTOTUNER_DOCKER_TEST_TOKEN"] = "secret-value"
    try:
        task["docker"]["env"] = ["AUTOTUNER_DOCKER_TEST_TOKEN"]
        engine = containers.DockerEngine(task, {"tp-size": 1}, tmp_path / "exp.log", port=free_port(), grace_period=2)
        engine.task["task_name"] = f"inspect-{MARK}"
        with engine:
            engine.wait_ready(30)
            attrs = daemon.containers.get(engine.container.id).attrs
    finally:
        del os.environ["AUTOTUNER_DOCKER_TEST_TOKEN"]
    labels = attrs["Config"]["Labels"]
    assert labels[containers.LABEL_TASK] == f"inspect-{MARK}"
    assert labels[containers.LABEL_EXPERIMENT] == str(tmp_path / "exp.log")
    assert labels[containers.LABEL_OWNER] == containers.owner_id()
    assert "AUTOTUNER_DOCKER_TEST_TOKEN=secret-value" in attrs["Config"]["Env"]
    mounts = {m["Destination"]: m for m in attrs["Mounts"]}
    assert mounts[str(model)]["RW"] is False and mounts[str(model)]["Source"] == str(model)
    bindings = attrs["HostConfig"]["PortBindings"][f"{engine.port}/tcp"]
    assert bindings == [{"HostIp": "127.0.0.1", "HostPort": str(engine.port)}]
    assert attrs["HostConfig"]["Init"] is True
    assert not ours(daemon)  # removed on exit


def test_host_networking_reaches_the_engine(image, daemon, tmp_path):
    outcome = experiment(docker_task("host", image, host_network=True), {"tp-size": 1}, tmp_path)
    assert outcome.status == "succeeded", outcome.error
    assert outcome.command[outcome.command.index("--host") + 1] == "127.0.0.1"


# --- errors a user can act on -----------------------------------------------------------------------


def test_an_image_that_does_not_exist(tmp_path, daemon):
    missing = f"autotuner-no-such-image:{MARK}"
    outcome = experiment(docker_task("missing", missing), {"tp-size": 1}, tmp_path)
    assert outcome.status == "failed"
    assert outcome.error.startswith(f"The image '{missing}' is not on this Docker host and could not be pulled (")
    assert "`docker load -i image.tar`" in outcome.error and f"`docker import rootfs.tar {missing}`" in outcome.error


def test_a_stopped_daemon(tmp_path, image, monkeypatch):
    socket = tmp_path / "no-daemon.sock"
    monkeypatch.setenv("DOCKER_HOST", f"unix://{socket}")
    outcome = experiment(docker_task("nodaemon", image), {"tp-size": 1}, tmp_path)
    assert outcome.status == "failed"
    assert outcome.error.startswith(f"Cannot reach the Docker daemon at unix://{socket}: "), outcome.error
    assert "dockerd" in outcome.error


def test_a_container_that_crashes_at_start(tmp_path, image):
    # The stand-in exits "out of memory" when mem-fraction-static is above 0.95.
    outcome = experiment(docker_task("crash", image), {"mem-fraction-static": 0.99}, tmp_path)
    assert outcome.status == "failed"
    assert outcome.error.startswith("The engine exited with code 1 before it became ready: "), outcome.error
    assert "Last lines of its output:" in outcome.error and "out of memory" in outcome.error.lower()


def test_a_gpu_request_on_a_daemon_without_the_nvidia_runtime(tmp_path, image):
    # Two GPUs declared: the experiment's assignment (tp-size 2 -> devices 0,1) becomes a device request.
    outcome = experiment(docker_task("gpu", image), {"tp-size": 2}, tmp_path, gpu_count=2)
    assert outcome.status == "failed"
    assert outcome.error.startswith("GPUs 0,1 were requested but this Docker host has no NVIDIA runtime ("), (
        outcome.error
    )
    assert "NVIDIA Container Toolkit" in outcome.error


def test_a_task_whose_daemon_is_stopped_fails_at_once_with_the_sentence(client, worker, image, monkeypatch, tmp_path):
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path / 'none.sock'}")
    task = create_task(client, docker_task("preflight", image))
    client.post(f"/api/tasks/{task['id']}/start")
    assert worker.run_once() is True
    task = client.get(f"/api/tasks/{task['id']}").json()
    assert task["status"] == "failed"
    assert task["error_message"].startswith(f"Cannot reach the Docker daemon at unix://{tmp_path / 'none.sock'}: ")
    assert client.get(f"/api/tasks/{task['id']}/experiments").json() == []


def test_docker_options_are_checked_when_the_task_is_made(client):
    body = docker_task("checked", "img:1")
    assert_error(
        client.post("/api/tasks/", json={**body, "docker": {"env": ["HF_TOKEN=hf_abc"]}}),
        422,
    )
    no_image = {**body, "docker": {}}
    assert_error(
        client.post("/api/tasks/", json=no_image), 422, 'A docker task with base_runtime "command" needs docker.image'
    )
    local = create_task(client, {**body, "deployment_mode": "local", "docker": None})
    assert local["deployment_mode"] == "local" and local["docker"] is None
    assert_error(
        client.put(f"/api/tasks/{local['id']}", json={"deployment_mode": "docker"}),
        422,
        'A docker task with base_runtime "command" needs docker.image',
    )
    changed = client.put(
        f"/api/tasks/{local['id']}",
        json={"deployment_mode": "docker", "docker": {"image": "img:2", "env": ["HF_HOME"]}},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["deployment_mode"] == "docker"
    assert changed.json()["docker"] == {"image": "img:2", "host_network": False, "shm_size": None, "env": ["HF_HOME"]}


# --- nothing outlives the service -------------------------------------------------------------------


def test_containers_are_removed_when_the_service_is_killed_outright(tmp_path, image, daemon):
    """SIGKILL the process that started the container: its watcher removes the container."""
    script = textwrap.dedent(
        f"""
        import os, signal
        from autotuner.tuning.engine.containers import DockerEngine, watcher_pid
        from autotuner.tuning.engine.process import free_port
        task = {docker_task("killed", image)!r}
        engine = DockerEngine(task, {{"tp-size": 1}}, {str(tmp_path / "engine.log")!r}, port=free_port())
        engine.start()
        engine.wait_ready(30)
        print(engine.container.id, watcher_pid(), flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    service = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert service.returncode == -signal.SIGKILL, service.stderr
    container_id, watcher = service.stdout.split()
    wait_for(lambda: not exists(daemon, container_id), "the watcher to remove the container", 60)
    wait_for(lambda: not pid_alive(int(watcher)), "the watcher to exit", 30)


def test_containers_go_when_the_service_itself_is_killed_outright(tmp_path, image, daemon):
    """`autotuner serve` runs a docker task; SIGKILL it mid-experiment; no container is left."""
    port = free_port()
    env = {
        **os.environ,
        "AUTOTUNER_DATA_DIR": str(tmp_path / "data"),
        "AUTOTUNER_ALLOW_COMMAND_RUNTIME": "true",
        "AUTOTUNER_UI_DIR": str(tmp_path / "no-ui"),
    }
    env.pop("AUTOTUNER_DATABASE_URL", None)
    service = subprocess.Popen(
        [sys.executable, "-m", "autotuner.cli.main", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        headers = {"X-Autotuner-CSRF": "1"}

        def answers() -> bool:
            try:
                return httpx.get(base + "/api/system/", timeout=5).status_code == 200
            except httpx.HTTPError:
                return False

        wait_for(answers, "the service to answer", 60, interval=0.2)
        # A slow stand-in (long benchmark) so that the kill lands while the container runs.
        body = docker_task("served", image, "--delay-scale", "300", parameters={"tp-size": [1, 2]})
        created = httpx.post(base + "/api/tasks/", json=body, headers=headers, timeout=30)
        assert created.status_code == 201, created.text
        started = httpx.post(f"{base}/api/tasks/{created.json()['id']}/start", headers=headers, timeout=30)
        assert started.status_code == 200, started.text
        wait_for(lambda: ours(daemon), "the engine's container", 60, interval=0.2)
    finally:
        service.kill()  # SIGKILL: no teardown runs in the service
        service.wait(timeout=30)
    assert service.returncode == -signal.SIGKILL
    wait_for(lambda: not ours(daemon), "the watcher to remove the killed service's container", 60, interval=0.2)


def test_leftovers_of_a_dead_service_are_removed_at_start_up_and_live_ones_kept(image, daemon):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_owner = containers.owner_id(os.getpid()).rsplit("/", 2)[0] + f"/{int(dead.stdout)}/1"
    labels = {containers.LABEL: "1", containers.LABEL_TASK: f"leftover-{MARK}"}
    left = daemon.containers.create(
        image, ["python3", "-c", "pass"], labels={**labels, containers.LABEL_OWNER: dead_owner}
    )
    alive = daemon.containers.create(
        image, ["python3", "-c", "pass"], labels={**labels, containers.LABEL_OWNER: containers.owner_id()}
    )
    try:
        assert containers.remove_leftover_containers() >= 1
        assert not exists(daemon, left.id)
        assert exists(daemon, alive.id)  # its service still runs
    finally:
        alive.remove(force=True)


def free_port() -> int:
    from autotuner.tuning.engine.process import free_port as pick

    return pick()


# --- /api/system ------------------------------------------------------------------------------------


def test_system_shows_the_daemon(client, daemon):
    state = client.get("/api/system").json()["docker"]
    assert state["reachable"] is True and state["error"] is None
    assert state["version"] == daemon.version()["Version"]
    assert state["nvidia_runtime"] is False  # this machine has none


def test_system_says_what_to_do_without_a_daemon(client, monkeypatch, tmp_path):
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path / 'gone.sock'}")
    state = client.get("/api/system").json()["docker"]
    assert state["reachable"] is False and state["version"] is None
    assert state["url"] == f"unix://{tmp_path / 'gone.sock'}"
    assert state["error"].startswith(f"Cannot reach the Docker daemon at unix://{tmp_path / 'gone.sock'}: ")
