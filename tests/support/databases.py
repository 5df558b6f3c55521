"""Temporary databases: SQLite files, or a schema of its own on PostgreSQL for each test.

Migrating and seeding a database costs more than most tests (Alembic runs every migration in
order), so on SQLite ``tests/conftest.py`` does it once per session in a template file
(``migrated_sqlite_template``) and gives each test that wants a ready database a copy of its own.
On PostgreSQL each test gets a new schema, migrated by the app as before. Tests that need an empty
database (the migration tests) still get one.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import create_engine, text

TEST_DATABASE_URL = os.environ.get("AUTOTUNER_TEST_DATABASE_URL", "").strip()


def _schema_url(base_url: str, schema: str) -> str:
    separator = "&" if "?" in base_url else "?"
    return f"{base_url}{separator}options={quote(f'-csearch_path={schema}')}"


def postgres_schema_url(base_url: str) -> Iterator[str]:
    """Yield a URL whose connections use a new, empty schema; the schema is dropped afterwards."""
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield _schema_url(base_url, schema)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def sqlite_copy(template: Path, folder: Path) -> str:
    """A URL of a copy of the SQLite file ``template`` in ``folder``: a database of the test's own."""
    target = folder / "autotuner.db"
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"


def migrated_sqlite_template() -> Path:
    """A SQLite file migrated to head and seeded, as ``prepare_database`` leaves a new database."""
    from autotuner.core.settings import Settings
    from autotuner.startup import prepare_database

    folder = Path(tempfile.mkdtemp(prefix="autotuner-template-"))
    path = folder / "template.db"
    settings = Settings(data_dir=folder / "data", database_url=f"sqlite:///{path}", ui_dir=folder / "no-ui")
    engine, _factory = prepare_database(settings)
    engine.dispose()  # the last connection closing checkpoints the WAL into the file
    for leftover in (folder / "template.db-wal", folder / "template.db-shm"):
        if leftover.exists() and leftover.stat().st_size:
            raise AssertionError(f"{leftover} still holds data after the template's engine closed")
    return path


def schemathesis_examples(default: int) -> int:
    """Examples per operation for the schemathesis tests: ``default``, or fewer when
    ``AUTOTUNER_TEST_SCHEMATHESIS_EXAMPLES`` says so. scripts/test.sh sets it for the second pass on
    PostgreSQL (the same operations, checks and refusals; fewer generated requests), which runs
    after the SQLite pass has generated the full count."""
    value = os.environ.get("AUTOTUNER_TEST_SCHEMATHESIS_EXAMPLES", "").strip()
    if not value:
        return default
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"AUTOTUNER_TEST_SCHEMATHESIS_EXAMPLES must be a whole number from 1, not {value!r}.")
    return min(int(value), default)
