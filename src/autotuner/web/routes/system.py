"""/api/system: what this service runs on - version, database, worker, the device pool with what
each GPU or slot is doing, and the Docker daemon (for the UI's System page and its defaults)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import Request
from pydantic import BaseModel, Field
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from autotuner import __version__
from autotuner.db.models import Task
from autotuner.tasks.service import readable
from autotuner.tuning.engine.containers import daemon_state
from autotuner.tuning.engine.gpus import DevicePool, detected_gpu_count, service_pool
from autotuner.web.deps import ActorDep, SessionDep
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


class DatabaseRead(BaseModel):
    dialect: str = Field(description="sqlite or postgresql.")
    ok: bool = Field(description="Whether it answered a query just now.")


class WorkerRead(BaseModel):
    state: Literal["running", "stopped", "external"] = Field(
        description="running: the worker inside this service runs tasks; external: it is turned off "
        "(AUTOTUNER_EMBEDDED_WORKER=false) and a separate `autotuner worker` may run them."
    )
    running_tasks: list[int] = Field(description="Tasks this service's worker is running now.")


class DeviceRead(BaseModel):
    id: str = Field(description="GPU index, or slot name (slot-0, ...).")
    kind: Literal["gpu", "slot"]
    busy: bool
    task_id: int | None = None
    task_name: str | None = Field(default=None, description="Shown for tasks you may read.")
    experiment_sequence: int | None = None
    parameters: dict[str, Any] | None = Field(default=None, description="Shown for tasks you may read.")


class PoolRead(BaseModel):
    kind: Literal["gpu", "slot"]
    source: str = Field(description="AUTOTUNER_GPUS, nvidia-smi, AUTOTUNER_SLOTS, or default (one slot).")
    size: int
    in_use: int
    devices: list[DeviceRead]


class ClusterNodeRead(BaseModel):
    node_id: str
    name: str = Field(description="The node's name (ray start --node-name; by default its IP address).")
    address: str
    alive: bool
    gpus: int
    gpus_free: int
    resources: dict[str, float] = Field(description="Everything the node declares (CPU, GPU, memory, custom).")


class ClusterRead(BaseModel):
    address: str = Field(description="The Ray cluster the worker dispatches experiments to (--ray-address).")
    nodes: list[ClusterNodeRead]
    gpus_total: int = Field(description="GPUs of the alive nodes.")
    gpus_free: int = Field(description="Of those, the ones no experiment (or other Ray work) holds now.")
    error: str | None = Field(default=None, description="Why the cluster could not be read just now.")


def cluster_read(executor: Any) -> ClusterRead | None:
    """The Ray cluster of the worker's executor; None when experiments run on this machine."""
    if executor is None:
        return None
    try:
        return ClusterRead(**executor.cluster())
    except Exception as exc:  # reported, not raised: this page is where a broken cluster shows
        return ClusterRead(
            address=executor.address,
            nodes=[],
            gpus_total=0,
            gpus_free=0,
            error=f"The Ray cluster did not answer ({type(exc).__name__}): check that its head runs.",
        )


class SystemRead(BaseModel):
    version: str
    gpus: GpusRead
    database: DatabaseRead
    worker: WorkerRead
    pool: PoolRead
    docker: DockerRead
    cluster: ClusterRead | None = Field(
        default=None, description="The Ray cluster experiments run on (--executor ray); null with the local executor."
    )


def pool_read(session: Session, pool: DevicePool, actor: Any) -> PoolRead:
    states = pool.snapshot()
    task_ids = {s.holder["task_id"] for s in states if s.holder and isinstance(s.holder.get("task_id"), int)}
    visible = (
        {t.id for t in session.scalars(select(Task).where(Task.id.in_(task_ids))) if readable(actor, t)}
        if task_ids
        else set()
    )
    devices = []
    for state in states:
        holder = state.holder or {}
        task_id = holder.get("task_id")
        shown = task_id in visible
        devices.append(
            DeviceRead(
                id=state.id,
                kind=state.kind,
                busy=state.holder is not None,
                task_id=task_id,
                task_name=holder.get("task_name") if shown else None,
                experiment_sequence=holder.get("sequence"),
                parameters=holder.get("parameters") if shown else None,
            )
        )
    return PoolRead(
        kind=pool.kind,
        source=pool.source,
        size=pool.size,
        in_use=sum(1 for d in devices if d.busy),
        devices=devices,
    )


@router.get("/", response_model=SystemRead, summary="The service: version, database, worker and device pool")
def get_system(request: Request, session: SessionDep, actor: ActorDep) -> SystemRead:
    count = detected_gpu_count()
    try:
        session.execute(text("SELECT 1"))
        database_ok = True
    except Exception:  # reported, not raised: this page is where a broken database shows
        database_ok = False
    worker = getattr(request.app.state, "worker", None)
    pool = worker.pool if worker is not None else service_pool()
    return SystemRead(
        version=__version__,
        gpus=GpusRead(count=count, source="nvidia-smi" if count else "none"),
        database=DatabaseRead(dialect=session.get_bind().dialect.name, ok=database_ok),
        worker=WorkerRead(
            state=("running" if worker.state == "running" else "stopped") if worker is not None else "external",
            running_tasks=worker.running_tasks() if worker is not None else [],
        ),
        pool=pool_read(session, pool, actor),
        docker=docker_read(),
        cluster=cluster_read(getattr(worker, "executor", None)),
    )
