"""The FastAPI application factory: ``create_app(settings)`` builds one app per database."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware

from autotuner import __version__
from autotuner.accounts.ratelimit import FailureLimiter
from autotuner.core.settings import Settings, get_settings
from autotuner.db.session import on_this_machine
from autotuner.startup import prepare_database
from autotuner.web.deps import AUTHENTICATED
from autotuner.web.docs import mount_docs
from autotuner.web.errors import install_error_handlers
from autotuner.web.help import mount_help
from autotuner.web.preset_list_cache import PresetListCache
from autotuner.web.routes import (
    analytics,
    audit,
    auth,
    events,
    experiments,
    presets,
    runtimes,
    system,
    tasks,
    teams,
    tokens,
    users,
)
from autotuner.web.security import RequestGuard
from autotuner.web.ui import mount_ui

log = logging.getLogger(__name__)

DESCRIPTION = """Autotuner for LLM inference engines (SGLang, vLLM).

**Presets** are named, reusable pieces of a parameter space. Merge several with
`POST /api/presets/merge` (union, intersection, last_wins, deep_merge) and create tuning tasks
from the result. Every error is `{"detail": "<one readable sentence>"}`.
"""


def _api_router() -> APIRouter:
    api = APIRouter()
    api.include_router(auth.router)  # the only API routes that need no sign-in
    # The hot reads authenticate in the session they read in (autotuner.web.deps: ReaderDep,
    # PresetReaderDep); their routers come first, as their paths are also other routers'.
    api.include_router(presets.reads)
    api.include_router(tasks.reads)
    for module in (presets, tasks, events, runtimes, experiments, system, users, teams, tokens, audit, analytics):
        api.include_router(module.router, dependencies=AUTHENTICATED)
    return api


# Every /api route, prepared once per process and shared by every app built in it (the tests build
# hundreds): FastAPI prepares an included route's fields (a pydantic adapter each) the first time
# a request reaches its router, which cost up to 1 s per new app. The routes hold no state.
API = _api_router()


def create_app(settings: Settings | None = None, *, prepare_db: bool = True) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        worker = None
        if settings.embedded_worker and app.state.session_factory is not None:
            from autotuner.runs.executors import make_executor
            from autotuner.runs.worker import Worker

            worker = app.state.worker = Worker(
                app.state.session_factory,
                settings.log_dir,
                allow_command_runtime=settings.allow_command_runtime,
                executor=make_executor(settings),
            )
            worker.start()
        try:
            yield
        finally:
            if worker is not None:
                worker.stop()
            from autotuner.tuning.engine.process import terminate_all

            terminate_all()
            if app.state.engine is not None:
                app.state.engine.dispose()

    app = FastAPI(
        title="Autotuner",
        version=__version__,
        description=DESCRIPTION,
        redirect_slashes=False,
        docs_url=None,  # served by autotuner.web.docs, offline
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = None
    app.state.session_factory = None
    app.state.worker = None
    app.state.preset_list_cache = PresetListCache()
    # Failed sign-ins and token uses per address and user name (in memory, per process).
    app.state.sign_in_limiter = FailureLimiter()
    app.state.inline_reads = False
    if prepare_db:
        app.state.engine, app.state.session_factory = prepare_database(settings)
        # Short reads run on the event loop when the database is on this machine
        # (autotuner.web.deps._inline).
        app.state.inline_reads = on_this_machine(app.state.engine)

    install_error_handlers(app)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["*"],
            allow_headers=["*"],
            allow_credentials=True,
        )
    app.add_middleware(RequestGuard, settings=settings)  # outermost: refuses before anything runs
    app.router.routes.extend(API.routes)
    mount_docs(app)
    mount_help(app, settings.help_dir)
    mount_ui(app, settings.ui_dir)
    return app
