"""The space enumerator: order, paging, and rules removing exactly the combinations they should.

Every expectation is computed here by brute force over ``itertools.product`` with oracles written
independently of the rule evaluator (plain Python per rule id).
"""

from __future__ import annotations

import itertools
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autotuner.core.errors import NotFound
from autotuner.core.parameters import count_combinations
from autotuner.runtimes.loading import get_catalog
from autotuner.tuning.space import (
    ValidCombinations,
    analyze_space,
    combination_is_valid,
    iter_combinations,
    valid_combinations,
)

# ------------------------------------------------------------------ independent rule oracles
# Each takes a combination (dict) and the gpus context and says whether the rule removes it.
# Absent flags: parallel sizes default to 1, enable-mixed-chunk to false, enable-chunked-prefill
# to true; flags whose engine default is decided at start-up (null) make the rule not decide.


def _sglang_gpu(c, gpus):
    if gpus is None:
        return False
    return c.get("tp-size", 1) * c.get("dp-size", 1) * c.get("pp-size", 1) > gpus


def _sglang_mixed(c, gpus):
    return c.get("enable-mixed-chunk", False) is True and c.get("chunked-prefill-size") == -1


def _vllm_gpu(c, gpus):
    if gpus is None:
        return False
    return (
        c.get("tensor-parallel-size", 1) * c.get("pipeline-parallel-size", 1) * c.get("data-parallel-size", 1)
    ) > gpus


def _vllm_tokens(c, gpus):
    tokens, seqs = c.get("max-num-batched-tokens"), c.get("max-num-seqs")
    return tokens is not None and seqs is not None and tokens < seqs


def _vllm_unchunked(c, gpus):
    tokens, length = c.get("max-num-batched-tokens"), c.get("max-model-len")
    return (
        c.get("enable-chunked-prefill", True) is False and tokens is not None and length is not None and tokens < length
    )


ORACLES = {
    "sglang": {
        "sglang-gpu-count": _sglang_gpu,
        "sglang-mixed-chunk-needs-chunked-prefill": _sglang_mixed,
    },
    "vllm": {
        "vllm-gpu-count": _vllm_gpu,
        "vllm-batched-tokens-cover-seqs": _vllm_tokens,
        "vllm-unchunked-prefill-fits-model-len": _vllm_unchunked,
    },
}

# Value pools the random spaces draw from (all within the catalogs' ranges).
POOLS = {
    "sglang": {
        "tp-size": [1, 2, 4, 8],
        "dp-size": [1, 2, 4],
        "pp-size": [1, 2],
        "enable-mixed-chunk": [True, False],
        "chunked-prefill-size": [-1, 2048, 8192],
        "mem-fraction-static": [0.7, 0.8, 0.9],
        "schedule-policy": ["lpm", "fcfs"],
    },
    "vllm": {
        "tensor-parallel-size": [1, 2, 4],
        "pipeline-parallel-size": [1, 2],
        "data-parallel-size": [1, 2],
        "max-num-seqs": [64, 256, 1024],
        "max-num-batched-tokens": [128, 512, 2048, 8192],
        "max-model-len": [1024, 4096],
        "enable-chunked-prefill": [True, False],
        "block-size": [16, 32],
    },
}


def brute(parameters, runtime, gpus):
    """(all combinations in order, valid ones in order, removed count per rule id)."""
    names = list(parameters)
    combos = []
    for values in itertools.product(*(parameters[n] for n in names)):
        combos.append(dict(zip(names, values, strict=False)))
    oracles = ORACLES.get(runtime, {}) if runtime else {}
    removed = {rid: sum(1 for c in combos if fn(c, gpus)) for rid, fn in oracles.items()}
    valid = [c for c in combos if not any(fn(c, gpus) for fn in oracles.values())]
    return combos, valid, removed


def test_every_catalog_rule_has_an_oracle():
    for runtime, oracles in ORACLES.items():
        assert [r.id for r in get_catalog(runtime).rules] == list(oracles)


def _check_against_brute(parameters, runtime, gpus, offset=0, limit=10_000):
    combos, valid, removed = brute(parameters, runtime, gpus)
    report = analyze_space(parameters, runtime, gpus=gpus, offset=offset, limit=limit)
    assert report.total == len(combos) == count_combinations(parameters)
    assert report.valid == len(valid)
    assert {e.rule: e.removed for e in report.removed_by_rule} == removed
    assert report.combinations == valid[offset : offset + limit]
    assert list(valid_combinations(parameters, runtime, gpus=gpus)) == valid
    for c in combos:
        ok, broken = combination_is_valid(c, runtime, gpus=gpus)
        assert broken == [rid for rid, fn in ORACLES[runtime].items() if fn(c, gpus)]
        assert ok == (not broken)
    return report


# ------------------------------------------------------------------------------- each rule


def test_sglang_gpu_rule_removes_exactly_oversized_parallelism():
    space = {"tp-size": [1, 2, 4, 8], "dp-size": [1, 2], "mem-fraction-static": [0.8, 0.9]}
    report = _check_against_brute(space, "sglang", 4)
    # tp*dp > 4: (8,1), (8,2), (4,2) -> 3 of 8 pairs, times 2 memory fractions
    assert report.removed_by_rule[0].removed == 6 and report.valid == 10
    for gpus in (None, 1, 2, 8, 16):
        _check_against_brute(space, "sglang", gpus)
    pp = {"pp-size": [1, 2], "tp-size": [1, 2], "dp-size": [1, 2]}
    assert _check_against_brute(pp, "sglang", 4).valid == 7  # only 2*2*2 is removed


def test_sglang_gpu_rule_uses_default_one_for_absent_sizes():
    report = _check_against_brute({"tp-size": [1, 2, 4, 8]}, "sglang", 2)
    assert report.valid == 2


def test_gpu_rules_do_not_apply_when_gpus_are_unknown():
    report = _check_against_brute({"tp-size": [1, 8], "dp-size": [8]}, "sglang", None)
    effect = report.removed_by_rule[0]
    assert (effect.rule, effect.removed, effect.applies) == ("sglang-gpu-count", 0, False)
    assert report.valid == 2


def test_sglang_mixed_chunk_rule_removes_mixed_chunk_without_chunked_prefill():
    space = {"enable-mixed-chunk": [True, False], "chunked-prefill-size": [-1, 4096, 8192], "tp-size": [1, 2]}
    report = _check_against_brute(space, "sglang", 2)
    assert report.removed_by_rule[1].removed == 2 and report.valid == 10
    # Absent flags: enable-mixed-chunk defaults to false (nothing removed); chunked-prefill-size
    # defaults to "SGLang decides" (the rule does not decide, nothing removed).
    assert _check_against_brute({"chunked-prefill-size": [-1, 512]}, "sglang", None).valid == 2
    assert _check_against_brute({"enable-mixed-chunk": [True]}, "sglang", None).valid == 1


def test_vllm_gpu_rule_multiplies_three_sizes():
    space = {"tensor-parallel-size": [1, 2, 4], "pipeline-parallel-size": [1, 2], "data-parallel-size": [1, 2]}
    report = _check_against_brute(space, "vllm", 4)
    assert report.valid == 8  # products 1,2,2,4,2,4,4,8,4,8,8,16: eight are <= 4
    for gpus in (None, 1, 3, 16):
        _check_against_brute(space, "vllm", gpus)


def test_vllm_batched_tokens_rule_applies_only_when_both_are_set():
    both = {"max-num-seqs": [128, 512], "max-num-batched-tokens": [256, 1024]}
    report = _check_against_brute(both, "vllm", 1)
    assert report.removed_by_rule[1].removed == 1 and report.valid == 3
    assert _check_against_brute({"max-num-seqs": [4096]}, "vllm", 1).valid == 1
    assert _check_against_brute({"max-num-batched-tokens": [1]}, "vllm", 1).valid == 1


def test_vllm_unchunked_prefill_rule():
    space = {"enable-chunked-prefill": [True, False], "max-num-batched-tokens": [2048, 8192], "max-model-len": [4096]}
    report = _check_against_brute(space, "vllm", None)
    assert report.removed_by_rule[2].removed == 1 and report.valid == 3


def test_combination_removed_by_two_rules_counts_once_for_each():
    space = {
        "max-num-seqs": [512],
        "max-num-batched-tokens": [256, 4096],
        "max-model-len": [1024],
        "enable-chunked-prefill": [False],
        "tensor-parallel-size": [1, 8],
    }
    report = _check_against_brute(space, "vllm", 2)
    removed = [e.removed for e in report.removed_by_rule]
    assert removed == [2, 2, 2]
    assert report.total - report.valid == 3 < sum(removed)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_random_spaces_match_brute_force(data):
    runtime = data.draw(st.sampled_from(["sglang", "vllm"]))
    pool = POOLS[runtime]
    names = data.draw(st.lists(st.sampled_from(sorted(pool)), min_size=1, max_size=5, unique=True))
    space = {n: data.draw(st.lists(st.sampled_from(pool[n]), min_size=1, unique=True)) for n in names}
    gpus = data.draw(st.sampled_from([None, 1, 2, 4, 8]))
    valid_count = len(brute(space, runtime, gpus)[1])
    offset = data.draw(st.integers(0, valid_count + 2))
    limit = data.draw(st.integers(0, 7))
    _check_against_brute(space, runtime, gpus, offset=offset, limit=limit)


# --------------------------------------------------------------------------- order and paging


def test_iteration_order_first_key_slowest_with_groups_nested():
    space = {"a": [1, 2], "g": {"x": ["p", "q"], "h": {"y": [True]}}, "b": [0.5, 0.7]}
    combos = list(iter_combinations(space))
    assert combos[:3] == [
        {"a": 1, "g": {"x": "p", "h": {"y": True}}, "b": 0.5},
        {"a": 1, "g": {"x": "p", "h": {"y": True}}, "b": 0.7},
        {"a": 1, "g": {"x": "q", "h": {"y": True}}, "b": 0.5},
    ]
    assert len(combos) == 8 and combos[-1] == {"a": 2, "g": {"x": "q", "h": {"y": True}}, "b": 0.7}
    assert [list(c) for c in combos] == [["a", "g", "b"]] * 8
    assert list(iter_combinations({})) == [{}]


def test_pages_of_valid_combinations():
    space = {"tp-size": [1, 2, 4], "dp-size": [1, 2], "schedule-policy": ["lpm", "fcfs", "lof"]}
    _, valid, _ = brute(space, "sglang", 2)
    assert len(valid) == 9
    pages = [analyze_space(space, "sglang", gpus=2, offset=o, limit=4).combinations for o in (0, 4, 8, 12)]
    assert pages[0] + pages[1] + pages[2] == valid and pages[3] == []
    report = analyze_space(space, "sglang", gpus=2, offset=3, limit=0)
    assert report.combinations == [] and (report.offset, report.limit) == (3, 0)
    with pytest.raises(ValueError):
        analyze_space(space, "sglang", offset=-1)


def test_no_runtime_means_no_rules():
    space = {"tp-size": [1, 64], "enable-mixed-chunk": [True], "chunked-prefill-size": [-1]}
    report = analyze_space(space, None, gpus=1)
    assert (report.total, report.valid, report.removed_by_rule) == (2, 2, [])
    assert report.combinations == list(iter_combinations(space))
    assert combination_is_valid({"tp-size": 64}, None, gpus=1) == (True, [])
    with pytest.raises(NotFound):
        analyze_space(space, "tgi")


def test_group_leaves_and_group_named_like_a_flag_are_not_read_by_rules():
    space = {"tp-size": [1, 4], "extra": {"tp-size": [8]}, "dp-size": {"x": [16]}}
    report = analyze_space(space, "sglang", gpus=2)
    assert report.valid == 1
    assert report.combinations == [{"tp-size": 1, "extra": {"tp-size": 8}, "dp-size": {"x": 16}}]


def test_report_serialises_to_json():
    report = analyze_space({"tp-size": [1, 2]}, "sglang", gpus=1)
    data = json.loads(json.dumps(report.to_dict()))
    assert data["removed_by_rule"][0] == {
        "rule": "sglang-gpu-count",
        "description": "tp-size x dp-size x pp-size must not exceed the GPUs the task may use.",
        "removed": 1,
        "applies": True,
    }
    assert data["truncated"] is False and data["valid"] == 1


# ------------------------------------------------------------------------------ large spaces


def _huge_space():
    # 10 values for each of 24 free flags: 10**24 combinations before the rule flags.
    space = {f"free-{i:02d}": list(range(10)) for i in range(24)}
    space["tp-size"] = [1, 2, 4, 8]
    space["dp-size"] = [1, 2]
    return space


def test_huge_space_is_counted_exactly_without_enumerating():
    space = _huge_space()
    report = analyze_space(space, "sglang", gpus=4, limit=3)
    total = 10**24 * 8
    assert report.total == total and not report.truncated
    assert report.valid == 10**24 * 5  # tp*dp <= 4: (1,1) (1,2) (2,1) (2,2) (4,1)
    assert report.removed_by_rule[0].removed == 10**24 * 3
    # The last valid combination: every free flag at 9, then the last passing (tp, dp) = (4, 1).
    last = analyze_space(space, "sglang", gpus=4, offset=report.valid - 1, limit=5).combinations
    assert len(last) == 1
    assert last[0] == {**{f"free-{i:02d}": 9 for i in range(24)}, "tp-size": 4, "dp-size": 1}
    # A page deep inside: offset k maps to free digits k // 5 and the (k % 5)-th passing pair.
    k = 123_456_789_012_345_678_901_234
    (deep,) = analyze_space(space, "sglang", gpus=4, offset=k, limit=1).combinations
    digits = str(k // 5).zfill(24)
    assert [deep[f"free-{i:02d}"] for i in range(24)] == [int(ch) for ch in digits]
    assert (deep["tp-size"], deep["dp-size"]) == [(1, 1), (1, 2), (2, 1), (2, 2), (4, 1)][k % 5]


def test_space_where_every_combination_is_removed_returns_at_once():
    space = {"tp-size": [8]}
    space.update({f"free-{i:02d}": list(range(10)) for i in range(30)})
    report = analyze_space(space, "sglang", gpus=1)
    assert report.valid == 0 and report.combinations == []
    assert list(valid_combinations(space, "sglang", gpus=1)) == []


def test_rule_subspace_over_max_enumerate_is_reported_as_truncated():
    space = {
        "tp-size": [1, 2, 4, 8],
        "dp-size": [1, 2, 4],
        "pp-size": [1, 2],
        "enable-mixed-chunk": [True, False],
        "chunked-prefill-size": [-1, 512],
    }
    _, valid, removed = brute(space, "sglang", 4)
    report = analyze_space(space, "sglang", gpus=4, max_enumerate=10, limit=100)
    assert report.truncated and report.valid is None and report.total == 96
    effects = {e.rule: e.removed for e in report.removed_by_rule}
    assert effects["sglang-gpu-count"] is None  # 24 assignments > 10
    assert effects["sglang-mixed-chunk-needs-chunked-prefill"] == removed["sglang-mixed-chunk-needs-chunked-prefill"]
    # The page is still made only of valid combinations, in order (at most max_enumerate nodes).
    assert 0 < len(report.combinations) <= 10
    assert report.combinations == valid[: len(report.combinations)]
    full = analyze_space(space, "sglang", gpus=4, max_enumerate=1_000, limit=100)
    assert not full.truncated and full.combinations == valid
    assert list(valid_combinations(space, "sglang", gpus=4)) == valid


def test_valid_combinations_are_indexed_without_listing_them():
    space = {
        "tp-size": [1, 2, 4, 8],
        "dp-size": [1, 2],
        "enable-mixed-chunk": [True, False],
        "chunked-prefill-size": [-1, 512],
        "mem-fraction-static": [0.8, 0.9],
    }
    _, valid, _ = brute(space, "sglang", 4)
    indexed = ValidCombinations(space, "sglang", gpus=4)
    assert indexed.total == 64 and indexed.count == len(valid)
    assert [indexed.at(i) for i in range(indexed.count)] == valid == list(indexed)
    assert list(indexed.iter_from(5)) == valid[5:]
    for bad in (-1, indexed.count):
        with pytest.raises(IndexError):
            indexed.at(bad)
    huge = {f"k{i}": list(range(10)) for i in range(30)}
    assert ValidCombinations(huge, None).at(10**30 - 1) == {f"k{i}": 9 for i in range(30)}
    truncated = ValidCombinations(space, "sglang", gpus=4, max_enumerate=4)
    assert truncated.count is None and list(truncated) == valid
    with pytest.raises(ValueError, match="not counted"):
        truncated.at(0)
