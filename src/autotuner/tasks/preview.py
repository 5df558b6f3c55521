"""The merge preview of the New Task page: presets merged (any strategy, resolutions), then the
engine catalog's combination rules applied to the merged space, with what they remove (count and
reason), before a task is created.

It lives here, above both the preset service and the tuning engine, because it needs both."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from autotuner.core.actors import Actor
from autotuner.presets import service as presets_service
from autotuner.presets.schemas import MergeRequest, MergeResponse, MergeSpaceRead, RuleRemovalRead
from autotuner.runtimes.loading import get_catalog
from autotuner.tuning.space import SpaceReport, analyze_space


def _messages(report: SpaceReport, runtime: str, parameters: dict[str, Any], gpus: int | None) -> list[str]:
    rules = {rule.id: rule for rule in get_catalog(runtime).rules}
    messages = []
    for effect in report.removed_by_rule:
        rule = rules.get(effect.rule)
        if not effect.applies:
            if (
                rule is not None
                and gpus is None
                and "gpus" in rule.contexts
                and any(f in parameters for f in rule.flags)
            ):
                messages.append(
                    f"Rule '{effect.rule}' was not checked, because it needs the number of GPUs: give 'gpus' to check it."
                )
            continue
        if effect.removed is None:
            messages.append(f"Rule '{effect.rule}' applies, but the space is too large to count what it removes.")
        elif effect.removed:
            messages.append(
                f"Rule '{effect.rule}' removes {effect.removed} of {report.total} combinations: {effect.description}"
            )
    return messages


def merge_preview(
    session: Session, data: MergeRequest, actor: Actor, source: presets_service.MergeSource | None = None
) -> MergeResponse:
    """``POST /api/presets/merge``: the merge, and the combination rules over its result when the
    engine is known (asked for, or the presets' own). ``source``: where the presets are found
    (default: the database)."""
    result, presets = presets_service.merge_presets(
        session,
        data.preset_ids,
        data.merge_strategy,
        data.overrides,
        actor=actor,
        resolutions=data.resolutions,
        runtime=data.runtime,
        options=True,
        source=source,
    )
    response = presets_service.merge_report(result, presets)
    if result.runtime is not None and result.parameters:
        report = analyze_space(result.parameters, result.runtime, gpus=data.gpus, limit=0)
        response.space = MergeSpaceRead(
            runtime=result.runtime,
            gpus=data.gpus,
            total=report.total,
            valid=report.valid,
            truncated=report.truncated,
            removed_by_rule=[
                RuleRemovalRead(rule=e.rule, description=e.description, removed=e.removed, applies=e.applies)
                for e in report.removed_by_rule
            ],
            messages=_messages(report, result.runtime, result.parameters, data.gpus),
        )
    return response
