"""Watching runs live: the task's server-sent-events stream, an experiment's log followed as it
grows, and ``autotuner tasks watch``, against a real uvicorn server, the real worker in its thread
and real stand-in engine processes (``examples/toy_engine.py``).

The stream is read from the database and the log files, so what these tests see is what a
server sees when the worker runs in another process.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import httpx
import pytest
from support.cli import lines_of, run
from support.paths import TOY
from support.processes import assert_no_toy_engine_left, wait_for
from support.sse import Comment, Event, parse, read_events, serving

from autotuner.runs.worker import Worker
from autotuner.web.routes import events as event_routes

MARK = f"toy-live-{uuid.uuid4().hex[:12]}"
SPACE = {"tp-size": [1, 2, 4]}
BENCHMARK = {"traffic_scenarios": ["D(16,4)"], "concurrency": [2], "requests_per_level": 4, "warmup_requests": 1}
CSRF = {"X-Autotuner-CSRF": "1"}
WAIT = 60.0  # a bound for conditions polled below, not a timing assertion

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("no_engine_left_behind")]


@pytest.fixture(scope="module", autouse=True)
def no_toy_engine_alive_after_the_module():
    yield
    assert_no_toy_engine_left(MARK)


@pytest.fixture
def worker(app, settings):
    runner = Worker(app.state.session_factory, settings.log_dir, allow_command_runtime=True, poll_interval=0.05)
    app.state.worker = runner  # POST /start wakes it, as in `autotuner serve`
    runner.start()
    yield runner
    runner.stop()


@pytest.fixture
def http(app):
    with serving(app) as url, httpx.Client(base_url=url, headers=CSRF, timeout=WAIT) as client:
        yield client


def toy_task(name: str) -> dict:
    return {
        "task_name": name,
        "model": {"id_or_path": MARK},
        "base_runtime": "command",
        "command": ["{python}", TOY, "--model-path", "{model}", "--host", "{host}", "--port", "{port}"],
        "parameters": SPACE,
        "optimization": {
            "strategy": "grid_search",
            "objective": "maximize_throughput",
            "max_iterations": 10,
            "repeats": 0,
        },
        "benchmark": BENCHMARK,
    }


def create(http: httpx.Client, name: str) -> int:
    response = http.post("/api/tasks/", json=toy_task(name))
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def task_of(http: httpx.Client, task_id: int) -> dict:
    response = http.get(f"/api/tasks/{task_id}")
    assert response.status_code == 200, response.text
    return response.json()


def position(event: Event) -> tuple[int, int]:
    event_id, _, offset = (event.id or "").partition(".")
    return int(event_id), int(offset or 0)


def identities(stream: list[Event]) -> tuple[list, list]:
    """The stored events (by their row id) and the log lines (by their end offset) of a stream."""
    rows = [(position(e)[0], e.kind, e.data) for e in stream if e.kind not in ("log", "end")]
    lines = [(position(e)[1], e.data["line"]) for e in stream if e.kind == "log"]
    assert len({r[0] for r in rows}) == len(rows) and len({line[0] for line in lines}) == len(lines), "no repeats"
    return rows, lines


def test_a_client_that_reconnects_with_last_event_id_misses_nothing(http, worker, settings, monkeypatch):
    task_id = create(http, "live")
    url = f"/api/tasks/{task_id}/events"

    # Connected before the task starts: the stream waits (with heartbeats) and sees it start.
    monkeypatch.setattr(event_routes, "HEARTBEAT_SECONDS", 0.2)
    first: list[Event] = []
    heartbeats = 0
    with http.stream("GET", url) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["cache-control"] == "no-cache"
        for item in parse(response.iter_lines()):
            if isinstance(item, Comment):
                heartbeats += 1
                if heartbeats == 1:
                    started = http.post(f"/api/tasks/{task_id}/start")
                    assert started.status_code == 200, started.text
                continue
            first.append(item)
            if item.kind == "experiment.finished":
                break  # the client goes away after the first experiment
    assert heartbeats >= 1
    statuses = [e for e in first if e.kind != "log"][:2]  # started; then the plan is known
    assert [e.kind for e in statuses] == ["status", "status"]
    assert statuses[0].data["status"] == "running" and statuses[1].data["experiments_total"] == 3

    # Events happen while nobody listens.
    wait_for(lambda: task_of(http, task_id)["experiments_done"] >= 2, "a second experiment", WAIT)

    # EventSource reconnects with the header; the query is for clients that cannot set it.
    resumed = read_events(http, url, headers={"Last-Event-ID": first[-1].id or ""})
    wait_for(lambda: task_of(http, task_id)["status"] == "completed", "the task to complete", WAIT)
    by_query = read_events(http, f"{url}?after={first[-1].id}")
    everything = read_events(http, url)  # a fresh client, after the end: the whole run

    assert resumed[-1].kind == "end" and everything[-1].kind == "end"
    # The same stored events and the same log lines, once each, in order. (How the two sources
    # interleave depends on when they were read: a replay sends a batch of stored events first.)
    assert identities(first + resumed) == identities(everything)
    assert identities(by_query) == identities(resumed)
    for stream in (first + resumed, everything):
        positions = [position(e) for e in stream[:-1]]
        assert positions == sorted(positions), "ids never go back"

    stored = [e for e in everything if e.kind not in ("log", "end")]
    started = [e.data for e in stored if e.kind == "experiment.started"]
    finished = [e.data for e in stored if e.kind == "experiment.finished"]
    assert [s["sequence"] for s in started] == [1, 2, 3]
    assert [s["parameters"] for s in started] == [{"tp-size": 1}, {"tp-size": 2}, {"tp-size": 4}]
    experiments = http.get(f"/api/tasks/{task_id}/experiments").json()
    assert [(f["experiment_id"], f["status"], f["score"]) for f in finished] == [
        (e["id"], e["status"], e["score"]) for e in experiments
    ]
    assert all(f["status"] == "succeeded" and f["score"] > 0 for f in finished)
    last_status = [e.data for e in stored if e.kind == "status"][-1]
    final = task_of(http, task_id)
    assert last_status["status"] == "completed" == final["status"]
    assert last_status["best_experiment_id"] == final["best_experiment_id"]
    assert last_status["experiments_done"] == 3
    # Every line of the task's log, in order, once.
    log_text = Path(settings.log_dir, "tasks", str(task_id), "task.log").read_text()
    assert [e.data["line"] for e in everything if e.kind == "log"] == log_text.splitlines()
    assert f"Task {task_id} completed" in log_text.splitlines()[-1]


def test_an_experiment_log_is_followed_to_its_end_and_resumed_by_offset(http, worker):
    task_id = create(http, "follow")
    assert http.post(f"/api/tasks/{task_id}/start").status_code == 200
    first = wait_for(
        lambda: next(iter(http.get(f"/api/tasks/{task_id}/experiments").json()), None), "an experiment", WAIT
    )
    url = f"/api/experiments/{first['id']}/logs?follow=true"
    # Followed while the engine runs, until the experiment ends.
    followed = read_events(http, url)
    assert followed[-1].kind == "end"
    assert http.get(f"/api/experiments/{first['id']}").json()["status"] == "succeeded"
    lines = [e.data["line"] for e in followed if e.kind == "log"]
    text = Path(first["log_path"]).read_text()
    assert lines == text.splitlines()
    assert "# autotuner: experiment succeeded" in lines[-1]
    # Resumed after a line in the middle: the rest, once.
    middle = followed[len(lines) // 2]
    rest = read_events(http, url, headers={"Last-Event-ID": middle.id or ""})
    assert [e.data["line"] for e in rest if e.kind == "log"] == lines[len(lines) // 2 + 1 :]
    wait_for(lambda: task_of(http, task_id)["status"] == "completed", "the task to complete", WAIT)


def test_tasks_watch_follows_a_task_started_elsewhere_then_restart_runs_it_again(http, worker, cli_env):
    task_id = create(http, "watched")
    assert http.post(f"/api/tasks/{task_id}/start").status_code == 200  # started through the API

    watched = run("tasks", "watch", str(task_id), "--log", columns=80)
    lines = lines_of(watched.output)
    assert lines[0].startswith(f"Watching task watched (id {task_id})")
    assert any(" task running" in line for line in lines)
    for sequence, size in ((1, 1), (2, 2), (3, 4)):
        assert any(f"experiment {sequence} started: tp-size={size}" in line for line in lines), lines
        assert any(f"experiment {sequence} succeeded: score " in line for line in lines), lines
    assert any(line.startswith("  | ") for line in lines)  # --log: the task's log lines too
    assert "grid_search over 3 valid combination(s)" in " ".join(lines)
    assert lines[-1] == f"Task {task_id} completed."
    assert max(len(line) for line in lines) <= 80

    # Run again from the CLI, and follow it: the old experiments are gone, the new ones counted.
    old_end = max(e["ended_at"] for e in http.get(f"/api/tasks/{task_id}/experiments").json())
    again = run("tasks", "restart", str(task_id), "--watch", columns=80)
    again_lines = lines_of(again.output)
    assert again_lines[0].startswith("Restarted task watched")
    assert again_lines[-1] == f"Task {task_id} completed."
    assert not any("  | " in line for line in again_lines), "no log lines without --log"
    new = http.get(f"/api/tasks/{task_id}/experiments").json()
    assert [e["sequence"] for e in new] == [1, 2, 3] and all(e["started_at"] >= old_end for e in new)
    # The stream of a fresh client shows the current run only.
    stream = read_events(http, f"/api/tasks/{task_id}/events")
    assert stream[0].kind == "experiments.cleared" and stream[0].data["count"] == 3
    assert [e.data["experiment_id"] for e in stream if e.kind == "experiment.finished"] == [e["id"] for e in new]

    # A task that ends badly exits 1 (for scripts), and --json prints one object per line.
    assert http.post(f"/api/tasks/{task_id}/restart").status_code == 200
    assert http.post(f"/api/tasks/{task_id}/cancel").status_code == 200
    cancelled = run("tasks", "watch", str(task_id), "--json", ok=False)
    assert cancelled.exit_code == 1, cancelled.output
    objects = [json.loads(line) for line in cancelled.output.splitlines()]
    assert objects[-1]["event"] == "status" and objects[-1]["status"] == "cancelled"
