"""The task API: tasks from parameters or presets, provenance, catalog validation, spaces."""

from __future__ import annotations

import pytest
from sqlalchemy import update
from support.factories import MODEL, assert_error, create_task

from autotuner.db.models import Task


def preset_id(client, slug):
    return client.get(f"/api/presets/{slug}").json()["id"]


def set_status(app, task_id, status):
    with app.state.session_factory() as session:
        session.execute(update(Task).where(Task.id == task_id).values(status=status))
        session.commit()


def test_create_from_parameters_with_defaults(client):
    task = create_task(client, parameters={"tp-size": [1, 2], "mem-fraction-static": [0.8, 0.9]})
    assert task["status"] == "pending" and task["base_runtime"] == "sglang" and task["deployment_mode"] == "local"
    assert task["combinations"] == 4 and task["provenance"] is None and task["warnings"] == []
    assert task["optimization"]["strategy"] == "grid_search"
    assert task["benchmark"]["traffic_scenarios"] == ["D(100,100)"]
    assert client.get(f"/api/tasks/{task['id']}").json() == task
    assert [t["id"] for t in client.get("/api/tasks").json()] == [task["id"]]


def test_create_from_presets_records_provenance(client):
    ht, me = preset_id(client, "high-throughput"), preset_id(client, "memory-efficient")
    task = create_task(client, presets={"ids": [ht, me], "merge_strategy": "last_wins", "overrides": {"tp-size": [2]}})
    assert task["parameters"] == {"tp-size": [2], "mem-fraction-static": [0.7, 0.75]}
    provenance = task["provenance"]
    assert [p["name"] for p in provenance["presets"]] == ["High Throughput", "Memory Efficient"]
    assert provenance["presets"][0]["parameters"] == {"tp-size": [2, 4], "mem-fraction-static": [0.9]}
    assert provenance["merge_strategy"] == "last_wins" and provenance["overrides"] == {"tp-size": [2]}
    union = create_task(client, task_name="u", presets={"ids": ["high-throughput", "memory-efficient"]})
    assert union["parameters"] == {"tp-size": [1, 2, 4], "mem-fraction-static": [0.7, 0.75, 0.9]}


def test_provenance_survives_preset_change_and_deletion(client):
    custom = client.post("/api/presets/", json={"name": "Mine", "parameters": {"tp-size": [1, 2]}}).json()
    task = create_task(client, presets={"ids": [custom["id"], "balanced"], "merge_strategy": "union"})
    client.put(f"/api/presets/{custom['id']}", json={"parameters": {"tp-size": [8]}})
    client.delete(f"/api/presets/{custom['id']}")
    again = client.get(f"/api/tasks/{task['id']}").json()
    assert again["parameters"] == {"tp-size": [1, 2], "mem-fraction-static": [0.85]}
    assert again["provenance"]["presets"][0] == {
        "id": custom["id"],
        "version": 1,
        "name": "Mine",
        "slug": "mine",
        "runtime": None,
        "parameters": {"tp-size": [1, 2]},
    }


def test_parameters_beside_presets_apply_before_overrides(client):
    task = create_task(
        client,
        parameters={"schedule-policy": ["fcfs"], "tp-size": [4]},
        presets={"ids": ["balanced"], "overrides": {"tp-size": [1]}},
    )
    assert task["parameters"] == {"tp-size": [1], "mem-fraction-static": [0.85], "schedule-policy": ["fcfs"]}
    assert task["provenance"]["overrides"] == {"schedule-policy": ["fcfs"], "tp-size": [1]}


def test_runtime_mismatch_and_unknown_flags_are_warnings(client):
    task = create_task(client, base_runtime="vllm", presets={"ids": ["balanced"]})
    assert any(
        w.startswith("Preset 'Balanced' is written for sglang, but this task runs vllm") for w in task["warnings"]
    )
    assert any("'tp-size' is not in the vLLM" in w for w in task["warnings"])
    other = create_task(client, task_name="o", parameters={"tp-size": [1], "brand-new-flag": ["x"]})
    assert len(other["warnings"]) == 1 and "brand-new-flag" in other["warnings"][0]


@pytest.mark.parametrize(
    "body, status, fragment",
    [
        ({}, 422, "no parameter space"),
        ({"parameters": {"mem-fraction-static": [1.5]}}, 422, "'mem-fraction-static' value 1.5"),
        ({"parameters": {"schedule-policy": ["fastest"]}}, 422, "schedule-policy"),
        ({"parameters": {"tp-size": 2}}, 422, '{"tp-size": [2]}'),
        ({"presets": {"ids": [999]}}, 404, "Preset not found: no preset with id 999"),
        ({"presets": {"ids": ["balanced"], "merge_strategy": "foo"}}, 422, "Invalid merge strategy 'foo'"),
        (
            {"presets": {"ids": ["high-throughput", "memory-efficient"], "merge_strategy": "intersection"}},
            422,
            "The merged parameter space is empty",
        ),
        (
            {"parameters": {"a": [1]}, "benchmark": {"traffic_scenarios": ["D(100)"]}},
            422,
            "Traffic scenario 'D(100)' is not understood",
        ),
        ({"parameters": {"a": [1]}, "base_runtime": "command"}, 422, 'needs "command"'),
        ({"parameters": {"a": [1]}, "base_runtime": "command", "command": ["python", "s.py"]}, 422, '"{port}"'),
        ({"parameters": {"a": [1]}, "deployment_mode": "kubernetes"}, 422, "Invalid field 'deployment_mode'"),
        ({"parameters": {"a": list(range(60))}}, 422, "The grid holds 60 combinations, more than max_iterations (50)"),
    ],
)
def test_create_refusals(client, body, status, fragment):
    detail = assert_error(client.post("/api/tasks/", json={"task_name": "bad", "model": MODEL, **body}), status)[
        "detail"
    ]
    assert fragment in detail, detail
    assert client.get("/api/tasks/").json() == []


def test_large_space_is_accepted_when_sampled_or_searched(client):
    create_task(client, task_name="a", parameters={"a": list(range(60))}, optimization={"sample_if_larger": True})
    create_task(client, task_name="b", parameters={"a": list(range(60))}, optimization={"strategy": "bayesian"})


def test_name_taken_is_409(client):
    create_task(client, parameters={"a": [1]})
    assert (
        "A task named 't' already exists"
        in assert_error(
            client.post("/api/tasks/", json={"task_name": "t", "model": MODEL, "parameters": {"a": [1]}}), 409
        )["detail"]
    )


def test_update_and_delete_respect_running(client, app):
    task = create_task(client, parameters={"tp-size": [1]}, presets=None)
    updated = client.put(f"/api/tasks/{task['id']}", json={"description": "d", "optimization": {"max_iterations": 5}})
    assert updated.status_code == 200, updated.text
    assert updated.json()["description"] == "d" and updated.json()["optimization"]["max_iterations"] == 5
    from_presets = client.put(f"/api/tasks/{task['id']}", json={"presets": {"ids": ["balanced"]}}).json()
    assert from_presets["provenance"]["presets"][0]["name"] == "Balanced"
    by_hand = client.put(f"/api/tasks/{task['id']}", json={"parameters": {"tp-size": [4]}}).json()
    assert by_hand["parameters"] == {"tp-size": [4]} and by_hand["provenance"] is None
    set_status(app, task["id"], "running")
    assert (
        "is running: cancel it before you edit it"
        in assert_error(client.put(f"/api/tasks/{task['id']}", json={"description": "x"}), 409)["detail"]
    )
    assert (
        "is running: cancel it before you delete it"
        in assert_error(client.delete(f"/api/tasks/{task['id']}"), 409)["detail"]
    )
    set_status(app, task["id"], "completed")
    assert client.delete(f"/api/tasks/{task['id']}").status_code == 204
    assert "Task not found: no task with id" in assert_error(client.get(f"/api/tasks/{task['id']}"), 404)["detail"]


def test_list_filters_by_status(client, app):
    first = create_task(client, task_name="a", parameters={"a": [1]})
    create_task(client, task_name="b", parameters={"a": [1]})
    set_status(app, first["id"], "failed")
    assert [t["task_name"] for t in client.get("/api/tasks/?status=failed").json()] == ["a"]
    assert [t["task_name"] for t in client.get("/api/tasks/?status=pending").json()] == ["b"]
    assert_error(client.get("/api/tasks/?status=bogus"), 422)


def test_space_counts_rule_removals_and_pages(client):
    task = create_task(
        client,
        gpus=4,
        parameters={
            "tp-size": [1, 2, 4],
            "dp-size": [1, 2],
            "enable-mixed-chunk": [True, False],
            "chunked-prefill-size": [-1, 4096],
        },
    )
    space = client.get(f"/api/tasks/{task['id']}/space?limit=100").json()
    assert space["total"] == 24
    removed = {r["rule"]: r["removed"] for r in space["removed_by_rule"]}
    # tp x dp > 4 only for (4, 2): 1 of 6 (tp, dp) pairs -> 4 combinations.
    assert removed["sglang-gpu-count"] == 4
    # enable-mixed-chunk true with chunked-prefill-size -1: 1 of 4 pairs -> 6 combinations.
    assert removed["sglang-mixed-chunk-needs-chunked-prefill"] == 6
    # 1 of 24 is removed by both rules.
    assert space["valid"] == 24 - 4 - 6 + 1
    assert len(space["combinations"]) == space["valid"]
    for combination in space["combinations"]:
        assert combination["tp-size"] * combination["dp-size"] <= 4
        assert not (combination["enable-mixed-chunk"] and combination["chunked-prefill-size"] == -1)
    page = client.get(f"/api/tasks/{task['id']}/space?offset=2&limit=3").json()
    assert page["combinations"] == space["combinations"][2:5]
    assert_error(client.get(f"/api/tasks/{task['id']}/space?limit=-1"), 422)["detail"]


def test_draft_space(client):
    body = {"base_runtime": "sglang", "gpus": 2, "presets": {"ids": ["high-throughput", "memory-efficient"]}}
    space = client.post("/api/tasks/space", json=body).json()
    assert space["parameters"] == {"tp-size": [1, 2, 4], "mem-fraction-static": [0.7, 0.75, 0.9]}
    assert (space["total"], space["valid"]) == (9, 6)
    assert (
        "no parameter space"
        in assert_error(client.post("/api/tasks/space", json={"base_runtime": "vllm"}), 422)["detail"]
    )


def test_runtimes_catalog_endpoints(client):
    runtimes = {r["name"]: r for r in client.get("/api/runtimes").json()}
    assert set(runtimes) == {"sglang", "vllm", "llamacpp"} and runtimes["sglang"]["release"]
    flags = {f["name"]: f for f in client.get("/api/runtimes/sglang/parameters/").json()}
    assert {"lpm", "random", "fcfs", "dfs-weight", "lof"} <= set(flags["schedule-policy"]["choices"])
    assert flags["mem-fraction-static"]["type"] == "float"
    vllm = {f["name"] for f in client.get("/api/runtimes/vllm/parameters").json()}
    assert {"tensor-parallel-size", "gpu-memory-utilization", "max-num-seqs", "enable-prefix-caching"} <= vllm
    assert "Unknown runtime 'tgi'" in assert_error(client.get("/api/runtimes/tgi/parameters"), 404)["detail"]


def test_runtimes_catalog_endpoints_take_a_version(client):
    sglang = client.get("/api/runtimes/sglang").json()
    assert sglang["versions"][:2] == ["0.5.23", "0.5.22"] and sglang["release"] == "0.5.23"
    assert sglang["engine_flag_count"] > 400 and sglang["flag_count"] < sglang["engine_flag_count"]
    older = client.get("/api/runtimes/sglang?version=0.5.22").json()
    assert older["release"] == "0.5.22" and older["label"] == "SGLang 0.5.22"
    versions = {v["version"]: v for v in client.get("/api/runtimes/vllm/versions").json()}
    assert set(versions) >= {"0.33.0", "0.32.0"}
    assert len(versions["0.33.0"]["sha256"]) == 64 and versions["0.33.0"]["package"].startswith("vllm-0.33.0-")
    every = {f["name"]: f for f in client.get("/api/runtimes/vllm/flags", params={"version": "0.32.0"}).json()}
    assert every["enforce-eager"]["switch"] and every["enforce-eager"]["negative"] == "no-enforce-eager"
    assert every["tensor-parallel-size"]["tuned"] and not every["port"]["tuned"]
    tuned = client.get("/api/runtimes/sglang/parameters", params={"version": "0.5.22"}).json()
    assert "cuda-graph-max-bs-decode" in {f["name"] for f in tuned}
    refused = assert_error(client.get("/api/runtimes/sglang/flags", params={"version": "0.4.0"}), 422)["detail"]
    assert refused == (
        "There is no sglang catalog of version '0.4.0': use one of 0.5.23, 0.5.22, or generate it with "
        "`autotuner catalog sync sglang==0.4.0`."
    )


def test_a_task_pins_runtime_version_and_a_renamed_flag_is_a_422(client):
    base = {"model": {"id_or_path": "m"}, "base_runtime": "sglang"}
    created = client.post(
        "/api/tasks/", json={**base, "task_name": "pinned", "runtime_version": "0.5.22", "parameters": {"tp-size": [1]}}
    )
    assert created.status_code == 201, created.text
    assert created.json()["runtime_version"] == "0.5.22"
    default = client.post("/api/tasks/", json={**base, "task_name": "newest", "parameters": {"tp-size": [1]}})
    assert default.json()["runtime_version"] == "0.5.23"  # SGLang is not installed here: the newest catalog
    renamed = client.post(
        "/api/tasks/", json={**base, "task_name": "old-flag", "parameters": {"cuda-graph-max-bs": [8, 16]}}
    )
    assert assert_error(renamed, 422)["detail"] == (
        "Invalid parameters: 'cuda-graph-max-bs' is not a flag of SGLang 0.5.23: it was renamed to "
        "'cuda-graph-max-bs-decode' - write 'cuda-graph-max-bs-decode' instead."
    )
    # the release's own deprecation: --enable-dp-attention still works in 0.5.23, with a warning
    deprecated = client.post(
        "/api/tasks/", json={**base, "task_name": "deprecated", "parameters": {"enable-dp-attention": [True]}}
    )
    assert deprecated.status_code == 201, deprecated.text
    assert (
        "'enable-dp-attention' is deprecated in SGLang 0.5.23: use 'attn-dp-size' instead."
        in deprecated.json()["warnings"]
    )
    unknown_version = client.post(
        "/api/tasks/", json={**base, "task_name": "v", "runtime_version": "9.9.9", "parameters": {"tp-size": [1]}}
    )
    assert "There is no sglang catalog of version '9.9.9'" in assert_error(unknown_version, 422)["detail"]
    command = client.post(
        "/api/tasks/",
        json={
            **base,
            "task_name": "c",
            "base_runtime": "command",
            "runtime_version": "1.0",
            "command": ["python", "s.py", "--port", "{port}"],
            "parameters": {"x": [1]},
        },
    )
    assert "runtime_version applies to engines with a catalog" in assert_error(command, 422)["detail"]


def test_changing_runtime_version_rechecks_the_flags(client):
    base = {"model": {"id_or_path": "m"}, "base_runtime": "vllm", "task_name": "moving"}
    created = client.post("/api/tasks/", json={**base, "parameters": {"tensor-parallel-size": [1]}}).json()
    moved = client.put(f"/api/tasks/{created['id']}", json={"runtime_version": "0.32.0"})
    assert moved.status_code == 200, moved.text
    assert moved.json()["runtime_version"] == "0.32.0"


def test_preset_runtime_filter_and_catalog_check_for_vllm(client):
    response = client.post(
        "/api/presets/", json={"name": "V", "runtime": "vllm", "parameters": {"gpu-memory-utilization": [0.9, 1.2]}}
    )
    assert "'gpu-memory-utilization' value 1.2" in assert_error(response, 422)["detail"]
    client.post("/api/presets/", json={"name": "V", "runtime": "vllm", "parameters": {"gpu-memory-utilization": [0.9]}})
    assert [p["name"] for p in client.get("/api/presets/?runtime=vllm").json()] == ["V"]
