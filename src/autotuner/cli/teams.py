"""``autotuner teams ...``: create teams, add and remove members, list teams."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.text import Text

from autotuner.cli.base import Command, JsonOpt, acting_actor, fail, new_group, open_session
from autotuner.cli.output import Column, console, print_json, print_table

app = new_group("Manage teams and their members (roles: owner, member, viewer).")

TeamRef = Annotated[str, typer.Argument(metavar="TEAM", help="Team name or id.")]
UserRef = Annotated[str, typer.Argument(metavar="USER", help="User name or id.")]
ROLES = ("owner", "member", "viewer")


@app.command("create", cls=Command)
def teams_create(name: Annotated[str, typer.Argument(help="Team name.")], as_json: JsonOpt = False) -> None:
    """Create a team (a signed-in user owns it; the operator adds its owner with `teams add`)."""
    from autotuner.accounts import teams

    with open_session() as session:
        team = teams.create_team(session, acting_actor(session), name)
        row: dict[str, Any] = {"id": team.id, "name": team.name}
    if as_json:
        print_json(row)
        return
    console.print(Text.assemble("Created team ", (row["name"], "bold"), f" (id {row['id']})."))


@app.command("add", cls=Command)
def teams_add(
    team: TeamRef,
    user: UserRef,
    role: Annotated[str, typer.Option(help="owner, member or viewer.")] = "member",
) -> None:
    """Add a user to a team, or change their role (team owners and admins)."""
    from autotuner.accounts import teams
    from autotuner.core.enums import TeamRole

    if role not in ROLES:
        fail(f"Invalid --role {role!r}: use one of {', '.join(ROLES)}.")
    with open_session() as session:
        member = teams.set_member(session, acting_actor(session), team, user, TeamRole(role))
        name = teams.find_team(session, team)
        team_name = name.name if name is not None else team
    console.print(Text.assemble((member.username, "bold"), f" is {member.role} of team ", (team_name, "bold"), "."))


@app.command("remove", cls=Command)
def teams_remove(team: TeamRef, user: UserRef) -> None:
    """Remove a user from a team (team owners and admins; anyone may leave)."""
    from autotuner.accounts import teams

    with open_session() as session:
        teams.remove_member(session, acting_actor(session), team, user)
    console.print(Text.assemble("Removed ", (user, "bold"), " from team ", (team, "bold"), "."))


@app.command("list", cls=Command)
def teams_list(
    user: Annotated[str | None, typer.Option(help="This user's teams (admins; default: yours, or all).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """List teams with their members."""
    from autotuner.accounts import teams

    with open_session() as session:
        actor = acting_actor(session)
        rows: list[dict[str, Any]] = []
        for membership in teams.list_teams(session, actor, user_ref=user):
            members = teams.members(session, membership.team)
            rows.append(
                {
                    "id": membership.team.id,
                    "name": membership.team.name,
                    "role": membership.role,
                    "members": [{"username": m.username, "role": str(m.role)} for m in members],
                }
            )
    if as_json:
        print_json(rows)
        return
    print_table(
        f"{len(rows)} team{'s' if len(rows) != 1 else ''}",
        [Column("ID"), Column("Name"), Column("Role"), Column("Members", own_line=True)],
        [
            [
                str(r["id"]),
                r["name"],
                r["role"] or "-",
                ", ".join(f"{m['username']} ({m['role']})" for m in r["members"]),
            ]
            for r in rows
        ],
    )
