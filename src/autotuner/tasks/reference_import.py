"""Task files of the reference autotuner (novitalabs/inference-autotuner) and this product's own
task exports, converted into a task body (``TaskCreate``'s shape) and a report: one line per field
of the file saying what became of it. Pure: plain data in, plain data out.

The reference's format, field by field:

* ``task_name``, ``description``, ``optimization`` (strategy, objective, max_iterations,
  timeout_per_iteration): the same here;
* ``model.id_or_path``: the same; ``model.namespace`` (Kubernetes): not supported;
* ``base_runtime``: ``sglang`` / ``vllm``; any other name is an OME ClusterServingRuntime,
  imported as the engine it names (SGLang unless the name says vLLM);
* ``parameters``: lists, or ``{"type": "choice", "values": [...]}``; the reference's underscore
  names (``tp_size``, ``mem_frac``) become the engine's dashed flags (``tp-size``,
  ``mem-fraction-static``);
* ``parallel_config`` (tp, pp, dp, ep ...) -> ``parallel``; ``quant_config`` (gemm_dtype,
  kvcache_dtype, its named presets) -> ``quantization`` (weights, kv_cache);
* ``benchmark``: ``num_concurrency`` -> ``concurrency``, ``max_requests_per_iteration`` ->
  ``requests_per_level``, ``max_time_per_iteration`` (genai-bench minutes) ->
  ``seconds_per_level`` (the first reached ends a level, as in genai-bench),
  ``traffic_scenarios`` and ``additional_params`` as they are (numbers written as strings become
  numbers); ``task`` must be text-to-text; ``model_name`` / ``model_tokenizer`` are not needed;
* ``slo``: thresholds in seconds -> ``max_ms``; latency p50/p90/p99 per percentile, ttft and tpot
  on their mean (the reference's statistics); ``weight``; penalties exponential with the file's
  ``steepness`` (default 0.1), as the reference scores them; ``hard_fail`` with ``fail_ratio``
  (the reference's tolerated relative excess, default 0.5) -> a hard limit at
  ``threshold x (1 + fail_ratio)`` beside the soft one at the threshold;
* ``deployment_mode`` docker -> docker, with ``runtime_image_tag`` -> ``docker.image`` (the
  engine's official image at that tag); ome (Kubernetes, also the reference's default),
  ``clusterbasemodel_config``, ``clusterservingruntime_config``, ``storage``: not part of this
  product, imported as a local task, each with its line.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import asdict, dataclass
from typing import Any

from autotuner.core.errors import ValidationFailed
from autotuner.runtimes.neutral_flags import flags_of
from autotuner.tasks.schemas import TaskCreate, TaskRead
from autotuner.tuning.engine.containers import OFFICIAL_IMAGES

MAPPED = "mapped"
CONVERTED = "converted"
DEFAULTED = "defaulted"
NOT_SUPPORTED = "not_supported"
DROPPED = "dropped"

# The reference's short parameter names and the SGLang flags they stand for.
REFERENCE_NAMES = {"mem_frac": "mem-fraction-static", "tpsize": "tp-size"}
# Its quantization presets (quant_config "preset"/"presets"), in its four-field form.
QUANT_PRESETS: dict[str, dict[str, str]] = {
    "default": {"gemm_dtype": "auto", "kvcache_dtype": "auto", "attention_dtype": "auto", "moe_dtype": "auto"},
    "kv-cache-fp8": {"gemm_dtype": "auto", "kvcache_dtype": "fp8_e5m2", "attention_dtype": "auto", "moe_dtype": "auto"},
    "dynamic-fp8": {"gemm_dtype": "fp8", "kvcache_dtype": "fp8_e5m2", "attention_dtype": "fp8", "moe_dtype": "fp8"},
    "bf16-stable": {
        "gemm_dtype": "bfloat16",
        "kvcache_dtype": "fp8_e5m2",
        "attention_dtype": "auto",
        "moe_dtype": "auto",
    },
    "aggressive-moe": {
        "gemm_dtype": "bfloat16",
        "kvcache_dtype": "fp8_e5m2",
        "attention_dtype": "fp8",
        "moe_dtype": "w4afp8",
    },
}
# The reference's defaults where a file leaves a benchmark setting out (its direct benchmark).
REFERENCE_REQUESTS = 50
REFERENCE_MINUTES = 10
REFERENCE_STEEPNESS = 0.1
REFERENCE_FAIL_RATIO = 0.5

# This product's task fields: those a task is created from, and those only a read shows.
CREATE_FIELDS = frozenset(TaskCreate.model_fields)
READ_ONLY_FIELDS = frozenset(TaskRead.model_fields) - CREATE_FIELDS
REFERENCE_ONLY = {
    "runtime_image_tag",
    "parallel_config",
    "quant_config",
    "clusterbasemodel_config",
    "clusterservingruntime_config",
    "storage",
}
REFERENCE_BENCHMARK = {
    "num_concurrency",
    "max_requests_per_iteration",
    "max_time_per_iteration",
    "task",
    "model_name",
    "model_tokenizer",
}


@dataclass
class ReportLine:
    field: str
    outcome: str  # mapped, converted, defaulted, not_supported, dropped
    detail: str

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


class _Report:
    def __init__(self) -> None:
        self.lines: list[ReportLine] = []

    def add(self, field: str, outcome: str, detail: str) -> None:
        self.lines.append(ReportLine(field, outcome, detail))


def _j(value: Any) -> str:
    """A value as JSON, as the file and the API write it."""
    return json.dumps(value, ensure_ascii=False)


def _fail(sentence: str) -> ValidationFailed:
    return ValidationFailed(f"The task file cannot be imported: {sentence}")


def is_reference_file(data: dict[str, Any]) -> bool:
    """True for the reference's format, False for this product's own task (create body or export)."""
    if set(data) & REFERENCE_ONLY:
        return True
    if data.get("deployment_mode") == "ome":
        return True
    benchmark = data.get("benchmark")
    if isinstance(benchmark, dict) and set(benchmark) & REFERENCE_BENCHMARK:
        return True
    parameters = data.get("parameters")
    if isinstance(parameters, dict) and any(isinstance(v, dict) and "type" in v for v in parameters.values()):
        return True
    slo = data.get("slo")
    if isinstance(slo, dict) and ("steepness" in slo or _has_threshold(slo)):
        return True
    return not (set(data) <= CREATE_FIELDS | READ_ONLY_FIELDS)


def _has_threshold(value: Any) -> bool:
    if isinstance(value, dict):
        return "threshold" in value or any(_has_threshold(v) for v in value.values())
    return False


def convert_task_file(data: Any) -> tuple[dict[str, Any], list[dict[str, str]], str]:
    """(task body, report lines, the format read: ``reference`` or ``autotuner``)."""
    if not isinstance(data, dict):
        raise _fail("it must hold one JSON object, a task.")
    if is_reference_file(data):
        body, report = _from_reference(data)
        return body, [line.to_dict() for line in report.lines], "reference"
    body, report = _from_own(data)
    return body, [line.to_dict() for line in report.lines], "autotuner"


# --- this product's own tasks ------------------------------------------------------------------


def _from_own(data: dict[str, Any]) -> tuple[dict[str, Any], _Report]:
    report = _Report()
    body: dict[str, Any] = {}
    for key, value in data.items():
        if key in READ_ONLY_FIELDS:
            if key == "provenance" and value:
                report.add(
                    key,
                    DROPPED,
                    "the parameters already hold the space its presets were merged into; they are not merged again",
                )
            else:
                report.add(key, DROPPED, "shown by the server, not set by a file: the new task gets its own")
            continue
        if key == "deployment_mode" and value not in ("local", "docker"):
            body[key] = "local"
            report.add(key, NOT_SUPPORTED, f"'{value}' is not a deployment mode here: imported as local")
            continue
        body[key] = copy.deepcopy(value)
        report.add(key, MAPPED, f"{key} as it is")
    # An export's parameters hold the flags its parallel and quantization became: they are made again.
    runtime = str(body.get("base_runtime") or "sglang")
    parallel = _without_nulls(body.get("parallel"))
    quantization = _without_nulls(body.get("quantization"))
    body["parallel"], body["quantization"] = parallel, quantization
    if not all(isinstance(v, dict) or v is None for v in (parallel, quantization)):
        return body, report  # the task's own validation names what is wrong
    made = flags_of(runtime, parallel, quantization)
    if made and isinstance(body.get("parameters"), dict):
        body["parameters"] = {k: v for k, v in body["parameters"].items() if k not in made}
        if not body["parameters"]:
            body["parameters"] = None
    if body.get("parameters") and body.get("presets") is None:
        body.pop("presets", None)
    return body, report


def _without_nulls(value: Any) -> dict[str, Any] | None:
    if not isinstance(value, dict):
        return value  # type: ignore[no-any-return]
    kept = {k: v for k, v in value.items() if v is not None}
    return kept or None


# --- the reference's task files ----------------------------------------------------------------


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _from_reference(data: dict[str, Any]) -> tuple[dict[str, Any], _Report]:
    report = _Report()
    body: dict[str, Any] = {"deployment_mode": "local"}
    handled = set()

    def take(key: str) -> Any:
        handled.add(key)
        return data.get(key)

    for key in ("task_name", "description"):
        if key in data:
            body[key] = take(key)
            report.add(key, MAPPED, f"{key} as it is")

    model = take("model")
    if isinstance(model, dict):
        body["model"] = {"id_or_path": model.get("id_or_path")}
        for key in model:
            if key == "id_or_path":
                report.add("model.id_or_path", MAPPED, "model.id_or_path as it is")
            elif key == "namespace":
                report.add(
                    "model.namespace",
                    NOT_SUPPORTED,
                    f"'{model[key]}' is a Kubernetes namespace (OME deployments); a local engine has none",
                )
            else:
                report.add(f"model.{key}", NOT_SUPPORTED, "not a field of this product's model")
    elif model is not None:
        body["model"] = model
        report.add("model", MAPPED, "model as it is")

    runtime = take("base_runtime")
    if runtime in ("sglang", "vllm") or runtime is None:
        body["base_runtime"] = runtime or "sglang"
        if runtime is None:
            report.add("base_runtime", DEFAULTED, "not in the file: sglang, the reference's engine")
        else:
            report.add("base_runtime", MAPPED, f"{runtime} as it is")
    elif isinstance(runtime, str):
        engine = "vllm" if "vllm" in runtime.lower() else "sglang"
        body["base_runtime"] = engine
        report.add(
            "base_runtime",
            CONVERTED,
            f"'{runtime}' names an OME ClusterServingRuntime; its engine, "
            f"{'vLLM' if engine == 'vllm' else 'SGLang'}, runs here as base_runtime {engine}",
        )
    else:
        raise _fail("base_runtime must be a string such as sglang or vllm.")

    mode = take("deployment_mode")
    if mode is None:
        report.add(
            "deployment_mode",
            NOT_SUPPORTED,
            "not in the file, so the reference's default, ome (Kubernetes), which is not part of this product: "
            "imported as local, the engine on this host",
        )
    elif mode == "local":
        report.add("deployment_mode", MAPPED, "local as it is")
    elif mode == "docker":
        body["deployment_mode"] = "docker"
        report.add("deployment_mode", MAPPED, "docker: each experiment's engine runs in a container")
    elif mode == "ome":
        report.add(
            "deployment_mode",
            NOT_SUPPORTED,
            "ome (Kubernetes InferenceServices) is not part of this product: imported as local, the engine on this host",
        )
    else:
        report.add("deployment_mode", NOT_SUPPORTED, f"'{mode}' is unknown here: imported as local")

    tag = take("runtime_image_tag")
    repository = OFFICIAL_IMAGES.get(str(body.get("base_runtime")))
    if tag is not None and mode == "docker" and isinstance(tag, str) and repository:
        body["docker"] = {"image": f"{repository}:{tag}"}
        report.add(
            "runtime_image_tag",
            CONVERTED,
            f"'{tag}' became docker.image {repository}:{tag}, the engine's official image",
        )
    elif tag is not None:
        report.add(
            "runtime_image_tag",
            NOT_SUPPORTED,
            f"'{tag}' picks a container image; a local task runs the engine version installed on this host "
            "(set deployment_mode docker and docker.image to run a container)",
        )
    for key, what in (
        ("clusterbasemodel_config", "an OME ClusterBaseModel (Kubernetes)"),
        ("clusterservingruntime_config", "an OME ClusterServingRuntime (Kubernetes)"),
        ("storage", "a Kubernetes volume (PVC) to mount the model from; a local engine reads the model path"),
    ):
        if take(key) is not None:
            report.add(key, NOT_SUPPORTED, f"{what}: not part of this product")

    _parameters(take("parameters"), body, report)
    _parallel(take("parallel_config"), body, report)
    _quantization(take("quant_config"), body, report)
    _optimization(take("optimization"), body, report)
    _benchmark(take("benchmark"), body, report)
    _slo(take("slo"), body, report)

    for key in data:
        if key not in handled:
            report.add(key, NOT_SUPPORTED, "not a field this product knows: left out")
    _grid_limit(body, report)
    return body, report


def _grid_limit(body: dict[str, Any], report: _Report) -> None:
    """The reference's grid search runs at most max_iterations combinations of a larger grid."""
    optimization = body.get("optimization") or {}
    if optimization.get("strategy", "grid_search") != "grid_search":
        return
    size = 1
    for space in (body.get("parameters"), body.get("parallel"), body.get("quantization")):
        for values in (space or {}).values():
            size *= max(1, len(values)) if isinstance(values, list) else 1
    limit = optimization.get("max_iterations", 50)
    if _number(limit) and size > limit:
        body["optimization"] = {**optimization, "sample_if_larger": True}
        report.add(
            "optimization.max_iterations",
            CONVERTED,
            f"the grid holds {size} combinations, more than {limit}: the reference runs the first {limit} of its grid; "
            f"here sample_if_larger runs {limit} of them chosen at random (seeded)",
        )


def _flag_name(name: str) -> str:
    return REFERENCE_NAMES.get(name, name.replace("_", "-"))


def _parameters(parameters: Any, body: dict[str, Any], report: _Report) -> None:
    if parameters is None:
        return
    if not isinstance(parameters, dict):
        raise _fail('parameters must be an object such as {"tp-size": [1, 2]}.')
    out: dict[str, Any] = {}
    for name, spec in parameters.items():
        flag = _flag_name(name)
        where = f"parameters.{name}"
        if isinstance(spec, dict):
            if spec.get("type") != "choice" or not isinstance(spec.get("values"), list):
                raise _fail(f'{where} must be a list or {{"type": "choice", "values": [...]}}.')
            values = spec["values"]
            how = f"the choice {_j(values)} became the list of values of {flag}"
        elif isinstance(spec, list):
            values = spec
            how = f"{flag}: {_j(values)}"
        else:
            raise _fail(f'{where} must be a list or {{"type": "choice", "values": [...]}}.')
        if not values:
            report.add(where, DROPPED, "an empty list: the reference skips it, so does this import")
            continue
        out[flag] = values
        if flag != name:
            report.add(where, CONVERTED, f"renamed to the engine's flag {flag}; {how}")
        else:
            report.add(where, CONVERTED if isinstance(spec, dict) else MAPPED, how)
    body["parameters"] = out or None


def _parallel(config: Any, body: dict[str, Any], report: _Report) -> None:
    if config is None:
        return
    if not isinstance(config, dict):
        raise _fail('parallel_config must be an object such as {"tp": [1, 2], "dp": [1]}.')
    words = {
        "tp": "tp",
        "tensor_parallel_size": "tp",
        "tp_size": "tp",
        "pp": "pp",
        "pipeline_parallel_size": "pp",
        "pp_size": "pp",
        "dp": "dp",
        "data_parallel_size": "dp",
        "dp_size": "dp",
        "ep": "ep",
        "expert_parallel_size": "ep",
        "ep_size": "ep",
    }
    out: dict[str, Any] = {}
    for key, values in config.items():
        word = words.get(key)
        if word is None:
            report.add(f"parallel_config.{key}", NOT_SUPPORTED, "no such parallel size here (tp, pp, dp, ep)")
            continue
        values = values if isinstance(values, list) else [values]
        out[word] = values
        report.add(f"parallel_config.{key}", MAPPED, f"parallel.{word}: {_j(values)}")
    body["parallel"] = out or None


def _quantization(config: Any, body: dict[str, Any], report: _Report) -> None:
    if config is None:
        return
    if not isinstance(config, dict):
        raise _fail('quant_config must be an object such as {"kvcache_dtype": "fp8_e5m2"}.')
    combos: list[dict[str, Any]] = []
    names = config.get("presets") if "presets" in config else config.get("preset")
    if names is not None:
        key = "presets" if "presets" in config else "preset"
        listed = names if isinstance(names, list) else [names]
        for name in listed:
            if not isinstance(name, str) or name not in QUANT_PRESETS:
                raise _fail(f"quant_config.{key} names '{name}', not one of {', '.join(QUANT_PRESETS)}.")
            combos.append(QUANT_PRESETS[name])
        report.add(
            f"quant_config.{key}",
            CONVERTED,
            f"the reference's preset(s) {', '.join(listed)} expanded to their dtypes (below)",
        )
    else:
        combos.append({k: v for k, v in config.items()})
    for key in config:
        if key in ("preset", "presets"):
            continue
        if key not in ("gemm_dtype", "kvcache_dtype", "attention_dtype", "moe_dtype"):
            report.add(f"quant_config.{key}", NOT_SUPPORTED, "not a quantization field of the reference either")
    weights: list[Any] = []
    kv_cache: list[Any] = []
    for combo in combos:
        for key, target in (("gemm_dtype", weights), ("kvcache_dtype", kv_cache)):
            values = combo.get(key, "auto")
            for value in values if isinstance(values, list) else [values]:
                mapped = None if key == "gemm_dtype" and value == "auto" else value
                if mapped not in target:
                    target.append(mapped)
    out: dict[str, Any] = {}
    if weights != [None]:
        out["weights"] = weights
    if kv_cache != ["auto"]:
        out["kv_cache"] = kv_cache
    report.add(
        "quant_config.gemm_dtype",
        MAPPED if "weights" in out else DROPPED,
        f"quantization.weights: {_j(weights)} (auto: null, no --quantization flag)"
        if "weights" in out
        else "auto only: the engine's default, no --quantization flag",
    )
    report.add(
        "quant_config.kvcache_dtype",
        MAPPED if "kv_cache" in out else DROPPED,
        f"quantization.kv_cache: {_j(kv_cache)}" if "kv_cache" in out else "auto only: the engine's default",
    )
    if len(combos) > 1 and "weights" in out and "kv_cache" in out:
        report.add(
            "quant_config.presets",
            CONVERTED,
            "the presets' weight and KV-cache dtypes are swept as two dimensions, so combinations the presets did not "
            "name are tried too",
        )
    for key in ("attention_dtype", "moe_dtype"):
        used = sorted({str(c.get(key, "auto")) for c in combos})
        if used != ["auto"]:
            report.add(
                f"quant_config.{key}",
                NOT_SUPPORTED,
                f"{', '.join(used)}: this product has no engine-neutral word for it; give the engine's own flag in parameters",
            )
        elif key in config:
            report.add(f"quant_config.{key}", DROPPED, "auto: the engine's default")
    body["quantization"] = out or None


def _optimization(optimization: Any, body: dict[str, Any], report: _Report) -> None:
    if optimization is None:
        report.add("optimization", DEFAULTED, "not in the file: this product's defaults")
        return
    if not isinstance(optimization, dict):
        raise _fail("optimization must be an object.")
    out: dict[str, Any] = {}
    for key, value in optimization.items():
        if key in ("strategy", "objective", "max_iterations", "timeout_per_iteration"):
            out[key] = value
            report.add(f"optimization.{key}", MAPPED, f"{key} as it is")
        else:
            report.add(f"optimization.{key}", NOT_SUPPORTED, "not an optimization setting here: left out")
    body["optimization"] = out


def _maybe_number(value: Any) -> Any:
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d+(\.\d+)?([eE][-+]?\d+)?\s*", value):
        number = float(value)
        return int(number) if number.is_integer() and "." not in value and "e" not in value.lower() else number
    return value


def _benchmark(benchmark: Any, body: dict[str, Any], report: _Report) -> None:
    if benchmark is None:
        benchmark = {}
    if not isinstance(benchmark, dict):
        raise _fail("benchmark must be an object.")
    out: dict[str, Any] = {}
    task = benchmark.get("task", "text-to-text")
    if task != "text-to-text":
        raise _fail(f"benchmark.task '{task}' is not supported: this product benchmarks text-to-text generation only.")
    if "task" in benchmark:
        report.add("benchmark.task", MAPPED, "text-to-text: what this benchmark measures")
    for key in ("model_name", "model_tokenizer"):
        if key in benchmark:
            report.add(
                f"benchmark.{key}",
                DROPPED,
                "not needed: the served model name comes from the engine's /v1/models"
                if key == "model_name"
                else "not needed: prompts are built to length with the engine's own /tokenize where it has one, "
                "else about one word per token",
            )
    scenarios = benchmark.get("traffic_scenarios")
    if scenarios is None:
        out["traffic_scenarios"] = ["D(100,100)"]
        report.add("benchmark.traffic_scenarios", DEFAULTED, "not in the file: D(100,100), the reference's default")
    else:
        out["traffic_scenarios"] = scenarios
        report.add("benchmark.traffic_scenarios", MAPPED, "traffic_scenarios as they are (genai-bench notation)")
    concurrency = benchmark.get("num_concurrency")
    if concurrency is None:
        out["concurrency"] = [1]
        report.add("benchmark.num_concurrency", DEFAULTED, "not in the file: concurrency [1], the reference's default")
    else:
        out["concurrency"] = concurrency if isinstance(concurrency, list) else [concurrency]
        report.add("benchmark.num_concurrency", CONVERTED, f"concurrency: {_j(out['concurrency'])}")
    requests = benchmark.get("max_requests_per_iteration")
    minutes = benchmark.get("max_time_per_iteration")
    out["requests_per_level"] = requests if requests is not None else REFERENCE_REQUESTS
    report.add(
        "benchmark.max_requests_per_iteration",
        CONVERTED if requests is not None else DEFAULTED,
        f"requests_per_level: {out['requests_per_level']}"
        + ("" if requests is not None else f" (not in the file: the reference's default {REFERENCE_REQUESTS})"),
    )
    minutes_value = minutes if minutes is not None else REFERENCE_MINUTES
    if not _number(minutes_value) or minutes_value <= 0:
        raise _fail("benchmark.max_time_per_iteration must be a positive number of minutes.")
    out["seconds_per_level"] = float(minutes_value) * 60
    report.add(
        "benchmark.max_time_per_iteration",
        CONVERTED if minutes is not None else DEFAULTED,
        f"seconds_per_level: {out['seconds_per_level']:g} (genai-bench's minutes x 60); the first of the request and "
        "time limits ends a level, as in genai-bench"
        + ("" if minutes is not None else f" (not in the file: the reference's default {REFERENCE_MINUTES} minutes)"),
    )
    params = benchmark.get("additional_params")
    if params is not None:
        if not isinstance(params, dict):
            raise _fail("benchmark.additional_params must be an object.")
        converted = {k: _maybe_number(v) for k, v in params.items()}
        out["additional_params"] = converted
        changed = [k for k in params if converted[k] is not params[k]]
        report.add(
            "benchmark.additional_params",
            CONVERTED if changed else MAPPED,
            f"sent in every request: {_j(converted)}"
            + (f" ({', '.join(changed)} written as a string in the file, sent as a number)" if changed else ""),
        )
    out["warmup_requests"] = 0
    report.add("benchmark.warmup_requests", DEFAULTED, "not a reference field: 0 warm-up requests, as genai-bench runs")
    known = {
        "task",
        "model_name",
        "model_tokenizer",
        "traffic_scenarios",
        "num_concurrency",
        "max_requests_per_iteration",
        "max_time_per_iteration",
        "additional_params",
    }
    for key in benchmark:
        if key not in known:
            report.add(f"benchmark.{key}", NOT_SUPPORTED, "not a benchmark setting here: left out")
    body["benchmark"] = out


def _limits(
    metric: str, where: str, percentile: str, spec: Any, steepness: float, report: _Report
) -> list[dict[str, Any]]:
    if not isinstance(spec, dict) or not _number(spec.get("threshold")) or spec["threshold"] <= 0:
        raise _fail(f"slo.{where} needs threshold, a positive number of seconds.")
    seconds = float(spec["threshold"])
    weight = spec.get("weight", 1.0)
    if not _number(weight) or weight < 0:
        raise _fail(f"slo.{where}.weight must be a number of 0 or more.")
    max_ms = round(seconds * 1000, 6)
    soft = {
        "percentile": percentile,
        "max_ms": max_ms,
        "weight": weight,
        "penalty": "exponential",
        "steepness": steepness,
    }
    statistic = "mean" if percentile == "mean" else percentile
    report.add(
        f"slo.{where}.threshold",
        CONVERTED,
        f"{seconds:g} s -> {metric} {statistic} max_ms {max_ms:g} (seconds to milliseconds), penalty exponential "
        f"weight {weight:g} x exp(excess / {steepness:g}) as the reference scores it",
    )
    for key in spec:
        if key not in ("threshold", "weight", "hard_fail", "fail_ratio"):
            report.add(f"slo.{where}.{key}", NOT_SUPPORTED, "not an SLO field of the reference either: left out")
    if "weight" in spec:
        report.add(f"slo.{where}.weight", MAPPED, f"weight {weight:g}")
    limits = [soft]
    if spec.get("hard_fail"):
        ratio = spec.get("fail_ratio", REFERENCE_FAIL_RATIO)
        if not _number(ratio) or ratio < 0:
            raise _fail(f"slo.{where}.fail_ratio must be a number of 0 or more.")
        hard_ms = round(seconds * (1 + ratio) * 1000, 6)
        limits.append({"percentile": percentile, "max_ms": hard_ms, "hard": True})
        report.add(
            f"slo.{where}.hard_fail",
            CONVERTED,
            f"a hard {metric} {statistic} limit at {hard_ms:g} ms beside the soft one: the reference fails an "
            f"experiment only when the value exceeds the threshold by more than fail_ratio",
        )
        report.add(
            f"slo.{where}.fail_ratio",
            CONVERTED if "fail_ratio" in spec else DEFAULTED,
            f"{ratio:g} (the tolerated excess over the threshold{'' if 'fail_ratio' in spec else ', the reference default'}) "
            f"-> the hard limit {seconds:g} s x {1 + ratio:g}; this product's own fail_ratio (a fraction of slow "
            "requests) is not the same thing and is not used",
        )
    else:
        if "hard_fail" in spec:
            report.add(f"slo.{where}.hard_fail", MAPPED, "false: a soft limit (a penalty)")
        if "fail_ratio" in spec:
            report.add(f"slo.{where}.fail_ratio", DROPPED, "only meaningful with hard_fail true, as in the reference")
    return limits


def _slo(slo: Any, body: dict[str, Any], report: _Report) -> None:
    if slo is None:
        return
    if not isinstance(slo, dict):
        raise _fail("slo must be an object.")
    steepness = slo.get("steepness", REFERENCE_STEEPNESS)
    if not _number(steepness) or steepness <= 0:
        raise _fail("slo.steepness must be a positive number.")
    if "steepness" in slo:
        report.add("slo.steepness", MAPPED, f"steepness {steepness:g} on every limit (exponential penalties)")
    out: dict[str, list[dict[str, Any]]] = {}
    latency = slo.get("latency")
    if latency is not None:
        if not isinstance(latency, dict):
            raise _fail('slo.latency must be an object such as {"p99": {"threshold": 10}}.')
        for key, spec in latency.items():
            if key not in ("p50", "p90", "p99"):
                report.add(f"slo.latency.{key}", NOT_SUPPORTED, "the reference checks p50, p90 and p99 only")
                continue
            out.setdefault("latency", []).extend(_limits("latency", f"latency.{key}", key, spec, steepness, report))
    for metric in ("ttft", "tpot"):
        spec = slo.get(metric)
        if spec is not None:
            out[metric] = _limits(metric, metric, "mean", spec, steepness, report)
    for key in slo:
        if key not in ("latency", "ttft", "tpot", "steepness"):
            report.add(f"slo.{key}", NOT_SUPPORTED, "not an SLO of the reference either: left out")
    if out:
        report.add(
            "slo",
            CONVERTED,
            "checked at every level (scenario x concurrency) here; the reference checks the mean over levels",
        )
    body["slo"] = out or None
