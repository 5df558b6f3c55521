"""Experiments against the real llama-server with the tiny model: readiness, exact token counts,
failures the engine itself reports, and a relation between flags that holds on a busy machine."""

from __future__ import annotations

import statistics

import pytest
from support.llama import llama_server, llama_server_processes, tiny_gguf  # noqa: F401 - fixtures

from autotuner.tuning.experiment import run_experiment

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("no_engine_left_behind")]


def task_of(model, benchmark: dict, objective: str = "maximize_throughput") -> dict:
    return {
        "task_name": "llama",
        "model": {"id_or_path": str(model)},
        "base_runtime": "llamacpp",
        "optimization": {"objective": objective, "timeout_per_iteration": 180},
        "benchmark": benchmark,
    }


def test_an_experiment_builds_exact_prompts_and_counts_tokens_from_usage(llama_server, tiny_gguf, tmp_path):  # noqa: F811
    benchmark = {"traffic_scenarios": ["D(40,8)"], "concurrency": [2], "requests_per_level": 4, "warmup_requests": 1}
    log = tmp_path / "experiment-1.log"
    outcome = run_experiment(task_of(tiny_gguf, benchmark), {"parallel": 2, "threads": 1}, log_path=log)
    assert outcome.status == "succeeded", outcome.error
    assert outcome.command[:8] == [
        str(llama_server),
        "-m",
        str(tiny_gguf),
        "--host",
        "127.0.0.1",
        "--port",
        outcome.command[6],
        "--parallel",
    ]
    metrics = outcome.metrics
    # The warm-up went out once the engine answered /health with 200 (it answers 503 while it
    # loads), so none of it failed.
    assert metrics["warmup_sent"] == 1 and metrics["warmup_failed"] == 0
    counts = metrics["token_counts"]
    assert counts["tokenizer"] == "llama.cpp"
    assert counts["exact_prompts"] == 5 and counts["approximate_prompts"] == 0
    assert counts["answers_with_usage"] == 5 and counts["answers_without_usage"] == 0
    assert counts["prompts"].startswith("built to the exact input length with the engine's own tokenizer")
    assert counts["counted_from"] == "the engine's usage (prompt_tokens, completion_tokens) of every answer"
    (level,) = metrics["levels"]
    # Every prompt is 40 tokens by the engine's own count (BOS included), every answer 8.
    assert (level["requests_succeeded"], level["input_tokens"], level["output_tokens"]) == (4, 160, 32)
    assert outcome.score == metrics["scoring"]["score"] > 0
    text = log.read_text()
    assert "model loaded" in text and "# autotuner: experiment succeeded" in text
    assert llama_server_processes(str(tiny_gguf)) == []


def test_a_prompt_longer_than_a_slot_fails_with_the_engines_own_sentence(llama_server, tiny_gguf, tmp_path):  # noqa: F811
    # llama.cpp gives each slot at least 256 tokens of context: a 300-token prompt cannot fit.
    benchmark = {"traffic_scenarios": ["D(300,4)"], "concurrency": [1], "requests_per_level": 2, "warmup_requests": 0}
    outcome = run_experiment(
        task_of(tiny_gguf, benchmark), {"ctx-size": 256, "parallel": 1, "threads": 1}, log_path=tmp_path / "e.log"
    )
    assert outcome.status == "failed"
    assert outcome.error.startswith("No request succeeded at D(300,4)")
    assert "HTTP 400" in outcome.error
    assert "request (300 tokens) exceeds the available context size (256 tokens), try increasing it" in outcome.error


def test_a_model_file_that_does_not_exist_fails_with_the_engines_own_sentence(llama_server, tmp_path):  # noqa: F811
    missing = tmp_path / "no-such-model.gguf"
    benchmark = {"traffic_scenarios": ["D(8,4)"], "concurrency": [1], "requests_per_level": 1}
    outcome = run_experiment(task_of(missing, benchmark), {"threads": 1}, log_path=tmp_path / "e.log")
    assert outcome.status == "failed"
    assert outcome.error.startswith("The engine exited with code 1 before it became ready: ")
    assert "exiting due to model loading error" in outcome.error.splitlines()[0]
    assert f"failed to open GGUF file '{missing}' (No such file or directory)" in outcome.error


# Measured on a shared 2-core machine under a load average of 7-9 (other engineers' test suites
# and busy loops), the tiny model, threads 1, at concurrency 4, 10 runs of each:
# * output tokens/s at D(32,32), parallel 4 over parallel 1: 0.6x to 2.1x - the machine's load
#   swings more than the flag's effect, so it is not asserted;
# * mean TTFT at D(8,48), parallel 1 over parallel 4: 2.5x to 8.5x (parallel 1: 546-947 ms,
#   parallel 4: 70-220 ms) - one slot makes the other three requests queue behind it whatever
#   the machine's speed. Asserted with a wide margin:
RELATION = 1.5


def test_four_slots_answer_four_concurrent_clients_sooner_than_one(llama_server, tiny_gguf, tmp_path):  # noqa: F811
    benchmark = {"traffic_scenarios": ["D(8,48)"], "concurrency": [4], "requests_per_level": 8, "warmup_requests": 1}
    task = task_of(tiny_gguf, benchmark, objective="minimize_ttft")
    ttft = {}
    for slots in (1, 4):
        outcome = run_experiment(task, {"parallel": slots, "threads": 1}, log_path=tmp_path / f"p{slots}.log")
        assert outcome.status == "succeeded", outcome.error
        ttft[slots] = outcome.metrics["levels"][0]["ttft_ms"]["mean"]
        assert outcome.score == pytest.approx(-ttft[slots], rel=1e-3)
    assert ttft[1] > RELATION * ttft[4], ttft
    assert statistics.mean(ttft.values()) > 0
