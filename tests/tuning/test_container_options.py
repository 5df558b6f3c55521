"""What a docker experiment asks the daemon for, per runtime and task options (no daemon needed:
the request is built, not sent; tests/docker sends it to a real daemon)."""

from __future__ import annotations

import pytest

from autotuner.runtimes.loading import catalog_release
from autotuner.tuning.engine import containers
from autotuner.tuning.engine.errors import LaunchError


def task(runtime: str, model: str = "meta/llama", **docker: object) -> dict:
    return {"task_name": "t", "model": {"id_or_path": model}, "base_runtime": runtime, "docker": docker}


def create_request(body: dict, combination: dict | None = None, gpus: list[str] | None = None, *, tmp_path) -> dict:
    engine = containers.DockerEngine(body, combination or {}, tmp_path / "e.log", port=4321, gpu_indices=gpus)
    return engine._create_kwargs()


def test_the_engine_command_inside_the_official_images():
    assert containers.container_command(task("sglang"), {"tp-size": 2}, 4321) == [
        "python3",
        "-m",
        "sglang.launch_server",
        "--model-path",
        "meta/llama",
        "--host",
        "0.0.0.0",
        "--port",
        "4321",
        "--tp-size",
        "2",
    ]
    assert containers.container_command(task("vllm"), {}, 4321)[:3] == ["vllm", "serve", "meta/llama"]
    llama = containers.container_command(task("llamacpp", "/models/m.gguf", host_network=True), {"parallel": 4}, 9)
    assert llama == [
        "/app/llama-server",
        "-m",
        "/models/m.gguf",
        "--host",
        "127.0.0.1",
        "--port",
        "9",
        "--parallel",
        "4",
    ]
    command = {**task("command", image="mine:1"), "command": ["{python}", "/srv.py", "--port", "{port}"]}
    assert containers.container_command(command, {}, 7) == ["python3", "/srv.py", "--port", "7"]


def test_default_images_are_the_official_ones_at_the_catalog_release():
    newest_sglang = catalog_release("sglang")
    assert newest_sglang is not None and not newest_sglang.startswith("v")
    assert containers.image_of(task("sglang")) == f"lmsysorg/sglang:v{newest_sglang}"
    assert containers.image_of(task("vllm")) == f"vllm/vllm-openai:v{catalog_release('vllm')}"
    # A task that pins the engine's version runs that version's image.
    assert containers.image_of({**task("vllm"), "runtime_version": "0.32.0"}) == "vllm/vllm-openai:v0.32.0"
    assert containers.image_of(task("llamacpp")) == "ghcr.io/ggml-org/llama.cpp:server"
    assert containers.image_of(task("sglang", image="lmsysorg/sglang:dev")) == "lmsysorg/sglang:dev"
    with pytest.raises(LaunchError, match=r"needs docker\.image"):
        containers.image_of(task("command"))


def test_ports_gpus_ipc_and_init(tmp_path):
    request = create_request(task("sglang"), {"tp-size": 2}, gpus=["0", "1"], tmp_path=tmp_path)
    assert request["ports"] == {"4321/tcp": ("127.0.0.1", 4321)} and "network_mode" not in request
    (device,) = request["device_requests"]
    assert device["DeviceIDs"] == ["0", "1"] and device["Capabilities"] == [["gpu"]]
    assert request["ipc_mode"] == "host" and request["init"] is True
    assert request["entrypoint"][:3] == ["python3", "-m", "sglang.launch_server"]
    assert request["labels"][containers.LABEL_EXPERIMENT] == str(tmp_path / "e.log")

    host = create_request(task("llamacpp", shm_size="2g", host_network=True), tmp_path=tmp_path)
    assert host["network_mode"] == "host" and "ports" not in host
    assert host["shm_size"] == "2g" and "ipc_mode" not in host and "device_requests" not in host


def test_the_model_is_mounted_read_only(tmp_path, monkeypatch):
    model = tmp_path / "m.gguf"
    model.write_bytes(b"GGUF")
    volumes = create_request(task("llamacpp", str(model)), tmp_path=tmp_path)["volumes"]
    assert volumes == {str(model): {"bind": str(model), "mode": "ro"}}
    cache = tmp_path / "hf"
    cache.mkdir()
    monkeypatch.setenv("HF_HOME", str(cache))
    volumes = create_request(task("vllm", "Qwen/Qwen2.5-0.5B"), tmp_path=tmp_path)["volumes"]
    assert volumes == {str(cache): {"bind": "/root/.cache/huggingface", "mode": "ro"}}


def test_environment_variables_by_name_only(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", "hf_secret")
    assert create_request(task("sglang", env=["HF_TOKEN"]), tmp_path=tmp_path)["environment"] == {
        "HF_TOKEN": "hf_secret"
    }
    monkeypatch.delenv("HF_TOKEN")
    with pytest.raises(LaunchError, match=r"The environment variable HF_TOKEN .* is not set where the service runs"):
        create_request(task("sglang", env=["HF_TOKEN"]), tmp_path=tmp_path)


def test_owners_are_this_process_until_it_is_gone():
    me = containers.owner_id()
    assert containers.owner_alive(me)
    boot, pid, start = me.split("/")
    assert not containers.owner_alive(f"{boot}/{pid}/{int(start) + 1}")  # a reused pid
    assert not containers.owner_alive(f"another-boot/{pid}/{start}")
    assert not containers.owner_alive("garbage")
