"""Loading the catalogs shipped in ``runtimes/data/<runtime>.json``.

``{"runtime", "display_name", "release", "source", "bool_style", "flags": [...], "rules": [...]}``;
``bool_style`` says how the engine takes a boolean: ``store_true`` (``--flag`` for true, nothing
for false, SGLang) or ``negatable`` (``--flag`` / ``--no-flag``, vLLM, llama.cpp). Flags are described in
:mod:`.flags`, rules in :mod:`.rules`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from autotuner.core.enums import ENGINE_RUNTIMES
from autotuner.core.errors import NotFound
from autotuner.core.parameters import FLAG_NAME_RE
from autotuner.runtimes.flags import BOOL_STYLES, CatalogDataError, FlagSpec, describe, parse_flag
from autotuner.runtimes.rules import SEVERITIES, Rule, RuleCompiler

RUNTIMES = ENGINE_RUNTIMES
_RULE_KEYS = {"id", "description", "expression", "severity"}


# Catalogs


@dataclass(frozen=True)
class RuntimeCatalog:
    runtime: str
    release: str
    flags: dict[str, FlagSpec]
    rules: list[Rule]
    display_name: str = ""
    source: str = ""
    bool_style: str = "store_true"

    @property
    def label(self) -> str:
        """``SGLang v0.5.4``: the engine and the release the catalog describes."""
        return f"{self.display_name or self.runtime} {self.release}"

    def resolve(self, name: str) -> FlagSpec | None:
        """The flag called ``name`` or having ``name`` as an alias, else None."""
        spec = self.flags.get(name)
        if spec is not None:
            return spec
        for candidate in self.flags.values():
            if name in candidate.aliases:
                return candidate
        return None

    def to_dict(self, *, with_flags: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "runtime": self.runtime,
            "display_name": self.display_name,
            "release": self.release,
            "source": self.source,
            "bool_style": self.bool_style,
            "flag_count": len(self.flags),
            "rules": [rule.to_dict() for rule in self.rules],
        }
        if with_flags:
            out["flags"] = [spec.to_dict() for spec in self.flags.values()]
        return out


def parse_catalog(data: Any, origin: str = "catalog data") -> RuntimeCatalog:
    """Validate catalog data (the JSON document) and build a :class:`RuntimeCatalog`.

    Raises :class:`CatalogDataError` naming the first problem, prefixed with ``origin``.
    """

    def fail(what: str) -> CatalogDataError:
        return CatalogDataError(f"{origin} is invalid: {what}")

    if not isinstance(data, dict):
        raise fail("the document must be an object")
    runtime = data.get("runtime")
    if runtime not in RUNTIMES:
        raise fail(f"runtime {describe(runtime)} is not one of {', '.join(RUNTIMES)}")
    for key in ("release", "display_name", "source"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise fail(f"'{key}' must be a non-empty string")
    bool_style = data.get("bool_style")
    if bool_style not in BOOL_STYLES:
        raise fail(f"bool_style {describe(bool_style)} is not one of {', '.join(BOOL_STYLES)}")
    raw_flags = data.get("flags")
    if not isinstance(raw_flags, list) or not raw_flags:
        raise fail("'flags' must be a non-empty array")
    flags: dict[str, FlagSpec] = {}
    spellings: set[str] = set()
    for position, raw in enumerate(raw_flags):
        try:
            spec = parse_flag(raw, f"flag #{position + 1}")
        except CatalogDataError as problem:
            raise fail(str(problem)) from None
        for spelling in (spec.name, *spec.aliases):
            if spelling in spellings:
                raise fail(f"flag name or alias '{spelling}' appears twice")
            spellings.add(spelling)
        flags[spec.name] = spec
    raw_rules = data.get("rules", [])
    if not isinstance(raw_rules, list):
        raise fail("'rules' must be an array")
    rules: list[Rule] = []
    seen_ids: set[str] = set()
    for position, raw in enumerate(raw_rules):
        where = f"rule #{position + 1}"
        if not isinstance(raw, dict) or not {"id", "description", "expression"} <= set(raw) <= _RULE_KEYS:
            raise fail(f"{where} must be an object with id, description, expression and optionally severity")
        severity = raw.get("severity", "error")
        if severity not in SEVERITIES:
            raise fail(f"{where} has severity {describe(severity)}: use one of {', '.join(SEVERITIES)}")
        rule_id, description = raw["id"], raw["description"]
        if not isinstance(rule_id, str) or not FLAG_NAME_RE.match(rule_id) or rule_id in seen_ids:
            raise fail(f"{where} has a missing, malformed or repeated id {describe(rule_id)}")
        seen_ids.add(rule_id)
        if not isinstance(description, str) or not description.strip():
            raise fail(f"rule '{rule_id}' needs a one-sentence description")
        compiler = RuleCompiler(f"rule '{rule_id}'", flags)
        try:
            evaluator = compiler.boolean(raw["expression"])
        except CatalogDataError as problem:
            raise fail(str(problem)) from None
        if not compiler.used_flags:
            raise fail(f"rule '{rule_id}' reads no flag")
        rules.append(
            Rule(
                id=rule_id,
                description=description.strip(),
                expression=raw["expression"],
                flags=tuple(dict.fromkeys(compiler.used_flags)),
                contexts=tuple(dict.fromkeys(compiler.used_contexts)),
                _evaluate=evaluator,
                severity=severity,
            )
        )
    return RuntimeCatalog(
        runtime=runtime,
        release=data["release"].strip(),
        flags=flags,
        rules=rules,
        display_name=data["display_name"].strip(),
        source=data["source"].strip(),
        bool_style=bool_style,
    )


def _unknown_runtime(runtime: Any) -> NotFound:
    return NotFound(f"Unknown runtime '{runtime}': use one of {', '.join(RUNTIMES)}")


@cache
def _load(runtime: str) -> RuntimeCatalog:
    resource = resources.files("autotuner.runtimes").joinpath("data", f"{runtime}.json")
    origin = f"Catalog file runtimes/data/{runtime}.json"
    try:
        data = json.loads(resource.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as problem:
        raise CatalogDataError(f"{origin} cannot be read: {problem}") from None
    catalog = parse_catalog(data, origin)
    if catalog.runtime != runtime:
        raise CatalogDataError(f"{origin} is invalid: it describes '{catalog.runtime}', not '{runtime}'")
    return catalog


def get_catalog(runtime: str) -> RuntimeCatalog:
    """The catalog of ``runtime`` (loaded once). Unknown runtime: :class:`NotFound`."""
    if not isinstance(runtime, str) or runtime not in RUNTIMES:
        raise _unknown_runtime(runtime)
    return _load(runtime)


def list_runtimes() -> list[RuntimeCatalog]:
    return [get_catalog(runtime) for runtime in RUNTIMES]


def catalog_release(runtime: str | None) -> str | None:
    """The engine release the catalog of ``runtime`` describes (``v0.5.4``); None without one."""
    return get_catalog(runtime).release if runtime in ENGINE_RUNTIMES else None
