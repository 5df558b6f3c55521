"""Objects made through the real API, and the check every error answer must pass."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from httpx import Response

PARAMETERS = {"tp-size": [4, 8], "mem-fraction-static": [0.85]}


def assert_error(response: Response, status: int, starts_with: str = "") -> dict[str, Any]:
    """The answer is ``status`` with ``{"detail": "<sentence>"}`` starting with ``starts_with``."""
    assert response.status_code == status, response.text
    body = response.json()
    assert isinstance(body["detail"], str) and body["detail"], body
    assert body["detail"].startswith(starts_with), body["detail"]
    return body


def create_preset(client: TestClient, name: str = "My Custom Preset", **extra: Any) -> dict[str, Any]:
    """A custom preset created with POST /api/presets/ (201 asserted)."""
    body: dict[str, Any] = {"name": name, "category": "custom", "parameters": PARAMETERS}
    body.update(extra)
    response = client.post("/api/presets/", json=body)
    assert response.status_code == 201, response.text
    return response.json()


MODEL = {"id_or_path": "meta-llama/Llama-3.1-8B-Instruct"}


def create_task(client: TestClient, body: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    """A task created with POST /api/tasks/ (201 asserted) from ``body`` and/or ``fields``;
    ``task_name`` defaults to "t" and ``model`` to a Llama id."""
    payload = {"task_name": "t", "model": MODEL, **(body or {}), **fields}
    response = client.post("/api/tasks/", json=payload)
    assert response.status_code == 201, response.text
    return response.json()
