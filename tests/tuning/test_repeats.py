"""The repeat plan: which configurations run again once the search is over."""

from __future__ import annotations

from autotuner.tuning.runner import RepeatPlan


def test_the_top_configurations_by_first_score_run_again_each_repeats_times():
    plan = RepeatPlan(repeats=2, top=2)
    for sequence, score in ((1, 5.0), (2, None), (3, 9.0), (4, 7.0), (5, 9.0)):
        plan.record_original(sequence, {"x": sequence}, score)
    assert plan.planned(5) == 4 and plan.planned(1) == 2
    # 3 and 5 tie at 9.0: the earlier first; a failed original (2) never repeats.
    assert [plan.next(s) for s in range(6, 11)] == [(3, {"x": 3}), (3, {"x": 3}), (5, {"x": 5}), (5, {"x": 5}), None]
    assert plan.of == {6: 3, 7: 3, 8: 5, 9: 5}


def test_a_resumed_plan_runs_only_the_repeats_still_missing():
    plan = RepeatPlan(repeats=2, top=1)
    plan.record_original(1, {"x": 1}, 3.0)
    plan.record_repeat(2, 1)  # replayed from the database
    assert plan.next(3) == (1, {"x": 1}) and plan.next(4) is None


def test_no_repeats_when_off_or_when_nothing_succeeded():
    off = RepeatPlan.of_task({"optimization": {"repeats": 0}})
    off.record_original(1, {}, 1.0)
    assert off.next(2) is None and off.planned(10) == 0
    none = RepeatPlan(repeats=2)
    none.record_original(1, {}, None)
    assert none.next(2) is None
    assert RepeatPlan.of_task({"optimization": {"repeats": 3, "repeat_top": 4}}) == RepeatPlan(3, 4)
