"""Server-sent events: a task's live stream, the Tasks list's stream, and an experiment's log
followed as it grows.

Every stream is read from durable state (:mod:`autotuner.runs.events`), so it works whether the
worker runs inside the server or in ``autotuner worker``. Each event has an ``id:``; a client
that reconnects with ``Last-Event-ID`` (EventSource does it by itself), or with ``?after=`` for
clients that cannot set the header, resumes just after it. Comments (``: heartbeat``) keep idle
connections open through proxies. The database is read in short transactions, off the event
loop; nothing here writes.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Annotated, Any

from fastapi import Header, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import WithJsonSchema
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from autotuner.core.actors import Actor
from autotuner.core.enums import ACTIVE_EXPERIMENT
from autotuner.db.models import Experiment, Task
from autotuner.db.session import session_scope
from autotuner.runs import events
from autotuner.runs import service as runs
from autotuner.runs.events import Batch, Cursor, StreamEvent
from autotuner.tasks import service
from autotuner.web.deps import ActorDep, SessionDep
from autotuner.web.errors import ERROR_RESPONSES
from autotuner.web.routing import SlashTolerantRouter

# How often a stream looks for news, and how long it stays silent before a heartbeat comment.
POLL_SECONDS = 0.5
HEARTBEAT_SECONDS = 15.0
RETRY_MS = 2000  # EventSource's reconnection delay, sent in the stream

EVENT_STREAM = "text/event-stream"
# One server-sent event (OpenAPI 3.1 reads a stream's schema as that of each event).
EVENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": {"type": "string", "description": "Resume after this event with Last-Event-ID or ?after=."},
        "event": {"type": "string", "description": "status, experiment.started, ..., log, end (see the README)."},
        "data": {"type": "string", "description": "A JSON object."},
        "retry": {"type": "integer"},
    },
}
STREAM_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "A stream of server-sent events (see the README's 'Watching a run').",
        "content": {EVENT_STREAM: {"schema": EVENT_SCHEMA}},
    },
    **ERROR_RESPONSES,
}

# An event id, or empty for "from the beginning", as the schema states it (a header is never
# null); a wrong one gets the sentence of runs.events.Cursor.parse rather than a pattern error.
EVENT_ID_SCHEMA = WithJsonSchema({"type": "string", "maxLength": 40, "pattern": r"^([0-9]+(\.[0-9]+)?)?$"})

LastEventId = Annotated[
    str | None,
    EVENT_ID_SCHEMA,
    Header(
        alias="Last-Event-ID",
        max_length=40,
        description="The id of the last event received: the stream resumes after it.",
    ),
]
After = Annotated[
    str | None,
    EVENT_ID_SCHEMA,
    Query(
        max_length=40,
        description="Like Last-Event-ID, for clients that cannot send the header (the header wins).",
    ),
]


router = SlashTolerantRouter(prefix="/api/tasks", tags=["tasks"], responses=ERROR_RESPONSES)


def frame(event: StreamEvent) -> str:
    data = json.dumps(event.data, separators=(",", ":"), default=str)
    return f"id: {event.cursor}\nevent: {event.kind}\ndata: {data}\n\n"


def start_cursor(last_event_id: str | None, after: str | None) -> Cursor | None:
    """Where a stream resumes: the header wins, but both are checked (a wrong ``after`` beside a
    right header is refused, as the schema says, rather than silently ignored)."""
    from_header, from_query = Cursor.parse(last_event_id), Cursor.parse(after)
    return from_header or from_query


def event_stream(body: AsyncIterator[str]) -> StreamingResponse:
    return StreamingResponse(
        body,
        media_type=EVENT_STREAM,
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def _pump(request: Request, read: Callable[[], Batch]) -> AsyncIterator[str]:
    """Send what ``read`` returns, every POLL_SECONDS, until a batch says the stream has ended
    (then an ``end`` event) or the client goes away."""
    yield f"retry: {RETRY_MS}\n\n"
    quiet_since = time.monotonic()
    while True:
        batch = await run_in_threadpool(read)
        for event in batch.events:
            yield frame(event)
        if batch.events:
            quiet_since = time.monotonic()
        if batch.ended:
            yield frame(StreamEvent(events.END, {"reason": batch.gone or "ended"}, batch.cursor))
            return
        if time.monotonic() - quiet_since >= HEARTBEAT_SECONDS:
            yield ": heartbeat\n\n"
            quiet_since = time.monotonic()
        if await request.is_disconnected():
            return
        await asyncio.sleep(POLL_SECONDS)


def _task_reader(
    factory: sessionmaker[Session], actor: Actor, task_id: int, cursor: Cursor, log_path: Path
) -> Callable[[], Batch]:
    position = cursor

    def read() -> Batch:
        nonlocal position
        with session_scope(factory) as session:
            task = session.get(Task, task_id)
            if task is None or not service.readable(actor, task):
                return Batch([], position, ended=True, gone="the task was deleted or is no longer shared with you")
            batch = events.read_task(session, task, position, log_path)
        position = batch.cursor
        return batch

    return read


@router.get(
    "/{task_id:int}/events",
    response_class=StreamingResponse,
    responses=STREAM_RESPONSES,
    summary="Follow a task live (server-sent events)",
)
def task_events(
    session: SessionDep,
    actor: ActorDep,
    request: Request,
    task_id: int,
    last_event_id: LastEventId = None,
    after: After = None,
) -> StreamingResponse:
    """Status changes, experiments started and finished (with score and status) and the lines of
    the task's log, from the start of its current run, as they happen. Events: ``status``,
    ``experiment.started``, ``experiment.status``, ``experiment.finished``,
    ``experiments.cleared``, ``log``; the stream ends with ``end`` once the task has ended
    (completed, failed or cancelled) and everything was sent. Event ids look like ``12.3456``
    (the last stored event, the bytes of log read)."""
    cursor = start_cursor(last_event_id, after) or Cursor()
    service.get_task(session, task_id, actor)  # 404 for a task the caller may not read
    log_path = runs.task_log_path(request.app.state.settings.log_dir, task_id)
    reader = _task_reader(request.app.state.session_factory, actor, task_id, cursor, log_path)
    return event_stream(_pump(request, reader))


@router.get(
    "/events",
    response_class=StreamingResponse,
    responses=STREAM_RESPONSES,
    summary="Follow every task the caller may see (server-sent events, for lists)",
)
def all_task_events(
    session: SessionDep, actor: ActorDep, request: Request, last_event_id: LastEventId = None, after: After = None
) -> StreamingResponse:
    """The stored events of every task the caller may see (no log lines), for lists: it starts
    with ``ready`` (whose id to resume from) and then sends new events as they happen; it does not
    end by itself."""
    cursor = start_cursor(last_event_id, after)
    start = cursor.event_id if cursor is not None else events.latest_event_id(session)
    factory = request.app.state.session_factory
    position = start
    sent_ready = False

    def visible(task: Task) -> bool:
        return service.readable(actor, task)

    def read() -> Batch:
        nonlocal position, sent_ready
        found: list[StreamEvent] = []
        if not sent_ready:
            found.append(StreamEvent("ready", {}, Cursor(position)))
            sent_ready = True
        with session_scope(factory) as db:
            more, position = events.read_all(db, position, visible)
        return Batch(found + more, Cursor(position), ended=False)

    return event_stream(_pump(request, read))


def experiment_log_events(
    session: SessionDep, actor: ActorDep, request: Request, experiment_id: int, cursor: Cursor | None
) -> StreamingResponse:
    """An experiment's engine log as ``log`` events (id: the byte offset after the line), from
    its last 256 KiB (or from the cursor), until the experiment has ended and every line was sent."""
    experiment = runs.get_experiment(session, experiment_id, actor)
    path = experiment.log_path
    offset = cursor.event_id if cursor is not None else runs.log_tail_offset(path)
    factory = request.app.state.session_factory

    def read() -> Batch:
        nonlocal offset
        with session_scope(factory) as db:
            status = db.get(Experiment, experiment_id)
            finished = status is None or status.status not in ACTIVE_EXPERIMENT
        lines, offset, done = events.read_log_lines(path, offset)
        found = [
            StreamEvent(events.LOG, {"experiment_id": experiment_id, "line": line}, Cursor(after))
            for line, after in lines
        ]
        return Batch(found, Cursor(offset), ended=finished and done)

    return event_stream(_pump(request, read))
