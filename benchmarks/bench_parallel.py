"""Wall time of a 16-experiment task of the stand-in engine with 1, 2 and 4 slots in the pool.

Each experiment starts ``examples/toy_engine.py`` (under its supervisor), benchmarks it and tears
it down, exactly as the worker does (:func:`autotuner.tuning.runner.run_search` with a
:class:`~autotuner.tuning.engine.gpus.DevicePool` of declared slots). The stand-in sleeps
(asyncio) while it "generates", so experiments on a 2-core machine overlap as they would on a GPU
box, where the GPUs work and the CPU mostly waits; what does cost CPU here (starting Python
processes, the benchmark client) is what parallel runs contend for. The result is reported as a
ratio to the 1-slot time of the same run, with the load average, since the machines are shared.

Run: ``.venv/bin/python benchmarks/bench_parallel.py [--delay-scale 20] [--slots 1 2 4] [--repeat 1]``
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from autotuner.tuning.engine.gpus import DevicePool
from autotuner.tuning.runner import SearchHooks, run_search
from autotuner.tuning.strategies import make_strategy

ROOT = Path(__file__).resolve().parents[1]
SPACE = {"mem-fraction-static": [0.6, 0.7, 0.8, 0.9], "schedule-policy": ["fcfs", "lpm", "random", "dfs-weight"]}


def task(delay_scale: float) -> dict[str, Any]:
    return {
        "task_name": "bench-parallel",
        "base_runtime": "command",
        "model": {"id_or_path": "bench-parallel"},
        "command": [
            sys.executable,
            str(ROOT / "examples" / "toy_engine.py"),
            "--model-path",
            "bench-parallel",
            "--port",
            "{port}",
            "--delay-scale",
            str(delay_scale),
        ],
        "parameters": SPACE,
        "optimization": {"strategy": "grid_search", "max_iterations": 16, "timeout_per_iteration": 300},
        "benchmark": {
            "traffic_scenarios": ["D(32,8)"],
            "concurrency": [2],
            "requests_per_level": 4,
            "warmup_requests": 1,
        },
    }


def one_run(slots: int, delay_scale: float, log_dir: Path) -> tuple[float, int, dict[str, Any] | None]:
    from autotuner.tuning.engine.commands import build_command  # noqa: F401 - warm the import before timing

    body = task(delay_scale)
    strategy = make_strategy(body)
    failed = 0
    lock = threading.Lock()

    def finish(_sequence: int, _combination: dict[str, Any], outcome: Any) -> None:
        nonlocal failed
        if outcome.status != "succeeded":
            with lock:
                failed += 1
                print(f"  experiment failed: {outcome.error}", file=sys.stderr)

    hooks = SearchHooks(
        start=lambda sequence, _c: log_dir / f"slots{slots}-experiment-{sequence}.log",
        status=lambda _s, _st: None,
        finish=finish,
    )
    pool = DevicePool([f"slot-{i}" for i in range(slots)], "slot", "bench")
    started = time.monotonic()
    reason = run_search(body, strategy, hooks, cancel_event=threading.Event(), pool=pool, group="bench")
    wall = time.monotonic() - started
    assert len(strategy.history) == 16, reason
    return wall, failed, strategy.best_combination


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--delay-scale", type=float, default=20.0)
    parser.add_argument("--slots", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}, load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    results: dict[int, list[float]] = {n: [] for n in args.slots}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.repeat):
            for slots in args.slots:
                wall, failed, best = one_run(slots, args.delay_scale, Path(tmp))
                results[slots].append(wall)
                print(f"{slots} slot(s): {wall:6.1f} s, {failed} failed, best {best}", flush=True)
    print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    base = min(results[min(args.slots)])
    print("\nslots | best wall time | ratio to 1 slot")
    for slots in args.slots:
        wall = min(results[slots])
        print(f"{slots:5d} | {wall:12.1f} s | {wall / base:6.0%}")


if __name__ == "__main__":
    main()
