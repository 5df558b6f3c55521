"""The engine parameter catalog: flags worth tuning per engine, and rules for combinations.

Pure: the data lives in ``runtimes/data/<runtime>.json`` (shipped as package data); this module
loads and validates it, checks parameter spaces against it and evaluates its rules. No database,
no web.

Catalog file
------------
``{"runtime", "display_name", "release", "source", "bool_style", "flags": [...], "rules": [...]}``.
Each flag: ``name`` (the engine's own spelling, without dashes), ``type`` (int, float, bool,
string), optional ``choices``, ``minimum``/``maximum`` with ``exclusive_minimum``/
``exclusive_maximum``, ``default`` (``null`` = the engine decides at start-up), ``description``,
optional ``aliases`` (other spellings the engine accepts) and ``gpus_factor`` (true for the
parallelism sizes whose product is the GPU count). ``bool_style`` says how the engine takes a
boolean: ``store_true`` (``--flag`` for true, nothing for false, SGLang) or ``negatable``
(``--flag`` / ``--no-flag``, vLLM).

Rule expressions
----------------
A rule is ``{"id", "description", "expression"}``; a combination violates the rule when the
expression is definitely false. Expressions are JSON:

* value nodes: a JSON number, string or boolean (a literal); ``{"flag": "tp-size"}``;
  ``{"context": "gpus"}``; ``{"product": [v, ...]}``; ``{"sum": [v, ...]}``;
* boolean nodes: ``{"le"|"lt"|"ge"|"gt": [v, v]}`` (numbers), ``{"eq"|"ne": [v, v]}``
  (``1 == 1.0``, ``true != 1``), ``{"in": [v, [literal, ...]]}``, ``{"and"|"or": [b, ...]}``,
  ``{"not": b}``, ``{"implies": [b, b]}``.

Evaluation is three-valued (true, false, unknown) with Kleene logic: a flag absent from the
combination takes its catalog ``default``; a ``null`` default (the engine picks at start-up), a
context value that is not known (``gpus`` not given) or a value of the wrong type (reported by
:func:`check_parameters` instead) is *unknown*, and anything computed from an unknown is unknown,
except that ``false and x`` is false, ``true or x`` is true and ``false implies x`` is true. Only a
definite ``false`` removes a combination, so a rule never removes a combination on a guess.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from autotuner.errors import NotFound
from autotuner.presets.parameters import FLAG_NAME_RE, format_values, iter_leaves, value_key

RUNTIMES = ("sglang", "vllm")
FLAG_TYPES = ("int", "float", "bool", "string")
BOOL_STYLES = ("store_true", "negatable")
CONTEXT_NAMES = ("gpus",)


class CatalogDataError(ValueError):
    """A catalog data file is malformed (a bug in the shipped data, caught at load time)."""


# --------------------------------------------------------------------------------------------
# Flags


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _text(value: Any) -> str:
    return format_values(value)


@dataclass(frozen=True)
class FlagSpec:
    name: str
    type: str
    description: str
    default: Any = None
    choices: list | None = None
    minimum: float | int | None = None
    maximum: float | int | None = None
    exclusive_minimum: bool = False
    exclusive_maximum: bool = False
    aliases: tuple[str, ...] = ()
    gpus_factor: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "description": self.description,
            "default": self.default,
            "choices": list(self.choices) if self.choices is not None else None,
            "minimum": self.minimum,
            "maximum": self.maximum,
            "exclusive_minimum": self.exclusive_minimum,
            "exclusive_maximum": self.exclusive_maximum,
            "aliases": list(self.aliases),
            "gpus_factor": self.gpus_factor,
            "allowed": self.allowed(),
        }

    def allowed(self) -> str:
        """What the flag accepts, as a phrase: ``a number in (0, 1]``, ``one of lpm, fcfs``."""
        if self.choices is not None:
            return "one of " + ", ".join(str(c) if isinstance(c, str) else _text(c) for c in self.choices)
        if self.type == "bool":
            return "true or false"
        if self.type == "string":
            return "a string"
        kind = "an integer" if self.type == "int" else "a number"
        low, high = self.minimum, self.maximum
        if low is not None and high is not None:
            left = "(" if self.exclusive_minimum else "["
            right = ")" if self.exclusive_maximum else "]"
            return f"{kind} in {left}{_text(low)}, {_text(high)}{right}"
        if low is not None:
            return f"{kind} {'>' if self.exclusive_minimum else '>='} {_text(low)}"
        if high is not None:
            return f"{kind} {'<' if self.exclusive_maximum else '<='} {_text(high)}"
        return kind

    def type_matches(self, value: Any) -> bool:
        if self.type == "bool":
            return isinstance(value, bool)
        if self.type == "string":
            return isinstance(value, str)
        if not _is_number(value):
            return False
        if self.type == "int":
            return isinstance(value, int) or (isinstance(value, float) and value.is_integer())
        return True  # float accepts ints and floats

    def in_range(self, value: Any) -> bool:
        below = self.minimum is not None and (
            value < self.minimum or (self.exclusive_minimum and value == self.minimum)
        )
        above = self.maximum is not None and (
            value > self.maximum or (self.exclusive_maximum and value == self.maximum)
        )
        return not (below or above)

    def problem(self, value: Any, shown_name: str | None = None) -> str | None:
        """A sentence saying why ``value`` is not accepted, or None when it is."""
        name = shown_name or self.name
        if not self.type_matches(value):
            return f"'{name}' value {_text(value)} has the wrong type: use {self.allowed()}"
        if self.choices is not None:
            key = value_key(value)
            if all(value_key(c) != key for c in self.choices):
                return f"'{name}' value {_text(value)} is not allowed: use {self.allowed()}"
            return None
        if self.type in ("int", "float") and not self.in_range(value):
            return f"'{name}' value {_text(value)} is out of range: use {self.allowed()}"
        return None


# --------------------------------------------------------------------------------------------
# Rule expressions


class _Unknown:
    """The third truth value (and the value of anything not known)."""

    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = _Unknown()

Evaluator = Callable[[Mapping[str, Any], Mapping[str, Any]], Any]

_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "le": lambda a, b: a <= b,
    "lt": lambda a, b: a < b,
    "ge": lambda a, b: a >= b,
    "gt": lambda a, b: a > b,
}
_VALUE_OPS = ("flag", "context", "product", "sum")
_BOOL_OPS = ("le", "lt", "ge", "gt", "eq", "ne", "in", "and", "or", "not", "implies")


def _is_literal(node: Any) -> bool:
    if isinstance(node, float):
        return math.isfinite(node)
    return isinstance(node, (str, int, bool))


def _scalar_or_unknown(value: Any) -> Any:
    return value if _is_literal(value) else UNKNOWN


class _Compiler:
    """Turns a validated rule expression into a Python closure; records the flags it reads."""

    def __init__(self, where: str, flags: Mapping[str, FlagSpec]) -> None:
        self.where = where
        self.flags = flags
        self.used_flags: list[str] = []
        self.used_contexts: list[str] = []

    def fail(self, what: str) -> CatalogDataError:
        return CatalogDataError(f"{self.where}: {what}")

    def _operator(self, node: Any) -> tuple[str, Any]:
        if not isinstance(node, dict) or len(node) != 1:
            raise self.fail(f"{_text(node)} is not an expression: use an object with one operator")
        ((op, arg),) = node.items()
        return op, arg

    def _args(self, op: str, arg: Any, count: int | None) -> list[Any]:
        if not isinstance(arg, list) or not arg or (count is not None and len(arg) != count):
            need = f"{count} operands" if count is not None else "at least one operand"
            raise self.fail(f"operator '{op}' needs an array of {need}, not {_text(arg)}")
        return arg

    def value(self, node: Any) -> Evaluator:
        if _is_literal(node):
            return lambda values, context: node
        op, arg = self._operator(node)
        if op == "flag":
            if not isinstance(arg, str) or arg not in self.flags:
                raise self.fail(f"'flag' names {_text(arg)}, which is not a flag of this catalog")
            self.used_flags.append(arg)
            default = self.flags[arg].default
            fallback = UNKNOWN if default is None else default
            name = arg
            return lambda values, context: _scalar_or_unknown(values[name]) if name in values else fallback
        if op == "context":
            if arg not in CONTEXT_NAMES:
                raise self.fail(f"'context' names {_text(arg)}: use one of {', '.join(CONTEXT_NAMES)}")
            self.used_contexts.append(arg)
            name = arg
            return lambda values, context: _scalar_or_unknown(context.get(name, UNKNOWN))
        if op in ("product", "sum"):
            parts = [self.value(a) for a in self._args(op, arg, None)]
            multiply = op == "product"

            def arithmetic(values: Mapping[str, Any], context: Mapping[str, Any]) -> Any:
                result: Any = 1 if multiply else 0
                for part in parts:
                    v = part(values, context)
                    if not _is_number(v):
                        return UNKNOWN
                    result = result * v if multiply else result + v
                return result

            return arithmetic
        if op in _BOOL_OPS:
            raise self.fail(f"operator '{op}' gives true or false where a value is needed")
        raise self.fail(f"unknown operator '{op}': use one of {', '.join(_VALUE_OPS + _BOOL_OPS)}")

    def boolean(self, node: Any) -> Evaluator:
        op, arg = self._operator(node)
        if op in _COMPARISONS:
            left, right = (self.value(a) for a in self._args(op, arg, 2))
            compare = _COMPARISONS[op]

            def comparison(values: Mapping[str, Any], context: Mapping[str, Any]) -> Any:
                a, b = left(values, context), right(values, context)
                if not (_is_number(a) and _is_number(b)):
                    return UNKNOWN
                return compare(a, b)

            return comparison
        if op in ("eq", "ne"):
            left, right = (self.value(a) for a in self._args(op, arg, 2))
            want_equal = op == "eq"

            def equality(values: Mapping[str, Any], context: Mapping[str, Any]) -> Any:
                a, b = left(values, context), right(values, context)
                if a is UNKNOWN or b is UNKNOWN:
                    return UNKNOWN
                return (value_key(a) == value_key(b)) == want_equal

            return equality
        if op == "in":
            subject_node, options = self._args(op, arg, 2)
            subject = self.value(subject_node)
            if not isinstance(options, list) or not options or not all(_is_literal(o) for o in options):
                raise self.fail(f"operator 'in' needs an array of literal values, not {_text(options)}")
            keys = frozenset(value_key(o) for o in options)

            def membership(values: Mapping[str, Any], context: Mapping[str, Any]) -> Any:
                v = subject(values, context)
                return UNKNOWN if v is UNKNOWN else value_key(v) in keys

            return membership
        if op in ("and", "or"):
            parts = [self.boolean(a) for a in self._args(op, arg, None)]
            decisive = op == "or"  # the value that settles the result on its own

            def junction(values: Mapping[str, Any], context: Mapping[str, Any]) -> Any:
                unknown = False
                for part in parts:
                    v = part(values, context)
                    if v is UNKNOWN:
                        unknown = True
                    elif v is decisive:
                        return decisive
                return UNKNOWN if unknown else (not decisive)

            return junction
        if op == "not":
            inner = self.boolean(arg)

            def negation(values: Mapping[str, Any], context: Mapping[str, Any]) -> Any:
                v = inner(values, context)
                return UNKNOWN if v is UNKNOWN else (not v)

            return negation
        if op == "implies":
            cond_node, then_node = self._args(op, arg, 2)
            cond, then = self.boolean(cond_node), self.boolean(then_node)

            def implication(values: Mapping[str, Any], context: Mapping[str, Any]) -> Any:
                c = cond(values, context)
                if c is False:
                    return True
                t = then(values, context)
                if t is True:
                    return True
                if c is True and t is False:
                    return False
                return UNKNOWN

            return implication
        if op in _VALUE_OPS:
            raise self.fail(f"operator '{op}' gives a value where true or false is needed")
        raise self.fail(f"unknown operator '{op}': use one of {', '.join(_VALUE_OPS + _BOOL_OPS)}")


@dataclass(frozen=True)
class Rule:
    id: str
    description: str
    expression: dict
    flags: tuple[str, ...]
    contexts: tuple[str, ...]
    _evaluate: Evaluator = field(compare=False, repr=False)

    def evaluate(self, values: Mapping[str, Any], context: Mapping[str, Any] | None = None) -> bool | None:
        """True (holds), False (violated) or None (unknown: the rule does not decide)."""
        result = self._evaluate(values, context or {})
        return None if result is UNKNOWN else bool(result)

    def violated_by(self, values: Mapping[str, Any], context: Mapping[str, Any] | None = None) -> bool:
        return self._evaluate(values, context or {}) is False

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "description": self.description,
            "expression": self.expression,
            "flags": list(self.flags),
            "contexts": list(self.contexts),
        }


# --------------------------------------------------------------------------------------------
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


def _parse_flag(raw: Any, where: str) -> FlagSpec:
    def fail(what: str) -> CatalogDataError:
        return CatalogDataError(f"{where}: {what}")

    if not isinstance(raw, dict):
        raise fail(f"a flag must be an object, not {_text(raw)}")
    allowed_keys = {
        "name",
        "type",
        "description",
        "default",
        "choices",
        "minimum",
        "maximum",
        "exclusive_minimum",
        "exclusive_maximum",
        "aliases",
        "gpus_factor",
    }
    extra = sorted(set(raw) - allowed_keys)
    if extra:
        raise fail(f"unknown keys {', '.join(extra)}")
    name = raw.get("name")
    if not isinstance(name, str) or not FLAG_NAME_RE.match(name):
        raise fail(f"flag name {_text(name)} is not a flag name")
    where = f"{where} ('{name}')"
    kind = raw.get("type")
    if kind not in FLAG_TYPES:
        raise fail(f"type {_text(kind)} is not one of {', '.join(FLAG_TYPES)}")
    description = raw.get("description")
    if not isinstance(description, str) or not description.strip():
        raise fail("a one-line description is required")
    choices = raw.get("choices")
    minimum, maximum = raw.get("minimum"), raw.get("maximum")
    ex_min, ex_max = raw.get("exclusive_minimum", False), raw.get("exclusive_maximum", False)
    if not isinstance(ex_min, bool) or not isinstance(ex_max, bool):
        raise fail("exclusive_minimum and exclusive_maximum must be true or false")
    if (minimum is not None or maximum is not None) and kind not in ("int", "float"):
        raise fail("only int and float flags may have a minimum or maximum")
    for bound in (minimum, maximum):
        if bound is not None and not _is_number(bound):
            raise fail(f"bound {_text(bound)} is not a number")
    if (ex_min and minimum is None) or (ex_max and maximum is None):
        raise fail("an exclusive bound needs the bound itself")
    if minimum is not None and maximum is not None and minimum > maximum:
        raise fail("minimum is above maximum")
    aliases = raw.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) and FLAG_NAME_RE.match(a) for a in aliases):
        raise fail("aliases must be an array of flag names")
    gpus_factor = raw.get("gpus_factor", False)
    if not isinstance(gpus_factor, bool) or (gpus_factor and kind != "int"):
        raise fail("gpus_factor must be true or false, and true only for int flags")
    spec = FlagSpec(
        name=name,
        type=kind,
        description=description.strip(),
        default=raw.get("default"),
        choices=None,
        minimum=minimum,
        maximum=maximum,
        exclusive_minimum=ex_min,
        exclusive_maximum=ex_max,
        aliases=tuple(aliases),
        gpus_factor=gpus_factor,
    )
    if choices is not None:
        if kind == "bool" or not isinstance(choices, list) or not choices:
            raise fail("choices must be a non-empty array, and bool flags take none")
        for choice in choices:
            if not spec.type_matches(choice):
                raise fail(f"choice {_text(choice)} is not of type {kind}")
        if len({value_key(c) for c in choices}) != len(choices):
            raise fail("choices repeat a value")
        spec = FlagSpec(**{**spec.__dict__, "choices": list(choices)})
    if spec.default is not None and spec.problem(spec.default) is not None:
        raise fail(f"default {_text(spec.default)} is not allowed: {spec.problem(spec.default)}")
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
        raise fail(f"runtime {_text(runtime)} is not one of {', '.join(RUNTIMES)}")
    for key in ("release", "display_name", "source"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise fail(f"'{key}' must be a non-empty string")
    bool_style = data.get("bool_style")
    if bool_style not in BOOL_STYLES:
        raise fail(f"bool_style {_text(bool_style)} is not one of {', '.join(BOOL_STYLES)}")
    raw_flags = data.get("flags")
    if not isinstance(raw_flags, list) or not raw_flags:
        raise fail("'flags' must be a non-empty array")
    flags: dict[str, FlagSpec] = {}
    spellings: set[str] = set()
    for position, raw in enumerate(raw_flags):
        try:
            spec = _parse_flag(raw, f"flag #{position + 1}")
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
        if not isinstance(raw, dict) or set(raw) != {"id", "description", "expression"}:
            raise fail(f"{where} must be an object with exactly id, description and expression")
        rule_id, description = raw["id"], raw["description"]
        if not isinstance(rule_id, str) or not FLAG_NAME_RE.match(rule_id) or rule_id in seen_ids:
            raise fail(f"{where} has a missing, malformed or repeated id {_text(rule_id)}")
        seen_ids.add(rule_id)
        if not isinstance(description, str) or not description.strip():
            raise fail(f"rule '{rule_id}' needs a one-sentence description")
        compiler = _Compiler(f"rule '{rule_id}'", flags)
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


# --------------------------------------------------------------------------------------------
# Checking a parameter space


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
