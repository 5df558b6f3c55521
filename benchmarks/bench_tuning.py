"""Search efficiency and per-experiment overhead of the tuning loop.

1. Over a few fixed response surfaces (pure functions of a combination, no engine), how many
   experiments each strategy needs before one comes within 2% of the surface's best score
   (median and worst over seeds; "miss" when the budget ran out first). The grid needs as many
   experiments as it takes to reach the first near-best combination in grid order, but only
   knows it has the best after running the whole space.
2. With the toy engine (examples/toy_engine.py), the time an experiment spends outside the
   engine (start-up wait, teardown) and the benchmark: launching, scoring, bookkeeping and the
   strategy's suggest/record, per experiment.

Run: ``.venv/bin/python benchmarks/bench_tuning.py [--seeds 10] [--experiments 4]``
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import tempfile
import time
from pathlib import Path

from autotuner.core.parameters import count_combinations
from autotuner.tuning.experiment import run_experiment
from autotuner.tuning.space import iter_combinations
from autotuner.tuning.strategies import BayesianSearch, GridSearch, RandomSearch, make_strategy

ROOT = Path(__file__).resolve().parents[1]


# --- response surfaces --------------------------------------------------------------------------


def toy(c):
    speedup = {1: 1.0, 2: 3.0, 4: 3.6}[c["tp-size"]]
    memory = 1.0 if c["mem-fraction-static"] <= 0.8 else 0.78
    return speedup / c["tp-size"] / (memory * {"fcfs": 1.0, "lpm": 0.75}[c["schedule-policy"]])


def smooth(c):
    # A smooth bowl: best at mem 0.88, chunked 4096, max-running 128; policy a mild factor.
    return (
        1000
        * math.exp(
            -(((c["mem-fraction-static"] - 0.88) / 0.06) ** 2)
            - (math.log2(c["chunked-prefill-size"] / 4096) / 2) ** 2
            - (math.log2(c["max-running-requests"] / 128) / 3) ** 2
        )
        * {"fcfs": 1.0, "lpm": 1.05, "dfs-weight": 0.97}[c["schedule-policy"]]
    )


def rugged(c):
    # Interactions and plateaus: tp helps only with large batches, mixed chunk helps only with
    # small chunks, and a few combinations run out of memory (fail, score None).
    if c["mem-fraction-static"] >= 0.93 and c["tp-size"] == 1:
        return None
    batch = c["max-running-requests"]
    tp_gain = {1: 1.0, 2: 1.6 if batch >= 128 else 0.9, 4: 2.2 if batch >= 256 else 0.7}[c["tp-size"]] / c["tp-size"]
    chunk = c["chunked-prefill-size"]
    mixed = 1.15 if (c["enable-mixed-chunk"] and chunk <= 2048) else (0.95 if c["enable-mixed-chunk"] else 1.0)
    mem = 1 + 2 * (c["mem-fraction-static"] - 0.8)
    return 100 * tp_gain * mixed * mem * min(batch, 256) ** 0.3 / (1 + abs(math.log2(chunk / 2048)) * 0.1)


SURFACES = {
    "toy (12)": ({"tp-size": [1, 2, 4], "mem-fraction-static": [0.8, 0.9], "schedule-policy": ["fcfs", "lpm"]}, toy),
    "smooth (240)": (
        {
            "mem-fraction-static": [0.7, 0.75, 0.8, 0.85, 0.9],
            "chunked-prefill-size": [1024, 2048, 4096, 8192],
            "max-running-requests": [32, 64, 128, 512],
            "schedule-policy": ["fcfs", "lpm", "dfs-weight"],
        },
        smooth,
    ),
    "rugged (288)": (
        {
            "tp-size": [1, 2, 4],
            "mem-fraction-static": [0.8, 0.85, 0.9, 0.95],
            "max-running-requests": [64, 128, 256],
            "chunked-prefill-size": [1024, 2048, 4096, 8192],
            "enable-mixed-chunk": [True, False],
        },
        rugged,
    ),
}


def experiments_to_near_best(strategy, surface, best, budget):
    n = 0
    while (combination := strategy.suggest()) is not None and n < budget:
        n += 1
        score = surface(combination)
        strategy.record(combination, score)
        if score is not None and score >= best * 0.98:
            return n
    return None


def search_efficiency(seeds: int) -> None:
    print("1) Experiments until one is within 2% of the best (median / worst over seeds; miss = budget ran out)\n")
    header = f"{'surface':<16}{'space':>7}{'budget':>8}{'grid':>8}{'random':>22}{'bayesian':>22}{'TPE ms/exp':>12}"
    print(header)
    print("-" * len(header))
    for name, (space, surface) in SURFACES.items():
        scores = [surface(c) for c in iter_combinations(space)]
        best = max(s for s in scores if s is not None)
        size = count_combinations(space)
        budget = min(size, 60)
        grid = experiments_to_near_best(GridSearch(space, max_iterations=size), surface, best, size)
        cells = []
        bayes_time = []
        for cls in (RandomSearch, BayesianSearch):
            found = []
            for seed in range(seeds):
                strategy = cls(space, max_iterations=budget, seed=seed)
                t = time.perf_counter()
                found.append(experiments_to_near_best(strategy, surface, best, budget))
                if cls is BayesianSearch:
                    bayes_time.append((time.perf_counter() - t) / max(1, len(strategy.history)))
            hits = sorted(f for f in found if f is not None)
            misses = len(found) - len(hits)
            median = statistics.median([f if f is not None else budget + 1 for f in found])
            worst = "miss" if misses else str(max(hits))
            cells.append(f"{median:g} / {worst}" + (f" ({misses} miss)" if misses else ""))
        print(
            f"{name:<16}{size:>7}{budget:>8}{grid:>8}{cells[0]:>22}{cells[1]:>22}"
            f"{1000 * statistics.mean(bayes_time):>12.2f}"
        )
    print()


# --- overhead with the toy engine ---------------------------------------------------------------


def overhead(experiments: int) -> None:
    task = json.loads((ROOT / "examples" / "toy_task.json").read_text())
    task["command"] = [
        a.replace("examples/toy_engine.py", str(ROOT / "examples" / "toy_engine.py")) for a in task["command"]
    ]
    task["optimization"].update(strategy="bayesian", max_iterations=experiments)
    strategy = make_strategy(task)
    logs = Path(tempfile.mkdtemp())
    rows = []
    while True:
        t = time.perf_counter()
        combination = strategy.suggest()
        suggest_s = time.perf_counter() - t
        if combination is None:
            break
        outcome = run_experiment(task, combination, log_path=logs / f"{len(rows)}.log")
        t = time.perf_counter()
        strategy.record(combination, outcome.score)
        record_s = time.perf_counter() - t
        tm = outcome.timings
        engine_and_bench = tm.get("ready_s", 0) + tm.get("benchmark_s", 0) + tm.get("teardown_s", 0)
        rows.append(
            {
                "total": tm["total_s"] + suggest_s + record_s,
                "engine start-up wait": tm.get("ready_s", 0),
                "benchmark": tm.get("benchmark_s", 0),
                "teardown": tm.get("teardown_s", 0),
                "launch (Popen)": tm.get("launch_s", 0),
                "scoring": tm.get("score_s", 0),
                "strategy suggest+record": suggest_s + record_s,
                "overhead (total - start-up - benchmark - teardown)": tm["total_s"]
                + suggest_s
                + record_s
                - engine_and_bench,
            }
        )
        assert outcome.status == "succeeded", outcome.error
    print(f"2) Per-experiment time with the toy engine, bayesian, {len(rows)} experiments (mean ms)\n")
    for key in rows[0]:
        values = [r[key] * 1000 for r in rows]
        print(f"  {key:<52}{statistics.mean(values):>9.1f}   (max {max(values):.1f})")
    print("\n  Start-up wait and teardown are the engine's own time; the benchmark is the traffic itself.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--experiments", type=int, default=4)
    args = parser.parse_args()
    search_efficiency(args.seeds)
    overhead(args.experiments)


if __name__ == "__main__":
    main()
