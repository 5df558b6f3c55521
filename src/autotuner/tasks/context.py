"""The context an experiment runs in, recorded on it (``experiments.context``) for analytics and
suggested presets: runtime and engine version, model (id; size, architecture and dtype when the
built-in table of model shapes knows it), quantization, hardware (GPUs from nvidia-smi; CPU model
and cores for CPU engines), benchmark scenarios and concurrency, and the objective."""

from __future__ import annotations

import os
import platform
from functools import cache
from pathlib import Path
from typing import Any

from autotuner.db.models import Task
from autotuner.tuning.engine.gpus import detected_gpus
from autotuner.tuning.memory import find_model

CPU_RUNTIMES = ("llamacpp",)


@cache
def cpu_model() -> str | None:
    """The CPU's model name (/proc/cpuinfo on Linux, else what the platform says)."""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip() or None
    except OSError:
        pass
    return platform.processor() or None


def _text(value: Any) -> str | None:
    return None if value is None or isinstance(value, (list, dict)) else str(value)


def experiment_context(task: Task, combination: dict[str, Any] | None = None) -> dict[str, Any]:
    """The context of an experiment of ``task`` with ``combination`` as its parameters."""
    combination = combination or {}
    runtime = str(task.base_runtime)
    model_id = str((task.model or {}).get("id_or_path") or "")
    shape = find_model(model_id)
    benchmark = task.benchmark or {}
    gpus = detected_gpus()
    cpu = runtime in CPU_RUNTIMES or gpus is None
    return {
        "runtime": runtime,
        "runtime_version": task.runtime_version,
        "model_id": model_id,
        "model_params_b": shape.params_b if shape else None,
        "architecture": shape.architecture if shape else None,
        "dtype": _text(combination.get("dtype")) or (shape.dtype if shape else None),
        "quantization": _text(combination.get("quantization")),
        "gpu_model": gpus.model if gpus else None,
        "gpu_memory_gb": gpus.memory_gb if gpus else None,
        "gpu_count": gpus.count if gpus else None,
        "cpu_model": cpu_model() if cpu else None,
        "cpu_cores": os.cpu_count() if cpu else None,
        "scenario": [str(s) for s in benchmark.get("traffic_scenarios") or []],
        "concurrency": [c for c in benchmark.get("concurrency") or [] if isinstance(c, int)],
        "objective": (task.optimization or {}).get("objective") or "maximize_throughput",
    }
