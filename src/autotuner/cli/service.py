"""``autotuner serve``, ``autotuner worker`` and ``autotuner openapi``: the web service, the
tuning worker on its own, and the service's schema. ``autotuner.cli.app`` registers them.

The web app, Uvicorn and the worker are imported inside the commands: together they take over a
second to import, which ``autotuner --help`` should not wait for.
"""

from __future__ import annotations

from typing import Annotated

import typer

from autotuner import __version__
from autotuner.cli.base import fail
from autotuner.cli.output import console, print_json
from autotuner.core.settings import get_settings


def serve(
    host: Annotated[str, typer.Option(envvar="AUTOTUNER_HOST", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(envvar="AUTOTUNER_PORT", help="Port to listen on.")] = 8000,
) -> None:
    """Serve the API (docs at /docs) and the built web UI on one port."""
    import uvicorn

    from autotuner.startup import configure_logging
    from autotuner.web.app import create_app

    settings = get_settings()
    log_file = configure_logging(settings)
    try:
        application = create_app(settings)
    except Exception as exc:
        fail(f"Cannot start: the database {settings.resolved_database_url!r} is not usable ({exc}).")
    console.print(
        f"Autotuner {__version__}: database {settings.resolved_database_url}\n"
        f"  UI  http://{host}:{port}/\n  API http://{host}:{port}/docs\n  log {log_file}"
        + (
            ""
            if settings.embedded_worker
            else "\n  tuning worker: off (AUTOTUNER_EMBEDDED_WORKER=false); run `autotuner worker`"
        ),
        highlight=False,
        markup=False,
    )
    uvicorn.run(application, host=host, port=port, log_level="info")


def worker(
    poll: Annotated[float, typer.Option(metavar="SECONDS", help="Seconds between looks for started tasks.")] = 1.0,
) -> None:
    """Run the tuning worker alone (when `autotuner serve` runs with AUTOTUNER_EMBEDDED_WORKER=false).

    One worker per database: do not run it beside a serve that embeds one."""
    import signal

    from autotuner.runs.worker import Worker
    from autotuner.startup import configure_logging, prepare_database
    from autotuner.tuning.engine.process import terminate_all

    settings = get_settings()
    log_file = configure_logging(settings)
    try:
        engine, factory = prepare_database(settings)
    except Exception as exc:
        fail(f"Cannot open the database {settings.resolved_database_url!r}: {exc}")
    runner = Worker(factory, settings.log_dir, allow_command_runtime=settings.allow_command_runtime, poll_interval=poll)
    console.print(
        f"Worker on {settings.resolved_database_url} (log {log_file}); Ctrl-C stops it.", highlight=False, markup=False
    )

    def _stop(_signum: int, _frame: object) -> None:
        runner.stop()

    signal.signal(signal.SIGTERM, _stop)
    try:
        runner.start()
        while runner._thread is not None and runner._thread.is_alive():
            runner._thread.join(0.5)
    except KeyboardInterrupt:
        runner.stop()
    finally:
        terminate_all()
        engine.dispose()


def openapi() -> None:
    """Print the OpenAPI schema of the service (used to generate the UI's API types)."""
    from autotuner.web.app import create_app

    print_json(create_app(get_settings(), prepare_db=False).openapi())
