"""The preset service: CRUD, lookup by id or slug, merge, import and export.

Functions take a ``Session`` and raise domain errors from ``autotuner.core.errors``; the caller owns
the transaction (``session_scope`` commits on success and rolls back on any error, so a refused
request writes nothing).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from autotuner.core.actors import Actor
from autotuner.core.enums import Visibility
from autotuner.core.errors import (
    Forbidden,
    ImportValidationFailed,
    InvalidParameters,
    NameConflict,
    PresetNotFound,
    SystemPresetProtected,
    ValidationFailed,
)
from autotuner.core.ids import as_id, storable_id
from autotuner.core.parameters import ParameterProblem, ParameterSpace, normalize_parameters
from autotuner.core.text import reject_unstorable
from autotuner.db import audit
from autotuner.db.base import utcnow
from autotuner.db.lookup import get_by_ref
from autotuner.db.models import ParameterPreset, PresetShare, Team
from autotuner.db.session import begin_write, flush_unique
from autotuner.presets.merger import MergeResult, NamedSpace, PresetMerger
from autotuner.presets.schemas import (
    EXPORT_VERSION,
    ConflictRead,
    MergeResponse,
    OnConflict,
    PresetCreate,
    PresetExport,
    PresetExportBody,
    PresetSaved,
    PresetUpdate,
    Sharing,
)
from autotuner.runtimes.checking import check_parameters

_merger = PresetMerger()


# --- helpers -----------------------------------------------------------------------------


def slugify(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:200] or "preset"
    # An all-digit slug would read as an id.
    return f"preset-{slug}" if slug.isdigit() else slug


def _unique_slug(session: Session, name: str, *, exclude_id: int | None = None) -> str:
    base = slugify(name)
    taken = set(
        session.scalars(
            select(ParameterPreset.slug).where((ParameterPreset.slug == base) | ParameterPreset.slug.like(f"{base}-%"))
        )
    )
    if exclude_id is not None:
        own = session.get(ParameterPreset, exclude_id)
        if own is not None:
            taken.discard(own.slug)
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def normalize_space(
    parameters: Any, error: type[ValidationFailed] = InvalidParameters, prefix: str = "Invalid parameters"
) -> ParameterSpace:
    """Validate and normalise a parameter space, raising ``error`` with one sentence."""
    reject_unstorable(parameters, prefix, error)
    try:
        return normalize_parameters(parameters)
    except ParameterProblem as problem:
        raise error(f"{prefix}: {problem}.", errors=[{"loc": ["body", "parameters"], "msg": str(problem)}]) from None


def _name_taken_message(name: str) -> str:
    return f"A preset named '{name}' already exists: choose another name or edit that preset."


def _check_name_free(session: Session, name: str, *, exclude_id: int | None = None) -> None:
    query = select(ParameterPreset.id).where(ParameterPreset.name == name)
    if exclude_id is not None:
        query = query.where(ParameterPreset.id != exclude_id)
    if session.scalar(query) is not None:
        raise NameConflict(_name_taken_message(name))


def check_against_catalog(runtime: str | None, parameters: dict[str, Any]) -> list[str]:
    """Check ``parameters`` against the engine catalog of ``runtime``: a wrong type or a value
    out of range raises a 422; flags the catalog does not know come back as warnings."""
    report = check_parameters(runtime, parameters)
    if report.errors:
        raise InvalidParameters(
            f"Invalid parameters: {report.errors[0]}",
            errors=[{"loc": ["body", "parameters"], "msg": e} for e in report.errors],
        )
    return list(report.warnings)


@dataclass(frozen=True)
class SavedPreset:
    """A created or updated preset and the catalog's warnings about its flags."""

    preset: ParameterPreset
    warnings: list[str]

    def read(self) -> PresetSaved:
        return PresetSaved.model_validate(self.preset).model_copy(update={"warnings": self.warnings})


# --- reading -----------------------------------------------------------------------------


def readable(actor: Actor, preset: ParameterPreset) -> bool:
    return actor.may_read(preset.owner_id, preset.visibility, preset.team_ids)


def get_preset(session: Session, ref: int | str, actor: Actor) -> ParameterPreset:
    """A preset ``actor`` may read, by numeric id or slug (``high-throughput``); one it may not
    read is not found, like one that does not exist."""
    return get_by_ref(
        session,
        ParameterPreset,
        ref,
        noun="preset",
        error=PresetNotFound,
        slug=ParameterPreset.slug,
        visible=lambda preset: readable(actor, preset),
    )


def _owner_text(preset: ParameterPreset) -> str:
    return f"it belongs to {preset.owner_name}" if preset.owner_name else "it belongs to the instance"


def _check_may_edit(actor: Actor, preset: ParameterPreset) -> None:
    _protect(preset, "modify")
    if not actor.may_edit(preset.owner_id, preset.visibility, preset.team_ids):
        raise Forbidden(
            f"You can read preset '{preset.name}' but not change it ({_owner_text(preset)}): "
            "duplicate it to make a copy of your own."
        )


def _check_owns(actor: Actor, preset: ParameterPreset, action: str) -> None:
    _protect(preset, action)
    if not actor.owns(preset.owner_id):
        raise Forbidden(
            f"Only the owner of preset '{preset.name}' or an admin can {action} it ({_owner_text(preset)})."
        )


def list_presets(
    session: Session,
    actor: Actor | None = None,
    *,
    category: str | None = None,
    is_system: bool | None = None,
    runtime: str | None = None,
    q: str | None = None,
) -> list[ParameterPreset]:
    query = select(ParameterPreset)
    if category:
        query = query.where(ParameterPreset.category == category)
    if is_system is not None:
        query = query.where(ParameterPreset.is_system == is_system)
    if runtime:
        query = query.where(ParameterPreset.runtime == runtime)
    query = query.order_by(ParameterPreset.is_system.desc(), func.lower(ParameterPreset.name), ParameterPreset.id)
    presets = list(session.scalars(query))
    if actor is not None:
        presets = [p for p in presets if readable(actor, p)]
    if q and q.strip():
        needle = q.strip().lower()
        presets = [p for p in presets if needle in search_text(p)]
    return presets


def search_text(preset: ParameterPreset) -> str:
    tags = (preset.meta or {}).get("tags") or []
    parts = [preset.name, preset.description or "", *[str(t) for t in tags if isinstance(t, (str, int, float))]]
    return "\n".join(parts).lower()


# --- writing -----------------------------------------------------------------------------


def _metadata_dict(metadata: Any) -> dict[str, Any] | None:
    if metadata is None:
        return None
    data = metadata.model_dump(exclude_none=True) if hasattr(metadata, "model_dump") else dict(metadata)
    reject_unstorable(data, "Invalid metadata")
    return data


def create_preset(session: Session, data: PresetCreate, actor: Actor, *, is_system: bool = False) -> SavedPreset:
    """A new preset owned by ``actor`` (system presets are owned by nobody and public)."""
    begin_write(session)
    reject_unstorable({"name": data.name, "description": data.description, "category": data.category}, "Invalid preset")
    parameters = normalize_space(data.parameters)
    warnings = check_against_catalog(data.runtime, parameters)
    _check_name_free(session, data.name)
    preset = ParameterPreset(
        name=data.name,
        slug=_unique_slug(session, data.name),
        description=data.description,
        category=data.category,
        runtime=data.runtime,
        is_system=is_system,
        parameters=parameters,
        meta=_metadata_dict(data.metadata),
        owner_id=None if is_system else actor.user_id,
        visibility=Visibility.public if is_system else Visibility.private,
    )
    session.add(preset)
    flush_unique(session, _name_taken_message(data.name))
    if not is_system:
        audit.record(session, actor, "preset.create", "preset", preset.id, f"Created preset '{preset.name}'")
    return SavedPreset(preset, warnings)


def _protect(preset: ParameterPreset, action: str) -> None:
    if preset.is_system:
        if action == "delete":
            raise SystemPresetProtected(f"Cannot delete system preset '{preset.name}': create a custom preset instead.")
        raise SystemPresetProtected(
            f"Cannot modify system preset '{preset.name}': system presets are read-only; "
            "duplicate it as a custom preset and edit that instead."
        )


def update_preset(session: Session, ref: int | str, data: PresetUpdate, actor: Actor) -> SavedPreset:
    begin_write(session)
    preset = get_preset(session, ref, actor)
    _check_may_edit(actor, preset)
    fields = data.model_fields_set
    for required in ("name", "parameters"):
        if required in fields and getattr(data, required) is None:
            raise ValidationFailed(
                f"'{required}' cannot be cleared: every preset needs a {required}.",
                errors=[{"loc": ["body", required], "msg": "must not be null"}],
            )
    reject_unstorable(
        {k: getattr(data, k) for k in ("name", "description", "category") if k in fields}, "Invalid preset"
    )
    if "parameters" in fields:
        preset.parameters = normalize_space(data.parameters)
    if "name" in fields and data.name != preset.name:
        assert data.name is not None  # a null name was refused above
        _check_name_free(session, data.name, exclude_id=preset.id)
        preset.name = data.name
        preset.slug = _unique_slug(session, data.name, exclude_id=preset.id)
    for key in ("description", "category", "runtime"):
        if key in fields:
            setattr(preset, key, getattr(data, key))
    if "metadata" in fields:
        preset.meta = _metadata_dict(data.metadata)
    warnings = check_against_catalog(preset.runtime, preset.parameters)
    flush_unique(session, _name_taken_message(preset.name))
    audit.record(
        session,
        actor,
        "preset.update",
        "preset",
        preset.id,
        f"Updated preset '{preset.name}' ({', '.join(sorted(fields))})",
    )
    return SavedPreset(preset, warnings)


def delete_preset(session: Session, ref: int | str, actor: Actor) -> None:
    begin_write(session)
    preset = get_preset(session, ref, actor)
    _check_owns(actor, preset, "delete")
    audit.record(session, actor, "preset.delete", "preset", preset.id, f"Deleted preset '{preset.name}'")
    session.delete(preset)
    session.flush()


def check_sharing(session: Session, sharing: Sharing, actor: Actor) -> list[int]:
    """The team ids of a sharing request, checked: they exist, and a non-admin belongs to them."""
    team_ids = sorted(set(sharing.team_ids))
    if sharing.visibility == Visibility.teams and not team_ids:
        raise ValidationFailed(
            "Sharing with teams needs at least one team: give 'team_ids', or choose private or public."
        )
    if sharing.visibility != Visibility.teams and team_ids:
        raise ValidationFailed(
            f"'team_ids' applies to visibility 'teams' only, not '{sharing.visibility}': leave it empty."
        )
    known = set(session.scalars(select(Team.id).where(Team.id.in_(team_ids)))) if team_ids else set()
    missing = [t for t in team_ids if t not in known]
    if missing:
        raise ValidationFailed(f"No team with id {', '.join(map(str, missing))}: share with teams that exist.")
    foreign = [t for t in team_ids if not actor.is_admin and t not in actor.team_roles]
    if foreign:
        raise Forbidden(f"You are not a member of team {', '.join(map(str, foreign))}: share only with your own teams.")
    return team_ids


def share_preset(session: Session, ref: int | str, sharing: Sharing, actor: Actor) -> ParameterPreset:
    """Set who may see a preset: private, the given teams, or everyone (its owner or an admin)."""
    begin_write(session)
    preset = get_preset(session, ref, actor)
    _check_owns(actor, preset, "share")
    team_ids = check_sharing(session, sharing, actor)
    preset.visibility = sharing.visibility
    preset.shares = [PresetShare(team_id=t) for t in team_ids]
    preset.updated_at = utcnow()  # the list cache sees the change
    session.flush()
    shown = f"teams {team_ids}" if team_ids else str(sharing.visibility)
    audit.record(session, actor, "preset.share", "preset", preset.id, f"Shared preset '{preset.name}': {shown}")
    return preset


def duplicate_preset(session: Session, ref: int | str, actor: Actor, name: str | None = None) -> SavedPreset:
    """A private copy, owned by ``actor``, of a preset it may read (system presets included)."""
    begin_write(session)
    source = get_preset(session, ref, actor)
    new_name = name if name is not None else _free_name(session, f"{source.name} (copy)", set(), first=True)
    data = PresetCreate.model_validate(
        {
            "name": new_name,
            "description": source.description,
            "category": source.category,
            "runtime": source.runtime,
            "parameters": source.parameters,
            "metadata": source.meta,
        }
    )
    return create_preset(session, data, actor)


# --- merge -------------------------------------------------------------------------------


def merge_presets(
    session: Session,
    refs: Sequence[int | str],
    strategy: str = "union",
    overrides: dict[str, Any] | None = None,
    *,
    actor: Actor,
) -> tuple[MergeResult, list[ParameterPreset]]:
    """Merge the presets ``refs`` (ids or slugs) in the order given, then apply ``overrides``."""
    keys = [str(r).strip() for r in refs]
    repeated = sorted(k for k, n in Counter(keys).items() if n > 1)
    if repeated:
        raise ValidationFailed(
            f"Preset {', '.join(repeated)} is listed more than once: list each preset once, in the order to merge."
        )
    ids = {i for i in map(as_id, keys) if i is not None and storable_id(i)}
    slugs = {k for k in keys if as_id(k) is None}
    found = (
        list(
            session.scalars(
                select(ParameterPreset).where(or_(ParameterPreset.id.in_(ids), ParameterPreset.slug.in_(slugs)))
            )
        )
        if ids or slugs
        else []
    )
    by_id = {p.id: p for p in found}
    by_slug = {p.slug: p for p in found}
    looked_up = [by_slug.get(k) if (i := as_id(k)) is None else by_id.get(i) for k in keys]
    looked_up = [p if p is not None and readable(actor, p) else None for p in looked_up]
    missing = [k for k, p in zip(keys, looked_up, strict=False) if p is None]
    presets = [p for p in looked_up if p is not None]
    if missing:
        plural = "s" if len(missing) > 1 else ""
        raise PresetNotFound(f"Preset not found: no preset with id{plural} {', '.join(missing)}.")
    if len({p.id for p in presets}) != len(presets):
        raise ValidationFailed("The same preset is listed twice (by id and by slug): list each preset once.")
    normalized_overrides = normalize_space(overrides, prefix="Invalid overrides") if overrides else None
    result = _merger.merge([NamedSpace(p.name, p.parameters) for p in presets], strategy, normalized_overrides)
    return result, presets


def merge_report(result: MergeResult, presets: list[ParameterPreset]) -> MergeResponse:
    """The answer to a merge, for the API and the CLI alike."""
    return MergeResponse(
        parameters=result.parameters,
        applied_presets=[p.name for p in presets],
        merge_strategy=result.strategy,
        conflicts=[ConflictRead(**c.to_dict()) for c in result.conflicts],
        combinations=result.combinations,
    )


# --- export and import ---------------------------------------------------------------------


def export_preset(preset: ParameterPreset) -> PresetExport:
    return PresetExport(
        version=EXPORT_VERSION,
        preset=PresetExportBody(
            name=preset.name,
            description=preset.description,
            category=preset.category,
            runtime=preset.runtime,
            parameters=preset.parameters,
            metadata=preset.meta,
        ),
    )


def _import_problem(message: str) -> ImportValidationFailed:
    return ImportValidationFailed(f"Import validation failed: {message}.")


def parse_import_file(raw: bytes) -> list[PresetCreate]:
    """Validate an import file and return its presets; the first problem raises a 422."""
    try:
        document = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise _import_problem("the file is not UTF-8 text; export a preset to see the expected format") from None
    except json.JSONDecodeError as exc:
        raise _import_problem(
            f"the file is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
        ) from None
    if not isinstance(document, dict):
        raise _import_problem('the file must hold a JSON object like {"version": "1.0", "preset": {...}}')
    if "version" not in document:
        raise _import_problem('the file has no "version" field; add "version": "1.0"')
    if str(document["version"]) != EXPORT_VERSION:
        raise _import_problem(
            f'unsupported version {json.dumps(document["version"])}; this service reads version "{EXPORT_VERSION}"'
        )
    if "preset" in document and "presets" in document:
        raise _import_problem('the file has both "preset" and "presets"; keep one')
    if "preset" in document:
        items, many = [document["preset"]], False
    elif "presets" in document:
        items, many = document["presets"], True
        if not isinstance(items, list) or not items:
            raise _import_problem('"presets" must be a non-empty array of presets')
    else:
        raise _import_problem('the file has no "preset" field; it must hold {"version": "1.0", "preset": {...}}')
    out: list[PresetCreate] = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        where = f"preset {index + 1}" if many else "the preset"
        if not isinstance(item, dict):
            raise _import_problem(f"{where} must be a JSON object")
        name = item.get("name")
        if not isinstance(name, str) or not name.strip():
            raise _import_problem(f'{where} has an empty name; give it a "name"')
        label = f"preset '{name.strip()}'"
        if "parameters" not in item:
            raise _import_problem(f'{label} has no "parameters"')
        reject_unstorable(item, f"Import validation failed: {label}", ImportValidationFailed)
        try:
            parameters = normalize_parameters(item["parameters"])
        except ParameterProblem as problem:
            raise _import_problem(f"{label}: {problem}") from None
        try:
            data = PresetCreate.model_validate(
                {
                    "name": name,
                    "description": item.get("description"),
                    "category": item.get("category"),
                    "runtime": item.get("runtime"),
                    "parameters": parameters,
                    "metadata": item.get("metadata"),
                }
            )
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first["loc"])
            raise _import_problem(f"{label}: field '{field}': {first['msg']}") from None
        if data.name in seen:
            raise _import_problem(f"the file holds two presets named '{data.name}'")
        seen.add(data.name)
        out.append(data)
    return out


def _free_name(session: Session, name: str, reserved: set[str], *, first: bool = False) -> str:
    """``name (2)``, ``name (3)``... the first not taken (``name`` itself first when ``first``)."""
    n = 1 if first else 2
    while True:
        candidate = name if n == 1 else f"{name} ({n})"
        if (
            candidate not in reserved
            and session.scalar(select(ParameterPreset.id).where(ParameterPreset.name == candidate)) is None
        ):
            return candidate
        n += 1


def import_presets(
    session: Session, raw: bytes, actor: Actor, on_conflict: OnConflict = "error"
) -> tuple[list[ParameterPreset], list[str], dict[str, str]]:
    """Import every preset of the file or none. Returns (imported, skipped names, renamed)."""
    items = parse_import_file(raw)
    begin_write(session)
    imported: list[ParameterPreset] = []
    skipped: list[str] = []
    renamed: dict[str, str] = {}
    reserved = {item.name for item in items}
    for item in items:
        existing = session.scalar(select(ParameterPreset).where(ParameterPreset.name == item.name))
        if existing is not None:
            if on_conflict == "skip":
                skipped.append(item.name)
                continue
            if on_conflict == "rename":
                new_name = _free_name(session, item.name, reserved)
                reserved.add(new_name)
                renamed[item.name] = new_name
                item = item.model_copy(update={"name": new_name})
            elif on_conflict == "overwrite":
                if existing.is_system:
                    raise SystemPresetProtected(
                        f"Cannot overwrite system preset '{existing.name}': import with "
                        "on_conflict=rename to keep both."
                    )
                if not readable(actor, existing) or not actor.may_edit(
                    existing.owner_id, existing.visibility, existing.team_ids
                ):
                    raise Forbidden(
                        f"A preset named '{existing.name}' exists and you may not change it: import with "
                        "on_conflict=rename to keep both."
                    )
                existing.description = item.description
                existing.category = item.category
                existing.runtime = item.runtime
                existing.parameters = item.parameters
                existing.meta = _metadata_dict(item.metadata)
                session.flush()
                audit.record(
                    session,
                    actor,
                    "preset.import",
                    "preset",
                    existing.id,
                    f"Overwrote preset '{existing.name}' by import",
                )
                imported.append(existing)
                continue
            else:
                raise NameConflict(
                    f"A preset named '{item.name}' already exists: import with on_conflict=rename, "
                    "skip or overwrite, or rename it in the file."
                )
        imported.append(create_preset(session, item, actor).preset)
    return imported, skipped, renamed
