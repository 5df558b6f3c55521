"""GET /api/analytics/importance: a synthetic surface where one flag dominates, and marginals
computed by hand."""

from __future__ import annotations

import itertools

import pytest
from support.experiments import add_experiments, context
from support.factories import assert_error, create_task

from autotuner.analytics.importance import importance


def test_the_dominant_flag_ranks_first_on_a_synthetic_surface(client, app) -> None:
    task = create_task(
        client,
        base_runtime="sglang",
        parameters={
            "max-running-requests": [16, 32, 64, 128],
            "mem-fraction-static": [0.8, 0.9],
            "chunked-prefill-size": [2048, 4096],
        },
    )
    rows = []
    for requests, memory, chunk in itertools.product([16, 32, 64, 128], [0.8, 0.9], [2048, 4096]):
        # requests carries most of the score; memory a little; the chunk nothing.
        score = 10.0 * requests + (5.0 if memory == 0.9 else 0.0)
        rows.append(
            (
                {"max-running-requests": requests, "mem-fraction-static": memory, "chunked-prefill-size": chunk},
                score,
                context("H100"),
            )
        )
    add_experiments(app, task["id"], rows)
    body = client.get("/api/analytics/importance", params={"task_id": task["id"]}).json()
    assert body["method"].startswith("first-order functional ANOVA")
    assert (body["tasks"], body["experiments"]) == (1, 16)
    names = [p["name"] for p in body["parameters"]]
    assert names == ["max-running-requests", "mem-fraction-static", "chunked-prefill-size"]
    shares = {p["name"]: p["importance"] for p in body["parameters"]}
    assert sum(shares.values()) == pytest.approx(1.0)
    assert shares["max-running-requests"] > 0.99 and shares["chunked-prefill-size"] == 0.0
    memory = next(m for m in body["marginals"] if m["name"] == "mem-fraction-static")
    # 0.8: the 8 scores 160, 160, 320, 320, 640, 640, 1280, 1280.
    assert memory["values"][0] == {
        "value": 0.8,
        "n": 8,
        "mean": 600.0,
        "median": 480.0,
        "min": 160.0,
        "max": 1280.0,
        "q1": 280.0,
        "q3": 800.0,
    }
    # Across tasks (its runtime and model) the same ranking; another runtime has no evidence.
    across = client.get(
        "/api/analytics/importance", params={"runtime": "sglang", "model_id": "meta-llama/Llama-3.1-8B-Instruct"}
    )
    assert [p["name"] for p in across.json()["parameters"]] == names
    none = client.get("/api/analytics/importance", params={"runtime": "vllm"}).json()
    assert (none["tasks"], none["experiments"], none["parameters"], none["marginals"]) == (0, 0, [], [])
    assert_error(client.get("/api/analytics/importance", params={"task_id": 999999}), 404)
    assert_error(client.get("/api/analytics/importance", params={"runtime": "nope"}), 422)


def test_scores_are_standardised_per_task_before_pooling() -> None:
    # Two tasks on very different scales: flag a decides within each; pooled raw, the task's scale
    # (not a flag) would dominate. Standardised, a explains everything and b nothing.
    samples = [({"a": 1, "b": 1}, -1.0), ({"a": 2, "b": 1}, 1.0), ({"a": 1, "b": 2}, -1.0), ({"a": 2, "b": 2}, 1.0)]
    assert importance(samples) == [("a", 1.0), ("b", 0.0)]
    assert importance([]) == []
