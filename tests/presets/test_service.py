"""The preset service called directly (the HTTP tests are tests/test_preset_routes.py): what the
API and the CLI share."""

from __future__ import annotations

import pytest

from autotuner.core.actors import Actor
from autotuner.core.errors import InvalidParameters, PresetNotFound
from autotuner.db.session import session_scope
from autotuner.presets import service
from autotuner.presets.schemas import PresetCreate, PresetUpdate

LOCAL = Actor.operator(allow_command_runtime=False)


@pytest.fixture
def session(app):
    with session_scope(app.state.session_factory) as session:
        yield session


def test_create_returns_the_catalogs_warnings_once(session):
    saved = service.create_preset(
        session,
        PresetCreate(name="W", runtime="sglang", parameters={"tp-size": [1], "brand-new-flag": [True]}),
        LOCAL,
    )
    assert saved.preset.id is not None
    assert len(saved.warnings) == 1 and "'brand-new-flag' is not in the SGLang" in saved.warnings[0]
    read = saved.read()
    assert read.warnings == saved.warnings and read.slug == "w"


def test_a_preset_with_a_flag_the_engine_renamed_is_saved_with_a_warning(session):
    saved = service.create_preset(
        session,
        PresetCreate(name="Old", runtime="sglang", parameters={"cuda-graph-max-bs": [8], "tp-size": [1]}),
        LOCAL,
    )
    assert saved.warnings == [
        "'cuda-graph-max-bs' is not a flag of SGLang 0.5.23: it was renamed to 'cuda-graph-max-bs-decode' - "
        "write 'cuda-graph-max-bs-decode' instead."
    ]


def test_update_rechecks_the_catalog_and_refuses_a_value_out_of_range(session):
    saved = service.create_preset(session, PresetCreate(name="U", runtime="sglang", parameters={"tp-size": [1]}), LOCAL)
    with pytest.raises(InvalidParameters, match="mem-fraction-static"):
        service.update_preset(session, saved.preset.id, PresetUpdate(parameters={"mem-fraction-static": [1.5]}), LOCAL)
    again = service.update_preset(session, "u", PresetUpdate(parameters={"tp-size": [2], "other-flag": [1]}), LOCAL)
    assert again.preset.parameters == {"tp-size": [2], "other-flag": [1]}
    assert [w.split("'")[1] for w in again.warnings] == ["other-flag"]


@pytest.mark.parametrize(
    ("ref", "sentence"),
    [
        ("nope", "Preset not found: no preset with id or slug 'nope'."),
        ("123456", "Preset not found: no preset with id 123456."),
        (str(2**40), f"Preset not found: no preset with id {2**40}."),
    ],
)
def test_lookup_names_what_was_asked_for(session, ref, sentence):
    with pytest.raises(PresetNotFound) as info:
        service.get_preset(session, ref, LOCAL)
    assert info.value.message == sentence


@pytest.mark.parametrize(
    ("refs", "sentence"),
    [
        (["high-throughput", "nope"], "Preset not found: no preset with id or slug 'nope'."),
        (["999", "high-throughput"], "Preset not found: no preset with id 999."),
        (["998", "999"], "Preset not found: no preset with ids 998, 999."),
        (["nope", "999", "gone"], "Preset not found: no preset with id 999, nor with id or slug 'nope', 'gone'."),
    ],
)
def test_a_merge_names_the_presets_it_cannot_find_as_a_lookup_does(session, refs, sentence):
    with pytest.raises(PresetNotFound) as info:
        service.merge_presets(session, refs, "union", actor=LOCAL)
    assert info.value.message == sentence


def test_merge_report_is_the_api_answer(session):
    report = service.merge_report(
        *service.merge_presets(session, ["high-throughput", "memory-efficient"], "union", actor=LOCAL)
    )
    assert report.applied_presets == ["High Throughput", "Memory Efficient"]
    assert report.parameters == {"tp-size": [1, 2, 4], "mem-fraction-static": [0.7, 0.75, 0.9]}
    assert report.combinations == 9 and report.merge_strategy == "union"
    assert {c.parameter for c in report.conflicts} == {"tp-size", "mem-fraction-static"}


def test_a_bundle_imported_in_bulk_stores_what_one_by_one_creation_stores(client):
    """The bulk path of an import (new presets extending nothing) writes the same preset,
    version 1 and audit event as creating each preset does."""
    import json

    made = client.post("/api/presets/", json={"name": "One", "parameters": {"a": [1], "g": {"b": [2]}}}).json()
    bundle = {"version": "1.0", "presets": [{"name": "Two", "parameters": {"a": [1], "g": {"b": [2]}}}]}
    answer = client.post(
        "/api/presets/import", content=json.dumps(bundle), headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 201, answer.text
    [bulk] = answer.json()["imported"]
    assert bulk["id"] > made["id"] and bulk["version"] == 1 and bulk["slug"] == "two"
    for key in ("parameters", "effective_parameters", "visibility", "owner", "extends", "extended_by"):
        assert bulk[key] == made[key], key
    assert [{**s, "id": 0, "name": "", "slug": ""} for s in bulk["effective_sources"]] == [
        {**s, "id": 0, "name": "", "slug": ""} for s in made["effective_sources"]
    ]
    assert {s["id"] for s in bulk["effective_sources"]} == {bulk["id"]}
    versions = client.get(f"/api/presets/{bulk['id']}/versions").json()["versions"]
    assert [(v["number"], v["change"]) for v in versions] == [(1, "imported")]
    assert client.get(f"/api/presets/{bulk['id']}/versions/1").json()["effective_sources"] == bulk["effective_sources"]


def test_a_bundle_with_one_bad_preset_imports_none_and_uses_no_id(client):
    import json

    def post(presets):
        body = json.dumps({"version": "1.0", "presets": presets})
        return client.post("/api/presets/import", content=body, headers={"Content-Type": "application/json"})

    before = client.get("/api/presets/").json()
    good = [{"name": f"p{i}", "parameters": {"tp-size": [1]}} for i in range(300)]
    refused = post([*good, {"name": "bad", "runtime": "sglang", "parameters": {"tp-size": ["many"]}}])
    assert refused.status_code == 422 and "tp-size" in refused.json()["detail"], refused.text[:300]
    assert client.get("/api/presets/").json() == before
    answer = post(good)
    assert answer.status_code == 201 and len(answer.json()["imported"]) == 300
    assert [p["name"] for p in answer.json()["imported"]] == [f"p{i}" for i in range(300)]
