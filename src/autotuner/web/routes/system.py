"""/api/system: what this service runs on (version, GPUs, the Docker daemon) — for the UI's defaults."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from autotuner import __version__
from autotuner.tuning.engine.containers import daemon_state
from autotuner.tuning.engine.gpus import detected_gpu_count
from autotuner.web.errors import ERROR_RESPONSES
from autotuner.web.routing import SlashTolerantRouter

router = SlashTolerantRouter(prefix="/api/system", tags=["system"], responses=ERROR_RESPONSES)


class GpusRead(BaseModel):
    count: int = Field(description="GPUs this machine has (0 when none is seen).")
    source: Literal["nvidia-smi", "none"] = Field(description="How they were found.")


class DockerRead(BaseModel):
    url: str = Field(description="The daemon the service talks to (DOCKER_HOST, else the default socket).")
    reachable: bool
    version: str | None = Field(description="The daemon's version when it answers.")
    nvidia_runtime: bool = Field(description="Whether containers can be given GPUs (the NVIDIA runtime is there).")
    containers_running: int = Field(default=0, description="Engine containers of the autotuner running now.")
    error: str | None = Field(description="What is wrong and what to do, when it does not answer.")
    default_images: dict[str, str | None] = Field(
        description="Per runtime, the image a docker task runs when it names none (the official one)."
    )


def docker_read() -> DockerRead:
    """The Docker daemon's state (deployment_mode docker)."""
    return DockerRead(**daemon_state())


class SystemRead(BaseModel):
    version: str
    gpus: GpusRead
    docker: DockerRead


@router.get("/", response_model=SystemRead, summary="The service's version and the GPUs it sees")
def get_system() -> SystemRead:
    count = detected_gpu_count()
    return SystemRead(
        version=__version__, gpus=GpusRead(count=count, source="nvidia-smi" if count else "none"), docker=docker_read()
    )
