"""Score statistics, the verdict and the Pareto front: known samples, known answers."""

from __future__ import annotations

import math

import pytest

from autotuner.tuning.verdict import (
    Candidate,
    beats,
    dominated_flags,
    dominates,
    noise_cv,
    objective_values,
    score_stats,
    t975,
    verdict,
)


def test_stats_of_three_samples_use_students_t():
    stats = score_stats([100.0, 102.0, 98.0])
    assert stats is not None
    assert stats.n == 3 and stats.mean == 100.0 and stats.stdev == pytest.approx(2.0)
    half = 4.303 * 2.0 / math.sqrt(3)  # t(0.975, 2 degrees of freedom)
    assert stats.ci_low == pytest.approx(100.0 - half) and stats.ci_high == pytest.approx(100.0 + half)
    assert stats.samples == [100.0, 102.0, 98.0]


def test_one_sample_has_no_spread_and_its_interval_is_its_mean():
    stats = score_stats([-120.5])
    assert stats is not None and (stats.n, stats.stdev, stats.ci_low, stats.ci_high) == (1, 0.0, -120.5, -120.5)
    assert score_stats([]) is None


def test_t_quantiles():
    assert t975(1) == 12.706 and t975(2) == 4.303 and t975(4.9) == 2.776 and t975(0.3) == 12.706
    assert t975(1000) == 1.96


def test_noise_is_the_rms_of_the_repeated_configurations_cv():
    a = score_stats([100.0, 102.0, 98.0])  # cv 0.02
    b = score_stats([50.0, 53.0, 47.0])  # cv 0.06
    once = score_stats([10.0])
    assert a and b and once
    assert noise_cv([a, b, once]) == pytest.approx(math.sqrt((0.02**2 + 0.06**2) / 2))
    assert noise_cv([once]) is None


def test_welch_test_tells_a_lead_from_noise():
    low = score_stats([100.0, 102.0, 98.0])
    high = score_stats([110.0, 112.0, 108.0])  # t = 6.12 on 4 degrees of freedom > 2.776
    close = score_stats([103.0, 99.0, 107.0])
    wide = score_stats([100.0, 96.0, 104.0])  # t = 0.92
    assert low and high and close and wide
    assert beats(high, low, None) and not beats(low, high, None)
    assert not beats(close, wide, None)


def test_a_configuration_measured_once_borrows_the_tasks_noise():
    best = score_stats([110.0, 112.0, 108.0])
    once = score_stats([100.0])
    assert best and once
    assert beats(best, once, None)  # t = 10 / (2 / sqrt 3) = 8.7 on 2 degrees of freedom > 4.303
    assert not beats(best, once, 0.05)  # its spread becomes 5% of 100: the 10-point lead is within noise


def _candidate(experiment_id: int, samples: list[float]) -> Candidate:
    stats = score_stats(samples)
    assert stats is not None
    return Candidate(experiment_id, f"#{experiment_id}", stats)


def test_significant_verdict():
    found = verdict([_candidate(7, [100.0, 102.0, 98.0]), _candidate(4, [110.0, 112.0, 108.0])])
    assert found is not None
    assert found.kind == "significant"
    assert found.best_experiment_id == 4 and found.runner_up_experiment_id == 7
    assert found.lead_percent == 10.0 and found.tied_experiment_ids == [4]
    assert found.sentence.startswith("Best: #4, ahead of #7 by 10.0% (significant at 95%;")
    assert found.noise_cv == pytest.approx(math.sqrt(((2 / 110) ** 2 + (2 / 100) ** 2) / 2))


def test_tied_verdict_names_every_configuration_within_noise():
    found = verdict(
        [
            _candidate(4, [103.0, 99.0, 107.0]),
            _candidate(7, [100.0, 96.0, 104.0]),
            _candidate(9, [101.0]),
            _candidate(2, [50.0, 51.0, 49.0]),
        ]
    )
    assert found is not None
    assert found.kind == "tied" and found.best_experiment_id == 4 and found.runner_up_experiment_id == 9
    assert found.tied_experiment_ids == [4, 9, 7]
    assert found.sentence.startswith("#4, #9 and #7 are tied within noise (scores #4 103 ± 9.937 (3 runs);")
    assert found.lead_percent == pytest.approx(1.98, abs=0.01)


def test_unrepeated_verdict_says_the_noise_is_unknown():
    found = verdict([_candidate(1, [100.0]), _candidate(2, [90.0])])
    assert found is not None
    assert found.kind == "unrepeated" and found.best_experiment_id == 1 and found.lead_percent == pytest.approx(11.11)
    assert "measured once" in found.sentence and "optimization.repeats" in found.sentence
    assert found.noise_cv is None


def test_verdict_of_one_or_no_configuration():
    assert verdict([]) is None
    alone = verdict([_candidate(3, [5.0, 5.5])])
    assert alone is not None and alone.kind == "significant" and alone.tied_experiment_ids == [3]
    assert alone.sentence.startswith("Best: #3, the only configuration that succeeded")


def test_latency_scores_are_negative_and_the_lead_is_relative_to_the_runner_up():
    found = verdict([_candidate(1, [-100.0, -101.0, -99.0]), _candidate(2, [-200.0, -202.0, -198.0])])
    assert found is not None and found.kind == "significant" and found.best_experiment_id == 1
    assert found.lead_percent == 50.0


def test_pareto_dominance():
    objectives = ["maximize_throughput", "minimize_ttft"]
    a = {"maximize_throughput": 100.0, "minimize_ttft": 50.0}
    b = {"maximize_throughput": 80.0, "minimize_ttft": 60.0}  # worse in both
    c = {"maximize_throughput": 120.0, "minimize_ttft": 90.0}  # a trade-off
    d = dict(a)  # equal: neither dominates
    assert dominates(a, b, objectives) and not dominates(b, a, objectives)
    assert not dominates(a, c, objectives) and not dominates(c, a, objectives)
    assert not dominates(a, d, objectives)
    assert dominated_flags([a, b, c, d, {"maximize_throughput": 1000.0}], objectives) == [
        False,
        True,
        False,
        False,
        True,
    ]


def test_objective_values_in_natural_units():
    level = {
        "scenario": "D(100,100)",
        "concurrency": 1,
        "requests_succeeded": 5,
        "output_tokens_per_s": 240.0,
        "ttft_ms": {"mean": 35.0},
        "tpot_ms": {"mean": 4.0},
        "latency_ms": {"mean": 431.0},
    }
    values = objective_values(
        {"levels": [level, {**level, "output_tokens_per_s": 160.0, "ttft_ms": {"mean": 45.0}}]},
        ["maximize_throughput", "minimize_ttft", "minimize_tpot", "minimize_latency"],
        parameters={"tp-size": 2},
        runtime="sglang",
    )
    assert values == {
        "maximize_throughput": 100.0,  # per GPU: (240 + 160) / 2 levels / 2 GPUs
        "minimize_ttft": 40.0,
        "minimize_tpot": 4.0,
        "minimize_latency": 431.0,
    }
    assert objective_values(None, ["minimize_ttft"], parameters=None, runtime="sglang") is None


def test_a_configuration_measured_once_borrows_the_degrees_of_freedom_of_the_tasks_noise():
    best = _candidate(1, [110.0, 112.0, 108.0])
    once = _candidate(2, [104.0])
    steady = _candidate(3, [60.0, 61.0, 59.0, 60.5, 59.5])  # 4 more degrees of freedom for the noise
    found = verdict([best, once, steady])
    assert found is not None and found.kind == "significant", found
    assert found.runner_up_experiment_id == 2 and found.tied_experiment_ids == [1]
    # With one degree of freedom for the borrowed noise, the same lead would not be significant.
    cv = noise_cv([best.stats, steady.stats])
    assert not beats(best.stats, once.stats, cv, 1) and beats(best.stats, once.stats, cv, 6)
