"""The GPUs of this machine, and the environment an engine process gets."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from typing import Any

from autotuner.tuning.engine.errors import LaunchError
from autotuner.tuning.scoring import gpus_needed

_gpu_count: int | None = None
_gpu_lock = threading.Lock()


def detected_gpu_count() -> int:
    """Number of GPUs ``nvidia-smi -L`` lists; 0 when it is missing or fails. Cached."""
    global _gpu_count
    with _gpu_lock:
        if _gpu_count is None:
            _gpu_count = 0
            if shutil.which("nvidia-smi"):
                try:
                    out = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True, timeout=10)
                    if out.returncode == 0:
                        _gpu_count = sum(1 for line in out.stdout.splitlines() if line.startswith("GPU "))
                except (OSError, subprocess.SubprocessError):
                    _gpu_count = 0
        return _gpu_count


def engine_environment(combination: dict[str, Any], runtime: str, gpu_count: int | None = None) -> dict[str, str]:
    """The child's environment: ours, plus CUDA_VISIBLE_DEVICES when GPUs are present."""
    env = dict(os.environ)
    count = detected_gpu_count() if gpu_count is None else gpu_count
    if count > 0:
        need = gpus_needed(combination, runtime)
        if need > count:
            raise LaunchError(
                f"These parameters need {need} GPUs but only {count} are present: "
                "remove the larger parallel sizes from the parameter space."
            )
        env["CUDA_VISIBLE_DEVICES"] = ",".join(str(i) for i in range(need))
    return env
