"""Versions and ``extends``: what every write of a preset goes through.

- Every create and every change of a preset's content stores an immutable :class:`PresetVersion`
  (all fields, own and effective parameters, who, when, why) and bumps ``preset.version``, the
  number the API sends as the ETag. A write made on a stale version is refused
  (:func:`check_expected`) with a sentence naming who saved the newer one, and nothing is written.
- A preset may extend others: its effective parameters are its bases' effective parameters
  deep-merged in order, then its own on top (``merger.layer``), with the preset each value came
  from. They are stored on the preset and refreshed in every preset extending it, transitively,
  whenever a base changes (:func:`propagate`); each one whose effective parameters change gets a
  version saying so.
- Preset writes are serialised: SQLite has one writer at a time (``begin_write``), and on
  PostgreSQL :func:`lock_presets` takes a transaction-level advisory lock, so that checking a
  version and writing the next one cannot interleave with another writer (two tabs saving the same
  version: exactly one wins), and propagation along the extends graph cannot deadlock.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from autotuner.core.actors import Actor
from autotuner.core.errors import PreconditionFailed, ValidationFailed
from autotuner.core.ids import as_id, storable_id
from autotuner.db.models import ParameterPreset, PresetBase, PresetVersion
from autotuner.db.session import begin_write
from autotuner.presets.merger import Layer, diff_phrases, layer, own_layer, space_diff

# At most this many links in a chain of presets extending one another (a -> b -> ... ).
MAX_EXTENDS_DEPTH = 8
# At most this many presets extended directly by one preset.
MAX_BASES = 16

# The advisory lock key of preset writes on PostgreSQL (any constant; "presets" in ASCII).
_PRESET_WRITE_LOCK = 0x70726573657473

Ref = dict[str, Any]  # {"id", "name", "slug"}


def lock_presets(session: Session) -> None:
    """Begin a writing transaction that no other preset write interleaves with (call it before
    the session's first statement)."""
    begin_write(session)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PRESET_WRITE_LOCK})


def ref_of(preset: ParameterPreset) -> Ref:
    return {"id": preset.id, "name": preset.name, "slug": preset.slug}


# --- effective parameters ----------------------------------------------------------------------


def _stored_layer(preset: ParameterPreset) -> Layer[Ref]:
    sources = {
        tuple(entry["path"]): {"id": entry["id"], "name": entry["name"], "slug": entry["slug"]}
        for entry in preset.effective_sources
    }
    return Layer(preset.effective_parameters, sources)


def effective_of(
    preset: ParameterPreset, bases: Sequence[ParameterPreset] | None = None
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The effective parameters of ``preset`` over ``bases`` (default: its links) as they are
    stored now, and their sources as stored on the preset."""
    if bases is None:
        bases = [link.base for link in preset.base_links]
    merged = layer([*(_stored_layer(b) for b in bases), own_layer(preset.parameters, ref_of(preset))])
    sources = [
        {"path": list(path), "parameter": ".".join(path), **merged.sources[path]}
        for path in _leaf_paths(merged.parameters)
    ]
    return merged.parameters, sources


def _leaf_paths(space: dict[str, Any], prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = []
    for key, value in space.items():
        path = (*prefix, key)
        out.extend(_leaf_paths(value, path) if isinstance(value, dict) else [path])
    return out


def refresh_effective(preset: ParameterPreset) -> bool:
    """Recompute and store ``preset``'s effective parameters; True when they changed."""
    effective, sources = effective_of(preset)
    changed = effective != preset.effective_parameters
    if changed:
        preset.effective_parameters = effective
    if sources != preset.effective_sources:
        preset.effective_sources = sources
    return changed


# --- versions ------------------------------------------------------------------------------------


def snapshot(preset: ParameterPreset) -> dict[str, Any]:
    """The content of a preset a version keeps."""
    return {
        "name": preset.name,
        "slug": preset.slug,
        "description": preset.description,
        "category": preset.category,
        "runtime": preset.runtime,
        "parameters": preset.parameters,
        "metadata": preset.meta,
        "extends": [ref_of(link.base) for link in preset.base_links],
        "effective_parameters": preset.effective_parameters,
    }


def version_snapshot(version: PresetVersion) -> dict[str, Any]:
    return {
        "name": version.name,
        "slug": version.slug,
        "description": version.description,
        "category": version.category,
        "runtime": version.runtime,
        "parameters": version.parameters,
        "metadata": version.meta,
        "extends": version.extends,
        "effective_parameters": version.effective_parameters,
    }


FIELDS = ("name", "description", "category", "runtime", "metadata", "extends")


def field_changes(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    changes = []
    for key in FIELDS:
        if key == "extends":
            old = [r["id"] for r in before["extends"]]
            new = [r["id"] for r in after["extends"]]
            if old != new:
                changes.append({"field": key, "before": before[key], "after": after[key]})
        elif before[key] != after[key]:
            changes.append({"field": key, "before": before[key], "after": after[key]})
    return changes


def content_changed(before: dict[str, Any], after: dict[str, Any]) -> bool:
    return bool(field_changes(before, after)) or before["parameters"] != after["parameters"]


def _names(refs: Iterable[Ref]) -> str:
    shown = ", ".join(f"'{r['name']}'" for r in refs)
    return shown or "nothing"


def describe_change(before: dict[str, Any], after: dict[str, Any]) -> str:
    """What changed from ``before`` to ``after`` (snapshots), as one sentence."""
    parts: list[str] = []
    for change in field_changes(before, after):
        key = change["field"]
        if key == "name":
            parts.append(f"renamed '{change['before']}' to '{change['after']}'")
        elif key == "extends":
            parts.append(f"now extends {_names(change['after'])} (was {_names(change['before'])})")
        else:
            parts.append(f"{key} changed")
    own = diff_phrases(space_diff(before["parameters"], after["parameters"]))
    if own:
        parts.append("parameters: " + "; ".join(own))
    effective = diff_phrases(space_diff(before["effective_parameters"], after["effective_parameters"]))
    if effective and not own:
        parts.append("effective parameters: " + "; ".join(effective))
    if not parts:
        return "No change."
    text_ = "; ".join(parts)
    return text_[0].upper() + text_[1:] + "."


def record_version(
    session: Session,
    preset: ParameterPreset,
    author: str,
    change: str,
    summary: str,
    note: str | None = None,
) -> PresetVersion:
    """Store ``preset`` as it is now as version ``preset.version``."""
    version = PresetVersion(
        preset_id=preset.id,
        number=preset.version,
        name=preset.name,
        slug=preset.slug,
        description=preset.description,
        category=preset.category,
        runtime=preset.runtime,
        parameters=preset.parameters,
        meta=preset.meta,
        extends=[ref_of(link.base) for link in preset.base_links],
        effective_parameters=preset.effective_parameters,
        effective_sources=preset.effective_sources,
        change=change,
        change_note=note,
        summary=summary[:2000],
        author=author[:64],
    )
    session.add(version)
    return version


def start_history(
    session: Session, preset: ParameterPreset, author: str, change: str, summary: str, note: str | None = None
) -> None:
    """Version 1 of a new preset (flushed, so that it has an id)."""
    session.flush()
    refresh_effective(preset)
    preset.version = 1
    record_version(session, preset, author, change, summary, note)
    session.flush()


def next_version(
    session: Session, preset: ParameterPreset, author: str, change: str, summary: str, note: str | None = None
) -> None:
    preset.version += 1
    record_version(session, preset, author, change, summary, note)


def latest_version(session: Session, preset: ParameterPreset) -> PresetVersion | None:
    return session.scalar(
        select(PresetVersion).where(PresetVersion.preset_id == preset.id, PresetVersion.number == preset.version)
    )


def check_expected(session: Session, preset: ParameterPreset, expected: Collection[int] | None) -> None:
    """Refuse (412) a change made on a version of ``preset`` other than its current one."""
    if expected is None or preset.version in expected:
        return
    shown = ", ".join(str(v) for v in sorted(expected))
    latest = latest_version(session, preset)
    who = (
        f"{latest.author} saved version {preset.version} at {latest.created_at:%Y-%m-%d %H:%M} UTC"
        if latest
        else f"it is now at version {preset.version}"
    )
    raise PreconditionFailed(
        f"Preset '{preset.name}' changed since you loaded it (you have version {shown}; {who}), so nothing was "
        "saved: reload it, apply your change again and save."
    )


# --- the extends graph ---------------------------------------------------------------------------


def _graph(session: Session) -> dict[int, list[int]]:
    """preset id -> its bases' ids, in order (every link)."""
    out: dict[int, list[int]] = {}
    for preset_id, base_id in session.execute(
        select(PresetBase.preset_id, PresetBase.base_id).order_by(PresetBase.preset_id, PresetBase.position)
    ):
        out.setdefault(preset_id, []).append(base_id)
    return out


def _depth_below(graph: dict[int, list[int]], node: int, memo: dict[int, int]) -> int:
    if node not in memo:
        memo[node] = 0  # (the graph has no cycle; this guards a corrupt one)
        memo[node] = max((1 + _depth_below(graph, b, memo) for b in graph.get(node, [])), default=0)
    return memo[node]


def _chain_below(graph: dict[int, list[int]], node: int, memo: dict[int, int]) -> list[int]:
    chain = [node]
    while graph.get(chain[-1]):
        chain.append(max(graph[chain[-1]], key=lambda b: _depth_below(graph, b, memo)))
    return chain


def _height_above(dependents: dict[int, list[int]], node: int, memo: dict[int, int]) -> int:
    if node not in memo:
        memo[node] = 0
        memo[node] = max((1 + _height_above(dependents, d, memo) for d in dependents.get(node, [])), default=0)
    return memo[node]


def _path_to(graph: dict[int, list[int]], start: int, target: int) -> list[int] | None:
    """A chain of bases from ``start`` down to ``target``, if there is one."""
    stack: list[tuple[int, list[int]]] = [(start, [start])]
    seen: set[int] = set()
    while stack:
        node, path = stack.pop()
        if node == target:
            return path
        if node in seen:
            continue
        seen.add(node)
        for base in reversed(graph.get(node, [])):
            stack.append((base, [*path, base]))
    return None


def resolve_bases(session: Session, refs: Sequence[int | str], actor: Actor, readable: Any) -> list[ParameterPreset]:
    """The presets ``refs`` names (ids or slugs), each readable by ``actor``: a missing one is a 422
    naming it (a base one may not read is missing too)."""
    out: list[ParameterPreset] = []
    missing: list[str] = []
    for ref in refs:
        key = str(ref).strip()
        number = as_id(key)
        found: ParameterPreset | None
        if number is not None:
            found = session.get(ParameterPreset, number) if storable_id(number) else None
        else:
            found = session.scalar(select(ParameterPreset).where(ParameterPreset.slug == key))
        if found is None or not readable(actor, found):
            missing.append(key)
        else:
            out.append(found)
    if missing:
        listed = ", ".join(f"'{m}'" for m in missing)
        raise ValidationFailed(
            f"Cannot extend {listed}: no preset with that id or slug (or none you can read); extend presets that exist.",
            errors=[{"loc": ["body", "extends"], "msg": f"not found: {listed}"}],
        )
    return out


def check_bases(session: Session, preset: ParameterPreset | None, name: str, bases: Sequence[ParameterPreset]) -> None:
    """Refuse a list of bases that repeats one, is too long, makes a cycle or a chain too deep."""
    ids = [b.id for b in bases]
    if len(set(ids)) != len(ids):
        twice = sorted({b.name for b in bases if ids.count(b.id) > 1})
        raise ValidationFailed(
            f"'{name}' lists {', '.join(repr(t) for t in twice)} more than once in 'extends': list each base once."
        )
    if len(bases) > MAX_BASES:
        raise ValidationFailed(
            f"A preset can extend at most {MAX_BASES} presets directly, and '{name}' lists {len(bases)}: "
            "combine some of them into one base first."
        )
    if not bases:
        return
    graph = _graph(session)
    names = {b.id: b.name for b in bases}

    def label(node: int) -> str:
        if node not in names:
            found = session.get(ParameterPreset, node)
            names[node] = found.name if found is not None else str(node)
        return names[node]

    if preset is not None:
        names[preset.id] = name
        for base in bases:
            path = [base.id] if base.id == preset.id else _path_to(graph, base.id, preset.id)
            if path is not None:
                cycle = " -> ".join(label(n) for n in [preset.id, *path])
                raise ValidationFailed(
                    f"'{name}' cannot extend '{base.name}': that would make a cycle ({cycle}); "
                    "a preset cannot extend itself, directly or through its bases."
                )
        graph[preset.id] = ids
    below: dict[int, int] = {}
    depth = 1 + max(_depth_below(graph, b, below) for b in ids)
    above = 0
    chain_up: list[int] = []
    if preset is not None:
        dependents: dict[int, list[int]] = {}
        for node, node_bases in graph.items():
            for b in node_bases:
                dependents.setdefault(b, []).append(node)
        memo: dict[int, int] = {}
        above = _height_above(dependents, preset.id, memo)
        node = preset.id
        while dependents.get(node):
            node = max(dependents[node], key=lambda d: _height_above(dependents, d, memo))
            chain_up.insert(0, node)
    if depth + above > MAX_EXTENDS_DEPTH:
        deepest = max(ids, key=lambda b: _depth_below(graph, b, below))
        chain = [label(n) for n in chain_up] + [name] + [label(n) for n in _chain_below(graph, deepest, below)]
        raise ValidationFailed(
            f"'{name}' cannot extend {_names({'name': b.name} for b in bases)}: the chain {' -> '.join(chain)} would be "
            f"{depth + above} levels deep, and at most {MAX_EXTENDS_DEPTH} are allowed; extend a preset nearer the "
            "root, or copy a base's values into the preset instead."
        )


def set_bases(session: Session, preset: ParameterPreset, bases: Sequence[ParameterPreset]) -> None:
    """Make ``preset`` extend ``bases`` in this order (links replaced; already checked)."""
    if [link.base_id for link in preset.base_links] == [b.id for b in bases]:
        return
    preset.base_links.clear()
    session.flush()  # the old links go before the new ones take their positions
    for position, base in enumerate(bases):
        preset.base_links.append(PresetBase(base_id=base.id, position=position, base=base))
    session.flush()


# --- propagation -------------------------------------------------------------------------------


def _dependents(session: Session, ids: Collection[int]) -> list[ParameterPreset]:
    if not ids:
        return []
    found = session.scalars(
        select(ParameterPreset)
        .join(PresetBase, PresetBase.preset_id == ParameterPreset.id)
        .where(PresetBase.base_id.in_(ids))
    )
    return list(dict.fromkeys(found))


def propagate(session: Session, changed: ParameterPreset, author: str) -> list[ParameterPreset]:
    """Refresh the effective parameters of every preset extending ``changed``, transitively, in an
    order where each comes after its bases; each whose effective parameters change gets a version
    saying which base changed. Returns those that got one."""
    session.flush()
    found: dict[int, ParameterPreset] = {}
    frontier = [changed.id]
    while frontier:
        nxt = []
        for dependent in _dependents(session, frontier):
            if dependent.id not in found and dependent.id != changed.id:
                found[dependent.id] = dependent
                nxt.append(dependent.id)
        frontier = nxt
    # Topological order over the presets that may change.
    pending = dict(found)
    updated: dict[int, ParameterPreset] = {changed.id: changed}
    bumped: list[ParameterPreset] = []
    while pending:
        ready = [p for p in pending.values() if all(link.base_id not in pending for link in p.base_links)]
        if not ready:  # a cycle: cannot happen, the checks refuse them
            break
        for preset in sorted(ready, key=lambda p: p.id):
            del pending[preset.id]
            before = snapshot(preset)
            if refresh_effective(preset):
                via = [link.base for link in preset.base_links if link.base_id in updated]
                base = via[0] if via else changed
                because = "" if base.id == changed.id else f", because its base '{changed.name}' changed"
                effective = diff_phrases(space_diff(before["effective_parameters"], preset.effective_parameters))
                summary = (
                    f"Base '{base.name}' changed (now version {base.version}){because}; "
                    f"effective parameters: {'; '.join(effective)}."
                )
                next_version(session, preset, author, "base_changed", summary)
                bumped.append(preset)
                updated[preset.id] = preset
    session.flush()
    return bumped
