"""How many SQL statements the hot API paths send per request (counts are deterministic, unlike
timings): a regression that adds a query per request, or per listed row, fails here."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event
from support.factories import create_preset

from autotuner.accounts.users import ANY_USER_SQL

# Statements sent by one request (BEGIN included; a read's session ends with a rollback, which is
# no statement), today.
MAX_GET_ONE = 8
# In single-user mode: BEGIN (SQLite only), then whether users exist and whether the presets
# changed, asked in one statement.
MAX_GET_LIST = 2
MAX_GET_ONE_CACHED = 2
MAX_MERGE_CACHED = 2


@contextmanager
def counting(app) -> Iterator[list[str]]:
    engine = app.state.engine
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


@pytest.fixture
def presets(client):
    base = create_preset(client, "qc-base", parameters={"tp-size": [1, 2]})
    child = create_preset(client, "qc-child", parameters={"mem-fraction-static": [0.8]}, extends=[base["slug"]])
    for i in range(20):
        create_preset(client, f"qc-extra-{i}", parameters={"tp-size": [1]}, extends=[child["slug"]])
    return base, child


def test_get_one_preset_sends_a_bounded_number_of_statements(app, client, presets):
    _, child = presets
    client.get(f"/api/presets/{child['slug']}")  # warm
    with counting(app) as statements:
        response = client.get(f"/api/presets/{child['slug']}")
    assert response.status_code == 200, response.text
    assert response.json()["extended_by"] == 20
    assert len(statements) <= MAX_GET_ONE, "\n".join(statements)


def test_a_preset_read_after_the_list_comes_from_the_cache(app, client, presets):
    _, child = presets
    loaded = client.get(f"/api/presets/{child['slug']}")
    client.get("/api/presets/")  # fills the cache
    with counting(app) as statements:
        response = client.get(f"/api/presets/{child['slug']}")
    assert response.status_code == 200, response.text
    assert response.json() == loaded.json()
    assert response.headers["etag"] == loaded.headers["etag"]
    assert len(statements) <= MAX_GET_ONE_CACHED, "\n".join(statements)


def test_a_merge_while_the_cache_is_fresh_reads_no_preset_rows(app, client, presets):
    base, child = presets
    body = {"preset_ids": [base["id"], child["slug"]], "merge_strategy": "union"}
    loaded = client.post("/api/presets/merge", json=body)
    client.get("/api/presets/")  # fills the cache
    with counting(app) as statements:
        response = client.post("/api/presets/merge", json=body)
    assert response.status_code == 200, response.text
    assert response.json() == loaded.json()
    assert len(statements) <= MAX_MERGE_CACHED, "\n".join(statements)


def test_get_list_sends_the_same_statements_for_few_or_many_presets(app, client, presets):
    client.get("/api/presets/")  # warm
    with counting(app) as statements:
        response = client.get("/api/presets/?limit=500")
    assert response.status_code == 200, response.text
    assert len(response.json()) >= 22
    assert len(statements) <= MAX_GET_LIST, "\n".join(statements)


def test_once_a_user_signed_in_the_users_question_is_not_asked_again(app, client):
    from support.accounts import make_user, signed_in

    admin = make_user(app, "qc-admin", admin=True)
    with signed_in(app, admin) as user_client:
        with counting(app) as first:
            assert user_client.get("/api/presets/").status_code == 200
        with counting(app) as second:
            assert user_client.get("/api/presets/").status_code == 200
    asks = [s for s in first + second if ANY_USER_SQL in s]
    assert len(asks) == 1, "\n".join([*first, "----", *second])
    # single-user mode's loopback operator is refused now that a user exists
    assert client.get("/api/presets/").status_code == 401
