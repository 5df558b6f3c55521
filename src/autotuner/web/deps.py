"""FastAPI dependencies: a database session per request."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from autotuner.core.actors import Actor
from autotuner.core.settings import Settings
from autotuner.db.session import session_scope


def get_session(request: Request) -> Iterator[Session]:
    """A session whose transaction commits when the endpoint returns and rolls back on error."""
    with session_scope(request.app.state.session_factory) as session:
        yield session


def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


# "function" scope: the commit happens before the response is sent, so a failed commit is
# reported to the client instead of being lost after a 2xx.
def get_actor(request: Request) -> Actor:
    """Who sends the request. Single-user mode: the operator of this machine."""
    settings: Settings = request.app.state.settings
    return Actor.operator(allow_command_runtime=settings.allow_command_runtime)


ActorDep = Annotated[Actor, Depends(get_actor)]
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
