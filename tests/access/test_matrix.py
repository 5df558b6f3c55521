"""The access-control matrix, table-driven over roles x visibility x action, through the services
the API and the CLI share. Reads of what one may not see are 404 (no existence leak); writes one
may not make are 403; nothing a refused call attempted is written.

Roles: the object's owner; an admin; a viewer and a member of team A; a user of team B only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from autotuner.core.actors import Actor
from autotuner.core.enums import TeamRole, Visibility
from autotuner.core.errors import Forbidden, NotFound, ValidationFailed
from autotuner.db.models import AuditEvent, Team, TeamMember, User
from autotuner.db.session import session_scope
from autotuner.presets import service as presets
from autotuner.presets.schemas import PresetCreate, PresetUpdate, Sharing
from autotuner.runs import service as runs
from autotuner.tasks import service as tasks
from autotuner.tasks.schemas import TaskCreate, TaskUpdate

ROLES = ("owner", "admin", "viewer", "member", "outsider")
ALLOW, HIDDEN, FORBID = "allow", "404", "403"


@pytest.fixture
def world(app) -> dict[str, Any]:
    """Five users, team A (the owner owns it; a viewer, a member) and team B (the outsider)."""
    factory = app.state.session_factory
    with session_scope(factory, write=True) as session:
        users = {name: User(username=name, password_hash="x", is_admin=name == "admin") for name in ROLES}
        session.add_all(users.values())
        team_a, team_b = Team(name="A"), Team(name="B")
        session.add_all([team_a, team_b])
        session.flush()
        session.add_all(
            [
                TeamMember(team_id=team_a.id, user_id=users["owner"].id, role=TeamRole.owner),
                TeamMember(team_id=team_a.id, user_id=users["viewer"].id, role=TeamRole.viewer),
                TeamMember(team_id=team_a.id, user_id=users["member"].id, role=TeamRole.member),
                TeamMember(team_id=team_b.id, user_id=users["outsider"].id, role=TeamRole.member),
            ]
        )
        roles = {
            "owner": {team_a.id: TeamRole.owner},
            "viewer": {team_a.id: TeamRole.viewer},
            "member": {team_a.id: TeamRole.member},
            "outsider": {team_b.id: TeamRole.member},
        }
        actors = {
            name: Actor(
                name=name,
                is_admin=name == "admin",
                command_runtime_on=False,
                user_id=users[name].id,
                team_roles=roles.get(name, {}),
            )
            for name in ROLES
        }
        return {"factory": factory, "actors": actors, "team_a": team_a.id}


def _preset(world: dict[str, Any], visibility: Visibility) -> int:
    owner = world["actors"]["owner"]
    with session_scope(world["factory"], write=True) as session:
        saved = presets.create_preset(session, PresetCreate(name=f"P {visibility}", parameters={"tp-size": [1]}), owner)
        team_ids = [world["team_a"]] if visibility == Visibility.teams else []
        presets.share_preset(session, saved.preset.id, Sharing(visibility=visibility, team_ids=team_ids), owner)
        return saved.preset.id


def _task(world: dict[str, Any], visibility: Visibility) -> int:
    owner = world["actors"]["owner"]
    with session_scope(world["factory"], write=True) as session:
        data = TaskCreate(task_name=f"T {visibility}", model={"id_or_path": "m"}, parameters={"tp-size": [1]})
        task = tasks.create_task(session, data, actor=owner)
        team_ids = [world["team_a"]] if visibility == Visibility.teams else []
        tasks.share_task(session, task.id, Sharing(visibility=visibility, team_ids=team_ids), owner)
        return task.id


def _outcome(world: dict[str, Any], call: Callable[[Any], object]) -> str:
    """Run ``call(session)`` in a transaction that is rolled back: the matrix writes nothing."""
    session = world["factory"]()
    try:
        call(session)
    except NotFound:
        return HIDDEN
    except Forbidden:
        return FORBID
    finally:
        session.rollback()
        session.close()
    return ALLOW


def _row(private: str, teams: str, public: str) -> dict[Visibility, str]:
    return {Visibility.private: private, Visibility.teams: teams, Visibility.public: public}


# role -> action kind -> visibility -> outcome
READ = {
    "owner": _row(ALLOW, ALLOW, ALLOW),
    "admin": _row(ALLOW, ALLOW, ALLOW),
    "viewer": _row(HIDDEN, ALLOW, ALLOW),
    "member": _row(HIDDEN, ALLOW, ALLOW),
    "outsider": _row(HIDDEN, HIDDEN, ALLOW),
}
EDIT = {
    "owner": _row(ALLOW, ALLOW, ALLOW),
    "admin": _row(ALLOW, ALLOW, ALLOW),
    "viewer": _row(HIDDEN, FORBID, FORBID),
    "member": _row(HIDDEN, ALLOW, FORBID),
    "outsider": _row(HIDDEN, HIDDEN, FORBID),
}
OWN = {  # delete and share
    "owner": _row(ALLOW, ALLOW, ALLOW),
    "admin": _row(ALLOW, ALLOW, ALLOW),
    "viewer": _row(HIDDEN, FORBID, FORBID),
    "member": _row(HIDDEN, FORBID, FORBID),
    "outsider": _row(HIDDEN, HIDDEN, FORBID),
}

PRESET_ACTIONS: dict[str, tuple[dict[str, dict[Visibility, str]], Callable[..., object]]] = {
    "get": (READ, lambda s, ref, actor: presets.get_preset(s, ref, actor)),
    "merge": (READ, lambda s, ref, actor: presets.merge_presets(s, [ref, "balanced"], "union", actor=actor)),
    "duplicate": (READ, lambda s, ref, actor: presets.duplicate_preset(s, ref, actor, name=f"copy by {actor.name}")),
    "update": (EDIT, lambda s, ref, actor: presets.update_preset(s, ref, PresetUpdate(description="x"), actor)),
    "delete": (OWN, lambda s, ref, actor: presets.delete_preset(s, ref, actor)),
    "share": (OWN, lambda s, ref, actor: presets.share_preset(s, ref, Sharing(visibility=Visibility.public), actor)),
}
TASK_ACTIONS: dict[str, tuple[dict[str, dict[Visibility, str]], Callable[..., object]]] = {
    "get": (READ, lambda s, ref, actor: tasks.get_task(s, ref, actor)),
    "experiments": (READ, lambda s, ref, actor: runs.list_experiments(s, ref, actor)),
    "update": (EDIT, lambda s, ref, actor: tasks.update_task(s, ref, TaskUpdate(description="x"), actor=actor)),
    "start": (EDIT, lambda s, ref, actor: runs.start_task(s, ref, actor=actor)),
    "cancel": (EDIT, lambda s, ref, actor: runs.cancel_task(s, ref, actor)),
    "delete": (OWN, lambda s, ref, actor: tasks.delete_task(s, ref, actor)),
    "share": (OWN, lambda s, ref, actor: tasks.share_task(s, ref, Sharing(visibility=Visibility.public), actor)),
}


@pytest.mark.parametrize("visibility", list(Visibility))
@pytest.mark.parametrize("action", list(PRESET_ACTIONS))
def test_preset_matrix(world, action, visibility):
    expected_by_role, call = PRESET_ACTIONS[action]
    ref = _preset(world, visibility)
    seen = {role: _outcome(world, lambda s, a=world["actors"][role]: call(s, ref, a)) for role in ROLES}
    assert seen == {role: expected_by_role[role][visibility] for role in ROLES}


@pytest.mark.parametrize("visibility", list(Visibility))
@pytest.mark.parametrize("action", list(TASK_ACTIONS))
def test_task_matrix(world, action, visibility):
    expected_by_role, call = TASK_ACTIONS[action]
    ref = _task(world, visibility)
    seen = {role: _outcome(world, lambda s, a=world["actors"][role]: call(s, ref, a)) for role in ROLES}
    assert seen == {role: expected_by_role[role][visibility] for role in ROLES}


def test_lists_show_what_each_role_may_read(world):
    for visibility in Visibility:
        _preset(world, visibility)
        _task(world, visibility)
    expected = {
        "owner": {"private", "teams", "public"},
        "admin": {"private", "teams", "public"},
        "viewer": {"teams", "public"},
        "member": {"teams", "public"},
        "outsider": {"public"},
    }
    with session_scope(world["factory"]) as session:
        for role, visible in expected.items():
            actor = world["actors"][role]
            names = {p.name for p in presets.list_presets(session, actor) if not p.is_system}
            assert names == {f"P {v}" for v in visible}, role
            assert {t.task_name for t in tasks.list_tasks(session, actor)} == {f"T {v}" for v in visible}, role
            # System presets are read by everyone.
            assert {p.slug for p in presets.list_presets(session, actor, is_system=True)} >= {"balanced"}


def test_system_presets_are_written_by_nobody_not_even_an_admin(world):
    for role in ("admin", "owner"):
        actor = world["actors"][role]
        assert (
            _outcome(world, lambda s, a=actor: presets.update_preset(s, "balanced", PresetUpdate(description="x"), a))
            == FORBID
        )
        assert _outcome(world, lambda s, a=actor: presets.delete_preset(s, "balanced", a)) == FORBID


def test_sharing_only_with_ones_own_teams_and_existing_ones(world):
    owner, outsider = world["actors"]["owner"], world["actors"]["outsider"]
    ref = _preset(world, Visibility.private)
    team_b = next(iter(outsider.team_roles))
    assert (
        _outcome(world, lambda s: presets.share_preset(s, ref, Sharing(visibility="teams", team_ids=[team_b]), owner))
        == FORBID
    )
    with pytest.raises(ValidationFailed, match="No team with id 999"), session_scope(world["factory"]) as session:
        presets.share_preset(session, ref, Sharing(visibility="teams", team_ids=[999]), owner)


def test_a_task_keeps_working_after_its_preset_is_unshared(world):
    owner, member = world["actors"]["owner"], world["actors"]["member"]
    ref = _preset(world, Visibility.teams)
    with session_scope(world["factory"], write=True) as session:
        data = TaskCreate(task_name="from shared", model={"id_or_path": "m"}, presets={"ids": [ref, "balanced"]})
        task_id = tasks.create_task(session, data, actor=member).id
    with session_scope(world["factory"], write=True) as session:
        presets.share_preset(session, ref, Sharing(visibility="private"), owner)
    with session_scope(world["factory"]) as session:
        task = tasks.get_task(session, task_id, member)
        assert task.provenance["presets"][0]["parameters"] == {"tp-size": [1]}
        assert runs.resume_search(session, task).strategy.valid_count > 0
        assert _outcome(world, lambda s: presets.get_preset(s, ref, member)) == HIDDEN


def test_every_write_is_in_the_audit_log_with_who_did_it(world):
    ref = _preset(world, Visibility.teams)
    member = world["actors"]["member"]
    with session_scope(world["factory"], write=True) as session:
        presets.update_preset(session, ref, PresetUpdate(description="tuned"), member)
    with session_scope(world["factory"]) as session:
        events = [(e.actor, e.action) for e in session.query(AuditEvent).order_by(AuditEvent.id)]
    assert events == [("owner", "preset.create"), ("owner", "preset.share"), ("member", "preset.update")]
