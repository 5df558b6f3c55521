"""One place that turns every error into ``{"detail": "<one readable sentence>"}``."""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from autotuner.core.errors import AutotunerError
from autotuner.core.requests import UNKNOWN_FIELD_ERROR
from autotuner.core.sentences import validation_sentence

log = logging.getLogger(__name__)


class ErrorItem(BaseModel):
    loc: list[str | int] = Field(default_factory=list)
    msg: str
    type: str | None = None


class ErrorResponse(BaseModel):
    """Every error the API returns."""

    detail: str = Field(description="One readable sentence: what was wrong and what to do.")
    errors: list[ErrorItem] | None = Field(default=None, description="Field-level detail, when there is any.")


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorResponse, "description": text}
    for code, text in {
        401: "Not signed in, or an API token that is unknown, revoked or expired (sign in or send a valid token)",
        403: "Forbidden (e.g. a system preset is read-only, or a change sent from another site)",
        404: "Not found",
        409: "Conflict (e.g. the name is taken)",
        412: "Precondition failed: the object changed since it was loaded (If-Match or 'version')",
        413: "Too large",
        415: "A change sent neither as JSON nor with the X-Autotuner-CSRF header",
        421: "A host name this service does not answer to",
        422: "Invalid input",
        429: "Too many failed sign-ins or token uses: wait the seconds the Retry-After header gives",
    }.items()
}


def error_body(detail: str, errors: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"detail": detail}
    if errors:
        body["errors"] = errors
    return body


def _clean(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    cleaned = []
    for error in errors[:50]:
        loc = [p if isinstance(p, (str, int)) else str(p) for p in error.get("loc", ())]
        if error.get("type") == UNKNOWN_FIELD_ERROR:  # the key is in ctx: name it in the location too
            loc.append(str((error.get("ctx") or {}).get("field", "")))
        cleaned.append(
            {
                "loc": loc,
                "msg": str(error.get("msg", "")),
                "type": str(error.get("type", "")),
            }
        )
    return cleaned


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route accepts on this path (Starlette names only the first route's)."""
    allowed = []
    for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        scope = {**request.scope, "method": method}
        if any(route.matches(scope)[0] == Match.FULL for route in request.app.router.routes):
            allowed.append(method)
    return allowed


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AutotunerError)
    async def _domain_error(_request: Request, exc: AutotunerError) -> JSONResponse:
        headers: dict[str, str] | None = getattr(exc, "headers", None)
        return JSONResponse(error_body(exc.message, exc.errors), status_code=exc.status_code, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = list(exc.errors())
        return JSONResponse(error_body(validation_sentence(errors), _clean(errors)), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        detail = exc.detail
        spa = getattr(request.app.state, "spa_fallback", None)
        if (
            exc.status_code == 404
            and spa is not None
            and request.method in ("GET", "HEAD")
            and not request.url.path.startswith("/api")
        ):
            page: Response = spa(request.url.path)
            return page
        if exc.status_code == 400 and detail == "There was an error parsing the body":
            return JSONResponse(
                error_body(
                    "The request body could not be parsed: send valid JSON (UTF-8) or a well-formed multipart form."
                ),
                status_code=422,
            )
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"No such endpoint: {request.method} {request.url.path}; see /docs for the API."
        elif exc.status_code == 405:
            allowed = _allowed_methods(request)
            headers = {**(exc.headers or {}), "Allow": ", ".join(allowed)}
            detail = (
                f"Method {request.method} is not allowed on {request.url.path}: "
                f"use {', '.join(allowed)}; see /docs for the API."
            )
            return JSONResponse(error_body(detail), status_code=405, headers=headers)
        elif not isinstance(detail, str):
            detail = json.dumps(detail)
        return JSONResponse(error_body(str(detail)), status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("Unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse(
            error_body(f"Internal error ({type(exc).__name__}): the service logged it; please report it."),
            status_code=500,
        )


# Routes answering text/plain (logs) still send their errors as JSON: say so in the schema.
TEXT_ROUTE_ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {**spec, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}}}
    for code, spec in ERROR_RESPONSES.items()
}
