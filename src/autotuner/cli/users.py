"""``autotuner users ...``: create, list, disable and enable users, and set passwords.

Creating the first user (an admin: ``--admin``) switches sign-in on for the web service.
"""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer
from rich.text import Text

from autotuner.cli.base import Command, JsonOpt, acting_actor, fail, new_group, open_session
from autotuner.cli.output import Column, console, print_json, print_table

app = new_group("Manage the users of the service (the first one, an admin, switches sign-in on).")

UserRef = Annotated[str, typer.Argument(metavar="USER", help="User name or id.")]
PasswordStdin = Annotated[
    bool,
    typer.Option("--password-stdin", help="Read the password from the first line of stdin (else: asked twice)."),
]


def read_password(from_stdin: bool, prompt: str = "Password") -> str:
    """The password from stdin's first line, or typed twice at a prompt (never echoed)."""
    if from_stdin:
        line = sys.stdin.readline()
        password = line[:-1] if line.endswith("\n") else line
        if not password:
            fail("--password-stdin read no password: pipe one line holding it, e.g. from a password manager.")
        return password
    value: Any = typer.prompt(prompt, hide_input=True, confirmation_prompt=True)
    return str(value)


def user_dict(user: Any) -> dict[str, Any]:
    from autotuner.accounts.schemas import UserRead

    return UserRead.model_validate(user).model_dump(mode="json")


@app.command("create", cls=Command)
def users_create(
    name: Annotated[str, typer.Argument(help="User name: letters, digits, '.', '_', '-'.")],
    admin: Annotated[bool, typer.Option("--admin", help="An admin (the first user must be one).")] = False,
    password_stdin: PasswordStdin = False,
    as_json: JsonOpt = False,
) -> None:
    """Create a user. The first one must be an admin: from then on the web service wants a sign-in."""
    from autotuner.accounts import passwords, users

    password = read_password(password_stdin)
    passwords.check_rules(password)
    with open_session() as session:
        first = not users.users_exist(session)
        row = user_dict(users.create_user(session, acting_actor(session), name, password, is_admin=admin))
    if as_json:
        print_json(row)
        return
    role = "admin" if row["is_admin"] else "user"
    console.print(Text.assemble(f"Created {role} ", (row["username"], "bold"), f" (id {row['id']})."))
    if first:
        console.print(
            "Sign-in is now on: the web service asks everyone to sign in, and what was made before belongs "
            f"to {row['username']}.",
            highlight=False,
            markup=False,
        )


@app.command("list", cls=Command)
def users_list(as_json: JsonOpt = False) -> None:
    """List users (admins)."""
    from autotuner.accounts import users

    with open_session() as session:
        rows = [user_dict(u) for u in users.list_users(session, acting_actor(session))]
    if as_json:
        print_json(rows)
        return
    print_table(
        f"{len(rows)} user{'s' if len(rows) != 1 else ''}",
        [Column("ID"), Column("Name"), Column("Role"), Column("State"), Column("Created")],
        [
            [
                str(r["id"]),
                r["username"],
                "admin" if r["is_admin"] else "user",
                "disabled" if r["disabled"] else "enabled",
                r["created_at"][:16].replace("T", " "),
            ]
            for r in rows
        ],
    )


def _set_disabled(ref: str, disabled: bool) -> None:
    from autotuner.accounts import users

    with open_session() as session:
        user = users.update_user(session, acting_actor(session), ref, disabled=disabled)
        name = user.username
    console.print(Text.assemble(("Disabled " if disabled else "Enabled ", ""), (name, "bold"), "."))


@app.command("disable", cls=Command)
def users_disable(ref: UserRef) -> None:
    """Disable a user: they cannot sign in, and their tokens and sessions stop working (admins)."""
    _set_disabled(ref, True)


@app.command("enable", cls=Command)
def users_enable(ref: UserRef) -> None:
    """Enable a disabled user again (admins)."""
    _set_disabled(ref, False)


@app.command("password", cls=Command)
def users_password(ref: UserRef, password_stdin: PasswordStdin = False) -> None:
    """Set a user's password (yours: the current one is asked first; admins: anyone's); their browser sessions end."""
    from autotuner.accounts import passwords, users

    with open_session() as session:
        own = acting_actor(session).user_id == users.get_user(session, ref).id
    current = str(typer.prompt("Current password", hide_input=True)) if own else None
    password = read_password(password_stdin, "New password")
    passwords.check_rules(password)
    with open_session() as session:
        user = users.change_password(session, acting_actor(session), ref, password, current_password=current)
        name = user.username
    console.print(Text.assemble("Changed the password of ", (name, "bold"), "."))
