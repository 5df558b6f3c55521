"""The audit log: every write, who made it, when and from where; readable by admins only.

:func:`record` is the one writer (``autotuner.db.audit``, which the preset and task services call
as well); the log never holds a secret.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from autotuner.core.actors import Actor
from autotuner.core.errors import Forbidden
from autotuner.db.audit import record
from autotuner.db.models import AuditEvent

__all__ = ["list_events", "record"]

ADMINS_ONLY = "Only an admin may read the audit log: ask an admin of this service."


def list_events(
    session: Session,
    actor: Actor,
    *,
    who: str | None = None,
    action: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> Sequence[AuditEvent]:
    """The newest events first, optionally only those of one actor, action or object."""
    if not actor.is_admin:
        raise Forbidden(ADMINS_ONLY)
    query = select(AuditEvent)
    if who is not None:
        query = query.where(AuditEvent.actor == who)
    if action is not None:
        query = query.where(AuditEvent.action == action)
    if object_type is not None:
        query = query.where(AuditEvent.object_type == object_type)
    if object_id is not None:
        query = query.where(AuditEvent.object_id == object_id)
    query = query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit).offset(offset)
    return session.scalars(query).all()
