"""What a task's recorded experiments say once noise is counted, through the database: the
statistics, the verdict and the front recomputed from the rows, and a resumed search that runs
only the repeats still missing (a service stopped mid-repeats)."""

from __future__ import annotations

import pytest
from support.factories import create_task

from autotuner.db.models import Experiment, Task
from autotuner.db.session import session_scope
from autotuner.runs import service

pytestmark = pytest.mark.db

SPACE = {"tp-size": [1, 2, 4]}


def metrics(throughput: float, ttft: float) -> dict:
    level = {
        "scenario": "D(16,4)",
        "concurrency": 2,
        "requests_succeeded": 4,
        "output_tokens_per_s": throughput,
        "ttft_ms": {"mean": ttft},
        "tpot_ms": {"mean": 5.0},
        "latency_ms": {"mean": ttft + 20},
    }
    return {"levels": [level], "scoring": {"level_scores": [throughput]}}


def test_statistics_verdict_front_and_a_resume_in_the_middle_of_the_repeats(client, app):
    task_id = create_task(
        client,
        parameters=SPACE,
        optimization={
            "strategy": "grid_search",
            "repeats": 2,
            "repeat_top": 2,
            "objectives": ["maximize_throughput", "minimize_ttft"],
        },
    )["id"]
    rows = [  # sequence, tp-size, status, score, repeat of (sequence), ttft
        (1, 1, "succeeded", 100.0, None, 40.0),
        (2, 2, "succeeded", 120.0, None, 60.0),
        (3, 4, "failed", None, None, 0.0),
        (4, 2, "succeeded", 121.0, 2, 60.0),
        (5, 2, "succeeded", 119.0, 2, 60.0),
        (6, 1, "succeeded", 101.0, 1, 40.0),
        (7, 1, "cancelled", None, 1, 0.0),  # interrupted: runs again
    ]
    factory = app.state.session_factory
    with session_scope(factory, write=True) as session:
        ids: dict[int, int] = {}
        for sequence, tp, status, score, repeat_of, ttft in rows:
            experiment = Experiment(
                task_id=task_id,
                sequence=sequence,
                parameters={"tp-size": tp},
                status=status,
                score=score,
                metrics=metrics(score, ttft) if score is not None else None,
                repeat_of=ids.get(repeat_of) if repeat_of else None,
                objective_values={"maximize_throughput": score, "minimize_ttft": ttft} if score else None,
            )
            session.add(experiment)
            session.flush()
            ids[sequence] = experiment.id
        task = session.get_one(Task, task_id)
        service.refresh_results(session, task)
        resumed = service.resume_search(session, task)

    # The search itself is over (the grid's 3 combinations); one repeat of tp-size 1 is missing.
    assert resumed.replayed == 6 and resumed.next_sequence == 8
    assert resumed.strategy.experiments == 3  # the originals only: repeats never reach the strategy
    assert resumed.repeats.next(8) == (1, {"tp-size": 1}) and resumed.repeats.next(9) is None
    assert resumed.pruner is not None and resumed.pruner.best == {("D(16,4)", 2): 121.0}  # repeats count too

    experiments = {e["sequence"]: e for e in client.get(f"/api/tasks/{task_id}/experiments").json()}
    assert experiments[2]["score_stats"]["samples"] == [120.0, 121.0, 119.0]
    assert experiments[1]["score_stats"]["samples"] == [100.0, 101.0]
    assert experiments[3]["score_stats"] is None and experiments[4]["score_stats"] is None
    assert experiments[4]["repeat_of"] == ids[2]
    task = client.get(f"/api/tasks/{task_id}").json()
    assert task["best_experiment_id"] == ids[2]
    assert task["verdict"]["kind"] == "significant" and task["verdict"]["lead_percent"] == pytest.approx(19.4, abs=0.01)
    assert task["verdict"]["sentence"].startswith("Best: #2, ahead of #1 by 19.4% (significant at 95%;")
    # tp-size 1 has the lower TTFT, tp-size 2 the higher throughput: both on the front.
    assert task["pareto_front"] == [ids[1], ids[2]]
    points = client.get(f"/api/tasks/{task_id}/pareto").json()["points"]
    assert [(p["experiment_id"], p["dominated"]) for p in points] == [(ids[1], False), (ids[2], False)]

    # Running it again clears what the results said.
    with session_scope(factory, write=True) as session:
        task_row = session.get_one(Task, task_id)
        task_row.status = "completed"
    assert client.post(f"/api/tasks/{task_id}/restart").status_code == 200
    again = client.get(f"/api/tasks/{task_id}").json()
    assert again["verdict"] is None and again["pareto_front"] == [] and again["best_experiment_id"] is None
