"""FastAPI dependencies: a database session per request."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from autotuner.core.settings import Settings
from autotuner.db.session import session_scope


def get_session(request: Request) -> Iterator[Session]:
    """A session whose transaction commits when the endpoint returns and rolls back on error."""
    with session_scope(request.app.state.session_factory) as session:
        yield session


def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings


# "function" scope: the commit happens before the response is sent, so a failed commit is
# reported to the client instead of being lost after a 2xx.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
