"""Benchmark of the merge engine: 100 presets x 50 parameters x 20 values, every strategy.

Run ``python benchmarks/bench_merger.py [--rounds 50]``. It prints, per strategy, the median and
p99 time of one merge (conflict reports included; their sentences are written when first read)
and the ratio against the plain implementation of the same result, timed in the same run,
interleaved: dicts and sets giving the same merged space and the same conflict data (names, a
copy of each preset's values, the kept values), without sentences. The bench checks that both
give the same result. The machine is shared and noisy, so read the ratios rather than the
absolute times. Aim: every strategy within 1.5x of its plain implementation.

``run(rounds)`` returns the rows as dicts, for a combined benchmark to import.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable

from autotuner.core.parameters import sort_key
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


def _plain_conflicts(presets: list[NamedSpace], merged: dict) -> list[tuple]:
    """What a conflict report holds, without its sentence: per parameter whose presets give
    different value sets, or that the merge left out, the names, a copy of each preset's values
    and the kept values."""
    holders: dict[str, list[tuple[str, list]]] = {}
    for preset in presets:
        for name, values in preset.parameters.items():
            holders.setdefault(name, []).append((preset.name, values))
    out = []
    for name, held in holders.items():
        kept = merged.get(name)
        if kept is not None:
            kept_set = set(kept)
            if all(len(v) == len(kept_set) and set(v) == kept_set for _, v in held):
                continue
        out.append((name, [n for n, _ in held], [list(v) for _, v in held], None if kept is None else list(kept)))
    return out


def _plain_union(presets: list[NamedSpace]) -> dict:
    acc: dict[str, set] = {}
    for preset in presets:
        for name, values in preset.parameters.items():
            bucket = acc.get(name)
            if bucket is None:
                acc[name] = set(values)
            else:
                bucket.update(values)
    return {name: sorted(values, key=sort_key) for name, values in acc.items()}


def _plain_intersection(presets: list[NamedSpace]) -> dict:
    first, *rest = [p.parameters for p in presets]
    out = {}
    for name, values in first.items():
        common = set(values)
        for space in rest:
            other = space.get(name)
            if other is None:
                common = set()
                break
            common &= set(other)
        if common:
            out[name] = sorted(common, key=sort_key)
    return out


def _plain_last_wins(presets: list[NamedSpace]) -> dict:
    out: dict = {}
    for preset in presets:
        out.update(preset.parameters)
    return {name: list(values) for name, values in out.items()}


def _plain_smart(presets: list[NamedSpace]) -> dict:
    """Per parameter: numbers unioned, strings the last preset's (what smart does with no catalog)."""
    out: dict = {}
    for preset in presets:
        for name, values in preset.parameters.items():
            if values and isinstance(values[0], str):
                out[name] = values
            else:
                out[name] = out.get(name, set()) | set(values) if name in out else set(values)
    return {n: (list(v) if isinstance(v, list) else sorted(v, key=sort_key)) for n, v in out.items()}


# The plain implementation of each strategy's result (the bench's parameters are flat, so
# deep_merge's result is last_wins's).
PLAIN = {
    "union": _plain_union,
    "intersection": _plain_intersection,
    "last_wins": _plain_last_wins,
    "deep_merge": _plain_last_wins,
    "smart": _plain_smart,
}


def _plain(strategy: str, presets: list[NamedSpace]) -> tuple[dict, list[tuple]]:
    merged = PLAIN[strategy](presets)
    return merged, _plain_conflicts(presets, merged)


def _time(fn: Callable[[], object], rounds: int, *, warm: bool = True) -> list[float]:
    if warm:
        fn()
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
    """Time every strategy and its plain baseline (the same merged space and conflict data, no
    sentences); return one dict per strategy:
    ``{"case", "median_ms", "p99_ms", "baseline_ms", "ratio_vs_baseline", "conflicts", "combinations", "under_aim"}``."""
    presets = make_presets()
    merger = PresetMerger()
    rows = []
    for strategy in STRATEGIES:
        result = merger.merge(presets, strategy)
        merged, plain_conflicts = _plain(strategy, presets)
        assert merged == result.parameters, f"the plain {strategy} gives another result"
        assert [c[0] for c in plain_conflicts] == [c.parameter for c in result.conflicts], strategy
        # Interleaved, so that the machine's noise falls on both alike.
        samples, baseline = [], []
        merger.merge(presets, strategy)  # warm up
        _plain(strategy, presets)
        for _ in range(rounds):
            samples.extend(_time(lambda s=strategy: merger.merge(presets, s), 1, warm=False))
            baseline.extend(_time(lambda s=strategy: _plain(s, presets), 1, warm=False))
        median = statistics.median(samples)
        base = statistics.median(baseline)
        rows.append(
            {
                "case": f"merge {strategy}",
                "median_ms": median,
                "p99_ms": _p99(samples),
                "baseline_ms": base,
                "ratio_vs_baseline": median / base,
                "conflicts": len(result.conflicts),
                "combinations": result.combinations,
                "under_aim": _p99(samples) < AIM_MS,
            }
        )
    return rows


def _print_table(rows: list[dict]) -> None:
    print(f"Merge of {PRESETS} presets x {PARAMETERS} parameters x {VALUES} values (aim: under {AIM_MS:g} ms)")
    header = f"{'case':24} {'median ms':>10} {'p99 ms':>9} {'plain ms':>9} {'x plain':>8} {'conflicts':>10}"
    print(header)
    print("-" * len(header))
    for row in rows:
        conflicts = "" if row["conflicts"] is None else str(row["conflicts"])
        print(
            f"{row['case']:24} {row['median_ms']:10.3f} {row['p99_ms']:9.3f} {row['baseline_ms']:9.3f}"
            f" {row['ratio_vs_baseline']:8.2f} {conflicts:>10}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=50, help="timed runs per case (default 50)")
    args = parser.parse_args()
    _print_table(run(args.rounds))


if __name__ == "__main__":
    main()
