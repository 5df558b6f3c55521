"""Strategies proposing batches: several combinations in flight at once, none twice, the limit
counting those in flight, and a Bayesian batch that is asked before any is told."""

from __future__ import annotations

import pytest

from autotuner.tuning.strategies import BayesianSearch, combination_key, make_strategy

SPACE = {"tp-size": [1, 2, 4], "mem-fraction-static": [0.8, 0.9], "schedule-policy": ["fcfs", "lpm"]}


def score_of(combination: dict) -> float:
    """A known landscape: the best is tp-size 2, 0.9, lpm."""
    return (
        {1: 1.0, 2: 1.5, 4: 1.2}[combination["tp-size"]]
        + (0.3 if combination["mem-fraction-static"] == 0.9 else 0.0)
        + (0.2 if combination["schedule-policy"] == "lpm" else 0.0)
    )


def task(strategy: str, max_iterations: int = 12) -> dict:
    return {
        "parameters": SPACE,
        "base_runtime": "command",
        "optimization": {"strategy": strategy, "max_iterations": max_iterations, "seed": 3},
    }


@pytest.mark.parametrize("strategy", ["grid_search", "random_search", "bayesian"])
def test_batches_of_four_cover_the_space_without_repeats(strategy):
    search = make_strategy(task(strategy))
    seen: list = []
    while True:
        batch = [c for c in (search.propose() for _ in range(4)) if c is not None]
        if not batch:
            break
        keys = [combination_key(c) for c in batch]
        assert len(set(keys)) == len(keys), "a batch never holds the same combination twice"
        assert len(search.in_flight) == len(batch)
        for combination in batch:
            search.record(combination, score_of(combination))
        seen += keys
    assert len(seen) == len(set(seen)) == 12
    assert search.best_combination == {"tp-size": 2, "mem-fraction-static": 0.9, "schedule-policy": "lpm"}
    assert search.in_flight == {}


def test_the_iteration_limit_counts_experiments_in_flight():
    search = make_strategy(task("random_search", max_iterations=3))
    batch = [search.propose() for _ in range(5)]
    assert batch[3] is None and batch[4] is None and None not in batch[:3]
    assert search.stop_reason == "reached max_iterations (3)"
    search.forget(batch[0])  # cancelled: it frees its place, and may be proposed again
    assert search.propose() is not None


def test_a_bayesian_batch_is_asked_before_any_result_and_stays_diverse():
    search = make_strategy(task("bayesian", max_iterations=12))
    assert isinstance(search, BayesianSearch)
    for _ in range(3):  # past the random start-up trials, so TPE itself proposes
        for combination in [search.propose() for _ in range(2)]:
            search.record(combination, score_of(combination))
    batch = [search.propose() for _ in range(4)]
    assert None not in batch
    running = [t for t in search.study.trials if t.state.name == "RUNNING"]
    assert len(running) == 4, "four trials asked, none told yet"
    assert len({combination_key(c) for c in batch}) == 4
    assert not {combination_key(c) for c in batch} & set(search.scores), "nothing already measured"
