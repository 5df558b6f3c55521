"""Scoring benchmark metrics against objectives and SLOs (pure)."""

from __future__ import annotations

import pytest

from autotuner.tuning.scoring import (
    InvalidObjective,
    InvalidSLO,
    best_index,
    gpus_needed,
    score_metrics,
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
        "ttft": {"percentile": "p90", "max_ms": 5.0, "hard": False, "weight": 1.0}
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
