"""Hidden constraints: failed experiments teach the bayesian search where configurations fail
(Optuna's constraints: a failure is a finished trial breaking a constraint, which TPE counts among
the bad ones), so it proposes fewer configurations in a region that crashes, and still finds the best."""

from __future__ import annotations

from autotuner.tuning.strategies import FAILURE_CONSTRAINT, BayesianSearch, make_strategy

SPACE = {"x": list(range(10)), "y": list(range(10))}
BEST = {"x": 6, "y": 5}


def score(combination: dict) -> float | None:
    """A synthetic surface: x >= 7 crashes (30% of the space, contiguous, right beside the best)."""
    if combination["x"] >= 7:
        return None
    return 100.0 - 3 * (combination["x"] - 6) ** 2 - 2 * (combination["y"] - 5) ** 2


def search(seed: int, learn: bool, budget: int = 40) -> tuple[int, float | None]:
    strategy = make_strategy(
        {
            "parameters": SPACE,
            "base_runtime": "command",
            "optimization": {"strategy": "bayesian", "max_iterations": budget, "seed": seed, "learn_failures": learn},
        }
    )
    assert isinstance(strategy, BayesianSearch) and strategy.learn_failures is learn
    failures = 0
    while (combination := strategy.propose()) is not None:
        value = score(combination)
        failures += value is None
        strategy.record(combination, value)
    return failures, strategy.best_score


def test_failures_teach_the_search_to_avoid_the_crashing_region():
    plain = [search(seed, learn=False) for seed in range(5)]
    learned = [search(seed, learn=True) for seed in range(5)]
    plain_failures = sum(f for f, _ in plain)
    learned_failures = sum(f for f, _ in learned)
    # Measured: 103 -> 49 failures over these 5 seeds (21.5 -> 9.9 a run over 10 seeds).
    assert learned_failures * 2 <= plain_failures, (plain, learned)
    # Still exploring: it finds the best, which lies right beside the crashing region.
    assert all(best == 100.0 for _, best in learned), learned


def test_failures_replayed_on_resume_carry_the_constraint_and_pruned_ones_do_not():
    strategy = make_strategy(
        {
            "parameters": SPACE,
            "base_runtime": "command",
            "optimization": {"strategy": "bayesian", "learn_failures": True},
        }
    )
    assert isinstance(strategy, BayesianSearch)
    strategy.record({"x": 1, "y": 1}, 50.0)
    strategy.record({"x": 8, "y": 1}, None)
    strategy.record({"x": 2, "y": 2}, None, pruned=True)
    trials = strategy.study.trials
    assert [t.state.name for t in trials] == ["COMPLETE", "COMPLETE", "COMPLETE"]
    assert [t.constraints for t in trials] == [{}, {FAILURE_CONSTRAINT: 1.0}, {}]
    assert [t.value for t in trials] == [50.0, 50.0, 50.0]  # failures are told the worst score seen
    off = make_strategy({"parameters": SPACE, "base_runtime": "command", "optimization": {"strategy": "bayesian"}})
    off.record({"x": 8, "y": 1}, None)
    assert isinstance(off, BayesianSearch) and off.study.trials[0].state.name == "FAIL"


def test_several_objectives_make_a_multi_objective_study_that_learns_from_each_value():
    task = {
        "parameters": SPACE,
        "base_runtime": "command",
        "optimization": {
            "strategy": "bayesian",
            "max_iterations": 12,
            "objectives": ["maximize_throughput", "minimize_ttft"],
            "learn_failures": True,
        },
    }
    strategy = make_strategy(task)
    assert isinstance(strategy, BayesianSearch)
    assert [d.name for d in strategy.study.directions] == ["MAXIMIZE", "MINIMIZE"]
    while (combination := strategy.propose()) is not None:
        value = score(combination)
        values = None if value is None else {"maximize_throughput": value, "minimize_ttft": 10.0 + combination["y"]}
        strategy.record(combination, value, values=values)
    finished = [t for t in strategy.study.trials if t.state.name == "COMPLETE"]
    assert strategy.experiments == 12 and len(finished) >= 12 and all(len(t.values) == 2 for t in finished)
    assert strategy.study.best_trials  # Optuna's own front of the feasible trials


def test_a_candidate_nearer_a_failure_than_any_success_is_predicted_to_fail():
    strategy = BayesianSearch(SPACE, max_iterations=40, seed=0, learn_failures=True)
    assert not strategy.predicted_to_fail({"x": 9, "y": 0})  # nothing seen yet: no prediction
    strategy.record({"x": 9, "y": 9}, None)
    assert not strategy.predicted_to_fail({"x": 9, "y": 8})  # a failure but no success yet
    strategy.record({"x": 1, "y": 1}, 50.0)
    assert strategy.predicted_to_fail({"x": 8, "y": 8})
    assert not strategy.predicted_to_fail({"x": 2, "y": 2})
    assert not strategy.predicted_to_fail({"x": 5, "y": 5})  # equally near both: explored


def test_a_categorical_value_counts_as_equal_or_different():
    space = {"kind": ["a", "b", "c"], "n": [1, 2, 4]}
    strategy = BayesianSearch(space, max_iterations=20, seed=0, learn_failures=True)
    strategy.record({"kind": "c", "n": 1}, None)
    strategy.record({"kind": "a", "n": 1}, 10.0)
    assert strategy.predicted_to_fail({"kind": "c", "n": 2})
    assert not strategy.predicted_to_fail({"kind": "b", "n": 1})  # differs from both


def test_start_up_skips_candidates_predicted_to_fail_only_when_learning_failures():
    learned = [BayesianSearch(SPACE, max_iterations=40, seed=s, learn_failures=True) for s in range(5)]
    plain = [BayesianSearch(SPACE, max_iterations=40, seed=s, learn_failures=False) for s in range(5)]
    for strategy in learned + plain:
        while (combination := strategy.propose()) is not None:
            strategy.record(combination, score(combination))
    assert sum(s.predicted_failures_skipped for s in learned) > 0
    assert all(s.predicted_failures_skipped == 0 for s in plain)
    assert all(s.best_score is not None and s.best_score >= 98.0 for s in learned)
