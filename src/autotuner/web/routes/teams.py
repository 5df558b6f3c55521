"""/api/teams: teams, their members and roles (owner, member, viewer)."""

from __future__ import annotations

from dataclasses import replace

from fastapi import Response, status

from autotuner.accounts import teams
from autotuner.accounts.schemas import MemberRead, MemberSet, TeamCreate, TeamDetail, TeamRead
from autotuner.core.actors import Actor
from autotuner.core.enums import TeamRole
from autotuner.db.models import Team
from autotuner.web.deps import ActorDep, SessionDep
from autotuner.web.errors import ERROR_RESPONSES
from autotuner.web.routing import SlashTolerantRouter

router = SlashTolerantRouter(prefix="/api/teams", tags=["teams"], responses=ERROR_RESPONSES)


def _detail(session: SessionDep, actor: Actor, team: Team) -> TeamDetail:
    return TeamDetail(
        id=team.id,
        name=team.name,
        created_at=team.created_at,
        role=actor.team_roles.get(team.id),
        members=[MemberRead.model_validate(m) for m in teams.members(session, team)],
    )


@router.get("/", response_model=list[TeamRead], summary="Your teams (admins: every team)")
def list_teams(session: SessionDep, actor: ActorDep, user: str | None = None) -> list[TeamRead]:
    return [
        TeamRead(id=m.team.id, name=m.team.name, created_at=m.team.created_at, role=m.role)
        for m in teams.list_teams(session, actor, user_ref=user)
    ]


@router.post("/", response_model=TeamDetail, status_code=status.HTTP_201_CREATED, summary="Create a team (you own it)")
def create_team(session: SessionDep, actor: ActorDep, data: TeamCreate) -> TeamDetail:
    team = teams.create_team(session, actor, data.name)
    if actor.user_id is not None:  # the creator owns it
        actor = replace(actor, team_roles={**actor.team_roles, team.id: TeamRole.owner})
    return _detail(session, actor, team)


@router.get("/{team_ref}", response_model=TeamDetail, summary="A team and its members")
def get_team(session: SessionDep, actor: ActorDep, team_ref: str) -> TeamDetail:
    return _detail(session, actor, teams.get_team(session, actor, team_ref))


@router.put(
    "/{team_ref}/members/{user_ref}",
    response_model=MemberRead,
    summary="Add a member or change their role (team owners and admins)",
)
def set_member(session: SessionDep, actor: ActorDep, team_ref: str, user_ref: str, data: MemberSet) -> MemberRead:
    return MemberRead.model_validate(teams.set_member(session, actor, team_ref, user_ref, data.role))


@router.delete(
    "/{team_ref}/members/{user_ref}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a member (team owners and admins; anyone may leave)",
)
def remove_member(session: SessionDep, actor: ActorDep, team_ref: str, user_ref: str) -> Response:
    teams.remove_member(session, actor, team_ref, user_ref)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
