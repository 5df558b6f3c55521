"""Ids are never given twice (migration 0006): after deleting the row with the highest id, the
next row gets a new id, on SQLite (AUTOINCREMENT) and PostgreSQL (sequences) alike; a deleted
task takes its experiments and logs with it."""

from __future__ import annotations

from alembic import command
from sqlalchemy import func, insert, inspect, select, text
from support.factories import assert_error, create_preset, create_task

from autotuner.db import migrate
from autotuner.db.models import Experiment, PresetShare, TaskShare, Team, TeamMember, User
from autotuner.runs.service import experiment_log_path, task_log_path

ID_TABLES = (
    "users",
    "teams",
    "parameter_presets",
    "preset_versions",
    "tasks",
    "experiments",
    "api_tokens",
    "web_sessions",
    "audit_events",
)


def test_a_deleted_presets_id_is_not_given_again(client):
    create_preset(client, "First")
    last = create_preset(client, "Second")
    assert client.delete(f"/api/presets/{last['id']}").status_code == 204
    again = create_preset(client, "Third")
    assert again["id"] > last["id"]
    assert_error(client.get(f"/api/presets/{last['id']}"), 404)


def test_a_deleted_task_takes_its_experiments_and_logs_and_its_id_is_not_reused(client, app, settings):
    create_task(client, task_name="first", parameters={"tp-size": [1]})
    last = create_task(client, task_name="second", parameters={"tp-size": [1, 2]})
    log = task_log_path(settings.log_dir, last["id"])
    log.parent.mkdir(parents=True)
    log.write_text("the old task's log\n")
    experiment_log_path(settings.log_dir, last["id"], 1).write_text("an experiment's log\n")
    with app.state.session_factory() as session:
        session.execute(insert(Experiment).values(task_id=last["id"], sequence=1, parameters={"tp-size": 1}))
        session.commit()
    assert client.get(f"/api/tasks/{last['id']}/logs").text == "the old task's log\n"

    assert client.delete(f"/api/tasks/{last['id']}").status_code == 204
    assert not log.parent.exists()
    with app.state.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Experiment)) == 0

    again = create_task(client, task_name="third", parameters={"tp-size": [4]})
    assert again["id"] > last["id"]
    assert_error(client.get(f"/api/tasks/{last['id']}/logs"), 404)
    assert client.get(f"/api/tasks/{again['id']}/logs").text == ""


def test_every_table_keyed_by_id_never_reuses_one(app):
    engine = app.state.engine
    with engine.connect() as connection:
        for table in ID_TABLES:
            if engine.dialect.name == "sqlite":
                ddl = connection.scalar(text("SELECT sql FROM sqlite_master WHERE name = :t"), {"t": table})
                assert "AUTOINCREMENT" in ddl, table
            else:
                sequence = connection.scalar(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table})
                assert sequence, table


def test_the_migration_keeps_every_row_and_the_links_between_them(client, app):
    """Down to 0005 and up again to 0006 with presets, versions, bases, shares, teams, tasks and
    experiments in the database: every row stays (rebuilding a table on SQLite must not cascade
    to the rows referencing it)."""
    base = create_preset(client, "Base")
    create_preset(client, "Child", extends=[base["id"]])
    task = create_task(client, task_name="kept", parameters={"tp-size": [1]})
    with app.state.session_factory() as session:
        user = User(username="ann", password_hash="x")
        team = Team(name="team")
        session.add_all([user, team])
        session.flush()
        session.add_all(
            [
                TeamMember(team_id=team.id, user_id=user.id, role="member"),
                PresetShare(preset_id=base["id"], team_id=team.id),
                TaskShare(task_id=task["id"], team_id=team.id),
                Experiment(task_id=task["id"], sequence=1, parameters={"tp-size": 1}),
            ]
        )
        session.commit()
    engine = app.state.engine
    before = _counts(engine)
    assert all(before[t] > 0 for t in ("preset_bases", "preset_shares", "task_shares", "team_members", "experiments"))
    command.downgrade(migrate.alembic_config(engine), "0005")
    after = _counts(engine)
    assert set(before) - set(after) == {"task_events", "preset_revision"}  # made by later migrations (0007, 0015)
    assert after == {table: count for table, count in before.items() if table in after}
    migrate.upgrade(engine)
    assert _counts(engine) == before
    test_every_table_keyed_by_id_never_reuses_one(app)


def _counts(engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            table: connection.scalar(text(f"SELECT count(*) FROM {table}"))
            for table in inspect(engine).get_table_names()
            if table != "alembic_version"
        }
