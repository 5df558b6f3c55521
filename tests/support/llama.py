"""llama.cpp for the tests: the real llama-server (built once per machine by
``scripts/llama_server.sh``, which ``scripts/test.sh`` runs before the Python tests) and the tiny
model, made once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from autotuner.tuning.engine.install import find_llama_server
from autotuner.tuning.engine.tiny_model import make_tiny_model
from support.processes import engine_processes


def llama_server_path() -> Path:
    """The llama-server the runtime would run; fails (never skips) when there is none."""
    found = find_llama_server()
    if found is None or not found.usable:
        pytest.fail(
            "llama-server is not built on this machine: run scripts/llama_server.sh (20-30 minutes once; "
            "scripts/test.sh does it before the tests)."
        )
    return found.path


@pytest.fixture(scope="session")
def llama_server() -> Path:
    return llama_server_path()


@pytest.fixture(scope="session")
def tiny_gguf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny model (``autotuner models make-tiny``'s defaults), once per session."""
    path = tmp_path_factory.mktemp("llama-model") / "tiny.gguf"
    make_tiny_model(path)
    return path


def llama_server_processes(marker: str) -> list[tuple[int, str]]:
    """Live llama-server processes whose command line holds ``marker`` (the model path of a test
    module, so that other sessions on the machine do not count)."""
    return engine_processes("llama-server", marker)


def llamacpp_task(model: Path, parameters: dict, benchmark: dict, **optimization: object) -> dict:
    """A task body for the llama.cpp runtime over ``model``."""
    return {
        "task_name": "llama",
        "model": {"id_or_path": str(model)},
        "base_runtime": "llamacpp",
        "parameters": parameters,
        "optimization": {
            "strategy": "grid_search",
            "objective": "maximize_throughput",
            "max_iterations": 50,
            "timeout_per_iteration": 120,
            "repeats": 0,
            **optimization,
        },
        "benchmark": benchmark,
    }
