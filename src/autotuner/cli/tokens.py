"""``autotuner tokens ...``: API tokens for the CLI and scripts (create, list, revoke).

A token's secret is printed once, when it is created; the database keeps only its SHA-256.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.text import Text

from autotuner.cli.base import Command, JsonOpt, acting_actor, new_group, open_session
from autotuner.cli.output import Column, console, err_console, print_json, print_table

app = new_group("Manage API tokens for the CLI and scripts (AUTOTUNER_TOKEN).")


def token_dict(view: Any) -> dict[str, Any]:
    from autotuner.accounts.schemas import token_read

    return token_read(view).model_dump(mode="json")


def _when(value: str | None, never: str = "-") -> str:
    return value[:16].replace("T", " ") if value else never


@app.command("create", cls=Command)
def tokens_create(
    name: Annotated[str, typer.Argument(help="What the token is for, e.g. 'laptop CLI'.")],
    user: Annotated[
        str | None, typer.Option(help="Whose token (the operator and admins; default: the token's user).")
    ] = None,
    expires_days: Annotated[int | None, typer.Option(metavar="N", help="Days until it expires (default: never).")] = (
        None
    ),
    as_json: JsonOpt = False,
) -> None:
    """Create a token and print its secret: the only time it is shown."""
    from autotuner.accounts import tokens

    with open_session() as session:
        view, secret = tokens.create_token(
            session, acting_actor(session), name, user_ref=user, expires_days=expires_days
        )
        row = token_dict(view)
    if as_json:
        print_json({"token": row, "secret": secret})
        return
    err_console.print(
        Text.assemble(
            "Created token ",
            (row["name"], "bold"),
            f" (id {row['id']}) for {row['user']}",
            f", expiring {_when(row['expires_at'])} UTC" if row["expires_at"] else "",
            ". Its secret, shown this once (keep it in AUTOTUNER_TOKEN or the token file):",
        )
    )
    print(secret)


@app.command("list", cls=Command)
def tokens_list(
    user: Annotated[str | None, typer.Option(help="This user's tokens (admins; default: yours, or all).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """List tokens (never their secrets)."""
    from autotuner.accounts import tokens

    with open_session() as session:
        rows = [token_dict(v) for v in tokens.list_tokens(session, acting_actor(session), user_ref=user)]
    if as_json:
        print_json(rows)
        return
    print_table(
        f"{len(rows)} token{'s' if len(rows) != 1 else ''}",
        [
            Column("ID"),
            Column("Name"),
            Column("User"),
            Column("Starts"),
            Column("Last used", whole=True),
            Column("State", own_line=True),
        ],
        [
            [
                str(r["id"]),
                r["name"],
                r["user"],
                r["prefix"] + "…",
                _when(r["last_used_at"], "never"),
                (
                    f"revoked {_when(r['revoked_at'])}"
                    if r["revoked_at"]
                    else (f"expires {_when(r['expires_at'])}" if r["expires_at"] else "active")
                ),
            ]
            for r in rows
        ],
    )


@app.command("revoke", cls=Command)
def tokens_revoke(token_id: Annotated[str, typer.Argument(metavar="ID", help="Token id (see `tokens list`).")]) -> None:
    """Revoke a token: it is refused from now on."""
    from autotuner.accounts import tokens

    with open_session() as session:
        view = tokens.revoke_token(session, acting_actor(session), token_id)
        name, user = view.token.name, view.username
    console.print(Text.assemble("Revoked token ", (name, "bold"), f" of {user}."))
