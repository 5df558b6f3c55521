"""Tests of the pure merge engine (autotuner.presets.merger)."""

from __future__ import annotations

import copy
import json
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autotuner.core.errors import InvalidMergeStrategy, ValidationFailed
from autotuner.core.parameters import iter_leaves, normalize_parameters, value_key
from autotuner.presets.merger import (
    ALIASES,
    STRATEGIES,
    Conflict,
    FlagFacts,
    MergeResult,
    NamedSpace,
    PresetMerger,
    canonical_strategy,
)

HIGH_THROUGHPUT = NamedSpace("High Throughput", {"tp-size": [2, 4], "mem-fraction-static": [0.9]})
MEMORY_EFFICIENT = NamedSpace("Memory Efficient", {"tp-size": [1], "mem-fraction-static": [0.7, 0.75]})

merger = PresetMerger()


def merge(*spaces: dict, strategy: str = "union", overrides: dict | None = None) -> MergeResult:
    presets = [NamedSpace(chr(ord("A") + i), space) for i, space in enumerate(spaces)]
    return merger.merge(presets, strategy, overrides)


def typed(values: list) -> list:
    """Values with their identity made visible: [True, 1] -> [("bool", True), ("number", 1)]."""
    return [value_key(v) for v in values]


def by_parameter(result: MergeResult) -> dict[str, Conflict]:
    return {c.parameter: c for c in result.conflicts}


# ---------------------------------------------------------------------------------------------
# The reference's examples


def test_reference_union_of_high_throughput_then_memory_efficient():
    result = merger.merge([HIGH_THROUGHPUT, MEMORY_EFFICIENT], "union")
    assert result.parameters == {"tp-size": [1, 2, 4], "mem-fraction-static": [0.7, 0.75, 0.9]}
    assert list(result.parameters) == ["tp-size", "mem-fraction-static"]
    assert result.strategy == "union"
    assert result.combinations == 9


def test_reference_last_wins_of_high_throughput_then_memory_efficient():
    result = merger.merge([HIGH_THROUGHPUT, MEMORY_EFFICIENT], "last_wins")
    assert result.parameters == {"tp-size": [1], "mem-fraction-static": [0.7, 0.75]}
    assert result.combinations == 2


def test_reference_cheatsheet_examples():
    assert merge({"p": [1, 2]}, {"p": [3]}).parameters == {"p": [1, 2, 3]}
    assert merge({"p": [1, 2]}, {"p": [2, 3]}, strategy="intersection").parameters == {"p": [2]}
    assert merge({"p": [1, 2]}, {"p": [3]}, strategy="last_wins").parameters == {"p": [3]}


def test_reference_union_conflict_is_reported_with_both_presets():
    result = merger.merge([HIGH_THROUGHPUT, MEMORY_EFFICIENT], "union")
    tp = by_parameter(result)["tp-size"]
    assert tp.presets == ["High Throughput", "Memory Efficient"]
    assert tp.values == [[2, 4], [1]]
    assert tp.kept == [1, 2, 4]
    assert tp.message == "'tp-size': High Throughput has [2, 4], Memory Efficient has [1]; union keeps [1, 2, 4]."
    assert len(result.conflicts) == 2


@pytest.mark.parametrize("strategy", ["union", "smart"])
def test_a_conflict_and_a_decision_as_dicts_hold_every_field_as_copies(strategy):
    import dataclasses

    space = NamedSpace("Wide", {"tp-size": [8], "mem-fraction-static": [0.5]})
    result = merger.merge([HIGH_THROUGHPUT, MEMORY_EFFICIENT, space], strategy, options=True)
    reports = [*result.conflicts, *result.decisions]
    assert reports
    for report in reports:
        as_dict = report.to_dict()
        assert as_dict == dataclasses.asdict(report)
        # The answer's lists are its own: changing them changes nothing in the merge's result.
        for value in as_dict.values():
            if isinstance(value, list) and value:
                value.clear()
        assert report.to_dict() == dataclasses.asdict(report) != as_dict


# ---------------------------------------------------------------------------------------------
# Strategy names


def test_canonical_names_and_aliases():
    for name in STRATEGIES:
        assert canonical_strategy(name) == name
    assert canonical_strategy("append") == "union"
    assert canonical_strategy("override") == "last_wins"
    assert ALIASES == {"append": "union", "override": "last_wins"}


@pytest.mark.parametrize("name", ["foo", "Union", "LAST_WINS", "", " union", "last-wins", None, 3])
def test_invalid_strategy_names_the_valid_ones(name):
    with pytest.raises(InvalidMergeStrategy) as info:
        canonical_strategy(name)
    assert (
        str(info.value)
        == f"Invalid merge strategy '{name}': use one of union, intersection, last_wins, deep_merge, smart"
    )
    assert info.value.status_code == 422


def test_merge_rejects_an_invalid_strategy_before_merging():
    with pytest.raises(
        InvalidMergeStrategy, match=r"^Invalid merge strategy 'foo': use one of union, intersection, last_wins"
    ):
        merger.merge([HIGH_THROUGHPUT], "foo")


def test_aliases_give_the_same_result_and_report_the_canonical_name():
    presets = [HIGH_THROUGHPUT, MEMORY_EFFICIENT]
    appended = merger.merge(presets, "append")
    assert appended.strategy == "union"
    assert appended.parameters == merger.merge(presets, "union").parameters
    overridden = merger.merge(presets, "override")
    assert overridden.strategy == "last_wins"
    assert overridden.parameters == merger.merge(presets, "last_wins").parameters
    assert [c.message for c in overridden.conflicts] == [
        c.message for c in merger.merge(presets, "last_wins").conflicts
    ]


def test_default_strategy_is_union():
    assert merger.merge([HIGH_THROUGHPUT, MEMORY_EFFICIENT]).strategy == "union"


# ---------------------------------------------------------------------------------------------
# Zero and one preset


def test_zero_presets_is_refused():
    with pytest.raises(ValidationFailed) as info:
        merger.merge([], "union")
    assert str(info.value) == "Select at least one preset to merge."


def test_one_preset_union_sorts_its_values():
    result = merge({"p": [4, 1, 2], "s": ["b", "a"], "g": {"x": [True, False]}})
    assert result.parameters == {"p": [1, 2, 4], "s": ["a", "b"], "g": {"x": [False, True]}}
    assert result.conflicts == []
    assert result.combinations == 12


@pytest.mark.parametrize("strategy", ["intersection", "last_wins", "deep_merge"])
def test_one_preset_other_strategies_return_it_unchanged(strategy):
    space = {"p": [4, 1, 2], "g": {"x": ["b", "a"], "h": {"y": [1.5]}}}
    result = merge(space, strategy=strategy)
    assert result.parameters == space
    assert result.conflicts == []
    assert result.combinations == 6


# ---------------------------------------------------------------------------------------------
# Ordering and value identity


def test_union_orders_booleans_then_numbers_then_strings():
    result = merge({"p": ["b", 2, True]}, {"p": ["a", 1.5, False, -3]})
    assert typed(result.parameters["p"]) == typed([False, True, -3, 1.5, 2, "a", "b"])


def test_one_and_one_point_zero_are_the_same_value():
    result = merge({"p": [1, 2]}, {"p": [1.0, 2.0]})
    assert result.parameters == {"p": [1, 2]}
    assert typed(result.parameters["p"]) == typed([1, 2])
    assert isinstance(result.parameters["p"][0], int)  # the first preset's spelling is kept
    assert result.conflicts == []


def test_true_and_one_are_different_values():
    result = merge({"p": [True, 0]}, {"p": [1, False]})
    assert typed(result.parameters["p"]) == typed([False, True, 0, 1])
    conflict = by_parameter(result)["p"]
    assert typed(conflict.kept) == typed([False, True, 0, 1])
    inter = merge({"p": [True, 2]}, {"p": [1, 2.0]}, strategy="intersection")
    assert typed(inter.parameters["p"]) == typed([2])


def test_intersection_treats_one_point_zero_as_one_and_keeps_the_first_spelling():
    result = merge({"p": [1.0, 3]}, {"p": [1, 2]}, strategy="intersection")
    assert result.parameters == {"p": [1.0]}
    assert isinstance(result.parameters["p"][0], float)


def test_last_wins_keeps_the_winners_order_and_same_set_is_no_conflict():
    result = merge({"p": [1, 2], "q": [1]}, {"p": [2, 1], "q": [4, 2]}, strategy="last_wins")
    assert result.parameters == {"p": [2, 1], "q": [4, 2]}
    assert [c.parameter for c in result.conflicts] == ["q"]


@pytest.mark.parametrize("strategy", ["last_wins", "deep_merge"])
def test_override_strategies_see_true_and_one_as_different(strategy):
    result = merge({"p": [True], "q": [1.0]}, {"p": [1], "q": [1]}, strategy=strategy)
    assert typed(result.parameters["p"]) == typed([1])
    assert [c.parameter for c in result.conflicts] == ["p"]
    assert result.conflicts[0].message == f"'p': A has [true], B has [1]; {strategy} keeps B's [1]."


def test_intersection_sorts_ascending():
    result = merge({"p": ["z", 3, 1, True]}, {"p": [True, 1, "z", 3]}, strategy="intersection")
    assert typed(result.parameters["p"]) == typed([True, 1, 3, "z"])
    assert result.conflicts == []


# ---------------------------------------------------------------------------------------------
# union


def test_union_keeps_parameters_found_in_one_preset_only_without_conflict():
    result = merge({"a": [1]}, {"b": ["x"]}, {"a": [1], "c": [0.5]})
    assert result.parameters == {"a": [1], "b": ["x"], "c": [0.5]}
    assert list(result.parameters) == ["a", "b", "c"]
    assert result.conflicts == []
    assert result.combinations == 1


def test_union_of_three_presets_reports_every_holder():
    result = merge({"p": [1]}, {"q": [1]}, {"p": [3, 2]}, {"p": [1]})
    assert result.parameters == {"p": [1, 2, 3], "q": [1]}
    conflict = by_parameter(result)["p"]
    assert conflict.presets == ["A", "C", "D"]
    assert conflict.values == [[1], [3, 2], [1]]
    assert conflict.kept == [1, 2, 3]
    assert conflict.message == "'p': A has [1], C has [3, 2], D has [1]; union keeps [1, 2, 3]."


def test_conflict_message_summarises_many_presets():
    spaces = [{"p": [i]} for i in range(7)]
    conflict = merge(*spaces).conflicts[0]
    assert len(conflict.presets) == 7
    assert conflict.message == (
        "'p': A has [0], B has [1], C has [2], D has [3], and 3 more presets; union keeps [0, 1, 2, 3, 4, 5, 6]."
    )


# ---------------------------------------------------------------------------------------------
# intersection


def test_intersection_without_common_values_leaves_the_parameter_out_and_says_so():
    result = merge({"tp-size": [1, 2], "x": [1]}, {"tp-size": [3, 4], "x": [1]}, strategy="intersection")
    assert result.parameters == {"x": [1]}
    conflict = by_parameter(result)["tp-size"]
    assert conflict.message.startswith("No common values in intersection for 'tp-size': [1, 2] vs [3, 4]")
    assert conflict.kept is None
    assert conflict.presets == ["A", "B"]
    assert conflict.values == [[1, 2], [3, 4]]
    assert result.combinations == 1


def test_intersection_leaves_out_parameters_missing_from_a_preset():
    result = merge({"a": [1], "b": [2]}, {"a": [1]}, {"a": [1], "c": [3]}, strategy="intersection")
    assert result.parameters == {"a": [1]}
    conflicts = by_parameter(result)
    assert set(conflicts) == {"b", "c"}
    assert conflicts["b"].presets == ["A"]
    assert conflicts["b"].kept is None
    assert conflicts["b"].message == "'b' is missing from B and C (A has [2]), so intersection leaves it out."
    assert "missing from A and B" in conflicts["c"].message


def test_intersection_reports_narrowed_parameters():
    result = merge({"p": [1, 2, 3]}, {"p": [2, 3, 4]}, {"p": [3, 2]}, strategy="intersection")
    assert result.parameters == {"p": [2, 3]}
    conflict = result.conflicts[0]
    assert conflict.kept == [2, 3]
    assert conflict.message == "'p': A has [1, 2, 3], B has [2, 3, 4], C has [3, 2]; intersection keeps [2, 3]."


def test_intersection_that_removes_everything_returns_an_empty_space():
    result = merge({"a": [1]}, {"b": [2]}, strategy="intersection")
    assert result.parameters == {}
    assert result.combinations == 0
    assert {c.parameter for c in result.conflicts} == {"a", "b"}
    assert all(c.kept is None for c in result.conflicts)


def test_intersection_of_three_with_no_common_values_lists_all_of_them():
    result = merge({"p": [1, 2]}, {"p": [2, 3]}, {"p": [3, 4]}, strategy="intersection")
    assert result.parameters == {}
    assert result.conflicts[0].message.startswith(
        "No common values in intersection for 'p': [1, 2] vs [2, 3] vs [3, 4]"
    )


# ---------------------------------------------------------------------------------------------
# Parameter groups


DEEP_A = {"tp-size": [1], "speculative": {"num-steps": [3], "draft": {"topk": [1, 2], "mode": ["a"]}}}
DEEP_B = {"speculative": {"num-steps": [5, 3], "draft": {"topk": [2, 4]}, "eagle": [True]}}


def test_union_merges_groups_key_by_key_at_every_depth():
    result = merge(DEEP_A, DEEP_B)
    assert result.parameters == {
        "tp-size": [1],
        "speculative": {"num-steps": [3, 5], "draft": {"topk": [1, 2, 4], "mode": ["a"]}, "eagle": [True]},
    }
    assert result.combinations == 6
    conflicts = by_parameter(result)
    assert set(conflicts) == {"speculative.num-steps", "speculative.draft.topk"}
    assert conflicts["speculative.draft.topk"].values == [[1, 2], [2, 4]]
    assert conflicts["speculative.draft.topk"].kept == [1, 2, 4]


def test_intersection_recurses_into_groups():
    result = merge(DEEP_A, DEEP_B, strategy="intersection")
    assert result.parameters == {"speculative": {"num-steps": [3], "draft": {"topk": [2]}}}
    conflicts = by_parameter(result)
    assert set(conflicts) == {
        "tp-size",
        "speculative.num-steps",
        "speculative.draft.topk",
        "speculative.draft.mode",
        "speculative.eagle",
    }
    assert conflicts["speculative.draft.mode"].kept is None
    assert conflicts["speculative.draft.topk"].kept == [2]


def test_intersection_drops_a_group_left_empty():
    result = merge({"g": {"x": [1]}, "p": [1]}, {"g": {"x": [2]}, "p": [1]}, strategy="intersection")
    assert result.parameters == {"p": [1]}
    assert result.conflicts[0].message.startswith("No common values in intersection for 'g.x': [1] vs [2]")


def test_last_wins_replaces_groups_whole():
    result = merge(DEEP_A, DEEP_B, strategy="last_wins")
    assert result.parameters == {"tp-size": [1], "speculative": DEEP_B["speculative"]}
    conflicts = by_parameter(result)
    assert conflicts["speculative.draft.mode"].kept is None
    assert conflicts["speculative.draft.mode"].message == (
        "'speculative.draft.mode': A has [\"a\"]; last_wins drops it because B replaces 'speculative' whole."
    )
    assert conflicts["speculative.num-steps"].kept == [5, 3]
    assert conflicts["speculative.num-steps"].message == (
        "'speculative.num-steps': A has [3], B has [5, 3]; last_wins keeps B's [5, 3]."
    )
    assert set(conflicts) == {"speculative.num-steps", "speculative.draft.topk", "speculative.draft.mode"}


def test_deep_merge_merges_groups_key_by_key():
    result = merge(DEEP_A, DEEP_B, strategy="deep_merge")
    assert result.parameters == {
        "tp-size": [1],
        "speculative": {"num-steps": [5, 3], "draft": {"topk": [2, 4], "mode": ["a"]}, "eagle": [True]},
    }
    assert set(by_parameter(result)) == {"speculative.num-steps", "speculative.draft.topk"}


def test_parameter_names_with_dots_are_not_confused_with_groups():
    result = merge({"a.b": [1], "a": {"b": [2]}}, {"a.b": [3]}, strategy="deep_merge")
    assert result.parameters == {"a.b": [3], "a": {"b": [2]}}
    assert [c.parameter for c in result.conflicts] == ["a.b"]
    assert result.conflicts[0].values == [[1], [3]]


# ---------------------------------------------------------------------------------------------
# A group in one preset, an array in another


def test_intersection_leaves_out_a_group_against_an_array():
    result = merge({"s": [1], "p": [1]}, {"s": {"n": [3]}, "p": [1]}, strategy="intersection")
    assert result.parameters == {"p": [1]}
    conflicts = by_parameter(result)
    assert conflicts["s"].kept is None
    assert conflicts["s"].message == "'s': A has [1], but B gives 's' as a group, so intersection leaves it out."
    assert conflicts["s.n"].message == "'s.n': B has [3], but A gives 's' as an array, so intersection leaves it out."


def test_union_keeps_the_last_presets_form():
    result = merge({"s": [1]}, {"s": {"n": [3]}}, {"s": {"n": [4]}})
    assert result.parameters == {"s": {"n": [3, 4]}}
    dropped = by_parameter(result)["s"]
    assert dropped.kept is None
    assert dropped.values == [[1]]
    assert (
        dropped.message
        == "'s': A has [1]; union drops it because C gives 's' as a group and the last preset's form wins."
    )
    back = merge({"s": {"n": [3]}}, {"s": [2]}, {"s": [1]})
    assert back.parameters == {"s": [1, 2]}
    assert by_parameter(back)["s.n"].kept is None


@pytest.mark.parametrize("strategy", ["last_wins", "deep_merge"])
def test_override_strategies_let_the_later_form_replace(strategy):
    result = merge({"s": [1]}, {"s": {"n": [3]}}, strategy=strategy)
    assert result.parameters == {"s": {"n": [3]}}
    assert by_parameter(result)["s"].kept is None
    result = merge({"s": {"n": [3]}}, {"s": [1]}, strategy=strategy)
    assert result.parameters == {"s": [1]}
    assert by_parameter(result)["s.n"].kept is None


def test_deep_merge_after_a_group_was_reset_by_an_array():
    result = merge({"g": {"x": [1]}}, {"g": [5]}, {"g": {"y": [2]}}, strategy="deep_merge")
    assert result.parameters == {"g": {"y": [2]}}
    conflicts = by_parameter(result)
    assert conflicts["g.x"].message == "'g.x': A has [1]; deep_merge drops it because B replaces 'g' with an array."
    assert conflicts["g"].message == "'g': B has [5]; deep_merge drops it because C gives 'g' as a group."


# ---------------------------------------------------------------------------------------------
# Overrides


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_overrides_apply_last_like_deep_merge_and_add_no_conflict(strategy):
    presets = [HIGH_THROUGHPUT, MEMORY_EFFICIENT]
    plain = merger.merge(presets, strategy)
    result = merger.merge(presets, strategy, {"tp-size": [2], "spec": {"n": [3, 5]}})
    assert result.parameters["tp-size"] == [2]
    assert result.parameters["spec"] == {"n": [3, 5]}
    assert [c.to_dict() for c in result.conflicts] == [c.to_dict() for c in plain.conflicts]
    assert result.combinations == 2 * len(result.parameters.get("mem-fraction-static", [None]))


def test_overrides_merge_into_groups_key_by_key():
    result = merge(DEEP_A, strategy="union", overrides={"speculative": {"draft": {"topk": [8]}}})
    assert result.parameters["speculative"] == {"num-steps": [3], "draft": {"topk": [8], "mode": ["a"]}}


def test_overrides_can_fill_an_empty_intersection():
    result = merge({"a": [1]}, {"b": [2]}, strategy="intersection", overrides={"tp-size": [1, 2]})
    assert result.parameters == {"tp-size": [1, 2]}
    assert result.combinations == 2


def test_empty_overrides_change_nothing():
    assert merge({"a": [2, 1]}, overrides={}).parameters == {"a": [1, 2]}
    assert merge({"a": [2, 1]}, overrides=None).parameters == {"a": [1, 2]}


# ---------------------------------------------------------------------------------------------
# Safety of the plain data


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_inputs_are_never_mutated_and_results_share_no_list(strategy):
    a, b = copy.deepcopy(DEEP_A), copy.deepcopy(DEEP_B)
    overrides = {"tp-size": [9]}
    result = merge(a, b, strategy=strategy, overrides=overrides)
    assert (a, b, overrides) == (DEEP_A, DEEP_B, {"tp-size": [9]})
    for _path, values in iter_leaves(result.parameters):
        values.append("mutated")
    for conflict in result.conflicts:
        for values in conflict.values:
            values.append("mutated")
    assert (a, b, overrides) == (DEEP_A, DEEP_B, {"tp-size": [9]})
    single = merge(a, strategy=strategy)
    for _path, values in iter_leaves(single.parameters):
        values.append("mutated")
    assert a == DEEP_A


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_results_are_json_ready(strategy):
    result = merge(DEEP_A, DEEP_B, {"s": [1]}, {"s": {"n": [2]}}, strategy=strategy)
    text = json.dumps(result.to_dict())
    loaded = json.loads(text)
    assert loaded["strategy"] == strategy
    assert loaded["parameters"] == result.parameters
    for conflict in loaded["conflicts"]:
        assert set(conflict) == {
            "parameter",
            "presets",
            "values",
            "kept",
            "message",
            "proposed",
            "resolution",
            "options",
        }
        assert all(isinstance(v, list) for v in conflict["values"])
        assert conflict["kept"] is None or isinstance(conflict["kept"], list)
        assert len(conflict["values"]) == len(conflict["presets"])
        assert conflict["message"].endswith(".")


def test_merger_imports_no_database_or_web_code():
    code = (
        "import sys, autotuner.presets.merger\n"
        "bad = [m for m in ('sqlalchemy', 'fastapi', 'starlette', 'pydantic') if m in sys.modules]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


# ---------------------------------------------------------------------------------------------
# Properties

SCALARS = st.one_of(
    st.booleans(),
    st.integers(min_value=-3, max_value=6),
    st.sampled_from([0.0, 0.5, 1.0, 2.0, 2.5, -1.5]),
    st.sampled_from(["a", "b", "lpm", "fcfs", "1", "true"]),
)
ARRAYS = st.lists(SCALARS, min_size=1, max_size=6)
# Array names and group names are disjoint, so the form of a name never clashes here.
ARRAY_NAMES = st.sampled_from(["tp-size", "mem", "policy", "x", "y"])
GROUP_NAMES = st.sampled_from(["speculative", "draft"])
SPACES = (
    st.recursive(
        st.dictionaries(ARRAY_NAMES, ARRAYS, min_size=1, max_size=4),
        lambda inner: st.dictionaries(
            st.one_of(ARRAY_NAMES, GROUP_NAMES),
            st.one_of(ARRAYS, inner),
            min_size=1,
            max_size=4,
        ).filter(lambda d: all(isinstance(v, dict) == (k in ("speculative", "draft")) for k, v in d.items())),
        max_leaves=8,
    )
    .filter(lambda d: _depth(d) <= 3)
    .map(normalize_parameters)
)


def _depth(space) -> int:
    return 1 + max((_depth(v) for v in space.values() if isinstance(v, dict)), default=0)


def _keyset(values) -> set:
    return {value_key(v) for v in values}


def _leaves(space) -> dict[tuple, list]:
    return dict(iter_leaves(space))


def _sorted_space(space):
    from autotuner.core.parameters import sort_key

    return {k: _sorted_space(v) if isinstance(v, dict) else sorted(v, key=sort_key) for k, v in space.items()}


PROPERTY_SETTINGS = settings(max_examples=150, deadline=None)


@PROPERTY_SETTINGS
@given(SPACES)
def test_union_is_idempotent(space):
    once = merge(space)
    twice = merge(space, space)
    assert twice.parameters == _sorted_space(space)
    assert typed_leaves(twice.parameters) == typed_leaves(once.parameters)
    assert twice.conflicts == []


def typed_leaves(space) -> dict:
    return {path: typed(values) for path, values in iter_leaves(space)}


@PROPERTY_SETTINGS
@given(st.lists(SPACES, min_size=1, max_size=4))
def test_union_contains_every_input_value_and_nothing_else(spaces):
    result = merge(*spaces)
    leaves = _leaves(result.parameters)
    expected: dict[tuple, set] = {}
    for space in spaces:
        for path, values in iter_leaves(space):
            expected.setdefault(path, set()).update(_keyset(values))
    assert {path: _keyset(v) for path, v in leaves.items()} == expected
    for values in leaves.values():
        assert len(values) == len(_keyset(values))  # no duplicates
        assert typed(values) == typed(
            sorted(values, key=lambda v: (0 if isinstance(v, bool) else 1 if not isinstance(v, str) else 2, v))
        )
    assert result.combinations == (0 if not leaves else _product(len(v) for v in leaves.values()))
    for conflict in result.conflicts:
        assert typed(conflict.kept) == typed(_leaves(result.parameters)[tuple(conflict.parameter.split("."))])
        assert len({frozenset(_keyset(v)) for v in conflict.values}) > 1


OPTION_FLAGS = {
    "tp-size": FlagFacts(type="int", minimum=1),
    "policy": FlagFacts(type="string", choices=("lpm", "fcfs")),
    "mem": FlagFacts(type="float", minimum=0, maximum=1, exclusive_minimum=True),
}


@PROPERTY_SETTINGS
@given(st.lists(SPACES, min_size=2, max_size=4), st.sampled_from([*STRATEGIES, "smart"]))
def test_a_conflicts_options_are_what_each_resolution_keeps(spaces, strategy):
    """The preview's options (computed in one pass) against each resolution asked one by one."""
    from autotuner.presets.merger import RESOLUTIONS, _Smart

    presets = [NamedSpace(chr(ord("A") + i), space) for i, space in enumerate(spaces)]
    result = merger.merge(presets, strategy, flags=OPTION_FLAGS, options=True)
    smart = _Smart(presets, canonical_strategy(strategy), OPTION_FLAGS)
    paths = {".".join(path): path for path in smart.leaves}
    for conflict in result.conflicts:
        if not conflict.options:
            continue
        path = paths[conflict.parameter]
        expected = {}
        for name in RESOLUTIONS:
            values = smart.values_for(path, name, explain=False)[0]
            kept = smart.filter(path, values)[0] if values is not None else None
            if kept:
                expected[name] = typed(kept)
        assert {name: typed(kept) for name, kept in conflict.options.items()} == expected


def _product(numbers) -> int:
    total = 1
    for n in numbers:
        total *= n
    return total


@PROPERTY_SETTINGS
@given(st.lists(SPACES, min_size=2, max_size=4))
def test_intersection_is_contained_in_every_input(spaces):
    result = merge(*spaces, strategy="intersection")
    inputs = [_leaves(space) for space in spaces]
    leaves = _leaves(result.parameters)
    for path, values in leaves.items():
        assert values
        for leaves_of_input in inputs:
            assert path in leaves_of_input
            assert _keyset(values) <= _keyset(leaves_of_input[path])
    # and it is exactly the common values of the parameters every input holds
    common_paths = set(inputs[0]).intersection(*inputs[1:])
    for path in common_paths:
        common = set.intersection(*(_keyset(i[path]) for i in inputs))
        if common:
            assert _keyset(leaves[path]) == common
        else:
            assert path not in leaves
    dropped = {c.parameter for c in result.conflicts if c.kept is None}
    every_input_path = set().union(*inputs)
    assert dropped == {".".join(p) for p in every_input_path - set(leaves)}
    assert result.combinations == (0 if not leaves else _product(len(v) for v in leaves.values()))


@PROPERTY_SETTINGS
@given(SPACES, st.sampled_from(STRATEGIES + tuple(ALIASES)))
def test_merging_one_preset_gives_back_its_parameters(space, strategy):
    result = merge(space, strategy=strategy)
    assert result.conflicts == []
    assert {p: _keyset(v) for p, v in iter_leaves(result.parameters)} == {p: _keyset(v) for p, v in iter_leaves(space)}
    if canonical_strategy(strategy) == "union":
        assert result.parameters == _sorted_space(space)
    else:
        assert typed_leaves(result.parameters) == typed_leaves(space)
        assert result.parameters == space


@PROPERTY_SETTINGS
@given(st.lists(SPACES, min_size=1, max_size=4))
def test_last_wins_takes_each_top_level_parameter_from_the_last_preset_holding_it(spaces):
    result = merge(*spaces, strategy="last_wins")
    expected: dict = {}
    for space in spaces:
        expected.update(space)
    assert result.parameters == expected
    assert {k: typed_leaves({k: v}) for k, v in result.parameters.items()} == {
        k: typed_leaves({k: v}) for k, v in expected.items()
    }


def _reference_deep_merge(spaces):
    out: dict = {}

    def into(target, space):
        for k, v in space.items():
            if isinstance(v, dict):
                if not isinstance(target.get(k), dict):
                    target[k] = {}
                into(target[k], v)
            else:
                target[k] = list(v)

    for space in spaces:
        into(out, space)
    return out


@PROPERTY_SETTINGS
@given(st.lists(SPACES, min_size=1, max_size=4), st.one_of(st.none(), SPACES))
def test_deep_merge_matches_a_plain_recursive_fold(spaces, overrides):
    result = merge(*spaces, strategy="deep_merge", overrides=overrides)
    expected = _reference_deep_merge(spaces + ([overrides] if overrides else []))
    assert typed_leaves(result.parameters) == typed_leaves(expected)
    assert result.parameters == expected


def test_a_conflict_sentence_is_written_when_read_and_an_assigned_one_replaces_it():
    presets = [NamedSpace("A", {"tp": [1, 2]}), NamedSpace("B", {"tp": [2, 4]})]
    conflict = PresetMerger().merge(presets, "last_wins").conflicts[0]
    expected = "'tp': A has [1, 2], B has [2, 4]; last_wins keeps B's [2, 4]."
    conflict.kept.append(8)  # the caller's copy, changed before the sentence is first read
    assert conflict.message == expected
    assert conflict.to_dict()["message"] == expected
    conflict.message = "decided"
    assert conflict.message == "decided" and conflict.to_dict()["message"] == "decided"
