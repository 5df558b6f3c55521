"""The schema tells the truth on the preset and task endpoints: schemathesis with every check,
positive_data_acceptance included (a schema-valid request is not refused with 4xx), finds nothing.

Business rules the schema cannot state (a taken name: 409; a preset or task that does not exist:
404) are documented answers, not failures. Text the databases cannot store (NUL) is left out of
the generated strings: tests/web/test_api_schema.py checks its refusal on every body.
Cost: about 30 examples per operation, well under a minute on an idle machine.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from support.accounts import make_token, make_user
from support.databases import TEST_DATABASE_URL, postgres_schema_url

from autotuner.core.settings import Settings
from autotuner.web.app import create_app

pytestmark = pytest.mark.db

_tmp = Path(tempfile.mkdtemp(prefix="autotuner-schema-truth-"))
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
_admin = make_user(app, "truth-admin", admin=True)
AUTHORIZED = {"Authorization": f"Bearer {make_token(app, _admin)}", "X-Autotuner-CSRF": "1"}
CONFIG = SchemathesisConfig.from_dict(
    {
        "generation": {"allow-x00": False},
        "checks": {"positive_data_acceptance": {"expected-statuses": ["2xx", "404", "409"]}},
    }
)
schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=CONFIG).include(
    path_regex=r"^/api/(presets|tasks)/"
)


@pytest.fixture(scope="module", autouse=True)
def _drop_database():
    yield
    app.state.engine.dispose()
    if _database is not None:
        next(_database, None)


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None)
def test_preset_and_task_endpoints_accept_what_their_schema_allows(case):
    # An admin's token; as the UI does, every change carries the CSRF header.
    case.call_and_validate(headers=AUTHORIZED)
