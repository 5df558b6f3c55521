"""Who may read a preset's history and restore a version: reading the history is reading the
preset (404 for those who may not see it), restoring is editing it (403 for those who may only
read it); a refused restore writes nothing."""

from __future__ import annotations

import pytest

from autotuner.core.actors import Actor
from autotuner.core.enums import TeamRole, Visibility
from autotuner.core.errors import Forbidden, NotFound
from autotuner.db.models import Team, TeamMember, User
from autotuner.db.session import session_scope
from autotuner.presets import history, service
from autotuner.presets.schemas import PresetCreate, PresetUpdate, Sharing

ROLES = ("owner", "admin", "viewer", "member", "outsider")


@pytest.fixture
def world(app):
    factory = app.state.session_factory
    with session_scope(factory, write=True) as session:
        users = {name: User(username=name, password_hash="x", is_admin=name == "admin") for name in ROLES}
        session.add_all(users.values())
        team_a, team_b = Team(name="A"), Team(name="B")
        session.add_all([team_a, team_b])
        session.flush()
        roles = {
            "owner": {team_a.id: TeamRole.owner},
            "viewer": {team_a.id: TeamRole.viewer},
            "member": {team_a.id: TeamRole.member},
            "outsider": {team_b.id: TeamRole.member},
        }
        for name, teams in roles.items():
            for team_id, role in teams.items():
                session.add(TeamMember(team_id=team_id, user_id=users[name].id, role=role))
        actors = {
            name: Actor(name, name == "admin", False, user_id=users[name].id, team_roles=roles.get(name, {}))
            for name in ROLES
        }
    return factory, actors, team_a.id


def shared_preset(factory, actors, team_id, visibility):
    owner = actors["owner"]
    with session_scope(factory) as session:
        preset = service.create_preset(session, PresetCreate(name="Shared", parameters={"a": [1]}), owner).preset
        service.update_preset(session, preset.id, PresetUpdate(parameters={"a": [2]}), owner)
        if visibility != Visibility.private:
            sharing = Sharing(visibility=visibility, team_ids=[team_id] if visibility == Visibility.teams else [])
            service.share_preset(session, preset.id, sharing, owner)
        return preset.id


# (visibility, role) -> read, restore
EXPECTED = {
    Visibility.private: {"owner": "ok", "admin": "ok", "viewer": "404", "member": "404", "outsider": "404"},
    Visibility.teams: {"owner": "ok", "admin": "ok", "viewer": "403", "member": "ok", "outsider": "404"},
    Visibility.public: {"owner": "ok", "admin": "ok", "viewer": "403", "member": "403", "outsider": "403"},
}


@pytest.mark.parametrize("visibility", list(EXPECTED))
def test_reading_history_is_reading_and_restoring_is_editing(world, visibility):
    factory, actors, team_id = world
    preset_id = shared_preset(factory, actors, team_id, visibility)
    for role, restore in EXPECTED[visibility].items():
        actor = actors[role]
        with session_scope(factory) as session:
            if restore == "404":
                with pytest.raises(NotFound):
                    history.list_versions(session, preset_id, actor)
                with pytest.raises(NotFound):
                    history.diff_versions(session, preset_id, 1, 2, actor)
            else:
                assert history.list_versions(session, preset_id, actor).total >= 2
                assert history.get_version(session, preset_id, 1, actor).parameters == {"a": [1]}
        with session_scope(factory) as session:
            if restore == "ok":
                saved = history.restore_version(session, preset_id, 1, actor, note=role)
                assert saved.preset.parameters == {"a": [1]}
            else:
                with pytest.raises(NotFound if restore == "404" else Forbidden):
                    history.restore_version(session, preset_id, 1, actor)
    with session_scope(factory) as session:
        page = history.list_versions(session, preset_id, actors["admin"])
        restorers = [v.change_note for v in page.versions if v.change == "restored"]
        assert sorted(restorers) == sorted(r for r, e in EXPECTED[visibility].items() if e == "ok")
        assert all(v.author == v.change_note for v in page.versions if v.change == "restored")
