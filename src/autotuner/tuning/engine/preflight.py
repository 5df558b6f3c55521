"""Is the task's engine there? Checked once before the first experiment, so that a missing engine
fails the task at once with one sentence instead of failing every experiment after a start-up.

- ``sglang``: the ``sglang`` package importable by this interpreter (``python -m
  sglang.launch_server`` is how it starts);
- ``vllm``: the ``vllm`` program on ``PATH``;
- ``llamacpp``: a ``llama-server`` (``AUTOTUNER_LLAMA_SERVER``, ``PATH``, or the one ``autotuner
  engines install llamacpp`` cached; see :mod:`.install`), and the model file (``model.id_or_path``
  is the path of a ``.gguf`` file, relative paths read from ``cwd``);
- deployment mode ``docker``: the Docker daemon answers and has the task's image (pulled when
  missing and a registry answers; see :mod:`.containers`); nothing is checked on this machine;
- ``command``: the template's program (on ``PATH``, or a path that exists and is executable), and
  every argument that names a Python script (``*.py``) exists, relative paths read from ``cwd``.

An installed engine whose version differs from the catalog's release is not an error: the
check returns a note saying which version runs.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autotuner.core.enums import Runtime
from autotuner.tuning.engine.commands import build_command, model_of
from autotuner.tuning.engine.install import ENV_VAR, LLAMA_CPP_PYTHON_VERSION, find_llama_server, server_version

TRY_WITHOUT_GPU = "to try the autotuner without a GPU, run the stand-in engine's task examples/toy_task.json"


class EngineMissing(Exception):
    """The engine a task needs is not installed here; the message says what to install."""


@dataclass(frozen=True)
class EngineFound:
    version: str | None
    note: str | None  # e.g. the installed version differs from the catalog's


def _installed_version(distribution: str) -> str | None:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def installed_engine_version(runtime: str) -> str | None:
    """The version of ``runtime`` installed for this interpreter (SGLang and vLLM, from their
    package metadata; quick, nothing is imported), or None (not installed, or llama.cpp)."""
    if runtime in (Runtime.sglang, Runtime.vllm):
        return _installed_version(str(runtime))
    return None


def _version_note(name: str, installed: str | None, release: str | None) -> str | None:
    if installed is None or release is None or installed.lstrip("v") == release.lstrip("v"):
        return None
    return f"{name} {installed} is installed; its flags are checked against the catalog of {release}."


def _resolve_program(program: str, cwd: Path) -> str | None:
    if os.sep in program:
        path = Path(program) if os.path.isabs(program) else cwd / program
        return str(path) if path.is_file() and os.access(path, os.X_OK) else None
    return shutil.which(program)


def check_engine(task: dict[str, Any], *, cwd: str | Path | None = None, release: str | None = None) -> EngineFound:
    """Raise :class:`EngineMissing` with one sentence when the task's engine cannot start here."""
    if task.get("deployment_mode") == "docker":
        return _check_docker(task)
    runtime = task.get("base_runtime", Runtime.sglang)
    here = Path(cwd) if cwd is not None else Path.cwd()
    if runtime == Runtime.sglang:
        if importlib.util.find_spec("sglang") is None:
            raise EngineMissing(
                "SGLang is not installed for this Python (the engine starts as `python -m "
                'sglang.launch_server`): install it on the GPU machine with `pip install "sglang[all]"`, '
                f"or, {TRY_WITHOUT_GPU}."
            )
        version = _installed_version("sglang")
        return EngineFound(version, _version_note("SGLang", version, release))
    if runtime == Runtime.vllm:
        if shutil.which("vllm") is None:
            raise EngineMissing(
                "vLLM is not installed: the `vllm` program is not on PATH (the engine starts as `vllm "
                f"serve`): install it on the GPU machine with `pip install vllm`, or, {TRY_WITHOUT_GPU}."
            )
        version = _installed_version("vllm")
        return EngineFound(version, _version_note("vLLM", version, release))
    if runtime == Runtime.llamacpp:
        return _check_llamacpp(task, here)
    command = build_command(task, {}, "0")
    program = command[0]
    if _resolve_program(program, here) is None:
        raise EngineMissing(
            f"The task's command starts '{program}', which is not an executable program here (not on "
            "PATH and not an executable file): fix the first item of 'command'."
        )
    for argument in command[1:]:
        if argument.endswith(".py") and not (Path(argument) if os.path.isabs(argument) else here / argument).is_file():
            raise EngineMissing(
                f"The task's command runs the script '{argument}', which does not exist in {here}: give its "
                "absolute path, or a path relative to the task file (autotuner tune) or to the folder the "
                "service starts in."
            )
    return EngineFound(None, None)


def _check_docker(task: dict[str, Any]) -> EngineFound:
    """deployment_mode docker: the daemon answers and has the image (pulled when it can be)."""
    from autotuner.tuning.engine.containers import check_docker
    from autotuner.tuning.engine.errors import LaunchError

    try:
        image = check_docker(task)
    except LaunchError as exc:
        raise EngineMissing(exc.message) from exc
    return EngineFound(None, f"The engine runs in containers of the image {image}.")


def _check_llamacpp(task: dict[str, Any], here: Path) -> EngineFound:
    found = find_llama_server()
    if found is None:
        raise EngineMissing(
            "llama.cpp's llama-server is not installed: run `autotuner engines install llamacpp` (it builds "
            "llama-server from source once, 20-30 minutes on 2 cores, and caches it), or put llama-server on "
            f"PATH, or set {ENV_VAR} to its path."
        )
    if not found.usable:
        raise EngineMissing(
            f"{ENV_VAR} names '{found.path}', which is not an executable file: point it at a llama-server "
            "program, or unset it to use the one on PATH or the one `autotuner engines install llamacpp` builds."
        )
    model = model_of(task)
    path = Path(model).expanduser()
    if not path.is_absolute():
        path = here / path
    if not model or not path.is_file():
        raise EngineMissing(
            f"The model file '{model}' does not exist{'' if Path(model).is_absolute() else f' in {here}'}: "
            "llama.cpp loads a local .gguf file, so give its path as model.id_or_path (make a small one with "
            "`autotuner models make-tiny tiny.gguf`)."
        )
    version = server_version(found.path)
    note = None
    if found.source != "cache":
        note = (
            f"llama-server from {found.source} ({found.path}, version {version or 'unknown'}) runs; its flags are "
            f"checked against the catalog of the llama.cpp that llama-cpp-python {LLAMA_CPP_PYTHON_VERSION} vendors."
        )
    return EngineFound(version, note)
