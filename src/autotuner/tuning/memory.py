"""The memory model behind suggested presets: model shapes and what fits on which GPUs.

* Weights: parameters x bytes per parameter of the dtype (bf16/fp16 2, fp8/int8 1, int4 0.5).
* KV cache per token: 2 (K and V) x layers x KV heads x head size x bytes of the KV dtype.
* tp-size: the smallest power of two (<= the GPUs given) whose share of the weights leaves, within
  the memory fraction the engine may use, a useful KV cache (at least ``MIN_KV_SHARE`` of a GPU and
  room for ``MIN_REQUESTS`` requests of the scenario).

Shapes come from the built-in table (``data/model_shapes.json``, each row naming the config.json
it was copied from) or from a local ``config.json``. Checked against published sizes in
tests/analytics/test_memory.py (e.g. Meta-Llama-3-8B: 16.06 GB of bf16 safetensors, 128 KiB of KV
per token).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data" / "model_shapes.json"
CONFIG_MAX_BYTES = 1_000_000
BYTES_PER_PARAM = {
    "float32": 4.0,
    "fp32": 4.0,
    "bfloat16": 2.0,
    "bf16": 2.0,
    "float16": 2.0,
    "fp16": 2.0,
    "half": 2.0,
    "auto": 2.0,
    "fp8": 1.0,
    "fp8_e4m3": 1.0,
    "fp8_e5m2": 1.0,
    "int8": 1.0,
    "int4": 0.5,
    "awq": 0.5,
    "gptq": 0.5,
}
# The fraction of a GPU's memory the engine takes for weights and KV cache (sglang's
# mem-fraction-static / vLLM's gpu-memory-utilization defaults are 0.88-0.9).
MEMORY_FRACTION = 0.9
MIN_KV_SHARE = 0.1  # a useful KV cache: at least a tenth of each GPU ...
MIN_REQUESTS = 16  # ... and room for this many requests of the scenario
TP_SIZES = (1, 2, 4, 8, 16)


class ShapeError(ValueError):
    """A model shape that cannot be read: the message is one sentence for the user."""


@dataclass(frozen=True)
class ModelShape:
    id: str
    params_b: float
    layers: int
    hidden_size: int
    kv_heads: int
    head_dim: int
    dtype: str
    architecture: str | None = None
    source: str = "built-in table"

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "params_b": self.params_b,
            "layers": self.layers,
            "hidden_size": self.hidden_size,
            "kv_heads": self.kv_heads,
            "head_dim": self.head_dim,
            "dtype": self.dtype,
            "architecture": self.architecture,
            "source": self.source,
        }


@cache
def known_models() -> tuple[ModelShape, ...]:
    rows = json.loads(DATA.read_text(encoding="utf-8"))["models"]
    return tuple(ModelShape(**row) for row in rows)


def find_model(model_id: str) -> ModelShape | None:
    """The built-in shape of ``model_id`` (case-insensitive; a local path ending in the id's name
    also matches, e.g. /models/Meta-Llama-3-8B)."""
    wanted = model_id.strip().rstrip("/").lower()
    for shape in known_models():
        if shape.id.lower() == wanted:
            return shape
    tail = wanted.rsplit("/", 1)[-1]
    for shape in known_models():
        if shape.id.lower().rsplit("/", 1)[-1] == tail:
            return shape
    return None


def _estimate_params(config: dict[str, Any], layers: int, hidden: int, kv_heads: int, head_dim: int) -> float:
    """Parameters (billions) of a dense decoder from its config: attention, MLP, embeddings."""
    heads = int(config.get("num_attention_heads") or max(1, hidden // head_dim))
    intermediate = int(config.get("intermediate_size") or 4 * hidden)
    vocab = int(config.get("vocab_size") or 32000)
    experts = int(config.get("num_local_experts") or config.get("num_experts") or 1)
    attention = hidden * heads * head_dim * 2 + hidden * kv_heads * head_dim * 2
    mlp = 3 * hidden * intermediate * experts
    embeddings = vocab * hidden * (1 if config.get("tie_word_embeddings") else 2)
    return (layers * (attention + mlp) + embeddings) / 1e9


def _positive_int(config: dict[str, Any], key: str) -> int:
    value = config.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ShapeError(f"The config.json has no positive integer '{key}': give a model config of a decoder LLM.")
    return value


def shape_from_config(config: Any, name: str) -> ModelShape:
    """A shape from the contents of a Hugging Face ``config.json`` (already parsed)."""
    if not isinstance(config, dict):
        raise ShapeError("The config.json is not a JSON object: give the model's config.json.")
    text = config.get("text_config")
    if isinstance(text, dict):  # multimodal configs keep the language model apart
        config = {**config, **text}
    layers = _positive_int(config, "num_hidden_layers")
    hidden = _positive_int(config, "hidden_size")
    heads = _positive_int(config, "num_attention_heads")
    kv_heads = config.get("num_key_value_heads") or heads
    if isinstance(kv_heads, bool) or not isinstance(kv_heads, int) or kv_heads <= 0:
        raise ShapeError("The config.json's 'num_key_value_heads' is not a positive integer.")
    head_dim = config.get("head_dim") or hidden // heads
    if isinstance(head_dim, bool) or not isinstance(head_dim, int) or head_dim <= 0:
        raise ShapeError("The config.json's 'head_dim' is not a positive integer.")
    dtype = str(config.get("torch_dtype") or config.get("dtype") or "bfloat16")
    architectures = config.get("architectures")
    architecture = str(architectures[0]) if isinstance(architectures, list) and architectures else None
    params = _estimate_params(config, layers, hidden, kv_heads, head_dim)
    return ModelShape(
        id=name,
        params_b=round(params, 2),
        layers=layers,
        hidden_size=hidden,
        kv_heads=kv_heads,
        head_dim=head_dim,
        dtype=dtype,
        architecture=architecture,
        source="config.json",
    )


def read_config(path_text: str) -> ModelShape:
    """The shape in a local ``config.json``: a .json file of at most 1 MB, parsed as JSON only."""
    path = Path(path_text).expanduser()
    if path.suffix.lower() != ".json":
        raise ShapeError(f"'{path_text}' is not a .json file: give the path of the model's config.json.")
    try:
        size = path.stat().st_size
    except OSError:
        raise ShapeError(f"'{path_text}' cannot be read: give the path of an existing config.json.") from None
    if not path.is_file():
        raise ShapeError(f"'{path_text}' is not a file: give the path of the model's config.json.")
    if size > CONFIG_MAX_BYTES:
        raise ShapeError(f"'{path_text}' is larger than 1 MB: a model's config.json is a few kilobytes.")
    try:
        config = json.loads(path.read_bytes())
    except (OSError, UnicodeDecodeError, ValueError):
        raise ShapeError(f"'{path_text}' is not valid JSON: give the model's config.json.") from None
    return shape_from_config(config, path.parent.name or path.stem)


def bytes_per_param(dtype: str | None) -> float:
    key = (dtype or "bfloat16").lower()
    if key in BYTES_PER_PARAM:
        return BYTES_PER_PARAM[key]
    if "fp8" in key or "int8" in key:
        return 1.0
    if "4" in key:
        return 0.5
    return 2.0


def weights_gb(shape: ModelShape, dtype: str | None = None) -> float:
    """Weights in GB (10^9 bytes), as the Hub shows safetensors sizes."""
    return shape.params_b * bytes_per_param(dtype or shape.dtype)


def kv_bytes_per_token(shape: ModelShape, kv_dtype: str | None = None) -> int:
    """K and V of every layer for one token."""
    kv_bytes = 2.0 if kv_dtype in (None, "auto") else bytes_per_param(kv_dtype)
    return int(2 * shape.layers * shape.kv_heads * shape.head_dim * kv_bytes)


SCENARIO = re.compile(
    r"^\s*([DNU])\((\d+(?:\.\d+)?),\s*(\d+(?:\.\d+)?)\)(?:/\((\d+(?:\.\d+)?),\s*(\d+(?:\.\d+)?)\))?\s*$"
)


def scenario_tokens(scenario: str) -> tuple[int, int]:
    """(input, output) tokens per request of a genai-bench scenario, at their largest typical size:
    D(in,out) as given; N(mean,std)/(mean,std) mean + 2 std; U(min,max)/(min,max) the max."""
    match = SCENARIO.match(scenario)
    if match is None:
        raise ShapeError(
            f"'{scenario}' is not a genai-bench scenario: write D(input,output), N(mean,std)/(mean,std) or "
            "U(min,max)/(min,max)."
        )
    kind, a, b, c, d = match.groups()
    if kind == "D":
        if c is not None:
            raise ShapeError(f"'{scenario}': D takes one pair, e.g. D(1000,200).")
        return int(float(a)), int(float(b))
    if c is None or d is None:
        raise ShapeError(f"'{scenario}': {kind} takes two pairs, e.g. {kind}(480,240)/(300,150).")
    if kind == "N":
        return int(float(a) + 2 * float(b)), int(float(c) + 2 * float(d))
    return int(float(b)), int(float(d))


@dataclass(frozen=True)
class Fit:
    tp_size: int
    weights_gb: float
    weights_per_gpu_gb: float
    kv_cache_gb: float  # all GPUs together
    kv_bytes_per_token: int
    kv_tokens: int
    tokens_per_request: int
    requests_fit: int

    def figures(self) -> dict[str, Any]:
        return {
            "weights_gb": round(self.weights_gb, 2),
            "weights_per_gpu_gb": round(self.weights_per_gpu_gb, 2),
            "kv_bytes_per_token": self.kv_bytes_per_token,
            "kv_cache_gb": round(self.kv_cache_gb, 2),
            "kv_tokens": self.kv_tokens,
            "tp_size": self.tp_size,
            "tokens_per_request": self.tokens_per_request,
            "requests_fit": self.requests_fit,
            "memory_fraction": MEMORY_FRACTION,
        }


class DoesNotFit(ValueError):
    """No tp-size fits: the message says how much the model needs."""


def plan(shape: ModelShape, dtype: str | None, gpu_memory_gb: float, gpu_count: int, scenario: str) -> Fit:
    """The smallest tp-size that fits ``shape`` with a useful KV cache, and what it holds."""
    weights = weights_gb(shape, dtype)
    per_token = kv_bytes_per_token(shape)
    tokens_in, tokens_out = scenario_tokens(scenario)
    per_request = max(1, tokens_in + tokens_out)
    usable = gpu_memory_gb * MEMORY_FRACTION
    for tp in TP_SIZES:
        if tp > gpu_count:
            break
        per_gpu = weights / tp
        kv_per_gpu = usable - per_gpu
        kv_total_gb = kv_per_gpu * tp
        tokens = int(kv_total_gb * 1e9 // per_token) if kv_per_gpu > 0 else 0
        if kv_per_gpu >= MIN_KV_SHARE * gpu_memory_gb and tokens >= MIN_REQUESTS * per_request:
            return Fit(tp, weights, per_gpu, kv_total_gb, per_token, tokens, per_request, tokens // per_request)
    largest = max(tp for tp in TP_SIZES if tp <= max(1, gpu_count))
    needed = weights / (MEMORY_FRACTION - MIN_KV_SHARE)
    raise DoesNotFit(
        f"{shape.id} needs {weights:.0f} GB of weights ({shape.params_b:g}B parameters in {dtype or shape.dtype}) plus "
        f"a KV cache, about {needed:.0f} GB of GPU memory in all, but {gpu_count} GPU(s) of {gpu_memory_gb:g} GB "
        f"(tp-size up to {largest}) cannot hold it: use more or larger GPUs, or a smaller dtype (fp8, int4)."
    )


def power_of_two_at_most(value: float) -> int:
    return 1 if value < 2 else 2 ** math.floor(math.log2(value))
