"""The user and team services called directly, on the test's database (SQLite or PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from support.accounts import OPERATOR, make_user
from support.factories import create_preset, create_task

from autotuner.accounts import passwords, teams, users
from autotuner.accounts.authentication import actor_for
from autotuner.core.enums import TeamRole
from autotuner.core.errors import Forbidden, InvalidState, NameConflict, NotFound, ValidationFailed
from autotuner.db.models import AuditEvent, ParameterPreset, Task, User
from autotuner.db.session import session_scope


def actor_of(app, user):
    with session_scope(app.state.session_factory) as session:
        return actor_for(session, session.get(User, user.id), app.state.settings, "127.0.0.1")


def call(app, function, *args, **kwargs):
    with session_scope(app.state.session_factory) as session:
        return function(session, *args, **kwargs)


def test_the_first_user_must_be_an_admin_and_gets_what_had_no_owner(app, client):
    preset = create_preset(client, "Before users")
    task = create_task(client, parameters={"tp-size": [1]})
    with pytest.raises(ValidationFailed, match="The first user must be an admin"):
        call(app, users.create_user, OPERATOR, "alice", "password-1")
    admin = make_user(app, "Root", admin=True)
    assert admin.username == "root" and admin.is_admin
    with session_scope(app.state.session_factory) as session:
        assert session.get(ParameterPreset, preset["id"]).owner_id == admin.id
        assert session.get(Task, task["id"]).owner_id == admin.id
        system = session.scalars(select(ParameterPreset).where(ParameterPreset.is_system)).all()
        assert system and all(p.owner_id is None and p.visibility == "public" for p in system)
        stored = session.get(User, admin.id).password_hash
        assert stored.startswith("$argon2id$") and admin.password not in stored
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "user.create")).one()
        assert event.actor == "local" and "the first: sign-in is on" in event.summary
        assert "1 preset(s) and 1 task(s)" in event.summary
    # Later users are not given anything.
    make_user(app, "bob")
    with session_scope(app.state.session_factory) as session:
        assert session.get(ParameterPreset, preset["id"]).owner_id == admin.id


def test_only_admins_create_users_and_names_are_checked(app):
    make_user(app, "root", admin=True)
    bob = make_user(app, "bob")
    with pytest.raises(Forbidden, match="Only an admin may manage users"):
        call(app, users.create_user, actor_of(app, bob), "carol", "password-1")
    with pytest.raises(NameConflict, match="The user name 'bob' is taken"):
        call(app, users.create_user, OPERATOR, " BOB ", "password-1")
    for name, start in (("me", "The user name 'me' is reserved"), ("local", "The user name 'local' is reserved")):
        with pytest.raises(ValidationFailed, match=start):
            call(app, users.create_user, OPERATOR, name, "password-1")
    for bad in ("", "a b", "-x", "x" * 65, "123", "é"):
        with pytest.raises(ValidationFailed, match="A user name is 1 to 64 letters"):
            call(app, users.create_user, OPERATOR, bad, "password-1")
    with pytest.raises(Forbidden):
        call(app, users.list_users, actor_of(app, bob))
    assert [u.username for u in call(app, users.list_users, OPERATOR)] == ["bob", "root"]


def test_the_last_enabled_admin_stays_and_disabling_ends_sessions(app):
    root = make_user(app, "root", admin=True)
    bob = make_user(app, "bob")
    with pytest.raises(InvalidState, match="'root' is the last enabled admin"):
        call(app, users.update_user, OPERATOR, root.id, disabled=True)
    with pytest.raises(InvalidState):
        call(app, users.update_user, OPERATOR, "root", is_admin=False)
    call(app, users.update_user, OPERATOR, "bob", is_admin=True)
    call(app, users.update_user, actor_of(app, bob), "root", disabled=True)
    from autotuner.accounts import sessions

    with session_scope(app.state.session_factory) as session, pytest.raises(Exception, match="disabled"):
        sessions.sign_in(session, "root", root.password, remote_addr="127.0.0.1")
    with pytest.raises(NotFound, match="User not found: no user with id or name 'nobody'"):
        call(app, users.update_user, OPERATOR, "nobody", disabled=True)


def test_changing_a_password(app):
    make_user(app, "root", admin=True)
    bob = make_user(app, "bob")
    carol = make_user(app, "carol")
    with pytest.raises(Forbidden, match="The current password is wrong"):
        call(app, users.change_password, actor_of(app, bob), bob.id, "new-password-1", current_password="nope")
    call(app, users.change_password, actor_of(app, bob), bob.id, "new-password-1", current_password=bob.password)
    # Another user's password: no existence leak for a non-admin, any for an admin.
    with pytest.raises(NotFound):
        call(app, users.change_password, actor_of(app, carol), bob.id, "other-password")
    call(app, users.change_password, OPERATOR, "carol", "reset-by-admin")
    with session_scope(app.state.session_factory) as session:
        assert passwords.verify_password(session.get(User, bob.id).password_hash, "new-password-1")
        assert passwords.verify_password(session.get(User, carol.id).password_hash, "reset-by-admin")


def test_team_roles_decide_who_manages_members(app):
    make_user(app, "root", admin=True)
    owner, member, viewer, outsider = (make_user(app, n) for n in ("olga", "mike", "vera", "otto"))
    team = call(app, teams.create_team, actor_of(app, owner), "ml")
    assert call(app, teams.list_teams, actor_of(app, owner))[0].role == TeamRole.owner
    call(app, teams.set_member, actor_of(app, owner), "ml", "mike", TeamRole.member)
    call(app, teams.set_member, actor_of(app, owner), team.id, viewer.id, TeamRole.viewer)
    assert actor_of(app, member).team_roles == {team.id: TeamRole.member}
    assert actor_of(app, viewer).team_roles == {team.id: TeamRole.viewer}
    # A member or a viewer may not manage; an outsider does not even see the team.
    for who in (member, viewer):
        with pytest.raises(Forbidden, match="Only an owner of team 'ml' or an admin may change its members"):
            call(app, teams.set_member, actor_of(app, who), "ml", "otto", TeamRole.viewer)
    with pytest.raises(NotFound, match="Team not found"):
        call(app, teams.set_member, actor_of(app, outsider), "ml", "otto", TeamRole.owner)
    with pytest.raises(NotFound):
        call(app, teams.get_team, actor_of(app, outsider), team.id)
    # The last owner stays (unless an admin acts); a member may leave on their own.
    with pytest.raises(InvalidState, match="'olga' is the last owner of team 'ml'"):
        call(app, teams.remove_member, actor_of(app, owner), "ml", "olga")
    with pytest.raises(InvalidState):
        call(app, teams.set_member, actor_of(app, owner), "ml", "olga", TeamRole.member)
    call(app, teams.remove_member, actor_of(app, member), "ml", "mike")
    names = [m.username for m in call(app, lambda s: teams.members(s, teams.find_team(s, "ml")))]
    assert names == ["olga", "vera"]
    with pytest.raises(NotFound, match="'mike' is not a member of team 'ml'"):
        call(app, teams.remove_member, actor_of(app, owner), "ml", "mike")
    # Admins see every team; names are unique and not all digits.
    assert [m.team.name for m in call(app, teams.list_teams, OPERATOR)] == ["ml"]
    with pytest.raises(NameConflict):
        call(app, teams.create_team, OPERATOR, "ml")
    with pytest.raises(ValidationFailed, match="A team name is 1 to 100 characters"):
        call(app, teams.create_team, OPERATOR, "42")
    with pytest.raises(Forbidden):
        call(app, teams.list_teams, actor_of(app, viewer), user_ref="olga")
