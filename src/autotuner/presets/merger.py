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

``smart``
    chooses per parameter with the engine catalog's facts (:class:`FlagFacts`, given as plain
    data by the caller): a boolean or a string flag (a choice used as a mode) takes the last
    preset's values, because its values exclude each other; a numeric flag is list-like, so its
    values are unioned; a numeric flag with a range or choices keeps only the values inside them
    and says which were dropped and why (a parameter left with none is left out, so the engine's
    default applies). A flag the catalog does not know is judged by its values (booleans and
    strings: the last preset's; numbers: union). Groups and arrays meet as in ``deep_merge``.
    Every choice is explained in ``decisions``.

``resolutions`` decide conflicts one parameter (leaf, by dotted name) at a time, on top of any
strategy: ``union``, ``intersection`` (when nothing is common, the nearest values: for numbers
the values closest to every preset, otherwise the last preset's, and it says so), ``first``,
``last``, ``min``, ``max`` (numbers only), or an explicit array of values. Each conflict carries
the resolution the strategy amounts to (``proposed``, ``None`` when the strategy dropped the
parameter), the values each resolution would give (``options``) and the one applied
(``resolution``).

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

import math
from bisect import bisect_left
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain
from typing import Any, Generic, TypeVar

from autotuner.core.errors import InvalidMergeStrategy, ValidationFailed
from autotuner.core.parameters import (
    ParameterProblem,
    ParameterSpace,
    Scalar,
    count_combinations,
    format_values,
    iter_leaves,
    normalize_parameters,
    sort_key,
)

STRATEGIES = ("union", "intersection", "last_wins", "deep_merge", "smart")
RESOLUTIONS = ("union", "intersection", "first", "last", "min", "max")
# The resolution each plain strategy amounts to, for a parameter it keeps.
_PROPOSALS = {"union": "union", "intersection": "intersection", "last_wins": "last", "deep_merge": "last"}
# A resolution: one of RESOLUTIONS, or the explicit values to keep.
Resolution = str | list[Any]
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


@dataclass(frozen=True)
class FlagFacts:
    """What the engine catalog says of one flag, as plain data (``smart`` needs nothing else)."""

    type: str  # int, float, bool or string
    choices: tuple[Scalar, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False
    exclusive_maximum: bool = False
    allowed: str = ""  # the catalog's phrase: "a number in (0, 1]", "one of lpm, fcfs"

    @property
    def numeric(self) -> bool:
        return self.type in ("int", "float")

    @property
    def limited(self) -> bool:
        return self.choices is not None or self.minimum is not None or self.maximum is not None

    def accepts(self, value: Scalar) -> bool:
        if self.choices is not None:
            key = _key(value)
            return any(_key(choice) == key for choice in self.choices)
        if not self.numeric or isinstance(value, (bool, str)):
            return True  # a wrong type is the catalog check's business, not the merge's
        if self.minimum is not None and (value < self.minimum or (self.exclusive_minimum and value == self.minimum)):
            return False
        return not (
            self.maximum is not None and (value > self.maximum or (self.exclusive_maximum and value == self.maximum))
        )


@dataclass
class Conflict:
    parameter: str
    presets: list[str]
    values: list[list[Scalar]]
    kept: list[Scalar] | None
    message: str
    # The resolution the strategy amounts to for this parameter (None: the strategy dropped it).
    proposed: str | None = None
    # The resolution the request applied (a name or explicit values), None when none was given.
    resolution: Resolution | None = None
    # What each resolution would keep (min and max only for numbers; none when the merged space
    # holds an array where this parameter's group would be).
    options: dict[str, list[Scalar]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        # By hand: dataclasses.asdict deep-copies every scalar, a third of a merge's answer.
        return {
            "parameter": self.parameter,
            "presets": list(self.presets),
            "values": [list(v) for v in self.values],
            "kept": None if self.kept is None else list(self.kept),
            "message": self.message,
            "proposed": self.proposed,
            "resolution": list(self.resolution) if isinstance(self.resolution, list) else self.resolution,
            "options": {name: list(kept) for name, kept in self.options.items()},
        }


class _LazyConflict(Conflict):
    """A conflict whose sentence is written when it is first read: a merge of many presets
    reports many conflicts, and a caller (a task's creation, a check) may read none of them.
    Assigning ``message`` replaces the sentence, as on :class:`Conflict`."""

    def __init__(self, build: Callable[[], str], **fields: Any) -> None:
        super().__init__(message="", **fields)
        self._build: Callable[[], str] | None = build

    @property
    def message(self) -> str:
        if self._build is not None:
            self._text = self._build()
            self._build = None
        return self._text

    @message.setter
    def message(self, value: str) -> None:
        self._text = value
        self._build = None


@dataclass
class Decision:
    """One choice the merge made for a parameter, in words (smart merge, resolutions)."""

    parameter: str
    rule: str  # last, union, range, left_out, resolution, nearest
    kept: list[Scalar] | None
    dropped: list[Scalar]
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "parameter": self.parameter,
            "rule": self.rule,
            "kept": None if self.kept is None else list(self.kept),
            "dropped": list(self.dropped),
            "message": self.message,
        }


@dataclass
class MergeResult:
    parameters: ParameterSpace
    strategy: str
    conflicts: list[Conflict] = field(default_factory=list)
    combinations: int = 0
    decisions: list[Decision] = field(default_factory=list)
    runtime: str | None = None  # the engine whose catalog facts the caller gave (for its reports)

    def to_dict(self) -> dict[str, Any]:
        return {
            "parameters": self.parameters,
            "strategy": self.strategy,
            "conflicts": [c.to_dict() for c in self.conflicts],
            "combinations": self.combinations,
            "decisions": [d.to_dict() for d in self.decisions],
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
        else:
            out[name] = _ascending(seen)
    return out


_NUMBERS = frozenset((int, float))
_STRINGS = frozenset((str,))


def _ascending(values: set[Any]) -> list[Any]:
    """``sorted(values, key=sort_key)`` for values without booleans, without calling the key per
    value when they are all numbers or all strings (the usual case)."""
    types = set(map(type, values))
    if types <= _NUMBERS or types == _STRINGS:
        return sorted(values)
    return sorted(values, key=sort_key)


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


def _all_leaves(presets: Sequence[NamedSpace]) -> dict[Path, list[Holder]]:
    """Every leaf of the presets with who holds it, in the order of first appearance. Top-level
    arrays (the usual case) take a fast path: one path tuple and one lookup by name each."""
    leaves: dict[Path, list[Holder]] = {}
    top: dict[str, list[Holder]] = {}
    for preset in presets:
        name = preset.name
        for key, value in preset.parameters.items():
            if value.__class__ is dict:
                _collect_leaves(value, (key,), name, leaves)
                continue
            holders = top.get(key)
            if holders is None:
                holders = top[key] = leaves.setdefault((key,), [])
            holders.append((name, value))
    return leaves


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


def _conflicts(
    presets: Sequence[NamedSpace],
    strategy: str,
    result: ParameterSpace,
    explain: Mapping[Path, str] | None = None,
    leaves: dict[Path, list[Holder]] | None = None,
) -> list[Conflict]:
    if leaves is None:
        leaves = _all_leaves(presets)
    reporter = _Reporter(presets, strategy, result)
    explain = explain or {}
    conflicts: list[Conflict] = []
    for path, holders in leaves.items():
        kept = _lookup(result, path)
        if kept.__class__ is not list:
            reason = explain.get(path)
            conflicts.append(
                Conflict(
                    parameter=_dotted(path),
                    presets=[n for n, _ in holders],
                    values=[list(v) for _, v in holders],
                    kept=None,
                    message=(
                        f"'{_dotted(path)}': {_holders_text(holders)}; {reason}."
                        if reason
                        else reporter.dropped(path, holders)
                    ),
                )
            )
            continue
        kept_keys = _keys(kept)
        if all(len(v) == len(kept_keys) and _keys(v) == kept_keys for _, v in holders):
            continue
        conflicts.append(
            _LazyConflict(
                _kept_sentence(path, holders, list(kept), strategy, explain.get(path)),
                parameter=_dotted(path),
                presets=[n for n, _ in holders],
                values=[v.copy() for _, v in holders],
                kept=list(kept),
            )
        )
    return conflicts


def _kept_sentence(
    path: Path, holders: list[Holder], kept: list[Scalar], strategy: str, explained: str | None
) -> Callable[[], str]:
    """Writes, when called, the sentence of a conflict whose parameter the merge kept. ``kept`` is
    the builder's own copy; ``holders`` are the input lists, which the merge never changes."""

    def build() -> str:
        if explained is not None:
            keeps = explained
        elif strategy in ("last_wins", "deep_merge"):
            keeps = f"{strategy} keeps {holders[-1][0]}'s {format_values(kept)}"
        else:
            keeps = f"{strategy} keeps {format_values(kept)}"
        return f"'{_dotted(path)}': {_holders_text(holders)}; {keeps}."

    return build


# --------------------------------------------------------------------------------------------
# Smart merge and resolutions.


def _is_number(value: Any) -> bool:
    return value.__class__ is not bool and isinstance(value, (int, float))


def _union_values(holders: Sequence[Holder]) -> list[Scalar]:
    """Every value the holders give, once, ascending (as ``union`` does)."""
    lists = [values for _, values in holders]
    seen: set[Any] = set(chain.from_iterable(lists))  # keeps the first of 1 and 1.0
    if (True in seen or False in seen) and bool in set(map(type, chain.from_iterable(lists))):
        keys: set[Any] = set()
        for values in lists:
            keys.update(_keys(values))
        return sorted([_unkey(k) for k in keys], key=sort_key)
    return sorted(seen, key=sort_key)


def _same_sets(holders: Sequence[Holder]) -> bool:
    first = _keys(list(holders[0][1]))
    return all(len(v) == len(first) and _keys(list(v)) == first for _, v in holders[1:])


def _plain(number: float) -> float | int:
    return int(number) if number.is_integer() else round(number, 12)


def _nearest(holders: Sequence[Holder]) -> tuple[list[Scalar], float]:
    """The values of the union closest to every preset: those whose largest distance to the
    nearest value of each preset is smallest (``[1, 2]`` and ``[4, 8]`` give ``[2, 4]``)."""
    candidates = _union_values(holders)
    sets = [sorted(float(v) for v in values) for _, values in holders]

    def distance(value: float, ordered: list[float]) -> float:
        i = bisect_left(ordered, value)
        near = [abs(ordered[j] - value) for j in (i - 1, i) if 0 <= j < len(ordered)]
        return min(near)

    costs = [max(distance(float(c), ordered) for ordered in sets) for c in candidates]
    best = min(costs)
    return [c for c, cost in zip(candidates, costs, strict=True) if math.isclose(cost, best)], best


def _kind(facts: FlagFacts | None, holders: Sequence[Holder]) -> tuple[str, str]:
    """How smart merges a parameter ("last" or "union") and why, in words."""
    if facts is not None:
        if facts.type == "bool":
            return "last", "a boolean flag, whose values exclude each other"
        if facts.type == "string":
            what = f"a choice ({facts.allowed})" if facts.choices is not None else "a string flag"
            return "last", f"{what} used as a mode, whose values exclude each other"
        return "union", "a numeric flag, whose values are a list to explore"
    types = set(map(type, chain.from_iterable(vs for _, vs in holders)))
    if types <= {bool}:
        return "last", "not in the catalog, and its values are booleans, which exclude each other"
    if types <= {int, float}:
        return "union", "not in the catalog, and its values are numbers, a list to explore"
    return "last", "not in the catalog, and its values are strings, taken as a mode"


def _set_path(space: ParameterSpace, path: Path, values: list[Scalar] | None) -> bool:
    """Put ``values`` at ``path`` (None removes it, and groups left empty); False when an array
    stands where a group of the path would be."""
    node = space
    trail: list[tuple[ParameterSpace, str]] = []
    for key in path[:-1]:
        child = node.get(key)
        if child is None:
            if values is None:
                return True
            child = node[key] = {}
        elif child.__class__ is not dict:
            return False
        trail.append((node, key))
        node = child
    if values is not None:
        node[path[-1]] = values
        return True
    node.pop(path[-1], None)
    for parent, key in reversed(trail):
        if parent[key]:
            break
        del parent[key]
    return True


def _blocker(space: ParameterSpace, path: Path) -> Path | None:
    """The first prefix of ``path`` holding an array in ``space`` (where a group is needed)."""
    node: Any = space
    for depth, key in enumerate(path[:-1]):
        node = node.get(key)
        if node is None:
            return None
        if node.__class__ is not dict:
            return path[: depth + 1]
    return None


class _Smart:
    """Smart merge, and the per-parameter resolutions on top of any strategy."""

    def __init__(self, presets: Sequence[NamedSpace], strategy: str, flags: Mapping[str, FlagFacts] | None) -> None:
        self.strategy = strategy
        self.flags = flags or {}
        self.smart = strategy == "smart"
        self.presets = presets
        self._leaves: dict[Path, list[Holder]] | None = None
        self._kinds: dict[Path, tuple[str, str]] = {}
        self.decisions: list[Decision] = []
        self.explain: dict[Path, str] = {}

    @property
    def leaves(self) -> dict[Path, list[Holder]]:
        """Every leaf of the presets and who holds it (collected when first needed)."""
        if self._leaves is None:
            self._leaves = _all_leaves(self.presets)
        return self._leaves

    def facts(self, path: Path) -> FlagFacts | None:
        return self.flags.get(_dotted(path))

    def filter(self, path: Path, values: list[Scalar]) -> tuple[list[Scalar], list[Scalar]]:
        """Smart keeps only the values the catalog accepts: (kept, dropped)."""
        facts = self.facts(path)
        if not self.smart or facts is None or not facts.limited:
            return values, []
        kept = [v for v in values if facts.accepts(v)]
        return kept, [v for v in values if not facts.accepts(v)]

    def _filter_explained(self, path: Path, values: list[Scalar], clause: str) -> tuple[list[Scalar] | None, str]:
        kept, dropped = self.filter(path, values)
        if not dropped:
            return kept, clause
        facts = self.facts(path)
        assert facts is not None  # filter drops values only with the catalog's facts
        p = _dotted(path)
        shown = ", ".join(format_values(v) for v in dropped)
        if kept:
            message = f"'{p}': smart drops {shown}, outside what the catalog allows ({facts.allowed}); it keeps {format_values(kept)}."
            self.decisions.append(Decision(p, "range", list(kept), list(dropped), message))
            return kept, f"{clause}, then drops {shown} (the catalog allows {facts.allowed})"
        message = (
            f"'{p}': every value ({shown}) is outside what the catalog allows ({facts.allowed}), so smart"
            " leaves the parameter out and the engine's default applies."
        )
        self.decisions.append(Decision(p, "left_out", None, list(dropped), message))
        return None, f"every value is outside what the catalog allows ({facts.allowed}), so smart leaves it out"

    def merge(self, spaces: list[ParameterSpace]) -> ParameterSpace:
        """The smart merge of ``spaces``: forms as deep_merge, values chosen per parameter."""
        result: ParameterSpace = {}
        for space in spaces:
            _deep_into(result, space)
        result = _copy_space(result)
        for path, _values in list(iter_leaves(result)):
            holders = self.leaves[path]
            p = _dotted(path)
            kind, why = self.kind(path)
            if _same_sets(holders):
                chosen, clause = list(holders[-1][1]), "smart keeps them"
            else:
                if kind == "last":
                    chosen = list(holders[-1][1])
                    body = f"{why}: smart keeps the last preset's ({holders[-1][0]}) {format_values(chosen)}"
                else:
                    chosen = _union_values(holders)
                    body = f"{why}: smart unions them to {format_values(chosen)}"
                clause = f"it is {body}"
                self.decisions.append(Decision(p, kind, list(chosen), [], f"'{p}' is {body}."))
            kept, clause = self._filter_explained(path, chosen, clause)
            _set_path(result, path, kept)
            self.explain[path] = clause
        return result

    def kind(self, path: Path) -> tuple[str, str]:
        found = self._kinds.get(path)
        if found is None:
            found = self._kinds[path] = _kind(self.facts(path), self.leaves[path])
        return found

    def proposed(self, path: Path) -> str:
        if self.smart:
            return self.kind(path)[0]
        return {"union": "union", "intersection": "intersection"}.get(self.strategy, "last")

    def values_for(
        self, path: Path, resolution: str, *, explain: bool = True
    ) -> tuple[list[Scalar] | None, str | None]:
        """What ``resolution`` keeps for ``path`` (None when it does not apply) and, with
        ``explain``, a note when intersection fell back to the nearest values."""
        holders = self.leaves[path]
        if resolution == "union":
            return _union_values(holders), None
        if resolution == "first":
            return list(holders[0][1]), None
        if resolution == "last":
            return list(holders[-1][1]), None
        if resolution == "intersection":
            common = _keys(list(holders[0][1]))
            for _, values in holders[1:]:
                common &= _keys(list(values))
            if common:
                return sorted([v for v in holders[0][1] if _key(v) in common], key=sort_key), None
            numeric = all(_is_number(v) for _, vs in holders for v in vs)
            if not explain:
                return (_nearest(holders)[0] if numeric else list(holders[-1][1])), None
            shown = " and ".join(format_values(v) for _, v in holders[:_MESSAGE_PRESETS])
            if numeric:
                nearest, distance = _nearest(holders)
                return nearest, (
                    f"{shown} have no value in common, so intersection falls back to the nearest values"
                    f" {format_values(nearest)} (each within {format_values(_plain(distance))} of every preset's values)"
                )
            last = list(holders[-1][1])
            return last, (
                f"{shown} have no value in common, so intersection falls back to the last preset's"
                f" ({holders[-1][0]}) {format_values(last)}"
            )
        numbers = [v for _, vs in holders for v in vs]
        if not all(_is_number(v) for v in numbers):
            return None, None
        return [min(numbers) if resolution == "min" else max(numbers)], None

    def options(self, path: Path) -> dict[str, list[Scalar]]:
        """What each resolution would keep for ``path`` (as :meth:`values_for`, filtered), those
        that keep something; in one pass over the holders (a preview asks it of every conflict)."""
        holders = self.leaves[path]
        numbers = [v for _, vs in holders for v in vs]
        candidates: dict[str, list[Scalar] | None] = {
            "union": _union_values(holders),
            "intersection": self.values_for(path, "intersection", explain=False)[0],
            "first": list(holders[0][1]),
            "last": list(holders[-1][1]),
        }
        if all(_is_number(v) for v in numbers):
            candidates["min"], candidates["max"] = [min(numbers)], [max(numbers)]
        facts = self.facts(path)
        limited = self.smart and facts is not None and facts.limited
        out: dict[str, list[Scalar]] = {}
        for name, values in candidates.items():
            kept = [v for v in values if facts.accepts(v)] if limited and facts is not None and values else values
            if kept:
                out[name] = kept
        return out

    def resolve(self, result: ParameterSpace, resolutions: Mapping[str, Resolution]) -> dict[Path, Resolution]:
        """Apply ``resolutions`` to ``result`` in place; returns them by path."""
        by_name: dict[str, Path] = {_dotted(path): path for path in self.leaves}
        applied: dict[Path, Resolution] = {}
        for name, resolution in resolutions.items():
            path = by_name.get(name)
            if path is None:
                held = ", ".join(sorted(by_name)[:10]) or "none"
                raise ValidationFailed(
                    f"Cannot resolve '{name}': no selected preset holds it; resolve one of their parameters ({held})."
                )
            blocker = _blocker(result, path)
            if blocker is not None:
                raise ValidationFailed(
                    f"Cannot resolve '{name}': the merged space holds '{_dotted(blocker)}' as an array, not a group;"
                    f" resolve '{_dotted(blocker)}' instead."
                )
            kept: list[Scalar] | None
            if isinstance(resolution, list):
                try:
                    kept = normalize_parameters({name: resolution})[name]
                except ParameterProblem as problem:
                    raise ValidationFailed(f"Invalid resolution for '{name}': {problem}.") from None
                rule, clause = "resolution", f"the resolution keeps the explicit values {format_values(kept)}"
            elif resolution in RESOLUTIONS:
                chosen, note = self.values_for(path, resolution)
                if chosen is None:
                    raise ValidationFailed(
                        f"Cannot resolve '{name}' with '{resolution}': its values are not all numbers;"
                        " use union, intersection, first, last or explicit values."
                    )
                rule = "nearest" if note else "resolution"
                kept, clause = self._filter_explained(
                    path, chosen, note or f"resolution '{resolution}' keeps {format_values(chosen)}"
                )
            else:
                raise ValidationFailed(
                    f"Invalid resolution {format_values(resolution)} for '{name}': use one of"
                    f" {', '.join(RESOLUTIONS)}, or an array of values."
                )
            _set_path(result, path, kept)
            # The resolution replaces what the strategy decided for this parameter.
            self.decisions = [d for d in self.decisions if d.parameter != name]
            self.decisions.append(
                Decision(name, rule, None if kept is None else list(kept), [], f"'{name}': {clause}.")
            )
            self.explain[path] = clause
            applied[path] = resolution
        return applied


class PresetMerger:
    """Merges parameter spaces. Stateless; one instance may be shared."""

    def merge(
        self,
        presets: Sequence[NamedSpace],
        strategy: str = "union",
        overrides: ParameterSpace | None = None,
        *,
        resolutions: Mapping[str, Resolution] | None = None,
        flags: Mapping[str, FlagFacts] | None = None,
        options: bool = False,
    ) -> MergeResult:
        """Merge ``presets`` in order with ``strategy``, apply ``resolutions`` per parameter, then
        ``overrides``. ``flags`` are the engine catalog's facts smart merge uses, by flag name
        (dotted for a group's leaves). ``options``: give each conflict what every resolution would
        keep (for a preview where the user decides; it costs a pass over each conflict's values).

        Raises :class:`InvalidMergeStrategy` for an unknown strategy and
        :class:`ValidationFailed` when ``presets`` is empty or a resolution cannot apply.
        """
        canonical = canonical_strategy(strategy)
        if not presets:
            raise ValidationFailed("Select at least one preset to merge.")
        spaces = [p.parameters for p in presets]
        smart = _Smart(presets, canonical, flags)

        if canonical == "smart":
            merged = smart.merge(spaces)
            conflicts = _conflicts(presets, canonical, merged, smart.explain, smart.leaves)
        elif len(spaces) == 1:
            merged = _sorted_space(spaces[0]) if canonical == "union" else _copy_space(spaces[0])
            conflicts = []
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

        plain_proposal = None if canonical == "smart" else _PROPOSALS[canonical]
        paths: dict[str, Path] = {}
        if canonical == "smart" or resolutions or options:
            paths = {_dotted(path): path for path in smart.leaves}
        for conflict in conflicts:
            if conflict.kept is not None:
                conflict.proposed = plain_proposal or smart.proposed(paths[conflict.parameter])
        if resolutions:
            self._resolve(smart, merged, resolutions, conflicts)
        if options:
            for conflict in conflicts:
                if _blocker(merged, paths[conflict.parameter]) is None:
                    conflict.options = smart.options(paths[conflict.parameter])

        if overrides:
            merged = _copy_space(_deep_into(merged, overrides))
        return MergeResult(
            parameters=merged,
            strategy=canonical,
            conflicts=conflicts,
            combinations=count_combinations(merged) if merged else 0,
            decisions=smart.decisions,
        )

    @staticmethod
    def _resolve(
        smart: _Smart, merged: ParameterSpace, resolutions: Mapping[str, Resolution], conflicts: list[Conflict]
    ) -> None:
        smart.explain = {}
        applied = smart.resolve(merged, resolutions)
        by_name = {c.parameter: c for c in conflicts}
        for path, resolution in applied.items():
            name = _dotted(path)
            holders = smart.leaves[path]
            conflict = by_name.get(name)
            if conflict is None:  # a parameter the presets agreed on, resolved all the same
                conflict = Conflict(
                    parameter=name,
                    presets=[n for n, _ in holders],
                    values=[list(v) for _, v in holders],
                    kept=None,
                    message="",
                    proposed=smart.proposed(path),
                )
                conflicts.append(conflict)
            kept = _lookup(merged, path)
            conflict.kept = list(kept) if kept.__class__ is list else None
            conflict.resolution = list(resolution) if isinstance(resolution, list) else resolution
            conflict.message = f"'{name}': {_holders_text(holders)}; {smart.explain[path]}."


# --------------------------------------------------------------------------------------------
# Layers: a preset that extends others. Its effective parameters are its bases' effective
# parameters deep-merged in order, then its own on top; each leaf remembers who gave it.

S = TypeVar("S")


@dataclass(frozen=True)
class Layer(Generic[S]):
    """One input of :func:`layer`: a space and, per leaf path, the source of its values."""

    parameters: ParameterSpace
    sources: Mapping[Path, S]


def own_layer(parameters: ParameterSpace, source: S) -> Layer[S]:
    """A preset's own parameters, every leaf given by ``source``."""
    return Layer(parameters, {path: source for path, _ in iter_leaves(parameters)})


def layer(layers: Sequence[Layer[S]]) -> Layer[S]:
    """Deep-merge ``layers`` in order (later wins, groups key by key); each leaf of the result
    keeps the source the last layer holding it gave."""
    merged: ParameterSpace = {}
    for item in layers:
        _deep_into(merged, item.parameters)
    merged = _copy_space(merged)
    sources: dict[Path, S] = {}
    for path, _values in iter_leaves(merged):
        for item in reversed(layers):
            node = _lookup(item.parameters, path)
            if node.__class__ is list:
                sources[path] = item.sources[path]
                break
    return Layer(merged, sources)


def detached_own(effective: ParameterSpace, remaining: Sequence[ParameterSpace], own: ParameterSpace) -> ParameterSpace:
    """The own parameters a preset needs, once a base is removed from its ``extends``, to keep
    the same ``effective`` parameters over its ``remaining`` bases' effective parameters: its own
    plus every value the removed base gave. Falls back to a full copy of ``effective``."""
    without: ParameterSpace = {}
    for space in (*remaining, own):
        _deep_into(without, space)
    new_own = _copy_space(own)
    for path, values in iter_leaves(effective):
        if _lookup(without, path) != values:
            nested: ParameterSpace = {path[-1]: list(values)}
            for key in reversed(path[:-1]):
                nested = {key: nested}
            _deep_into(new_own, nested)
    check: ParameterSpace = {}
    for space in (*remaining, new_own):
        _deep_into(check, space)
    return _copy_space(new_own) if check == effective else _copy_space(effective)


def space_diff(before: ParameterSpace, after: ParameterSpace) -> dict[str, list[dict[str, Any]]]:
    """Parameters added, removed and changed from ``before`` to ``after``, by leaf (dotted
    name): ``{"added": [{"parameter", "values"}], "removed": [...], "changed": [{"parameter",
    "before", "after", "added_values", "removed_values"}]}``. Order of values counts."""
    old = dict(iter_leaves(before))
    new = dict(iter_leaves(after))
    added = [{"parameter": _dotted(p), "values": list(v)} for p, v in new.items() if p not in old]
    removed = [{"parameter": _dotted(p), "values": list(v)} for p, v in old.items() if p not in new]
    changed = []
    for path, values in new.items():
        was = old.get(path)
        if was is None or was == values:
            continue
        old_keys, new_keys = _keys(list(was)), _keys(list(values))
        changed.append(
            {
                "parameter": _dotted(path),
                "before": list(was),
                "after": list(values),
                "added_values": [v for v in values if _key(v) not in old_keys],
                "removed_values": [v for v in was if _key(v) not in new_keys],
            }
        )
    return {"added": added, "removed": removed, "changed": changed}


def diff_phrases(diff: Mapping[str, list[dict[str, Any]]], limit: int = 4) -> list[str]:
    """A :func:`space_diff` in words: ``tp-size [1, 2] -> [4]``, ``added schedule-policy``."""
    phrases = [f"added {d['parameter']} {format_values(d['values'])}" for d in diff["added"]]
    phrases += [f"removed {d['parameter']}" for d in diff["removed"]]
    phrases += [
        f"{d['parameter']} {format_values(d['before'])} -> {format_values(d['after'])}" for d in diff["changed"]
    ]
    if len(phrases) > limit:
        phrases = [*phrases[:limit], f"{len(phrases) - limit} more"]
    return phrases
