"""The memory model against published facts of open models.

Sources (safetensors totals shown by the Hugging Face Hub, "Files and versions", bf16):
* meta-llama/Meta-Llama-3-8B: 4 shards, 4.98 + 5.00 + 4.92 + 1.17 = 16.07 GB; 8.03B parameters.
* meta-llama/Meta-Llama-3-70B: 30 shards, 141.1 GB; 70.6B parameters.
* Qwen/Qwen2.5-7B-Instruct: 4 shards, 15.23 GB; 7.62B parameters (model card: "7.61B").
* mistralai/Mistral-7B-Instruct-v0.3: 3 shards, 14.50 GB; 7.25B parameters.
KV cache per token: 2 x layers x KV heads x head_dim x 2 bytes, e.g. Llama-3-8B 2*32*8*128*2 =
131,072 bytes (128 KiB), Llama-3-70B 327,680 bytes (320 KiB), as vLLM/SGLang report at start-up.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from autotuner.tuning.memory import (
    DoesNotFit,
    ShapeError,
    find_model,
    kv_bytes_per_token,
    plan,
    read_config,
    scenario_tokens,
    weights_gb,
)

PUBLISHED_GB = {
    "meta-llama/Meta-Llama-3-8B": 16.07,
    "meta-llama/Meta-Llama-3-70B": 141.1,
    "Qwen/Qwen2.5-7B-Instruct": 15.23,
    "mistralai/Mistral-7B-Instruct-v0.3": 14.50,
}


@pytest.mark.parametrize(("model_id", "published"), sorted(PUBLISHED_GB.items()))
def test_weights_match_published_sizes_within_two_percent(model_id: str, published: float) -> None:
    shape = find_model(model_id)
    assert shape is not None
    assert weights_gb(shape) == pytest.approx(published, rel=0.02)


def test_kv_bytes_per_token_of_llama_3() -> None:
    small, large = find_model("meta-llama/Meta-Llama-3-8B"), find_model("meta-llama/Meta-Llama-3-70B")
    assert small is not None and large is not None
    assert kv_bytes_per_token(small) == 131_072
    assert kv_bytes_per_token(large) == 327_680
    assert kv_bytes_per_token(small, "fp8_e5m2") == 65_536


def test_70b_bf16_on_80gb_gpus_never_tp_1_and_8b_fits_one() -> None:
    large, small = find_model("meta-llama/Meta-Llama-3-70B"), find_model("meta-llama/Meta-Llama-3-8B")
    assert large is not None and small is not None
    for count in (4, 8):
        assert plan(large, None, 80, count, "D(1000,200)").tp_size > 1
    for count in (1, 2):  # 70.6 GB of weights per GPU at tp-size 2 leave 1.4 GB of 72: no useful cache
        with pytest.raises(DoesNotFit, match="needs 141 GB of weights"):
            plan(large, None, 80, count, "D(1000,200)")
    assert plan(large, None, 80, 8, "D(1000,200)").tp_size == 4
    fit = plan(small, None, 80, 1, "D(1000,200)")
    assert fit.tp_size == 1
    # 72 GB usable - 16.06 GB of weights = 55.9 GB of cache, / 131,072 bytes = 426,8xx tokens.
    assert fit.kv_tokens == int((80 * 0.9 - 8.03 * 2) * 1e9 // 131_072)
    assert fit.requests_fit == fit.kv_tokens // 1200


def test_a_model_too_big_for_the_gpus_is_a_sentence() -> None:
    large = find_model("meta-llama/Llama-3.1-405B-Instruct")
    assert large is not None
    with pytest.raises(DoesNotFit, match=r"needs 812 GB of weights .* 8 GPU\(s\) of 80 GB"):
        plan(large, None, 80, 8, "D(1000,200)")
    assert plan(large, "fp8", 80, 8, "D(1000,200)").tp_size == 8  # as served on one 8 x H100 node


def test_config_json_is_read_safely(tmp_path: Path) -> None:
    config = {
        "architectures": ["LlamaForCausalLM"],
        "num_hidden_layers": 32,
        "hidden_size": 4096,
        "num_attention_heads": 32,
        "num_key_value_heads": 8,
        "intermediate_size": 14336,
        "vocab_size": 128256,
        "torch_dtype": "bfloat16",
    }
    path = tmp_path / "Meta-Llama-3-8B" / "config.json"
    path.parent.mkdir()
    path.write_text(json.dumps(config))
    shape = read_config(str(path))
    assert (shape.layers, shape.kv_heads, shape.head_dim, shape.architecture) == (32, 8, 128, "LlamaForCausalLM")
    assert shape.params_b == pytest.approx(8.03, rel=0.01)  # the estimate from the config's sizes
    (tmp_path / "model.bin").write_text("{}")
    with pytest.raises(ShapeError, match=r"is not a \.json file"):
        read_config(str(tmp_path / "model.bin"))
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(ShapeError, match="is not valid JSON"):
        read_config(str(tmp_path / "bad.json"))
    (tmp_path / "big.json").write_text(" " * 1_000_001)
    with pytest.raises(ShapeError, match="larger than 1 MB"):
        read_config(str(tmp_path / "big.json"))
    with pytest.raises(ShapeError, match="cannot be read"):
        read_config(str(tmp_path / "missing.json"))
    (tmp_path / "list.json").write_text("[]")
    with pytest.raises(ShapeError, match="not a JSON object"):
        read_config(str(tmp_path / "list.json"))


def test_scenarios() -> None:
    assert scenario_tokens("D(1000,200)") == (1000, 200)
    assert scenario_tokens("N(480,240)/(300,150)") == (960, 600)
    assert scenario_tokens("U(10,100)/(20,40)") == (100, 40)
    with pytest.raises(ShapeError, match="is not a genai-bench scenario"):
        scenario_tokens("E(1024)")


def test_nvidia_smi_inventory_is_parsed() -> None:
    from autotuner.tuning.engine.gpus import parse_gpu_query

    # nvidia-smi --query-gpu=name,memory.total --format=csv,noheader,nounits on an 8 x H100 node (MiB).
    inventory = parse_gpu_query("NVIDIA H100 80GB HBM3, 81559\n" * 8)
    assert inventory is not None
    assert (inventory.model, inventory.memory_gb, inventory.count) == ("NVIDIA H100 80GB HBM3", 85.5, 8)
    assert parse_gpu_query("") is None and parse_gpu_query("GPU, not-a-number") is None
