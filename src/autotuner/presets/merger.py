"""The merge engine: combine several parameter spaces into one. Pure: no database, no web.

Presets are merged in the order given (the user's selection order) with one of four strategies:

``union`` (alias ``append``)
    every value from every preset, duplicates removed, ascending order (booleans false before
    true, then numbers numerically, then strings alphabetically). Groups are unioned key by key.
``intersection``
    only parameters present in every preset, with the values common to all, ascending. A
    parameter with nothing in common, missing from a preset, or given as a group in one preset
    and an array in another is left out and reported.
``last_wins`` (alias ``override``)
    a later preset's value replaces an earlier one's, top-level parameter by parameter; a group
    is replaced whole. Values keep the winning preset's order.
``deep_merge``
    like ``last_wins``, but groups merge key by key, recursively.

When a group and an array meet under the same name, ``union`` keeps the form given by the last
preset holding that name (and unions the presets of that form); ``intersection`` leaves the name
out; ``last_wins`` and ``deep_merge`` let the later one replace the earlier one.

``overrides`` (the user's fine-tuning) are applied after the presets, like ``deep_merge``.
Overrides are an explicit choice, so they are never reported as conflicts: ``conflicts``
describes the merge of the presets themselves.

Conflicts are reported per leaf (an array of values), named by its dotted path
(``speculative.num-steps``). One is reported when the presets holding a parameter give
different value sets (order does not matter), or when a parameter a preset holds is dropped
from the result (``kept`` is ``None``). ``values`` always holds arrays, never groups.

The inputs must be normalised spaces (``normalize_parameters``: no duplicate values); the
engine never mutates them and the result shares no list with them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from itertools import chain
from typing import Any

from autotuner.core.errors import InvalidMergeStrategy, ValidationFailed
from autotuner.core.parameters import ParameterSpace, Scalar, count_combinations, format_values, sort_key

STRATEGIES = ("union", "intersection", "last_wins", "deep_merge")
ALIASES = {"append": "union", "override": "last_wins"}

# How many presets a conflict message names before summarising the rest.
_MESSAGE_PRESETS = 4

# A leaf's place in a space (``("speculative", "num-steps")``) and one preset's values there.
Path = tuple[str, ...]
Holder = tuple[str, list[Scalar]]

# Identity of values: ``1 == 1.0`` already holds in Python; only booleans need their own keys
# (``True == 1``). Every non-boolean value is its own key, so plain ``set(values)`` works for
# arrays without booleans, at C speed.
_TRUE_KEY = ("bool", True)
_FALSE_KEY = ("bool", False)


def _key(value: Any) -> Any:
    if value.__class__ is bool:
        return _TRUE_KEY if value else _FALSE_KEY
    return value


def _unkey(key: Any) -> Any:
    return key[1] if key.__class__ is tuple else key


def _keys(values: list[Any]) -> set[Any]:
    if bool in map(type, values):  # exact test for booleans, at C speed
        return {(_TRUE_KEY if v else _FALSE_KEY) if v.__class__ is bool else v for v in values}
    return set(values)


def canonical_strategy(name: str) -> str:
    """Return the canonical strategy name for ``name`` (exact names and aliases, case-sensitive).

    Raises :class:`InvalidMergeStrategy` with a sentence listing the valid names.
    """
    if isinstance(name, str):
        if name in STRATEGIES:
            return name
        if name in ALIASES:
            return ALIASES[name]
    raise InvalidMergeStrategy(f"Invalid merge strategy '{name}': use one of {', '.join(STRATEGIES)}")


@dataclass(frozen=True)
class NamedSpace:
    """One input preset: its name (for conflict reports) and its normalised parameters."""

    name: str
    parameters: ParameterSpace


@dataclass
class Conflict:
    parameter: str
    presets: list[str]
    values: list[list[Scalar]]
    kept: list[Scalar] | None
    message: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class MergeResult:
    parameters: ParameterSpace
    strategy: str
    conflicts: list[Conflict] = field(default_factory=list)
    combinations: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "parameters": self.parameters,
            "strategy": self.strategy,
            "conflicts": [c.to_dict() for c in self.conflicts],
            "combinations": self.combinations,
        }


# --------------------------------------------------------------------------------------------
# Merging. Each function returns a fresh space, but arrays may still be the input lists;
# ``_copy_space`` at the end makes every array a fresh list.


def _union(spaces: list[ParameterSpace]) -> ParameterSpace:
    # Fast path: a level holding arrays only (the usual case). Group the arrays by name, then
    # let C loops do the rest: one set per parameter, and an exact look for booleans only when
    # 0 or 1 is among the values (``True == 1``).
    by_key: dict[str, list[Any]] = {}
    for space in spaces:
        for name, values in space.items():
            if values.__class__ is dict:
                return _union_mixed(spaces)
            holders = by_key.get(name)
            if holders is None:
                by_key[name] = [values]
            else:
                holders.append(values)
    out: dict[str, Any] = {}
    for name, holders in by_key.items():
        seen = set(chain.from_iterable(holders))  # keeps the first of 1 and 1.0
        if (True in seen or False in seen) and bool in set(map(type, chain.from_iterable(holders))):
            seen = set()
            for values in holders:
                seen.update(_keys(values))
        out[name] = sorted([_unkey(k) for k in seen], key=sort_key)
    return out


def _union_mixed(spaces: list[ParameterSpace]) -> ParameterSpace:
    by_key: dict[str, list[Any]] = {}
    for space in spaces:
        for name, value in space.items():
            holders = by_key.get(name)
            if holders is None:
                by_key[name] = [value]
            else:
                holders.append(value)
    out: dict[str, Any] = {}
    for name, holders in by_key.items():
        last_is_group = holders[-1].__class__ is dict
        if last_is_group:
            out[name] = _union([h for h in holders if h.__class__ is dict])
            continue
        seen: set[Any] = set()
        for values in holders:
            if values.__class__ is dict:
                continue
            if bool in map(type, values):
                seen.update(_keys(values))
            else:
                seen.update(values)  # keeps the first of 1 and 1.0
        out[name] = sorted([_unkey(k) for k in seen], key=sort_key)
    return out


def _intersection(spaces: list[ParameterSpace]) -> ParameterSpace:
    first, rest = spaces[0], spaces[1:]
    out: dict[str, Any] = {}
    for name, value in first.items():
        holders = [value]
        for space in rest:
            other = space.get(name)
            if other is None:
                break
            holders.append(other)
        else:
            if value.__class__ is dict:
                if all(h.__class__ is dict for h in holders):
                    merged = _intersection(holders)
                    if merged:
                        out[name] = merged
                continue
            if any(h.__class__ is dict for h in holders):
                continue
            common = _keys(value)
            for other in holders[1:]:
                common &= _keys(other)
                if not common:
                    break
            if common:
                out[name] = sorted([v for v in value if _key(v) in common], key=sort_key)
    return out


def _deep_into(target: ParameterSpace, space: ParameterSpace) -> ParameterSpace:
    """Merge ``space`` into ``target`` (a dict this module owns) like deep_merge."""
    for name, value in space.items():
        if value.__class__ is dict:
            current = target.get(name)
            if current.__class__ is not dict:
                current = target[name] = {}
            _deep_into(current, value)
        else:
            target[name] = value
    return target


def _last_wins(spaces: list[ParameterSpace]) -> ParameterSpace:
    out: dict[str, Any] = {}
    for space in spaces:
        out.update(space)
    return out


def _copy_space(space: ParameterSpace) -> ParameterSpace:
    return {k: (_copy_space(v) if v.__class__ is dict else list(v)) for k, v in space.items()}


def _sorted_space(space: ParameterSpace) -> ParameterSpace:
    return {k: (_sorted_space(v) if v.__class__ is dict else sorted(v, key=sort_key)) for k, v in space.items()}


# --------------------------------------------------------------------------------------------
# Conflict reports, computed after the merge by comparing every input leaf with the result.


def _collect_leaves(space: ParameterSpace, prefix: Path, name: str, leaves: dict[Path, list[Holder]]) -> None:
    for key, value in space.items():
        path = (*prefix, key)
        if value.__class__ is dict:
            _collect_leaves(value, path, name, leaves)
        else:
            holders = leaves.get(path)
            if holders is None:
                leaves[path] = [(name, value)]
            else:
                holders.append((name, value))


def _lookup(space: ParameterSpace, path: Path) -> Any:
    """The result's node at ``path`` or ``None`` when the path does not exist."""
    node: Any = space
    for key in path:
        if node.__class__ is not dict:
            return None
        node = node.get(key)
        if node is None:
            return None
    return node


def _dotted(path: Path) -> str:
    return ".".join(path)


def _names(names: list[str]) -> str:
    if len(names) <= _MESSAGE_PRESETS:
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    shown = ", ".join(names[:_MESSAGE_PRESETS])
    return f"{shown} and {len(names) - _MESSAGE_PRESETS} more"


def _holders_text(holders: list[Holder]) -> str:
    parts = [f"{name} has {format_values(values)}" for name, values in holders[:_MESSAGE_PRESETS]]
    if len(holders) > _MESSAGE_PRESETS:
        parts.append(f"and {len(holders) - _MESSAGE_PRESETS} more presets")
    return ", ".join(parts)


def _form(node: Any) -> str:
    return "a group" if node.__class__ is dict else "an array"


class _Reporter:
    """Explains, for one merge, why a leaf was dropped."""

    def __init__(self, presets: Sequence[NamedSpace], strategy: str, result: ParameterSpace) -> None:
        self.presets = presets
        self.strategy = strategy
        self.result = result

    def _holders_of(self, prefix: Path) -> list[tuple[str, Any]]:
        out = []
        for preset in self.presets:
            node = _lookup(preset.parameters, prefix)
            if node is not None:
                out.append((preset.name, node))
        return out

    def _clash(self, path: Path) -> tuple[Path, str] | None:
        """The first prefix of ``path`` whose form in the result differs from the leaf's
        ancestry (an array where a group is needed, or a group where the array is), with the
        last preset that gave that form."""
        node: Any = self.result
        for depth, key in enumerate(path):
            node = node.get(key)
            if node is None:
                return None
            last = depth == len(path) - 1
            if (node.__class__ is dict) == last:  # array above the leaf, or group at the leaf
                prefix = path[: depth + 1]
                givers = [n for n, v in self._holders_of(prefix) if v.__class__ is node.__class__]
                return prefix, (givers[-1] if givers else "overrides")
            if last:
                return None
        return None

    def dropped(self, path: Path, holders: list[Holder]) -> str:
        p = _dotted(path)
        held = _holders_text(holders)
        strategy = self.strategy
        if strategy == "intersection":
            holder_names = {n for n, _ in holders}
            lacking = [pr for pr in self.presets if pr.name not in holder_names]
            if not lacking:
                listed = " vs ".join(format_values(v) for _, v in holders[:_MESSAGE_PRESETS])
                if len(holders) > _MESSAGE_PRESETS:
                    listed += f" vs ... ({len(holders)} presets)"
                return (
                    f"No common values in intersection for '{p}': {listed}, so it is left out;"
                    " switch to union or last_wins to keep it."
                )
            other_form = []
            for preset in lacking:
                for depth in range(1, len(path) + 1):
                    node = _lookup(preset.parameters, path[:depth])
                    if node is None:
                        break
                    if (node.__class__ is dict) == (depth == len(path)):
                        other_form.append(f"{preset.name} gives '{_dotted(path[:depth])}' as {_form(node)}")
                        break
            if other_form:
                return f"'{p}': {held}, but {'; '.join(other_form[:_MESSAGE_PRESETS])}, so intersection leaves it out."
            names = _names([pr.name for pr in lacking])
            return f"'{p}' is missing from {names} ({held}), so intersection leaves it out."
        if strategy == "last_wins":
            top = path[:1]
            givers = self._holders_of(top)
            winner = givers[-1][0] if givers else "a later preset"
            if len(path) > 1:
                return f"'{p}': {held}; last_wins drops it because {winner} replaces '{top[0]}' whole."
            return f"'{p}': {held}; last_wins drops it because {winner} gives '{top[0]}' as a group."
        clash = self._clash(path)
        if clash is not None:
            prefix, giver = clash
            node = _lookup(self.result, prefix)
            reason = f"{giver} gives '{_dotted(prefix)}' as {_form(node)}"
            if strategy == "union":
                return f"'{p}': {held}; union drops it because {reason} and the last preset's form wins."
            return f"'{p}': {held}; {strategy} drops it because {reason}."
        # deep_merge: an ancestor was replaced by an array, then regrouped by a later preset.
        last_holder = holders[-1][0]
        after = False
        for preset in self.presets:
            if preset.name == last_holder:
                after = True
                continue
            if not after:
                continue
            for depth in range(1, len(path)):
                node = _lookup(preset.parameters, path[:depth])
                if node is not None and node.__class__ is not dict:
                    return (
                        f"'{p}': {held}; {strategy} drops it because {preset.name}"
                        f" replaces '{_dotted(path[:depth])}' with an array."
                    )
        return f"'{p}': {held}; {strategy} drops it."


def _conflicts(presets: Sequence[NamedSpace], strategy: str, result: ParameterSpace) -> list[Conflict]:
    leaves: dict[Path, list[Holder]] = {}
    for preset in presets:
        _collect_leaves(preset.parameters, (), preset.name, leaves)
    reporter = _Reporter(presets, strategy, result)
    conflicts: list[Conflict] = []
    for path, holders in leaves.items():
        kept = _lookup(result, path)
        if kept.__class__ is not list:
            conflicts.append(
                Conflict(
                    parameter=_dotted(path),
                    presets=[n for n, _ in holders],
                    values=[list(v) for _, v in holders],
                    kept=None,
                    message=reporter.dropped(path, holders),
                )
            )
            continue
        kept_keys = _keys(kept)
        if all(len(v) == len(kept_keys) and _keys(v) == kept_keys for _, v in holders):
            continue
        if strategy in ("last_wins", "deep_merge"):
            keeps = f"{strategy} keeps {holders[-1][0]}'s {format_values(kept)}"
        else:
            keeps = f"{strategy} keeps {format_values(kept)}"
        conflicts.append(
            Conflict(
                parameter=_dotted(path),
                presets=[n for n, _ in holders],
                values=[v.copy() for _, v in holders],
                kept=list(kept),
                message=f"'{_dotted(path)}': {_holders_text(holders)}; {keeps}.",
            )
        )
    return conflicts


class PresetMerger:
    """Merges parameter spaces. Stateless; one instance may be shared."""

    def merge(
        self,
        presets: Sequence[NamedSpace],
        strategy: str = "union",
        overrides: ParameterSpace | None = None,
    ) -> MergeResult:
        """Merge ``presets`` in order with ``strategy``, then apply ``overrides``.

        Raises :class:`InvalidMergeStrategy` for an unknown strategy and
        :class:`ValidationFailed` when ``presets`` is empty.
        """
        canonical = canonical_strategy(strategy)
        if not presets:
            raise ValidationFailed("Select at least one preset to merge.")
        spaces = [p.parameters for p in presets]

        if len(spaces) == 1:
            merged = _sorted_space(spaces[0]) if canonical == "union" else _copy_space(spaces[0])
            conflicts: list[Conflict] = []
        else:
            if canonical == "union":
                merged = _union(spaces)
            elif canonical == "intersection":
                merged = _intersection(spaces)
            elif canonical == "last_wins":
                merged = _last_wins(spaces)
            else:
                merged = {}
                for space in spaces:
                    _deep_into(merged, space)
            conflicts = _conflicts(presets, canonical, merged)
            merged = _copy_space(merged)

        if overrides:
            merged = _copy_space(_deep_into(merged, overrides))
        return MergeResult(
            parameters=merged,
            strategy=canonical,
            conflicts=conflicts,
            combinations=count_combinations(merged) if merged else 0,
        )
