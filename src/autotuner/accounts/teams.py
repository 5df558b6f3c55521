"""Teams: named groups of users, each member with a role (owner, member, viewer).

Anyone signed in may create a team (and becomes its owner); a team's owners and the admins add
and remove members and change their roles. A team keeps at least one owner unless an admin
changes it. What a role allows on shared presets and tasks is :mod:`autotuner.core.actors`'s.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from autotuner.accounts.audit import record
from autotuner.accounts.users import get_user
from autotuner.core.actors import Actor
from autotuner.core.enums import TeamRole
from autotuner.core.errors import Forbidden, InvalidState, NameConflict, NotFound, ValidationFailed
from autotuner.core.ids import as_id, storable_id
from autotuner.db.models import Team, TeamMember, User
from autotuner.db.session import begin_write, flush_unique

MAX_NAME = 100


@dataclass(frozen=True)
class Membership:
    team: Team
    role: TeamRole | None  # the caller's role; None for an admin who is not a member


@dataclass(frozen=True)
class Member:
    user_id: int
    username: str
    role: TeamRole


def _not_found(ref: int | str) -> NotFound:
    return NotFound(f"Team not found: no team with id or name '{str(ref).strip()[:100]}' that you belong to.")


def find_team(session: Session, ref: int | str) -> Team | None:
    text = str(ref).strip()
    number = as_id(text)
    if number is not None:
        return session.get(Team, number) if storable_id(number) else None
    return session.scalar(select(Team).where(Team.name == text))


def get_team(session: Session, actor: Actor, ref: int | str) -> Team:
    """The team ``ref`` (id or name) if the actor is one of its members or an admin; otherwise it
    does not exist for them."""
    team = find_team(session, ref)
    if team is None or not (actor.is_admin or team.id in actor.team_roles):
        raise _not_found(ref)
    return team


def _check_manages(actor: Actor, team: Team) -> None:
    if not actor.is_admin and actor.team_roles.get(team.id) != TeamRole.owner:
        raise Forbidden(f"Only an owner of team '{team.name}' or an admin may change its members.")


def create_team(session: Session, actor: Actor, name: str) -> Team:
    clean = name.strip()
    if not clean or len(clean) > MAX_NAME or clean.isdigit():
        raise ValidationFailed(
            f"A team name is 1 to {MAX_NAME} characters and not only digits (a number reads as a team id): "
            "choose another."
        )
    begin_write(session)
    conflict = f"The team name '{clean}' is taken: choose another."
    if session.scalar(select(Team.id).where(Team.name == clean)) is not None:
        raise NameConflict(conflict)
    team = Team(name=clean)
    session.add(team)
    flush_unique(session, conflict)
    if actor.user_id is not None:
        session.add(TeamMember(team_id=team.id, user_id=actor.user_id, role=TeamRole.owner))
        session.flush()
    record(session, actor, "team.create", "team", team.id, f"Created team '{clean}'.")
    return team


def _owners(session: Session, team_id: int) -> int:
    return (
        session.scalar(select(func.count()).where(TeamMember.team_id == team_id, TeamMember.role == TeamRole.owner))
        or 0
    )


def set_member(session: Session, actor: Actor, team_ref: int | str, user_ref: int | str, role: TeamRole) -> Member:
    """Add ``user_ref`` to the team with ``role``, or change the role of a member."""
    begin_write(session)
    team = get_team(session, actor, team_ref)
    _check_manages(actor, team)
    user = get_user(session, user_ref)
    membership = session.get(TeamMember, (team.id, user.id))
    if membership is None:
        session.add(TeamMember(team_id=team.id, user_id=user.id, role=role))
        summary = f"Added '{user.username}' to team '{team.name}' as {role}."
    else:
        if membership.role == role:
            return Member(user.id, user.username, role)
        if membership.role == TeamRole.owner and not actor.is_admin and _owners(session, team.id) <= 1:
            raise InvalidState(_last_owner(team, user))
        membership.role = role
        summary = f"Made '{user.username}' {role} of team '{team.name}'."
    session.flush()
    record(session, actor, "team.member", "team", team.id, summary)
    return Member(user.id, user.username, role)


def _last_owner(team: Team, user: User) -> str:
    return (
        f"'{user.username}' is the last owner of team '{team.name}': make another member an owner first "
        "(or ask an admin)."
    )


def remove_member(session: Session, actor: Actor, team_ref: int | str, user_ref: int | str) -> None:
    """Remove a member; a member may also leave a team on their own."""
    begin_write(session)
    team = get_team(session, actor, team_ref)
    user = get_user(session, user_ref)
    if actor.user_id != user.id:
        _check_manages(actor, team)
    membership = session.get(TeamMember, (team.id, user.id))
    if membership is None:
        raise NotFound(f"'{user.username}' is not a member of team '{team.name}': nothing to remove.")
    if membership.role == TeamRole.owner and not actor.is_admin and _owners(session, team.id) <= 1:
        raise InvalidState(_last_owner(team, user))
    session.delete(membership)
    session.flush()
    record(session, actor, "team.member", "team", team.id, f"Removed '{user.username}' from team '{team.name}'.")


def list_teams(session: Session, actor: Actor, *, user_ref: int | str | None = None) -> list[Membership]:
    """The actor's teams with their role; an admin sees every team (or ``user_ref``'s)."""
    if user_ref is not None:
        user = get_user(session, user_ref)
        if user.id != actor.user_id and not actor.is_admin:
            raise Forbidden("Only an admin may list another user's teams.")
        rows = session.execute(
            select(Team, TeamMember.role)
            .join(TeamMember, TeamMember.team_id == Team.id)
            .where(TeamMember.user_id == user.id)
            .order_by(Team.name)
        ).all()
        return [Membership(team, TeamRole(role)) for team, role in rows]
    if actor.is_admin:
        teams = session.scalars(select(Team).order_by(Team.name)).all()
        return [Membership(t, actor.team_roles.get(t.id)) for t in teams]
    if actor.user_id is None:
        return []
    return list_teams(session, actor, user_ref=actor.user_id)


def members(session: Session, team: Team) -> Sequence[Member]:
    rows = session.execute(
        select(User.id, User.username, TeamMember.role)
        .join(TeamMember, TeamMember.user_id == User.id)
        .where(TeamMember.team_id == team.id)
        .order_by(User.username)
    ).all()
    return [Member(user_id, username, TeamRole(role)) for user_id, username, role in rows]
