"""Experiments across tasks (GET /api/experiments with filters, paged, only what the caller may
see) and clearing a task's experiments (DELETE /api/tasks/{id}/experiments), over HTTP on the
real app and database. The experiments are stored rows (no engine runs here; tests/runs runs them)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from support.accounts import make_team, make_user, signed_in
from support.factories import PARAMETERS, assert_error, create_task
from support.sse import Event, parse, read_events, serving

from autotuner.db.models import Experiment, Task, TaskEvent
from autotuner.db.session import session_scope

STATUSES = ["succeeded", "failed", "succeeded"]


def add_experiments(app, task_id: int, statuses: list[str]) -> list[int]:
    ids = []
    with session_scope(app.state.session_factory, write=True) as session:
        for sequence, status in enumerate(statuses, start=1):
            experiment = Experiment(
                task_id=task_id,
                sequence=sequence,
                parameters={"tp-size": sequence},
                status=status,
                score=float(sequence) if status == "succeeded" else None,
            )
            session.add(experiment)
            session.flush()
            ids.append(experiment.id)
    return ids


def set_status(app, task_id: int, status: str) -> None:
    with session_scope(app.state.session_factory, write=True) as session:
        session.get_one(Task, task_id).status = status


@pytest.fixture
def world(app):
    """alice owns a private task and one shared with her team (bob is a viewer there); bob owns
    a private task; the admin owns a public one. Each has three experiments."""
    root = make_user(app, "root", admin=True)
    alice, bob, carol = make_user(app, "alice"), make_user(app, "bob"), make_user(app, "carol")
    team = make_team(app, "ml", {alice: "owner", bob: "viewer"})
    clients = {u.username: signed_in(app, u, headers={"X-Autotuner-CSRF": "1"}) for u in (root, alice, bob, carol)}
    tasks = {
        "alice-private": create_task(clients["alice"], task_name="alice-private", parameters=PARAMETERS)["id"],
        "alice-team": create_task(clients["alice"], task_name="alice-team", parameters=PARAMETERS)["id"],
        "bob-private": create_task(clients["bob"], task_name="bob-private", parameters=PARAMETERS)["id"],
        "public": create_task(clients["root"], task_name="public", parameters=PARAMETERS)["id"],
    }
    shared = clients["alice"].put(
        f"/api/tasks/{tasks['alice-team']}/sharing", json={"visibility": "teams", "team_ids": [team]}
    )
    assert shared.status_code == 200, shared.text
    assert (
        clients["root"].put(f"/api/tasks/{tasks['public']}/sharing", json={"visibility": "public"}).status_code == 200
    )
    experiments = {name: add_experiments(app, task_id, STATUSES) for name, task_id in tasks.items()}
    yield clients, tasks, experiments
    for client in clients.values():
        client.close()


def page(client, query: str = "") -> dict:
    response = client.get(f"/api/experiments/{query}")
    assert response.status_code == 200, response.text
    return response.json()


def ids_of(body: dict) -> list[int]:
    return [e["id"] for e in body["experiments"]]


def test_experiments_across_tasks_are_those_the_caller_may_see_newest_first(world):
    clients, _tasks, experiments = world
    expected = {
        "root": ["alice-private", "alice-team", "bob-private", "public"],
        "alice": ["alice-private", "alice-team", "public"],
        "bob": ["alice-team", "bob-private", "public"],
        "carol": ["public"],
    }
    for user, names in expected.items():
        body = page(clients[user], "?limit=500")
        visible = sorted((i for name in names for i in experiments[name]), reverse=True)
        assert ids_of(body) == visible, user
        assert body["total"] == len(visible) and body["offset"] == 0 and body["limit"] == 500


@pytest.mark.parametrize(
    ("query", "names", "statuses"),
    [
        ("?status=failed", ["alice-private", "alice-team", "public"], ["failed"]),
        ("?status=succeeded", ["alice-private", "alice-team", "public"], ["succeeded"]),
        ("?task_id={alice-team}", ["alice-team"], ["succeeded", "failed"]),
        ("?task_id={public}&status=succeeded", ["public"], ["succeeded"]),
    ],
)
def test_filters_by_status_and_task(world, query, names, statuses):
    clients, tasks, experiments = world
    body = page(clients["alice"], query.format(**tasks))
    wanted = sorted(
        (i for name in names for i, status in zip(experiments[name], STATUSES, strict=True) if status in statuses),
        reverse=True,
    )
    assert ids_of(body) == wanted and body["total"] == len(wanted)
    assert {e["status"] for e in body["experiments"]} == set(statuses)


def test_pages_and_refusals(world):
    clients, tasks, _experiments = world
    everything = ids_of(page(clients["alice"], "?limit=500"))
    pages = [page(clients["alice"], f"?offset={offset}&limit=4") for offset in (0, 4, 8)]
    assert [i for p in pages for i in ids_of(p)] == everything
    assert all(p["total"] == 9 for p in pages) and ids_of(pages[2]) == everything[8:]
    # A task one may not see is not found, as everywhere else.
    assert_error(clients["alice"].get(f"/api/experiments/?task_id={tasks['bob-private']}"), 404, "Task not found")
    assert_error(clients["alice"].get("/api/experiments/?status=running"), 422)
    assert_error(clients["alice"].get("/api/experiments/?limit=0"), 422)


def test_clearing_a_tasks_experiments(world, app, settings):
    clients, tasks, _experiments = world
    task_id = tasks["alice-team"]
    log_folder = Path(settings.log_dir, "tasks", str(task_id))
    log_folder.mkdir(parents=True)
    (log_folder / "experiment-1.log").write_text("engine output\n")

    # Refused while it runs, to a viewer of the team, and to whoever cannot see it.
    set_status(app, task_id, "running")
    assert_error(clients["alice"].delete(f"/api/tasks/{task_id}/experiments"), 409, "Task 'alice-team' is running")
    set_status(app, task_id, "completed")
    assert_error(clients["bob"].delete(f"/api/tasks/{task_id}/experiments"), 403, "You can read task 'alice-team'")
    assert_error(clients["carol"].delete(f"/api/tasks/{task_id}/experiments"), 404, "Task not found")
    assert len(page(clients["alice"], f"?task_id={task_id}")["experiments"]) == 3

    response = clients["alice"].delete(f"/api/tasks/{task_id}/experiments")
    assert response.status_code == 200, response.text
    assert response.json() == {"task_id": task_id, "cleared": 3}
    assert page(clients["alice"], f"?task_id={task_id}")["total"] == 0
    assert not log_folder.exists()
    for other in ("alice-private", "public"):  # other tasks keep theirs
        assert page(clients["alice"], f"?task_id={tasks[other]}")["total"] == 3
    task = clients["alice"].get(f"/api/tasks/{task_id}").json()
    assert task["experiments_done"] == 0 and task["best_experiment_id"] is None
    audit = clients["root"].get("/api/audit/?action=task.clear_experiments").json()
    assert [(e["actor"], e["summary"]) for e in audit] == [
        ("alice", "Cleared the 3 experiment(s) of task 'alice-team'")
    ]
    # The live stream of the task says so, and a second clear clears nothing.
    with session_scope(app.state.session_factory) as session:
        kinds = [(e.kind, e.data) for e in session.query(TaskEvent).filter(TaskEvent.task_id == task_id)]
    assert kinds == [("experiments.cleared", {"count": 3})]
    assert clients["alice"].delete(f"/api/tasks/{task_id}/experiments").json()["cleared"] == 0


def test_event_streams_show_only_what_the_caller_may_see(world, app):
    clients, tasks, _ = world
    bob = make_user_token(app, "bob")
    with (
        serving(app) as url,
        httpx.Client(base_url=url, headers={"Authorization": f"Bearer {bob}"}, timeout=30) as http,
    ):
        assert_error(http.get(f"/api/tasks/{tasks['alice-private']}/events"), 404, "Task not found")
        assert_error(http.get(f"/api/tasks/{tasks['public']}/events?after=x"), 422)
        bad = http.get(f"/api/tasks/{tasks['public']}/events", headers={"Last-Event-ID": "not-an-id"})
        assert_error(bad, 422, "Invalid event id 'not-an-id'")
        # The header wins, but a wrong ?after= beside a right header is refused, not ignored (schemathesis).
        both = http.get("/api/tasks/events?after=yP", headers={"Last-Event-ID": "3"})
        assert_error(both, 422, "Invalid event id 'yP'")
        # After an id larger than any the databases hold: nothing stored comes after it (no overflow in SQL).
        with http.stream("GET", "/api/tasks/events?after=30000000000000000000") as response:
            assert response.status_code == 200
            assert next(i for i in parse(response.iter_lines()) if isinstance(i, Event)).kind == "ready"
        with http.stream("GET", "/api/tasks/events") as response:
            assert response.status_code == 200
            items = (i for i in parse(response.iter_lines()) if isinstance(i, Event))
            ready = next(items)
            assert ready.kind == "ready"
            for name in ("alice-private", "alice-team", "public"):
                who = "root" if name == "public" else "alice"
                assert clients[who].delete(f"/api/tasks/{tasks[name]}/experiments").status_code == 200
            seen = [next(items), next(items)]
        assert [(e.kind, e.data["task_id"]) for e in seen] == [
            ("experiments.cleared", tasks["alice-team"]),
            ("experiments.cleared", tasks["public"]),
        ]
        # Resumed from the ready event: the same two, and nothing of alice's private task.
        with http.stream("GET", f"/api/tasks/events?after={ready.id}") as response:
            items = (i for i in parse(response.iter_lines()) if isinstance(i, Event))
            again = [next(items), next(items), next(items)]
        assert [e.kind for e in again] == ["ready", "experiments.cleared", "experiments.cleared"]
        assert [e.id for e in again[1:]] == [e.id for e in seen]
        # A finished task's stream sends its events and ends (a pending one waits for its start).
        set_status(app, tasks["public"], "failed")
        finished = read_events(http, f"/api/tasks/{tasks['public']}/events")
        assert [e.kind for e in finished] == ["experiments.cleared", "end"]


def make_user_token(app, name: str) -> str:
    from support.accounts import OPERATOR

    from autotuner.accounts import tokens
    from autotuner.db.models import User

    with session_scope(app.state.session_factory, write=True) as session:
        user = session.query(User).filter(User.username == name).one()
        _, secret = tokens.create_token(session, OPERATOR, "sse", user_ref=user.id)
    return secret
