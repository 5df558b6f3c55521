"""A server-sent-events reader for tests: the real HTTP stream of a real server, parsed the way
the EventSource standard says (``id:``, ``event:``, ``data:`` lines, a blank line ends an event,
``:`` starts a comment)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn

from support.ports import free_port_in

PORTS = range(8640, 8650)  # the range these tests may use on shared machines


@dataclass(frozen=True)
class Event:
    id: str | None
    kind: str
    data: dict[str, Any]


@dataclass(frozen=True)
class Comment:
    text: str


def parse(lines: Iterator[str]) -> Iterator[Event | Comment]:
    """Events and comments from the lines of a stream, as they arrive."""
    event_id: str | None = None
    kind = "message"
    data: list[str] = []
    for line in lines:
        if line == "":
            if data:
                yield Event(event_id, kind, json.loads("\n".join(data)))
            kind, data = "message", []
            continue
        if line.startswith(":"):
            yield Comment(line[1:].strip())
            continue
        field, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if field == "id":
            event_id = value
        elif field == "event":
            kind = value
        elif field == "data":
            data.append(value)


def read_events(
    client: httpx.Client,
    url: str,
    *,
    headers: dict[str, str] | None = None,
    until: Callable[[Event], bool] | None = None,
) -> list[Event]:
    """The events of a stream until the server ends it or ``until`` accepts one (then the client
    disconnects)."""
    got: list[Event] = []
    with client.stream("GET", url, headers=headers or {}) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        for item in parse(response.iter_lines()):
            if isinstance(item, Event):
                got.append(item)
                if until is not None and until(item):
                    break
    return got


def free_port() -> int:
    return free_port_in(PORTS)


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """``app`` served by a real uvicorn server on 127.0.0.1 in a thread; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, name="uvicorn-tests", daemon=True)
    thread.start()
    try:
        for _ in range(500):
            if server.started:
                break
            thread.join(0.02)
        assert server.started, "uvicorn did not start"
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(15)
