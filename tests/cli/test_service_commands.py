"""``autotuner db upgrade``, ``autotuner openapi`` and ``--version``."""

from __future__ import annotations

import json

from support.cli import run

from autotuner import __version__


def test_version_prints_the_package_version():
    assert run("--version").stdout.strip() == f"autotuner {__version__}"


def test_db_upgrade_reports_revision(cli_env, database_url, monkeypatch):
    from autotuner.core.settings import get_settings
    from autotuner.db import migrate
    from autotuner.db.session import make_engine

    # An empty database (cli_env's is migrated already): the command migrates it.
    monkeypatch.setenv("AUTOTUNER_DATABASE_URL", database_url)
    get_settings.cache_clear()
    result = run("db", "upgrade")
    assert f"revision {migrate.head_revision()}" in result.stdout
    engine = make_engine(database_url)
    try:
        assert migrate.current_revision(engine) == migrate.head_revision()
    finally:
        engine.dispose()


def test_openapi_lists_the_preset_paths():
    schema = json.loads(run("openapi").stdout)
    for path in (
        "/api/presets/",
        "/api/presets/{preset_id}",
        "/api/presets/merge",
        "/api/presets/import",
        "/api/presets/{preset_id}/export",
    ):
        assert path in schema["paths"], path
