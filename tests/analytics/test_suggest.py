"""POST /api/presets/suggest and GET /api/presets/suggest/models: the memory model's facts,
history that consistently won, the catalogs' flag names, and the sentences for what cannot be."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from support.experiments import add_experiments, context
from support.factories import assert_error, create_preset, create_task

H100 = {"gpu_model": "H100", "gpu_memory_gb": 80, "gpu_count": 8}
LLAMA_8B = "meta-llama/Llama-3.1-8B-Instruct"
FLAGS = {
    "sglang": ["chunked-prefill-size", "max-running-requests", "mem-fraction-static", "tp-size"],
    "vllm": ["gpu-memory-utilization", "max-num-batched-tokens", "max-num-seqs", "tensor-parallel-size"],
}


def suggest(client, **body):
    return client.post("/api/presets/suggest", json={"runtime": "sglang", "hardware": H100, **body})


def test_the_model_table_names_its_sources(client) -> None:
    models = client.get("/api/presets/suggest/models").json()
    ids = {m["id"] for m in models}
    assert {"meta-llama/Meta-Llama-3-70B", "Qwen/Qwen2.5-7B-Instruct", "mistralai/Mistral-7B-Instruct-v0.3"} <= ids
    assert all(
        m["source"].startswith("https://huggingface.co/") and m["source"].endswith("/config.json") for m in models
    )


@pytest.mark.parametrize("runtime", ["sglang", "vllm"])
def test_memory_model_values_use_the_catalogs_flags_and_save_as_a_preset(client, runtime: str) -> None:
    answer = suggest(client, runtime=runtime, model={"id": LLAMA_8B}, hardware={"gpu_memory_gb": 80, "gpu_count": 1})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert sorted(body["parameters"]) == FLAGS[runtime]
    tp_flag = FLAGS[runtime][-1]
    assert body["parameters"][tp_flag] == [1]  # 8B in bf16 on one 80 GB GPU
    assert body["figures"]["tp_size"] == 1 and body["figures"]["kv_bytes_per_token"] == 131_072
    assert body["figures"]["weights_gb"] == pytest.approx(16.06)
    # Every value has a reason; every reason is the memory model's (no history yet).
    for flag, values in body["parameters"].items():
        for value in values:
            assert any(r["flag"] == flag and r["value"] == value and r["text"] for r in body["reasons"]), (flag, value)
    assert {r["source"] for r in body["reasons"]} == {"memory_model"}
    assert body["presets"] == [] and any("No similar past task" in w for w in body["warnings"])
    # "Save as preset": the catalog of the runtime knows every flag (no warning).
    saved = create_preset(client, f"Suggested {runtime}", runtime=runtime, parameters=body["parameters"])
    assert saved["warnings"] == []


def test_70b_never_gets_tp_1_and_too_big_is_a_sentence(client) -> None:
    body = suggest(client, model={"id": "meta-llama/Llama-3.1-70B-Instruct"}).json()
    assert 1 not in body["parameters"]["tp-size"] and body["parameters"]["tp-size"] == [4, 8]
    assert "tp-size 2 each GPU would hold 70.6 GB" in next(r["text"] for r in body["reasons"] if r["flag"] == "tp-size")
    refused = suggest(client, model={"id": "meta-llama/Llama-3.1-405B-Instruct"})
    assert_error(refused, 422, "meta-llama/Llama-3.1-405B-Instruct needs 812 GB of weights")
    assert "about 1015 GB of GPU memory" in refused.json()["detail"]
    assert (
        suggest(client, model={"id": "meta-llama/Llama-3.1-405B-Instruct"}, dtype="fp8").json()["figures"]["tp_size"]
        == 8
    )


def test_history_that_consistently_won_is_included_with_its_reason(client, app) -> None:
    preset = create_preset(client, "Tuned 8B", runtime="sglang", parameters={"mem-fraction-static": [0.8, 0.83]})
    for name in ("past-1", "past-2", "past-3"):
        task = create_task(client, task_name=name, base_runtime="sglang", presets={"ids": [preset["id"]]})
        add_experiments(
            app,
            task["id"],
            [
                ({"mem-fraction-static": 0.8}, 100.0, context("H100")),
                ({"mem-fraction-static": 0.83}, 140.0, context("H100")),
            ],
        )
    # A task on another objective is not evidence for throughput.
    other = create_task(
        client,
        task_name="latency",
        base_runtime="sglang",
        parameters={"mem-fraction-static": [0.7]},
        optimization={"objective": "minimize_latency"},
    )
    add_experiments(app, other["id"], [({"mem-fraction-static": 0.7}, 1.0, context("H100"))])

    body = suggest(client, model={"id": LLAMA_8B}).json()
    assert 0.83 in body["parameters"]["mem-fraction-static"] and 0.7 not in body["parameters"]["mem-fraction-static"]
    reason = next(r for r in body["reasons"] if r["source"] == "history")
    assert (reason["flag"], reason["value"], reason["experiments"]) == ("mem-fraction-static", 0.83, 6)
    assert reason["text"].startswith("Won in 3 of 3 similar tasks (meta-llama/Llama-3.1-8B-Instruct on H100")
    assert body["presets"] == [
        {"preset_id": preset["id"], "name": "Tuned 8B", "score": 140.0, "experiments": 6, "similarity": 1.0}
    ]
    # A model 9x larger on the same GPUs is not near: no history for it.
    far = suggest(client, model={"id": "meta-llama/Llama-3.1-70B-Instruct"}).json()
    assert {r["source"] for r in far["reasons"]} == {"memory_model"}


def test_config_path_and_refusals(client, tmp_path: Path) -> None:
    config = tmp_path / "my-model" / "config.json"
    config.parent.mkdir()
    config.write_text(
        json.dumps(
            {
                "num_hidden_layers": 28,
                "hidden_size": 3584,
                "num_attention_heads": 28,
                "num_key_value_heads": 4,
                "intermediate_size": 18944,
                "vocab_size": 152064,
            }
        )
    )
    body = suggest(client, model={"config_path": str(config)}).json()
    assert body["figures"]["kv_bytes_per_token"] == 2 * 28 * 4 * 128 * 2  # Qwen2.5-7B's shape
    assert_error(
        suggest(client, model={"config_path": str(tmp_path / "x.txt")}),
        422,
        f"'{tmp_path / 'x.txt'}' is not a .json file",
    )
    assert_error(suggest(client, model={"id": "nobody/unknown"}), 422, "'nobody/unknown' is not in the built-in table")
    assert_error(suggest(client, model={"id": LLAMA_8B, "config_path": str(config)}), 422)
    assert_error(suggest(client, model={}), 422)
    assert_error(
        suggest(client, model={"id": LLAMA_8B}, scenario="E(100)"), 422, "'E(100)' is not a genai-bench scenario"
    )
    # No hardware given: nvidia-smi's GPUs, else a sentence asking for them.
    detected = client.post("/api/presets/suggest", json={"runtime": "vllm", "model": {"id": LLAMA_8B}})
    cpu = client.post("/api/presets/suggest", json={"runtime": "llamacpp", "model": {"id": LLAMA_8B}}).json()
    if shutil.which("nvidia-smi") is None:
        assert_error(detected, 422, "No GPU was found on this machine (nvidia-smi): give 'hardware'")
        assert cpu["parameters"]["n-gpu-layers"] == [0]  # llama.cpp runs on the CPU then
    else:
        assert detected.status_code == 200 and detected.json()["figures"]["gpu_count"] >= 1
    assert (
        create_preset(client, "Suggested llama.cpp", runtime="llamacpp", parameters=cpu["parameters"])["warnings"] == []
    )
    assert client.get("/api/presets/suggest").status_code == 405
