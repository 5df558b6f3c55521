"""Importing task files: the reference autotuner's format (files written here, covering every
field it has) with a line for every field, and this product's own task export (round trip)."""

from __future__ import annotations

import json

import pytest
from support.cli import run
from support.factories import assert_error, create_task

# A task file in the reference's format using every field it has (written for this test).
EVERY_FIELD = {
    "task_name": "ref-every-field",
    "description": "all of the reference's fields",
    "model": {"id_or_path": "org/some-model", "namespace": "tuning"},
    "base_runtime": "my-vllm-runtime",
    "runtime_image_tag": "v9.9.9",
    "deployment_mode": "ome",
    "clusterbasemodel_config": {"preset": "some-model"},
    "clusterservingruntime_config": {"preset": "my-vllm-runtime"},
    "storage": {"type": "pvc", "pvc_name": "models"},
    "parameters": {
        "gpu_memory_utilization": {"type": "choice", "values": [0.8, 0.9]},
        "max-num-seqs": [128],
        "unused": [],
    },
    "parallel_config": {"tp": [1, 2], "dp": [1]},
    "quant_config": {"gemm_dtype": "fp8", "kvcache_dtype": "fp8_e5m2", "attention_dtype": "fp8", "moe_dtype": "auto"},
    "optimization": {
        "strategy": "random_search",
        "objective": "minimize_ttft",
        "max_iterations": 3,
        "timeout_per_iteration": 300,
    },
    "benchmark": {
        "task": "text-to-text",
        "model_name": "some-model",
        "model_tokenizer": "org/some-model",
        "traffic_scenarios": ["D(64,32)", "N(100,10)/(50,5)"],
        "num_concurrency": [2, 8],
        "max_requests_per_iteration": 40,
        "max_time_per_iteration": 2,
        "additional_params": {"temperature": "0.5", "top_p": 0.9},
    },
    "slo": {
        "latency": {
            "p50": {"threshold": 1.5, "weight": 1.0, "hard_fail": False},
            "p99": {"threshold": 4.0, "weight": 3.0, "hard_fail": True, "fail_ratio": 0.25},
        },
        "ttft": {"threshold": 0.5, "weight": 2.0, "hard_fail": True},
        "tpot": {"threshold": 0.04},
        "steepness": 0.2,
    },
}


def exp_limit(percentile, max_ms, weight, steepness=0.2):
    return {
        "percentile": percentile,
        "max_ms": max_ms,
        "hard": False,
        "weight": weight,
        "fail_ratio": None,
        "penalty": "exponential",
        "steepness": steepness,
    }


def hard_limit(percentile, max_ms):
    return {
        "percentile": percentile,
        "max_ms": max_ms,
        "hard": True,
        "weight": 1.0,
        "fail_ratio": None,
        "penalty": "linear",
        "steepness": None,
    }


def paths(data, prefix=""):
    """Every key path of a file: ``benchmark``, ``benchmark.num_concurrency``, ..."""
    for key, value in data.items():
        path = f"{prefix}{key}"
        yield path
        if isinstance(value, dict) and not ("type" in value and "values" in value):
            yield from paths(value, path + ".")


def assert_every_field_has_a_line(file, report):
    fields = [line["field"] for line in report]
    for path in paths(file):
        assert any(f == path or f.startswith(path + ".") or path.startswith(f + ".") for f in fields), path


def test_every_reference_field_is_converted_or_reported(client):
    answer = client.post("/api/tasks/import", json=EVERY_FIELD)
    assert answer.status_code == 201, answer.text
    body = answer.json()
    task, report = body["task"], body["report"]
    assert body["format"] == "reference"
    assert task["task_name"] == "ref-every-field" and task["description"] == "all of the reference's fields"
    assert task["model"] == {"id_or_path": "org/some-model"}
    assert task["base_runtime"] == "vllm" and task["deployment_mode"] == "local"
    assert task["parameters"] == {
        "gpu-memory-utilization": [0.8, 0.9],
        "max-num-seqs": [128],
        "tensor-parallel-size": [1, 2],
        "data-parallel-size": [1],
        "quantization": ["fp8"],
        "kv-cache-dtype": ["fp8_e5m2"],
    }
    assert task["parallel"] == {"tp": [1, 2], "pp": None, "dp": [1], "ep": None}
    assert task["quantization"] == {"weights": ["fp8"], "kv_cache": ["fp8_e5m2"]}
    assert task["optimization"]["strategy"] == "random_search" and task["optimization"]["objective"] == "minimize_ttft"
    assert task["optimization"]["max_iterations"] == 3 and task["optimization"]["timeout_per_iteration"] == 300
    assert task["benchmark"] == {
        "traffic_scenarios": ["D(64,32)", "N(100,10)/(50,5)"],
        "concurrency": [2, 8],
        "requests_per_level": 40,
        "seconds_per_level": 120.0,
        "warmup_requests": 0,
        "endpoint": "completions",
        "additional_params": {"temperature": 0.5, "top_p": 0.9},
    }
    assert task["slo"] == {
        "latency": [
            exp_limit("p50", 1500.0, 1.0),
            exp_limit("p99", 4000.0, 3.0),
            hard_limit("p99", 5000.0),  # 4 s x (1 + 0.25)
        ],
        "ttft": [exp_limit("mean", 500.0, 2.0), hard_limit("mean", 750.0)],  # the reference's default fail_ratio 0.5
        "tpot": [exp_limit("mean", 40.0, 1.0)],
    }
    outcomes = {line["field"]: line["outcome"] for line in report}
    assert outcomes["model.namespace"] == "not_supported"
    assert outcomes["base_runtime"] == "converted"
    assert outcomes["deployment_mode"] == "not_supported"
    for key in ("runtime_image_tag", "clusterbasemodel_config", "clusterservingruntime_config", "storage"):
        assert outcomes[key] == "not_supported"
    assert outcomes["parameters.gpu_memory_utilization"] == "converted"
    assert outcomes["parameters.max-num-seqs"] == "mapped"
    assert outcomes["parameters.unused"] == "dropped"
    assert outcomes["parallel_config.tp"] == outcomes["parallel_config.dp"] == "mapped"
    assert outcomes["quant_config.attention_dtype"] == "not_supported"
    assert outcomes["quant_config.moe_dtype"] == "dropped"
    assert outcomes["benchmark.max_time_per_iteration"] == "converted"
    assert outcomes["benchmark.model_tokenizer"] == "dropped"
    assert outcomes["benchmark.additional_params"] == "converted"
    assert outcomes["slo.ttft.fail_ratio"] == "defaulted"
    assert outcomes["slo.latency.p99.fail_ratio"] == "converted"
    lines = {line["field"]: line["detail"] for line in report}
    assert "seconds to milliseconds" in lines["slo.latency.p50.threshold"]
    assert "genai-bench's minutes x 60" in lines["benchmark.max_time_per_iteration"]
    assert "ome (Kubernetes InferenceServices) is not part of this product" in lines["deployment_mode"]
    assert_every_field_has_a_line(EVERY_FIELD, report)
    assert client.get(f"/api/tasks/{task['id']}").json() == task


def test_reference_defaults_presets_and_a_grid_larger_than_max_iterations(client):
    file = {
        "task_name": "ref-small",
        "model": {"id_or_path": "m"},
        "base_runtime": "sglang",
        "deployment_mode": "docker",
        "runtime_image_tag": "v0.5.23",
        "parameters": {"tp_size": {"type": "choice", "values": [1, 2]}, "mem_frac": [0.8, 0.9]},
        "quant_config": {"presets": ["default", "kv-cache-fp8"]},
        "optimization": {"strategy": "grid_search", "objective": "minimize_latency", "max_iterations": 3},
        "benchmark": {"traffic_scenarios": ["D(100,100)"]},
        "slo": {"latency": {"p90": {"threshold": 2}}},
    }
    body = client.post("/api/tasks/import", json=file).json()
    task, lines = body["task"], {line["field"]: line for line in body["report"]}
    assert task["parameters"] == {
        "tp-size": [1, 2],
        "mem-fraction-static": [0.8, 0.9],
        "kv-cache-dtype": ["auto", "fp8_e5m2"],
    }
    assert task["quantization"] == {"weights": None, "kv_cache": ["auto", "fp8_e5m2"]}
    assert task["benchmark"]["concurrency"] == [1] and task["benchmark"]["requests_per_level"] == 50
    assert task["benchmark"]["seconds_per_level"] == 600.0
    assert lines["benchmark.num_concurrency"]["outcome"] == "defaulted"
    assert task["deployment_mode"] == "docker" and lines["deployment_mode"]["outcome"] == "mapped"
    assert task["docker"]["image"] == "lmsysorg/sglang:v0.5.23"
    assert lines["runtime_image_tag"]["outcome"] == "converted"
    assert task["optimization"]["sample_if_larger"] is True  # 8 combinations, max_iterations 3
    assert "the reference runs the first 3 of its grid" in lines["optimization.max_iterations"]["detail"]
    assert task["slo"]["latency"] == [exp_limit("p90", 2000.0, 1.0, steepness=0.1)]
    assert_every_field_has_a_line(file, body["report"])


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"benchmark": {"task": "text-to-embeddings"}}, "benchmark.task 'text-to-embeddings' is not supported"),
        ({"quant_config": {"preset": "int2-magic"}}, "names 'int2-magic', not one of default"),
        ({"slo": {"ttft": {"weight": 2}}}, "slo.ttft needs threshold, a positive number of seconds"),
        ({"parameters": {"tp_size": {"type": "range", "min": 1}}}, "parameters.tp_size must be a list"),
        ({"benchmark": {"traffic_scenarios": ["E(512)"]}}, "embedding scenario"),
    ],
)
def test_files_that_cannot_mean_the_same_here_are_refused(client, change, fragment):
    file = {"task_name": "ref-bad", "model": {"id_or_path": "m"}, "parameters": {"tp-size": [1]}, **change}
    file["runtime_image_tag"] = "v1"  # the reference's format
    body = assert_error(client.post("/api/tasks/import", json=file), 422)
    assert fragment in body["detail"]
    assert client.get("/api/tasks").json() == []


def test_round_trip_of_this_products_own_task(client):
    original = create_task(
        client,
        task_name="own",
        parameters={"mem-fraction-static": [0.8, 0.9]},
        parallel={"tp": [1, 2]},
        quantization={"kv_cache": ["auto", "fp8_e5m2"]},
        benchmark={"traffic_scenarios": ["U(10,20)/(5,10)"], "additional_params": {"top_p": 0.5}},
        slo={"latency": [{"percentile": "p50", "max_ms": 800}, {"percentile": "p99", "max_ms": 3000, "hard": True}]},
    )
    exported = client.get(f"/api/tasks/{original['id']}").json()
    assert_error(client.post("/api/tasks/import", json=exported), 409, "A task named 'own' already exists")
    answer = client.post("/api/tasks/import", params={"task_name": "own-copy"}, json=exported)
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["format"] == "autotuner"
    copy = body["task"]
    same = (
        "model",
        "base_runtime",
        "parameters",
        "parallel",
        "quantization",
        "optimization",
        "benchmark",
        "slo",
        "gpus",
    )
    assert {k: copy[k] for k in same} == {k: original[k] for k in same}
    assert copy["id"] != original["id"] and copy["task_name"] == "own-copy" and copy["status"] == "pending"
    outcomes = {line["field"]: line["outcome"] for line in body["report"]}
    assert outcomes["id"] == outcomes["status"] == outcomes["created_at"] == "dropped"
    assert outcomes["parameters"] == outcomes["slo"] == "mapped"
    assert_every_field_has_a_line(exported, body["report"])


def test_cli_imports_a_reference_file(cli_env, tmp_path):
    path = tmp_path / "task.json"
    path.write_text(json.dumps(EVERY_FIELD))
    shown = run("tasks", "import", str(path)).stdout
    assert "Imported" in shown and "the reference autotuner's format" in shown
    assert "max_time_per_iteration (converted): seconds_per_level: 120" in shown
    again = json.loads(run("tasks", "import", str(path), "--name", "second", "--json").stdout)
    assert again["task"]["task_name"] == "second" and again["format"] == "reference"
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert "is not valid JSON" in run("tasks", "import", str(bad), ok=False).stderr
