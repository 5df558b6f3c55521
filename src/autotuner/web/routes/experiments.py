"""/api/experiments: experiments across tasks, one experiment, its engine log (followed live on
request), and saving its parameters as a preset."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request, Response, status
from fastapi.responses import PlainTextResponse

from autotuner.core.enums import ExperimentStatus
from autotuner.db.models import Experiment, ParameterPreset
from autotuner.presets.schemas import PresetRead
from autotuner.runs import service as runs
from autotuner.tasks.schemas import ExperimentPage, ExperimentRead, SaveAsPreset
from autotuner.web.deps import ActorDep, SessionDep
from autotuner.web.errors import ERROR_RESPONSES, TEXT_ROUTE_ERROR_RESPONSES
from autotuner.web.routes.events import (
    EVENT_SCHEMA,
    EVENT_STREAM,
    After,
    LastEventId,
    experiment_log_events,
    start_cursor,
)
from autotuner.web.routing import SlashTolerantRouter

router = SlashTolerantRouter(prefix="/api/experiments", tags=["experiments"], responses=ERROR_RESPONSES)


@router.get("/", response_model=ExperimentPage, summary="List experiments across tasks, newest first")
def list_experiments(
    session: SessionDep,
    actor: ActorDep,
    status: ExperimentStatus | None = None,
    task_id: Annotated[int | None, Query(ge=1, le=2**31 - 1, description="Only this task's experiments.")] = None,
    offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> ExperimentPage:
    """The experiments of the tasks the caller may see (its own, its teams', public ones)."""
    total, rows = runs.list_all_experiments(session, actor, status=status, task_id=task_id, offset=offset, limit=limit)
    return ExperimentPage(
        total=total, offset=offset, limit=limit, experiments=[ExperimentRead.model_validate(e) for e in rows]
    )


@router.get("/{experiment_id:int}", response_model=ExperimentRead, summary="Get an experiment")
def get_experiment(session: SessionDep, actor: ActorDep, experiment_id: int) -> Experiment:
    return runs.get_experiment(session, experiment_id, actor)


@router.get(
    "/{experiment_id:int}/logs",
    response_class=PlainTextResponse,
    response_model=None,
    responses={
        200: {"content": {"text/plain": {"schema": {"type": "string"}}, EVENT_STREAM: {"schema": EVENT_SCHEMA}}},
        **TEXT_ROUTE_ERROR_RESPONSES,
    },
    summary="The end of an experiment's engine log, or the log followed as it grows",
)
def experiment_logs(
    session: SessionDep,
    actor: ActorDep,
    request: Request,
    experiment_id: int,
    follow: Annotated[
        bool,
        Query(
            description="Stream the log as server-sent 'log' events (id: the byte offset after the line) "
            "until the experiment has ended; resume with Last-Event-ID or 'after'."
        ),
    ] = False,
    last_event_id: LastEventId = None,
    after: After = None,
) -> Response | str:
    if follow:
        return experiment_log_events(session, actor, request, experiment_id, start_cursor(last_event_id, after))
    return runs.read_log(runs.get_experiment(session, experiment_id, actor).log_path)


@router.post(
    "/{experiment_id:int}/save-as-preset",
    response_model=PresetRead,
    status_code=status.HTTP_201_CREATED,
    summary="Save an experiment's parameters as a new preset",
)
def save_as_preset(session: SessionDep, actor: ActorDep, experiment_id: int, data: SaveAsPreset) -> ParameterPreset:
    return runs.save_as_preset(session, experiment_id, data.name, data.description, data.category, actor)
