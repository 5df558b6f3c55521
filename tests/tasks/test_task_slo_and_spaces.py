"""Tasks' SLOs (subsets, several percentiles, fail_ratio, exponential penalties), traffic settings,
and the engine-neutral parallel and quantization spaces, through the API."""

from __future__ import annotations

import pytest
from sqlalchemy import update
from support.factories import assert_error, create_task

from autotuner.db.models import Task

DEFAULTS = {"hard": False, "weight": 1.0, "fail_ratio": None, "penalty": "linear", "steepness": None}


def test_one_metric_alone_and_several_percentiles(client):
    task = create_task(client, parameters={"tp-size": [1]}, slo={"latency": {"percentile": "p99", "max_ms": 10000}})
    assert task["slo"] == {
        "ttft": None,
        "tpot": None,
        "latency": [{"percentile": "p99", "max_ms": 10000.0, **DEFAULTS}],
    }
    slo = {
        "latency": [
            {"percentile": "p50", "max_ms": 2000},
            {"percentile": "p99", "max_ms": 10000, "hard": True, "fail_ratio": 0.05},
        ],
        "tpot": {"max_ms": 50, "weight": 2, "penalty": "exponential", "steepness": 0.2},
    }
    task = create_task(client, task_name="two", parameters={"tp-size": [1]}, slo=slo)
    assert task["slo"]["latency"] == [
        {"percentile": "p50", "max_ms": 2000.0, **DEFAULTS},
        {"percentile": "p99", "max_ms": 10000.0, **DEFAULTS, "hard": True, "fail_ratio": 0.05},
    ]
    assert task["slo"]["tpot"] == [
        {"percentile": "p90", "max_ms": 50.0, **DEFAULTS, "weight": 2.0, "penalty": "exponential", "steepness": 0.2}
    ]
    assert client.get(f"/api/tasks/{task['id']}").json()["slo"] == task["slo"]
    # an update replaces the SLOs; null clears them
    changed = client.put(f"/api/tasks/{task['id']}", json={"slo": {"ttft": {"max_ms": 300, "penalty": "exponential"}}})
    assert changed.status_code == 200, changed.text
    assert changed.json()["slo"]["ttft"][0]["steepness"] == 0.1 and changed.json()["slo"]["latency"] is None
    assert client.put(f"/api/tasks/{task['id']}", json={"slo": None}).json()["slo"] is None


def test_rows_written_before_limit_lists_read_as_lists(client, app):
    task = create_task(client, parameters={"tp-size": [1]})
    with app.state.session_factory() as session:
        old = {"ttft": {"percentile": "p90", "max_ms": 500, "hard": False}, "tpot": None}
        session.execute(update(Task).where(Task.id == task["id"]).values(slo=old))
        session.commit()
    read = client.get(f"/api/tasks/{task['id']}").json()
    assert read["slo"]["ttft"] == [{"percentile": "p90", "max_ms": 500.0, **DEFAULTS}]


@pytest.mark.parametrize(
    ("slo", "fragment"),
    [
        ({"ttft": {"max_ms": 500, "fail_ratio": 0.1}}, "fail_ratio on a soft limit"),
        ({"ttft": {"max_ms": 500, "steepness": 0.1}}, "steepness on a linear penalty"),
    ],
)
def test_slo_refusals_are_sentences(client, slo, fragment):
    body = assert_error(
        client.post(
            "/api/tasks/", json={"task_name": "t", "model": {"id_or_path": "m"}, "parameters": {"a": [1]}, "slo": slo}
        ),
        422,
    )
    assert fragment in body["detail"]


def test_traffic_scenarios_and_additional_params(client):
    task = create_task(
        client,
        parameters={"tp-size": [1]},
        benchmark={"traffic_scenarios": ["U(50,150)/(20,80)", "D(10,10)"], "additional_params": {"top_p": 0.9}},
    )
    assert task["benchmark"]["additional_params"] == {"top_p": 0.9}
    for scenarios, fragment in ((["E(1024)"], "embedding scenario"), (["U(5,1)/(1,1)"], "each minimum")):
        body = assert_error(
            client.post(
                "/api/tasks/",
                json={
                    "task_name": "x",
                    "model": {"id_or_path": "m"},
                    "parameters": {"a": [1]},
                    "benchmark": {"traffic_scenarios": scenarios},
                },
            ),
            422,
        )
        assert fragment in body["detail"]
    body = assert_error(
        client.post(
            "/api/tasks/",
            json={
                "task_name": "x",
                "model": {"id_or_path": "m"},
                "parameters": {"a": [1]},
                "benchmark": {"additional_params": {"stream": False}},
            },
        ),
        422,
    )
    assert "additional_params cannot set 'stream'" in body["detail"]


def test_parallel_and_quantization_become_sglang_flags_crossed_with_the_space(client):
    task = create_task(
        client,
        parameters={"mem-fraction-static": [0.8, 0.9]},
        parallel={"tp": [1, 2], "dp": [1, 2]},
        quantization={"weights": ["fp8", None], "kv_cache": ["auto", "fp8_e5m2"]},
        optimization={"max_iterations": 100},
    )
    assert task["parameters"] == {
        "mem-fraction-static": [0.8, 0.9],
        "tp-size": [1, 2],
        "dp-size": [1, 2],
        "quantization": ["fp8", False],
        "kv-cache-dtype": ["auto", "fp8_e5m2"],
    }
    assert task["parallel"] == {"tp": [1, 2], "pp": None, "dp": [1, 2], "ep": None}
    assert task["quantization"] == {"weights": ["fp8", None], "kv_cache": ["auto", "fp8_e5m2"]}
    assert task["combinations"] == 2 * 2 * 2 * 2 * 2
    assert task["neutral_flags"] == {
        "tp-size": "parallel.tp",
        "dp-size": "parallel.dp",
        "quantization": "quantization.weights",
        "kv-cache-dtype": "quantization.kv_cache",
    }
    # --quantization is a flag of the catalog's SGLang release: no warning about where it came from.
    assert not any(w.startswith("quantization.weights becomes --quantization") for w in task["warnings"])
    # the runtime changes: the neutral words' flags follow it
    moved = client.put(f"/api/tasks/{task['id']}", json={"base_runtime": "vllm"})
    assert moved.status_code == 200, moved.text
    assert moved.json()["parameters"] == {
        "mem-fraction-static": [0.8, 0.9],
        "tensor-parallel-size": [1, 2],
        "data-parallel-size": [1, 2],
        "quantization": ["fp8", False],
        "kv-cache-dtype": ["auto", "fp8_e5m2"],
    }
    # dropping parallel takes its flags out of the space
    narrowed = client.put(f"/api/tasks/{task['id']}", json={"parallel": None})
    assert "tensor-parallel-size" not in narrowed.json()["parameters"] and narrowed.json()["parallel"] is None


def test_vllm_expert_parallel_is_a_switch(client):
    task = create_task(client, base_runtime="vllm", parallel={"ep": [1, 2, 4]})
    assert task["parameters"] == {"enable-expert-parallel": [False, True]}


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (
            {"parameters": {"tp": [1]}, "parallel": {"tp": [2]}},
            "parallel.tp sets --tp-size, which parameters also give as 'tp'",
        ),
        ({"base_runtime": "llamacpp", "parallel": {"tp": [2]}}, "llama.cpp runs one process"),
        ({"base_runtime": "llamacpp", "quantization": {"kv_cache": ["q8_0"]}}, "llama.cpp takes its weights"),
        ({"parallel": {"tp": [0]}}, ""),
    ],
)
def test_neutral_space_refusals(client, body, fragment):
    payload = {"task_name": "t", "model": {"id_or_path": "m.gguf"}, **body}
    answer = assert_error(client.post("/api/tasks/", json=payload), 422)
    assert fragment in answer["detail"]
    assert client.get("/api/tasks").json() == []


def test_draft_space_counts_the_neutral_words(client):
    answer = client.post(
        "/api/tasks/space",
        json={"parameters": {"schedule-policy": ["lpm", "fcfs"]}, "parallel": {"tp": [1, 2, 4]}, "gpus": 2},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["total"] == 6 and answer.json()["parameters"]["tp-size"] == [1, 2, 4]
