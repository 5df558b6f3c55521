"""Smart merge and per-parameter resolutions: each rule of the merge engine on plain data, then
through the API with the engine catalog (facts, combination rules in the preview) and tasks."""

from __future__ import annotations

import pytest
from support.factories import assert_error, create_task

from autotuner.core.errors import ValidationFailed
from autotuner.presets.merger import FlagFacts, NamedSpace, PresetMerger

FLAGS = {
    "tp-size": FlagFacts("int", minimum=1, allowed="an integer >= 1"),
    "mem-fraction-static": FlagFacts(
        "float", minimum=0, maximum=1, exclusive_minimum=True, allowed="a number in (0, 1]"
    ),
    "schedule-policy": FlagFacts("string", choices=("lpm", "fcfs", "random"), allowed="one of lpm, fcfs, random"),
    "enable-mixed-chunk": FlagFacts("bool", allowed="true or false"),
}


def smart(*spaces, resolutions=None, strategy="smart", flags=FLAGS, options=True):
    presets = [NamedSpace(chr(ord("A") + i), space) for i, space in enumerate(spaces)]
    return PresetMerger().merge(presets, strategy, resolutions=resolutions, flags=flags, options=options)


def conflict(result, parameter):
    return next(c for c in result.conflicts if c.parameter == parameter)


def decisions(result, parameter):
    return [d for d in result.decisions if d.parameter == parameter]


# --- the rules of smart -------------------------------------------------------------------------


def test_a_boolean_takes_the_last_presets_value():
    result = smart({"enable-mixed-chunk": [True]}, {"enable-mixed-chunk": [False]})
    assert result.parameters == {"enable-mixed-chunk": [False]}
    found = conflict(result, "enable-mixed-chunk")
    assert found.proposed == "last" and found.kept == [False]
    assert found.message == (
        "'enable-mixed-chunk': A has [true], B has [false]; it is a boolean flag, whose values exclude each other: "
        "smart keeps the last preset's (B) [false]."
    )
    assert [d.rule for d in decisions(result, "enable-mixed-chunk")] == ["last"]


def test_a_choice_used_as_a_mode_takes_the_last_presets_value():
    result = smart({"schedule-policy": ["lpm"]}, {"schedule-policy": ["fcfs", "random"]})
    assert result.parameters == {"schedule-policy": ["fcfs", "random"]}
    assert "a choice (one of lpm, fcfs, random) used as a mode" in conflict(result, "schedule-policy").message


def test_numeric_flags_are_unioned():
    result = smart({"tp-size": [4, 1]}, {"tp-size": [2]})
    assert result.parameters == {"tp-size": [1, 2, 4]}
    assert conflict(result, "tp-size").proposed == "union"
    assert decisions(result, "tp-size")[0].message == (
        "'tp-size' is a numeric flag, whose values are a list to explore: smart unions them to [1, 2, 4]."
    )


def test_values_outside_the_range_are_dropped_and_the_drop_is_explained():
    result = smart({"mem-fraction-static": [0.8, 1.5]}, {"mem-fraction-static": [0, 0.9]})
    assert result.parameters == {"mem-fraction-static": [0.8, 0.9]}
    [dropped] = [d for d in decisions(result, "mem-fraction-static") if d.rule == "range"]
    assert dropped.dropped == [0, 1.5] and dropped.kept == [0.8, 0.9]
    assert dropped.message == (
        "'mem-fraction-static': smart drops 0, 1.5, outside what the catalog allows (a number in (0, 1]); "
        "it keeps [0.8, 0.9]."
    )
    assert conflict(result, "mem-fraction-static").message.endswith(
        "smart unions them to [0, 0.8, 0.9, 1.5], then drops 0, 1.5 (the catalog allows a number in (0, 1])."
    )


def test_a_single_preset_out_of_range_is_filtered_too():
    result = smart({"mem-fraction-static": [0.5, 2], "tp-size": [0, 1]})
    assert result.parameters == {"mem-fraction-static": [0.5], "tp-size": [1]}
    assert {c.parameter for c in result.conflicts} == {"mem-fraction-static", "tp-size"}


def test_a_parameter_with_no_value_in_range_is_left_out_and_says_so():
    result = smart({"mem-fraction-static": [1.5], "tp-size": [1]}, {"mem-fraction-static": [2.0]})
    assert result.parameters == {"tp-size": [1]}
    found = conflict(result, "mem-fraction-static")
    assert found.kept is None and found.proposed is None
    [left_out] = [d for d in result.decisions if d.rule == "left_out"]
    assert left_out.message == (
        "'mem-fraction-static': every value (1.5, 2.0) is outside what the catalog allows (a number in (0, 1]), "
        "so smart leaves the parameter out and the engine's default applies."
    )


def test_flags_the_catalog_does_not_know_are_judged_by_their_values():
    result = smart(
        {"n": [1], "on": [True], "mode": ["a"], "g": {"k": [1.5]}},
        {"n": [3], "on": [False], "mode": ["b"], "g": {"k": [2.5]}},
        flags={},
    )
    assert result.parameters == {"n": [1, 3], "on": [False], "mode": ["b"], "g": {"k": [1.5, 2.5]}}
    assert "not in the catalog, and its values are numbers" in conflict(result, "n").message
    assert "not in the catalog, and its values are booleans" in conflict(result, "on").message
    assert "not in the catalog, and its values are strings, taken as a mode" in conflict(result, "mode").message


def test_a_group_and_an_array_meet_as_in_deep_merge():
    result = smart({"spec": {"steps": [3]}}, {"spec": [1]}, flags={})
    assert result.parameters == {"spec": [1]}
    assert conflict(result, "spec.steps").kept is None
    assert "smart drops it because B gives 'spec' as an array" in conflict(result, "spec.steps").message


# --- resolutions -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("resolution", "kept"),
    [
        ("union", [1, 2, 4, 8]),
        ("intersection", [2]),
        ("first", [1, 2]),
        ("last", [2, 4, 8]),
        ("min", [1]),
        ("max", [8]),
        ([16, 2], [16, 2]),
    ],
)
def test_each_resolution_on_top_of_any_strategy(resolution, kept):
    for strategy in ("union", "intersection", "last_wins", "deep_merge", "smart"):
        result = smart(
            {"tp-size": [1, 2]}, {"tp-size": [2, 4, 8]}, resolutions={"tp-size": resolution}, strategy=strategy
        )
        assert result.parameters["tp-size"] == kept, strategy
        found = conflict(result, "tp-size")
        assert found.resolution == resolution and found.kept == kept
        assert [d.rule for d in decisions(result, "tp-size")] == ["resolution"]


def test_intersection_with_nothing_in_common_falls_back_to_the_nearest_values():
    result = smart({"tp-size": [1, 2]}, {"tp-size": [4, 8]}, resolutions={"tp-size": "intersection"})
    assert result.parameters == {"tp-size": [2, 4]}
    [decision] = decisions(result, "tp-size")
    assert decision.rule == "nearest"
    assert decision.message == (
        "'tp-size': [1, 2] and [4, 8] have no value in common, so intersection falls back to the nearest values "
        "[2, 4] (each within 2 of every preset's values)."
    )
    strings = smart(
        {"schedule-policy": ["lpm"]}, {"schedule-policy": ["fcfs"]}, resolutions={"schedule-policy": "intersection"}
    )
    assert strings.parameters == {"schedule-policy": ["fcfs"]}
    assert 'falls back to the last preset\'s (B) ["fcfs"]' in decisions(strings, "schedule-policy")[0].message


def test_a_resolution_can_bring_back_what_intersection_left_out():
    result = smart({"a": [1], "b": [1]}, {"a": [1]}, strategy="intersection", resolutions={"b": "union"}, flags={})
    assert result.parameters == {"a": [1], "b": [1]}
    assert conflict(result, "b").resolution == "union"


def test_smart_still_filters_what_a_named_resolution_keeps():
    result = smart(
        {"mem-fraction-static": [0.5]}, {"mem-fraction-static": [1.5]}, resolutions={"mem-fraction-static": "max"}
    )
    assert result.parameters == {}
    assert conflict(result, "mem-fraction-static").kept is None


def test_proposals_and_options_for_every_conflict():
    result = smart({"tp-size": [1, 2], "schedule-policy": ["lpm"]}, {"tp-size": [4], "schedule-policy": ["fcfs"]})
    tp = conflict(result, "tp-size")
    assert tp.proposed == "union"
    assert tp.options == {
        "union": [1, 2, 4],
        "intersection": [2, 4],
        "first": [1, 2],
        "last": [4],
        "min": [1],
        "max": [4],
    }
    policy = conflict(result, "schedule-policy")
    assert policy.proposed == "last" and "min" not in policy.options
    # Options are computed when asked for (the preview), not for every merge.
    assert conflict(smart({"tp-size": [1]}, {"tp-size": [2]}, options=False), "tp-size").options == {}
    plain = smart({"tp-size": [1]}, {"tp-size": [2]}, strategy="last_wins")
    assert conflict(plain, "tp-size").proposed == "last"
    assert conflict(smart({"tp-size": [1]}, {"tp-size": [2]}, strategy="union"), "tp-size").proposed == "union"


@pytest.mark.parametrize(
    ("resolutions", "sentence"),
    [
        ({"nope": "last"}, "Cannot resolve 'nope': no selected preset holds it"),
        ({"tp-size": "median"}, "Invalid resolution \"median\" for 'tp-size': use one of union, intersection"),
        ({"schedule-policy": "min"}, "Cannot resolve 'schedule-policy' with 'min': its values are not all numbers"),
        ({"tp-size": []}, "Invalid resolution for 'tp-size': parameter 'tp-size' has an empty array"),
        ({"tp-size": [None]}, "Invalid resolution for 'tp-size': parameter 'tp-size' holds null"),
    ],
)
def test_resolutions_that_cannot_apply_are_sentences(resolutions, sentence):
    with pytest.raises(ValidationFailed) as info:
        smart(
            {"tp-size": [1], "schedule-policy": ["lpm"]},
            {"tp-size": [2], "schedule-policy": ["fcfs"]},
            resolutions=resolutions,
        )
    assert info.value.message.startswith(sentence), info.value.message


def test_a_resolution_under_an_array_is_refused():
    with pytest.raises(ValidationFailed, match="the merged space holds 'spec' as an array, not a group"):
        smart({"spec": {"steps": [3]}}, {"spec": [1]}, resolutions={"spec.steps": "first"}, flags={})


# --- through the API ----------------------------------------------------------------------------------


def merge(client, **body):
    response = client.post("/api/presets/merge", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def test_smart_merge_reads_the_presets_catalog(client):
    client.post(
        "/api/presets/", json={"name": "Wide", "parameters": {"mem-fraction-static": [0.5, 1.5], "tp-size": [8]}}
    )
    body = merge(client, preset_ids=["high-throughput", "wide"], merge_strategy="smart", runtime="sglang")
    assert body["runtime"] == "sglang" and body["merge_strategy"] == "smart"
    assert body["parameters"] == {"tp-size": [2, 4, 8], "mem-fraction-static": [0.5, 0.9]}
    [dropped] = [d for d in body["decisions"] if d["rule"] == "range"]
    assert dropped["dropped"] == [1.5] and "a number in (0, 1]" in dropped["message"]
    # Without a runtime and with presets for no engine, smart judges by the values.
    plain = merge(client, preset_ids=["wide"], merge_strategy="smart")
    assert plain["runtime"] is None and plain["parameters"]["mem-fraction-static"] == [0.5, 1.5]
    assert plain["space"] is None


def test_the_preview_reports_what_the_combination_rules_remove(client):
    body = merge(client, preset_ids=["high-throughput", "memory-efficient"], gpus=2)
    space = body["space"]
    assert (space["runtime"], space["gpus"], space["total"], space["valid"]) == ("sglang", 2, 9, 6)
    gpu_rule = next(r for r in space["removed_by_rule"] if r["rule"] == "sglang-gpu-count")
    assert gpu_rule["removed"] == 3 and gpu_rule["applies"] is True
    assert space["messages"] == [
        "Rule 'sglang-gpu-count' removes 3 of 9 combinations: tp-size x dp-size x pp-size must not exceed the GPUs "
        "the task may use."
    ]
    without_gpus = merge(client, preset_ids=["high-throughput", "memory-efficient"])["space"]
    assert without_gpus["valid"] == 9
    assert without_gpus["messages"] == [
        "Rule 'sglang-gpu-count' was not checked, because it needs the number of GPUs: give 'gpus' to check it."
    ]


def test_resolutions_through_the_api(client):
    body = merge(
        client,
        preset_ids=["high-throughput", "memory-efficient"],
        merge_strategy="smart",
        resolutions={"tp-size": "intersection", "mem-fraction-static": [0.8]},
    )
    assert body["parameters"] == {"tp-size": [1, 2], "mem-fraction-static": [0.8]}
    tp = next(c for c in body["conflicts"] if c["parameter"] == "tp-size")
    assert tp["resolution"] == "intersection" and tp["proposed"] == "union" and tp["options"]["last"] == [1]
    assert_error(
        client.post("/api/presets/merge", json={"preset_ids": ["balanced"], "resolutions": {"tp-size": "sometimes"}}),
        422,
        "Invalid resolution \"sometimes\" for 'tp-size'",
    )
    assert_error(
        client.post("/api/presets/merge", json={"preset_ids": ["balanced"], "resolutions": {"tp-size": 3}}),
        422,
        "Invalid field 'resolutions.tp-size",
    )


def test_a_task_built_with_smart_merge_and_resolutions_records_them(client):
    task = create_task(
        client,
        gpus=4,
        presets={
            "ids": ["high-throughput", "memory-efficient"],
            "merge_strategy": "smart",
            "resolutions": {"mem-fraction-static": "max"},
        },
    )
    assert task["parameters"] == {"tp-size": [1, 2, 4], "mem-fraction-static": [0.9]}
    provenance = task["provenance"]
    assert provenance["merge_strategy"] == "smart"
    assert provenance["resolutions"] == {"mem-fraction-static": "max"}
    assert [d["rule"] for d in provenance["decisions"]] == ["union", "resolution"]
    assert [p["version"] for p in provenance["presets"]] == [1, 1]
