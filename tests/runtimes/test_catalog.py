"""The engine parameter catalog: data files, validation of parameter spaces, rule expressions."""

from __future__ import annotations

import copy
import json

import pytest

from autotuner.core.errors import NotFound
from autotuner.runtimes.checking import check_parameters
from autotuner.runtimes.flags import CatalogDataError
from autotuner.runtimes.loading import RUNTIMES, get_catalog, list_runtimes, parse_catalog

# `llama-server --help` of the llama.cpp that llama-cpp-python 0.3.36 vendors (tests/runtimes/
# test_llamacpp_catalog.py checks the data file against the built program itself).
LLAMACPP_HELP_SPELLINGS = {
    "threads",
    "threads-batch",
    "batch-size",
    "ubatch-size",
    "parallel",
    "cont-batching",
    "ctx-size",
    "flash-attn",
    "cache-type-k",
    "cache-type-v",
    "n-gpu-layers",
    "gpu-layers",
    "load-mode",
    "cache-reuse",
    "cache-prompt",
    "kv-unified",
    "poll",
}
RELEASE_PREFIX = {"sglang": "0.5.", "vllm": "0.3", "llamacpp": ""}

REQUIRED = {
    "sglang": {
        "tp-size",
        "dp-size",
        "mem-fraction-static",
        "schedule-policy",
        "chunked-prefill-size",
        "max-running-requests",
        "max-prefill-tokens",
        "enable-mixed-chunk",
        "disable-radix-cache",
        "cuda-graph-max-bs-decode",
        "attention-backend",
    },
    "vllm": {
        "tensor-parallel-size",
        "gpu-memory-utilization",
        "max-num-seqs",
        "max-num-batched-tokens",
        "enable-chunked-prefill",
        "enable-prefix-caching",
        "block-size",
        "pipeline-parallel-size",
        "data-parallel-size",
        "kv-cache-dtype",
    },
    # Issue 12's list; this release spells --mlock as --load-mode mlock.
    "llamacpp": {
        "threads",
        "threads-batch",
        "batch-size",
        "ubatch-size",
        "parallel",
        "cont-batching",
        "ctx-size",
        "flash-attn",
        "cache-type-k",
        "cache-type-v",
        "n-gpu-layers",
        "load-mode",
        "cache-reuse",
        "kv-unified",
    },
}


# ---------------------------------------------------------------------------------- data files


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_catalog_loads_names_its_release_and_uses_real_spellings(runtime):
    catalog = get_catalog(runtime)
    assert catalog.runtime == runtime
    assert catalog.release.startswith(RELEASE_PREFIX[runtime])
    assert catalog.release in catalog.label and catalog.display_name in catalog.label
    assert REQUIRED[runtime] <= set(catalog.flags)
    # SGLang's and vLLM's spellings are the engines' own (generated from their releases, see
    # test_generated_catalogs.py); llama.cpp's are written out here until its catalog is generated.
    spellings = set(catalog.engine_flags) | {a for s in catalog.engine_flags.values() for a in s.aliases}
    real = spellings if catalog.complete else LLAMACPP_HELP_SPELLINGS
    for spec in catalog.flags.values():
        assert spec.name in real, spec.name
        assert set(spec.aliases) <= real
        assert spec.description and "\n" not in spec.description
        assert spec.type in ("int", "float", "bool", "string")
        if spec.default is not None:
            assert spec.problem(spec.default) is None
    assert catalog.rules, "each engine declares combination rules"
    assert {r.id for r in catalog.rules} == {r.id for r in catalog.rules if r.description.endswith(".")}


def test_catalog_is_cached_and_listed_in_order():
    assert get_catalog("sglang") is get_catalog("sglang")
    assert [c.runtime for c in list_runtimes()] == ["sglang", "vllm", "llamacpp"]


def test_catalog_flag_details_match_the_engines():
    sglang, vllm = get_catalog("sglang"), get_catalog("vllm")
    mem = sglang.flags["mem-fraction-static"]
    assert (mem.type, mem.minimum, mem.maximum, mem.exclusive_minimum, mem.exclusive_maximum) == (
        "float",
        0,
        1,
        True,
        False,
    )
    assert {"lpm", "random", "fcfs", "dfs-weight", "lof"} <= set(sglang.flags["schedule-policy"].choices)
    assert {"flashinfer", "triton", "torch_native", "fa3"} <= set(sglang.flags["attention-backend"].choices)
    assert sglang.flags["enable-mixed-chunk"].type == "bool"
    assert sglang.flags["chunked-prefill-size"].minimum == -1
    assert {n for n, s in sglang.flags.items() if s.gpus_factor} == {"tp-size", "dp-size", "pp-size"}
    assert {n for n, s in vllm.flags.items() if s.gpus_factor} == {
        "tensor-parallel-size",
        "pipeline-parallel-size",
        "data-parallel-size",
    }
    assert vllm.flags["block-size"].choices is None and vllm.flags["block-size"].minimum == 1
    assert vllm.flags["scheduling-policy"].choices == ["fcfs", "priority"]
    gpu = vllm.flags["gpu-memory-utilization"]
    assert gpu.allowed() == "a number in (0, 1]"
    assert sglang.bool_style == "store_true" and vllm.bool_style == "negatable"


def test_catalog_serialises_to_json():
    for catalog in list_runtimes():
        data = json.loads(json.dumps(catalog.to_dict()))
        assert data["release"] == catalog.release
        names = [f["name"] for f in data["flags"]]
        assert names == list(catalog.flags)
        assert all(
            set(f)
            >= {
                "name",
                "type",
                "description",
                "default",
                "choices",
                "minimum",
                "maximum",
                "exclusive_minimum",
                "exclusive_maximum",
                "allowed",
            }
            for f in data["flags"]
        )
        assert [r["id"] for r in data["rules"]] == [r.id for r in catalog.rules]


def test_unknown_runtime_is_not_found():
    with pytest.raises(NotFound) as caught:
        get_catalog("tgi")
    assert str(caught.value) == "Unknown runtime 'tgi': use one of sglang, vllm, llamacpp"
    assert caught.value.status_code == 404
    with pytest.raises(NotFound):
        check_parameters("tgi", {"tp-size": [1]})


# ---------------------------------------------------------------------------- check_parameters


def test_out_of_range_float_is_an_error_naming_flag_value_and_range():
    report = check_parameters("sglang", {"mem-fraction-static": [0.8, 1.5, 0, 1]})
    assert report.errors == [
        "'mem-fraction-static' value 1.5 is out of range: use a number in (0, 1]",
        "'mem-fraction-static' value 0 is out of range: use a number in (0, 1]",
    ]
    assert report.warnings == [] and not report.ok


def test_int_flags_accept_whole_floats_and_reject_bools_and_fractions():
    assert check_parameters("sglang", {"tp-size": [1, 2.0]}).errors == []
    errors = check_parameters("sglang", {"tp-size": [True, 2.5, "2", 0]}).errors
    assert errors == [
        "'tp-size' value true has the wrong type: use an integer >= 1",
        "'tp-size' value 2.5 has the wrong type: use an integer >= 1",
        "'tp-size' value \"2\" has the wrong type: use an integer >= 1",
        "'tp-size' value 0 is out of range: use an integer >= 1",
    ]
    assert check_parameters("sglang", {"chunked-prefill-size": [-1, 8192]}).ok
    assert check_parameters("sglang", {"chunked-prefill-size": [-2]}).errors == [
        "'chunked-prefill-size' value -2 is out of range: use an integer >= -1"
    ]


def test_bool_flags_accept_only_true_and_false():
    assert check_parameters("sglang", {"enable-mixed-chunk": [True, False]}).ok
    errors = check_parameters("vllm", {"enable-prefix-caching": [1, "true", 0]}).errors
    assert errors == [
        "'enable-prefix-caching' value 1 has the wrong type: use true or false",
        "'enable-prefix-caching' value \"true\" has the wrong type: use true or false",
        "'enable-prefix-caching' value 0 has the wrong type: use true or false",
    ]


def test_choices_are_checked_by_value():
    assert check_parameters("vllm", {"scheduling-policy": ["fcfs", "priority"]}).ok
    assert check_parameters("vllm", {"scheduling-policy": ["FCFS", 1]}).errors == [
        "'scheduling-policy' value \"FCFS\" is not allowed: use one of fcfs, priority",
        "'scheduling-policy' value 1 has the wrong type: use one of fcfs, priority",
    ]
    assert check_parameters("sglang", {"schedule-policy": ["lpm", "LPM"]}).errors == [
        "'schedule-policy' value \"LPM\" is not allowed: use one of "
        + ", ".join(get_catalog("sglang").flags["schedule-policy"].choices or [])
    ]


def test_float_flags_accept_ints():
    assert check_parameters("vllm", {"gpu-memory-utilization": [1, 0.5]}).ok
    assert check_parameters("vllm", {"cpu-offload-gb": [0, 4]}).ok


def test_unknown_flags_and_group_leaves_are_warnings():
    report = check_parameters(
        "sglang",
        {
            "foo-bar": [1],
            "speculative": {"num-steps": [3, 5]},
            "tp-size": [1],
        },
    )
    assert report.errors == [] and report.missing == []
    assert report.warnings == [
        "'foo-bar' is not in the SGLang 0.5.23 catalog; it will be passed to the engine as is",
        "'speculative.num-steps' is not in the SGLang 0.5.23 catalog; it will be passed to the engine as is",
    ]


def test_a_flag_every_engine_flag_is_checked_not_only_the_tuned_ones():
    catalog = get_catalog("sglang")
    assert "page-size" not in catalog.flags and "page-size" in catalog.engine_flags
    report = check_parameters("sglang", {"page-size": [16, "x"]})
    assert report.missing == [] and report.errors == ["'page-size' value \"x\" has the wrong type: use an integer"]


def test_flag_of_the_other_engine_is_named_in_the_warning():
    report = check_parameters("vllm", {"tp-size": [2]})
    assert report.warnings == [
        "'tp-size' is not in the vLLM 0.33.0 catalog (it is a flag of SGLang); it will be passed to the engine as is"
    ]


def test_alias_is_checked_like_its_flag_and_warned_about():
    report = check_parameters("sglang", {"tensor-parallel-size": [2, 0]})
    assert report.errors == ["'tensor-parallel-size' value 0 is out of range: use an integer >= 1"]
    assert report.warnings == [
        "'tensor-parallel-size' is an alias of 'tp-size' in SGLang 0.5.23: write 'tp-size' so that the "
        "combination rules see it"
    ]


def test_runtime_none_checks_nothing():
    report = check_parameters(None, {"mem-fraction-static": [7], "whatever": ["x"]})
    assert report.errors == [] and report.warnings == []


# ----------------------------------------------------------------------- data file validation


def _minimal() -> dict:
    return {
        "runtime": "sglang",
        "display_name": "SGLang",
        "release": "v0.5.4",
        "source": "test",
        "bool_style": "store_true",
        "flags": [
            {"name": "a", "type": "int", "minimum": 1, "default": 1, "description": "A."},
            {"name": "b", "type": "int", "minimum": 1, "default": None, "description": "B."},
            {"name": "on", "type": "bool", "default": False, "description": "On."},
        ],
        "rules": [
            {
                "id": "r",
                "description": "a times b within gpus.",
                "expression": {"le": [{"product": [{"flag": "a"}, {"flag": "b"}]}, {"context": "gpus"}]},
            },
        ],
    }


def test_minimal_catalog_parses_and_records_rule_inputs():
    catalog = parse_catalog(_minimal())
    (rule,) = catalog.rules
    assert rule.flags == ("a", "b") and rule.contexts == ("gpus",)


BROKEN = [
    (lambda d: d["rules"][0].update(expression={"le": [{"flag": "nope"}, 1]}), "not a flag of this catalog"),
    (lambda d: d["rules"][0].update(expression={"lte": [{"flag": "a"}, 1]}), "unknown operator 'lte'"),
    (lambda d: d["rules"][0].update(expression={"le": [{"flag": "a"}]}), "needs an array of 2 operands"),
    (lambda d: d["rules"][0].update(expression={"flag": "a"}), "gives a value where true or false is needed"),
    (lambda d: d["rules"][0].update(expression={"le": [{"eq": [1, 1]}, 2]}), "gives true or false where a value"),
    (lambda d: d["rules"][0].update(expression={"le": [{"flag": "a"}, {"context": "memory"}]}), "'context' names"),
    (lambda d: d["rules"][0].update(expression={"le": [1, 2]}), "reads no flag"),
    (lambda d: d["rules"][0].update(expression={"le": [{"flag": "a"}, None]}), "is not an expression"),
    (lambda d: d["rules"][0].update(expression={"le": [{"flag": "a"}, 1], "ge": [{"flag": "a"}, 1]}), "one operator"),
    (lambda d: d["rules"][0].update(expression={"in": [{"flag": "a"}, [{"flag": "b"}]]}), "literal values"),
    (lambda d: d["rules"].append(copy.deepcopy(d["rules"][0])), "repeated id"),
    (lambda d: d["rules"][0].pop("description"), "id, description, expression and optionally severity"),
    (lambda d: d["rules"][0].update(severity="fatal"), 'severity "fatal"'),
    (lambda d: d["flags"][0].update(default=0), "default 0 is not allowed"),
    (lambda d: d["flags"][0].update(type="integer"), 'type "integer"'),
    (lambda d: d["flags"][0].update(choices=[1, "x"]), 'choice "x" is not of type int'),
    (lambda d: d["flags"][2].update(minimum=0), "only int and float flags"),
    (lambda d: d["flags"][0].update(exclusive_maximum=True), "an exclusive bound needs the bound"),
    (lambda d: d["flags"][0].update(description=""), "description is required"),
    (lambda d: d["flags"][0].update(colour="red"), "unknown keys colour"),
    (lambda d: d["flags"][1].update(name="a"), "appears twice"),
    (lambda d: d["flags"][2].update(gpus_factor=True), "gpus_factor"),
    (lambda d: d.update(runtime="tgi"), 'runtime "tgi"'),
    (lambda d: d.update(release=""), "'release' must be a non-empty string"),
    (lambda d: d.update(bool_style="flag"), "bool_style"),
]


@pytest.mark.parametrize("mutate, expected", BROKEN)
def test_malformed_catalog_data_is_rejected_at_load(mutate, expected):
    data = _minimal()
    mutate(data)
    with pytest.raises(CatalogDataError) as caught:
        parse_catalog(data, "Catalog file x.json")
    assert str(caught.value).startswith("Catalog file x.json is invalid: ")
    assert expected in str(caught.value)


# ------------------------------------------------------------------------- rule evaluation


def _rule(expression: dict):
    data = _minimal()
    data["rules"] = [{"id": "t", "description": "Test.", "expression": expression}]
    return parse_catalog(data).rules[0]


def test_rules_use_defaults_and_three_valued_logic():
    gpus = _rule({"le": [{"product": [{"flag": "a"}, {"flag": "b"}]}, {"context": "gpus"}]})
    assert gpus.evaluate({"a": 2, "b": 2}, {"gpus": 4}) is True
    assert gpus.evaluate({"a": 4, "b": 2}, {"gpus": 4}) is False
    assert gpus.evaluate({"a": 4, "b": 2}, {}) is None  # gpus unknown
    assert gpus.evaluate({"a": 4}, {"gpus": 1}) is None  # b has a null default: unknown
    assert gpus.evaluate({"a": "x", "b": 1}, {"gpus": 1}) is None  # wrong type: unknown
    implies = _rule({"implies": [{"eq": [{"flag": "on"}, True]}, {"ne": [{"flag": "b"}, -1]}]})
    assert implies.evaluate({}) is True  # on defaults to false
    assert implies.evaluate({"on": True, "b": -1}) is False
    assert implies.evaluate({"on": True, "b": 5}) is True
    assert implies.evaluate({"on": True}) is None
    assert implies.evaluate({"on": 1, "b": -1}) is True  # 1 is not true
    both = _rule({"and": [{"ge": [{"flag": "a"}, 2]}, {"ge": [{"flag": "b"}, 2]}]})
    assert both.evaluate({"a": 1}) is False  # false and unknown is false
    assert both.evaluate({"a": 3}) is None
    either = _rule({"or": [{"ge": [{"flag": "a"}, 2]}, {"ge": [{"flag": "b"}, 2]}]})
    assert either.evaluate({"a": 3}) is True  # true or unknown is true
    assert either.evaluate({"a": 1}) is None
    assert either.evaluate({"a": 1, "b": 1}) is False
    negated = _rule({"not": {"in": [{"flag": "a"}, [1, 2]]}})
    assert negated.evaluate({"a": 2.0}) is False and negated.evaluate({"a": 3}) is True
    total = _rule({"eq": [{"sum": [{"flag": "a"}, {"flag": "a"}]}, 4]})
    assert total.evaluate({"a": 2}) is True and total.violated_by({"a": 3})


def test_false_leaves_an_optional_flag_off_but_is_refused_where_a_default_exists():
    catalog = get_catalog("sglang")
    quantization = catalog.resolve("quantization")
    assert quantization is not None and quantization.default is None
    assert quantization.problem(False) is None  # "no quantization": the flag is left off
    assert "wrong type" in (quantization.problem(True) or "")
    policy = catalog.resolve("schedule-policy")
    assert policy is not None and policy.default == "fcfs"
    assert "wrong type" in (policy.problem(False) or "")  # it has a default: false would mean nothing
