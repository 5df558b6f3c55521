"""GET /api/presets/{id}/analytics against numbers computed by hand (in the comments)."""

from __future__ import annotations

from support.experiments import add_experiments, context
from support.factories import assert_error, create_preset, create_task


def test_preset_analytics_match_hand_computed_figures(client, app) -> None:
    a = create_preset(
        client, "Preset A", runtime="sglang", parameters={"tp-size": [1, 2], "mem-fraction-static": [0.8, 0.9]}
    )
    b = create_preset(client, "Preset B", runtime="sglang", parameters={"max-running-requests": [64, 128]})
    first = create_task(client, task_name="one", base_runtime="sglang", presets={"ids": [a["id"], b["id"]]})
    add_experiments(
        app,
        first["id"],
        [
            ({"tp-size": 1, "mem-fraction-static": 0.8, "max-running-requests": 64}, 10.0, context("H100")),
            ({"tp-size": 2, "mem-fraction-static": 0.9, "max-running-requests": 128}, 30.0, context("H100")),
            ({"tp-size": 1, "mem-fraction-static": 0.9, "max-running-requests": 64}, None, context("H100")),
        ],
    )
    changed = client.put(
        f"/api/presets/{a['id']}", json={"parameters": {"tp-size": [1, 2, 4], "mem-fraction-static": [0.9]}}
    )
    assert changed.status_code == 200, changed.text
    second = create_task(
        client, task_name="two", base_runtime="sglang", presets={"ids": [a["id"]], "overrides": {"tp-size": [1, 4, 8]}}
    )
    add_experiments(
        app,
        second["id"],
        [
            ({"tp-size": 4, "mem-fraction-static": 0.9}, 5.0, context("A100")),
            ({"tp-size": 1, "mem-fraction-static": 0.9}, 7.0, context("A100")),
            ({"tp-size": 8, "mem-fraction-static": 0.9}, 20.0, context("A100")),  # tp-size 8 is not A's
        ],
    )
    create_task(client, task_name="unrelated", base_runtime="sglang", parameters={"tp-size": [1]})

    response = client.get(f"/api/presets/{a['id']}/analytics")
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["preset_id"], body["preset_name"], body["tasks"], body["experiments"]) == (a["id"], "Preset A", 2, 6)
    assert body["by_version"] == [
        {"version": 1, "tasks": 1, "experiments": 3},
        {"version": 2, "tasks": 1, "experiments": 3},
    ]
    model = "meta-llama/Llama-3.1-8B-Instruct"
    assert body["contexts"] == [
        {
            "key": f"sglang|{model}|A100|maximize_throughput",
            "label": f"{model} on sglang, A100, maximize_throughput",
            "runtime": "sglang",
            "model_id": model,
            "gpu_model": "A100",
            "objective": "maximize_throughput",
            "best_score": 20.0,
            "median_score": 7.0,  # 5, 7, 20
            "experiments": 3,
        },
        {
            "key": f"sglang|{model}|H100|maximize_throughput",
            "label": f"{model} on sglang, H100, maximize_throughput",
            "runtime": "sglang",
            "model_id": model,
            "gpu_model": "H100",
            "objective": "maximize_throughput",
            "best_score": 30.0,
            "median_score": 20.0,  # 10, 30 (the failed one has no score)
            "experiments": 2,
        },
    ]
    # Task one's best (tp 2, 0.9) is within A v1; task two's best (tp 8) is not.
    assert (body["wins"], body["win_rate"]) == (1, 0.5)
    assert body["trend"] == [
        {"version": 1, "best_score": 30.0, "median_score": 20.0},
        {"version": 2, "best_score": 20.0, "median_score": 7.0},
    ]
    assert body["compared"] == [
        {
            "preset_id": b["id"],
            "preset_name": "Preset B",
            "tasks_together": 1,
            "wins": 1,  # task one's best has max-running-requests 128
            "win_rate": 1.0,
            "median_score": 20.0,  # its values: the experiments scored 10 and 30
        }
    ]

    unused = client.get(f"/api/presets/{b['id']}/analytics").json()
    assert (unused["tasks"], unused["wins"], unused["win_rate"]) == (1, 1, 1.0)
    empty = create_preset(client, "Never used", parameters={"tp-size": [1]})
    nothing = client.get(f"/api/presets/{empty['slug']}/analytics").json()
    assert (nothing["tasks"], nothing["experiments"], nothing["win_rate"], nothing["contexts"]) == (0, 0, None, [])
    assert_error(client.get("/api/presets/999999/analytics"), 404)
