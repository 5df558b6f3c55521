"""Benchmark of the merge engine: 100 presets x 50 parameters x 20 values, every strategy.

Run ``python benchmarks/bench_merger.py [--rounds 50]``. It prints, per strategy, the median and
p99 time of one merge (conflict reports included) and the ratio against a baseline measured in
the same run: a plain loop adding every value of every preset to a set per parameter (the least
work any union must do). A ``dict.update`` loop (the least work last_wins must do) is shown too.
The machine is shared and noisy, so read the ratios rather than the absolute times.

``run(rounds)`` returns the rows as dicts, for a combined benchmark to import.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable

from autotuner.presets.merger import STRATEGIES, NamedSpace, PresetMerger

PRESETS = 100
PARAMETERS = 50
VALUES = 20
AIM_MS = 20.0


def make_presets(seed: int = 7) -> list[NamedSpace]:
    """Deterministic presets: each parameter draws 20 distinct values from a pool of 40 of one
    kind (integers, floats or strings), so presets overlap and every parameter conflicts."""
    rng = random.Random(seed)
    pools: list[list] = []
    for j in range(PARAMETERS):
        kind = j % 3
        if kind == 0:
            pools.append(list(range(40)))
        elif kind == 1:
            pools.append([round(0.5 + i / 100, 2) for i in range(40)])
        else:
            pools.append([f"value-{i:02d}" for i in range(40)])
    presets = []
    for i in range(PRESETS):
        params = {f"param-{j:02d}": rng.sample(pools[j], VALUES) for j in range(PARAMETERS)}
        presets.append(NamedSpace(name=f"Preset {i:03d}", parameters=params))
    return presets


def _baseline_set_union(presets: list[NamedSpace]) -> dict:
    acc: dict[str, set] = {}
    for preset in presets:
        for name, values in preset.parameters.items():
            bucket = acc.get(name)
            if bucket is None:
                acc[name] = set(values)
            else:
                bucket.update(values)
    return acc


def _baseline_dict_update(presets: list[NamedSpace]) -> dict:
    out: dict = {}
    for preset in presets:
        out.update(preset.parameters)
    return out


def _time(fn: Callable[[], object], rounds: int) -> list[float]:
    fn()  # warm up
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000.0)
    return samples


def _p99(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


def run(rounds: int = 50) -> list[dict]:
    """Time every strategy and both baselines; return one dict per row:
    ``{"case", "median_ms", "p99_ms", "ratio_vs_baseline", "conflicts", "combinations", "under_aim"}``."""
    presets = make_presets()
    merger = PresetMerger()
    baseline = _time(lambda: _baseline_set_union(presets), rounds)
    base_median = statistics.median(baseline)
    rows = [
        {
            "case": "baseline: set.update per parameter",
            "median_ms": base_median,
            "p99_ms": _p99(baseline),
            "ratio_vs_baseline": 1.0,
            "conflicts": None,
            "combinations": None,
            "under_aim": None,
        }
    ]
    update = _time(lambda: _baseline_dict_update(presets), rounds)
    rows.append(
        {
            "case": "baseline: dict.update",
            "median_ms": statistics.median(update),
            "p99_ms": _p99(update),
            "ratio_vs_baseline": statistics.median(update) / base_median,
            "conflicts": None,
            "combinations": None,
            "under_aim": None,
        }
    )
    for strategy in STRATEGIES:
        result = merger.merge(presets, strategy)
        samples = _time(lambda s=strategy: merger.merge(presets, s), rounds)
        median = statistics.median(samples)
        rows.append(
            {
                "case": f"merge {strategy}",
                "median_ms": median,
                "p99_ms": _p99(samples),
                "ratio_vs_baseline": median / base_median,
                "conflicts": len(result.conflicts),
                "combinations": result.combinations,
                "under_aim": _p99(samples) < AIM_MS,
            }
        )
    return rows


def _print_table(rows: list[dict]) -> None:
    print(f"Merge of {PRESETS} presets x {PARAMETERS} parameters x {VALUES} values (aim: under {AIM_MS:g} ms)")
    header = f"{'case':38} {'median ms':>10} {'p99 ms':>9} {'x baseline':>11} {'conflicts':>10}"
    print(header)
    print("-" * len(header))
    for row in rows:
        conflicts = "" if row["conflicts"] is None else str(row["conflicts"])
        print(
            f"{row['case']:38} {row['median_ms']:10.3f} {row['p99_ms']:9.3f}"
            f" {row['ratio_vs_baseline']:11.2f} {conflicts:>10}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=50, help="timed runs per case (default 50)")
    args = parser.parse_args()
    _print_table(run(args.rounds))


if __name__ == "__main__":
    main()
