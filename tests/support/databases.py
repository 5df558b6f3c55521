"""Temporary databases: SQLite files, or a schema of its own on PostgreSQL for each test."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from urllib.parse import quote

from sqlalchemy import create_engine, text

TEST_DATABASE_URL = os.environ.get("AUTOTUNER_TEST_DATABASE_URL", "").strip()


def postgres_schema_url(base_url: str) -> Iterator[str]:
    """Yield a URL whose connections use a new, empty schema; the schema is dropped afterwards."""
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
