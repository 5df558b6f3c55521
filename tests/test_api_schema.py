"""Schemathesis over the OpenAPI schema: no input may produce a 5xx or break the documented schema.

The app is built at import time (schemathesis loads the schema while collecting) on its own
temporary database: a SQLite file, or a PostgreSQL schema when AUTOTUNER_TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import schemathesis
from conftest import TEST_DATABASE_URL, _postgres_schema_url
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from autotuner.core.settings import Settings
from autotuner.web.app import create_app

pytestmark = pytest.mark.db

_tmp = Path(tempfile.mkdtemp(prefix="autotuner-schemathesis-"))
if TEST_DATABASE_URL:
    _database = _postgres_schema_url(TEST_DATABASE_URL)
    _url = next(_database)
else:
    _database = None
    _url = f"sqlite:///{_tmp / 'autotuner.db'}"

app = create_app(Settings(data_dir=_tmp, database_url=_url, ui_dir=_tmp / "no-ui", embedded_worker=False))
schema = schemathesis.openapi.from_asgi("/openapi.json", app)


@pytest.fixture(scope="module", autouse=True)
def _drop_database():
    yield
    app.state.engine.dispose()
    if _database is not None:
        next(_database, None)


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_never_fails_with_5xx_or_breaks_its_schema(case):
    # Business rules (a taken name, a catalog range) may refuse schema-valid input with a
    # documented 4xx; what must never happen is a 5xx or a response outside the schema.
    case.call_and_validate(excluded_checks=[positive_data_acceptance])
