"""``autotuner serve``, ``autotuner worker`` and ``autotuner openapi``: the web service, the
tuning worker on its own, and the service's schema. ``autotuner.cli.app`` registers them.

The web app, Uvicorn and the worker are imported inside the commands: together they take over a
second to import, which ``autotuner --help`` should not wait for.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from autotuner import __version__
from autotuner.cli.base import fail
from autotuner.cli.output import console, print_json, print_warning
from autotuner.core.settings import get_settings


def loopback_host(host: str) -> bool:
    """Whether listening on ``host`` reaches this machine only (localhost, 127.x.y.z, ::1)."""
    import ipaddress

    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False  # a host name: it may be any interface


# Shared by serve and worker: where experiments run.
ExecutorOption = Annotated[
    str,
    typer.Option(
        envvar="AUTOTUNER_EXECUTOR",
        metavar="local|ray",
        help="Where experiments run: local (this machine's GPUs) or ray (the nodes of a Ray cluster).",
    ),
]
RayAddressOption = Annotated[
    str,
    typer.Option(
        envvar="AUTOTUNER_RAY_ADDRESS",
        metavar="ADDRESS",
        help="With --executor ray: auto (the cluster this machine joined), host:port or ray://host:10001.",
    ),
]


def serve(
    host: Annotated[str, typer.Option(envvar="AUTOTUNER_HOST", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(envvar="AUTOTUNER_PORT", help="Port to listen on.")] = 8000,
    insecure: Annotated[
        bool,
        typer.Option(
            "--insecure",
            help="Listen on another address although no user exists: anyone who reaches the port acts as the operator.",
        ),
    ] = False,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            envvar="AUTOTUNER_WORKERS",
            help="Web processes answering requests (Uvicorn workers); the tuning worker runs once, in the main process.",
        ),
    ] = 1,
    executor: ExecutorOption = "local",
    ray_address: RayAddressOption = "auto",
) -> None:
    """Serve the API (docs at /docs) and the built web UI on one port.

    While no user exists, only this machine is served, without a sign-in (single-user mode); listening on an address other than localhost is refused then: create the first admin with `autotuner users create NAME --admin`, or pass --insecure."""
    import logging

    import uvicorn

    from autotuner.startup import configure_logging
    from autotuner.web.app import create_app

    settings = _with_executor(get_settings(), executor, ray_address)
    if insecure:
        settings = settings.model_copy(update={"insecure": True})
    try:
        application = create_app(settings)
    except Exception as exc:
        fail(f"Cannot start: the database {settings.resolved_database_url!r} is not usable ({exc}).")
    if not loopback_host(host) and not _users_exist(application):
        if not settings.insecure:
            application.state.engine.dispose()
            fail(
                f"Refusing to listen on {host}: this service has no users yet, so nobody could sign in from "
                "another machine. Create the first admin with `autotuner users create NAME --admin` (then everyone "
                "signs in), or pass --insecure to let anyone who reaches the port act as the operator."
            )
        warning = (
            f"INSECURE: listening on {host} with no users and --insecure: anyone who reaches port {port} acts as "
            "the operator and can run tasks. Create the first admin with `autotuner users create NAME --admin`."
        )
        print_warning(warning)
        configure_logging(settings)
        logging.getLogger("autotuner").warning(warning)
    log_file = configure_logging(settings)
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
    if workers == 1:
        uvicorn.run(application, host=host, port=port, log_level="info")
    else:
        _serve_processes(application, settings, host, port, workers)


def _serve_processes(application: Any, settings: Any, host: str, port: int, workers: int) -> None:
    """``--workers N``: N Uvicorn processes answer requests, each building the app from the
    environment (so they get --insecure and no worker of their own from it); the tuning worker
    runs in this process only, on the database the checks above opened and migrated. Exactly one
    worker per database, as ``Worker`` needs: it runs every started task it has no thread for."""
    import os

    import uvicorn

    from autotuner.runs.executors import make_executor
    from autotuner.runs.worker import Worker
    from autotuner.tuning.engine.process import terminate_all

    os.environ["AUTOTUNER_EMBEDDED_WORKER"] = "false"
    if settings.insecure:
        os.environ["AUTOTUNER_INSECURE"] = "true"
    # The web processes show the same executor (GET /api/system) as the one tuning worker uses.
    os.environ["AUTOTUNER_EXECUTOR"] = settings.executor
    os.environ["AUTOTUNER_RAY_ADDRESS"] = settings.ray_address
    tuning = None
    if settings.embedded_worker:
        tuning = Worker(
            application.state.session_factory,
            settings.log_dir,
            allow_command_runtime=settings.allow_command_runtime,
            executor=make_executor(settings),
        )
        tuning.start()
    try:
        uvicorn.run(
            "autotuner.web.app:create_app", factory=True, host=host, port=port, workers=workers, log_level="info"
        )
    finally:
        if tuning is not None:
            tuning.stop()
        terminate_all()
        application.state.engine.dispose()


def _with_executor(settings: Any, executor: str, ray_address: str) -> Any:
    """The settings with the chosen executor, checked now: Ray installed, its cluster reachable."""
    from autotuner.runs.executors import EXECUTORS, ExecutorUnavailable, make_executor

    if executor not in EXECUTORS:
        fail(f"Unknown executor {executor!r}: use local or ray.")
    settings = settings.model_copy(update={"executor": executor, "ray_address": ray_address})
    if executor == "ray":
        try:
            runner = make_executor(settings)
        except ExecutorUnavailable as exc:
            fail(exc.message)
        assert runner is not None
        console.print(
            f"Experiments run on the Ray cluster at {ray_address}: {len(runner.cluster()['nodes'])} node(s), "
            f"{runner.capacity()} {runner.resource or 'GPU'}(s).",
            highlight=False,
            markup=False,
        )
    return settings


def _users_exist(application: Any) -> bool:
    from autotuner.accounts.users import users_exist
    from autotuner.db.session import session_scope

    with session_scope(application.state.session_factory) as session:
        return users_exist(session)


def worker(
    poll: Annotated[float, typer.Option(metavar="SECONDS", help="Seconds between looks for started tasks.")] = 1.0,
    executor: ExecutorOption = "local",
    ray_address: RayAddressOption = "auto",
) -> None:
    """Run the tuning worker alone (when `autotuner serve` runs with AUTOTUNER_EMBEDDED_WORKER=false).

    One worker per database: do not run it beside a serve that embeds one."""
    import signal

    from autotuner.runs.executors import make_executor
    from autotuner.runs.worker import Worker
    from autotuner.startup import configure_logging, prepare_database
    from autotuner.tuning.engine.process import terminate_all

    settings = _with_executor(get_settings(), executor, ray_address)
    log_file = configure_logging(settings)
    try:
        engine, factory = prepare_database(settings)
    except Exception as exc:
        fail(f"Cannot open the database {settings.resolved_database_url!r}: {exc}")
    runner = Worker(
        factory,
        settings.log_dir,
        allow_command_runtime=settings.allow_command_runtime,
        poll_interval=poll,
        executor=make_executor(settings),
    )
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
