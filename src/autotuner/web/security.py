"""The door: requests that must not reach the API, refused before any route runs.

- a URL holding a NUL character (PostgreSQL cannot store or compare it);
- a ``Host`` the service does not serve: only localhost names and the configured ones
  (``AUTOTUNER_ALLOWED_HOSTS``), so that DNS rebinding cannot turn a page on another site into a
  same-origin client;
- a state-changing request (POST, PUT, PATCH, DELETE) from a foreign ``Origin`` (or marked
  ``Sec-Fetch-Site: cross-site``), unless the origin is configured (``AUTOTUNER_CORS_ORIGINS``);
- a state-changing request that a page on another site could send without a CORS preflight: it
  must have a JSON body type (``Content-Type: application/json``), or the ``X-Autotuner-CSRF``
  header (any value; the UI sends it with its file uploads), or an ``Authorization`` header. A
  cross-site form or ``text/plain`` fetch can do none of these.

A pure ASGI middleware: one pass over the headers, nothing read from the body.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from autotuner.core.settings import Settings

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
CSRF_HEADER = "x-autotuner-csrf"
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def host_name(host: str) -> str:
    """``localhost:8000`` -> ``localhost``; ``[::1]:8000`` -> ``::1``; lower case."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


class RequestGuard:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.hosts = LOCAL_HOSTS | {host_name(h) for h in settings.allowed_hosts}
        self.origins = frozenset(o.rstrip("/").lower() for o in settings.cors_origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = self.refusal(scope)
        if refusal is None:
            await self.app(scope, receive, send)
            return
        status, detail = refusal
        body = json.dumps({"detail": detail}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})

    def refusal(self, scope: Scope) -> tuple[int, str] | None:
        """``(status, sentence)`` when the request must be refused, else None."""
        raw = scope.get("query_string", b"") + scope.get("raw_path", b"")
        if b"%00" in raw or b"\x00" in raw:
            return 422, "The URL contains a NUL character (%00): remove it and send again."
        headers: dict[bytes, bytes] = {}
        for key, value in scope.get("headers", ()):
            headers.setdefault(key.lower(), value)
        host = headers.get(b"host", b"").decode("latin-1")
        if host_name(host) not in self.hosts:
            shown = host or "(none)"
            return 421, (
                f"This service does not answer to the host name '{shown}': use http://localhost or a name "
                "the operator listed in AUTOTUNER_ALLOWED_HOSTS."
            )
        if scope.get("method", "GET") not in STATE_CHANGING:
            return None
        origin = headers.get(b"origin", b"").decode("latin-1").strip().lower()
        if origin:
            same = f"{scope.get('scheme', 'http')}://{host.strip().lower()}"
            if origin != same and origin.rstrip("/") not in self.origins:
                return 403, (
                    f"Refused a {scope['method']} from the web page at {origin}: this service accepts changes "
                    "only from its own pages (an operator can allow an origin with AUTOTUNER_CORS_ORIGINS)."
                )
        elif headers.get(b"sec-fetch-site", b"") == b"cross-site":
            return 403, f"Refused a cross-site {scope['method']}: this service accepts changes only from its own pages."
        content_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        if content_type == b"application/json" or CSRF_HEADER.encode() in headers or b"authorization" in headers:
            return None
        shown_type = content_type.decode("latin-1") or "none"
        return 415, (
            f"A {scope['method']} must send its body as JSON (Content-Type: application/json, even with no body) "
            f"or carry the X-Autotuner-CSRF header; this one had content type {shown_type}."
        )
