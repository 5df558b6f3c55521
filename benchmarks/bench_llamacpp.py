"""Grid versus Bayesian search against a real engine: llama.cpp's llama-server on this CPU.

1. The surface: every combination of a 24-combination space is measured with the real engine
   (``--repeats`` times each; the mean score, output tokens/s, is the combination's score), in
   grid order, so the grid's own run is the first repeat; llama-server with no flags at all (its
   own defaults) is measured at the start of each repeat.
2. Experiments until the search comes within 2% (and, for a noisy machine, 10%) of the best mean
   score:
   * grid: the position of the first near-best combination in grid order (it only knows it has
     the best after running all 24);
   * bayesian, live: ``--live-seeds`` searches (Optuna TPE, seeded) run against llama-server,
     each scored by the engine as it runs; an experiment counts as near-best when the surface's
     mean score of its combination is within 2% of the best (one measurement of the live run is
     noisier than the mean);
   * bayesian, replayed: ``--seeds`` searches replayed over the measured surface (no engine),
     which shows the spread over seeds that a few live runs cannot.

Needs llama-server (``scripts/llama_server.sh``) and makes the tiny model itself.
Run: ``.venv/bin/python benchmarks/bench_llamacpp.py [--repeats 2] [--live-seeds 2] [--seeds 20]``
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from autotuner.core.parameters import count_combinations
from autotuner.tuning.engine.install import find_llama_server
from autotuner.tuning.engine.tiny_model import make_tiny_model
from autotuner.tuning.experiment import run_experiment
from autotuner.tuning.space import iter_combinations
from autotuner.tuning.strategies import BayesianSearch, GridSearch

SPACE = {
    "parallel": [1, 2, 4],
    "threads": [1, 2],
    "ubatch-size": [16, 512],
    "cont-batching": [True, False],
}
BENCHMARK = {
    "traffic_scenarios": ["D(64,32)"],
    "concurrency": [4],
    "requests_per_level": 8,
    "warmup_requests": 1,
}


def key(combination: dict) -> str:
    return json.dumps(combination, sort_keys=True)


def task_for(model: Path) -> dict:
    return {
        "task_name": "bench-llamacpp",
        "model": {"id_or_path": str(model)},
        "base_runtime": "llamacpp",
        "parameters": SPACE,
        "optimization": {"objective": "maximize_throughput", "timeout_per_iteration": 180},
        "benchmark": BENCHMARK,
    }


def measure(task: dict, combination: dict, logs: Path, n: int) -> float | None:
    outcome = run_experiment(task, combination, log_path=logs / f"experiment-{n}.log")
    if outcome.status != "succeeded":
        print(f"   failed: {outcome.error}")
        return None
    return outcome.score


TOLERANCES = (0.02, 0.10)


def experiments_to_near_best(strategy, score_of, best: float, budget: int, tolerance: float = 0.02) -> int | None:
    n = 0
    while (combination := strategy.suggest()) is not None and n < budget:
        n += 1
        score = score_of(combination)
        strategy.record(combination, score)
        if score is not None and score >= best * (1 - tolerance):
            return n
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2, help="measurements per combination")
    parser.add_argument("--live-seeds", type=int, default=2, help="live Bayesian searches against llama-server")
    parser.add_argument("--seeds", type=int, default=20, help="Bayesian searches replayed over the surface")
    parser.add_argument("--budget", type=int, default=12, help="experiments per Bayesian search")
    args = parser.parse_args()

    found = find_llama_server()
    if found is None or not found.usable:
        raise SystemExit("llama-server is not built: run scripts/llama_server.sh first.")
    work = Path(tempfile.mkdtemp(prefix="bench-llamacpp-"))
    model = work / "tiny.gguf"
    make_tiny_model(model)
    task = task_for(model)
    combos = list(iter_combinations(SPACE))
    size = count_combinations(SPACE)
    print(f"llama-server: {found.path} ({found.source}); model: {model}; {size} combinations; {BENCHMARK}\n")

    started = time.monotonic()
    samples: dict[str, list[float]] = {key(c): [] for c in combos}
    defaults: list[float] = []
    n = 0
    for repeat in range(args.repeats):
        n += 1
        score = measure(task, {}, work, n)
        if score is not None:
            defaults.append(score)
        print(f"[{repeat + 1}/{args.repeats}] llama-server's own defaults (no flags): {score}")
        for combination in combos:
            n += 1
            score = measure(task, combination, work, n)
            if score is not None:
                samples[key(combination)].append(score)
            print(f"[{repeat + 1}/{args.repeats}] {combination}: {score}")
    measured_s = time.monotonic() - started
    surface = {k: statistics.mean(v) if v else None for k, v in samples.items()}
    best = max(s for s in surface.values() if s is not None)

    def score_of(combination: dict) -> float | None:
        return surface[key(combination)]

    ranked = sorted(combos, key=lambda c: score_of(c) or -1, reverse=True)
    print(f"\n1) Surface ({args.repeats} measurement(s) each, {measured_s / 60:.1f} min): output tokens/s")
    for combination in ranked:
        spread = samples[key(combination)]
        cv = statistics.pstdev(spread) / statistics.mean(spread) if len(spread) > 1 else 0.0
        print(f"   {score_of(combination) or 0:8.1f}  (±{100 * cv:4.1f}%)  {combination}")
    if defaults:
        mean_default = statistics.mean(defaults)
        shown = ", ".join(f"{d:.1f}" for d in defaults)
        print(
            f"   llama-server's own defaults (no flags): {mean_default:.1f} ({shown}); best / defaults: {best / mean_default:.2f}x"
        )

    print(f"\n2) Experiments until within 2% / 10% of the best ({best:.1f}):")
    grid = [
        experiments_to_near_best(GridSearch(SPACE, max_iterations=size), score_of, best, size, tolerance)
        for tolerance in TOLERANCES
    ]
    print(f"   grid: {grid[0]} / {grid[1]} (of {size}; it knows it has the best after {size})")

    live = []
    for seed in range(args.live_seeds):
        strategy = BayesianSearch(SPACE, runtime="llamacpp", max_iterations=args.budget, seed=seed)
        hit: list[int | None] = [None for _ in TOLERANCES]
        t = time.monotonic()
        for i in range(1, args.budget + 1):
            combination = strategy.suggest()
            if combination is None:
                break
            n += 1
            score = measure(task, combination, work, n)
            strategy.record(combination, score)
            for k, tolerance in enumerate(TOLERANCES):
                if hit[k] is None and (score_of(combination) or 0) >= best * (1 - tolerance):
                    hit[k] = i
        live.append(hit)
        shown = " / ".join(str(h) if h else "miss" for h in hit)
        print(f"   bayesian live, seed {seed}: {shown} ({(time.monotonic() - t) / 60:.1f} min)")

    for tolerance in TOLERANCES:
        replayed = []
        for seed in range(args.seeds):
            strategy = BayesianSearch(SPACE, max_iterations=args.budget, seed=seed)
            replayed.append(experiments_to_near_best(strategy, score_of, best, args.budget, tolerance))
        hits = sorted(r for r in replayed if r is not None)
        misses = len(replayed) - len(hits)
        median = statistics.median([r if r is not None else args.budget + 1 for r in replayed])
        print(
            f"   bayesian replayed over the surface, {args.seeds} seeds, within {tolerance:.0%}: median {median:g}, "
            f"worst {'miss' if misses else max(hits)}" + (f" ({misses} missed within {args.budget})" if misses else "")
        )
    print(f"\nTotal wall time: {(time.monotonic() - started) / 60:.1f} min; logs in {work}")


if __name__ == "__main__":
    main()
