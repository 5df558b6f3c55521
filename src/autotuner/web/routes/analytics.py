"""/api/analytics: parameter importance and marginal effects, per task or across tasks."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from autotuner.analytics.importance import importance_report
from autotuner.analytics.schemas import ImportanceReport
from autotuner.core.enums import EngineRuntime
from autotuner.web.deps import ActorDep, SessionDep
from autotuner.web.errors import ERROR_RESPONSES
from autotuner.web.routing import SlashTolerantRouter

router = SlashTolerantRouter(prefix="/api/analytics", tags=["analytics"], responses=ERROR_RESPONSES)


@router.get("/importance", response_model=ImportanceReport, summary="How much each flag explains the score")
def get_importance(
    session: SessionDep,
    actor: ActorDep,
    task_id: Annotated[int | None, Query(ge=1, le=2**31 - 1, description="One task; else across tasks.")] = None,
    runtime: Annotated[EngineRuntime | None, Query(description="Across tasks: this runtime.")] = None,
    model_id: Annotated[
        str | None, Query(min_length=1, max_length=1000, description="Across tasks: this model.")
    ] = None,
) -> ImportanceReport:
    """First-order functional ANOVA over the succeeded experiments (see ``method``), and the score
    distribution per value of each flag. Only tasks the caller may read count."""
    return importance_report(session, actor, task_id=task_id, runtime=runtime, model_id=model_id)
