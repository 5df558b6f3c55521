"""The errors of starting an engine."""

from __future__ import annotations

from autotuner.core.errors import AutotunerError


class LaunchError(AutotunerError):
    """The engine could not be started, exited early, or never became ready."""


class LaunchCancelled(AutotunerError):
    """The experiment was cancelled while the engine was starting."""
