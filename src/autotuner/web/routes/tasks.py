"""/api/tasks: tuning tasks built from parameters or presets, and their search spaces."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Body, Query, Request, Response, status
from fastapi.responses import PlainTextResponse
from pydantic import TypeAdapter

from autotuner.core.enums import TaskStatus, Visibility
from autotuner.db.models import Task
from autotuner.presets.schemas import Sharing
from autotuner.runs import service as runs
from autotuner.tasks import service
from autotuner.tasks.schemas import (
    ExperimentRead,
    ExperimentsCleared,
    ParetoRead,
    SpaceDraft,
    SpaceRead,
    TaskCreate,
    TaskImported,
    TaskRead,
    TaskUpdate,
)
from autotuner.web.deps import ActorDep, ReaderDep, SessionDep
from autotuner.web.errors import ERROR_RESPONSES, TEXT_ROUTE_ERROR_RESPONSES
from autotuner.web.routing import SlashTolerantRouter

router = SlashTolerantRouter(prefix="/api/tasks", tags=["tasks"], responses=ERROR_RESPONSES)
# The hot reads (a task, its experiments) authenticate in the session they read in (``ReaderDep``),
# so the app includes this router without the AUTHENTICATED dependency.
reads = SlashTolerantRouter(prefix="/api/tasks", tags=["tasks"], responses=ERROR_RESPONSES)

Offset = Annotated[int, Query(ge=0, le=10**12, description="First valid combination to return.")]
Limit = Annotated[int, Query(ge=0, le=1000, description="How many combinations to return.")]


# The hot reads (a task, its experiments) are async routes doing their work in one trip to the
# thread pool at most (``ReaderDep``), and answer JSON serialised once, as FastAPI would have.
_EXPERIMENTS = TypeAdapter(list[ExperimentRead])


def _read(task: Task) -> TaskRead:
    return TaskRead.model_validate(service.task_read(task))


@router.get("/", response_model=list[TaskRead], summary="List tasks")
def list_tasks(
    session: SessionDep,
    actor: ActorDep,
    status: TaskStatus | None = None,
    mine: Annotated[bool, Query(description="Only the caller's own tasks.")] = False,
    team: Annotated[int | None, Query(ge=1, le=2**31 - 1, description="Only those shared with this team.")] = None,
    visibility: Visibility | None = None,
) -> list[TaskRead]:
    """The tasks the caller may see (its own, its teams', public ones), newest first."""
    tasks = service.list_tasks(session, actor, status=status, mine=mine, team=team, visibility=visibility)
    return [_read(t) for t in tasks]


@router.post("/", response_model=TaskRead, status_code=status.HTTP_201_CREATED, summary="Create a task")
def create_task(session: SessionDep, actor: ActorDep, data: TaskCreate) -> TaskRead:
    return _read(service.create_task(session, data, actor=actor))


@router.post(
    "/import",
    response_model=TaskImported,
    status_code=status.HTTP_201_CREATED,
    summary="Create a task from a task file (the reference autotuner's format or this product's own)",
)
def import_task(
    session: SessionDep,
    actor: ActorDep,
    data: Annotated[
        dict[str, Any],
        Body(
            description="The task file's JSON: a novitalabs/inference-autotuner task, or a task of this product "
            "(as GET /api/tasks/{id} shows it, or as POST /api/tasks/ takes it)."
        ),
    ],
    task_name: Annotated[
        str | None, Query(min_length=1, max_length=255, description="Name the new task this instead.")
    ] = None,
) -> TaskImported:
    """Converts the file, creates the task, and answers with it and a report: every field of the
    file and what became of it (mapped, converted from seconds to ms, not supported here and why)."""
    task, report, kind = service.import_task_file(session, data, actor, task_name=task_name)
    return TaskImported(task=_read(task), format=kind, report=report)


@router.post("/space", response_model=SpaceRead, summary="Count the space of a draft task")
def draft_space(
    session: SessionDep, actor: ActorDep, data: SpaceDraft, offset: Offset = 0, limit: Limit = 50
) -> SpaceRead:
    report, parameters, warnings = service.draft_space(session, data, actor, offset=offset, limit=limit)
    return SpaceRead(**report.to_dict(), parameters=parameters, warnings=warnings)


@reads.get("/{task_id:int}", response_model=TaskRead, summary="Get a task, with the provenance of its parameters")
async def get_task(reader: ReaderDep, task_id: int) -> Response:
    body = await reader.run(lambda session, actor: _read(service.get_task(session, task_id, actor)).model_dump_json())
    return Response(content=body, media_type="application/json")


@router.put("/{task_id:int}", response_model=TaskRead, summary="Update a task that is not running")
def update_task(session: SessionDep, actor: ActorDep, task_id: int, data: TaskUpdate) -> TaskRead:
    return _read(service.update_task(session, task_id, data, actor=actor))


@router.delete(
    "/{task_id:int}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a task that is not running, with its experiments and logs (its id is never given again)",
)
def delete_task(session: SessionDep, actor: ActorDep, request: Request, task_id: int) -> Response:
    service.delete_task(session, task_id, actor)
    session.commit()
    # After the commit: a refused or failed delete keeps its logs.
    runs.remove_task_logs(request.app.state.settings.log_dir, task_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put(
    "/{task_id:int}/sharing",
    response_model=TaskRead,
    summary="Share a task: private, with teams, or public (its owner or an admin)",
)
def share_task(session: SessionDep, actor: ActorDep, task_id: int, data: Sharing) -> TaskRead:
    return _read(service.share_task(session, task_id, data, actor))


@router.get("/{task_id:int}/space", response_model=SpaceRead, summary="Count a task's space and page through it")
def task_space(session: SessionDep, actor: ActorDep, task_id: int, offset: Offset = 0, limit: Limit = 50) -> SpaceRead:
    task = service.get_task(session, task_id, actor)
    report = service.space_report(task, offset=offset, limit=limit)
    return SpaceRead(**report.to_dict(), parameters=task.parameters, warnings=task.warnings)


def _notify_worker(request: Request) -> None:
    worker = getattr(request.app.state, "worker", None)
    if worker is not None:
        worker.notify()


@router.post("/{task_id:int}/start", response_model=TaskRead, summary="Start (or continue) a task's search")
def start_task(session: SessionDep, actor: ActorDep, request: Request, task_id: int) -> TaskRead:
    task = runs.start_task(session, task_id, actor=actor)
    session.commit()
    _notify_worker(request)
    return _read(task)


@router.post(
    "/{task_id:int}/restart",
    response_model=TaskRead,
    summary="Run a task again from the start (its experiments and logs are cleared)",
)
def restart_task(session: SessionDep, actor: ActorDep, request: Request, task_id: int) -> TaskRead:
    task = runs.restart_task(session, task_id, actor=actor)
    # The old logs go before the commit, so that the worker cannot start writing the new ones first.
    runs.remove_task_logs(request.app.state.settings.log_dir, task_id)
    session.commit()
    _notify_worker(request)
    return _read(task)


@router.post("/{task_id:int}/cancel", response_model=TaskRead, summary="Cancel a task; its running engine is stopped")
def cancel_task(session: SessionDep, actor: ActorDep, request: Request, task_id: int) -> TaskRead:
    task = runs.cancel_task(session, task_id, actor)
    session.commit()
    _notify_worker(request)
    return _read(task)


@router.delete(
    "/{task_id:int}/experiments",
    response_model=ExperimentsCleared,
    summary="Delete a task's experiments and logs (not while it runs)",
)
def clear_experiments(session: SessionDep, actor: ActorDep, request: Request, task_id: int) -> ExperimentsCleared:
    cleared = runs.clear_experiments(session, task_id, actor=actor)
    runs.remove_task_logs(request.app.state.settings.log_dir, task_id)
    session.commit()
    return ExperimentsCleared(task_id=task_id, cleared=cleared)


@reads.get("/{task_id:int}/experiments", response_model=list[ExperimentRead], summary="A task's experiments, in order")
async def task_experiments(reader: ReaderDep, task_id: int) -> Response:
    body = await reader.run(
        lambda session, actor: _EXPERIMENTS.dump_json(
            _EXPERIMENTS.validate_python(runs.list_experiments(session, task_id, actor))
        ),
    )
    return Response(content=body, media_type="application/json")


@router.get(
    "/{task_id:int}/pareto",
    response_model=ParetoRead,
    summary="A task's Pareto front of several objectives (409 for a task with one objective)",
)
def task_pareto(session: SessionDep, actor: ActorDep, task_id: int) -> dict[str, Any]:
    return runs.pareto(session, task_id, actor)


@router.get(
    "/{task_id:int}/logs",
    response_class=PlainTextResponse,
    responses=TEXT_ROUTE_ERROR_RESPONSES,
    summary="The end of a task's log",
)
def task_logs(session: SessionDep, actor: ActorDep, request: Request, task_id: int) -> str:
    service.get_task(session, task_id, actor)
    return runs.read_log(runs.task_log_path(request.app.state.settings.log_dir, task_id))
