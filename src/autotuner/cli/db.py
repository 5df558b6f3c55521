"""``autotuner db ...``: database maintenance."""

from __future__ import annotations

from autotuner.cli.base import Command, new_group, open_session
from autotuner.cli.output import console
from autotuner.core.settings import get_settings

app = new_group("Database maintenance.")


@app.command("upgrade", cls=Command)
def db_upgrade() -> None:
    """Apply the database migrations (the service also does it at start-up)."""
    # Imported here: Alembic and SQLAlchemy (~0.3 s) are not needed for `autotuner --help`.
    from autotuner.db import migrate

    settings = get_settings()
    with open_session(settings):
        pass
    console.print(
        f"Database {settings.resolved_database_url} is at revision {migrate.head_revision()}.",
        highlight=False,
        markup=False,
    )
