"""The preset service: CRUD, lookup by id or slug, merge, import and export.

Functions take a ``Session`` and raise domain errors from ``autotuner.core.errors``; the caller owns
the transaction (``session_scope`` commits on success and rolls back on any error, so a refused
request writes nothing).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, cast

from pydantic import ValidationError
from sqlalchemy import Table, func, insert, or_, select, text
from sqlalchemy.orm import Session, lazyload

from autotuner.core.actors import Actor
from autotuner.core.enums import ENGINE_RUNTIMES, Visibility
from autotuner.core.errors import (
    Forbidden,
    ImportValidationFailed,
    InvalidParameters,
    InvalidState,
    NameConflict,
    PresetNotFound,
    SystemPresetProtected,
    ValidationFailed,
)
from autotuner.core.ids import as_id, storable_id
from autotuner.core.parameters import ParameterProblem, ParameterSpace, iter_leaves, normalize_parameters
from autotuner.core.requests import closest_field
from autotuner.core.text import reject_unstorable
from autotuner.db import audit
from autotuner.db.base import utcnow
from autotuner.db.lookup import get_by_ref, none_found
from autotuner.db.models import ParameterPreset, PresetShare, PresetVersion, Team
from autotuner.db.session import flush_unique
from autotuner.presets import versioning
from autotuner.presets.merger import FlagFacts, MergeResult, NamedSpace, PresetMerger, Resolution, detached_own
from autotuner.presets.schemas import (
    EXPORT_VERSION,
    ConflictRead,
    DecisionRead,
    MergeResponse,
    OnConflict,
    PresetBundle,
    PresetCreate,
    PresetExport,
    PresetExportBody,
    PresetSaved,
    PresetUpdate,
    PresetVersionRef,
    Sharing,
)
from autotuner.runtimes.checking import check_parameters
from autotuner.runtimes.flags import FlagSpec
from autotuner.runtimes.loading import get_catalog

_merger = PresetMerger()


# --- helpers -----------------------------------------------------------------------------


# The words of the preset routes (merge, import, export, versions...): a slug equal to one would
# be shadowed by the route. autotuner.web.routes.presets registers them, derived from its paths.
RESERVED_SLUGS: set[str] = set()


def reserve_slugs(words: Collection[str]) -> None:
    RESERVED_SLUGS.update(words)


def slugify(name: str) -> str:
    """The slug of a name: ``My Preset`` -> ``my-preset``; one that would read as an id (all
    digits) or as a route word (``merge``) gets the prefix ``preset-``."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:200] or "preset"
    return f"preset-{slug}" if slug.isdigit() or slug in RESERVED_SLUGS else slug


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


def flush_name(session: Session, preset: ParameterPreset) -> None:
    """Flush; a name taken meanwhile by another writer is the usual 409."""
    flush_unique(session, _name_taken_message(preset.name))


def check_name_free(session: Session, name: str, *, exclude_id: int | None = None) -> None:
    _check_name_free(session, name, exclude_id=exclude_id)


def unique_slug(session: Session, name: str, *, exclude_id: int | None = None) -> str:
    return _unique_slug(session, name, exclude_id=exclude_id)


def _check_name_free(session: Session, name: str, *, exclude_id: int | None = None) -> None:
    query = select(ParameterPreset.id).where(ParameterPreset.name == name)
    if exclude_id is not None:
        query = query.where(ParameterPreset.id != exclude_id)
    if session.scalar(query) is not None:
        raise NameConflict(_name_taken_message(name))


def check_against_catalog(
    runtime: str | None,
    parameters: dict[str, Any],
    *,
    version: str | None = None,
    missing_is_error: bool = False,
) -> list[str]:
    """Check ``parameters`` against the engine catalog of ``runtime`` at ``version`` (default: the
    newest): a wrong type or a value out of range raises a 422; flags the catalog does not know
    come back as warnings. A flag the engine version does not have (renamed or removed) is a
    warning, or a 422 with ``missing_is_error`` (a task, whose engine would refuse it at start)."""
    report = check_parameters(runtime, parameters, version=version)
    errors = report.errors + (report.missing if missing_is_error else [])
    if errors:
        raise InvalidParameters(
            f"Invalid parameters: {errors[0]}",
            errors=[{"loc": ["body", "parameters"], "msg": e} for e in errors],
        )
    return list(report.missing) + list(report.warnings)


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


def check_may_edit(actor: Actor, preset: ParameterPreset) -> None:
    """403 unless ``actor`` may change ``preset`` (never a system preset)."""
    _check_may_edit(actor, preset)


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


def create_preset(
    session: Session,
    data: PresetCreate,
    actor: Actor,
    *,
    is_system: bool = False,
    change: str = "created",
    summary: str = "Created.",
) -> SavedPreset:
    """A new preset owned by ``actor`` (system presets are owned by nobody and public), with
    version 1 in its history."""
    versioning.lock_presets(session)
    reject_unstorable({"name": data.name, "description": data.description, "category": data.category}, "Invalid preset")
    parameters = normalize_space(data.parameters)
    warnings = check_against_catalog(data.runtime, parameters)
    _check_name_free(session, data.name)
    bases = versioning.resolve_bases(session, data.extends or [], actor, readable)
    versioning.check_bases(session, None, data.name, bases)
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
        effective_parameters=parameters,
        effective_sources=[],
    )
    session.add(preset)
    flush_unique(session, _name_taken_message(data.name))
    versioning.set_bases(session, preset, bases)
    versioning.start_history(session, preset, "system" if is_system else actor.name, change, summary)
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


def update_preset(
    session: Session,
    ref: int | str,
    data: PresetUpdate,
    actor: Actor,
    *,
    expected: Collection[int] | None = None,
) -> SavedPreset:
    """Change a preset; a change of its content stores a new version and refreshes every preset
    extending it. ``expected`` (If-Match) or ``data.version``: the version the change was made on;
    a stale one is a 412 and nothing is written."""
    versioning.lock_presets(session)
    preset = get_preset(session, ref, actor)
    _check_may_edit(actor, preset)
    if data.version is not None:
        if expected is not None and data.version not in expected:
            raise ValidationFailed(
                f"The If-Match header and 'version' disagree ({', '.join(map(str, sorted(expected)))} vs "
                f"{data.version}): send the version you loaded once."
            )
        expected = {data.version}
    versioning.check_expected(session, preset, expected)
    fields = data.model_fields_set - {"version", "change_note"}
    for required in ("name", "parameters"):
        if required in fields and getattr(data, required) is None:
            raise ValidationFailed(
                f"'{required}' cannot be cleared: every preset needs a {required}.",
                errors=[{"loc": ["body", required], "msg": "must not be null"}],
            )
    reject_unstorable(
        {k: getattr(data, k) for k in ("name", "description", "category") if k in fields}, "Invalid preset"
    )
    before = versioning.snapshot(preset)
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
    if "extends" in fields:
        bases = versioning.resolve_bases(session, data.extends or [], actor, readable)
        versioning.check_bases(session, preset, preset.name, bases)
        versioning.set_bases(session, preset, bases)
    flush_unique(session, _name_taken_message(preset.name))
    versioning.refresh_effective(preset)
    after = versioning.snapshot(preset)
    if versioning.content_changed(before, after):
        versioning.next_version(
            session, preset, actor.name, "updated", versioning.describe_change(before, after), data.change_note
        )
        versioning.propagate(session, preset, actor.name)
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


def _dependents_text(dependents: Sequence[ParameterPreset], actor: Actor) -> str:
    shown = [f"'{d.name}'" for d in dependents if readable(actor, d)]
    hidden = len(dependents) - len(shown)
    if hidden:
        shown.append(f"{hidden} preset{'s' if hidden > 1 else ''} you cannot see")
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]


def detach_base(session: Session, preset: ParameterPreset, base: ParameterPreset, author: str) -> None:
    """Remove ``base`` from ``preset``'s extends, first copying into its own parameters what the
    base gave, so that its effective parameters stay the same; a new version says so."""
    before = versioning.snapshot(preset)
    remaining = [link.base for link in preset.base_links if link.base_id != base.id]
    preset.parameters = detached_own(
        preset.effective_parameters, [b.effective_parameters for b in remaining], preset.parameters
    )
    versioning.set_bases(session, preset, remaining)
    versioning.refresh_effective(preset)
    after = versioning.snapshot(preset)
    summary = (
        f"Base '{base.name}' was deleted: its values were copied into this preset's own parameters, "
        f"so the effective parameters stay the same. {versioning.describe_change(before, after)}"
    )
    versioning.next_version(session, preset, author, "detached", summary)
    versioning.propagate(session, preset, author)


def delete_preset(
    session: Session,
    ref: int | str,
    actor: Actor,
    *,
    expected: Collection[int] | None = None,
    cascade: str | None = None,
) -> list[ParameterPreset]:
    """Delete a preset (its owner or an admin). One that others extend is refused (409 listing
    them) unless ``cascade="detach"``: each of them then gets the values the preset gave copied
    into its own parameters (a new version) and stops extending it. Returns those detached."""
    versioning.lock_presets(session)
    preset = get_preset(session, ref, actor)
    _check_owns(actor, preset, "delete")
    versioning.check_expected(session, preset, expected)
    dependents = [link.preset for link in preset.dependent_links]
    if dependents and cascade != "detach":
        raise InvalidState(
            f"Cannot delete preset '{preset.name}': {_dependents_text(dependents, actor)} extend"
            f"{'s' if len(dependents) == 1 else ''} it; delete with cascade=detach (CLI: --detach) to copy its "
            f"values into {'it' if len(dependents) == 1 else 'them'} first, or change their extends."
        )
    for dependent in dependents:
        detach_base(session, dependent, preset, actor.name)
    session.expire(preset, ["dependent_links"])
    audit.record(session, actor, "preset.delete", "preset", preset.id, f"Deleted preset '{preset.name}'")
    session.delete(preset)
    session.flush()
    return dependents


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
    versioning.lock_presets(session)
    preset = get_preset(session, ref, actor)
    _check_owns(actor, preset, "share")
    team_ids = check_sharing(session, sharing, actor)
    preset.visibility = sharing.visibility
    preset.shares = [PresetShare(team_id=t) for t in team_ids]
    preset.updated_at = utcnow()  # who may see it changed: the preset's last update
    session.flush()
    shown = f"teams {team_ids}" if team_ids else str(sharing.visibility)
    audit.record(session, actor, "preset.share", "preset", preset.id, f"Shared preset '{preset.name}': {shown}")
    return preset


def duplicate_preset(session: Session, ref: int | str, actor: Actor, name: str | None = None) -> SavedPreset:
    """A private copy, owned by ``actor``, of a preset it may read (system presets included). It
    extends the same bases when ``actor`` may read them all; otherwise it holds the effective
    parameters itself."""
    versioning.lock_presets(session)
    source = get_preset(session, ref, actor)
    new_name = name if name is not None else _free_name(session, f"{source.name} (copy)", set(), first=True)
    bases = [link.base for link in source.base_links]
    keep_links = all(readable(actor, b) for b in bases)
    data = PresetCreate.model_validate(
        {
            "name": new_name,
            "description": source.description,
            "category": source.category,
            "runtime": source.runtime,
            "parameters": source.parameters if keep_links else source.effective_parameters,
            "metadata": source.meta,
            "extends": [b.id for b in bases] if keep_links else None,
        }
    )
    return create_preset(
        session, data, actor, summary=f"Created as a copy of '{source.name}' (version {source.version})."
    )


# --- merge -------------------------------------------------------------------------------


# A flag's facts by catalog (runtime and release) and flag name: a catalog is loaded once and
# never changes, and building the facts (the "allowed" phrase) cost a tenth of a merge's time.
_FLAG_FACTS: dict[tuple[str, str, str], FlagFacts] = {}


def _flag_facts(runtime: str, release: str, spec: FlagSpec) -> FlagFacts:
    key = (runtime, release, spec.name)
    facts = _FLAG_FACTS.get(key)
    if facts is None:
        facts = _FLAG_FACTS[key] = FlagFacts(
            type=spec.type,
            choices=tuple(spec.choices) if spec.choices is not None else None,
            minimum=spec.minimum,
            maximum=spec.maximum,
            exclusive_minimum=spec.exclusive_minimum,
            exclusive_maximum=spec.exclusive_maximum,
            allowed=spec.allowed(),
        )
    return facts


def catalog_facts(runtime: str | None, parameters: Sequence[ParameterSpace]) -> dict[str, FlagFacts]:
    """What the catalog of ``runtime`` says of every flag in ``parameters`` (by the spelling
    used, aliases resolved), as the plain data smart merge needs."""
    if runtime not in ENGINE_RUNTIMES:
        return {}
    catalog = get_catalog(runtime)
    facts: dict[str, FlagFacts] = {}
    for space in parameters:
        for path, _values in iter_leaves(space):
            name = ".".join(path)
            if name in facts:
                continue
            spec = catalog.resolve(name)
            if spec is not None:
                facts[name] = _flag_facts(runtime, catalog.release, spec)
    return facts


def merge_runtime(presets: Sequence[Mergeable], runtime: str | None = None) -> str | None:
    """The engine whose catalog a merge uses: the one asked for, else the presets' own when
    they agree (presets for any engine do not count), else none."""
    if runtime is not None:
        return runtime
    runtimes = {p.runtime for p in presets if p.runtime}
    return runtimes.pop() if len(runtimes) == 1 else None


class Mergeable(Protocol):
    """What a merge reads of a preset: a stored :class:`ParameterPreset`, or a cached copy of it
    (``autotuner.web.preset_list_cache``). Never changed by the merge."""

    @property
    def id(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def slug(self) -> str: ...
    @property
    def version(self) -> int: ...
    @property
    def runtime(self) -> str | None: ...
    @property
    def effective_parameters(self) -> dict[str, Any]: ...
    @property
    def owner_id(self) -> int | None: ...
    @property
    def visibility(self) -> str: ...
    @property
    def team_ids(self) -> Sequence[int]: ...


# The presets of some ids and slugs (those that exist, in any order).
MergeSource = Callable[[set[int], set[str]], Iterable[Mergeable]]


def _stored_for_merge(session: Session) -> MergeSource:
    def find(ids: set[int], slugs: set[str]) -> Iterable[Mergeable]:
        return session.scalars(
            select(ParameterPreset)
            .where(or_(ParameterPreset.id.in_(ids), ParameterPreset.slug.in_(slugs)))
            # A merge reads the rows and their shares (who may read them); their owners and
            # bases load only if something asks (two queries fewer per merge).
            .options(lazyload(ParameterPreset.owner), lazyload(ParameterPreset.base_links))
        )

    return find


def merge_presets(
    session: Session,
    refs: Sequence[int | str],
    strategy: str = "union",
    overrides: dict[str, Any] | None = None,
    *,
    actor: Actor,
    resolutions: dict[str, Resolution] | None = None,
    runtime: str | None = None,
    options: bool = False,
    source: MergeSource | None = None,
) -> tuple[MergeResult, list[Mergeable]]:
    """Merge the effective parameters of the presets ``refs`` (ids or slugs) in the order given,
    apply ``resolutions`` per parameter, then ``overrides``. Smart merge reads the catalog of
    ``runtime`` (default: the presets' own when they agree). ``options``: what each resolution
    would keep, per conflict (for the preview). ``source`` finds the presets (default: the
    database, in ``session``)."""
    keys = [str(r).strip() for r in refs]
    repeated = sorted(k for k, n in Counter(keys).items() if n > 1)
    if repeated:
        raise ValidationFailed(
            f"Preset {', '.join(repeated)} is listed more than once: list each preset once, in the order to merge."
        )
    ids = {i for i in map(as_id, keys) if i is not None and storable_id(i)}
    slugs = {k for k in keys if as_id(k) is None}
    found = list((source or _stored_for_merge(session))(ids, slugs)) if ids or slugs else []
    by_id = {p.id: p for p in found}
    by_slug = {p.slug: p for p in found}
    looked_up = [by_slug.get(k) if (i := as_id(k)) is None else by_id.get(i) for k in keys]
    looked_up = [
        p if p is not None and actor.may_read(p.owner_id, p.visibility, p.team_ids) else None for p in looked_up
    ]
    missing = [k for k, p in zip(keys, looked_up, strict=False) if p is None]
    presets = [p for p in looked_up if p is not None]
    if missing:
        raise PresetNotFound(none_found("preset", missing, slugs=True))
    if len({p.id for p in presets}) != len(presets):
        raise ValidationFailed("The same preset is listed twice (by id and by slug): list each preset once.")
    normalized_overrides = normalize_space(overrides, prefix="Invalid overrides") if overrides else None
    spaces = [NamedSpace(p.name, p.effective_parameters) for p in presets]
    used = merge_runtime(presets, runtime)
    result = _merger.merge(
        spaces,
        strategy,
        normalized_overrides,
        resolutions=resolutions,
        flags=catalog_facts(used, [s.parameters for s in spaces]),
        options=options,
    )
    result.runtime = used
    return result, presets


def merge_report(result: MergeResult, presets: Sequence[Mergeable]) -> MergeResponse:
    """The answer to a merge, for the API and the CLI alike."""
    return MergeResponse(
        parameters=result.parameters,
        applied_presets=[p.name for p in presets],
        merge_strategy=result.strategy,
        conflicts=[ConflictRead(**c.to_dict()) for c in result.conflicts],
        combinations=result.combinations,
        applied=[PresetVersionRef(id=p.id, name=p.name, slug=p.slug, version=p.version) for p in presets],
        decisions=[DecisionRead(**d.to_dict()) for d in result.decisions],
        runtime=result.runtime,
    )


# --- export and import ---------------------------------------------------------------------


def _export_body(preset: ParameterPreset) -> PresetExportBody:
    return PresetExportBody(
        name=preset.name,
        description=preset.description,
        category=preset.category,
        runtime=preset.runtime,
        parameters=preset.parameters,
        metadata=preset.meta,
        version=preset.version,
        extends=[link.base.name for link in preset.base_links] or None,
        effective_parameters=preset.effective_parameters,
    )


def export_preset(preset: ParameterPreset) -> PresetExport:
    """The file of one preset: its own parameters, the names of its bases (import links them
    again) and its effective parameters, with its version number."""
    return PresetExport(version=EXPORT_VERSION, preset=_export_body(preset))


def export_with_bases(preset: ParameterPreset, actor: Actor) -> PresetBundle:
    """The file of a preset and every preset it extends, directly or not, bases first."""
    ordered: list[ParameterPreset] = []
    seen: set[int] = set()

    def visit(node: ParameterPreset) -> None:
        if node.id in seen:
            return
        seen.add(node.id)
        for link in node.base_links:
            visit(link.base)
        ordered.append(node)

    visit(preset)
    hidden = [p.name for p in ordered if not readable(actor, p)]
    if hidden:
        raise Forbidden(
            f"Cannot bundle the bases of '{preset.name}': you cannot read {', '.join(repr(h) for h in hidden)}; "
            "export it without bases."
        )
    return PresetBundle(version=EXPORT_VERSION, presets=[_export_body(p) for p in ordered])


def _import_problem(message: str) -> ImportValidationFailed:
    end = "" if message.endswith("?") else "."
    return ImportValidationFailed(f"Import validation failed: {message}{end}")


@dataclass(frozen=True)
class ImportItem:
    """One preset of an import file: what to create, plus what the file says of its history."""

    data: PresetCreate
    version: int | None = None  # its version number when it was exported
    extends: tuple[str, ...] = ()  # the names of its bases, in order
    effective: ParameterSpace | None = None  # its effective parameters when it was exported


IMPORT_FIELDS = tuple(PresetExportBody.model_fields)


def _no_unknown_keys(document: dict[str, Any], known: Sequence[str], prefix: str) -> None:
    """Refuse a key the file format does not have, naming the one meant (as request bodies do)."""
    for key in document:
        if key not in known:
            meant = closest_field(key, list(known))
            hint = f": did you mean '{meant}'?" if meant else f"; the fields are {', '.join(known)}"
            raise _import_problem(f"unknown field '{prefix}{key}'{hint}")


def parse_import_file(raw: bytes) -> list[ImportItem]:
    """Validate an import file and return its presets; the first problem raises a 422."""
    return parse_import_document(raw)[0]


def parse_import_document(raw: bytes) -> tuple[list[ImportItem], bool]:
    """The presets of an import file, and whether it is a bundle ("presets")."""
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
    # Text the databases cannot store is named first, wherever it is (as for request bodies).
    reject_unstorable(document, "Import validation failed", ImportValidationFailed)
    _no_unknown_keys(document, ("version", "preset", "presets"), "")
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
    out: list[ImportItem] = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        where = f"preset {index + 1}" if many else "the preset"
        if not isinstance(item, dict):
            raise _import_problem(f"{where} must be a JSON object")
        _no_unknown_keys(item, IMPORT_FIELDS, f"presets.{index}." if many else "preset.")
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
        version = item.get("version")
        if isinstance(version, float) and version.is_integer():  # JSON's 3.0 is the whole number 3
            version = int(version)
        if version is not None and (not isinstance(version, int) or isinstance(version, bool) or version < 1):
            raise _import_problem(f'{label}: "version" must be a whole number from 1, the version it was exported at')
        extends = item.get("extends") or []
        if not isinstance(extends, list) or not all(isinstance(e, str) and e.strip() for e in extends):
            raise _import_problem(f'{label}: "extends" must be an array of the names of the presets it extends')
        effective = item.get("effective_parameters")
        if effective is not None:
            try:
                effective = normalize_parameters(effective)
            except ParameterProblem as problem:
                raise _import_problem(f"{label}: effective_parameters: {problem}") from None
        out.append(ImportItem(data, version, tuple(e.strip() for e in extends), effective))
    return out, many


def _import_order(items: list[ImportItem]) -> list[ImportItem]:
    """The file's presets with every base it also holds before the presets extending it."""
    by_name = {item.data.name: item for item in items}
    ordered: list[ImportItem] = []
    state: dict[str, str] = {}

    def visit(item: ImportItem, trail: list[str]) -> None:
        name = item.data.name
        if state.get(name) == "done":
            return
        if state.get(name) == "visiting":
            cycle = " -> ".join([*trail[trail.index(name) :], name])
            raise _import_problem(f"the presets of the file extend one another in a cycle ({cycle})")
        state[name] = "visiting"
        for base in item.extends:
            if base in by_name:
                visit(by_name[base], [*trail, name])
        state[name] = "done"
        ordered.append(item)

    for item in items:
        visit(item, [])
    return ordered


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


@dataclass(frozen=True)
class ImportOutcome:
    """What an import did: the presets created or overwritten (a preset, or the id of one made
    in bulk: load them with :meth:`presets`, after the commit for a large file), the names
    skipped or renamed, the notes; ``bundle``: the file held "presets" (several), not "preset"
    (one), which ``placed`` is (created, overwritten or kept)."""

    imported: list[int | ParameterPreset]
    skipped: list[str]
    renamed: dict[str, str]
    notes: list[str]
    bundle: bool
    placed: int | ParameterPreset

    def presets(self, session: Session) -> list[ParameterPreset]:
        ids = [ref for ref in self.imported if isinstance(ref, int)]
        loaded = dict(zip(ids, load_presets(session, ids), strict=True))
        return [loaded[ref] if isinstance(ref, int) else ref for ref in self.imported]

    def preset(self, session: Session) -> ParameterPreset:
        return self.placed if isinstance(self.placed, ParameterPreset) else load_presets(session, [self.placed])[0]


def import_presets(
    session: Session, raw: bytes, actor: Actor, on_conflict: OnConflict = "error"
) -> tuple[list[ParameterPreset], list[str], dict[str, str], list[str]]:
    """Import every preset of the file or none. Returns (imported, skipped names, renamed, notes);
    see :func:`import_file`."""
    outcome = import_file(session, raw, actor, on_conflict)
    return outcome.presets(session), outcome.skipped, outcome.renamed, outcome.notes


def import_file(session: Session, raw: bytes, actor: Actor, on_conflict: OnConflict = "error") -> ImportOutcome:
    """Import every preset of the file or none. Returns (imported, skipped names, renamed, notes).

    A preset's ``extends`` names presets of the same file or presets here (by name); one that is
    in neither is refused. The notes say when an export is older than the preset of that name
    here, and when a base here gives other values than it did where the file was exported."""
    parsed, bundle = parse_import_document(raw)
    items = _import_order(parsed)
    versioning.lock_presets(session)
    in_file = {item.data.name for item in items}
    for item in items:
        for base in item.extends:
            if base in in_file:
                continue
            here = session.scalar(select(ParameterPreset).where(ParameterPreset.name == base))
            if here is None or not readable(actor, here):
                raise _import_problem(
                    f"preset '{item.data.name}' extends '{base}', which is neither in the file nor on this service; "
                    "export it with its bases (?with_bases=true) or import that preset first"
                )
    skipped: list[str] = []
    renamed: dict[str, str] = {}
    notes: list[str] = []
    # New presets that extend nothing (all of a large bundle, usually) are inserted in bulk;
    # the others, one by one in the file's order.
    names_here = _names_here(session, in_file)
    plain = [item for item in items if not item.extends and item.data.name not in names_here]
    bulk = dict(zip([item.data.name for item in plain], _bulk_create(session, plain, actor), strict=True))
    placed: dict[str, ParameterPreset] = {}  # a name in the file -> the preset it became here
    # The presets made in bulk are loaded only when another preset of the file extends one.
    bases_needed = {base for item in items for base in item.extends if base in bulk}
    placed.update(zip(bases_needed, load_presets(session, [bulk[name] for name in bases_needed]), strict=True))
    order: list[int | ParameterPreset] = []  # an id (made in bulk) or a preset, in the file's order
    reserved = set(in_file)
    for item in items:
        data = item.data
        if data.name in bulk:
            order.append(bulk[data.name])
            continue
        existing = session.scalar(select(ParameterPreset).where(ParameterPreset.name == data.name))
        older = existing is not None and item.version is not None and item.version < existing.version
        if older:
            assert existing is not None and item.version is not None
            notes.append(
                f"'{data.name}' in the file is version {item.version}, older than the preset here (version "
                f"{existing.version})"
                + {
                    "skip": ": it was skipped.",
                    "rename": ": the file's copy was imported under a new name.",
                    "overwrite": f": it was overwritten, and version {existing.version} stays in its history "
                    "(restore it to undo).",
                    "error": ".",
                }[on_conflict]
            )
        bases = [placed[b] if b in placed else _preset_named(session, b) for b in item.extends]
        data = data.model_copy(update={"extends": [b.id for b in bases] or None})
        if existing is not None:
            if on_conflict == "skip":
                skipped.append(data.name)
                placed[data.name] = existing
                continue
            if on_conflict == "rename":
                new_name = _free_name(session, data.name, reserved)
                reserved.add(new_name)
                renamed[data.name] = new_name
                created = _import_new(session, data.model_copy(update={"name": new_name}), item, actor)
                placed[data.name] = created
                order.append(created)
            elif on_conflict == "overwrite":
                placed[data.name] = _overwrite(session, existing, data, item, actor)
                order.append(existing)
            else:
                version_note = (
                    f" (the file holds version {item.version}, older than the one here, version {existing.version})"
                    if older
                    else ""
                )
                raise NameConflict(
                    f"A preset named '{data.name}' already exists{version_note}: import with on_conflict=rename, "
                    "skip or overwrite, or rename it in the file."
                )
        else:
            created = _import_new(session, data, item, actor)
            placed[data.name] = created
            order.append(created)
        preset = placed[data.name]
        if item.effective is not None and preset.effective_parameters != item.effective and item.extends:
            notes.append(
                f"'{preset.name}' extends {', '.join(repr(b) for b in item.extends)}, whose values here differ from "
                "those of the export: its effective parameters here differ from the file's."
            )
    last = items[-1].data.name
    return ImportOutcome(order, skipped, renamed, notes, bundle, bulk[last] if last in bulk else placed[last])


_CHUNK = 500  # names or ids per IN (...) query


def _names_here(session: Session, names: Collection[str]) -> set[str]:
    """Which of ``names`` presets here already have."""
    found: set[str] = set()
    ordered = sorted(names)
    for start in range(0, len(ordered), _CHUNK):
        chunk = ordered[start : start + _CHUNK]
        found.update(session.scalars(select(ParameterPreset.name).where(ParameterPreset.name.in_(chunk))))
    return found


def _reserve_ids(session: Session, count: int) -> list[int]:
    """``count`` new preset ids, never given before (inside the preset write lock): on SQLite
    the ids after AUTOINCREMENT's high-water mark, on PostgreSQL the sequence's next values."""
    if session.get_bind().dialect.name == "postgresql":
        query = text("SELECT nextval(pg_get_serial_sequence('parameter_presets', 'id')) FROM generate_series(1, :n)")
        return [int(i) for i in session.scalars(query, {"n": count})]
    used = session.scalar(text("SELECT seq FROM sqlite_sequence WHERE name = 'parameter_presets'")) or 0
    highest = session.scalar(select(func.max(ParameterPreset.id))) or 0
    first = max(int(used), highest) + 1
    return list(range(first, first + count))


def _bulk_create(session: Session, items: Sequence[ImportItem], actor: Actor) -> list[int]:
    """Create the presets of ``items`` (new names, no bases) as ``create_preset`` would, each
    with version 1 and an audit event, in three multi-row INSERTs: a bundle of 20,000 presets
    holds the write lock for about a second, not minutes. Returns their ids, in order."""
    if not items:
        return []
    taken = set(session.scalars(select(ParameterPreset.slug)))
    ids = _reserve_ids(session, len(items))
    now = utcnow()
    presets, versions = [], []
    for item, preset_id in zip(items, ids, strict=True):
        data = item.data
        check_against_catalog(data.runtime, data.parameters)  # a wrong value refuses the file
        base = slugify(data.name)
        slug, n = base, 2
        while slug in taken:
            slug, n = f"{base}-{n}", n + 1
        taken.add(slug)
        # A preset that extends nothing: its effective parameters are its own, each leaf from itself.
        effective, ref = data.parameters, {"id": preset_id, "name": data.name, "slug": slug}
        sources = [{"path": list(path), "parameter": ".".join(path), **ref} for path, _ in iter_leaves(effective)]
        fields = {
            "name": data.name,
            "slug": slug,
            "description": data.description,
            "category": data.category,
            "runtime": data.runtime,
            "parameters": data.parameters,
            "metadata": _metadata_dict(data.metadata),
            "effective_parameters": effective,
            "effective_sources": sources,
        }
        presets.append(
            {
                **fields,
                "id": preset_id,
                "is_system": False,
                "owner_id": actor.user_id,
                "visibility": Visibility.private.value,
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
        )
        exported = f" (exported at version {item.version})" if item.version is not None else ""
        versions.append(
            {
                **fields,
                "preset_id": preset_id,
                "number": 1,
                "extends": [],
                "change": "imported",
                "change_note": None,
                "summary": f"Imported from a file{exported}.",
                "author": actor.name[:64],
                "created_at": now,
            }
        )
    session.execute(insert(cast(Table, ParameterPreset.__table__)), presets)  # Core: no ORM bookkeeping per row
    session.execute(insert(cast(Table, PresetVersion.__table__)), versions)
    audit.record_many(
        session,
        actor,
        "preset.create",
        "preset",
        [(i, f"Created preset '{item.data.name}'") for i, item in zip(ids, items, strict=True)],
    )
    return ids


def load_presets(session: Session, ids: Sequence[int]) -> list[ParameterPreset]:
    """The presets of ``ids``, in that order (a few queries, whatever their number)."""
    found: dict[int, ParameterPreset] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        found.update((p.id, p) for p in session.scalars(select(ParameterPreset).where(ParameterPreset.id.in_(chunk))))
    return [found[i] for i in ids]


def _preset_named(session: Session, name: str) -> ParameterPreset:
    return session.scalars(select(ParameterPreset).where(ParameterPreset.name == name)).one()


def _import_new(session: Session, data: PresetCreate, item: ImportItem, actor: Actor) -> ParameterPreset:
    exported = f" (exported at version {item.version})" if item.version is not None else ""
    return create_preset(session, data, actor, change="imported", summary=f"Imported from a file{exported}.").preset


def _overwrite(
    session: Session, existing: ParameterPreset, data: PresetCreate, item: ImportItem, actor: Actor
) -> ParameterPreset:
    if existing.is_system:
        raise SystemPresetProtected(
            f"Cannot overwrite system preset '{existing.name}': import with on_conflict=rename to keep both."
        )
    if not readable(actor, existing) or not actor.may_edit(existing.owner_id, existing.visibility, existing.team_ids):
        raise Forbidden(
            f"A preset named '{existing.name}' exists and you may not change it: import with "
            "on_conflict=rename to keep both."
        )
    before = versioning.snapshot(existing)
    existing.description = data.description
    existing.category = data.category
    existing.runtime = data.runtime
    existing.parameters = data.parameters
    existing.meta = _metadata_dict(data.metadata)
    bases = versioning.resolve_bases(session, data.extends or [], actor, readable)
    versioning.check_bases(session, existing, existing.name, bases)
    versioning.set_bases(session, existing, bases)
    versioning.refresh_effective(existing)
    after = versioning.snapshot(existing)
    if versioning.content_changed(before, after):
        exported = f" exported at version {item.version}" if item.version is not None else ""
        versioning.next_version(
            session,
            existing,
            actor.name,
            "imported",
            f"Overwritten by an import{exported}. {versioning.describe_change(before, after)}",
        )
        versioning.propagate(session, existing, actor.name)
    session.flush()
    audit.record(
        session, actor, "preset.import", "preset", existing.id, f"Overwrote preset '{existing.name}' by import"
    )
    return existing
