"""The benchmark client, checked against real toy-engine servers with known injected delays."""

from __future__ import annotations

import json
import random
import sys

import pytest
from support.paths import TOY

from autotuner.tuning.benchmark import (
    BenchmarkAborted,
    BenchmarkConfig,
    InvalidBenchmark,
    parse_scenario,
    percentile,
    run_benchmark_sync,
    summarize_ms,
    synthesize_prompt,
)
from autotuner.tuning.engine.process import EngineProcess, free_port

TTFT_MS = 50.0
TPOT_MS = 10.0

pytestmark = pytest.mark.slow


def start_toy(tmp_path_factory, *extra: str):
    port = free_port()
    log = tmp_path_factory.mktemp("toy") / "engine.log"
    engine = EngineProcess(
        [sys.executable, TOY, "--port", str(port), "--model-path", "served-name", *extra], log, port=port
    )
    engine.start()
    engine.wait_ready(timeout=20)
    return engine


@pytest.fixture(scope="module")
def delayed_server(tmp_path_factory):
    engine = start_toy(tmp_path_factory, "--ttft-ms", str(TTFT_MS), "--tpot-ms", str(TPOT_MS))
    yield engine.base_url
    engine.terminate()


@pytest.fixture(scope="module")
def usage_free_server(tmp_path_factory):
    engine = start_toy(tmp_path_factory, "--delay-scale", "0", "--omit-usage")
    yield engine.base_url
    engine.terminate()


# --- scenarios and configuration ---


def test_parse_deterministic_and_normal_scenarios():
    d = parse_scenario("D(100,50)")
    assert (d.input_mean, d.output_mean) == (100, 50)
    assert d.sample(random.Random(0)) == (100, 50)
    n = parse_scenario("N(480,240)/(300, 150)")
    rng = random.Random(1)
    samples = [n.sample(rng) for _ in range(500)]
    assert all(i >= 1 and o >= 1 for i, o in samples)
    assert 400 < sum(i for i, _ in samples) / 500 < 560


@pytest.mark.parametrize("bad", ["D(10)", "D(0,5)", "D(1.5,3)", "X(1,2)", "D(a,b)", "", "N(1,2)"])
def test_bad_scenarios_are_refused_with_the_notation(bad):
    with pytest.raises(InvalidBenchmark) as info:
        parse_scenario(bad)
    assert f"Traffic scenario '{bad}' is not understood" in info.value.message
    assert "D(100,100)" in info.value.message


def test_config_from_task_and_its_errors():
    config = BenchmarkConfig.from_task(
        {
            "traffic_scenarios": ["D(64,32)"],
            "concurrency": [1, 4],
            "requests_per_level": 8,
            "warmup_requests": 0,
            "endpoint": "chat",
        }
    )
    assert config.concurrency == [1, 4] and config.endpoint == "chat"
    assert BenchmarkConfig.from_task({"seconds_per_level": 5}).requests_per_level is None
    with pytest.raises(InvalidBenchmark, match="concurrency"):
        BenchmarkConfig.from_task({"concurrency": [0]})
    with pytest.raises(InvalidBenchmark, match="endpoint 'embeddings' is unknown"):
        BenchmarkConfig.from_task({"endpoint": "embeddings"})
    with pytest.raises(InvalidBenchmark, match="at least one traffic scenario"):
        BenchmarkConfig.from_task({"traffic_scenarios": []})


def test_percentiles_interpolate_linearly():
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == pytest.approx(50.5)
    assert percentile(values, 90) == pytest.approx(90.1)
    assert percentile(values, 99) == pytest.approx(99.01)
    assert percentile([7.0], 99) == 7.0
    assert summarize_ms([0.001, 0.003]) == {"mean": 2.0, "p50": 2.0, "p90": 2.8, "p99": 2.98}
    assert summarize_ms([])["p90"] is None


def test_prompts_have_the_asked_number_of_words_and_differ():
    rng = random.Random(3)
    a, b = synthesize_prompt(64, rng), synthesize_prompt(64, rng)
    assert len(a.split()) == 64 and a != b


# --- against servers ---


@pytest.mark.parametrize("endpoint", ["completions", "chat"])
def test_metrics_match_injected_delays(delayed_server, endpoint):
    config = BenchmarkConfig(
        scenarios=["D(20,11)"], concurrency=[1, 3], requests_per_level=6, warmup_requests=1, endpoint=endpoint
    )
    result = run_benchmark_sync(delayed_server, config)
    assert result.model == "served-name"  # discovered from /v1/models
    assert result.warmup_sent == 1 and result.warmup_failed == 0
    assert [(lv.concurrency, lv.requests_sent) for lv in result.levels] == [(1, 6), (3, 6)]
    for level in result.levels:
        assert level.requests_succeeded == 6 and level.requests_failed == 0 and level.errors == []
        assert level.input_tokens == 6 * 20 and level.output_tokens == 6 * 11  # from the server's usage
        # Medians against the injected delays: a lower bound the server guarantees, an upper bound
        # with room for a loaded 2-core machine.
        ttft, tpot, latency = level.ttft_ms, level.tpot_ms, level.latency_ms
        assert TTFT_MS - 1 <= ttft["p50"] <= TTFT_MS + 150  # 50 ms to the first token
        assert ttft["p50"] <= ttft["p90"] <= ttft["p99"]
        assert 0.9 * TPOT_MS <= tpot["p50"] <= 2 * TPOT_MS  # 10 ms between tokens
        assert TTFT_MS + 10 * TPOT_MS - 1 <= latency["p50"] <= TTFT_MS + 10 * TPOT_MS + 250  # 50 + 10 x 10 ms
        assert latency["p50"] - ttft["p50"] >= 9 * TPOT_MS  # the 10 later tokens took their time
        # Tokens/s over the level's wall time, consistent with its counts.
        assert level.output_tokens_per_s == pytest.approx(level.output_tokens / level.duration_s, rel=1e-3)
        assert level.total_tokens_per_s == pytest.approx(
            (level.input_tokens + level.output_tokens) / level.duration_s, rel=1e-3
        )
        assert level.requests_per_s == pytest.approx(6 / level.duration_s, rel=1e-3)
    # Concurrency 3 runs the same 6 requests in about a third of the time: throughput rises.
    assert result.levels[1].output_tokens_per_s > 1.8 * result.levels[0].output_tokens_per_s
    json.dumps(result.to_dict())


def test_token_counts_fall_back_to_chunks_without_usage(usage_free_server):
    config = BenchmarkConfig(scenarios=["D(30,7)"], concurrency=[2], requests_per_level=4, warmup_requests=0)
    level = run_benchmark_sync(usage_free_server, config).levels[0]
    assert level.requests_succeeded == 4
    assert level.output_tokens == 4 * 7  # counted chunks
    assert level.input_tokens == 4 * 30  # the synthesised word count


def test_seconds_per_level(usage_free_server):
    config = BenchmarkConfig(
        scenarios=["D(8,4)"], concurrency=[2], seconds_per_level=0.3, requests_per_level=None, warmup_requests=0
    )
    level = run_benchmark_sync(usage_free_server, config).levels[0]
    assert level.requests_sent >= 2 and level.requests_failed == 0
    assert level.duration_s >= 0.3


def test_unreachable_server_counts_failures_with_errors():
    port = free_port()
    config = BenchmarkConfig(scenarios=["D(8,4)"], concurrency=[2], requests_per_level=4, warmup_requests=1)
    result = run_benchmark_sync(f"http://127.0.0.1:{port}", config)
    level = result.levels[0]
    assert result.warmup_failed == 1
    assert (level.requests_sent, level.requests_succeeded, level.requests_failed) == (4, 0, 4)
    assert level.errors and "ConnectError" in level.errors[0]
    assert level.ttft_ms["mean"] is None and level.output_tokens_per_s == 0


def test_should_stop_aborts_the_benchmark(delayed_server):
    config = BenchmarkConfig(scenarios=["D(8,100)"], concurrency=[1], requests_per_level=50, warmup_requests=0)
    calls = {"n": 0}

    def should_stop():
        calls["n"] += 1
        return "stop now" if calls["n"] > 3 else None

    with pytest.raises(BenchmarkAborted, match="stop now"):
        run_benchmark_sync(delayed_server, config, should_stop=should_stop)


# --- exact prompts with the engine's tokenizer ---


def test_prompts_are_fitted_with_an_engines_vllm_style_tokenize(tmp_path_factory):
    # The stand-in's --tokenize counts a word longer than 6 letters as two tokens, so a prompt of
    # N words is not N tokens: the client adjusts the words until the engine's count is exact.
    engine = start_toy(tmp_path_factory, "--delay-scale", "0", "--tokenize")
    try:
        config = BenchmarkConfig(scenarios=["D(30,4)"], concurrency=[2], requests_per_level=6, warmup_requests=1)
        result = run_benchmark_sync(engine.base_url, config)
    finally:
        engine.terminate()
    (level,) = result.levels
    assert (level.requests_succeeded, level.input_tokens, level.output_tokens) == (6, 180, 24)
    counts = result.token_counts
    assert counts["tokenizer"] == "vllm" and counts["exact_prompts"] == 7 and counts["approximate_prompts"] == 0
    assert counts["prompts"].startswith("built to the exact input length with the engine's own tokenizer (vllm")


def test_without_a_tokenizer_the_metrics_say_prompts_are_approximate(delayed_server, usage_free_server):
    config = BenchmarkConfig(scenarios=["D(8,2)"], concurrency=[1], requests_per_level=2, warmup_requests=0)
    counts = run_benchmark_sync(delayed_server, config).to_dict()["token_counts"]
    assert counts["tokenizer"] is None and counts["exact_prompts"] == 0
    assert counts["prompts"] == "about one word per input token (the engine offers no /tokenize)"
    assert counts["counted_from"] == "the engine's usage (prompt_tokens, completion_tokens) of every answer"
    counts = run_benchmark_sync(usage_free_server, config).to_dict()["token_counts"]
    assert counts["counted_from"].startswith("output: streamed text chunks; input: the prompt's length")
    chat = BenchmarkConfig(
        scenarios=["D(8,2)"], concurrency=[1], requests_per_level=1, warmup_requests=0, endpoint="chat"
    )
    assert (
        run_benchmark_sync(delayed_server, chat)
        .token_counts["prompts"]
        .startswith("about one word per input token (chat")
    )


# --- uniform and embedding scenarios, additional_params, slow-request counts ---


def test_uniform_scenarios_draw_whole_lengths_within_their_bounds():
    u = parse_scenario("U(50,150)/(20, 80)")
    rng = random.Random(3)
    samples = [u.sample(rng) for _ in range(400)]
    assert all(50 <= i <= 150 and 20 <= o <= 80 for i, o in samples)
    assert {min(i for i, _ in samples), max(i for i, _ in samples)} == {50, 150}
    assert u.request_tokens_bound() == 150 + 80


@pytest.mark.parametrize(
    ("bad", "words"),
    [
        ("E(1024)", "embedding scenario, which this benchmark cannot drive"),
        ("U(10,5)/(1,2)", "each minimum no larger than its maximum"),
        ("U(0,5)/(1,2)", "each minimum no larger than its maximum"),
        ("U(10,20)", "with both ranges, U(in_min,in_max)/(out_min,out_max)"),
        ("I(512,512)", "U(in_min,in_max)/(out_min,out_max)"),
    ],
)
def test_embedding_and_malformed_uniform_scenarios_are_refused_naming_what_is_supported(bad, words):
    with pytest.raises(InvalidBenchmark) as info:
        parse_scenario(bad)
    assert words in info.value.message
    assert "D(100,100)" in info.value.message or "U(50,150)/(20,80)" in info.value.message


def test_additional_params_cannot_take_the_clients_own_fields():
    with pytest.raises(InvalidBenchmark, match="additional_params cannot set 'max_tokens'"):
        BenchmarkConfig.from_task({"additional_params": {"max_tokens": 5, "top_p": 0.9}})
    with pytest.raises(InvalidBenchmark, match="must be an object"):
        BenchmarkConfig.from_task({"additional_params": ["temperature"]})


def test_additional_params_arrive_in_every_request_and_slow_requests_are_counted(tmp_path_factory):
    record = tmp_path_factory.mktemp("record") / "requests.jsonl"
    engine = start_toy(tmp_path_factory, "--ttft-ms", "1", "--tpot-ms", "1", "--record-requests", str(record))
    try:
        config = BenchmarkConfig.from_task(
            {
                "traffic_scenarios": ["U(3,6)/(2,4)"],
                "concurrency": [2],
                "requests_per_level": 6,
                "warmup_requests": 1,
                "additional_params": {"temperature": 0.7, "top_p": 0.9, "seed": 11},
            }
        )
        config.count_over_ms = {"latency_ms": [0.001, 1e9]}
        result = run_benchmark_sync(engine.base_url, config)
    finally:
        engine.terminate()
    bodies = [json.loads(line) for line in record.read_text().splitlines()]
    assert len(bodies) == 7  # 1 warm-up + 6
    assert all(b["temperature"] == 0.7 and b["top_p"] == 0.9 and b["seed"] == 11 for b in bodies)
    assert all(2 <= b["max_tokens"] <= 4 for b in bodies)
    level = result.levels[0]
    assert level.requests_succeeded == 6
    assert level.over_ms == {"latency_ms": {"0.001": 6, "1000000000.0": 0}}
