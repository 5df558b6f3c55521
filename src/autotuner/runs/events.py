"""What happened to a task, in order, for readers in any process: the live stream
(``GET /api/tasks/{id}/events``), ``autotuner tasks watch`` and the Tasks list's stream.

Two durable sources, so that the worker may run in another process than the server:

- ``task_events`` rows, written by the run layer in the transaction of the change they describe
  (status changes, experiments started / re-statused / finished, experiments cleared);
- the task's log file (``task.log``), read by byte offset, one ``log`` event per complete line.

A reader's position is a :class:`Cursor`: the last event row it has seen and how far it has read
the log. Every event sent carries the cursor just after it (``"<event id>.<log offset>"``), so a
client that reconnects with the last one it got resumes with nothing lost and nothing repeated.
Clearing a task's experiments (also the first step of ``restart``) deletes its logs and its
earlier events: its ``experiments.cleared`` event tells a reader to read the new log from its
first byte, and a reader that starts afresh sees the current run only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from autotuner.core.enums import FINISHED_TASK
from autotuner.core.errors import ValidationFailed
from autotuner.core.ids import MAX_ID
from autotuner.db.models import Experiment, Task, TaskEvent

STATUS = "status"
EXPERIMENT_STARTED = "experiment.started"
EXPERIMENT_STATUS = "experiment.status"
EXPERIMENT_FINISHED = "experiment.finished"
EXPERIMENTS_CLEARED = "experiments.cleared"
LOG = "log"
# Not stored: the last event of a stream (the task has ended and everything was sent, or it is gone).
END = "end"

MAX_ROWS_PER_READ = 500
MAX_LOG_BYTES_PER_READ = 256 * 1024


# --- writing (inside the caller's transaction) ----------------------------------------------


def record(session: Session, task_id: int, kind: str, data: dict[str, Any]) -> None:
    # The task's row is locked until the commit, so that a task's events get their ids in the
    # order they commit: on PostgreSQL a sequence hands out ids at insert time, and a reader must
    # never see id 11 of a task committed while its id 10 is not yet (it would resume past 10).
    # SQLite has one writer at a time anyway (FOR UPDATE is left out there).
    session.execute(select(Task.id).where(Task.id == task_id).with_for_update())
    session.add(TaskEvent(task_id=task_id, kind=kind, data=data))


def record_cleared(session: Session, task_id: int, count: int) -> None:
    """The task's experiments and logs were deleted: so are its earlier events."""
    session.execute(delete(TaskEvent).where(TaskEvent.task_id == task_id))
    record(session, task_id, EXPERIMENTS_CLEARED, {"count": count})


def status_data(task: Task) -> dict[str, Any]:
    return {
        "status": task.status,
        "error_message": task.error_message,
        "stop_reason": task.stop_reason,
        "cancel_requested": task.cancel_requested,
        "experiments_done": task.experiments_done,
        "experiments_total": task.experiments_total,
        "best_experiment_id": task.best_experiment_id,
    }


def record_status(session: Session, task: Task, **extra: Any) -> None:
    """The task's status and progress as they are now (``extra``: e.g. ``restarted=True``)."""
    record(session, task.id, STATUS, status_data(task) | extra)


def experiment_data(experiment: Experiment) -> dict[str, Any]:
    return {
        "experiment_id": experiment.id,
        "sequence": experiment.sequence,
        "status": experiment.status,
        "parameters": experiment.parameters,
        "score": experiment.score,
        "error_message": experiment.error_message,
        "repeat_of": experiment.repeat_of,
    }


# --- reading --------------------------------------------------------------------------------


MAX_LOG_OFFSET = 2**62  # far beyond any log file, within what a file offset can hold


@dataclass(frozen=True)
class Cursor:
    """Where a reader is: the last ``task_events`` id it has seen, and the log bytes it has read."""

    event_id: int = 0
    log_offset: int = 0

    def __str__(self) -> str:
        return f"{self.event_id}.{self.log_offset}" if self.log_offset else str(self.event_id)

    @classmethod
    def parse(cls, text: str | None) -> Cursor | None:
        """A cursor from a ``Last-Event-ID`` header or an ``after`` query (``"12.3456"``, or
        ``"12"`` for a stream without a log); None when ``text`` is empty. Exactly what the API
        schema's pattern says: no spaces around it."""
        if not text:
            return None
        event_id, _, offset = text.partition(".")
        if not (event_id.isdigit() and (offset.isdigit() or not offset)) or len(text) > 40:
            raise ValidationFailed(
                f"Invalid event id '{text[:40]}': resume with the id of the last event received "
                "(e.g. '12.3456'), or leave it out to start from the beginning."
            )
        # After an id (or offset) beyond any the databases and files can hold is after the largest
        # one: nothing stored comes after it (and SQL never sees a number it would overflow on).
        return cls(min(int(event_id), MAX_ID), min(int(offset or 0), MAX_LOG_OFFSET))


@dataclass(frozen=True)
class StreamEvent:
    kind: str
    data: dict[str, Any]
    cursor: Cursor


@dataclass(frozen=True)
class Batch:
    events: list[StreamEvent]
    cursor: Cursor
    # The task has ended (or is gone) and this batch holds the last of its events.
    ended: bool
    # None while the task exists and the reader may see it.
    gone: str | None = None


def _event(row: TaskEvent, log_offset: int) -> StreamEvent:
    return StreamEvent(
        row.kind, {"task_id": row.task_id, "at": row.at.isoformat(), **row.data}, Cursor(row.id, log_offset)
    )


def read_task(session: Session, task: Task, cursor: Cursor, log_path: Path) -> Batch:
    """The events of ``task`` after ``cursor``: its stored events, then its new log lines.

    ``ended`` is true when the task had ended before this read and the read reached the end of
    both sources: the reader may stop after sending the batch.
    """
    ended_before = task.status in FINISHED_TASK  # read first: events and log lines come after it
    rows = list(
        session.scalars(
            select(TaskEvent)
            .where(TaskEvent.task_id == task.id, TaskEvent.id > cursor.event_id)
            .order_by(TaskEvent.id)
            .limit(MAX_ROWS_PER_READ)
        )
    )
    offset = cursor.log_offset
    events: list[StreamEvent] = []
    for row in rows:
        if row.kind == EXPERIMENTS_CLEARED:
            offset = 0  # the logs went with the experiments: a new log starts
        events.append(_event(row, offset))
    last_id = rows[-1].id if rows else cursor.event_id
    lines, offset, log_done = read_log_lines(log_path, offset)
    for line, after in lines:
        events.append(StreamEvent(LOG, {"task_id": task.id, "line": line}, Cursor(last_id, after)))
    complete = len(rows) < MAX_ROWS_PER_READ and log_done
    return Batch(events, Cursor(last_id, offset), ended=ended_before and complete)


def read_log_lines(path: Path | str | None, offset: int) -> tuple[list[tuple[str, int]], int, bool]:
    """The complete lines of a log after byte ``offset``, each with the offset just after it;
    the new offset; and whether the end of the file was reached. A file shorter than ``offset``
    was replaced: it is read from its start."""
    if not path:
        return [], offset, True
    try:
        with open(path, "rb") as handle:
            size = handle.seek(0, 2)
            if size < offset:
                offset = 0
            handle.seek(offset)
            chunk = handle.read(MAX_LOG_BYTES_PER_READ)
    except FileNotFoundError:
        return [], offset, True
    lines: list[tuple[str, int]] = []
    position = offset
    for raw in chunk.splitlines(keepends=True):
        if not raw.endswith(b"\n"):
            break  # a line still being written: it comes in a later read
        position += len(raw)
        lines.append((raw.rstrip(b"\r\n").decode("utf-8", errors="replace"), position))
    if not lines and len(chunk) == MAX_LOG_BYTES_PER_READ:
        # One line longer than a read: send it in pieces rather than never.
        position += len(chunk)
        lines.append((chunk.decode("utf-8", errors="replace"), position))
    return lines, position, offset + len(chunk) >= size


def latest_event_id(session: Session) -> int:
    return session.scalar(select(func.max(TaskEvent.id))) or 0


def read_all(session: Session, after: int, visible: Callable[[Task], bool]) -> tuple[list[StreamEvent], int]:
    """Stored events of every task after event id ``after`` (no log lines), for the Tasks list,
    of the tasks ``visible`` accepts. Returns them and the new position (past the events the
    reader may not see, too)."""
    rows = list(
        session.scalars(select(TaskEvent).where(TaskEvent.id > after).order_by(TaskEvent.id).limit(MAX_ROWS_PER_READ))
    )
    tasks = {t.id: t for t in session.scalars(select(Task).where(Task.id.in_({row.task_id for row in rows})))}
    events = [_event(row, 0) for row in rows if row.task_id in tasks and visible(tasks[row.task_id])]
    return events, rows[-1].id if rows else after
