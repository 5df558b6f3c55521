"""The presets as served from the preset cache (autotuner.web.preset_list_cache): a preset, the
list and a merge answer exactly what the database holds, after every kind of change, and a
large list goes gzip-compressed to a client that accepts it."""

from __future__ import annotations

import gzip

import pytest
from support.factories import create_preset

from autotuner.web.routes.presets import _accepts_gzip


def as_read(saved: dict) -> dict:
    """A create's answer without its catalog warnings: what GET answers."""
    return {k: v for k, v in saved.items() if k != "warnings"}


def test_a_cached_preset_follows_every_change(client):
    base = create_preset(client, "cache-base", parameters={"tp-size": [1, 2]})
    client.get("/api/presets/")  # fills the cache
    assert client.get("/api/presets/cache-base").json() == as_read(base)

    updated = client.put("/api/presets/cache-base", json={"description": "changed"})
    assert updated.status_code == 200, updated.text
    read = client.get("/api/presets/cache-base")
    assert read.json()["description"] == "changed" and read.headers["etag"] == '"2"'
    client.get("/api/presets/")
    assert client.get(f"/api/presets/{base['id']}").json()["description"] == "changed"

    child = create_preset(client, "cache-child", parameters={"dp-size": [1]}, extends=["cache-base"])
    client.get("/api/presets/")
    assert client.get("/api/presets/cache-base").json()["extended_by"] == 1
    merged = client.post("/api/presets/merge", json={"preset_ids": [child["id"]], "merge_strategy": "union"})
    assert merged.json()["parameters"] == {"tp-size": [1, 2], "dp-size": [1]}

    assert client.delete(f"/api/presets/{child['id']}").status_code == 204
    assert client.get("/api/presets/cache-child").status_code == 404
    assert client.get("/api/presets/cache-base").json()["extended_by"] == 0
    missing = client.post("/api/presets/merge", json={"preset_ids": [child["id"]], "merge_strategy": "union"})
    assert missing.status_code == 404


def test_merges_from_the_cache_answer_as_merges_from_the_database(client):
    a = create_preset(client, "cache-a", parameters={"tp-size": [1, 2], "nested": {"x": [1]}})
    b = create_preset(client, "cache-b", parameters={"tp-size": [4], "nested": {"x": [2]}})
    bodies = [
        {"preset_ids": [a["id"], "cache-b"], "merge_strategy": strategy, "overrides": {"nested": {"x": [9]}}}
        for strategy in ("union", "intersection", "last_wins", "deep_merge", "smart")
    ]
    from_database = [client.post("/api/presets/merge", json=body).json() for body in bodies]
    client.get("/api/presets/")  # fills the cache: the merges below read its rows
    for _ in range(2):  # a merge that changed its inputs would answer differently the second time
        assert [client.post("/api/presets/merge", json=body).json() for body in bodies] == from_database
    assert client.get("/api/presets/cache-a").json() == as_read(a)
    assert client.get("/api/presets/cache-b").json() == as_read(b)


def test_a_large_list_is_gzipped_for_a_client_that_accepts_it(client):
    for i in range(30):
        create_preset(client, f"cache-many-{i}", description="x" * 200)
    plain = client.get("/api/presets/", headers={"Accept-Encoding": "identity"})
    assert plain.headers.get("content-encoding") is None
    assert plain.headers["vary"] == "Accept-Encoding"

    # httpx would decompress on its own: read the bytes as they came.
    with client.stream("GET", "/api/presets/", headers={"Accept-Encoding": "gzip"}) as zipped:
        assert zipped.headers["content-encoding"] == "gzip"
        raw = b"".join(zipped.iter_raw())
    assert len(raw) < len(plain.content) / 3
    assert gzip.decompress(raw) == plain.content

    refused = client.get("/api/presets/", headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert refused.headers.get("content-encoding") is None and refused.content == plain.content


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("gzip", True),
        ("gzip, deflate, br", True),
        ("br;q=1.0, gzip;q=0.8", True),
        ("*", True),
        ("gzip;q=0", False),
        ("*;q=0", False),
        ("identity", False),
        ("", False),
        ("deflate, *;q=0.1", True),
        ("gzip;q=0, *", False),
    ],
)
def test_accept_encoding_is_read_as_http_says(header, expected):
    assert _accepts_gzip(header) is expected


def test_reads_go_on_while_another_connection_holds_a_write_open(app, client):
    """Short reads may run on the event loop (SQLite) because readers never wait for a writer:
    with a write transaction held open elsewhere, a preset, the list and a merge still answer."""
    import time

    from sqlalchemy import text

    from autotuner.db.session import WRITE_OPTION

    create_preset(client, "held")
    with app.state.engine.connect().execution_options(**{WRITE_OPTION: True}) as other:
        other.begin()  # on SQLite: BEGIN IMMEDIATE, the database's write lock, held
        other.execute(text("UPDATE parameter_presets SET description = 'being changed' WHERE slug = 'held'"))
        started = time.monotonic()
        assert client.get("/api/presets/held").json()["description"] is None
        assert client.get("/api/presets/").status_code == 200
        merged = client.post("/api/presets/merge", json={"preset_ids": ["held", "balanced"]})
        assert merged.status_code == 200, merged.text
        assert time.monotonic() - started < 5  # the busy timeout is 30 s
        other.rollback()


def test_the_first_users_ownership_of_earlier_presets_shows_at_once(app, client):
    """Creating the first user gives it the presets made before (one UPDATE of their owner, in
    the accounts service): the cached rows must show the new owner at once."""
    from support.accounts import make_user, signed_in

    create_preset(client, "made-before-users")
    client.get("/api/presets/")  # fills the cache
    assert client.get("/api/presets/made-before-users").json()["owner"] is None
    alice = make_user(app, "alice", admin=True)
    with signed_in(app, alice) as signed:
        assert signed.get("/api/presets/made-before-users").json()["owner"] == "alice"
        mine = signed.get("/api/presets/", params={"mine": True}).json()
        assert [p["slug"] for p in mine] == ["made-before-users"]


@pytest.mark.parametrize(
    "change",
    [
        "DELETE FROM parameter_presets WHERE slug = 'first-of-three'",
        "UPDATE parameter_presets SET category = 'elsewhere' WHERE slug = 'first-of-three'",
        "INSERT INTO preset_shares (preset_id, team_id) SELECT id, {team} FROM parameter_presets"
        " WHERE slug = 'first-of-three'",
    ],
    ids=["delete-not-the-newest", "update-without-last-update", "share"],
)
def test_the_cache_sees_what_another_process_writes_in_sql(app, client, change):
    """Another process (the CLI, an operator's SQL) may change the table any way it likes: a
    delete of a preset that is not the newest, an update that leaves ``updated_at`` alone, a share
    added. The next read answers what the database holds."""
    from sqlalchemy import text
    from support.accounts import make_team

    from autotuner.db.session import WRITE_OPTION

    for name in ("first-of-three", "second-of-three", "third-of-three"):
        create_preset(client, name)
    team = make_team(app, "cache-team")
    before = client.get("/api/presets/").json()
    with app.state.engine.connect().execution_options(**{WRITE_OPTION: True}) as other:
        other.execute(text(change.format(team=team)))
        other.commit()
        expected = {row[0] for row in other.execute(text("SELECT slug FROM parameter_presets"))}
    after = client.get("/api/presets/").json()
    assert after != before
    assert {p["slug"] for p in after} == expected
    one = client.get("/api/presets/first-of-three")
    if "first-of-three" in expected:
        assert one.json() == next(p for p in after if p["slug"] == "first-of-three")
    else:
        assert one.status_code == 404
