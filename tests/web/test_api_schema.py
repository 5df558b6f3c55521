"""Schemathesis over the OpenAPI schema: no input may produce a 5xx or break the documented schema.

The app is built at import time (schemathesis loads the schema while collecting) on its own
temporary database: a SQLite file, or a PostgreSQL schema when AUTOTUNER_TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import positive_data_acceptance
from support.accounts import make_token, make_user
from support.databases import TEST_DATABASE_URL, postgres_schema_url, schemathesis_examples

from autotuner.core.settings import Settings
from autotuner.web.app import create_app

pytestmark = pytest.mark.db

_tmp = Path(tempfile.mkdtemp(prefix="autotuner-schemathesis-"))
if TEST_DATABASE_URL:
    _database = postgres_schema_url(TEST_DATABASE_URL)
    _url = next(_database)
else:
    _database = None
    _url = f"sqlite:///{_tmp / 'autotuner.db'}"

app = create_app(
    Settings(
        data_dir=_tmp, database_url=_url, ui_dir=_tmp / "no-ui", embedded_worker=False, allowed_hosts=["testserver"]
    )
)
# Every call is an admin's (a bearer token): a schema-valid POST /api/users/ may create users, and
# from the first one on the service wants a sign-in.
_admin = make_user(app, "schema-admin", admin=True)
_token = make_token(app, _admin)
AUTHORIZED = {"Authorization": f"Bearer {_token}"}
# A server-sent event stream is read up to its first event, its schema checked on it. Without a
# limit each call waited for the 10-second read timeout: GET /api/tasks/events sends "ready" and
# then nothing on an idle service (a heartbeat comes after 15 s), and a task's own stream ends only
# when the task does. That was about 5.5 minutes of waiting per schemathesis test, checking nothing more.
STREAMS = SchemathesisConfig.from_dict({"max-stream-events": 1})
schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=STREAMS)


def _keep_the_admin_signed_in() -> None:
    """Undo what a generated call may have done to the admin or its token (disable, demote, revoke)."""
    from sqlalchemy import update

    from autotuner.accounts.tokens import digest
    from autotuner.db.models import ApiToken, User
    from autotuner.db.session import session_scope

    with session_scope(app.state.session_factory, write=True) as session:
        session.execute(update(User).where(User.id == _admin.id).values(disabled=False, is_admin=True))
        session.execute(update(ApiToken).where(ApiToken.token_hash == digest(_token)).values(revoked_at=None))


# Per operation; fewer on the PostgreSQL pass of scripts/test.sh (see support.databases).
EXAMPLES = schemathesis_examples(40)


@pytest.fixture(scope="module", autouse=True)
def _drop_database():
    yield
    app.state.engine.dispose()
    if _database is not None:
        next(_database, None)


# Derandomized and without an example database: the same examples on every run, so a run cannot
# pass by luck; text the databases cannot store is covered by the test below on every operation.
@schema.parametrize()
@settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None
)
def test_api_never_fails_with_5xx_or_breaks_its_schema(case):
    # Business rules (a taken name, a catalog range) may refuse schema-valid input with a
    # documented 4xx; what must never happen is a 5xx or a response outside the schema.
    # As the UI does, every change carries the CSRF header (tests/web/test_security.py tests the door).
    _keep_the_admin_signed_in()
    case.call_and_validate(headers={"X-Autotuner-CSRF": "1", **AUTHORIZED}, excluded_checks=[positive_data_acceptance])


def _json_body_operations() -> list[tuple[str, str]]:
    operations = []
    for path, item in app.openapi()["paths"].items():
        for method, operation in item.items():
            content = (operation.get("requestBody") or {}).get("content", {})
            if "application/json" in content:
                operations.append((method, path))
    return operations


# Each body also holds an import document ("version", "preset"), for POST /api/presets/import.
UNSTORABLE_BODIES = [
    {"name": "a\u0000b", "task_name": "t\u0000", "preset_ids": ["\u0000"], "ids": ["\u0000"]},
    {"parameters": {"tp-size": ["x\ud800"]}, "preset_ids": [1], "name": "n", "task_name": "t"},
    {"metadata": {"tags\u0000": ["a"]}, "name": "n", "parameters": {"a": [1]}},
]
for _body in UNSTORABLE_BODIES:
    _body.update(version="1.0", preset={key: _body.get(key, "n") for key in ("name", "parameters", "metadata")})


@pytest.mark.parametrize("body", UNSTORABLE_BODIES, ids=["nul", "surrogate", "nul-in-key"])
@pytest.mark.parametrize(("method", "path"), _json_body_operations())
def test_text_the_databases_cannot_store_is_refused_in_every_body(method, path, body):
    """On SQLite and PostgreSQL alike: a 422 with one sentence, never a 500, nothing written."""
    from fastapi.testclient import TestClient

    url = path.replace("{preset_ref}", "balanced").replace("{task_id}", "1").replace("{experiment_id}", "1")
    url = url.replace("{number}", "1")
    _keep_the_admin_signed_in()
    with TestClient(app, headers=AUTHORIZED) as client:
        before = client.get("/api/presets/").json()
        # json.dumps escapes the surrogate as \\ud800, as a browser or curl would send it.
        raw = json.dumps(body).encode()
        response = client.request(method.upper(), url, content=raw, headers={"Content-Type": "application/json"})
        assert response.status_code == 422, (method, url, response.text)
        detail = response.json()["detail"]
        assert "which cannot be stored: remove it and send again." in detail, detail
        assert client.get("/api/presets/").json() == before
