"""Early stopping: the rule, and that it never stops the eventual best on a deterministic surface."""

from __future__ import annotations

import itertools
import random

import pytest

from autotuner.tuning.pruning import PRUNE_FACTOR, Pruner, hopeless
from autotuner.tuning.scoring import score_metrics

CONCURRENCY = (1, 4, 16)


def level(concurrency: int, tokens_per_s: float, ttft: float = 50.0) -> dict:
    return {
        "scenario": "D(100,100)",
        "concurrency": concurrency,
        "requests_succeeded": 10,
        "output_tokens_per_s": tokens_per_s,
        "ttft_ms": {"mean": ttft},
        "tpot_ms": {"mean": 5.0},
        "latency_ms": {"mean": ttft + 500.0},
    }


def metrics_of(levels: list[dict], parameters: dict) -> dict:
    scored = score_metrics({"levels": levels}, "maximize_throughput", parameters=parameters)
    return {"levels": levels, "scoring": scored.to_dict()}


def test_the_rule_is_a_factor_of_two_either_way():
    assert PRUNE_FACTOR == 2.0
    assert hopeless(49.0, 100.0) and not hopeless(50.0, 100.0) and not hopeless(120.0, 100.0)
    assert hopeless(-201.0, -100.0) and not hopeless(-200.0, -100.0) and not hopeless(-90.0, -100.0)
    assert not hopeless(-5.0, 0.0)


def test_a_level_far_below_the_best_there_is_pruned_with_a_sentence():
    pruner = Pruner({"optimization": {"prune": True}})
    check = pruner.check({"tp-size": 1})
    assert check is not None
    assert check(level(1, 10.0)) is None  # nothing measured yet at that level
    pruner.learn(metrics_of([level(1, 100.0), level(4, 300.0)], {}))
    assert check(level(1, 60.0)) is None
    sentence = check(level(1, 40.0))
    assert sentence == (
        "Pruned after D(100,100) at concurrency 1: the best so far there scored 100, more than 2 times as good "
        "as its 40, so its engine was stopped early (run the task again to measure it in full, or set "
        "optimization.prune to false)."
    )
    assert check(level(16, 1.0)) is None  # no experiment reached that level yet
    assert Pruner({"optimization": {"prune": False}}).check({}) is None


def test_latency_objectives_prune_twice_the_best_latency():
    pruner = Pruner({"optimization": {"prune": True, "objective": "minimize_ttft"}})
    levels = [level(1, 100.0, ttft=40.0), level(4, 100.0, ttft=80.0)]
    scored = score_metrics({"levels": levels}, "minimize_ttft")
    pruner.learn({"levels": levels, "scoring": scored.to_dict()})
    check = pruner.check({})
    assert check is not None
    assert check(level(1, 100.0, ttft=79.0)) is None
    assert check(level(1, 100.0, ttft=81.0)) is not None


def surface(parameters: dict) -> list[dict]:
    """A deterministic surface: per-GPU throughput by tp, memory and policy, each concurrency level
    scaling it by how well the configuration batches (the best batches best)."""
    tp, memory, policy = parameters["tp"], parameters["mem"], parameters["policy"]
    base = (
        {1: 100.0, 2: 150.0, 4: 90.0}[tp]
        / (0.78 if memory == 0.9 else 1.0)
        / {"fcfs": 1.0, "lpm": 0.75, "dfs": 1.6}[policy]
    )
    return [level(c, base * tp * (c ** (0.5 if policy == "lpm" else 0.35))) for c in CONCURRENCY]


SPACE = [
    {"tp": tp, "mem": mem, "policy": policy}
    for tp, mem, policy in itertools.product((1, 2, 4), (0.8, 0.9), ("fcfs", "lpm", "dfs"))
]


@pytest.mark.parametrize("seed", range(20))
def test_pruning_never_prunes_the_eventual_best_on_a_deterministic_surface(seed):
    order = list(SPACE)
    random.Random(seed).shuffle(order)
    pruner = Pruner({"optimization": {"prune": True}})
    means = {}
    pruned = []
    for parameters in order:
        levels = surface(parameters)
        check = pruner.check(parameters)
        assert check is not None
        stopped = next((check(lv) for lv in levels[:-1] if check(lv)), None)
        key = tuple(parameters.values())
        means[key] = score_metrics({"levels": levels}, "maximize_throughput", parameters=parameters).score
        if stopped:
            pruned.append(key)
        else:
            pruner.learn(metrics_of(levels, parameters))
    best = max(means, key=lambda k: means[k])
    assert best not in pruned
    assert pruned, "the surface holds configurations less than half as good as others: some must be pruned"
    # Everything pruned was far behind: under two thirds of the best's mean over all levels.
    assert all(means[k] < means[best] / 1.5 for k in pruned)


def test_the_rule_travels_to_a_ray_node_with_the_best_scores_known_when_sent():
    """The Ray executor pickles the check (cloudpickle) into the node's actor: the copy carries the
    best scores of that moment and decides as the coordinator would."""
    import pickle

    task = {"optimization": {"prune": True, "objective": "maximize_throughput"}}
    pruner = Pruner(task)
    best = [level(c, 1000.0) for c in CONCURRENCY]
    pruner.learn(metrics_of(best, {}))
    copy = pickle.loads(pickle.dumps(pruner))
    pruner.learn(metrics_of([level(1, 5000.0)], {}))  # learnt after sending: the copy does not know it
    assert copy.best == {("D(100,100)", 1): 1000.0, ("D(100,100)", 4): 1000.0, ("D(100,100)", 16): 1000.0}
    assert copy.verdict(level(1, 400.0), {}) is not None
    assert copy.verdict(level(1, 900.0), {}) is None
    assert pruner.verdict(level(1, 900.0), {}) is not None
