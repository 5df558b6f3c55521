"""Who is asking. Every service function that changes or reveals something takes an ``Actor`` and
decides what it may do, so the API and the CLI obey the same rules."""

from __future__ import annotations

from dataclasses import dataclass

from autotuner.core.errors import Forbidden

COMMAND_RUNTIME_OFF = (
    "The 'command' runtime runs any program a task names, and it is off on this service: use "
    "sglang or vllm, or ask the operator to start the service with AUTOTUNER_ALLOW_COMMAND_RUNTIME=true "
    "(the stand-in engine of examples/toy_task.json needs it; `autotuner tune` runs it locally without it)."
)


@dataclass(frozen=True)
class Actor:
    name: str
    is_admin: bool
    # The operator turned the command runtime on, and this actor may use it.
    may_run_commands: bool

    @classmethod
    def operator(cls, *, allow_command_runtime: bool) -> Actor:
        """Whoever runs the service or the CLI on its own machine, with access to its data."""
        return cls(name="local", is_admin=True, may_run_commands=allow_command_runtime)

    def check_may_run_commands(self) -> None:
        if not self.may_run_commands:
            raise Forbidden(COMMAND_RUNTIME_OFF)
