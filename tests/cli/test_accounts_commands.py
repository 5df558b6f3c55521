"""``autotuner users|teams|tokens ...`` on the test's own database, and the CLI acting as a token's
user (CliRunner, real SQLite/PostgreSQL)."""

from __future__ import annotations

import json

import pytest
from support.cli import lines_of
from typer.testing import CliRunner, Result

from autotuner.cli.app import app


def run(*args: str, ok: bool = True, input: str | None = None, token: str | None = None) -> Result:
    env = {"COLUMNS": "200", "AUTOTUNER_TOKEN": token or ""}
    result = CliRunner(env=env).invoke(app, list(args), input=input, prog_name="autotuner")
    if ok:
        assert result.exit_code == 0, result.output
    return result


def create(name: str, *extra: str, password: str | None = None) -> dict:
    line = (password or f"{name}-password-1") + "\n"
    return json.loads(run("users", "create", name, "--password-stdin", "--json", *extra, input=line).stdout)


def test_the_first_user_must_be_an_admin_then_users_list(cli_env):
    refused = run("users", "create", "alice", "--password-stdin", input="alice-password\n", ok=False)
    assert refused.exit_code == 1 and "The first user must be an admin" in refused.stderr
    first = run("users", "create", "Root", "--admin", "--password-stdin", input="root-password\n")
    assert "Created admin root (id 1)." in first.stdout and "Sign-in is now on" in first.stdout
    bob = create("bob")
    assert bob["username"] == "bob" and bob["is_admin"] is False
    listed = json.loads(run("users", "list", "--json").stdout)
    assert [(u["username"], u["is_admin"]) for u in listed] == [("bob", False), ("root", True)]
    table = lines_of(run("users", "list").stdout)
    assert any("bob" in line and "user" in line and "enabled" in line for line in table)
    run("users", "disable", "bob")
    assert json.loads(run("users", "list", "--json").stdout)[0]["disabled"] is True
    run("users", "enable", "bob")
    too_short = run("users", "create", "carol", "--password-stdin", input="short\n", ok=False)
    assert "The password is too short: use at least 8 characters." in too_short.stderr


def test_a_password_is_asked_twice_without_stdin(cli_env):
    created = run("users", "create", "root", "--admin", input="typed-password\ntyped-password\n")
    assert "Created admin root" in created.stdout
    assert "typed-password" not in created.output  # the prompt does not echo it
    mismatch = run("users", "create", "bob", input="one-password\nother-password\n", ok=False)
    assert mismatch.exit_code != 0 and "do not match" in mismatch.output.lower()


def test_tokens_are_printed_once_and_the_cli_acts_as_their_user(cli_env):
    create("root", "--admin")
    create("bob")
    no_user = run("tokens", "create", "laptop", ok=False)
    assert "Name the user the token acts for (e.g. --user alice)" in no_user.stderr
    made = run("tokens", "create", "laptop", "--user", "bob", "--expires-days", "7")
    secret = made.stdout.strip()
    assert secret.startswith("att_") and "\n" not in secret
    assert "Created token laptop (id 1) for bob, expiring" in " ".join(made.stderr.split())
    listing = run("tokens", "list").stdout + run("tokens", "list", "--json").stdout
    assert secret not in listing and secret[:12] in listing and "never" in listing
    # As bob: not an admin, his own tokens only, the token's last use recorded.
    refused = run("users", "list", token=secret, ok=False)
    assert "Only an admin may manage users" in refused.stderr
    mine = run("tokens", "create", "scripts", token=secret)
    assert mine.stdout.strip().startswith("att_")
    rows = json.loads(run("tokens", "list", "--json", token=secret).stdout)
    assert {(r["name"], r["user"]) for r in rows} == {("laptop", "bob"), ("scripts", "bob")}
    assert next(r for r in rows if r["name"] == "laptop")["last_used_at"] is not None
    # Revoked: the CLI refuses it with the API's sentence, naming where the token came from.
    run("tokens", "revoke", "1")
    revoked = run("tokens", "list", token=secret, ok=False)
    assert "This API token ('laptop') was revoked on" in revoked.stderr
    assert "(The token came from AUTOTUNER_TOKEN.)" in revoked.stderr
    unknown = run("users", "list", token="att_unknown", ok=False)
    assert "This API token is not known" in unknown.stderr


def test_the_token_file_in_the_config_folder_is_read(cli_env, tmp_path, monkeypatch):
    create("root", "--admin")
    create("bob")
    secret = run("tokens", "create", "file", "--user", "bob").stdout.strip()
    root_secret = run("tokens", "create", "env", "--user", "root").stdout.strip()
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    (tmp_path / "config" / "autotuner").mkdir(parents=True)
    (tmp_path / "config" / "autotuner" / "token").write_text(secret + "\n")
    assert "Only an admin may manage users" in run("users", "list", ok=False).stderr
    assert json.loads(run("teams", "create", "ml", "--json").stdout)["name"] == "ml"
    # AUTOTUNER_TOKEN wins over the file.
    assert [u["username"] for u in json.loads(run("users", "list", "--json", token=root_secret).stdout)] == [
        "bob",
        "root",
    ]


def test_teams_create_add_remove_list(cli_env):
    create("root", "--admin")
    for name in ("olga", "mike"):
        create(name)
    assert json.loads(run("teams", "create", "ml", "--json").stdout)["name"] == "ml"
    assert "olga is owner of team ml." in run("teams", "add", "ml", "olga", "--role", "owner").stdout
    run("teams", "add", "ml", "mike")
    bad = run("teams", "add", "ml", "mike", "--role", "boss", ok=False)
    assert "Invalid --role 'boss': use one of owner, member, viewer." in bad.stderr
    rows = json.loads(run("teams", "list", "--json").stdout)
    assert rows == [
        {
            "id": 1,
            "name": "ml",
            "role": None,
            "members": [{"username": "mike", "role": "member"}, {"username": "olga", "role": "owner"}],
        }
    ]
    assert "mike (member), olga (owner)" in run("teams", "list").stdout
    olga = run("tokens", "create", "o", "--user", "olga").stdout.strip()
    mike = run("tokens", "create", "m", "--user", "mike").stdout.strip()
    assert "Only an owner of team 'ml'" in run("teams", "remove", "ml", "olga", token=mike, ok=False).stderr
    run("teams", "remove", "ml", "mike", token=olga)
    assert [m["username"] for m in json.loads(run("teams", "list", "--json").stdout)[0]["members"]] == ["olga"]
    assert json.loads(run("teams", "list", "--json", token=mike).stdout) == []


def test_preset_and_task_commands_obey_the_token_user_rights(cli_env):
    create("root", "--admin")
    create("bob")
    create("carol")
    bob = run("tokens", "create", "b", "--user", "bob").stdout.strip()
    carol = run("tokens", "create", "c", "--user", "carol").stdout.strip()
    made = json.loads(run("presets", "create", "--name", "Bobs", "-p", "tp-size=1", "--json", token=bob).stdout)
    assert made["slug"] == "bobs"
    assert run("presets", "show", "bobs", token=bob).exit_code == 0
    hidden = run("presets", "show", "bobs", token=carol, ok=False)
    assert hidden.exit_code == 1 and "not found" in hidden.stderr.lower()
    assert "bobs" not in [p["slug"] for p in json.loads(run("presets", "list", "--json", token=carol).stdout)]
    assert run("presets", "delete", "bobs", "--yes", token=carol, ok=False).exit_code == 1
    # The operator (no token) is an admin: it sees and may delete everyone's.
    assert "bobs" in [p["slug"] for p in json.loads(run("presets", "list", "--json").stdout)]
    task = ["tasks", "create", "--name", "bt", "--model", "m", "-p", "tp-size=1", "--json"]
    task_id = json.loads(run(*task, token=bob).stdout)["id"]
    assert run("tasks", "show", str(task_id), token=carol, ok=False).exit_code == 1
    assert [t["id"] for t in json.loads(run("tasks", "list", "--json", token=bob).stdout)] == [task_id]
    run("presets", "delete", "bobs", "--yes")


@pytest.mark.parametrize("path", [("users",), ("teams",), ("tokens",), ()])
def test_help_says_who_commands_act_as(path):
    out = " ".join(run(*path, "--help").stdout.split())
    if not path:
        assert "unless AUTOTUNER_TOKEN or the file $XDG_CONFIG_HOME/autotuner/token" in out
    else:
        assert {"users": "the first one, an admin, switches sign-in on", "teams": "owner, member, viewer"}.get(
            path[0], "AUTOTUNER_TOKEN"
        ) in out
