"""Enumerating a parameter space and applying the catalog's combination rules. Pure: plain data in,
plain data out; no database, no web.

Order. Combinations follow the cartesian product of the space's leaves (``iter_leaves`` order,
groups flattened in place) with the first key varying slowest and the last fastest. Each
combination keeps groups nested: ``{"tp-size": 1, "spec": {"num-steps": 3}}``.

Rules. A rule reads top-level flags by their catalog names (an alias or a group leaf is not seen
by rules). A rule *applies* to a space when at least one flag it reads is a top-level key of the
space and every context value it reads is known (``gpus=None`` means unknown, so GPU rules do not
apply; without the task's ``benchmark`` the tokens of its largest request are unknown, see
:func:`rule_context`). Only rules of severity ``error`` remove combinations; ``warning`` rules are
reported by catalog checking. Flags a rule reads that are absent from the space take their catalog
default; a ``null`` default makes the rule undecided, and an undecided rule never removes a combination (see
``autotuner.runtimes.catalog``). ``valid`` counts the combinations no rule removes; a combination
removed by several rules counts once toward each rule's ``removed``, so the ``removed`` figures
may add up to more than ``total - valid``.

Efficiency. Nothing is enumerated in full. A rule only depends on the values of its own flags, so
``removed`` for a rule is counted over the product of those flags' values and scaled by the rest
of the space; rules that share flags are grouped into components, and ``valid`` is the product of
each component's count of passing assignments times the size of the flags no rule reads. The
same per-component counts let the page iterator skip ``offset`` valid combinations and whole
subtrees of removed ones without visiting them; :class:`ValidCombinations` uses them to index the
valid combinations (the search strategies fetch random picks by index, never listing a space). ``max_enumerate`` bounds the assignments
enumerated for one rule or one component: past it the figure is not computed (``removed`` or
``valid`` is None and ``truncated`` is true); the page is then found by walking the space,
visiting at most ``max_enumerate`` nodes, and may come back short.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from autotuner.core.parameters import ParameterSpace, iter_leaves
from autotuner.runtimes.checking import machine_cpus
from autotuner.runtimes.loading import get_catalog
from autotuner.runtimes.rules import Rule
from autotuner.tuning.benchmark import InvalidBenchmark, parse_scenario

DEFAULT_MAX_ENUMERATE = 200_000

# One combination: every leaf holds a single value, groups kept nested.
Combination = dict[str, Any]


def largest_request_tokens(benchmark: Mapping[str, Any] | None) -> int | None:
    """Input + output tokens of one request of the largest of the task's traffic scenarios
    (``benchmark["traffic_scenarios"]``): ``D(in,out)`` gives in + out; ``N(...)`` its means plus
    three standard deviations. None when no scenario is given or none can be read."""
    scenarios = (benchmark or {}).get("traffic_scenarios")
    sizes = []
    for text in scenarios if isinstance(scenarios, list) else ():
        try:
            sizes.append(parse_scenario(text).request_tokens_bound())
        except InvalidBenchmark:
            continue
    return max(sizes) if sizes else None


def rule_context(*, gpus: int | None = None, benchmark: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """What the catalog's rules may read besides flags (see ``autotuner.runtimes.rules.CONTEXT_NAMES``):
    the GPUs the task may use (when given), this machine's CPUs, and the tokens of the task's largest
    request (when its benchmark is given). A value left out is unknown to the rules."""
    context: dict[str, Any] = {"cpus": machine_cpus()}
    if gpus is not None:
        context["gpus"] = gpus
    tokens = largest_request_tokens(benchmark)
    if tokens is not None:
        context["request_tokens"] = tokens
    return context


def _build(paths: list[tuple[str, ...]], values: list[Any]) -> Combination:
    out: Combination = {}
    for path, value in zip(paths, values, strict=False):
        level = out
        for key in path[:-1]:
            level = level.setdefault(key, {})
        level[path[-1]] = value
    return out


def iter_combinations(parameters: ParameterSpace) -> Iterator[Combination]:
    """Every combination of ``parameters`` (no rules), first key varying slowest."""
    leaves = list(iter_leaves(parameters))
    paths = [path for path, _ in leaves]
    for values in itertools.product(*(values for _, values in leaves)):
        yield _build(paths, list(values))


@dataclass
class RuleEffect:
    rule: str
    description: str
    removed: int | None  # None: not computed (the rule's own sub-space exceeds max_enumerate)
    applies: bool = True  # False: none of its flags is in the space, or a context is unknown


@dataclass
class SpaceReport:
    total: int
    valid: int | None  # None when truncated
    removed_by_rule: list[RuleEffect]
    combinations: list[Combination]  # the requested page of valid combinations
    offset: int
    limit: int
    truncated: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _Component:
    """Rules sharing flags, with the leaves they read (ascending leaf index)."""

    leaves: list[int]
    rules: list[Rule]
    counts: dict[tuple[int, ...], int] | None = None  # prefix of value indices -> passing completions
    _memo: dict[tuple[int, ...], bool] = field(default_factory=dict)


class _Plan:
    def __init__(
        self, parameters: ParameterSpace, runtime: str | None, context: dict[str, Any], max_enumerate: int
    ) -> None:
        leaves = list(iter_leaves(parameters))
        self.paths = [path for path, _ in leaves]
        self.values = [values for _, values in leaves]
        self.sizes = [len(values) for values in self.values]
        self.total = math.prod(self.sizes)
        self.context = context
        self.max_enumerate = max_enumerate
        self.effects: list[RuleEffect] = []
        self.components: list[_Component] = []
        self.comp_of = [-1] * len(leaves)
        self.truncated = False

        rules = [rule for rule in get_catalog(runtime).rules if rule.removes] if runtime is not None else []
        top = {path[0]: i for i, path in enumerate(self.paths) if len(path) == 1}
        applying: list[tuple[Rule, list[int]]] = []
        for rule in rules:
            present = sorted(top[name] for name in rule.flags if name in top)
            applies = bool(present) and all(name in self.context for name in rule.contexts)
            if applies:
                applying.append((rule, present))
                removed = self._count_removed(rule, present)
                self.truncated |= removed is None
            else:
                removed = 0
            self.effects.append(RuleEffect(rule.id, rule.description, removed, applies))

        # Group rules sharing a leaf into components (tiny union-find over leaf indices).
        parent = list(range(len(leaves)))

        def root(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        for _rule, present in applying:
            for i in present[1:]:
                parent[root(i)] = root(present[0])
        by_root: dict[int, _Component] = {}
        for rule, present in applying:
            comp = by_root.setdefault(root(present[0]), _Component(leaves=[], rules=[]))
            comp.rules.append(rule)
            comp.leaves = sorted(set(comp.leaves) | set(present))
        self.components = list(by_root.values())
        for c, comp in enumerate(self.components):
            for i in comp.leaves:
                self.comp_of[i] = c
            if math.prod(self.sizes[i] for i in comp.leaves) <= max_enumerate:
                comp.counts = self._count_passing(comp)
            else:
                self.truncated = True

        free = [self.sizes[i] if self.comp_of[i] < 0 else 1 for i in range(len(leaves))]
        self.free_suffix = [1] * (len(leaves) + 1)
        for i in range(len(leaves) - 1, -1, -1):
            self.free_suffix[i] = self.free_suffix[i + 1] * free[i]
        counted = [comp.counts for comp in self.components if comp.counts is not None]
        self.exact = len(counted) == len(self.components)
        self.valid: int | None = None
        if self.exact:
            self.valid = self.free_suffix[0] * math.prod(counts[()] for counts in counted)

    def _assignment(self, leaves: list[int], indices: tuple[int, ...]) -> dict[str, Any]:
        return {self.paths[i][0]: self.values[i][k] for i, k in zip(leaves, indices, strict=False)}

    def _count_removed(self, rule: Rule, present: list[int]) -> int | None:
        size = math.prod(self.sizes[i] for i in present)
        if size > self.max_enumerate:
            return None
        failing = 0
        for indices in itertools.product(*(range(self.sizes[i]) for i in present)):
            if rule.violated_by(self._assignment(present, indices), self.context):
                failing += 1
        return failing * (self.total // size)

    def _count_passing(self, comp: _Component) -> dict[tuple[int, ...], int]:
        counts: dict[tuple[int, ...], int] = {(): 0}
        for indices in itertools.product(*(range(self.sizes[i]) for i in comp.leaves)):
            values = self._assignment(comp.leaves, indices)
            if any(rule.violated_by(values, self.context) for rule in comp.rules):
                continue
            for end in range(len(indices) + 1):
                prefix = indices[:end]
                counts[prefix] = counts.get(prefix, 0) + 1
        return counts

    def passes(self, comp: _Component, indices: tuple[int, ...]) -> bool:
        """Whether a full assignment of a (large) component's leaves breaks none of its rules."""
        known = comp._memo.get(indices)
        if known is None:
            values = self._assignment(comp.leaves, indices)
            known = not any(rule.violated_by(values, self.context) for rule in comp.rules)
            if len(comp._memo) < 100_000:
                comp._memo[indices] = known
        return known

    def walk(self, skip: int = 0, max_steps: int | None = None) -> Iterator[Combination]:
        """Valid combinations in order, after skipping ``skip`` valid ones."""
        n = len(self.sizes)
        if n == 0:
            if skip == 0:
                yield {}
            return
        if self.valid == 0:
            return
        sizes, comp_of, comps = self.sizes, self.comp_of, self.components
        prefixes: list[list[int]] = [[] for _ in comps]
        idx = [0] * n
        d = 0
        steps = 0
        while True:
            if idx[d] >= sizes[d]:  # level exhausted: back up one level
                idx[d] = 0
                d -= 1
                if d < 0:
                    return
                if comp_of[d] >= 0:
                    prefixes[comp_of[d]].pop()
                idx[d] += 1
                continue
            steps += 1
            if max_steps is not None and steps > max_steps:
                return
            c = comp_of[d]
            if c >= 0:
                comp = comps[c]
                prefix = prefixes[c]
                prefix.append(idx[d])
                if comp.counts is not None:
                    dead = comp.counts.get(tuple(prefix), 0) == 0
                else:
                    dead = len(prefix) == len(comp.leaves) and not self.passes(comp, tuple(prefix))
                if dead:
                    prefix.pop()
                    idx[d] += 1
                    continue
            if skip and self.exact:
                below = self.free_suffix[d + 1]
                for k, other in enumerate(comps):
                    assert other.counts is not None  # self.exact: every component was counted
                    below *= other.counts[tuple(prefixes[k])]
                if skip >= below:
                    skip -= below
                    if c >= 0:
                        prefixes[c].pop()
                    idx[d] += 1
                    continue
            if d == n - 1:
                if skip:
                    skip -= 1
                else:
                    yield _build(self.paths, [self.values[i][k] for i, k in enumerate(idx)])
                if c >= 0:
                    prefixes[c].pop()
                idx[d] += 1
                continue
            d += 1
            idx[d] = 0


def analyze_space(
    parameters: ParameterSpace,
    runtime: str | None,
    *,
    gpus: int | None = None,
    benchmark: Mapping[str, Any] | None = None,
    offset: int = 0,
    limit: int = 50,
    max_enumerate: int = DEFAULT_MAX_ENUMERATE,
) -> SpaceReport:
    """Size of an (already normalised) space, what each rule removes, and a page of valid
    combinations. ``runtime`` None applies no rules; an unknown runtime raises ``NotFound``.
    ``gpus`` and ``benchmark`` (the task's) give the rules their context (:func:`rule_context`)."""
    if offset < 0 or limit < 0:
        raise ValueError("offset and limit must be zero or more")
    plan = _Plan(parameters, runtime, rule_context(gpus=gpus, benchmark=benchmark), max_enumerate)
    page: list[Combination] = []
    if limit:
        steps = None if plan.exact else max_enumerate
        page = list(itertools.islice(plan.walk(skip=offset, max_steps=steps), limit))
    return SpaceReport(
        total=plan.total,
        valid=plan.valid,
        removed_by_rule=plan.effects,
        combinations=page,
        offset=offset,
        limit=limit,
        truncated=plan.truncated,
    )


def valid_combinations(
    parameters: ParameterSpace,
    runtime: str | None,
    *,
    gpus: int | None = None,
    benchmark: Mapping[str, Any] | None = None,
) -> Iterator[Combination]:
    """Every combination no rule removes, in :func:`iter_combinations` order. Planners use this:
    it never yields a removed combination."""
    return _Plan(parameters, runtime, rule_context(gpus=gpus, benchmark=benchmark), DEFAULT_MAX_ENUMERATE).walk()


class ValidCombinations:
    """The valid combinations of a space (rules applied as in :func:`analyze_space`) as an indexed
    sequence that is never listed: ``count`` is computed by counting, ``at(i)`` fetches the
    ``i``-th in :func:`iter_combinations` order by skipping whole subtrees, and iterating walks
    them lazily. ``count`` is None when counting was truncated (a rule's flags, or a group of
    rules sharing flags, hold more than ``max_enumerate`` assignments); ``at`` then refuses and
    only iteration works."""

    def __init__(
        self,
        parameters: ParameterSpace,
        runtime: str | None,
        *,
        gpus: int | None = None,
        benchmark: Mapping[str, Any] | None = None,
        max_enumerate: int = DEFAULT_MAX_ENUMERATE,
    ) -> None:
        self._plan = _Plan(parameters, runtime, rule_context(gpus=gpus, benchmark=benchmark), max_enumerate)
        self.total: int = self._plan.total
        self.count: int | None = self._plan.valid
        self.max_enumerate = max_enumerate

    def __iter__(self) -> Iterator[Combination]:
        return self._plan.walk()

    def iter_from(self, start: int) -> Iterator[Combination]:
        """The valid combinations from index ``start`` on, in order."""
        return self._plan.walk(skip=start)

    def at(self, index: int) -> Combination:
        if self.count is None:
            raise ValueError("the valid combinations of this space were not counted, so they cannot be indexed")
        if not 0 <= index < self.count:
            raise IndexError(f"valid combination index {index} is out of range (0..{self.count - 1})")
        return next(self._plan.walk(skip=index))


def combination_is_valid(
    combination: Combination,
    runtime: str | None,
    *,
    gpus: int | None = None,
    benchmark: Mapping[str, Any] | None = None,
) -> tuple[bool, list[str]]:
    """Whether one combination passes the rules of ``runtime``, and the ids of those it breaks.
    Rules apply as in :func:`analyze_space`: only when a flag they read is a top-level key."""
    if runtime is None:
        return True, []
    context = rule_context(gpus=gpus, benchmark=benchmark)
    values = {name: value for name, value in combination.items() if not isinstance(value, dict)}
    broken = [
        rule.id
        for rule in get_catalog(runtime).rules
        if rule.removes and any(name in values for name in rule.flags) and rule.violated_by(values, context)
    ]
    return not broken, broken
