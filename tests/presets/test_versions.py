"""Preset versions through the API: every create and change stores one (numbers, fields, who, why),
history newest first and paged, one version, diffs, restore (a new version, history kept), system
presets' versions, and the migration that gives existing presets version 1. Real databases
(SQLite, or PostgreSQL with AUTOTUNER_TEST_DATABASE_URL)."""

from __future__ import annotations

import pytest
from support.factories import assert_error, create_preset


def history(client, ref, **query):
    response = client.get(f"/api/presets/{ref}/versions", params=query)
    assert response.status_code == 200, response.text
    return response.json()


def version(client, ref, number):
    response = client.get(f"/api/presets/{ref}/versions/{number}")
    assert response.status_code == 200, response.text
    return response.json()


def put(client, ref, **body):
    response = client.put(f"/api/presets/{ref}", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def test_create_stores_version_one_with_every_field(client):
    created = create_preset(client, name="V", description="d", runtime="sglang", metadata={"tags": ["a"]})
    assert created["version"] == 1
    page = history(client, created["id"])
    assert page["total"] == 1 and page["current_version"] == 1
    [summary] = page["versions"]
    assert summary["number"] == 1 and summary["change"] == "created" and summary["author"] == "local"
    full = version(client, "v", 1)
    assert full["is_current"] is True
    for key in ("name", "slug", "description", "category", "runtime", "parameters", "metadata"):
        assert full[key] == created[key], key
    assert full["effective_parameters"] == created["parameters"] and full["extends"] == []


def test_every_update_is_a_new_numbered_version_with_its_note(client):
    created = create_preset(client, name="V", parameters={"tp-size": [1, 2]})
    put(client, "v", parameters={"tp-size": [4]}, change_note="bigger GPUs")
    put(client, "v", description="for 4 GPUs")
    third = put(client, "v", name="V2")
    assert third["version"] == 4 and third["slug"] == "v2"
    versions = history(client, created["id"])["versions"]
    assert [v["number"] for v in versions] == [4, 3, 2, 1]
    assert [v["change"] for v in versions] == ["updated", "updated", "updated", "created"]
    assert (
        versions[2]["change_note"] == "bigger GPUs" and versions[2]["summary"] == "Parameters: tp-size [1, 2] -> [4]."
    )
    assert versions[1]["summary"] == "Description changed."
    assert versions[0]["summary"] == "Renamed 'V' to 'V2'." and versions[0]["name"] == "V2"
    # The old versions are what they were.
    assert version(client, created["id"], 1)["parameters"] == {"tp-size": [1, 2]}
    assert version(client, created["id"], 1)["is_current"] is False
    assert version(client, created["id"], 2)["description"] is None


def test_an_update_that_changes_nothing_stores_no_version(client):
    create_preset(client, name="Same", parameters={"tp-size": [1]})
    again = put(client, "same", parameters={"tp-size": [1]}, name="Same")
    assert again["version"] == 1 and history(client, "same")["total"] == 1


def test_history_is_newest_first_and_paged(client):
    create_preset(client, name="P", parameters={"a": [0]})
    for i in range(1, 7):
        put(client, "p", parameters={"a": [i]})
    page = history(client, "p", offset=2, limit=3)
    assert (page["total"], page["offset"], page["limit"]) == (7, 2, 3)
    assert [v["number"] for v in page["versions"]] == [5, 4, 3]
    assert_error(client.get("/api/presets/p/versions?limit=0"), 422, "Invalid query parameter 'limit'")


def test_missing_version_and_preset_are_404_sentences(client):
    create_preset(client, name="P")
    assert_error(
        client.get("/api/presets/p/versions/9"),
        404,
        "Version not found: preset 'P' has versions 1 to 1, not 9.",
    )
    assert_error(client.get("/api/presets/nope/versions"), 404, "Preset not found")
    assert_error(client.get("/api/presets/p/versions/0"), 422, "Invalid path parameter 'number'")


def test_diff_lists_added_removed_and_changed_parameters_and_fields(client):
    create_preset(client, name="D", parameters={"tp-size": [1, 2], "gone": [True], "g": {"k": ["a"]}})
    put(
        client,
        "d",
        parameters={"tp-size": [2, 4], "new-flag": [0.5], "g": {"k": ["a"]}},
        description="now with more",
        category="perf",
    )
    diff = client.get("/api/presets/d/versions/1/diff/2").json()
    assert (diff["from_version"], diff["to_version"]) == (1, 2)
    assert diff["parameters"]["added"] == [{"parameter": "new-flag", "values": [0.5]}]
    assert diff["parameters"]["removed"] == [{"parameter": "gone", "values": [True]}]
    assert diff["parameters"]["changed"] == [
        {"parameter": "tp-size", "before": [1, 2], "after": [2, 4], "added_values": [4], "removed_values": [1]}
    ]
    assert {f["field"]: (f["before"], f["after"]) for f in diff["fields"]} == {
        "description": (None, "now with more"),
        "category": ("custom", "perf"),
    }
    assert diff["effective_parameters"] == diff["parameters"]
    # The other way round is the inverse.
    back = client.get("/api/presets/d/versions/2/diff/1").json()
    assert back["parameters"]["added"] == diff["parameters"]["removed"]
    assert back["parameters"]["changed"][0]["removed_values"] == [4]
    same = client.get("/api/presets/d/versions/2/diff/2").json()
    assert same["fields"] == [] and same["parameters"] == {"added": [], "removed": [], "changed": []}


def test_restore_creates_a_new_version_equal_to_the_old_one(client):
    create_preset(client, name="R", description="first", parameters={"tp-size": [1]})
    put(client, "r", parameters={"tp-size": [8]}, description="second", name="R2")
    response = client.post("/api/presets/r2/versions/1/restore", json={"change_note": "8 was too many"})
    assert response.status_code == 200, response.text
    restored = response.json()
    assert response.headers["etag"] == '"3"'
    assert restored["version"] == 3 and restored["name"] == "R" and restored["slug"] == "r"
    assert restored["parameters"] == {"tp-size": [1]} and restored["description"] == "first"
    versions = history(client, "r")["versions"]
    assert [(v["number"], v["change"]) for v in versions] == [(3, "restored"), (2, "updated"), (1, "created")]
    assert versions[0]["change_note"] == "8 was too many"
    assert versions[0]["summary"].startswith("Restored version 1. Renamed 'R2' to 'R'")
    # History is never rewritten: version 2 is still there, and restoring it is another version.
    assert version(client, "r", 2)["parameters"] == {"tp-size": [8]}
    again = client.post("/api/presets/r/versions/2/restore").json()
    assert again["version"] == 4 and again["parameters"] == {"tp-size": [8]}


def test_restore_checks_access_names_and_the_catalog(client):
    create_preset(client, name="Keep", parameters={"tp-size": [1]})
    put(client, "keep", name="Renamed")
    create_preset(client, name="Keep", parameters={"tp-size": [2]})
    assert_error(client.post("/api/presets/renamed/versions/1/restore"), 409, "A preset named 'Keep' already exists")
    assert history(client, "renamed")["total"] == 2
    assert_error(client.post("/api/presets/balanced/versions/1/restore"), 403, "Cannot modify system preset")
    assert_error(client.post("/api/presets/renamed/versions/7/restore"), 404, "Version not found")


def test_system_presets_have_versions_and_a_new_one_per_release(settings, client, app):
    from sqlalchemy import update

    from autotuner.db.models import ParameterPreset
    from autotuner.db.session import session_scope
    from autotuner.startup import prepare_database

    page = history(client, "balanced")
    assert page["total"] == 1
    assert page["versions"][0]["author"] == "system" and page["versions"][0]["change"] == "system_release"
    # The stored definition differs from this release's (as after an upgrade that changed it):
    # seeding records the new definition as version 2.
    with session_scope(app.state.session_factory) as session:
        session.execute(
            update(ParameterPreset)
            .where(ParameterPreset.slug == "balanced")
            .values(parameters={"tp-size": [3]}, effective_parameters={"tp-size": [3]})
        )
    create_preset(client, name="Mine", parameters={"x": [1]}, extends=["balanced"])
    assert client.get("/api/presets/mine").json()["effective_parameters"]["tp-size"] == [3]
    engine, _factory = prepare_database(settings)
    engine.dispose()
    page = history(client, "balanced")
    assert page["current_version"] == 2 and page["versions"][0]["change"] == "system_release"
    assert page["versions"][0]["summary"] == (
        "Built-in definition of autotuner 0.1.0. Parameters: added mem-fraction-static [0.85]; tp-size [3] -> [1, 2]."
    )
    assert client.get("/api/presets/balanced").json()["parameters"] == {
        "tp-size": [1, 2],
        "mem-fraction-static": [0.85],
    }
    # The presets extending it follow the release.
    mine = history(client, "mine")["versions"]
    assert [v["change"] for v in mine] == ["base_changed", "created"]
    assert mine[0]["author"] == "system"
    assert mine[0]["summary"].startswith("Base 'Balanced' changed (now version 2)")
    assert client.get("/api/presets/mine").json()["effective_parameters"]["tp-size"] == [1, 2]
    # Seeding again changes nothing.
    engine, _factory = prepare_database(settings)
    engine.dispose()
    assert history(client, "balanced")["total"] == 2


def test_versions_record_the_users_name(app):
    from autotuner.core.actors import Actor
    from autotuner.db.models import User
    from autotuner.db.session import session_scope
    from autotuner.presets import history as preset_history
    from autotuner.presets import service
    from autotuner.presets.schemas import PresetCreate, PresetUpdate

    factory = app.state.session_factory
    with session_scope(factory, write=True) as session:
        user = User(username="ada", password_hash="x")
        session.add(user)
        session.flush()
        ada = Actor(name="ada", is_admin=False, command_runtime_on=False, user_id=user.id)
    with session_scope(factory) as session:
        service.create_preset(session, PresetCreate(name="Hers", parameters={"a": [1]}), ada)
    with session_scope(factory) as session:
        service.update_preset(session, "hers", PresetUpdate(parameters={"a": [2]}, change_note="why"), ada)
    with session_scope(factory) as session:
        page = preset_history.list_versions(session, "hers", ada)
    assert [(v.author, v.change_note) for v in page.versions] == [("ada", "why"), ("ada", None)]


@pytest.mark.parametrize("limit", [1, 200])
def test_history_limits(client, limit):
    create_preset(client, name="L")
    assert history(client, "l", limit=limit)["limit"] == limit
    assert_error(client.get("/api/presets/l/versions?limit=201"), 422, "Invalid query parameter 'limit'")


def test_migration_gives_existing_presets_version_one(database_url):
    """Presets made before migration 0005 (at revision 0004) get version 1 from their state."""
    from alembic import command
    from sqlalchemy import text

    from autotuner.db import migrate
    from autotuner.db.session import make_engine

    engine = make_engine(database_url)
    try:
        command.upgrade(migrate.alembic_config(engine), "0004")
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO users (username, password_hash, is_admin, disabled, created_at) "
                    "VALUES ('ada', 'x', false, false, '2026-01-01 00:00:00')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO parameter_presets (name, slug, description, category, runtime, is_system, "
                    "parameters, metadata, created_at, updated_at, owner_id, visibility) VALUES "
                    "('Old', 'old', 'd', 'custom', 'sglang', false, :p, :m, '2026-01-01 00:00:00', "
                    "'2026-01-02 00:00:00', (SELECT id FROM users WHERE username = 'ada'), 'private'), "
                    "('Sys', 'sys', NULL, 'general', 'sglang', true, :q, NULL, '2026-01-01 00:00:00', "
                    "'2026-01-01 00:00:00', NULL, 'public')"
                ),
                {"p": '{"tp-size": [1, 2], "g": {"k": ["a"]}}', "m": '{"tags": ["t"]}', "q": '{"tp-size": [1]}'},
            )
            connection.execute(text("INSERT INTO teams (name, created_at) VALUES ('A', '2026-01-01 00:00:00')"))
            connection.execute(
                text(
                    "INSERT INTO preset_shares (preset_id, team_id) SELECT p.id, t.id FROM parameter_presets p, "
                    "teams t WHERE p.slug = 'old'"
                )
            )
        migrate.upgrade(engine)
        with engine.connect() as connection:
            presets = {
                row.slug: row
                for row in connection.execute(
                    text("SELECT id, slug, version, effective_parameters, effective_sources FROM parameter_presets")
                )
            }
            versions = {
                row.slug: row
                for row in connection.execute(
                    text("SELECT slug, number, parameters, metadata, author, change, extends FROM preset_versions")
                )
            }
        import json

        def loaded(value):
            return json.loads(value) if isinstance(value, str) else value

        old = presets["old"]
        assert old.version == 1
        assert loaded(old.effective_parameters) == {"tp-size": [1, 2], "g": {"k": ["a"]}}
        assert loaded(old.effective_sources) == [
            {"path": ["tp-size"], "parameter": "tp-size", "id": old.id, "name": "Old", "slug": "old"},
            {"path": ["g", "k"], "parameter": "g.k", "id": old.id, "name": "Old", "slug": "old"},
        ]
        first = versions["old"]
        assert (first.number, first.author, first.change) == (1, "ada", "migrated")
        assert loaded(first.parameters) == {"tp-size": [1, 2], "g": {"k": ["a"]}}
        assert loaded(first.metadata) == {"tags": ["t"]} and loaded(first.extends) == []
        assert versions["sys"].author == "system"
        # The table was altered in place: what references it (sharing) is intact.
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM preset_shares")).scalar() == 1
    finally:
        engine.dispose()
