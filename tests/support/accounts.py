"""Users, teams and signed-in clients for tests, made through the real services on the app's own
database (no mocks).

    admin = make_user(app, "root", admin=True)     # the first user must be an admin
    alice = make_user(app, "alice")
    team = make_team(app, "ml", {alice: "owner", bob: "viewer"})
    with signed_in(app, alice) as client:           # a TestClient sending alice's bearer token
        client.get("/api/presets/")
    browser = signed_in_browser(app, alice)         # a TestClient holding alice's session cookie

Every client here connects from a loopback address, as a browser or script on the service's own
machine would (Starlette's default peer, "testclient", is no address at all).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

from autotuner.core.actors import Actor
from autotuner.core.enums import TeamRole
from autotuner.db.session import session_scope

LOOPBACK = ("127.0.0.1", 50000)
ELSEWHERE = ("203.0.113.7", 50000)  # a documentation address: another machine
OPERATOR = Actor.operator(allow_command_runtime=True, remote_addr="127.0.0.1")


@dataclass(frozen=True)
class TestUser:
    __test__ = False  # not a test class

    id: int
    username: str
    password: str
    is_admin: bool


def password_of(name: str) -> str:
    return f"{name}-password-1"


def make_user(app: Any, name: str, *, admin: bool = False, password: str | None = None) -> TestUser:
    """A user created by the operator (the first one must be ``admin=True``)."""
    from autotuner.accounts import users

    secret = password or password_of(name)
    with session_scope(app.state.session_factory) as session:
        user = users.create_user(session, OPERATOR, name, secret, is_admin=admin)
        return TestUser(user.id, user.username, secret, user.is_admin)


def make_team(app: Any, name: str, members: Mapping[TestUser, str | TeamRole] | None = None) -> int:
    """A team (made by the operator) with these members and roles; returns its id."""
    from autotuner.accounts import teams

    with session_scope(app.state.session_factory) as session:
        team = teams.create_team(session, OPERATOR, name)
        team_id = team.id
    for user, role in (members or {}).items():
        with session_scope(app.state.session_factory) as session:
            teams.set_member(session, OPERATOR, team_id, user.id, TeamRole(role))
    return team_id


def make_token(app: Any, user: TestUser, name: str = "tests", *, expires_days: int | None = None) -> str:
    """A new API token of ``user``: its secret."""
    from autotuner.accounts import tokens

    with session_scope(app.state.session_factory) as session:
        _, secret = tokens.create_token(session, OPERATOR, name, user_ref=user.id, expires_days=expires_days)
    return secret


def local_client(app: Any, **kwargs: Any) -> TestClient:
    """A TestClient on this machine (a loopback peer), with no credentials: the operator while no
    user exists."""
    kwargs.setdefault("client", LOOPBACK)
    return TestClient(app, **kwargs)


def signed_in(app: Any, user: TestUser, **kwargs: Any) -> TestClient:
    """A TestClient sending ``Authorization: Bearer <a new token of user>`` on every request."""
    headers = {**kwargs.pop("headers", {}), "Authorization": f"Bearer {make_token(app, user)}"}
    return local_client(app, headers=headers, **kwargs)


def sign_in(client: TestClient, user: TestUser) -> dict[str, Any]:
    """Sign ``client`` in through POST /api/auth/login (it then holds the session cookie)."""
    response = client.post("/api/auth/login", json={"username": user.username, "password": user.password})
    assert response.status_code == 200, response.text
    return response.json()


def signed_in_browser(app: Any, user: TestUser, **kwargs: Any) -> TestClient:
    """A TestClient that signed in as ``user`` like the UI does (a session cookie) and marks its
    changes with the CSRF header."""
    headers = {"X-Autotuner-CSRF": "1", **kwargs.pop("headers", {})}
    client = local_client(app, headers=headers, **kwargs)
    sign_in(client, user)
    return client
