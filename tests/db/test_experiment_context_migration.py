"""Migration 0011 gives existing experiments the context their task knows."""

from __future__ import annotations

import json

from sqlalchemy import text

from autotuner.db import migrate
from autotuner.db.session import make_engine


def test_existing_experiments_get_their_tasks_context(database_url):
    engine = make_engine(database_url)
    try:
        migrate.upgrade(engine, "0010")
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO tasks (id, task_name, model, base_runtime, runtime_version, deployment_mode, parameters,"
                    " optimization, benchmark, warnings, status, created_at, updated_at, experiments_done,"
                    " cancel_requested, visibility) VALUES (7, 'old', :model, 'vllm', '0.33.0', 'local', '{}', :opt,"
                    " :bench, '[]', 'completed', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 2, false, 'private'),"
                    " (8, 'empty', :model, 'sglang', NULL, 'local', '{}', '{}', '{}', '[]', 'pending',"
                    " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 0, false, 'private')"
                ),
                {
                    "model": json.dumps({"id_or_path": "Qwen/Qwen2.5-7B-Instruct"}),
                    "opt": json.dumps({"objective": "minimize_ttft"}),
                    "bench": json.dumps({"traffic_scenarios": ["D(100,100)"], "concurrency": [1, 4]}),
                },
            )
            connection.execute(
                text(
                    "INSERT INTO experiments (task_id, sequence, parameters, status, created_at) VALUES"
                    " (7, 1, '{}', 'succeeded', CURRENT_TIMESTAMP), (7, 2, '{}', 'failed', CURRENT_TIMESTAMP)"
                )
            )
        migrate.upgrade(engine)
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT context FROM experiments ORDER BY sequence")).scalars().all()
        contexts = [json.loads(r) if isinstance(r, str) else r for r in rows]
        assert contexts[0] == contexts[1]
        assert contexts[0] == {
            "runtime": "vllm",
            "runtime_version": "0.33.0",
            "model_id": "Qwen/Qwen2.5-7B-Instruct",
            "model_params_b": None,
            "architecture": None,
            "dtype": None,
            "quantization": None,
            "gpu_model": None,
            "gpu_memory_gb": None,
            "gpu_count": None,
            "cpu_model": None,
            "cpu_cores": None,
            "scenario": ["D(100,100)"],
            "concurrency": [1, 4],
            "objective": "minimize_ttft",
        }
    finally:
        engine.dispose()
