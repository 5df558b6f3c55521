"""The closed sets of words the API, the database and the UI share: runtimes and statuses.

Each is a ``StrEnum``: its members are the strings stored in the database and sent over the API
(``TaskStatus.running == "running"``), and the OpenAPI schema lists them as enums.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal, get_args

from pydantic import Field


class Runtime(StrEnum):
    """What starts the engine of a task."""

    sglang = "sglang"
    vllm = "vllm"
    llamacpp = "llamacpp"  # llama.cpp's llama-server: a real engine that runs on a CPU
    command = "command"  # an argument-list template: the stand-in engine, or any other server


# The runtimes with an engine catalog (flags, ranges, rules); a preset may be written for one.
EngineRuntime = Literal["sglang", "vllm", "llamacpp"]
ENGINE_RUNTIMES: tuple[str, ...] = get_args(EngineRuntime)
assert set(ENGINE_RUNTIMES) <= set(Runtime), "every engine runtime is a Runtime"

# A request field taking a Runtime: the JSON string is read as the member (request models are
# strict, and strict enums accept only members).
RuntimeField = Annotated[Runtime, Field(strict=False)]


def engine_runtime(runtime: str | None) -> Runtime | None:
    """``runtime`` when it has a catalog, else None (the ``command`` runtime, or no runtime)."""
    return Runtime(runtime) if runtime in ENGINE_RUNTIMES else None


class TaskStatus(StrEnum):
    pending = "pending"  # created, never started
    running = "running"  # queued for or run by the worker
    completed = "completed"
    failed = "failed"
    cancelled = "cancelled"


# A task in one of these states has ended: it can be continued, run again, edited or deleted.
FINISHED_TASK: frozenset[TaskStatus] = frozenset({TaskStatus.completed, TaskStatus.failed, TaskStatus.cancelled})


TaskStatusField = Annotated[TaskStatus, Field(strict=False)]


class ExperimentStatus(StrEnum):
    pending = "pending"
    deploying = "deploying"  # the engine is starting
    benchmarking = "benchmarking"
    succeeded = "succeeded"
    failed = "failed"
    cancelled = "cancelled"
    pruned = "pruned"  # stopped early, hopeless next to the best so far; never ranks best; can be re-run


# An experiment in one of these states still holds an engine.
ACTIVE_EXPERIMENT: frozenset[ExperimentStatus] = frozenset(
    {ExperimentStatus.pending, ExperimentStatus.deploying, ExperimentStatus.benchmarking}
)


class Visibility(StrEnum):
    """Who may see a preset or a task besides its owner and the admins."""

    private = "private"  # its owner only
    teams = "teams"  # the members of the teams it is shared with
    public = "public"  # everyone signed in to this instance


class TeamRole(StrEnum):
    owner = "owner"  # manages the team's members
    member = "member"  # edits what is shared with the team
    viewer = "viewer"  # reads what is shared with the team
