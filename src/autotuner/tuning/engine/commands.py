"""Command lines of the engines (deployment mode ``local``).

``P`` is a free port picked per experiment, ``M`` the model::

    sglang:  <python> -m sglang.launch_server --model-path M --host 127.0.0.1 --port P <flags>
    vllm:    vllm serve M --host 127.0.0.1 --port P <flags>
    llamacpp: <llama-server> -m M --host 127.0.0.1 --port P <flags>
             (M: the path of a .gguf file; the program is the server's own llama-server, found
             by :func:`autotuner.tuning.engine.install.find_llama_server`, never one a task names)
    command: the task's ``command`` template with {model}, {port}, {host} and {python}
             (this interpreter) substituted, then <flags>

Flags, from one combination (``{"tp-size": 2, "enable-mixed-chunk": true}``):

* a value renders as ``--name value``; ``true`` as a bare ``--name``; ``false`` is left out,
  except for llama.cpp, whose booleans are negatable: ``false`` renders ``--no-name``
  (``cont-batching`` false is ``--no-cont-batching``, the long form of ``-nocb``);
* a parameter group (``{"speculative-config": {"num_speculative_tokens": 3}}``) renders for vLLM
  as one JSON argument, ``--speculative-config '{"num_speculative_tokens": 3}'`` (vLLM's form
  for its config groups); for SGLang and commands it flattens to dotted flags,
  ``--speculative-config.num_speculative_tokens 3``. Keys already written dotted
  (``{"a.b": 1}``) render as they are.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from autotuner.tuning.engine.errors import LaunchError
from autotuner.tuning.engine.install import LLAMA_SERVER, find_llama_server

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
        elif value is False and runtime == "llamacpp":
            args.append(f"--no-{name}")
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


def build_command(
    task: dict[str, Any],
    combination: dict[str, Any],
    port: int | str,
    host: str = HOST,
    programs: dict[str, str] | None = None,
) -> list[str]:
    """The argument list that starts ``task``'s engine with ``combination`` on ``port``.

    ``programs`` names the programs elsewhere than on this machine (a container image):
    ``{"python": "python3", "llamacpp": "/app/llama-server"}``."""
    runtime = task.get("base_runtime", "sglang")
    model = model_of(task)
    flags = render_flags(combination, runtime)
    python = (programs or {}).get("python", sys.executable)
    if runtime == "sglang":
        base = [
            python,
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
    elif runtime == "llamacpp":
        program = (programs or {}).get("llamacpp") or ""
        if not program:
            found = find_llama_server()
            program = str(found.path) if found is not None else LLAMA_SERVER
        base = [program, "-m", model, "--host", host, "--port", str(port)]
    elif runtime == "command":
        template = task.get("command")
        if not isinstance(template, list) or not template or not all(isinstance(a, str) for a in template):
            raise LaunchError(
                "A task with base_runtime 'command' needs a field 'command' holding an argument list such as "
                '["python", "my_server.py", "{model}", "--port", "{port}"].'
            )
        values = {"model": model, "port": str(port), "host": host, "python": python}
        base = [_substitute(arg, values) for arg in template]
    else:
        raise LaunchError(f"Unknown base_runtime '{runtime}': use one of sglang, vllm, llamacpp, command.")
    return base + flags


def _substitute(arg: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        arg = arg.replace("{" + key + "}", value)
    return arg
