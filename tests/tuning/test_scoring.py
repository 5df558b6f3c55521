"""Scoring benchmark metrics against objectives and SLOs (pure)."""

from __future__ import annotations

import math

import pytest

from autotuner.tuning.scoring import (
    InvalidObjective,
    InvalidSLO,
    best_index,
    gpus_needed,
    normalize_slo,
    score_metrics,
    slo_thresholds,
    validate_slo,
)


def level(
    out_tps=1000.0,
    ttft=(100, 100, 120, 150),
    tpot=(10, 10, 12, 15),
    latency=(500, 500, 600, 700),
    succeeded=10,
    scenario="D(100,100)",
    concurrency=4,
):
    def stats(values):
        return dict(zip(("mean", "p50", "p90", "p99"), (float(v) for v in values), strict=False))

    return {
        "scenario": scenario,
        "concurrency": concurrency,
        "requests_sent": 10,
        "requests_succeeded": succeeded,
        "requests_failed": 10 - succeeded,
        "output_tokens_per_s": out_tps,
        "ttft_ms": stats(ttft),
        "tpot_ms": stats(tpot),
        "latency_ms": stats(latency),
        "errors": [] if succeeded else ["HTTP 500: boom"],
    }


def metrics(*levels):
    return {"levels": list(levels)}


def test_throughput_is_per_gpu_and_mean_over_levels():
    m = metrics(level(out_tps=1000), level(out_tps=3000, concurrency=16))
    assert score_metrics(m, "maximize_throughput").score == 2000
    r = score_metrics(m, "maximize_throughput", parameters={"tp-size": 2, "dp-size": 2})
    assert r.gpus == 4 and r.score == 500
    assert (
        score_metrics(
            m,
            "maximize_throughput",
            parameters={"tensor-parallel-size": 2, "pipeline-parallel-size": 2},
            runtime="vllm",
        ).score
        == 500
    )


def test_latency_objectives_are_negated_so_higher_is_better():
    fast = metrics(level(ttft=(50, 50, 60, 70), tpot=(5, 5, 6, 7), latency=(200, 200, 250, 300)))
    slow = metrics(level())
    for objective, expected in (("minimize_ttft", -50), ("minimize_tpot", -5), ("minimize_latency", -200)):
        a = score_metrics(fast, objective).score
        b = score_metrics(slow, objective).score
        assert a == expected and a > b


def test_soft_slo_penalty_grows_with_the_violation():
    m_ok = metrics(level(ttft=(100, 100, 400, 450)))
    m_bit = metrics(level(ttft=(100, 100, 600, 650)))
    m_lot = metrics(level(ttft=(100, 100, 1500, 1600)))
    slo = {"ttft": {"percentile": "p90", "max_ms": 500}}
    ok, bit, lot = (score_metrics(m, "maximize_throughput", slo=slo) for m in (m_ok, m_bit, m_lot))
    assert ok.score == 1000 and ok.violations == []
    assert bit.score == pytest.approx(1000 / 1.2) and not bit.failed
    assert lot.score == pytest.approx(1000 / 3.0)
    assert bit.violations[0]["observed_ms"] == 600
    # On a negative (latency) score the penalty makes it more negative.
    lat = score_metrics(m_bit, "minimize_latency", slo=slo)
    assert lat.score == pytest.approx(-500 * 1.2)


def test_hard_slo_fails_with_a_reason():
    slo = {"tpot": {"percentile": "p99", "max_ms": 12, "hard": True}}
    r = score_metrics(metrics(level(), level(tpot=(8, 8, 9, 10), concurrency=1)), "maximize_throughput", slo=slo)
    assert r.failed and r.score is None
    assert r.reason == "Hard SLO violated: p99 TPOT 15.0 ms > 12 ms at D(100,100) at concurrency 4."


def test_a_level_without_success_fails_the_experiment():
    r = score_metrics(metrics(level(), level(succeeded=0)), "maximize_throughput")
    assert r.failed and r.score is None and "HTTP 500: boom" in r.reason
    assert score_metrics({"levels": []}, "minimize_ttft").failed


def test_invalid_objective_and_slo_are_refused_readably():
    with pytest.raises(InvalidObjective, match="use one of maximize_throughput"):
        score_metrics(metrics(level()), "maximize_fun")
    assert validate_slo(None) == {}
    assert validate_slo({"ttft": {"max_ms": 5}}) == {
        "ttft": [
            {
                "percentile": "p90",
                "max_ms": 5.0,
                "hard": False,
                "weight": 1.0,
                "fail_ratio": None,
                "penalty": "linear",
                "steepness": None,
            }
        ]
    }
    for bad, message in (
        ({"itl": {"max_ms": 1}}, "Unknown SLO 'itl'"),
        ({"ttft": {"percentile": "p95", "max_ms": 1}}, "percentile 'p95'"),
        ({"ttft": {"max_ms": -1}}, "positive number"),
        ({"ttft": {"max_ms": 1, "hard": "yes"}}, "use true or false"),
        ([1], "must be an object"),
    ):
        with pytest.raises(InvalidSLO, match=message.replace("(", r"\(")):
            validate_slo(bad)


def test_failed_experiments_never_rank_best():
    assert best_index([None, -5.0, None, -3.0, -3.0]) == 3
    assert best_index([None, None]) is None
    assert best_index([]) is None
    assert gpus_needed({"tp-size": True}) == 1  # a boolean is not a size


# --- the SLO model: subsets, several percentiles, fail_ratio, exponential penalties ---


def test_one_metric_alone_is_a_whole_slo():
    # latency only, met: p99 700 <= 10000
    r = score_metrics(metrics(level()), "maximize_throughput", slo={"latency": {"percentile": "p99", "max_ms": 10000}})
    assert r.score == 1000 and r.violations == []
    # tpot only, missed softly: p90 12 over 10 -> excess 0.2 -> 1000 / 1.2
    r = score_metrics(metrics(level()), "maximize_throughput", slo={"tpot": {"percentile": "p90", "max_ms": 10}})
    assert r.score == pytest.approx(1000 / 1.2)


def test_several_percentiles_of_one_metric_each_with_its_own_limit():
    slo = {
        "latency": [
            {"percentile": "p50", "max_ms": 400},  # 500 / 400 - 1 = 0.25
            {"percentile": "p99", "max_ms": 600, "weight": 2},  # 2 x (700 / 600 - 1) = 1/3
            {"percentile": "p90", "max_ms": 900},  # 600: met
        ]
    }
    r = score_metrics(metrics(level()), "maximize_throughput", slo=slo)
    assert r.penalties == [pytest.approx(0.25 + 1 / 3, abs=1e-6)]
    assert r.score == pytest.approx(1000 / (1 + 0.25 + 1 / 3))
    assert [(v["percentile"], v["max_ms"]) for v in r.violations] == [("p50", 400.0), ("p99", 600.0)]
    # a latency objective: minus the mean, times (1 + p)
    r = score_metrics(metrics(level()), "minimize_latency", slo=slo)
    assert r.score == pytest.approx(-500 * (1 + 0.25 + 1 / 3))


def test_exponential_penalty_with_steepness():
    # ttft p90 120 over 100: excess 0.2; weight 2, steepness 0.1 -> 2 e^2
    slo = {"ttft": {"percentile": "p90", "max_ms": 100, "weight": 2, "penalty": "exponential", "steepness": 0.1}}
    r = score_metrics(metrics(level()), "maximize_throughput", slo=slo)
    assert r.score == pytest.approx(1000 / (1 + 2 * math.e**2))
    # steepness 0.2 is gentler: 2 e^1
    slo["ttft"]["steepness"] = 0.2
    assert score_metrics(metrics(level()), "maximize_throughput", slo=slo).score == pytest.approx(
        1000 / (1 + 2 * math.e)
    )
    # the default steepness is 0.1
    assert validate_slo({"ttft": {"max_ms": 1, "penalty": "exponential"}})["ttft"][0]["steepness"] == 0.1


def test_fail_ratio_is_the_tolerated_fraction_of_slow_requests():
    lv = level()
    lv["over_ms"] = {"latency_ms": {"600.0": 2}}  # 2 of 10 successful requests over 600 ms: 20%
    slo = {"latency": {"percentile": "p99", "max_ms": 600, "hard": True, "fail_ratio": 0.1}}
    r = score_metrics(metrics(lv), "maximize_throughput", slo=slo)
    assert r.failed and r.score is None
    assert "20.0% of requests had latency over 600 ms (more than the tolerated 10.0%)" in r.reason
    # 20% tolerated: no failure, but p99 700 over 600 costs as a soft limit: 1000 / (1 + 1/6)
    slo["latency"]["fail_ratio"] = 0.25
    r = score_metrics(metrics(lv), "maximize_throughput", slo=slo)
    assert not r.failed and r.score == pytest.approx(1000 / (1 + 1 / 6))
    # without fail_ratio the same hard limit fails on the percentile
    del slo["latency"]["fail_ratio"]
    assert "p99 latency 700.0 ms > 600 ms" in score_metrics(metrics(lv), "maximize_throughput", slo=slo).reason


def test_fail_ratio_without_counts_fails_with_a_sentence():
    slo = {"ttft": {"max_ms": 500, "hard": True, "fail_ratio": 0.1}}
    r = score_metrics(metrics(level()), "maximize_throughput", slo=slo)
    assert r.failed and "did not count the ttft requests over 500 ms" in r.reason
    assert slo_thresholds(slo) == {"ttft_ms": [500.0]}
    assert slo_thresholds({"ttft": {"max_ms": 500, "hard": True}}) == {}


def test_old_single_object_rows_read_as_lists():
    old = {"ttft": {"percentile": "p90", "max_ms": 500, "hard": False}, "tpot": None}
    assert normalize_slo(old) == {
        "ttft": [
            {
                "percentile": "p90",
                "max_ms": 500.0,
                "hard": False,
                "weight": 1.0,
                "fail_ratio": None,
                "penalty": "linear",
                "steepness": None,
            }
        ]
    }


@pytest.mark.parametrize(
    ("slo", "words"),
    [
        ({"ttft": {"max_ms": 5, "fail_ratio": 0.1}}, "fail_ratio on a soft limit"),
        ({"ttft": {"max_ms": 5, "hard": True, "fail_ratio": 1}}, "fail_ratio 1"),
        ({"ttft": {"max_ms": 5, "steepness": 0.1}}, "steepness on a linear penalty"),
        ({"ttft": {"max_ms": 5, "penalty": "cubic"}}, "use linear or exponential"),
        ({"ttft": {"max_ms": 5, "penalty": "exponential", "steepness": 0}}, "steepness 0"),
        ({"latency": []}, "1 to 12 limits"),
        ({"latency": [{"max_ms": 5}, {"percentile": "p42", "max_ms": 5}]}, "'latency' limit 2 has percentile"),
        ({"latency": {"max_ms": 5, "threshold": 1}}, "unknown field 'threshold'"),
    ],
)
def test_bad_limits_are_refused_with_a_sentence(slo, words):
    with pytest.raises(InvalidSLO) as info:
        validate_slo(slo)
    assert words in info.value.message
