"""Search efficiency and per-experiment overhead of the tuning loop.

1. Over a few fixed response surfaces (pure functions of a combination, no engine), how many
   experiments each strategy needs before one comes within 2% of the surface's best score
   (median and worst over seeds; "miss" when the budget ran out first). The grid needs as many
   experiments as it takes to reach the first near-best combination in grid order, but only
   knows it has the best after running the whole space.
2. With the toy engine (examples/toy_engine.py), the time an experiment spends outside the
   engine (start-up wait, teardown) and the benchmark: launching, scoring, bookkeeping and the
   strategy's suggest/record, per experiment.

3. Results a user can trust (issue 14), each over fixed surfaces and seeds:
   a. noise: 5% multiplicative noise on a 24-combination surface whose best leads the runner-up
      by 8%: how often the answer names the true best (or a tie that includes it), without and
      with repeats (the top 3, 2 more runs each), strategy by strategy, 40 seeds;
   b. crashes: a contiguous 30% of a 100-combination space fails; failed experiments spent
      before one is within 2% of the best, plain TPE vs TPE that learns from failures, 20 seeds;
   c. early stopping: wall time of a 24-combination grid over the toy engine with two benchmark
      levels, pruning off vs on, and the best each names;
   d. several objectives: on a 64-combination surface with a known Pareto front, the share of the
      front found within a budget of 30% of the grid (random vs multi-objective TPE), 20 seeds.

Run: ``.venv/bin/python benchmarks/bench_tuning.py [--seeds 10] [--experiments 4] [--only trust]``
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


# --- 3. results a user can trust ----------------------------------------------------------------


def noisy_surface(c):
    """24 combinations; the best (a=2, b=1, c=lpm) leads the runner-up by exactly 8%."""
    base = {0: 0.60, 1: 0.78, 2: 1.0, 3: 0.70}[c["a"]] * {0: 0.85, 1: 1.0, 2: 0.80}[c["b"]]
    value = base * (1.0 if c["c"] == "lpm" else 0.80)
    if c == {"a": 2, "b": 1, "c": "lpm"}:
        return 1.08 * 0.85  # 8% ahead of the runner-up (a=2, b=0, c=lpm: 0.85)
    return value


NOISY_SPACE = {"a": [0, 1, 2, 3], "b": [0, 1, 2], "c": ["fcfs", "lpm"]}


def noise_trust(seeds: int = 40, noise: float = 0.05) -> None:
    import random as _random

    from autotuner.tuning.runner import RepeatPlan
    from autotuner.tuning.strategies import combination_key
    from autotuner.tuning.verdict import Run, summarize

    truth = max(iter_combinations(NOISY_SPACE), key=noisy_surface)
    runner_up = sorted((noisy_surface(c) for c in iter_combinations(NOISY_SPACE)), reverse=True)[1]
    assert abs(noisy_surface(truth) / runner_up - 1.08) < 1e-9
    print(
        f"3a) {noise:.0%} multiplicative noise, best 8% ahead: answers naming the true best (or a tie including it), {seeds} seeds\n"
    )
    header = f"{'strategy':<12}{'budget':>8}{'no repeats':>14}{'repeats 2 x top 3':>20}{'of which tied':>15}{'extra runs':>12}"
    print(header)
    print("-" * len(header))
    for name, budget in (("grid_search", 24), ("random_search", 16), ("bayesian", 16)):
        plain_ok = trusted_ok = tied = 0
        extra = 0
        for seed in range(seeds):
            rng = _random.Random(1000 + seed)
            strategy = make_strategy(
                {"parameters": NOISY_SPACE, "optimization": {"strategy": name, "max_iterations": budget, "seed": seed}}
            )
            plan = RepeatPlan(repeats=2, top=3)
            runs = []
            sequence = 0
            while (combination := strategy.suggest()) is not None:
                sequence += 1
                score = noisy_surface(combination) * (1 + rng.gauss(0, noise))
                strategy.record(combination, score)
                plan.record_original(sequence, combination, score)
                runs.append(Run(sequence, f"#{sequence}", score))
            originals = {s: c for s, c in ((r.id, plan.originals[r.id][0]) for r in runs)}
            best_once = max(runs, key=lambda r: r.score or -1)
            plain_ok += combination_key(originals[best_once.id]) == combination_key(truth)
            while (repeat := plan.next(sequence + 1)) is not None:
                sequence += 1
                extra += 1
                runs.append(
                    Run(sequence, f"#{sequence}", noisy_surface(repeat[1]) * (1 + rng.gauss(0, noise)), repeat[0])
                )
            _, verdict = summarize(runs)
            assert verdict is not None
            named = {combination_key(originals[i]) for i in verdict.tied_experiment_ids}
            ok = combination_key(truth) in named
            trusted_ok += ok
            tied += verdict.kind == "tied"
        print(
            f"{name:<12}{budget:>8}{plain_ok / seeds:>14.0%}{trusted_ok / seeds:>20.0%}{tied / seeds:>15.0%}"
            f"{extra / seeds:>12.1f}"
        )
    print()


def crash_surface(c):
    """100 combinations; x >= 7 (a contiguous 30%) crashes, right beside the best (x=6, y=5)."""
    if c["x"] >= 7:
        return None
    return 100.0 - 3 * (c["x"] - 6) ** 2 - 2 * (c["y"] - 5) ** 2


CRASH_SPACE = {"x": list(range(10)), "y": list(range(10))}


def crash_learning(seeds: int = 20, budget: int = 60) -> None:
    print(
        f"3b) 30% of the space crashes: failed experiments before one within 2% of the best (mean over {seeds} seeds)\n"
    )
    header = f"{'strategy':<34}{'failures before':>17}{'failures in all':>17}{'reached':>10}"
    print(header)
    print("-" * len(header))
    rows = (
        ("random_search", {"strategy": "random_search"}),
        ("bayesian, plain TPE", {"strategy": "bayesian", "learn_failures": False}),
        ("bayesian, learns failures", {"strategy": "bayesian", "learn_failures": True}),
    )
    for label, optimization in rows:
        before, total, reached = [], [], 0
        for seed in range(seeds):
            strategy = make_strategy(
                {"parameters": CRASH_SPACE, "optimization": {**optimization, "max_iterations": budget, "seed": seed}}
            )
            failures, first = 0, None
            while (combination := strategy.suggest()) is not None:
                score = crash_surface(combination)
                strategy.record(combination, score)
                failures += score is None
                if first is None and score is not None and score >= 98.0:
                    first = failures
            total.append(failures)
            if first is not None:
                reached += 1
                before.append(first)
            else:
                before.append(failures)
        print(f"{label:<34}{statistics.mean(before):>17.1f}{statistics.mean(total):>17.1f}{reached:>7}/{seeds}")
    print()


def pruning_wall_time() -> None:
    import threading

    from autotuner.tuning.runner import RepeatPlan, SearchHooks, run_search

    task = {
        "task_name": "bench-prune",
        "model": {"id_or_path": "toy-model"},
        "base_runtime": "command",
        "command": [
            "{python}",
            str(ROOT / "examples" / "toy_engine.py"),
            "--model-path",
            "{model}",
            "--host",
            "127.0.0.1",
            "--port",
            "{port}",
            "--delay-scale",
            "15",
        ],
        "parameters": {
            "tp-size": [1, 2, 4],
            "mem-fraction-static": [0.8, 0.9],
            "schedule-policy": ["fcfs", "lpm", "random", "dfs-weight"],
        },
        "optimization": {"strategy": "grid_search", "max_iterations": 24, "timeout_per_iteration": 120, "parallel": 1},
        "benchmark": {
            "traffic_scenarios": ["D(16,4)"],
            # The short level first: pruning saves the levels after the first.
            "concurrency": [4, 1],
            "requests_per_level": 4,
            "warmup_requests": 0,
        },
    }
    print("3c) Early stopping over the toy engine: a 24-combination grid, levels at concurrency 4 then 1\n")
    header = f"{'pruning':<10}{'wall s':>9}{'pruned':>8}  {'best found':<52}"
    print(header)
    print("-" * len(header))
    for prune in (False, True):
        config = {**task, "optimization": {**task["optimization"], "prune": prune}}
        strategy = make_strategy(config)
        logs = Path(tempfile.mkdtemp())
        rows = []
        hooks = SearchHooks(
            start=lambda seq, _c, logs=logs: logs / f"{seq}.log",
            status=lambda _s, _st: None,
            finish=lambda seq, combo, outcome, rows=rows: rows.append((seq, combo, outcome)),
        )
        t = time.perf_counter()
        run_search(config, strategy, hooks, cancel_event=threading.Event(), parallel=1, repeats=RepeatPlan())
        wall = time.perf_counter() - t
        pruned = sum(1 for _, _, o in rows if o.status == "pruned")
        best = max((r for r in rows if r[2].score is not None), key=lambda r: r[2].score)
        print(f"{'on' if prune else 'off':<10}{wall:>9.1f}{pruned:>8}  {json.dumps(best[1]):<52}")
    print()


def front_surface(c):
    """Two objectives over 64 combinations: throughput grows with batch, TTFT with batch and chunk."""
    batch, chunk = c["batch"], c["chunk"]
    throughput = (
        100 * math.log2(batch) * (1.0 + 0.1 * math.log2(chunk / 512)) / (1 + 0.02 * ((chunk - 2048) / 512) ** 2)
    )
    ttft = 20 + 2.0 * batch**0.7 + 0.01 * chunk + 3 * abs(math.log2(chunk / 1024))
    return {"maximize_throughput": throughput, "minimize_ttft": ttft}


FRONT_SPACE = {"batch": [2, 4, 8, 16, 32, 64, 128, 256], "chunk": [512, 1024, 2048, 4096, 8192, 256, 384, 768]}


def multi_objective(seeds: int = 20) -> None:
    from autotuner.tuning.strategies import combination_key
    from autotuner.tuning.verdict import dominated_flags

    objectives = ["maximize_throughput", "minimize_ttft"]
    grid = list(iter_combinations(FRONT_SPACE))
    flags = dominated_flags([front_surface(c) for c in grid], objectives)
    front = {combination_key(c) for c, d in zip(grid, flags, strict=True) if not d}
    budget = round(0.3 * len(grid))
    print(
        f"3d) Several objectives: share of the true front ({len(front)} points of {len(grid)}) found in {budget} experiments, {seeds} seeds\n"
    )
    header = f"{'strategy':<30}{'mean share':>12}{'worst':>8}"
    print(header)
    print("-" * len(header))
    for label, optimization in (
        ("grid (first 30%)", {"strategy": "grid_search", "sample_if_larger": True}),
        ("random_search", {"strategy": "random_search"}),
        ("bayesian, multi-objective TPE", {"strategy": "bayesian", "objectives": objectives}),
    ):
        shares = []
        for seed in range(seeds):
            strategy = make_strategy(
                {"parameters": FRONT_SPACE, "optimization": {**optimization, "max_iterations": budget, "seed": seed}}
            )
            seen = []
            while (combination := strategy.suggest()) is not None:
                values = front_surface(combination)
                strategy.record(combination, values["maximize_throughput"], values=values)
                seen.append(combination)
            found = {combination_key(c) for c in seen} & front
            shares.append(len(found) / len(front))
        print(f"{label:<30}{statistics.mean(shares):>12.0%}{min(shares):>8.0%}")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--experiments", type=int, default=4)
    parser.add_argument("--only", choices=["efficiency", "trust", "pruning"], default=None)
    args = parser.parse_args()
    if args.only in (None, "efficiency"):
        search_efficiency(args.seeds)
        overhead(args.experiments)
    if args.only in (None, "trust"):
        noise_trust()
        crash_learning()
        multi_objective()
    if args.only in (None, "trust", "pruning"):
        pruning_wall_time()


if __name__ == "__main__":
    main()
