"""Latency of the analytics endpoints with 10,000 experiments in the database, and proof of no N+1.

Setup: a temporary SQLite database (or ``--database-url`` PostgreSQL, in a schema made for this run
and dropped afterwards); 10 presets and ``--tasks`` tasks made through the real API (each from 2 of
the presets), then ``--experiments`` experiments in all written in bulk, with scores and contexts
(4 GPU models, 2 objectives). The requests go through the whole ASGI stack in process
(``fastapi.testclient``: routing, authentication, validation, the database), timed one at a time:

* ``GET /api/presets/{id}/analytics`` for the most used preset,
* ``GET /api/analytics/importance`` across tasks (runtime filter) and for one task,
* ``POST /api/presets/suggest`` (memory model + history over every task),
* ``GET /api/presets/{id}`` as the baseline (one row, the same stack).

For each: p50 and p99 latency, the ratio of p50 to the baseline, and the SQL statements one
request runs, counted again with a tenth of the experiments: equal counts mean the queries do
not grow with the data (no query per task or per experiment).

Run: ``.venv/bin/python benchmarks/bench_analytics.py [--experiments 10000] [--tasks 200]
[--repeat 30] [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/test]``
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event, insert

from autotuner.core.settings import Settings
from autotuner.db.models import Experiment, Task
from autotuner.db.session import session_scope
from autotuner.web.app import create_app

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from support.databases import postgres_schema_url  # noqa: E402

GPUS = [("H100", 80.0), ("A100", 80.0), ("L40S", 48.0), ("A10", 24.0)]
MODELS = ["meta-llama/Llama-3.1-8B-Instruct", "Qwen/Qwen2.5-7B-Instruct", "mistralai/Mistral-7B-Instruct-v0.3"]
SPACE = {
    "mem-fraction-static": [0.8, 0.85, 0.9],
    "max-running-requests": [64, 128, 256],
    "chunked-prefill-size": [2048, 4096],
    "schedule-policy": ["fcfs", "lpm"],
}


def populate(client: TestClient, app: Any, tasks: int, experiments: int, seed: int = 0) -> int:
    rng = random.Random(seed)
    presets = []
    for i in range(10):
        flag = list(SPACE)[i % len(SPACE)]
        body = {"name": f"bench preset {i}", "runtime": "sglang", "parameters": {flag: SPACE[flag][: 2 + i % 2]}}
        response = client.post("/api/presets/", json=body)
        assert response.status_code == 201, response.text
        presets.append(response.json()["id"])
    task_ids = []
    for t in range(tasks):
        chosen = [presets[0], presets[1 + t % 9]]
        body = {
            "task_name": f"bench task {t}",
            "model": {"id_or_path": MODELS[t % len(MODELS)]},
            "base_runtime": "sglang",
            "presets": {"ids": chosen},
            "parameters": SPACE,
            "optimization": {"objective": "maximize_throughput" if t % 4 else "minimize_ttft"},
        }
        response = client.post("/api/tasks/", json=body)
        assert response.status_code == 201, response.text
        task_ids.append(response.json()["id"])
    per_task = experiments // tasks
    rows = []
    for t, task_id in enumerate(task_ids):
        gpu, memory = GPUS[t % len(GPUS)]
        for sequence in range(1, per_task + 1):
            parameters = {flag: rng.choice(values) for flag, values in SPACE.items()}
            score = parameters["max-running-requests"] * 2 + parameters["mem-fraction-static"] * 100 + rng.random() * 20
            rows.append(
                {
                    "task_id": task_id,
                    "sequence": sequence,
                    "parameters": parameters,
                    "status": "succeeded" if sequence % 10 else "failed",
                    "score": score if sequence % 10 else None,
                    "context": {
                        "runtime": "sglang",
                        "model_id": MODELS[t % len(MODELS)],
                        "model_params_b": 8.03,
                        "gpu_model": gpu,
                        "gpu_memory_gb": memory,
                        "gpu_count": 8,
                        "scenario": ["D(1000,200)"],
                        "concurrency": [16],
                        "objective": "maximize_throughput" if t % 4 else "minimize_ttft",
                    },
                }
            )
    with session_scope(app.state.session_factory, write=True) as session:
        for start in range(0, len(rows), 2000):
            session.execute(insert(Experiment), rows[start : start + 2000])
        best: dict[int, tuple[float, int]] = {}
        session.flush()
        for experiment_id, task_id, score in session.query(Experiment.id, Experiment.task_id, Experiment.score):
            if score is not None and score > best.get(task_id, (-1.0, 0))[0]:
                best[task_id] = (score, experiment_id)
        for task_id, (_, experiment_id) in best.items():
            session.get(Task, task_id).best_experiment_id = experiment_id  # type: ignore[union-attr]
    return presets[0]


def measure(client: TestClient, app: Any, requests: dict[str, tuple[str, str, Any]], repeat: int) -> dict[str, Any]:
    statements = [0]

    def count(*_: Any) -> None:
        statements[0] += 1

    event.listen(app.state.engine, "before_cursor_execute", count)
    out = {}
    try:
        for name, (method, url, body) in requests.items():
            response = client.request(method, url, json=body)
            assert response.status_code == 200, (name, response.text)
            statements[0] = 0
            client.request(method, url, json=body)
            per_request = statements[0]
            times = []
            for _ in range(repeat):
                began = time.perf_counter()
                client.request(method, url, json=body)
                times.append((time.perf_counter() - began) * 1000)
            times.sort()
            out[name] = {
                "p50": statistics.median(times),
                "p99": times[min(len(times) - 1, round(0.99 * (len(times) - 1)))],
                "statements": per_request,
            }
    finally:
        event.remove(app.state.engine, "before_cursor_execute", count)
    return out


def run(database_url: str | None, tasks: int, experiments: int, repeat: int) -> tuple[dict[str, Any], int]:
    tmp = Path(tempfile.mkdtemp(prefix="autotuner-bench-analytics-"))
    schema = postgres_schema_url(database_url) if database_url else None
    url = next(schema) if schema else f"sqlite:///{tmp / 'autotuner.db'}"
    app = create_app(
        Settings(
            data_dir=tmp, database_url=url, ui_dir=tmp / "no-ui", embedded_worker=False, allowed_hosts=["testserver"]
        )
    )
    try:
        with TestClient(app, headers={"X-Autotuner-CSRF": "1"}, client=("127.0.0.1", 50000)) as client:
            preset_id = populate(client, app, tasks, experiments)
            suggest = {
                "runtime": "sglang",
                "model": {"id": MODELS[0]},
                "hardware": {"gpu_model": "H100", "gpu_memory_gb": 80, "gpu_count": 8},
            }
            requests = {
                "GET /api/presets/{id} (baseline)": ("GET", f"/api/presets/{preset_id}", None),
                "GET /api/presets/{id}/analytics": ("GET", f"/api/presets/{preset_id}/analytics", None),
                "GET /api/analytics/importance?runtime=sglang": (
                    "GET",
                    "/api/analytics/importance?runtime=sglang",
                    None,
                ),
                "GET /api/analytics/importance?task_id=1": ("GET", "/api/analytics/importance?task_id=1", None),
                "POST /api/presets/suggest": ("POST", "/api/presets/suggest", suggest),
            }
            return measure(client, app, requests, repeat), preset_id
    finally:
        app.state.engine.dispose()
        if schema is not None:
            next(schema, None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--experiments", type=int, default=10_000)
    parser.add_argument("--tasks", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    full, _ = run(args.database_url, args.tasks, args.experiments, args.repeat)
    small, _ = run(args.database_url, args.tasks // 10 or 1, args.experiments // 10, 3)
    baseline = full["GET /api/presets/{id} (baseline)"]["p50"]
    backend = "PostgreSQL" if args.database_url else "SQLite"
    print(f"{args.experiments:,} experiments in {args.tasks} tasks, {backend}, {args.repeat} requests each\n")
    print("| request | p50 ms | p99 ms | x baseline (p50) | SQL statements (10x less data) |")
    print("|---|---:|---:|---:|---:|")
    for name, figures in full.items():
        print(
            f"| `{name}` | {figures['p50']:.1f} | {figures['p99']:.1f} | {figures['p50'] / baseline:.1f} | "
            f"{figures['statements']} ({small[name]['statements']}) |"
        )


if __name__ == "__main__":
    main()
