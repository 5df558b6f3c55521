"""Loading the engine catalogs shipped in ``runtimes/data``, one per engine version.

A catalog is two files merged at load time:

* ``data/generated/<runtime>/<version>.json``, written by ``autotuner catalog sync`` from the
  released engine itself (:mod:`.generate`): every flag of that version with its type, choices,
  default, switch form, help and deprecation, plus the wheel's name and sha256. Never edited by hand.
* ``data/overlays/<runtime>.json``, written by hand: ``display_name``, ``bool_style``, the flags
  worth tuning (by name, with ranges, ``gpus_factor`` and a one-line description; a key given here
  wins over the generated one), the combination ``rules`` and ``renamed`` (old name -> new name,
  for renames the engine itself does not declare). A re-sync rewrites only the generated file.

The merged document is the catalog format below, checked by :func:`parse_catalog`:
``{"runtime", "display_name", "release", "source", "bool_style", "flags": [...], "rules": [...]}``
plus, for a generated version, ``engine_flags`` (every flag of the version) and ``renamed``.
``bool_style`` says how the engine takes a boolean: ``store_true`` (``--flag`` for true, nothing
for false, SGLang) or ``negatable`` (``--flag`` / ``--no-flag``, vLLM, llama.cpp). Flags are
described in :mod:`.flags`, rules in :mod:`.rules`. An engine without generated versions (llama.cpp
until its catalog is generated) has a complete catalog in its overlay, with its ``release``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from autotuner.core.enums import ENGINE_RUNTIMES
from autotuner.core.errors import NotFound, ValidationFailed
from autotuner.core.parameters import FLAG_NAME_RE
from autotuner.runtimes.flags import BOOL_STYLES, FLAG_TYPES, CatalogDataError, FlagSpec, describe, parse_flag
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
    # Generated from the engine's release (empty for a hand-written catalog): every flag of this
    # version, checked like the tuned ones; the raw entries (help, switch, deprecation) for the API.
    engine_flags: dict[str, FlagSpec] = field(default_factory=dict)
    engine_entries: tuple[dict[str, Any], ...] = ()
    renamed: dict[str, str] = field(default_factory=dict)  # old name -> the flag that replaced it
    deprecated: frozenset[str] = frozenset()
    sha256: str = ""
    package: str = ""

    @property
    def label(self) -> str:
        """``SGLang 0.5.23``: the engine and the release the catalog describes."""
        return f"{self.display_name or self.runtime} {self.release}"

    @property
    def version(self) -> str:
        return self.release

    @property
    def complete(self) -> bool:
        """Whether the catalog lists every flag of its engine version (generated from the release),
        so that a flag it does not know does not exist there."""
        return bool(self.engine_flags)

    def resolve(self, name: str) -> FlagSpec | None:
        """The flag called ``name`` or having ``name`` as an alias, else None: a flag worth tuning
        first, else any flag of the engine version."""
        return self._index().get(name)

    def _index(self) -> dict[str, FlagSpec]:
        index: dict[str, FlagSpec] | None = self.__dict__.get("_spellings")
        if index is None:
            index = {}
            for table in (self.flags, self.engine_flags):
                for spec in table.values():
                    for spelling in (spec.name, *spec.aliases):
                        index.setdefault(spelling, self.flags.get(spec.name, spec))
            object.__setattr__(self, "_spellings", index)
        return index

    def missing(self, name: str) -> str | None:
        """A sentence when ``name`` is a flag this engine version no longer has (a complete catalog
        only): one it renamed (naming the new flag), or one another catalogued version has. None
        otherwise, also for a name no version knows (checking warns about it: a typo, or a flag
        newer than every catalog)."""
        if not self.complete or self.resolve(name) is not None:
            return None
        sentence = f"'{name}' is not a flag of {self.label}"
        new = self.renamed.get(name)
        if new is not None:
            return f"{sentence}: it was renamed to '{new}' - write '{new}' instead."
        having = [v for v in catalog_versions(self.runtime) if v != self.release and _has_flag(self.runtime, v, name)]
        if having:
            return (
                f"{sentence} (only of {self.display_name} {', '.join(having)}): remove it, or pin "
                "runtime_version to a version that has it."
            )
        return None

    def deprecation(self, name: str) -> str | None:
        """A sentence when ``name`` is a deprecated flag of this version, else None."""
        spec = self.resolve(name)
        if spec is None or spec.name not in self.deprecated:
            return None
        new = self.renamed.get(spec.name)
        use = f": use '{new}' instead" if new else ""
        return f"'{name}' is deprecated in {self.label}{use}."

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


def _lenient_flag(raw: Mapping[str, Any]) -> FlagSpec | None:
    """A generated flag entry as a :class:`FlagSpec` for checking: its choices and default are
    dropped when they do not fit its type (the engine's own code may mix them)."""
    name, kind = raw.get("name"), raw.get("type")
    if not isinstance(name, str) or not FLAG_NAME_RE.match(name) or kind not in FLAG_TYPES:
        return None
    help_text = raw.get("help") or ""
    first = re.split(r"(?<=[.!?])\s", help_text.strip(), maxsplit=1)[0] if help_text.strip() else ""
    spec = FlagSpec(
        name=name,
        type=kind,
        description=first or f"--{name}",
        aliases=tuple(a for a in raw.get("aliases", []) if isinstance(a, str) and FLAG_NAME_RE.match(a)),
    )
    choices = raw.get("choices")
    fits = isinstance(choices, list) and bool(choices) and all(spec.type_matches(c) for c in choices)
    if kind != "bool" and not raw.get("multiple") and fits:
        spec = FlagSpec(**{**spec.__dict__, "choices": list(choices or [])})
    default = raw.get("default")
    if default is not None and not raw.get("multiple") and spec.problem(default) is None:
        spec = FlagSpec(**{**spec.__dict__, "default": default})
    return spec


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
    engine_entries = data.get("engine_flags", [])
    if not isinstance(engine_entries, list):
        raise fail("'engine_flags' must be an array")
    engine_flags: dict[str, FlagSpec] = {}
    for raw in engine_entries:
        engine_spec = _lenient_flag(raw) if isinstance(raw, dict) else None
        if engine_spec is None:
            raise fail(f"engine flag {describe(raw)[:80]} has no valid name and type")
        engine_flags[engine_spec.name] = engine_spec
    engine_spellings = {s for spec in engine_flags.values() for s in (spec.name, *spec.aliases)}
    for name in flags:
        if engine_flags and name not in engine_spellings:
            raise fail(f"'{name}' is in the overlay but is not a flag of {data['display_name']} {data['release']}")
    renamed = data.get("renamed", {})
    if not isinstance(renamed, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in renamed.items()):
        raise fail("'renamed' must map old flag names to new ones")
    return RuntimeCatalog(
        runtime=runtime,
        release=data["release"].strip(),
        flags=flags,
        rules=rules,
        display_name=data["display_name"].strip(),
        source=data["source"].strip(),
        bool_style=bool_style,
        engine_flags=engine_flags,
        engine_entries=tuple(engine_entries),
        renamed=dict(renamed),
        deprecated=frozenset(e["name"] for e in engine_entries if isinstance(e, dict) and e.get("deprecated")),
        sha256=str(data.get("sha256") or ""),
        package=str(data.get("package") or ""),
    )


def _unknown_runtime(runtime: Any) -> NotFound:
    return NotFound(f"Unknown runtime '{runtime}': use one of {', '.join(RUNTIMES)}")


_DATA = "data"


def _read_json(*parts: str) -> Any:
    resource = resources.files("autotuner.runtimes").joinpath(_DATA, *parts)
    origin = "runtimes/" + "/".join((_DATA, *parts))
    try:
        return json.loads(resource.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as problem:
        raise CatalogDataError(f"Catalog file {origin} cannot be read: {problem}") from None


def version_key(version: str) -> tuple[int, ...]:
    """``0.5.10.post1`` -> (0, 5, 10, 1): release order, for sorting."""
    return tuple(int(part) for part in re.findall(r"\d+", version))


@cache
def catalog_versions(runtime: str) -> tuple[str, ...]:
    """The engine versions with a generated catalog, newest first (empty for llama.cpp until its
    catalog is generated)."""
    folder = resources.files("autotuner.runtimes").joinpath(_DATA, "generated", runtime)
    if not folder.is_dir():
        return ()
    names = [entry.name.removesuffix(".json") for entry in folder.iterdir() if entry.name.endswith(".json")]
    return tuple(sorted(names, key=version_key, reverse=True))


@cache
def _generated(runtime: str, version: str) -> dict[str, Any]:
    data = _read_json("generated", runtime, f"{version}.json")
    if not isinstance(data, dict) or data.get("runtime") != runtime or data.get("version") != version:
        raise CatalogDataError(
            f"Catalog file runtimes/data/generated/{runtime}/{version}.json is not {runtime} {version}"
        )
    return data


@cache
def _flag_names(runtime: str, version: str) -> frozenset[str]:
    names: set[str] = set()
    for entry in _generated(runtime, version)["flags"]:
        names.add(entry["name"])
        names.update(entry.get("aliases", []))
    return frozenset(names)


def _has_flag(runtime: str, version: str, name: str) -> bool:
    return name in _flag_names(runtime, version)


def _renames(runtime: str, version: str, overlay: Mapping[str, Any]) -> dict[str, str]:
    """Old name -> new name for ``version``: the overlay's, then the deprecations of every
    generated version (this one first) whose new flag exists in ``version``."""
    names = _flag_names(runtime, version)
    renamed: dict[str, str] = {}
    for old, new in (overlay.get("renamed") or {}).items():
        renamed[old] = new
    for other in (version, *catalog_versions(runtime)):
        for entry in _generated(runtime, other)["flags"]:
            new = entry.get("replaced_by")
            if new and new in names:
                renamed.setdefault(entry["name"], new)
    return renamed


_BOUNDS = ("minimum", "maximum", "exclusive_minimum", "exclusive_maximum")


def merge_overlay(overlay: Mapping[str, Any], generated: Mapping[str, Any]) -> dict[str, Any]:
    """The catalog document of one version: the overlay's tuned flags completed with the generated
    type, choices, default and aliases (a key the overlay gives wins), with every generated flag
    as ``engine_flags``. A tuned flag the version does not have is kept as is, so that
    :func:`parse_catalog` names it."""
    by_spelling: dict[str, dict[str, Any]] = {}
    for entry in generated["flags"]:
        for spelling in (entry["name"], *entry.get("aliases", [])):
            by_spelling.setdefault(spelling, entry)
    flags = []
    for curated in overlay.get("flags", []):
        engine = by_spelling.get(curated.get("name"), {})
        merged: dict[str, Any] = {}
        for key in ("type", "choices", "default"):
            if key in engine and not (key == "choices" and engine.get("multiple")):
                merged[key] = engine[key]
        if engine:  # the engine's other spellings of the flag (its main name when the overlay uses an alias)
            spellings = [engine["name"], *engine.get("aliases", [])]
            merged["aliases"] = [s for s in spellings if s != curated.get("name")]
        merged.update(curated)
        if merged.get("type") == "bool":
            merged.pop("choices", None)
        probe = _lenient_flag({**merged, "help": merged.get("description", "")})
        if merged.get("choices") is not None and probe is not None and probe.choices is None:
            merged.pop("choices")  # choices of another type than the flag's: the engine's own mix
        if merged.get("default") is not None and probe is not None:
            bounds = {k: merged[k] for k in _BOUNDS if k in merged}
            ranged = FlagSpec(**{**probe.__dict__, "choices": merged.get("choices"), **bounds})
            if ranged.problem(merged["default"]) is not None:
                merged["default"] = None  # the engine's default is outside the curated range: it decides
        flags.append(merged)
    return {
        "runtime": overlay["runtime"],
        "display_name": overlay["display_name"],
        "release": generated["version"],
        "source": generated["source"],
        "bool_style": overlay["bool_style"],
        "flags": flags,
        "rules": overlay.get("rules", []),
        "engine_flags": generated["flags"],
        "renamed": _renames(overlay["runtime"], generated["version"], overlay),
        "sha256": generated["sha256"],
        "package": generated["package"],
    }


@cache
def _load(runtime: str, version: str | None) -> RuntimeCatalog:
    overlay = _read_json("overlays", f"{runtime}.json")
    if version is None:  # no generated catalog: the overlay is a complete hand-written catalog
        data, origin = overlay, f"Catalog file runtimes/data/overlays/{runtime}.json"
    else:
        data = merge_overlay(overlay, _generated(runtime, version))
        origin = f"Catalog of {runtime} {version} (runtimes/data/overlays/{runtime}.json + generated/{runtime}/{version}.json)"
    catalog = parse_catalog(data, origin)
    if catalog.runtime != runtime:
        raise CatalogDataError(f"{origin} is invalid: it describes '{catalog.runtime}', not '{runtime}'")
    return catalog


def check_version(runtime: str, version: str) -> str:
    """``version`` (a leading ``v`` dropped) when ``runtime`` has a catalog of it, else a 422
    naming the versions there are."""
    wanted = version.strip().removeprefix("v")
    versions = catalog_versions(runtime)
    if wanted in versions:
        return wanted
    if not versions:
        only = _load(runtime, None).release
        if wanted == only.removeprefix("v"):
            return only
        raise ValidationFailed(
            f"There is no {runtime} catalog of version '{version}': {runtime} has one catalog, of {only}; "
            "leave the version out."
        )
    raise ValidationFailed(
        f"There is no {runtime} catalog of version '{version}': use one of {', '.join(versions)}, or generate "
        f"it with `autotuner catalog sync {runtime}=={wanted}`."
    )


def get_catalog(runtime: str, version: str | None = None) -> RuntimeCatalog:
    """The catalog of ``runtime`` at ``version`` (default: the newest), loaded once. Unknown
    runtime: :class:`NotFound`; a version without a catalog: :class:`ValidationFailed`."""
    if not isinstance(runtime, str) or runtime not in RUNTIMES:
        raise _unknown_runtime(runtime)
    versions = catalog_versions(runtime)
    if version is None:
        return _load(runtime, versions[0] if versions else None)
    checked = check_version(runtime, version)
    return _load(runtime, checked if versions else None)


def default_version(runtime: str, installed: str | None = None) -> str:
    """The version a task's flags are checked against when it pins none: the ``installed`` one
    when it has a catalog, else the newest catalog."""
    versions = catalog_versions(runtime)
    if installed is not None and installed.removeprefix("v") in versions:
        return installed.removeprefix("v")
    return versions[0] if versions else _load(runtime, None).release


def list_runtimes() -> list[RuntimeCatalog]:
    return [get_catalog(runtime) for runtime in RUNTIMES]


def catalog_release(runtime: str | None, version: str | None = None) -> str | None:
    """The engine release whose catalog checks a task's flags: ``version`` (the task's), else the
    newest catalog's (``0.5.23``); None for a runtime without a catalog."""
    if runtime not in ENGINE_RUNTIMES:
        return None
    return version or get_catalog(runtime).release
