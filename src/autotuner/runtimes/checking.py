"""Checking a parameter space against an engine's catalog: errors for wrong values, warnings
for flags the catalog does not know and for values that break a rule of severity ``warning``."""

from __future__ import annotations

import itertools
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from autotuner.core.parameters import ParameterSpace, format_values, iter_leaves
from autotuner.runtimes.loading import RUNTIMES, RuntimeCatalog, get_catalog

# At most this many value assignments are tried per warning rule (a rule reads one or two flags).
_MAX_WARNING_ASSIGNMENTS = 10_000


def machine_cpus() -> int:
    """The CPUs this process may run on (its affinity, so a container's limit counts)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return os.cpu_count() or 1


@dataclass
class CatalogReport:
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # Flags the engine version does not have (a catalog generated from the release only): an
    # error for a task, which would fail at every engine start; a warning for a preset.
    missing: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def check_parameters(
    runtime: str | None,
    parameters: ParameterSpace,
    context: Mapping[str, Any] | None = None,
    version: str | None = None,
) -> CatalogReport:
    """Check an already normalised space against the catalog of ``runtime``.

    A wrong type or a value out of range or choices is an error (one sentence per value); a name
    the catalog does not know, including every leaf of a group (``speculative.num-steps``) unless
    the catalog lists that dotted name, is a warning: engines add flags faster than any catalog.
    An alias is checked like its flag and warned about, because rules only read the main name.
    With a catalog generated from the engine's release (``version``, default the newest), a
    top-level flag that version no longer has (renamed, or only in other versions) is ``missing``
    instead, naming the flag that replaced it, and a deprecated flag is a warning.
    ``runtime`` None means "any engine": nothing is checked. A rule of severity ``warning`` whose
    flags are in the space is tried on their values, with ``context`` (default: this machine's CPU
    count as ``cpus``), and each breaking assignment is a warning.
    """
    report = CatalogReport()
    if runtime is None:
        return report
    catalog = get_catalog(runtime, version)
    others = [get_catalog(r) for r in RUNTIMES if r != runtime]
    for path, values in iter_leaves(parameters):
        name = ".".join(path)
        spec = catalog.resolve(name)
        gone = catalog.missing(name) if len(path) == 1 else None
        if gone is not None:
            report.missing.append(gone)
            continue
        if spec is None:
            owners = [other.display_name for other in others if other.resolve(name) is not None]
            hint = f" (it is a flag of {', '.join(owners)})" if owners else ""
            report.warnings.append(
                f"'{name}' is not in the {catalog.label} catalog{hint}; it will be passed to the engine as is"
            )
            continue
        deprecation = catalog.deprecation(name)
        if deprecation is not None:
            report.warnings.append(deprecation)
        if spec.name != name and spec.name in catalog.flags:
            report.warnings.append(
                f"'{name}' is an alias of '{spec.name}' in {catalog.label}: write '{spec.name}' "
                "so that the combination rules see it"
            )
        for value in values:
            problem = spec.problem(value, shown_name=name)
            if problem is not None:
                report.errors.append(problem)
    report.warnings.extend(
        _rule_warnings(catalog, parameters, {"cpus": machine_cpus()} if context is None else context)
    )
    return report


def _rule_warnings(catalog: RuntimeCatalog, parameters: ParameterSpace, context: Mapping[str, Any]) -> list[str]:
    values = {path[0]: list(options) for path, options in iter_leaves(parameters) if len(path) == 1}
    warnings: list[str] = []
    for rule in catalog.rules:
        if rule.removes:
            continue
        present = [name for name in rule.flags if name in values]
        if not present:
            continue
        for assignment in itertools.islice(
            itertools.product(*(values[name] for name in present)), _MAX_WARNING_ASSIGNMENTS
        ):
            combination = dict(zip(present, assignment, strict=True))
            if rule.violated_by(combination, context):
                shown = ", ".join(f"{name} {format_values(value)}" for name, value in combination.items())
                known = ", ".join(f"{name} {context[name]}" for name in rule.contexts if name in context)
                warnings.append(f"{shown}: {rule.description.rstrip('.')}" + (f" ({known})." if known else "."))
    return warnings
