"""Users, sign-in, tokens, teams and the audit log over HTTP (TestClient on the real app and
database; SQLite, or PostgreSQL with -m db)."""

from __future__ import annotations

import logging
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select, update
from support.accounts import (
    ELSEWHERE,
    LOOPBACK,
    local_client,
    make_team,
    make_token,
    make_user,
    sign_in,
    signed_in,
    signed_in_browser,
)
from support.factories import assert_error

from autotuner.accounts.tokens import digest
from autotuner.db.base import utcnow
from autotuner.db.models import ApiToken, WebSession
from autotuner.db.session import session_scope

SIGN_IN_FIRST = "Sign in first: this service has users"


def create_user(client, name: str, *, admin: bool = False, password: str | None = None):
    return client.post(
        "/api/users/", json={"username": name, "password": password or f"{name}-password-1", "is_admin": admin}
    )


# --- single-user mode and the first admin ------------------------------------------------------


def test_single_user_mode_serves_this_machine_only(app, client):
    assert client.get("/api/presets/").status_code == 200
    assert client.get("/api/auth/me").json() == {"mode": "single-user", "user": None, "teams": []}
    with TestClient(app, client=ELSEWHERE) as remote:
        refused = remote.get("/api/presets/")
        assert_error(refused, 401, "Sign in first: this service has no users yet")
        assert refused.headers["www-authenticate"] == "Bearer"
        assert remote.get("/api/auth/me").json()["mode"] == "signed-out"
    # IPv6 loopback and IPv4-mapped loopback are this machine too.
    for peer in ("::1", "::ffff:127.0.0.1"):
        with TestClient(app, client=(peer, 1)) as local:
            assert local.get("/api/presets/").status_code == 200


def test_insecure_serves_other_machines_while_no_user_exists(app, settings):
    from autotuner.web.app import create_app

    open_app = create_app(settings.model_copy(update={"insecure": True}))
    try:
        with TestClient(open_app, client=ELSEWHERE) as remote:
            assert remote.get("/api/presets/").status_code == 200
            make_user(open_app, "root", admin=True)
            # Once a user exists, --insecure changes nothing: everyone signs in.
            assert_error(remote.get("/api/presets/"), 401, SIGN_IN_FIRST)
    finally:
        open_app.state.engine.dispose()


def test_creating_the_first_admin_switches_sign_in_on(app, client):
    refused = create_user(client, "alice")
    assert_error(refused, 422, "The first user must be an admin")
    created = create_user(client, "Alice", admin=True)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["username"] == "alice" and body["is_admin"] and not body["disabled"]
    assert set(body) == {"id", "username", "is_admin", "disabled", "created_at"}
    # The same loopback client, without credentials, is now refused everywhere but /api/auth.
    for path in ("/api/presets/", "/api/tasks/", "/api/runtimes/", "/api/system/", "/api/users/", "/api/audit/"):
        response = client.get(path)
        assert_error(response, 401, SIGN_IN_FIRST)
        assert response.headers["www-authenticate"] == "Bearer"
    assert_error(create_user(client, "mallory", admin=True), 401, SIGN_IN_FIRST)
    assert client.get("/api/auth/me").json() == {"mode": "signed-out", "user": None, "teams": []}
    # Static pages and the API's documentation stay public: the UI must load to show its sign-in page.
    assert client.get("/openapi.json").status_code == 200


# --- signing in and out ------------------------------------------------------------------------


def test_login_sets_a_strict_http_only_cookie_and_me_tells_who(app):
    root = make_user(app, "root", admin=True)
    team = make_team(app, "ml", {root: "owner"})
    with local_client(app) as browser:
        answer = browser.post("/api/auth/login", json={"username": "ROOT", "password": root.password})
        assert answer.status_code == 200, answer.text
        assert answer.json()["mode"] == "signed-in" and answer.json()["user"]["username"] == "root"
        cookie = answer.headers["set-cookie"]
        parts = [p.strip().lower() for p in cookie.split(";")]
        assert parts[0].startswith("autotuner_session=")
        assert {"httponly", "samesite=strict", "path=/", "max-age=43200"} <= set(parts)
        assert "secure" not in parts  # plain http: a Secure cookie would not come back
        me = browser.get("/api/auth/me").json()
        assert me["mode"] == "signed-in" and me["user"]["is_admin"] is True
        assert me["teams"] == [{"id": team, "name": "ml", "created_at": me["teams"][0]["created_at"], "role": "owner"}]
        assert browser.get("/api/presets/").status_code == 200
        # Changes from the browser carry the CSRF header (the door refuses them otherwise).
        assert browser.post("/api/teams/", json={"name": "t2"}, headers={"X-Autotuner-CSRF": "1"}).status_code == 201
    with TestClient(app, client=LOOPBACK, base_url="https://localhost") as secure:
        answer = secure.post("/api/auth/login", json={"username": "root", "password": root.password})
        assert "secure" in [p.strip().lower() for p in answer.headers["set-cookie"].split(";")]


def test_logout_ends_the_session_and_its_cookie_is_refused_after(app):
    root = make_user(app, "root", admin=True)
    browser = signed_in_browser(app, root)
    cookie = browser.cookies.get("autotuner_session")
    assert cookie and browser.get("/api/presets/").status_code == 200
    out = browser.post("/api/auth/logout", json={})
    assert out.status_code == 204
    assert 'autotuner_session=""' in out.headers["set-cookie"] or "max-age=0" in out.headers["set-cookie"].lower()
    with local_client(app, cookies={"autotuner_session": cookie}) as replay:
        assert_error(replay.get("/api/presets/"), 401, "Your session has ended")
        assert replay.get("/api/auth/me").json()["mode"] == "signed-out"
    with session_scope(app.state.session_factory) as session:
        assert session.scalars(select(WebSession)).all() == []


def test_an_expired_session_is_refused(app):
    root = make_user(app, "root", admin=True)
    browser = signed_in_browser(app, root)
    with session_scope(app.state.session_factory) as session:
        session.execute(update(WebSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert_error(browser.get("/api/presets/"), 401, "Your session has ended")


def test_a_wrong_password_and_an_unknown_name_get_the_same_answer(app):
    make_user(app, "root", admin=True, password="right-password")
    with local_client(app) as client:
        wrong = client.post("/api/auth/login", json={"username": "root", "password": "wrong-password"})
        unknown = client.post("/api/auth/login", json={"username": "nobody", "password": "wrong-password"})
        for answer in (wrong, unknown):
            assert_error(answer, 401, "Wrong user name or password: check both and sign in again.")
            assert "set-cookie" not in answer.headers
        assert wrong.json() == unknown.json()


def test_failed_sign_ins_are_limited_per_address_and_per_name(app):
    root = make_user(app, "root", admin=True)
    make_user(app, "bob")
    with local_client(app) as client:
        for _ in range(10):
            assert client.post("/api/auth/login", json={"username": "root", "password": "guess-123"}).status_code == 401
        limited = client.post("/api/auth/login", json={"username": "root", "password": root.password})
        body = assert_error(limited, 429, "Too many failed sign-ins from this address or for this user name: try again")
        assert body["detail"].endswith(" seconds.") and 0 < int(limited.headers["retry-after"]) <= 300
        # Another name from the same address is refused too (the address is over its limit) ...
        assert client.post("/api/auth/login", json={"username": "bob", "password": "bob-password-1"}).status_code == 429
    # ... and the same name from another address (the name is over its limit).
    with TestClient(app, client=("127.0.0.2", 1)) as other:
        assert other.post("/api/auth/login", json={"username": "root", "password": root.password}).status_code == 429
        assert other.post("/api/auth/login", json={"username": "bob", "password": "bob-password-1"}).status_code == 200


# --- tokens ------------------------------------------------------------------------------------


def test_a_token_is_shown_once_and_works_as_a_bearer(app):
    root = make_user(app, "root", admin=True)
    with signed_in(app, root) as admin:
        created = admin.post("/api/tokens/", json={"name": "ci", "expires_days": 30})
        assert created.status_code == 201, created.text
        secret = created.json()["secret"]
        token = created.json()["token"]
        assert secret.startswith("att_") and len(secret) > 40 and token["prefix"] == secret[:12]
        assert token["user"] == "root" and token["expires_at"] and token["last_used_at"] is None
        listed = admin.get("/api/tokens/").json()
        assert {t["name"] for t in listed} == {"tests", "ci"} and all("secret" not in t for t in listed)
        assert secret not in admin.get("/api/tokens/").text
    with session_scope(app.state.session_factory) as session:
        stored = session.scalars(select(ApiToken).where(ApiToken.name == "ci")).one()
        assert stored.token_hash == digest(secret) and secret not in (stored.token_hash, stored.prefix)
    with local_client(app, headers={"Authorization": f"Bearer {secret}"}) as script:
        assert script.get("/api/presets/").status_code == 200
        assert script.get("/api/auth/me").json()["user"]["username"] == "root"


def test_revoked_expired_unknown_and_malformed_tokens_are_refused(app):
    root = make_user(app, "root", admin=True)
    bob = make_user(app, "bob")
    revoked, expired, disabled = (
        make_token(app, root, "old"),
        make_token(app, root, "dated", expires_days=1),
        make_token(app, bob),
    )
    with signed_in(app, root) as admin:
        token_id = next(t["id"] for t in admin.get("/api/tokens/").json() if t["name"] == "old")
        assert admin.delete(f"/api/tokens/{token_id}").status_code == 204
        listed = next(t for t in admin.get("/api/tokens/").json() if t["name"] == "old")
        assert listed["revoked_at"] is not None
        assert admin.patch("/api/users/bob", json={"disabled": True}).status_code == 200
    with session_scope(app.state.session_factory) as session:
        session.execute(
            update(ApiToken).where(ApiToken.name == "dated").values(expires_at=utcnow() - timedelta(minutes=1))
        )
    cases = [
        (f"Bearer {revoked}", "This API token ('old') was revoked on "),
        (f"Bearer {expired}", "This API token ('dated') expired on "),
        (f"Bearer {disabled}", "The user 'bob' of this API token is disabled"),
        ("Bearer att_not-a-token", "This API token is not known"),
        (f"Basic {revoked}", "The Authorization header must be 'Bearer <token>'"),
        ("Bearer ", "The Authorization header must be 'Bearer <token>'"),
    ]
    for header, start in cases:
        with local_client(app, headers={"Authorization": header}) as script:
            response = script.get("/api/presets/")
            assert_error(response, 401, start)
            assert response.headers["www-authenticate"] == "Bearer"


def test_refused_tokens_are_limited_per_address(app):
    root = make_user(app, "root", admin=True)
    good = make_token(app, root)
    with local_client(app, headers={"Authorization": "Bearer att_guess"}) as guesser:
        for _ in range(10):
            assert guesser.get("/api/presets/").status_code == 401
        assert_error(guesser.get("/api/presets/"), 429, "Too many refused API tokens from this address: try again in")
        # Even a good token from that address waits; from another address it works.
        assert guesser.get("/api/presets/", headers={"Authorization": f"Bearer {good}"}).status_code == 429
        # Browser sign-ins are counted apart from tokens.
        assert sign_in(guesser, root)["mode"] == "signed-in"
    with TestClient(app, client=("127.0.0.3", 1), headers={"Authorization": f"Bearer {good}"}) as other:
        assert other.get("/api/presets/").status_code == 200


def test_the_last_use_of_a_token_is_recorded(app):
    root = make_user(app, "root", admin=True)
    with signed_in(app, root) as admin:
        before = utcnow()
        token = admin.get("/api/tokens/").json()[0]
        # The listing request itself used the token.
        assert token["last_used_at"] is not None
        with session_scope(app.state.session_factory) as session:
            stored = session.scalars(select(ApiToken)).one()
            assert stored.last_used_at >= before - timedelta(seconds=1)


def test_only_an_admin_makes_a_token_for_another_user(app):
    root = make_user(app, "root", admin=True)
    bob = make_user(app, "bob")
    make_user(app, "carol")
    with signed_in(app, bob) as client:
        assert_error(client.post("/api/tokens/", json={"name": "x", "user": "carol"}), 403, "Only an admin may create")
        mine = client.post("/api/tokens/", json={"name": "mine"}).json()
        assert mine["token"]["user"] == "bob"
        assert {t["user"] for t in client.get("/api/tokens/").json()} == {"bob"}
        assert_error(client.get("/api/tokens/?user=root"), 403, "Only an admin may list another user's tokens")
    with signed_in(app, root) as admin:
        made = admin.post("/api/tokens/", json={"name": "for carol", "user": "carol"}).json()
        assert made["token"]["user"] == "carol"
        root_token_id = next(t["id"] for t in admin.get("/api/tokens/?user=root").json())
    with signed_in(app, bob) as client:
        # Someone else's token does not exist for bob.
        assert_error(client.delete(f"/api/tokens/{root_token_id}"), 404, "Token not found")


# --- users, teams, audit -----------------------------------------------------------------------


def test_users_are_managed_by_admins_and_passwords_by_their_owners(app):
    root = make_user(app, "root", admin=True)
    bob = make_user(app, "bob")
    with signed_in(app, bob) as client:
        assert_error(client.get("/api/users/"), 403, "Only an admin may manage users")
        assert_error(create_user(client, "carol"), 403, "Only an admin may manage users")
        assert_error(client.patch("/api/users/root", json={"disabled": True}), 403)
        wrong = client.post("/api/users/me/password", json={"current_password": "nope", "new_password": "new-pass-1"})
        assert_error(wrong, 403, "The current password is wrong")
    other = signed_in_browser(app, bob)  # a second browser of bob's
    browser = signed_in_browser(app, bob)
    changed = browser.post(
        "/api/users/me/password", json={"current_password": bob.password, "new_password": "new-pass-1"}
    )
    assert changed.status_code == 200, changed.text
    assert browser.get("/api/presets/").status_code == 200  # this session stays
    assert_error(other.get("/api/presets/"), 401, "Your session has ended")  # the others end
    with local_client(app) as client:
        assert client.post("/api/auth/login", json={"username": "bob", "password": "new-pass-1"}).status_code == 200
    with signed_in(app, root) as admin:
        assert [u["username"] for u in admin.get("/api/users/").json()] == ["bob", "root"]
        made = create_user(admin, "carol")
        assert made.status_code == 201 and made.json()["is_admin"] is False
        assert_error(create_user(admin, "carol"), 409, "The user name 'carol' is taken")
        assert_error(admin.patch("/api/users/root", json={"disabled": True}), 409, "'root' is the last enabled admin")
        assert admin.post("/api/users/carol/password", json={"new_password": "reset-pass-1"}).status_code == 200
        assert_error(admin.patch("/api/users/nobody", json={"disabled": True}), 404, "User not found")
        assert_error(create_user(admin, "x", password="short"), 422, "Invalid field 'password'")


def test_team_members_and_roles_over_http(app):
    make_user(app, "root", admin=True)
    olga, mike, vera, otto = (make_user(app, n) for n in ("olga", "mike", "vera", "otto"))
    with signed_in(app, olga) as owner:
        team = owner.post("/api/teams/", json={"name": "ml"})
        assert team.status_code == 201, team.text
        assert team.json()["role"] == "owner" and team.json()["members"] == [
            {"user_id": olga.id, "username": "olga", "role": "owner"}
        ]
        assert owner.put("/api/teams/ml/members/mike", json={"role": "member"}).json()["role"] == "member"
        assert owner.put("/api/teams/ml/members/vera", json={"role": "viewer"}).status_code == 200
        assert_error(owner.put("/api/teams/ml/members/vera", json={"role": "boss"}), 422, "Invalid field 'role'")
    with signed_in(app, mike) as member:
        assert [t["role"] for t in member.get("/api/teams/").json()] == ["member"]
        assert_error(member.put("/api/teams/ml/members/otto", json={}), 403, "Only an owner of team 'ml'")
        assert [m["username"] for m in member.get("/api/teams/ml").json()["members"]] == ["mike", "olga", "vera"]
    with signed_in(app, otto) as outsider:
        assert outsider.get("/api/teams/").json() == []
        assert_error(outsider.get("/api/teams/ml"), 404, "Team not found")
    with signed_in(app, vera) as viewer:
        assert viewer.delete("/api/teams/ml/members/vera").status_code == 204  # leaving
        assert viewer.get("/api/teams/").json() == []


def test_the_audit_log_is_for_admins(app):
    root = make_user(app, "root", admin=True)
    bob = make_user(app, "bob")
    sign_in(local_client(app), bob)
    with signed_in(app, root) as admin:
        admin.post("/api/teams/", json={"name": "ml"})
        events = admin.get("/api/audit/").json()
        actions = [e["action"] for e in events]
        assert actions[:3] == ["team.create", "token.create", "auth.login"]
        assert {"user.create"} <= set(actions)
        newest = events[0]
        assert newest["actor"] == "root" and newest["remote_addr"] == "127.0.0.1" and newest["object_type"] == "team"
        only = admin.get("/api/audit/?action=auth.login&who=bob").json()
        assert [(e["actor"], e["summary"]) for e in only] == [("bob", "'bob' signed in.")]
    with signed_in(app, bob) as client:
        assert_error(client.get("/api/audit/"), 403, "Only an admin may read the audit log")
    with local_client(app) as anonymous:
        assert_error(anonymous.get("/api/audit/"), 401, SIGN_IN_FIRST)


# --- no secret anywhere ------------------------------------------------------------------------


def test_no_secret_in_any_later_response_nor_in_the_logs(app, caplog):
    caplog.set_level(logging.DEBUG)
    root_password, bob_password = "root-secret-pass", "bob-secret-pass"
    with local_client(app, headers={"X-Autotuner-CSRF": "1"}) as client:
        responses = [create_user(client, "root", admin=True, password=root_password)]
        browser = local_client(app, headers={"X-Autotuner-CSRF": "1"})
        login = browser.post("/api/auth/login", json={"username": "root", "password": root_password})
        cookie = browser.cookies.get("autotuner_session")
        responses.append(browser.post("/api/auth/login", json={"username": "root", "password": "a-wrong-one"}))
        responses.append(create_user(browser, "bob", password=bob_password))
        created = browser.post("/api/tokens/", json={"name": "ci"})
        secret = created.json()["secret"]
        responses.append(
            browser.post("/api/users/me/password", json={"current_password": "x", "new_password": "n" * 9})
        )
        with local_client(app, headers={"Authorization": f"Bearer {secret}"}) as script:
            for path in ("/api/tokens/", "/api/users/", "/api/audit/", "/api/auth/me", "/api/teams/", "/api/presets/"):
                responses.append(script.get(path))
            responses.append(script.delete(f"/api/tokens/{created.json()['token']['id']}"))
            responses.append(script.get("/api/presets/"))  # now revoked
        for path in ("/api/tokens/", "/api/users/", "/api/audit/", "/api/auth/me"):
            responses.append(browser.get(path))
        responses.append(browser.post("/api/auth/logout", json={}))
    assert login.status_code == 200 and cookie and secret
    secrets = {
        "root password": root_password,
        "bob password": bob_password,
        "wrong password (often a typo of the right one)": "a-wrong-one",
        "token": secret,
        "cookie": cookie,
    }
    for response in responses:
        text = response.text + "".join(f"{k}: {v}" for k, v in response.headers.items() if k != "set-cookie")
        for what, value in secrets.items():
            assert value not in text, f"the {what} appears in {response.request.method} {response.request.url}"
    assert cookie not in str(login.json()) and secret not in str(login.json())
    logged = caplog.text + "".join(str(r.args) for r in caplog.records)
    for what, value in secrets.items():
        assert value not in logged, f"the {what} appears in the logs"
    assert "Failed sign-in for user 'root'" in caplog.text and "Refused an API token" in caplog.text
    with session_scope(app.state.session_factory) as session:
        from autotuner.db.models import AuditEvent

        stored = " ".join(e.summary for e in session.scalars(select(AuditEvent)))
    for value in secrets.values():
        assert value not in stored
