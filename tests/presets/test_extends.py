"""Presets that extend others: effective parameters and their sources, cycles, depth and fan-in
limits, missing and unreadable bases, deletion (409 or cascade=detach), change propagation (a
version in every preset extending a changed base), and merge, tasks, export and import working on
effective parameters."""

from __future__ import annotations

import pytest
from support.factories import assert_error, create_preset, create_task


def make(client, name, parameters, extends=None, **extra):
    body = {"name": name, "parameters": parameters, **extra}
    if extends is not None:
        body["extends"] = extends
    response = client.post("/api/presets/", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def get(client, ref):
    return client.get(f"/api/presets/{ref}").json()


def sources(preset):
    return {s["parameter"]: s["name"] for s in preset["effective_sources"]}


def test_effective_parameters_are_the_bases_in_order_then_its_own(client):
    make(client, "A", {"tp-size": [1], "spec": {"steps": [3], "topk": [1]}, "only-a": [True]})
    make(client, "B", {"tp-size": [2], "spec": {"topk": [4]}})
    child = make(client, "C", {"spec": {"steps": [5]}, "own": ["x"]}, extends=["a", "b"])
    assert child["parameters"] == {"spec": {"steps": [5]}, "own": ["x"]}
    assert child["extends"] == [
        {"id": get(client, "a")["id"], "name": "A", "slug": "a"},
        {"id": get(client, "b")["id"], "name": "B", "slug": "b"},
    ]
    assert child["effective_parameters"] == {
        "tp-size": [2],
        "spec": {"steps": [5], "topk": [4]},
        "only-a": [True],
        "own": ["x"],
    }
    assert sources(child) == {"tp-size": "B", "spec.steps": "C", "spec.topk": "B", "only-a": "A", "own": "C"}
    assert get(client, "a")["extended_by"] == 1 and get(client, "c")["extended_by"] == 0
    # The list shows the same.
    listed = next(p for p in client.get("/api/presets/").json() if p["slug"] == "c")
    assert listed["effective_parameters"] == child["effective_parameters"]


def test_sources_follow_a_chain_to_the_preset_that_gave_each_value(client):
    make(client, "Root", {"a": [1], "b": [1]})
    make(client, "Mid", {"b": [2]}, extends=["root"])
    leaf = make(client, "Leaf", {"c": [3]}, extends=["mid"])
    assert leaf["effective_parameters"] == {"a": [1], "b": [2], "c": [3]}
    assert sources(leaf) == {"a": "Root", "b": "Mid", "c": "Leaf"}


@pytest.mark.parametrize(
    ("chain", "cycle"),
    [
        (["a"], "A -> A"),
        (["b"], "A -> B -> A"),
        (["c"], "A -> C -> B -> A"),
    ],
)
def test_cycles_are_refused_with_a_sentence_naming_them(client, chain, cycle):
    make(client, "A", {"a": [1]})
    make(client, "B", {"b": [1]}, extends=["a"])
    make(client, "C", {"c": [1]}, extends=["b"])
    body = assert_error(client.put("/api/presets/a", json={"extends": chain}), 422, "'A' cannot extend")
    assert f"that would make a cycle ({cycle})" in body["detail"]
    assert get(client, "a")["extends"] == [] and get(client, "a")["version"] == 1


def test_a_missing_or_repeated_base_is_a_422_naming_it(client):
    make(client, "A", {"a": [1]})
    assert_error(
        client.post("/api/presets/", json={"name": "X", "parameters": {"a": [1]}, "extends": ["a", "nope", 999]}),
        422,
        "Cannot extend 'nope', '999': no preset with that id or slug",
    )
    assert_error(
        client.post("/api/presets/", json={"name": "X", "parameters": {"a": [1]}, "extends": ["a", "a"]}),
        422,
        "'X' lists 'A' more than once in 'extends'",
    )
    assert client.get("/api/presets/x").status_code == 404


def test_depth_limit(client):
    make(client, "P0", {"a": [0]})
    for i in range(1, 9):
        make(client, f"P{i}", {"a": [i]}, extends=[f"p{i - 1}"])
    body = assert_error(
        client.post("/api/presets/", json={"name": "P9", "parameters": {"a": [9]}, "extends": ["p8"]}),
        422,
        "'P9' cannot extend 'P8': the chain P9 -> P8 -> P7",
    )
    assert "would be 9 levels deep, and at most 8 are allowed" in body["detail"]
    # Deepening from below counts the presets above too: P0 extending a new root makes P8 too deep.
    make(client, "Root", {"r": [1]})
    body = assert_error(client.put("/api/presets/p0", json={"extends": ["root"]}), 422, "'P0' cannot extend 'Root'")
    assert (
        "the chain P8 -> P7 -> P6 -> P5 -> P4 -> P3 -> P2 -> P1 -> P0 -> Root would be 9 levels deep" in body["detail"]
    )


def test_fan_in_limit(client):
    for i in range(17):
        make(client, f"B{i}", {f"f{i}": [i]})
    assert_error(
        client.post(
            "/api/presets/", json={"name": "Wide", "parameters": {"a": [1]}, "extends": [f"b{i}" for i in range(17)]}
        ),
        422,
        "A preset can extend at most 16 presets directly, and 'Wide' lists 17",
    )
    wide = make(client, "Wide", {"a": [1]}, extends=[f"b{i}" for i in range(16)])
    assert len(wide["effective_parameters"]) == 17


def test_a_base_one_cannot_read_is_missing(app):
    from autotuner.core.actors import Actor
    from autotuner.core.errors import ValidationFailed
    from autotuner.db.models import User
    from autotuner.db.session import session_scope
    from autotuner.presets import service
    from autotuner.presets.schemas import PresetCreate

    factory = app.state.session_factory
    with session_scope(factory, write=True) as session:
        ada, bob = User(username="ada", password_hash="x"), User(username="bob", password_hash="x")
        session.add_all([ada, bob])
        session.flush()
        actors = {u.username: Actor(u.username, False, False, user_id=u.id) for u in (ada, bob)}
    with session_scope(factory) as session:
        service.create_preset(session, PresetCreate(name="Private", parameters={"a": [1]}), actors["ada"])
    with session_scope(factory) as session, pytest.raises(ValidationFailed, match="Cannot extend 'private': no preset"):
        service.create_preset(
            session, PresetCreate(name="Mine", parameters={"b": [1]}, extends=["private"]), actors["bob"]
        )
    with session_scope(factory) as session:
        assert service.create_preset(
            session, PresetCreate(name="Ok", parameters={"b": [1]}, extends=["private"]), actors["ada"]
        ).preset.effective_parameters == {"a": [1], "b": [1]}


def test_a_change_to_a_base_reaches_every_preset_extending_it_with_a_version_each(client):
    make(client, "Base", {"tp-size": [1], "mem-fraction-static": [0.8]})
    make(client, "Mid", {"tp-size": [2]}, extends=["base"])
    make(client, "Top", {"x": [1]}, extends=["mid"])
    make(client, "Shadow", {"mem-fraction-static": [0.5]}, extends=["base"])  # hides the changed value
    client.put("/api/presets/base", json={"parameters": {"tp-size": [1], "mem-fraction-static": [0.9]}})
    mid, top, shadow = get(client, "mid"), get(client, "top"), get(client, "shadow")
    assert mid["effective_parameters"] == {"tp-size": [2], "mem-fraction-static": [0.9]} and mid["version"] == 2
    assert top["effective_parameters"] == {"tp-size": [2], "mem-fraction-static": [0.9], "x": [1]}
    assert top["version"] == 2
    assert shadow["version"] == 1  # its effective parameters did not change
    mid_versions = client.get("/api/presets/mid/versions").json()["versions"]
    assert mid_versions[0]["change"] == "base_changed"
    assert mid_versions[0]["summary"] == (
        "Base 'Base' changed (now version 2); effective parameters: mem-fraction-static [0.8] -> [0.9]."
    )
    top_versions = client.get("/api/presets/top/versions").json()["versions"]
    assert top_versions[0]["summary"].startswith("Base 'Mid' changed (now version 2), because its base 'Base' changed")
    # The version keeps the effective parameters as they were.
    assert client.get("/api/presets/top/versions/1").json()["effective_parameters"]["mem-fraction-static"] == [0.8]
    # Renaming a base changes no value: the sources show the new name, and no version is added.
    client.put("/api/presets/base", json={"name": "Base Renamed"})
    assert sources(get(client, "top"))["mem-fraction-static"] == "Base Renamed"
    assert get(client, "top")["version"] == 2


def test_a_stale_if_match_on_a_dependent_after_its_base_changed(client):
    make(client, "Base", {"a": [1]})
    make(client, "Dep", {"b": [1]}, extends=["base"])
    client.put("/api/presets/base", json={"parameters": {"a": [2]}})
    # Dep is at version 2 now: a tab that loaded version 1 must reload.
    assert_error(
        client.put("/api/presets/dep", json={"parameters": {"b": [5]}}, headers={"If-Match": '"1"'}),
        412,
        "Preset 'Dep' changed since you loaded it (you have version 1; local saved version 2",
    )


def test_deleting_an_extended_preset_is_409_listing_the_presets_or_detaches_them(client):
    make(client, "Other", {"z": [9]})
    make(client, "Base", {"tp-size": [1], "g": {"k": [1]}})
    make(client, "A", {"own": [1]}, extends=["base", "other"])
    make(client, "B", {"tp-size": [4]}, extends=["base"])
    assert_error(
        client.delete("/api/presets/base"),
        409,
        "Cannot delete preset 'Base': 'A' and 'B' extend it; delete with cascade=detach",
    )
    assert get(client, "base")["version"] == 1
    before = {ref: get(client, ref) for ref in ("a", "b")}
    assert client.delete("/api/presets/base?cascade=detach").status_code == 204
    assert client.get("/api/presets/base").status_code == 404
    for ref in ("a", "b"):
        after = get(client, ref)
        assert after["effective_parameters"] == before[ref]["effective_parameters"]
        assert after["version"] == 2 and all(b["name"] != "Base" for b in after["extends"])
        versions = client.get(f"/api/presets/{ref}/versions").json()["versions"]
        assert versions[0]["change"] == "detached" and versions[0]["summary"].startswith("Base 'Base' was deleted")
    a = get(client, "a")
    assert a["extends"] == [{"id": get(client, "other")["id"], "name": "Other", "slug": "other"}]
    assert a["parameters"] == {"own": [1], "tp-size": [1], "g": {"k": [1]}}
    assert sources(a) == {"z": "Other", "own": "A", "tp-size": "A", "g.k": "A"}
    assert get(client, "b")["parameters"] == {"tp-size": [4], "g": {"k": [1]}}


def test_merge_and_tasks_use_effective_parameters_and_record_versions(client):
    make(client, "Base", {"tp-size": [1, 2], "mem-fraction-static": [0.8]})
    child = make(client, "Child", {"schedule-policy": ["lpm"]}, extends=["base"])
    merged = client.post("/api/presets/merge", json={"preset_ids": ["child"]}).json()
    assert merged["parameters"] == {"mem-fraction-static": [0.8], "schedule-policy": ["lpm"], "tp-size": [1, 2]}
    assert merged["applied"] == [{"id": child["id"], "name": "Child", "slug": "child", "version": 1}]
    client.put("/api/presets/base", json={"parameters": {"tp-size": [4], "mem-fraction-static": [0.8]}})
    task = create_task(client, presets={"ids": ["child", "balanced"], "merge_strategy": "last_wins"})
    provenance = task["provenance"]["presets"]
    assert [(p["name"], p["version"]) for p in provenance] == [("Child", 2), ("Balanced", 1)]
    assert provenance[0]["parameters"] == {"tp-size": [4], "mem-fraction-static": [0.8], "schedule-policy": ["lpm"]}
    # The task links to exactly that version of the preset.
    linked = client.get(f"/api/presets/{provenance[0]['id']}/versions/{provenance[0]['version']}").json()
    assert linked["effective_parameters"] == provenance[0]["parameters"]


def test_export_carries_the_version_and_bases_and_import_restores_the_links(client):
    make(client, "Base", {"tp-size": [1]}, description="b")
    make(client, "Child", {"x": [1]}, extends=["base", "balanced"])
    client.put("/api/presets/child", json={"parameters": {"x": [2]}})
    single = client.get("/api/presets/child/export").json()
    assert single["preset"]["version"] == 2 and single["preset"]["extends"] == ["Base", "Balanced"]
    assert single["preset"]["effective_parameters"] == get(client, "child")["effective_parameters"]
    bundle = client.get("/api/presets/child/export?with_bases=true").json()
    assert [p["name"] for p in bundle["presets"]] == ["Base", "Balanced", "Child"]
    # Elsewhere (here: after deleting them) the bundle brings the base back and links it.
    assert client.delete("/api/presets/child").status_code == 204
    assert client.delete("/api/presets/base").status_code == 204
    response = client.post("/api/presets/import?on_conflict=skip", json=bundle)
    assert response.status_code == 201, response.text
    result = response.json()
    assert [p["name"] for p in result["imported"]] == ["Base", "Child"] and result["skipped"] == ["Balanced"]
    child = get(client, "child")
    assert [b["name"] for b in child["extends"]] == ["Base", "Balanced"]
    assert child["effective_parameters"] == single["preset"]["effective_parameters"]
    versions = client.get("/api/presets/child/versions").json()["versions"]
    assert (
        versions[0]["change"] == "imported"
        and versions[0]["summary"] == "Imported from a file (exported at version 2)."
    )


def test_import_refuses_a_base_that_is_neither_in_the_file_nor_here(client):
    document = {"version": "1.0", "preset": {"name": "Orphan", "parameters": {"a": [1]}, "extends": ["Gone"]}}
    assert_error(
        client.post("/api/presets/import", json=document),
        422,
        "Import validation failed: preset 'Orphan' extends 'Gone', which is neither in the file nor on this service; "
        "export it with its bases (?with_bases=true) or import that preset first.",
    )
    cyclic = {
        "version": "1.0",
        "presets": [
            {"name": "X", "parameters": {"a": [1]}, "extends": ["Y"]},
            {"name": "Y", "parameters": {"a": [1]}, "extends": ["X"]},
        ],
    }
    assert_error(
        client.post("/api/presets/import", json=cyclic),
        422,
        "Import validation failed: the presets of the file extend one another in a cycle (X -> Y -> X)",
    )
    assert client.get("/api/presets/orphan").status_code == 404


def test_import_of_an_older_export_says_so(client):
    make(client, "Evolving", {"a": [1]})
    old_export = client.get("/api/presets/evolving/export").json()
    client.put("/api/presets/evolving", json={"parameters": {"a": [2]}})
    client.put("/api/presets/evolving", json={"parameters": {"a": [3]}})
    skipped = client.post("/api/presets/import?on_conflict=skip", json=old_export).json()  # the preset here
    assert skipped["notes"] == [
        "'Evolving' in the file is version 1, older than the preset here (version 3): it was skipped."
    ]
    refused = assert_error(client.post("/api/presets/import", json=old_export), 409, "A preset named 'Evolving'")
    assert "(the file holds version 1, older than the one here, version 3)" in refused["detail"]
    over = client.post("/api/presets/import?on_conflict=overwrite", json=old_export).json()
    assert over["notes"][0].endswith("it was overwritten, and version 3 stays in its history (restore it to undo).")
    assert get(client, "evolving")["parameters"] == {"a": [1]} and get(client, "evolving")["version"] == 4
    # A base here that differs from the exported one is reported too.
    make(client, "Base", {"a": [1]})
    make(client, "Kid", {"b": [1]}, extends=["base"])
    kid_export = client.get("/api/presets/kid/export").json()
    client.delete("/api/presets/kid")
    client.put("/api/presets/base", json={"parameters": {"a": [5]}})
    notes = client.post("/api/presets/import", json=kid_export).json()["notes"]
    assert notes == [
        "'Kid' extends 'Base', whose values here differ from those of the export: its effective parameters here "
        "differ from the file's."
    ]


def test_duplicate_keeps_the_links(client):
    make(client, "Base", {"a": [1]})
    make(client, "Child", {"b": [1]}, extends=["base"])
    copy = client.post("/api/presets/child/duplicate", json={}).json()
    assert copy["name"] == "Child (copy)" and [b["name"] for b in copy["extends"]] == ["Base"]
    assert copy["effective_parameters"] == {"a": [1], "b": [1]}
    assert client.get(f"/api/presets/{copy['id']}/versions").json()["versions"][0]["summary"] == (
        "Created as a copy of 'Child' (version 1)."
    )


def test_extends_can_be_changed_and_cleared_with_a_version_each(client):
    make(client, "A", {"a": [1]})
    make(client, "B", {"b": [1]})
    create_preset(client, name="C", parameters={"c": [1]})
    changed = client.put("/api/presets/c", json={"extends": ["b", "a"]}).json()
    assert [b["name"] for b in changed["extends"]] == ["B", "A"] and changed["version"] == 2
    cleared = client.put("/api/presets/c", json={"extends": []}).json()
    assert cleared["extends"] == [] and cleared["effective_parameters"] == {"c": [1]} and cleared["version"] == 3
    summaries = [v["summary"] for v in client.get("/api/presets/c/versions").json()["versions"]]
    assert summaries[:2] == [
        "Now extends nothing (was 'B', 'A'); effective parameters: removed b; removed a.",
        "Now extends 'B', 'A' (was nothing); effective parameters: added b [1]; added a [1].",
    ]
    diff = client.get("/api/presets/c/versions/1/diff/2").json()
    assert [f["field"] for f in diff["fields"]] == ["extends"]
    assert diff["effective_parameters"]["added"] == [
        {"parameter": "b", "values": [1]},
        {"parameter": "a", "values": [1]},
    ]
