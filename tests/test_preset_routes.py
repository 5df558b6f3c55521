"""The preset REST API, on a real database (SQLite, or PostgreSQL when configured)."""

from __future__ import annotations

import gc
import json
import threading
import warnings
from datetime import datetime

import pytest
from support.factories import assert_error, create_preset

SYSTEM = {
    "memory-efficient": ("Memory Efficient", "memory", {"tp-size": [1], "mem-fraction-static": [0.7, 0.75]}),
    "high-throughput": ("High Throughput", "performance", {"tp-size": [2, 4], "mem-fraction-static": [0.9]}),
    "low-latency": ("Low Latency", "performance", {"tp-size": [1, 2], "schedule-policy": ["lpm"]}),
    "balanced": ("Balanced", "general", {"tp-size": [1, 2], "mem-fraction-static": [0.85]}),
    "cpu-throughput": (
        "CPU Throughput",
        "performance",
        {"parallel": [2, 4], "cont-batching": [True], "threads": [1, 2]},
    ),
}
SYSTEM_COUNT = len(SYSTEM)


def by_slug(client, slug):
    return client.get(f"/api/presets/{slug}").json()


def count(client):
    return len(client.get("/api/presets/").json())


# --- system presets --------------------------------------------------------------------------


def test_system_presets_are_seeded_exactly(client):
    presets = client.get("/api/presets/?is_system=true").json()
    assert {p["slug"] for p in presets} == set(SYSTEM)
    for preset in presets:
        name, category, parameters = SYSTEM[preset["slug"]]
        assert (preset["name"], preset["category"], preset["parameters"]) == (name, category, parameters)
        assert preset["is_system"] is True


def test_seeding_is_idempotent_and_restores_missing_rows(settings, database_url):
    from sqlalchemy import delete, func, select

    from autotuner.db.models import ParameterPreset
    from autotuner.db.session import session_scope
    from autotuner.startup import prepare_database

    # From an empty database (the fixture's is seeded already).
    settings = settings.model_copy(update={"database_url": database_url})
    engine, factory = prepare_database(settings)
    engine.dispose()
    engine, factory = prepare_database(settings)
    with session_scope(factory) as session:
        assert session.scalar(select(func.count()).select_from(ParameterPreset)) == SYSTEM_COUNT
        session.execute(delete(ParameterPreset).where(ParameterPreset.slug == "balanced"))
    engine.dispose()
    engine, factory = prepare_database(settings)
    with session_scope(factory) as session:
        assert session.scalar(select(ParameterPreset.name).where(ParameterPreset.slug == "balanced")) == "Balanced"
        assert session.scalar(select(func.count()).select_from(ParameterPreset)) == SYSTEM_COUNT
    engine.dispose()


def test_system_preset_cannot_be_deleted_or_modified(client):
    balanced = by_slug(client, "balanced")
    assert_error(
        client.delete(f"/api/presets/{balanced['id']}"),
        403,
        "Cannot delete system preset 'Balanced': create a custom preset instead",
    )
    assert_error(
        client.put(f"/api/presets/{balanced['id']}", json={"description": "x"}),
        403,
        "Cannot modify system preset 'Balanced'",
    )
    assert by_slug(client, "balanced") == balanced


# --- create / read ------------------------------------------------------------------------------


def test_create_returns_201_and_reads_back(client):
    created = create_preset(client, description="d", metadata={"author": "me", "tags": ["a"]})
    assert created["slug"] == "my-custom-preset"
    assert created["is_system"] is False
    assert created["parameters"] == {"tp-size": [4, 8], "mem-fraction-static": [0.85]}
    assert created["metadata"] == {"author": "me", "tags": ["a"]}
    for stamp in ("created_at", "updated_at"):
        parsed = datetime.fromisoformat(created[stamp].replace("Z", "+00:00"))
        assert parsed.utcoffset().total_seconds() == 0
    fetched = client.get(f"/api/presets/{created['id']}").json()
    assert {k: v for k, v in created.items() if k != "warnings"} == fetched
    assert client.get("/api/presets/my-custom-preset").json()["id"] == created["id"]


@pytest.mark.parametrize("path", ["/api/presets", "/api/presets/"])
def test_collection_answers_with_and_without_slash(client, path):
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 200
    assert len(response.json()) == SYSTEM_COUNT


def test_item_answers_with_trailing_slash(client):
    created = create_preset(client)
    response = client.get(f"/api/presets/{created['id']}/", follow_redirects=False)
    assert response.status_code == 200 and response.json()["id"] == created["id"]
    response = client.get(f"/api/presets/{created['id']}/export/", follow_redirects=False)
    assert response.status_code == 200
    response = client.post("/api/presets/merge/", json={"preset_ids": [created["id"]]}, follow_redirects=False)
    assert response.status_code == 200


def test_unknown_preset_is_404_with_sentence(client):
    assert_error(client.get("/api/presets/42"), 404, "Preset not found: no preset with id 42")
    assert_error(client.get("/api/presets/no-such-slug"), 404, "Preset not found")
    assert_error(client.delete("/api/presets/42"), 404, "Preset not found: no preset with id 42")
    assert_error(client.put("/api/presets/42", json={"name": "x"}), 404, "Preset not found: no preset with id 42")


def test_parameters_are_normalised_on_create(client):
    created = create_preset(client, parameters={"tp-size": [2, 2, 2.0, True, 1], "g": {"k": ["a", "a"]}})
    assert created["parameters"] == {"tp-size": [2, True, 1], "g": {"k": ["a"]}}


@pytest.mark.parametrize(
    "parameters, fragment",
    [
        ({"tp-size": 1}, '{"tp-size": [1]}'),
        ({}, "at least one parameter"),
        ({"tp-size": []}, "empty array"),
        ({"tp size": [1]}, "not a flag name"),
        ({"tp-size": [None]}, "null"),
        ({"tp-size": [[1]]}, "string, number or boolean"),
        ({"a": {"b": {"c": {"d": [1]}}}}, "nested more than 3 levels"),
        ([1, 2], "Invalid field 'parameters'"),
    ],
)
def test_invalid_parameters_are_422(client, parameters, fragment):
    response = client.post("/api/presets/", json={"name": "Bad", "parameters": parameters})
    body = assert_error(response, 422, "")
    assert fragment in body["detail"], body["detail"]
    assert count(client) == SYSTEM_COUNT


def test_missing_fields_and_bad_json_read_as_sentences(client):
    body = assert_error(
        client.post("/api/presets/", json={"parameters": {"a": [1]}}), 422, "Missing required field 'name'"
    )
    assert body["errors"][0]["loc"] == ["body", "name"]
    assert_error(
        client.post("/api/presets/", content=b"{not json", headers={"content-type": "application/json"}),
        422,
        "The request body is not valid JSON",
    )
    assert_error(
        client.post("/api/presets/", json={"name": "   ", "parameters": {"a": [1]}}), 422, "Invalid field 'name'"
    )
    assert_error(
        client.post("/api/presets/", json={"name": "n", "parameters": {"a": [1]}, "runtime": "tgi"}),
        422,
        "Invalid field 'runtime'",
    )


def test_nul_characters_are_refused_not_crashing(client):
    assert_error(
        client.post("/api/presets/", json={"name": "a\u0000b", "parameters": {"a": [1]}}),
        422,
        "Invalid request: 'name' contains a NUL character",
    )
    assert_error(
        client.post("/api/presets/", json={"name": "ok", "parameters": {"a": ["x\u0000"]}}),
        422,
        "Invalid request: 'parameters.a[0]' contains a NUL character",
    )
    assert_error(client.get("/api/presets/?category=a%00b"), 422, "")
    assert count(client) == SYSTEM_COUNT


def test_name_taken_is_409_and_writes_nothing(client):
    create_preset(client)
    assert_error(
        client.post("/api/presets/", json={"name": "My Custom Preset", "parameters": {"a": [1]}}),
        409,
        "A preset named 'My Custom Preset' already exists",
    )
    assert_error(
        client.post("/api/presets/", json={"name": "Balanced", "parameters": {"a": [1]}}),
        409,
        "A preset named 'Balanced'",
    )
    assert count(client) == SYSTEM_COUNT + 1


def test_similar_names_get_distinct_slugs(client):
    first = create_preset(client, name="Fast Preset")
    second = create_preset(client, name="fast preset")
    third = create_preset(client, name="123")
    assert first["slug"] == "fast-preset" and second["slug"] == "fast-preset-2"
    assert third["slug"] == "preset-123"
    assert client.get("/api/presets/fast-preset-2").json()["name"] == "fast preset"


def test_catalog_errors_and_warnings_on_create(client):
    response = client.post(
        "/api/presets/",
        json={"name": "Out of range", "runtime": "sglang", "parameters": {"mem-fraction-static": [1.5]}},
    )
    body = assert_error(response, 422, "Invalid parameters")
    assert "mem-fraction-static" in body["detail"] and "1.5" in body["detail"]
    created = create_preset(
        client, name="Unknown flag", runtime="sglang", parameters={"tp-size": [1], "made-up-flag": [1]}
    )
    assert any("made-up-flag" in w for w in created["warnings"])
    assert create_preset(client, name="Any engine", parameters={"made-up-flag": [1]})["warnings"] == []


# --- list filters ---------------------------------------------------------------------------


def test_list_filters(client):
    create_preset(
        client, name="Alpha", category="custom", description="for the big model", metadata={"tags": ["Llama-3"]}
    )
    create_preset(client, name="Beta", category="memory", runtime="vllm", parameters={"gpu-memory-utilization": [0.8]})
    names = lambda url: [p["name"] for p in client.get(url).json()]  # noqa: E731
    assert names("/api/presets/?category=memory") == ["Memory Efficient", "Beta"]
    assert names("/api/presets/?is_system=false") == ["Alpha", "Beta"]
    assert names("/api/presets/?q=BIG") == ["Alpha"]
    assert names("/api/presets/?q=llama") == ["CPU Throughput", "Alpha"]  # llama.cpp's preset, Llama-3's
    assert names("/api/presets/?q=throughput") == ["CPU Throughput", "High Throughput"]
    assert names("/api/presets/?runtime=llamacpp") == ["CPU Throughput"]
    assert names("/api/presets/?runtime=vllm") == ["Beta"]
    assert names("/api/presets/?category=nothing") == []
    assert_error(client.get("/api/presets/?is_system=maybe"), 422, "Invalid query parameter 'is_system'")


# --- update / delete ---------------------------------------------------------------------------


def test_update_subset_and_clear_with_null(client):
    created = create_preset(client, description="old", metadata={"tags": ["x"]})
    response = client.put(
        f"/api/presets/{created['id']}", json={"description": None, "metadata": None, "category": "perf"}
    )
    assert response.status_code == 200, response.text
    updated = response.json()
    assert updated["description"] is None and updated["metadata"] is None and updated["category"] == "perf"
    assert updated["parameters"] == created["parameters"] and updated["name"] == created["name"]
    assert updated["updated_at"] >= created["updated_at"]
    assert updated["created_at"] == created["created_at"]


def test_update_name_and_parameters(client):
    created = create_preset(client)
    updated = client.put(
        f"/api/presets/{created['id']}", json={"name": "Renamed", "parameters": {"tp-size": [1]}}
    ).json()
    assert (updated["name"], updated["slug"], updated["parameters"]) == ("Renamed", "renamed", {"tp-size": [1]})
    assert updated["updated_at"] > created["updated_at"]


def test_update_refusals_write_nothing(client):
    created = create_preset(client)
    other = create_preset(client, name="Other")
    assert_error(client.put(f"/api/presets/{created['id']}", json={"name": None}), 422, "'name' cannot be cleared")
    assert_error(
        client.put(f"/api/presets/{created['id']}", json={"parameters": None}), 422, "'parameters' cannot be cleared"
    )
    assert_error(client.put(f"/api/presets/{created['id']}", json={"name": "Other"}), 409, "A preset named 'Other'")
    assert_error(
        client.put(f"/api/presets/{created['id']}", json={"description": "new", "parameters": {"x": 1}}),
        422,
        "Invalid parameters",
    )
    after = client.get(f"/api/presets/{created['id']}").json()
    assert after == {k: v for k, v in created.items() if k != "warnings"}
    assert client.get(f"/api/presets/{other['id']}").json()["name"] == "Other"


def test_delete_custom_preset(client):
    created = create_preset(client)
    response = client.delete(f"/api/presets/{created['id']}")
    assert response.status_code == 204 and response.content == b""
    assert_error(client.get(f"/api/presets/{created['id']}"), 404, "Preset not found")


# --- merge ---------------------------------------------------------------------------------


def merge(client, ids, strategy=None, **extra):
    body = {"preset_ids": ids, **extra}
    if strategy:
        body["merge_strategy"] = strategy
    return client.post("/api/presets/merge", json=body)


def test_merge_reference_workflow(client):
    ht, me = by_slug(client, "high-throughput")["id"], by_slug(client, "memory-efficient")["id"]
    union = merge(client, [ht, me]).json()
    assert union["parameters"] == {"tp-size": [1, 2, 4], "mem-fraction-static": [0.7, 0.75, 0.9]}
    assert union["merge_strategy"] == "union"
    assert union["applied_presets"] == ["High Throughput", "Memory Efficient"]
    assert union["combinations"] == 9
    assert {c["parameter"] for c in union["conflicts"]} == {"tp-size", "mem-fraction-static"}
    last = merge(client, [ht, me], "last_wins").json()
    assert last["parameters"] == {"tp-size": [1], "mem-fraction-static": [0.7, 0.75]}
    assert last["combinations"] == 2
    tuned = merge(client, [ht, me], "last_wins", overrides={"tp-size": [2]}).json()
    assert tuned["parameters"] == {"tp-size": [2], "mem-fraction-static": [0.7, 0.75]}


def test_merge_by_slug_and_aliases(client):
    response = merge(client, ["high-throughput", "memory-efficient"], "override")
    assert response.status_code == 200
    assert response.json()["merge_strategy"] == "last_wins"
    assert merge(client, ["high-throughput", "balanced"], "append").json()["merge_strategy"] == "union"


def test_merge_intersection_reports_empty_parameters(client):
    a = create_preset(client, name="A", parameters={"tp-size": [1, 2], "x": [1]})["id"]
    b = create_preset(client, name="B", parameters={"tp-size": [2, 3], "x": [5]})["id"]
    body = merge(client, [a, b], "intersection").json()
    assert body["parameters"] == {"tp-size": [2]}
    assert any(
        c["message"].startswith("No common values in intersection for 'x': [1] vs [5]") for c in body["conflicts"]
    )


def test_merge_errors(client):
    ht = by_slug(client, "high-throughput")["id"]
    assert_error(
        merge(client, [ht], "foo"), 422, "Invalid merge strategy 'foo': use one of union, intersection, last_wins"
    )
    body = assert_error(merge(client, [ht, 998, 999]), 404, "Preset not found")
    assert "998" in body["detail"] and "999" in body["detail"]
    assert_error(merge(client, [ht, ht]), 422, "Preset")
    assert_error(merge(client, []), 422, "Invalid field 'preset_ids'")
    assert_error(merge(client, [ht], overrides={"tp-size": 2}), 422, "Invalid overrides")


# --- export / import ---------------------------------------------------------------------------


def test_export_file_and_round_trip(client):
    created = create_preset(
        client,
        description="desc",
        runtime="sglang",
        metadata={"author": "me", "tags": ["t"], "recommended_for": ["llama-3-70b"]},
    )
    response = client.get(f"/api/presets/{created['id']}/export")
    assert response.status_code == 200
    assert response.headers["content-disposition"] == 'attachment; filename="preset-my-custom-preset.json"'
    document = response.json()
    assert document["version"] == "1.0"
    assert document["preset"]["parameters"] == created["parameters"]
    client.delete(f"/api/presets/{created['id']}")
    imported = client.post("/api/presets/import", files={"file": ("p.json", response.content, "application/json")})
    assert imported.status_code == 201, imported.text
    again = imported.json()  # one preset: answered with the preset itself
    for key in ("name", "slug", "description", "category", "runtime", "parameters", "metadata", "is_system"):
        assert again[key] == created[key], key


def test_export_of_system_preset_by_slug(client):
    response = client.get("/api/presets/high-throughput/export")
    assert response.headers["content-disposition"].endswith('filename="preset-high-throughput.json"')
    assert response.json()["preset"]["name"] == "High Throughput"


def doc(name="Imported", parameters=None, **extra):
    return {
        "version": "1.0",
        "preset": {"name": name, "category": "custom", "parameters": parameters or {"tp-size": [1, 2]}, **extra},
    }


def test_import_as_json_body(client):
    response = client.post("/api/presets/import", json=doc())
    assert response.status_code == 201
    assert response.json()["name"] == "Imported" and response.json()["id"] >= 1


@pytest.mark.parametrize(
    "document, fragment",
    [
        ({"preset": {"name": "x", "parameters": {"a": [1]}}}, 'no "version"'),
        ({"version": "1.0"}, 'no "preset"'),
        ({"version": "2.0", "preset": {"name": "x", "parameters": {"a": [1]}}}, "unsupported version"),
        (doc(parameters={"tp-size": 1}), '{"tp-size": [1]}'),
        (doc(name=""), "empty name"),
        ({"version": "1.0", "preset": {"name": "x"}}, 'no "parameters"'),
        ([1, 2], "JSON object"),
        ({"version": "1.0", "presets": []}, "non-empty array"),
    ],
)
def test_import_validation_failures(client, document, fragment):
    body = assert_error(client.post("/api/presets/import", json=document), 422, "Import validation failed: ")
    assert fragment in body["detail"], body["detail"]
    assert count(client) == SYSTEM_COUNT


def test_import_not_json_and_missing_field(client):
    assert_error(
        client.post("/api/presets/import", files={"file": ("p.json", b"{oops", "application/json")}),
        422,
        "Import validation failed: the file is not valid JSON",
    )
    assert_error(
        client.post("/api/presets/import", files={"other": ("p.json", b"{}", "application/json")}),
        422,
        'Import validation failed: no multipart field "file"',
    )
    assert_error(client.post("/api/presets/import", content=b""), 422, "Import validation failed")


def test_import_over_one_mib_is_413(client):
    big = json.dumps(doc(description="x" * (1024 * 1024))).encode()
    assert_error(
        client.post("/api/presets/import", files={"file": ("p.json", big, "application/json")}),
        413,
        "The import file is larger than 1024 KiB",
    )
    assert_error(
        client.post("/api/presets/import", content=big, headers={"content-type": "application/json"}),
        413,
        "The import file is larger",
    )
    assert count(client) == SYSTEM_COUNT


def test_a_multipart_import_closes_the_files_of_its_form(client):
    # The form's parts are spooled to temporary files; one left to the garbage collector stays
    # open (a file on disk past 1 MiB) until then, and says so with a ResourceWarning.
    big = json.dumps(doc(description="x" * (1024 * 1024))).encode()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        statuses = [
            client.post("/api/presets/import", files={"file": ("p.json", body, "application/json")}).status_code
            for body in (json.dumps(doc("Closed")).encode(), big)
        ]
        statuses.append(
            client.post("/api/presets/import", files={"other": ("p.json", b"{}", "application/json")}).status_code
        )
        gc.collect()
    assert statuses == [201, 413, 422]
    leaks = [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]
    assert leaks == [], leaks


def test_import_many_is_all_or_nothing(client):
    create_preset(client, name="Taken")
    document = {"version": "1.0", "presets": [doc("One")["preset"], doc("Taken")["preset"]]}
    assert_error(client.post("/api/presets/import", json=document), 409, "A preset named 'Taken' already exists")
    assert count(client) == SYSTEM_COUNT + 1
    document["presets"].append({"name": "Bad", "parameters": {"a": "b"}})
    assert_error(
        client.post("/api/presets/import?on_conflict=skip", json=document),
        422,
        "Import validation failed: preset 'Bad'",
    )
    assert count(client) == SYSTEM_COUNT + 1


def test_import_conflict_modes(client):
    create_preset(client, name="Taken", description="original")
    skip = client.post("/api/presets/import?on_conflict=skip", json=doc("Taken"))
    assert skip.status_code == 200
    assert skip.json()["name"] == "Taken" and skip.json()["description"] == "original" and skip.json()["skipped"]
    renamed = client.post("/api/presets/import?on_conflict=rename", json=doc("Taken")).json()
    assert renamed["name"] == "Taken (2)" and renamed["renamed_from"] == "Taken" and not renamed["skipped"]
    assert client.post("/api/presets/import?on_conflict=rename", json=doc("Taken")).json()["name"] == "Taken (3)"
    over = client.post("/api/presets/import?on_conflict=overwrite", json=doc("Taken", description="new")).json()
    assert over["description"] == "new"
    assert count(client) == SYSTEM_COUNT + 3
    assert_error(
        client.post("/api/presets/import?on_conflict=overwrite", json=doc("Balanced")),
        403,
        "Cannot overwrite system preset 'Balanced'",
    )
    assert_error(
        client.post("/api/presets/import?on_conflict=bogus", json=doc("New")),
        422,
        "Invalid query parameter 'on_conflict'",
    )
    assert by_slug(client, "balanced")["parameters"] == SYSTEM["balanced"][2]


def test_import_refuses_a_field_the_format_does_not_have(client):
    document = doc("Sneaky")
    document["preset"]["is_system"] = True
    assert_error(
        client.post("/api/presets/import", json=document),
        422,
        "Import validation failed: unknown field 'preset.is_system'; the fields are name, description",
    )
    document["preset"].pop("is_system")
    document["preset"]["paramters"] = {"a": [1]}
    assert_error(
        client.post("/api/presets/import", json=document),
        422,
        "Import validation failed: unknown field 'preset.paramters': did you mean 'parameters'?",
    )
    assert_error(client.get("/api/presets/sneaky"), 404)


# --- errors in general ---------------------------------------------------------------------------


def test_unknown_endpoint_and_method_are_sentences(client):
    assert_error(client.get("/api/nothing"), 404, "No such endpoint: GET /api/nothing")
    assert_error(client.patch("/api/presets/"), 405, "Method PATCH is not allowed")


def test_concurrent_creates_never_fail_with_locked(client):
    results: list[int] = []

    def worker(index: int) -> None:
        for j in range(5):
            response = client.post("/api/presets/", json={"name": f"P{index}-{j}", "parameters": {"a": [j]}})
            results.append(response.status_code)
            client.put(f"/api/presets/P{index}-{j}".lower().replace(" ", "-"), json={"description": "u"})

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(201) == 40, results
    assert count(client) == SYSTEM_COUNT + 40


def test_list_reflects_every_change_including_other_writers(client, app):
    from sqlalchemy import update

    from autotuner.db.models import ParameterPreset

    created = create_preset(client)
    assert next(p for p in client.get("/api/presets/").json() if p["id"] == created["id"])["description"] is None
    client.put(f"/api/presets/{created['id']}", json={"description": "changed"})
    assert next(p for p in client.get("/api/presets/").json() if p["id"] == created["id"])["description"] == "changed"
    # A write that bypasses the API (the CLI, another service process) is seen too.
    with app.state.session_factory() as session:
        session.execute(
            update(ParameterPreset)
            .where(ParameterPreset.id == created["id"])
            .values(category="elsewhere", updated_at=datetime(2100, 1, 1))
        )
        session.commit()
    assert [p["name"] for p in client.get("/api/presets/?category=elsewhere").json()] == ["My Custom Preset"]
    client.delete(f"/api/presets/{created['id']}")
    create_preset(client, name="Other")
    assert [p["name"] for p in client.get("/api/presets/?is_system=false").json()] == ["Other"]


def test_parameter_order_is_kept_on_every_database(client):
    parameters = {"schedule-policy": ["lpm", "fcfs"], "tp-size": [4, 1], "a": [True]}
    created = create_preset(client, parameters=parameters)
    fetched = client.get(f"/api/presets/{created['id']}").json()
    assert list(fetched["parameters"]) == ["schedule-policy", "tp-size", "a"]
    assert fetched["parameters"]["tp-size"] == [4, 1]


def test_ids_beyond_32_bits_are_404_not_500(client):
    assert_error(client.get("/api/presets/2147483648"), 404, "Preset not found")
    assert_error(client.get(f"/api/presets/{10**30}"), 404, "Preset not found")
    assert_error(client.post("/api/presets/merge", json={"preset_ids": [2**40]}), 404, "Preset not found")
    assert_error(client.get("/api/tasks/2147483648"), 404, "Task not found")
