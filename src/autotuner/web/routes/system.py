"""/api/system: what this service runs on (version, GPUs) — for the UI's defaults."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from autotuner import __version__
from autotuner.tuning.engine.gpus import detected_gpu_count
from autotuner.web.errors import ERROR_RESPONSES
from autotuner.web.routing import SlashTolerantRouter

router = SlashTolerantRouter(prefix="/api/system", tags=["system"], responses=ERROR_RESPONSES)


class GpusRead(BaseModel):
    count: int = Field(description="GPUs this machine has (0 when none is seen).")
    source: Literal["nvidia-smi", "none"] = Field(description="How they were found.")


class SystemRead(BaseModel):
    version: str
    gpus: GpusRead


@router.get("/", response_model=SystemRead, summary="The service's version and the GPUs it sees")
def get_system() -> SystemRead:
    count = detected_gpu_count()
    return SystemRead(version=__version__, gpus=GpusRead(count=count, source="nvidia-smi" if count else "none"))
