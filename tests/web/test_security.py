"""The attacks found against the default set-up, each refused at the door (autotuner.web.security),
and the command runtime off unless the operator turns it on. Every refusal writes nothing."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from support.accounts import LOOPBACK
from support.factories import assert_error
from support.paths import TOY

from autotuner.core.settings import Settings
from autotuner.web.app import create_app

TOY_TASK = {
    "task_name": "owned",
    "model": {"id_or_path": "m"},
    "base_runtime": "command",
    "command": ["/bin/sh", "-c", "id > owned.txt; exec sleep 1 {port}"],
    "parameters": {"x": [1]},
}


@pytest.fixture
def default_settings(tmp_path, database_url) -> Settings:
    """The service as installed: nothing turned on."""
    return Settings(
        data_dir=tmp_path / "data", database_url=database_url, ui_dir=tmp_path / "ui", embedded_worker=False
    )


@pytest.fixture
def bare(default_settings):
    """A client with no CSRF header, at http://localhost (an allowed host)."""
    app = create_app(default_settings)
    with TestClient(app, base_url="http://localhost:8000", client=LOOPBACK) as client:
        yield client
    app.state.engine.dispose()


def preset_names(client) -> list[str]:
    return sorted(p["name"] for p in client.get("/api/presets/").json())


def test_a_foreign_host_is_refused_for_reads_and_writes(bare):
    before = preset_names(bare)
    for method, body in (("GET", None), ("POST", {"name": "x", "parameters": {"a": [1]}})):
        response = bare.request(method, "/api/presets/", json=body, headers={"Host": "evil.example"})
        assert_error(response, 421, "This service does not answer to the host name 'evil.example'")
    assert preset_names(bare) == before
    # Localhost names, with or without a port, are served.
    for host in ("localhost", "127.0.0.1:8000", "[::1]:8000"):
        assert bare.get("/api/presets/", headers={"Host": host}).status_code == 200


def test_allowed_hosts_adds_the_public_name(default_settings):
    app = create_app(default_settings.model_copy(update={"allowed_hosts": ["tuner.example.com"]}))
    with TestClient(app, base_url="http://tuner.example.com", client=LOOPBACK) as client:
        assert client.get("/api/presets/").status_code == 200
        assert client.get("/api/presets/", headers={"Host": "evil.example"}).status_code == 421
    app.state.engine.dispose()


def test_a_text_plain_import_from_another_site_is_refused(bare):
    before = preset_names(bare)
    document = {"version": "1.0", "preset": {"name": "Evil", "parameters": {"tp-size": [1]}}}
    response = bare.post(
        "/api/presets/import",
        content=json.dumps(document),
        headers={"Content-Type": "text/plain", "Origin": "http://evil.example"},
    )
    assert_error(response, 403, "Refused a POST from the web page at http://evil.example")
    # Without an Origin (an old browser), the content type alone refuses it.
    response = bare.post("/api/presets/import", content=json.dumps(document), headers={"Content-Type": "text/plain"})
    assert_error(response, 415, "A POST must send its body as JSON")
    assert preset_names(bare) == before


def test_a_cross_site_form_cannot_overwrite_a_preset(bare):
    created = bare.post(
        "/api/presets/", json={"name": "Mine", "parameters": {"tp-size": [1]}}, headers={"X-Autotuner-CSRF": "1"}
    )
    assert created.status_code == 201
    document = {"version": "1.0", "preset": {"name": "Mine", "parameters": {"tp-size": [8]}}}
    files = {"file": ("p.json", json.dumps(document), "application/json")}
    for headers in ({"Origin": "http://evil.example"}, {"Sec-Fetch-Site": "cross-site"}, {}):
        response = bare.post("/api/presets/import?on_conflict=overwrite", files=files, headers=headers)
        assert response.status_code in (403, 415), response.text
    assert bare.get("/api/presets/mine").json()["parameters"] == {"tp-size": [1]}
    # The UI's own upload carries the CSRF header and goes through.
    ok = bare.post("/api/presets/import?on_conflict=overwrite", files=files, headers={"X-Autotuner-CSRF": "1"})
    assert ok.status_code == 201, ok.text
    assert bare.get("/api/presets/mine").json()["parameters"] == {"tp-size": [8]}


def test_a_body_less_post_needs_the_json_type_or_the_csrf_header(bare):
    task = bare.post(
        "/api/tasks/",
        json={"task_name": "t", "model": {"id_or_path": "m"}, "parameters": {"tp-size": [1]}},
    ).json()
    refused = bare.post(f"/api/tasks/{task['id']}/start")
    assert_error(refused, 415, "A POST must send its body as JSON (Content-Type: application/json, even with no body)")
    assert bare.get(f"/api/tasks/{task['id']}").json()["status"] == "pending"
    from_elsewhere = bare.post(
        f"/api/tasks/{task['id']}/start", headers={"Content-Type": "application/json", "Origin": "http://evil.example"}
    )
    assert_error(from_elsewhere, 403, "Refused a POST from the web page at http://evil.example")
    same_origin = bare.post(
        f"/api/tasks/{task['id']}/start",
        headers={"Content-Type": "application/json", "Origin": "http://localhost:8000"},
    )
    assert same_origin.status_code == 200, same_origin.text


def test_the_command_runtime_is_off_by_default(bare, tmp_path):
    refused = bare.post("/api/tasks/", json=TOY_TASK)
    assert_error(refused, 403, "The 'command' runtime runs any program a task names, and it is off on this service")
    assert bare.get("/api/tasks/").json() == []
    assert not (tmp_path / "owned.txt").exists()


def test_a_command_task_left_from_before_is_neither_started_nor_run(default_settings, tmp_path):
    on = default_settings.model_copy(update={"allow_command_runtime": True})
    app = create_app(on)
    with TestClient(app, base_url="http://localhost", client=LOOPBACK) as client:
        task = client.post(
            "/api/tasks/",
            json={**TOY_TASK, "command": ["{python}", TOY, "--port", "{port}"]},
        ).json()
    app.state.engine.dispose()
    off = create_app(default_settings)
    with TestClient(off, base_url="http://localhost", client=LOOPBACK) as client:
        assert_error(client.post(f"/api/tasks/{task['id']}/start", json={}), 403, "The 'command' runtime")
        assert_error(client.post(f"/api/tasks/{task['id']}/restart", json={}), 403, "The 'command' runtime")
    off.state.engine.dispose()


def test_cors_is_off_unless_origins_are_configured(default_settings):
    preflight = {"Origin": "http://ui.example", "Access-Control-Request-Method": "POST"}
    app = create_app(default_settings)
    with TestClient(app, base_url="http://localhost", client=LOOPBACK) as client:
        answer = client.options("/api/presets/", headers=preflight)
        assert "access-control-allow-origin" not in answer.headers
    app.state.engine.dispose()
    allowed = create_app(default_settings.model_copy(update={"cors_origins": ["http://ui.example"]}))
    with TestClient(allowed, base_url="http://localhost", client=LOOPBACK) as client:
        answer = client.options("/api/presets/", headers=preflight)
        assert answer.headers["access-control-allow-origin"] == "http://ui.example"
        created = client.post(
            "/api/presets/", json={"name": "From UI", "parameters": {"a": [1]}}, headers={"Origin": "http://ui.example"}
        )
        assert created.status_code == 201, created.text
    allowed.state.engine.dispose()


def test_settings_read_comma_separated_lists_from_the_environment(monkeypatch):
    monkeypatch.setenv("AUTOTUNER_ALLOWED_HOSTS", "tuner.example.com, other.example")
    monkeypatch.setenv("AUTOTUNER_CORS_ORIGINS", "http://ui.example")
    settings = Settings()
    assert settings.allowed_hosts == ["tuner.example.com", "other.example"]
    assert settings.cors_origins == ["http://ui.example"] and settings.allow_command_runtime is False


def test_every_api_route_but_sign_in_authenticates_before_it_runs(app, client):
    """Routers are included with the AUTHENTICATED dependency, except sign-in's and the ``reads``
    routers of presets and tasks (the hot reads, which authenticate in the session they read in:
    ``ReaderDep``, ``PresetReaderDep``): no route may be left open, and the hot reads refuse a
    request without credentials once a user exists."""
    from fastapi.routing import iter_route_contexts
    from support.accounts import make_token, make_user

    from autotuner.web.deps import get_actor, get_preset_reader, get_reader

    # Every route as served: an included router's routes with its prefix and its dependencies.
    api_routes = [
        route
        for route in iter_route_contexts(app.routes)
        if (route.path or "").startswith("/api/") and getattr(route, "dependant", None) is not None
    ]
    assert len(api_routes) > 100 and any(route.path == "/api/presets/merge" for route in api_routes)

    def authenticated(route) -> bool:
        return any(d.dependency is get_actor for d in route.dependencies) or any(
            d.call in (get_reader, get_preset_reader) for d in route.dependant.dependencies
        )

    open_routes = [
        route.path for route in api_routes if not route.path.startswith("/api/auth") and not authenticated(route)
    ]
    assert open_routes == []

    assert client.get("/api/presets/balanced").status_code == 200  # single-user mode: the operator
    admin = make_user(app, "hot-read-admin", admin=True)
    for path in (
        "/api/presets/balanced",
        "/api/presets/4/",
        "/api/presets/",
        "/api/tasks/1",
        "/api/tasks/1/experiments",
    ):
        assert_error(client.get(path), 401, "Sign in first")
    # The body of a merge is read after the credentials: an invalid one without them is a 401.
    assert_error(client.post("/api/presets/merge", json={"preset_ids": "nonsense"}), 401, "Sign in first")
    refused = client.get("/api/presets/balanced", headers={"Authorization": "Bearer not-a-token"})
    assert refused.status_code == 401
    allowed = client.get("/api/presets/balanced", headers={"Authorization": f"Bearer {make_token(app, admin)}"})
    assert allowed.status_code == 200 and allowed.json()["slug"] == "balanced"
