"""Command lines of the engines (deployment mode ``local``).

``P`` is a free port picked per experiment, ``M`` the model::

    sglang:  <python> -m sglang.launch_server --model-path M --host 127.0.0.1 --port P <flags>
    vllm:    vllm serve M --host 127.0.0.1 --port P <flags>
    command: the task's ``command`` template with {model}, {port}, {host} and {python}
             (this interpreter) substituted, then <flags>

Flags, from one combination (``{"tp-size": 2, "enable-mixed-chunk": true}``):

* a value renders as ``--name value``; ``true`` as a bare ``--name``; ``false`` is left out;
* a parameter group (``{"speculative-config": {"num_speculative_tokens": 3}}``) renders for vLLM
  as one JSON argument, ``--speculative-config '{"num_speculative_tokens": 3}'`` (vLLM's form
  for its config groups); for SGLang and commands it flattens to dotted flags,
  ``--speculative-config.num_speculative_tokens 3``. Keys already written dotted
  (``{"a.b": 1}``) render as they are.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

from autotuner.tuning.engine.errors import LaunchError

HOST = "127.0.0.1"


def _render_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def render_flags(combination: dict[str, Any], runtime: str) -> list[str]:
    """Turn one combination into engine arguments (see the module docstring for the rules)."""
    args: list[str] = []

    def add(name: str, value: Any) -> None:
        if isinstance(value, dict):
            if runtime == "vllm":
                args.extend([f"--{name}", json.dumps(value, separators=(", ", ": "))])
            else:
                for key, inner in value.items():
                    add(f"{name}.{key}", inner)
            return
        if value is True:
            args.append(f"--{name}")
        elif value is False or value is None:
            return
        else:
            args.extend([f"--{name}", _render_value(value)])

    for name, value in combination.items():
        add(name, value)
    return args


def model_of(task: dict[str, Any]) -> str:
    model = task.get("model")
    if isinstance(model, dict):
        return str(model.get("id_or_path") or model.get("name") or "")
    return str(model or "")


def build_command(task: dict[str, Any], combination: dict[str, Any], port: int | str, host: str = HOST) -> list[str]:
    """The argument list that starts ``task``'s engine with ``combination`` on ``port``."""
    runtime = task.get("base_runtime", "sglang")
    model = model_of(task)
    flags = render_flags(combination, runtime)
    if runtime == "sglang":
        base = [
            sys.executable,
            "-m",
            "sglang.launch_server",
            "--model-path",
            model,
            "--host",
            host,
            "--port",
            str(port),
        ]
    elif runtime == "vllm":
        base = ["vllm", "serve", model, "--host", host, "--port", str(port)]
    elif runtime == "command":
        template = task.get("command")
        if not isinstance(template, list) or not template or not all(isinstance(a, str) for a in template):
            raise LaunchError(
                "A task with base_runtime 'command' needs a field 'command' holding an argument list such as "
                '["python", "my_server.py", "{model}", "--port", "{port}"].'
            )
        values = {"model": model, "port": str(port), "host": host, "python": sys.executable}
        base = [_substitute(arg, values) for arg in template]
    else:
        raise LaunchError(f"Unknown base_runtime '{runtime}': use one of sglang, vllm, command.")
    return base + flags


def _substitute(arg: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        arg = arg.replace("{" + key + "}", value)
    return arg


def check_program(command: list[str], cwd: str | Path | None = None) -> None:
    """Raise :class:`LaunchError` (one sentence) when ``command`` cannot start: its program is
    neither an existing executable file (when written as a path) nor found on PATH, or an
    argument naming a Python script (``*.py``) is not a file. Relative paths are read from
    ``cwd`` (default: the current folder), as the engine would read them."""
    if not command:
        raise LaunchError("The engine command is empty: give the program to start and its arguments.")
    folder = Path(cwd) if cwd is not None else Path.cwd()
    program = command[0]
    if os.sep in program or (os.altsep and os.altsep in program):
        path = folder / program
        if not path.is_file():
            raise LaunchError(
                f"The engine program '{program}' does not exist{_where(program, folder)}: fix its path in the "
                "task's command."
            )
        if not os.access(path, os.X_OK):
            raise LaunchError(
                f"The engine program '{program}' is not executable: run chmod +x on it, or start it through its "
                "interpreter (e.g. python script.py)."
            )
    elif shutil.which(program) is None:
        raise LaunchError(
            f"The engine program '{program}' is not installed (it is not on PATH): install it, or write its full "
            "path in the task's command."
        )
    for arg in command[1:]:
        if arg.endswith(".py") and not arg.startswith("-") and not (folder / arg).is_file():
            raise LaunchError(
                f"The engine script '{arg}' does not exist{_where(arg, folder)}: fix its path in the task's command."
            )


def _where(path: str, folder: Path) -> str:
    return "" if Path(path).is_absolute() else f" (relative paths are read from {folder})"
