"""/api/audit: the audit log (admins only): every write, who made it, when and from where."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from autotuner.accounts import audit
from autotuner.accounts.schemas import AuditEventRead
from autotuner.web.deps import ActorDep, SessionDep
from autotuner.web.errors import ERROR_RESPONSES
from autotuner.web.routing import SlashTolerantRouter

router = SlashTolerantRouter(prefix="/api/audit", tags=["audit"], responses=ERROR_RESPONSES)

Text = Annotated[str | None, Query(max_length=64)]


@router.get("/", response_model=list[AuditEventRead], summary="The audit log, newest first (admins)")
def list_events(
    session: SessionDep,
    actor: ActorDep,
    who: Text = None,
    action: Text = None,
    object_type: Text = None,
    object_id: Text = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> list[AuditEventRead]:
    events = audit.list_events(
        session,
        actor,
        who=who,
        action=action,
        object_type=object_type,
        object_id=object_id,
        limit=limit,
        offset=offset,
    )
    return [AuditEventRead.model_validate(e) for e in events]
