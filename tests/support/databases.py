"""Temporary databases: SQLite files, or a schema of its own on PostgreSQL for each test.

Migrating and seeding a database costs more than most tests (Alembic runs every migration in
order), so on SQLite ``tests/conftest.py`` does it once per session in a template file
(``migrated_sqlite_template``) and gives each test that wants a ready database a copy of its own.
On PostgreSQL a template database is migrated and seeded once per session
(``migrated_postgres_template``) and each such test gets a database created from it
(``postgres_database_from``), dropped afterwards. Tests that need an empty database (the migration
tests) still get one: a new schema of their own (``postgres_schema_url``).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import create_engine, make_url, text

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


def _database_url(base_url: str, database: str) -> str:
    return make_url(base_url).set(database=database).render_as_string(hide_password=False)


def migrated_postgres_template(base_url: str) -> Iterator[str]:
    """Yield the name of a new database on ``base_url``'s server, migrated to head and seeded; it
    is dropped afterwards. Nothing stays connected to it, so it can serve as a template."""
    from autotuner.core.settings import Settings
    from autotuner.startup import prepare_database

    name = f"autotuner_template_{uuid.uuid4().hex[:16]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        folder = Path(tempfile.mkdtemp(prefix="autotuner-template-"))
        settings = Settings(data_dir=folder / "data", database_url=_database_url(base_url, name), ui_dir=folder)
        engine, _factory = prepare_database(settings)
        engine.dispose()
        yield name
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def postgres_database_from(base_url: str, template: str) -> Iterator[str]:
    """Yield the URL of a new database created from ``template`` (a copy of its tables and rows);
    it is dropped afterwards, with any connection a test left open."""
    name = f"t_{uuid.uuid4().hex[:16]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    try:
        yield _database_url(base_url, name)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
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
