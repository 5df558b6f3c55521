"""Shared fixtures: every test gets its own temporary database, never the user's.

SQLite by default (a file in the test's tmp_path). When ``AUTOTUNER_TEST_DATABASE_URL`` points
at PostgreSQL, each test gets its own schema there instead, dropped afterwards.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

# Before anything reads settings: no code path in the tests may find the user's data folder.
_SANDBOX = Path(tempfile.mkdtemp(prefix="autotuner-tests-"))
os.environ["XDG_DATA_HOME"] = str(_SANDBOX / "xdg")
os.environ["AUTOTUNER_DATA_DIR"] = str(_SANDBOX / "data")
os.environ.pop("AUTOTUNER_DATABASE_URL", None)

from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from autotuner.core.settings import Settings  # noqa: E402
from autotuner.web.app import create_app  # noqa: E402

TEST_DATABASE_URL = os.environ.get("AUTOTUNER_TEST_DATABASE_URL", "").strip()


def _postgres_schema_url(base_url: str) -> Iterator[str]:
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in base_url else "?"
    try:
        yield f"{base_url}{separator}options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database for one test."""
    if TEST_DATABASE_URL:
        yield from _postgres_schema_url(TEST_DATABASE_URL)
    else:
        yield f"sqlite:///{tmp_path / 'autotuner.db'}"


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        ui_dir=tmp_path / "no-ui",
        embedded_worker=False,
    )


@pytest.fixture
def app(settings: Settings):
    application = create_app(settings)
    yield application
    application.state.engine.dispose()


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
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


# --- the stand-in engine's processes ------------------------------------------------------------


def toy_engine_processes(mark: str) -> list[tuple[int, str]]:
    """Live (not zombie) processes running examples/toy_engine.py with ``mark`` (a unique model
    name a test module gives its tasks) on their command line."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                cmdline = handle.read().replace(b"\0", b" ").decode(errors="replace")
            with open(f"/proc/{entry}/stat") as handle:
                state = handle.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if "toy_engine.py" in cmdline and mark in cmdline and state not in ("Z", "X"):
            found.append((int(entry), cmdline))
    return found


def assert_no_toy_engine_left(mark: str, grace: float = 15.0) -> None:
    """No engine a test module started outlives it (those in their SIGTERM grace get a moment)."""
    import signal
    import time

    deadline = time.monotonic() + grace
    while toy_engine_processes(mark) and time.monotonic() < deadline:
        time.sleep(0.1)
    leftovers = toy_engine_processes(mark)
    for pid, _ in leftovers:
        os.kill(pid, signal.SIGKILL)
    assert leftovers == [], f"toy engines outlived the tests: {leftovers}"


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
    # PostgreSQL (see scripts/test.sh).
    for item in items:
        if "database_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.db)
