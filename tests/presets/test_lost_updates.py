"""No lost updates: GET gives the version (body and ETag), PUT, DELETE and restore honour If-Match
(or ``version``), a stale one is 412 with a sentence saying who changed the preset, and nothing is
written. Two concurrent PUTs made on the same version: exactly one wins, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from support.factories import assert_error, create_preset

STALE = "Preset 'Tabs' changed since you loaded it (you have version 1; local saved version 2 at "


def test_get_gives_the_version_as_body_and_etag(client):
    created = create_preset(client, name="Tabs")
    response = client.get("/api/presets/tabs")
    assert response.headers["etag"] == '"1"' and response.json()["version"] == 1
    assert client.post("/api/presets/", json={"name": "New", "parameters": {"a": [1]}}).headers["etag"] == '"1"'
    updated = client.put(f"/api/presets/{created['id']}", json={"description": "x"}, headers={"If-Match": '"1"'})
    assert updated.status_code == 200 and updated.headers["etag"] == '"2"' and updated.json()["version"] == 2


def test_a_stale_if_match_is_412_with_who_and_nothing_is_written(client):
    create_preset(client, name="Tabs", parameters={"tp-size": [1]})
    # Tab 1 and tab 2 both loaded version 1; tab 1 saves first.
    first = client.put("/api/presets/tabs", json={"parameters": {"tp-size": [2]}}, headers={"If-Match": '"1"'})
    assert first.status_code == 200
    body = assert_error(
        client.put("/api/presets/tabs", json={"parameters": {"tp-size": [4]}}, headers={"If-Match": '"1"'}),
        412,
        STALE,
    )
    assert body["detail"].endswith("UTC), so nothing was saved: reload it, apply your change again and save.")
    current = client.get("/api/presets/tabs").json()
    assert current["parameters"] == {"tp-size": [2]} and current["version"] == 2
    assert client.get("/api/presets/tabs/versions").json()["total"] == 2
    # With the version it reloaded, tab 2 saves.
    again = client.put("/api/presets/tabs", json={"parameters": {"tp-size": [4]}}, headers={"If-Match": '"2"'})
    assert again.status_code == 200 and again.json()["version"] == 3


def test_version_in_the_body_works_like_if_match(client):
    create_preset(client, name="Tabs")
    assert client.put("/api/presets/tabs", json={"description": "a", "version": 1}).status_code == 200
    assert_error(client.put("/api/presets/tabs", json={"description": "b", "version": 1}), 412, STALE)
    assert_error(
        client.put("/api/presets/tabs", json={"description": "b", "version": 2}, headers={"If-Match": '"1"'}),
        422,
        "The If-Match header and 'version' disagree",
    )
    assert client.get("/api/presets/tabs").json()["description"] == "a"


@pytest.mark.parametrize("header", ['"1"', "1", 'W/"1"', '"7", "1"', "*"])
def test_if_match_forms_that_match(client, header):
    create_preset(client, name="Tabs")
    assert client.put("/api/presets/tabs", json={"description": "x"}, headers={"If-Match": header}).status_code == 200


def test_a_malformed_if_match_is_a_sentence(client):
    create_preset(client, name="Tabs")
    assert_error(
        client.put("/api/presets/tabs", json={"description": "x"}, headers={"If-Match": "yesterday"}),
        422,
        "The If-Match header 'yesterday' is not an ETag of a preset",
    )
    # Empty, as the schema's pattern says (schemathesis sent one): it guards nothing, so it is refused.
    assert_error(
        client.put("/api/presets/tabs", json={"description": "x"}, headers={"If-Match": " "}),
        422,
        "The If-Match header is empty",
    )
    assert client.get("/api/presets/tabs").json()["description"] is None


def test_delete_and_restore_honour_the_version(client):
    create_preset(client, name="Tabs")
    client.put("/api/presets/tabs", json={"description": "x"})
    assert_error(client.delete("/api/presets/tabs", headers={"If-Match": '"1"'}), 412, STALE)
    assert_error(client.delete("/api/presets/tabs?version=1"), 412, STALE)
    assert_error(client.post("/api/presets/tabs/versions/1/restore", headers={"If-Match": '"1"'}), 412, STALE)
    assert_error(client.post("/api/presets/tabs/versions/1/restore", json={"version": 1}), 412, STALE)
    assert client.get("/api/presets/tabs").json()["version"] == 2
    assert client.post("/api/presets/tabs/versions/1/restore", json={"version": 2}).json()["version"] == 3
    assert client.delete("/api/presets/tabs", headers={"If-Match": '"3"'}).status_code == 204


@pytest.mark.parametrize("round_", range(3))
def test_two_concurrent_puts_on_the_same_version_exactly_one_wins(client, round_):
    """A real race: two threads send PUT with the same If-Match at the same moment."""
    create_preset(client, name="Tabs", parameters={"tp-size": [1]})
    barrier = threading.Barrier(2)
    results: dict[int, object] = {}

    def tab(value: int) -> None:
        barrier.wait()
        results[value] = client.put(
            "/api/presets/tabs", json={"parameters": {"tp-size": [value]}}, headers={"If-Match": '"1"'}
        )

    threads = [threading.Thread(target=tab, args=(v,)) for v in (2, 4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    codes = sorted(r.status_code for r in results.values())  # type: ignore[attr-defined]
    assert codes == [200, 412], [r.text for r in results.values()]  # type: ignore[attr-defined]
    winner = next(v for v, r in results.items() if r.status_code == 200)  # type: ignore[attr-defined]
    loser = next(r for r in results.values() if r.status_code == 412)  # type: ignore[attr-defined]
    assert loser.json()["detail"].startswith(STALE)
    current = client.get("/api/presets/tabs").json()
    assert current["version"] == 2 and current["parameters"] == {"tp-size": [winner]}
    versions = client.get("/api/presets/tabs/versions").json()
    assert [v["number"] for v in versions["versions"]] == [2, 1]


def test_two_sessions_of_the_service_race_and_exactly_one_wins(app):
    """The same race one layer down: two sessions of the service, each in its own thread."""
    from autotuner.core.actors import Actor
    from autotuner.core.errors import PreconditionFailed
    from autotuner.db.session import session_scope
    from autotuner.presets import service
    from autotuner.presets.schemas import PresetCreate, PresetUpdate

    local = Actor.operator(allow_command_runtime=False)
    factory = app.state.session_factory
    with session_scope(factory) as session:
        preset_id = service.create_preset(session, PresetCreate(name="S", parameters={"a": [1]}), local).preset.id
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def writer(value: int) -> None:
        barrier.wait()
        try:
            with session_scope(factory) as session:
                service.update_preset(session, preset_id, PresetUpdate(parameters={"a": [value]}), local, expected={1})
            outcomes.append("saved")
        except PreconditionFailed:
            outcomes.append("stale")

    threads = [threading.Thread(target=writer, args=(v,)) for v in (2, 3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["saved", "stale"]
    with session_scope(factory) as session:
        assert service.get_preset(session, preset_id, local).version == 2
