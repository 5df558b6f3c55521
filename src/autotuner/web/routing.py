"""An APIRouter whose every path answers with and without a trailing slash, without redirects."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter


class SlashTolerantRouter(APIRouter):
    def add_api_route(self, path: str, endpoint: Any, **kwargs: Any) -> None:
        super().add_api_route(path, endpoint, **kwargs)
        twin = path[:-1] if path.endswith("/") else path + "/"
        if twin or self.prefix:
            twin_kwargs = dict(kwargs, include_in_schema=False)
            # The twin shares the endpoint; give it its own operation id to keep OpenAPI clean.
            if twin_kwargs.get("operation_id"):
                twin_kwargs["operation_id"] = twin_kwargs["operation_id"] + "_slash"
            super().add_api_route(twin, endpoint, **twin_kwargs)
