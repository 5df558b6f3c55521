"""Search strategies: pure behaviour, then end-to-end searches over the toy engine."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from support.paths import ROOT, TOY

from autotuner.core.errors import ValidationFailed
from autotuner.core.parameters import iter_leaves
from autotuner.tuning import strategies
from autotuner.tuning.engine import process
from autotuner.tuning.experiment import plan_run, run_experiment
from autotuner.tuning.space import analyze_space, combination_is_valid
from autotuner.tuning.strategies import (
    BayesianSearch,
    GridSearch,
    InvalidStrategy,
    RandomSearch,
    SpaceTooLarge,
    combination_key,
    make_strategy,
)

TOY_SPACE = {"tp-size": [1, 2, 4], "mem-fraction-static": [0.8, 0.9], "schedule-policy": ["fcfs", "lpm"]}
TOY_BEST = {"tp-size": 2, "mem-fraction-static": 0.9, "schedule-policy": "lpm"}


def toy_surface(c: dict) -> float:
    """The toy engine's documented per-GPU throughput formula (see examples/toy_engine.py)."""
    speedup = {1: 1.0, 2: 3.0, 4: 3.6}[c["tp-size"]]
    memory = 1.0 if c["mem-fraction-static"] <= 0.8 else 0.78
    policy = {"fcfs": 1.0, "lpm": 0.75}[c["schedule-policy"]]
    return speedup / c["tp-size"] / (memory * policy)


def drive(strategy, surface=toy_surface, fail=lambda c: False) -> list[tuple[dict, float | None]]:
    ran = []
    while (combination := strategy.suggest()) is not None:
        score = None if fail(combination) else surface(combination)
        strategy.record(combination, score)
        ran.append((combination, score))
    return ran


def keys(ran) -> list[tuple]:
    return [combination_key(c) for c, _ in ran]


# --- pure ---


def test_grid_runs_every_combination_once_in_order_and_finds_the_best():
    strategy = GridSearch(TOY_SPACE, max_iterations=12)
    ran = drive(strategy)
    assert len(ran) == 12 and len(set(keys(ran))) == 12
    assert ran[0][0] == {"tp-size": 1, "mem-fraction-static": 0.8, "schedule-policy": "fcfs"}
    assert strategy.best_combination == TOY_BEST
    assert strategy.suggest() is None and strategy.stop_reason


def test_grid_refuses_a_space_larger_than_max_iterations_unless_sampling():
    with pytest.raises(SpaceTooLarge) as info:
        GridSearch(TOY_SPACE, max_iterations=5)
    assert "Grid search would run 12 experiments" in info.value.message
    assert "sample_if_larger" in info.value.message
    a = drive(GridSearch(TOY_SPACE, max_iterations=5, sample_if_larger=True, seed=4))
    b = drive(GridSearch(TOY_SPACE, max_iterations=5, sample_if_larger=True, seed=4))
    assert keys(a) == keys(b) and len(set(keys(a))) == 5
    grid_order = keys(drive(GridSearch(TOY_SPACE, max_iterations=12)))
    assert keys(a) == sorted(keys(a), key=grid_order.index)  # a sample keeps grid order


def test_random_search_is_seeded_and_never_repeats():
    a = drive(RandomSearch(TOY_SPACE, max_iterations=12, seed=1))
    b = drive(RandomSearch(TOY_SPACE, max_iterations=12, seed=1))
    c = drive(RandomSearch(TOY_SPACE, max_iterations=12, seed=2))
    assert keys(a) == keys(b) != keys(c)
    assert len(set(keys(a))) == 12
    assert len(drive(RandomSearch(TOY_SPACE, max_iterations=4, seed=1))) == 4


@pytest.mark.parametrize("seed", [0, 1, 7])
def test_bayesian_never_runs_a_combination_twice(seed):
    strategy = BayesianSearch(TOY_SPACE, max_iterations=40, seed=seed)
    ran = drive(strategy)
    assert len(ran) == 12 and len(set(keys(ran))) == 12  # the whole space, then done
    assert strategy.repeats_told > 0  # TPE did suggest repeats; they were answered from the record
    assert strategy.stop_reason == "every combination has been tried"
    big = {"a": [1, 2, 3, 4], "b": [1, 2, 3, 4], "c": ["x", "y", "z"]}
    ran = drive(BayesianSearch(big, max_iterations=30, seed=seed), surface=lambda c: c["a"] * c["b"])
    assert len(ran) == 30 and len(set(keys(ran))) == 30


def test_bayesian_finds_the_toy_best_sooner_than_the_grid():
    ran = drive(BayesianSearch(TOY_SPACE, max_iterations=8, seed=0))
    found_at = keys(ran).index(combination_key(TOY_BEST)) + 1
    assert found_at < 12  # the grid needs all 12 experiments to know its best


def test_failed_experiments_are_never_best_and_are_not_retried():
    strategy = BayesianSearch(TOY_SPACE, max_iterations=12, seed=3)
    ran = drive(strategy, fail=lambda c: c["tp-size"] == 2)
    assert len(set(keys(ran))) == len(ran) == 12
    assert strategy.best_combination["tp-size"] != 2
    grid = GridSearch(TOY_SPACE, max_iterations=12)
    drive(grid, fail=lambda c: True)
    assert grid.best_combination is None and grid.best_score is None


def test_suggest_repeats_until_recorded():
    for strategy in (GridSearch(TOY_SPACE, max_iterations=12), BayesianSearch(TOY_SPACE, max_iterations=12)):
        first = strategy.suggest()
        assert strategy.suggest() == first
        strategy.record(first, 1.0)
        assert combination_key(strategy.suggest()) != combination_key(first)


@pytest.mark.parametrize("cls", [GridSearch, RandomSearch, BayesianSearch])
def test_replay_resumes_without_rerunning(cls):
    before = cls(TOY_SPACE, max_iterations=12, seed=5)
    for _ in range(5):
        combination = before.suggest()
        before.record(combination, toy_surface(combination))
    history = before.history
    resumed = cls(TOY_SPACE, max_iterations=12, seed=5)
    for combination, score in history:
        resumed.record(combination, score)
    rest = drive(resumed)
    assert len(rest) == 7
    assert set(keys(rest)).isdisjoint(keys(history))
    assert len(set(keys(rest)) | set(keys(history))) == 12
    if cls is GridSearch:
        assert keys(history) + keys(rest) == keys(drive(GridSearch(TOY_SPACE, max_iterations=12)))


def test_early_stop_after_patience_without_improvement():
    # Scores fall along the grid order, so the first experiment stays the best.
    order = keys(drive(GridSearch(TOY_SPACE, max_iterations=12)))
    strategy = GridSearch(TOY_SPACE, max_iterations=12, patience=3)
    ran = drive(strategy, surface=lambda c: -order.index(combination_key(c)))
    assert len(ran) == 4
    assert "no improvement in the last 3" in strategy.stop_reason


def test_runtime_rules_are_applied():
    space = {"enable-mixed-chunk": [True, False], "chunked-prefill-size": [-1, 4096], "tp-size": [1, 2, 4]}
    for cls in (GridSearch, RandomSearch, BayesianSearch):
        ran = drive(cls(space, runtime="sglang", max_iterations=50, gpus=2), surface=lambda c: c["tp-size"])
        assert len(ran) == 6  # (mixed chunk with -1) removed, tp-size 4 > 2 GPUs removed
        assert all(not (c["enable-mixed-chunk"] and c["chunked-prefill-size"] == -1) for c, _ in ran)
        assert all(c["tp-size"] <= 2 for c, _ in ran)


def test_groups_are_searched_as_nested_combinations():
    space = {"tp-size": [1, 2], "speculative": {"num-steps": [1, 3, 5], "algo": ["eagle"]}}
    ran = drive(
        BayesianSearch(space, max_iterations=10, seed=0), surface=lambda c: c["tp-size"] + c["speculative"]["num-steps"]
    )
    assert len(ran) == 6
    assert {"tp-size": 2, "speculative": {"num-steps": 5, "algo": "eagle"}} in [c for c, _ in ran]


def test_make_strategy_reads_the_task_and_refuses_unknown_names():
    task = {
        "parameters": TOY_SPACE,
        "base_runtime": "command",
        "optimization": {"strategy": "bayesian", "max_iterations": 6, "seed": 3, "early_stop_patience": 2},
    }
    strategy = make_strategy(task)
    assert isinstance(strategy, BayesianSearch) and strategy.max_iterations == 6 and strategy.patience == 2
    with pytest.raises(InvalidStrategy, match="Unknown strategy 'annealing': use one of grid_search"):
        make_strategy({**task, "optimization": {"strategy": "annealing"}})
    with pytest.raises(InvalidStrategy, match="max_iterations"):
        make_strategy({**task, "optimization": {"strategy": "grid_search", "max_iterations": 0}})
    with pytest.raises(ValidationFailed, match="None of the 2 combinations"):
        GridSearch({"enable-mixed-chunk": [True], "chunked-prefill-size": [-1, -1.0]}, runtime="sglang")


# --- spaces far too large to list ---

# 4 * 3 * 2 * 4 * 10^7 = 9.6 * 10^8 combinations; the sglang rules with 4 GPUs keep 4.2 * 10^8
# (tp*dp <= 4 keeps 7 of 12 pairs; mixed chunk with chunked-prefill -1 removes 1 of 8 pairs).
HUGE = {
    "tp-size": [1, 2, 4, 8],
    "dp-size": [1, 2, 4],
    "enable-mixed-chunk": [True, False],
    "chunked-prefill-size": [-1, 512, 1024, 2048],
}
HUGE.update({f"knob-{i}": list(range(10)) for i in range(7)})


def grid_position(space: dict, combination: dict) -> tuple[int, ...]:
    """Where a combination sits in grid order: its value indices, first leaf slowest."""
    values = dict(strategies.flatten(combination))
    return tuple(list(leaf_values).index(values[path]) for path, leaf_values in iter_leaves(space))


def huge_run(cls, n: int = 25, **kwargs) -> list[dict]:
    strategy = cls(HUGE, runtime="sglang", gpus=4, max_iterations=n, **kwargs)
    assert strategy.valid_count == 420_000_000 == analyze_space(HUGE, "sglang", gpus=4, limit=0).valid
    ran = [c for c, _ in drive(strategy, surface=lambda c: c["knob-0"] * c["tp-size"] - c["knob-1"])]
    assert len(ran) == n and len({combination_key(c) for c in ran}) == n
    assert all(combination_is_valid(c, "sglang", gpus=4) == (True, []) for c in ran)
    assert all(c["tp-size"] * c["dp-size"] <= 4 for c in ran)
    assert all(not (c["enable-mixed-chunk"] and c["chunked-prefill-size"] == -1) for c in ran)
    return ran


@pytest.mark.parametrize("cls", [RandomSearch, BayesianSearch])
def test_random_and_bayesian_search_a_space_of_hundreds_of_millions_without_listing_it(cls):
    ran = huge_run(cls, seed=3)
    assert [combination_key(c) for c in huge_run(cls, seed=3)] == [combination_key(c) for c in ran]
    assert [combination_key(c) for c in huge_run(cls, seed=4)] != [combination_key(c) for c in ran]
    # Not the grid's first combinations: the picks are spread over the space.
    assert len({c["knob-0"] for c in ran}) > 1


def test_bayesian_fallback_picks_untried_valid_combinations_by_index(monkeypatch):
    monkeypatch.setattr(strategies, "MAX_REPEATS", 0)  # every suggestion goes through the fallback
    ran = huge_run(BayesianSearch, n=15, seed=1)
    assert [combination_key(c) for c in huge_run(BayesianSearch, n=15, seed=1)] == [combination_key(c) for c in ran]


def test_random_search_resumes_over_a_huge_space_without_rerunning():
    def surface(c):
        return c["knob-0"]

    history = drive(RandomSearch(HUGE, runtime="sglang", gpus=4, max_iterations=5, seed=9), surface)
    resumed = RandomSearch(HUGE, runtime="sglang", gpus=4, max_iterations=12, seed=9)
    for combination, score in history:
        resumed.record(combination, score)
    rest = drive(resumed, surface)
    assert len(rest) == 7 and set(keys(rest)).isdisjoint(keys(history))
    whole = drive(RandomSearch(HUGE, runtime="sglang", gpus=4, max_iterations=12, seed=9), surface)
    assert keys(history) + keys(rest) == keys(whole)


def test_grid_sample_of_a_huge_space_is_distinct_valid_and_in_grid_order():
    strategy = GridSearch(HUGE, runtime="sglang", gpus=4, max_iterations=40, sample_if_larger=True, seed=2)
    ran = [c for c, _ in drive(strategy, surface=lambda c: 1.0)]
    assert len(ran) == 40 and len(set(keys([(c, None) for c in ran]))) == 40
    positions = [grid_position(HUGE, c) for c in ran]
    assert positions == sorted(positions) and len(set(positions)) == 40
    assert all(combination_is_valid(c, "sglang", gpus=4)[0] for c in ran)
    # Each is the valid combination at its sampled index, as the space's own pager finds it.
    assert len(strategy.sample) == 40 and strategy.sample == sorted(strategy.sample)
    for index, combination in zip(strategy.sample[::8], ran[::8], strict=False):
        assert analyze_space(HUGE, "sglang", gpus=4, offset=index, limit=1).combinations == [combination]
    again = GridSearch(HUGE, runtime="sglang", gpus=4, max_iterations=40, sample_if_larger=True, seed=2)
    assert keys(drive(again, surface=lambda c: 1.0)) == keys([(c, None) for c in ran])
    with pytest.raises(
        SpaceTooLarge, match=r"Grid search would run 420,000,000 experiments \(valid combinations of 960,000,000\)"
    ):
        GridSearch(HUGE, runtime="sglang", gpus=4, max_iterations=40)


def test_spaces_beyond_a_machine_word_are_indexed_too():
    space = {f"k{i}": list(range(10)) for i in range(25)}  # 10^25 combinations, no rules
    for cls in (RandomSearch, BayesianSearch):
        ran = drive(cls(space, max_iterations=6, seed=0), surface=lambda c: c["k0"])
        assert len(set(keys(ran))) == 6
    grid = GridSearch(space, max_iterations=6, sample_if_larger=True, seed=0)
    positions = [grid_position(space, c) for c, _ in drive(grid, surface=lambda c: 1.0)]
    assert positions == sorted(positions) and len(set(positions)) == 6


def test_only_spaces_whose_valid_combinations_cannot_be_counted_are_refused():
    task = {"parameters": HUGE, "base_runtime": "sglang", "optimization": {"strategy": "bayesian", "max_iterations": 5}}
    assert strategies.make_strategy(task, gpus=4).valid_count == 420_000_000
    uncountable = {"max-num-batched-tokens": list(range(1000, 1500)), "max-num-seqs": list(range(1, 501))}
    for name in strategies.STRATEGIES:
        with pytest.raises(SpaceTooLarge) as info:
            strategies.make_strategy(
                {"parameters": uncountable, "base_runtime": "vllm", "optimization": {"strategy": name}}
            )
        assert info.value.message.startswith(
            "The parameter space holds 250,000 combinations and the vllm rules read too many of their values "
            "together (over 200,000 assignments) to count the valid ones"
        )


def test_dry_run_plan_lists_a_bounded_part_of_a_bayesian_space_and_says_how_many():
    task = {
        "parameters": HUGE,
        "base_runtime": "sglang",
        "optimization": {"strategy": "bayesian", "max_iterations": 30},
    }
    plan = plan_run(task, gpus=4, limit=50)
    assert plan.valid_count == 420_000_000 and plan.planned == 30 and len(plan.combinations) == 50
    assert plan.combinations == analyze_space(HUGE, "sglang", gpus=4, limit=50).combinations
    assert plan.note == (
        "bayesian chooses up to 30 experiments as it goes among 420,000,000 valid combinations; "
        "the first 50 are listed."
    )
    random_plan = plan_run(
        {**task, "optimization": {"strategy": "random_search", "max_iterations": 30}}, gpus=4, limit=10
    )
    assert len(random_plan.combinations) == 10
    assert random_plan.note == "random_search runs 30 experiments; the first 10 are listed."
    full = plan_run({**task, "optimization": {"strategy": "random_search", "max_iterations": 30}}, gpus=4)
    assert full.note is None and full.combinations[:10] == random_plan.combinations
    small = plan_run({"parameters": TOY_SPACE, "optimization": {"strategy": "bayesian", "max_iterations": 5}})
    assert len(small.combinations) == 12 and small.note.endswith("among 12 valid combinations; all are listed.")


# --- end to end on the toy engine ---


def toy_task(strategy: str, max_iterations: int, seed: int = 0) -> dict:
    task = json.loads((ROOT / "examples" / "toy_task.json").read_text())
    # Slower tokens (x6) but fewer of them than the example: the toy's sleeps, not the CPU of a
    # shared machine, then decide its speed, and the suite stays fast.
    task["command"] = [arg.replace("examples/toy_engine.py", TOY) for arg in task["command"]] + ["--delay-scale", "6"]
    task["optimization"].update(strategy=strategy, max_iterations=max_iterations, seed=seed)
    task["benchmark"].update(traffic_scenarios=["D(32,8)"], requests_per_level=8, warmup_requests=1)
    return task


def run_search(task: dict, tmp_path: Path):
    strategy = make_strategy(task)
    outcomes = []
    while (combination := strategy.suggest()) is not None:
        outcome = run_experiment(task, combination, log_path=tmp_path / f"exp-{len(outcomes) + 1}.log")
        assert outcome.status == "succeeded", outcome.error
        strategy.record(combination, outcome.score)
        outcomes.append((combination, outcome))
    return strategy, outcomes


@pytest.mark.slow
def test_example_task_file_runs_the_toy_engine():
    task = json.loads((ROOT / "examples" / "toy_task.json").read_text())
    assert task["base_runtime"] == "command" and task["deployment_mode"] == "local"
    assert len(drive(make_strategy(task))) == 12


@pytest.mark.slow
def test_grid_search_finds_the_toy_engines_best(tmp_path):
    strategy, outcomes = run_search(toy_task("grid_search", 12), tmp_path)
    assert len(outcomes) == 12
    assert strategy.best_combination == TOY_BEST
    assert process.running_engines() == []


@pytest.mark.slow
def test_bayesian_finds_the_toy_best_in_fewer_experiments_than_the_grid(tmp_path):
    strategy, outcomes = run_search(toy_task("bayesian", 8, seed=0), tmp_path)
    assert len(outcomes) == 8 < 12
    assert strategy.best_combination == TOY_BEST
    assert len({combination_key(c) for c, _ in outcomes}) == 8
    assert process.running_engines() == []


@pytest.mark.slow
def test_no_toy_engine_process_is_left_behind():
    """Runs last in this file: no child of this test process runs examples/toy_engine.py."""
    mine = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
            _state, ppid = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[:2]
        except OSError:
            continue
        if TOY.encode() in cmdline and int(ppid) == os.getpid():
            mine.append((entry, cmdline))
    assert mine == [], mine
