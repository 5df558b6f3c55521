"""Where experiments run: ``local`` (this machine's device pool, the default) or ``ray`` (the nodes
of a Ray cluster, :mod:`autotuner.runs.ray_executor`). Chosen with ``autotuner serve --executor``
or ``AUTOTUNER_EXECUTOR``."""

from __future__ import annotations

import importlib.util
from typing import TYPE_CHECKING

from autotuner.core.errors import AutotunerError
from autotuner.core.settings import Settings

if TYPE_CHECKING:
    from autotuner.runs.ray_executor import RayExecutor

EXECUTORS = ("local", "ray")
RAY_MISSING = (
    'The ray executor needs Ray, which is not installed: pip install "autotuner[ray]" '
    '(or pip install "ray[default]==2.60.0") on this machine and on every node.'
)


class ExecutorUnavailable(AutotunerError):
    """The chosen executor cannot run (Ray missing, cluster unreachable): said at start."""


def make_executor(settings: Settings) -> RayExecutor | None:
    """The executor the settings choose; None means local (the worker's device pool)."""
    if settings.executor == "local":
        return None
    if importlib.util.find_spec("ray") is None:
        raise ExecutorUnavailable(RAY_MISSING)
    from autotuner.runs.ray_executor import ClusterUnavailable, RayExecutor

    try:
        return RayExecutor(settings.ray_address, resource=settings.ray_resource, retries=settings.ray_retries)
    except ClusterUnavailable as exc:
        raise ExecutorUnavailable(exc.message) from None
