"""/api/experiments: one experiment, its engine log, and saving its parameters as a preset."""

from __future__ import annotations

from fastapi import status
from fastapi.responses import PlainTextResponse

from autotuner.db.models import Experiment, ParameterPreset
from autotuner.presets.schemas import PresetRead
from autotuner.runs import service as runs
from autotuner.tasks.schemas import ExperimentRead, SaveAsPreset
from autotuner.web.deps import ActorDep, SessionDep
from autotuner.web.errors import ERROR_RESPONSES, TEXT_ROUTE_ERROR_RESPONSES
from autotuner.web.routing import SlashTolerantRouter

router = SlashTolerantRouter(prefix="/api/experiments", tags=["experiments"], responses=ERROR_RESPONSES)


@router.get("/{experiment_id:int}", response_model=ExperimentRead, summary="Get an experiment")
def get_experiment(session: SessionDep, actor: ActorDep, experiment_id: int) -> Experiment:
    return runs.get_experiment(session, experiment_id, actor)


@router.get(
    "/{experiment_id:int}/logs",
    response_class=PlainTextResponse,
    responses=TEXT_ROUTE_ERROR_RESPONSES,
    summary="The end of an experiment's engine log",
)
def experiment_logs(session: SessionDep, actor: ActorDep, experiment_id: int) -> str:
    return runs.read_log(runs.get_experiment(session, experiment_id, actor).log_path)


@router.post(
    "/{experiment_id:int}/save-as-preset",
    response_model=PresetRead,
    status_code=status.HTTP_201_CREATED,
    summary="Save an experiment's parameters as a new preset",
)
def save_as_preset(session: SessionDep, actor: ActorDep, experiment_id: int, data: SaveAsPreset) -> ParameterPreset:
    return runs.save_as_preset(session, experiment_id, data.name, data.description, data.category, actor)
