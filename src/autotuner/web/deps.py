"""FastAPI dependencies: a database session per request, and who sends it.

Every router but sign-in's is included with :data:`AUTHENTICATED`, so that a request without valid
credentials is refused (401) before any route runs (single-user mode aside: see
:mod:`autotuner.accounts.authentication`)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from autotuner.accounts.authentication import authenticate, bearer_token
from autotuner.accounts.sessions import COOKIE_NAME
from autotuner.accounts.users import ANY_USER_COLUMN
from autotuner.core.actors import Actor
from autotuner.core.errors import Unauthorized
from autotuner.core.settings import Settings
from autotuner.db.session import begin_read, session_scope
from autotuner.web.preset_list_cache import KEY_COLUMNS

T = TypeVar("T")


def get_session(request: Request) -> Iterator[Session]:
    """A session whose transaction commits when the endpoint returns and rolls back on error."""
    with session_scope(request.app.state.session_factory) as session:
        yield session


async def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


# Single-user mode asks on every request whether users exist; a preset read then asks whether the
# presets changed (autotuner.web.preset_list_cache): one statement, one round trip, for both.
_USERS_AND_PRESET_KEY_SQL = f"SELECT {ANY_USER_COLUMN}, {KEY_COLUMNS}"


def _authenticate(request: Request, session: Session, *, preset_key: bool = False) -> Actor:
    """Who sends ``request`` (401 when nobody we know), asked in ``session`` (which it may commit:
    a token's last use is written in a transaction of its own). ``preset_key``: the request will
    read presets; when users must be asked about, the preset cache's key is asked with them."""
    header = request.headers.get("authorization")
    state = request.app.state
    # Once a user has signed in, users exist for good (none is ever deleted): no need to ask the
    # database again on every request. Single-user mode keeps asking (the CLI may add the first).
    known = bool(getattr(state, "users_known", False))
    any_user: bool | None = True if known else None
    if any_user is None and preset_key:
        row = session.connection().exec_driver_sql(_USERS_AND_PRESET_KEY_SQL).one()
        any_user = row[0] is not None
        state.preset_list_cache.remember_key(session, tuple(row[1:]))
    actor = authenticate(
        session,
        bearer=bearer_token(header) if header is not None else None,
        cookie=request.cookies.get(COOKIE_NAME),
        peer=request.client.host if request.client else None,
        settings=state.settings,
        limiter=state.sign_in_limiter,
        any_user=any_user,
    )
    if not known and actor.user_id is not None:
        state.users_known = True
    return actor


def _inline(request: Request, *, authenticating: bool) -> bool:
    """Whether a short read runs on the event loop rather than in the thread pool.

    When the database is on this machine (SQLite, or a server on the loopback or a Unix socket:
    ``autotuner.db.session.on_this_machine``): a trip to the thread pool cost more than the read
    itself (0.5 ms of wall time on the 2-core machines, against 0.2 ms for a cached preset with
    its authentication on SQLite; 0.4 ms of CPU on PostgreSQL, whose loopback round trips take
    tens of microseconds). SQLite's readers never wait for a lock (WAL), nor do PostgreSQL's
    (MVCC). A database across a network stays in the pool, so that other requests go on while a
    round trip waits. Authentication also stays in the pool for a request with an API token,
    whose last use it may write (a write may wait for a lock)."""
    if not request.app.state.inline_reads:
        return False
    return not (authenticating and "authorization" in request.headers)


def _authenticate_in_session(request: Request) -> Actor:
    with session_scope(request.app.state.session_factory) as session:
        return _authenticate(request, session)


# "function" scope: the commit happens before the response is sent, so a failed commit is
# reported to the client instead of being lost after a 2xx.
async def get_actor(request: Request) -> Actor:
    """Who sends the request (401 when nobody we know). Authenticates in a session of its own, so
    that the route's session starts its transactions afresh (a writing one on SQLite); on the
    event loop when it cannot write and the database is SQLite (see :func:`_inline`)."""
    if _inline(request, authenticating=True):
        return _authenticate_in_session(request)
    return await run_in_threadpool(_authenticate_in_session, request)


class Reader:
    """Who sends the request, and the session they were authenticated in, for an ``async`` route
    that only reads (:data:`ReaderDep`): its work runs in that same session, so a request takes one
    connection from the pool instead of two, and one transaction."""

    def __init__(self, request: Request, session: Session, actor: Actor) -> None:
        self.session = session
        self.actor = actor
        self.inline = _inline(request, authenticating=False)

    async def run(self, work: Callable[[Session, Actor], T]) -> T:
        """``work(session, actor)``: on the event loop, or in one trip to the thread pool (see
        :func:`_inline`)."""
        if self.inline:
            return work(self.session, self.actor)
        return await run_in_threadpool(work, self.session, self.actor)


def _start_read(request: Request, session: Session, preset_key: bool) -> Actor:
    begin_read(session)
    return _authenticate(request, session, preset_key=preset_key)


async def _open_reader(request: Request, *, preset_key: bool) -> Reader:
    session = request.app.state.session_factory()
    inline = _inline(request, authenticating=True)
    try:
        if inline:
            actor = _start_read(request, session, preset_key)
        else:
            actor = await run_in_threadpool(_start_read, request, session, preset_key)
    except BaseException:
        await _close(session, inline)
        raise
    return Reader(request, session, actor)


async def _close(session: Session, inline: bool) -> None:
    if inline:
        session.close()
    else:
        await run_in_threadpool(session.close)


async def get_reader(request: Request) -> AsyncIterator[Reader]:
    """A :class:`Reader`: authenticates (401 before the route's parameters are read, as
    :func:`get_actor`) in a session the route then reads in; the session is closed when the
    route returns. For routes of a router the app includes without :data:`AUTHENTICATED`."""
    reader = await _open_reader(request, preset_key=False)
    try:
        yield reader
    finally:
        await _close(reader.session, reader.inline)


async def get_preset_reader(request: Request) -> AsyncIterator[Reader]:
    """A :class:`Reader` for a route that reads presets through the preset cache: in single-user
    mode, the question whether users exist and the cache's freshness check go in one statement."""
    reader = await _open_reader(request, preset_key=True)
    try:
        yield reader
    finally:
        await _close(reader.session, reader.inline)


async def get_optional_actor(request: Request) -> Actor | None:
    """Who sends the request, or None when they are not signed in (for GET /api/auth/me)."""
    try:
        return await get_actor(request)
    except Unauthorized:
        return None


AUTHENTICATED = [Depends(get_actor)]
ActorDep = Annotated[Actor, Depends(get_actor)]
OptionalActorDep = Annotated[Actor | None, Depends(get_optional_actor)]
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
ReaderDep = Annotated[Reader, Depends(get_reader, scope="function")]
PresetReaderDep = Annotated[Reader, Depends(get_preset_reader, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
