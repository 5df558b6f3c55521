"""Domain errors raised by the services.

Each carries one readable sentence saying what was wrong and what to do. The web layer maps
them to HTTP status codes in one place (``autotuner.web.errors``); the CLI prints the same
sentence and exits non-zero.
"""

from __future__ import annotations

from typing import Any


class AutotunerError(Exception):
    """Base of every error a user can cause. ``status_code`` is the HTTP mapping."""

    status_code = 400

    def __init__(self, message: str, *, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors


class NotFound(AutotunerError):
    status_code = 404


class PresetNotFound(NotFound):
    pass


class Forbidden(AutotunerError):
    """The caller may not do this (a role, a protected object, a feature the operator left off)."""

    status_code = 403


class SystemPresetProtected(Forbidden):
    pass


class NameConflict(AutotunerError):
    status_code = 409


class ValidationFailed(AutotunerError):
    status_code = 422


class InvalidParameters(ValidationFailed):
    pass


class InvalidMergeStrategy(ValidationFailed):
    pass


class ImportValidationFailed(ValidationFailed):
    pass


class PayloadTooLarge(AutotunerError):
    status_code = 413


class PreconditionFailed(AutotunerError):
    """The caller's copy is stale: the object changed since it was loaded (If-Match, ``version``)."""

    status_code = 412


class InvalidState(AutotunerError):
    """The object exists but its state forbids the action (e.g. deleting a running task)."""

    status_code = 409


class Unauthorized(AutotunerError):
    """The request carries no valid credentials: sign in, or send a valid API token."""

    status_code = 401
    headers: dict[str, str] = {"WWW-Authenticate": "Bearer"}  # noqa: RUF012 - read-only


class TooManyAttempts(AutotunerError):
    """Too many failed sign-ins or token uses from one address or for one user."""

    status_code = 429

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.headers = {"Retry-After": str(retry_after)}
