"""A preset's history: its versions (newest first), one version, the difference between two, and
restoring one (a new version equal to it: history is never rewritten).

Reading the history is reading the preset; restoring is editing it (the same access checks)."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from autotuner.core.actors import Actor
from autotuner.core.errors import NotFound, ValidationFailed
from autotuner.db import audit
from autotuner.db.models import ParameterPreset, PresetVersion
from autotuner.presets import service, versioning
from autotuner.presets.merger import space_diff
from autotuner.presets.schemas import (
    PresetVersionDiff,
    PresetVersionPage,
    PresetVersionRead,
    PresetVersionSummary,
)

MAX_PAGE = 200


def list_versions(
    session: Session, ref: int | str, actor: Actor, *, offset: int = 0, limit: int = 50
) -> PresetVersionPage:
    preset = service.get_preset(session, ref, actor)
    total = session.scalar(select(func.count()).where(PresetVersion.preset_id == preset.id)) or 0
    rows = session.scalars(
        select(PresetVersion)
        .where(PresetVersion.preset_id == preset.id)
        .order_by(PresetVersion.number.desc())
        .offset(offset)
        .limit(min(limit, MAX_PAGE))
    )
    return PresetVersionPage(
        preset_id=preset.id,
        current_version=preset.version,
        total=total,
        offset=offset,
        limit=limit,
        versions=[PresetVersionSummary.model_validate(v) for v in rows],
    )


def _version(session: Session, preset: ParameterPreset, number: int) -> PresetVersion:
    found = session.scalar(
        select(PresetVersion).where(PresetVersion.preset_id == preset.id, PresetVersion.number == number)
    )
    if found is None:
        raise NotFound(f"Version not found: preset '{preset.name}' has versions 1 to {preset.version}, not {number}.")
    return found


def read_version(preset: ParameterPreset, version: PresetVersion) -> PresetVersionRead:
    return PresetVersionRead.model_validate(version).model_copy(update={"is_current": version.number == preset.version})


def get_version(session: Session, ref: int | str, number: int, actor: Actor) -> PresetVersionRead:
    preset = service.get_preset(session, ref, actor)
    return read_version(preset, _version(session, preset, number))


def diff_versions(session: Session, ref: int | str, a: int, b: int, actor: Actor) -> PresetVersionDiff:
    """What changed from version ``a`` to version ``b`` of a preset."""
    preset = service.get_preset(session, ref, actor)
    before = versioning.version_snapshot(_version(session, preset, a))
    after = versioning.version_snapshot(_version(session, preset, b))
    return PresetVersionDiff.model_validate(
        {
            "preset_id": preset.id,
            "from_version": a,
            "to_version": b,
            "fields": versioning.field_changes(before, after),
            "parameters": space_diff(before["parameters"], after["parameters"]),
            "effective_parameters": space_diff(before["effective_parameters"], after["effective_parameters"]),
            "summary": versioning.describe_change(before, after)
            if a != b
            else f"Version {a} compared with itself: no change.",
        }
    )


def restore_version(
    session: Session,
    ref: int | str,
    number: int,
    actor: Actor,
    *,
    note: str | None = None,
    expected: Collection[int] | None = None,
) -> service.SavedPreset:
    """Make version ``number`` the content of the preset again, as a new version (its name, fields,
    own parameters and bases; the presets extending it are refreshed)."""
    versioning.lock_presets(session)
    preset = service.get_preset(session, ref, actor)
    service.check_may_edit(actor, preset)
    versioning.check_expected(session, preset, expected)
    old = _version(session, preset, number)
    before = versioning.snapshot(preset)
    if old.name != preset.name:
        service.check_name_free(session, old.name, exclude_id=preset.id)
        preset.name = old.name
        preset.slug = service.unique_slug(session, old.name, exclude_id=preset.id)
    preset.description = old.description
    preset.category = old.category
    preset.runtime = old.runtime
    preset.parameters = old.parameters
    preset.meta = old.meta
    warnings = service.check_against_catalog(preset.runtime, preset.parameters)
    gone = [r["name"] for r in old.extends if session.get(ParameterPreset, r["id"]) is None]
    if gone:
        raise ValidationFailed(
            f"Cannot restore version {number} of '{preset.name}': it extends {', '.join(repr(g) for g in gone)}, "
            "which no longer exists; restore another version, or edit the preset instead."
        )
    bases = versioning.resolve_bases(session, [r["id"] for r in old.extends], actor, service.readable)
    versioning.check_bases(session, preset, preset.name, bases)
    versioning.set_bases(session, preset, bases)
    service.flush_name(session, preset)
    versioning.refresh_effective(preset)
    after = versioning.snapshot(preset)
    versioning.next_version(
        session,
        preset,
        actor.name,
        "restored",
        f"Restored version {number}. {versioning.describe_change(before, after)}",
        note,
    )
    versioning.propagate(session, preset, actor.name)
    audit.record(
        session, actor, "preset.restore", "preset", preset.id, f"Restored preset '{preset.name}' to version {number}"
    )
    return service.SavedPreset(preset, warnings)
