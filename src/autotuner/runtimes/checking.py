"""Checking a parameter space against an engine's catalog: errors for wrong values, warnings
for flags the catalog does not know."""

from __future__ import annotations

from dataclasses import dataclass, field

from autotuner.core.parameters import iter_leaves
from autotuner.runtimes.loading import RUNTIMES, get_catalog


@dataclass
class CatalogReport:
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def check_parameters(runtime: str | None, parameters: dict) -> CatalogReport:
    """Check an already normalised space against the catalog of ``runtime``.

    A wrong type or a value out of range or choices is an error (one sentence per value); a name
    the catalog does not know, including every leaf of a group (``speculative.num-steps``) unless
    the catalog lists that dotted name, is a warning: engines add flags faster than any catalog.
    An alias is checked like its flag and warned about, because rules only read the main name.
    ``runtime`` None means "any engine": nothing is checked.
    """
    report = CatalogReport()
    if runtime is None:
        return report
    catalog = get_catalog(runtime)
    others = [get_catalog(r) for r in RUNTIMES if r != runtime]
    for path, values in iter_leaves(parameters):
        name = ".".join(path)
        spec = catalog.resolve(name)
        if spec is None:
            owners = [other.display_name for other in others if other.resolve(name) is not None]
            hint = f" (it is a flag of {', '.join(owners)})" if owners else ""
            report.warnings.append(
                f"'{name}' is not in the {catalog.label} catalog{hint}; it will be passed to the engine as is"
            )
            continue
        if spec.name != name:
            report.warnings.append(
                f"'{name}' is an alias of '{spec.name}' in {catalog.label}: write '{spec.name}' "
                "so that the combination rules see it"
            )
        for value in values:
            problem = spec.problem(value, shown_name=name)
            if problem is not None:
                report.errors.append(problem)
    return report
