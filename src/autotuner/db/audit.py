"""The audit log's one writer: every service that changes something records who, what and when
(and from where), in the same transaction as the change. Never a secret in ``summary``."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import insert
from sqlalchemy.orm import Session

from autotuner.core.actors import Actor
from autotuner.db.base import utcnow
from autotuner.db.models import AuditEvent


def record(
    session: Session, actor: Actor, action: str, object_type: str, object_id: int | str | None, summary: str
) -> None:
    """Add one event, e.g. ``record(session, actor, "preset.update", "preset", 7, "Updated preset 'X'")``."""
    session.add(
        AuditEvent(
            actor=actor.name,
            action=action,
            object_type=object_type,
            object_id=None if object_id is None else str(object_id),
            summary=summary[:2000],
            remote_addr=actor.remote_addr,
        )
    )


def record_many(
    session: Session, actor: Actor, action: str, object_type: str, events: Sequence[tuple[int | str, str]]
) -> None:
    """One event per ``(object_id, summary)``, in one statement (a bulk import)."""
    if events:
        session.execute(
            insert(AuditEvent),
            [
                {
                    "at": utcnow(),
                    "actor": actor.name,
                    "action": action,
                    "object_type": object_type,
                    "object_id": str(object_id),
                    "summary": summary[:2000],
                    "remote_addr": actor.remote_addr,
                }
                for object_id, summary in events
            ],
        )
