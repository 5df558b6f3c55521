"""Shared fixtures: every test gets its own temporary database, never the user's.

SQLite by default (a file in the test's tmp_path). When ``AUTOTUNER_TEST_DATABASE_URL`` points
at PostgreSQL, each test gets its own schema there instead, dropped afterwards.

``database_url`` is empty; ``settings`` (and so ``app``, ``client``, ``cli_env``) use
``migrated_database_url``: a copy of a database migrated and seeded once per session (a file on
SQLite, a database created from a template on PostgreSQL; see support.databases). The app still
runs its start-up (migrate to head, seed) on it: on a copy, that finds nothing to do.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

# Before anything reads settings: no code path in the tests may find the user's data folder.
_SANDBOX = Path(tempfile.mkdtemp(prefix="autotuner-tests-"))
os.environ["XDG_DATA_HOME"] = str(_SANDBOX / "xdg")
os.environ["AUTOTUNER_DATA_DIR"] = str(_SANDBOX / "data")
os.environ.pop("AUTOTUNER_DATABASE_URL", None)
# Nor the user's API token: the CLI would act as its user (see autotuner.cli.base.acting_actor).
os.environ["XDG_CONFIG_HOME"] = str(_SANDBOX / "config")
os.environ.pop("AUTOTUNER_TOKEN", None)
# Nor the caller's terminal width: the CLI's consoles, made at import, would keep an exported
# COLUMNS (or LINES) for good, and the tests that choose a width (support.cli.run) would not get it.
os.environ.pop("COLUMNS", None)
os.environ.pop("LINES", None)

from fastapi.testclient import TestClient  # noqa: E402
from support.accounts import LOOPBACK  # noqa: E402
from support.databases import (  # noqa: E402
    TEST_DATABASE_URL,
    migrated_postgres_template,
    migrated_sqlite_template,
    postgres_database_from,
    postgres_schema_url,
    sqlite_copy,
)

from autotuner.core.settings import Settings  # noqa: E402
from autotuner.web.app import create_app  # noqa: E402


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database for one test."""
    if TEST_DATABASE_URL:
        yield from postgres_schema_url(TEST_DATABASE_URL)
    else:
        yield f"sqlite:///{tmp_path / 'autotuner.db'}"


@pytest.fixture(scope="session")
def _sqlite_template() -> Path:
    return migrated_sqlite_template()


@pytest.fixture(scope="session")
def _postgres_template() -> Iterator[str]:
    yield from migrated_postgres_template(TEST_DATABASE_URL)


@pytest.fixture
def migrated_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of the test's own, migrated to head and seeded."""
    if TEST_DATABASE_URL:
        yield from postgres_database_from(TEST_DATABASE_URL, request.getfixturevalue("_postgres_template"))
    else:
        yield sqlite_copy(request.getfixturevalue("_sqlite_template"), tmp_path)


@pytest.fixture
def settings(tmp_path: Path, migrated_database_url: str) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=migrated_database_url,
        ui_dir=tmp_path / "no-ui",
        embedded_worker=False,
        # TestClient's host name; the stand-in engine runs through the command runtime.
        allowed_hosts=["testserver"],
        allow_command_runtime=True,
    )


@pytest.fixture
def app(settings: Settings):
    application = create_app(settings)
    yield application
    application.state.engine.dispose()


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    # The first-party client: like the UI, it marks its changes with the CSRF header (see
    # autotuner.web.security); tests/web/test_security.py uses bare clients. It connects from a
    # loopback address: while no user exists, it is the operator (single-user mode).
    with TestClient(app, headers={"X-Autotuner-CSRF": "1"}, client=LOOPBACK) as test_client:
        yield test_client


@pytest.fixture
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Point the CLI (which reads the environment) at the test's database."""
    from autotuner.core.settings import get_settings

    monkeypatch.setenv("AUTOTUNER_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("AUTOTUNER_DATA_DIR", str(settings.data_dir))
    get_settings.cache_clear()
    yield settings
    get_settings.cache_clear()


@pytest.fixture
def no_engine_left_behind():
    """After the test, no engine this process started is still registered (running). Modules
    whose engines must not outlive a test use it (``pytest.mark.usefixtures``); modules that keep
    a server for the whole module do not."""
    from autotuner.tuning.engine import process

    yield
    leftovers = process.running_engines()
    process.terminate_all(grace_period=1)
    assert leftovers == [], f"engines still registered: {[e.command for e in leftovers]}"


def pytest_collection_modifyitems(config, items) -> None:
    # Every test that touches a database is marked ``db``: ``pytest -m db`` runs them again on
    # PostgreSQL (see scripts/test.sh). Tests that start engine processes are marked ``slow`` by
    # their modules (``pytestmark``); the test command runs them too.
    for item in items:
        if {"database_url", "migrated_database_url"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.db)
