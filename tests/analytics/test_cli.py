"""``autotuner presets suggest`` and ``autotuner presets analytics`` in an 80-column terminal."""

from __future__ import annotations

import json

from support.cli import lines_of, run


def test_suggest_in_80_columns_and_save_as_preset(cli_env) -> None:
    result = run(
        "presets",
        "suggest",
        "--runtime",
        "vllm",
        "--model",
        "meta-llama/Meta-Llama-3-70B",
        "--gpu-memory",
        "80",
        "--gpus",
        "8",
        "--gpu-model",
        "H100",
        "--save",
        "Llama 70B on H100",
        columns=80,
    )
    lines = lines_of(result.output)
    assert all(len(line) <= 80 for line in lines), result.output
    assert lines[0].startswith("141.2 GB of weights, 327,680 bytes of KV cache per token; tp-size 4")
    assert "tensor-parallel-size" in result.output and "memory model" in result.output
    assert "Saved as preset 'Llama 70B on H100'" in result.output
    shown = json.loads(run("presets", "show", "llama-70b-on-h100", "--json").output)
    assert shown["parameters"]["tensor-parallel-size"] == [4, 8] and shown["runtime"] == "vllm"

    refused = run(
        "presets",
        "suggest",
        "--model",
        "meta-llama/Llama-3.1-405B-Instruct",
        "--gpu-memory",
        "80",
        "--gpus",
        "2",
        ok=False,
    )
    assert refused.exit_code != 0 and "needs 812 GB of weights" in refused.output
    assert "Give --model ID" in run("presets", "suggest", ok=False).output
    assert "Qwen/Qwen2.5-7B-Instruct" in run("presets", "suggest", "--models", columns=80).output


def test_analytics_of_an_unused_preset(cli_env) -> None:
    run("presets", "create", "--name", "Lonely", "--param", "tp-size=1,2")
    result = run("presets", "analytics", "lonely", columns=80)
    assert "Lonely" in result.output and "0 task(s), 0 experiment(s)" in result.output
    assert "No task you can read was made with this preset yet." in result.output
    report = json.loads(run("presets", "analytics", "lonely", "--json").output)
    assert (report["tasks"], report["win_rate"], report["compared"]) == (0, None, [])
