"""Rules over combinations, as data: a small expression language compiled to closures.

A rule is ``{"id", "description", "expression"}``; a combination violates the rule when the
expression is definitely false. Expressions are JSON:

* value nodes: a JSON number, string or boolean (a literal); ``{"flag": "tp-size"}``;
  ``{"context": name}`` (see :data:`CONTEXT_NAMES`); ``{"product": [v, ...]}``; ``{"sum": [v, ...]}``;
* boolean nodes: ``{"le"|"lt"|"ge"|"gt": [v, v]}`` (numbers), ``{"eq"|"ne": [v, v]}``
  (``1 == 1.0``, ``true != 1``), ``{"in": [v, [literal, ...]]}``, ``{"and"|"or": [b, ...]}``,
  ``{"not": b}``, ``{"implies": [b, b]}``.

Evaluation is three-valued (true, false, unknown) with Kleene logic: a flag absent from the
combination takes its catalog ``default``; a ``null`` default (the engine picks at start-up), a
context value that is not known (``gpus`` not given) or a value of the wrong type (reported by
:func:`autotuner.runtimes.checking.check_parameters` instead) is *unknown*, and anything computed from an unknown is unknown,
except that ``false and x`` is false, ``true or x`` is true and ``false implies x`` is true. Only a
definite ``false`` removes a combination, so a rule never removes a combination on a guess.

A rule's ``severity`` is ``error`` (the default: a violating combination is removed from the
space) or ``warning`` (nothing is removed; checking a space says which values break it, e.g.
more threads than the machine has CPUs).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from autotuner.core.parameters import value_key
from autotuner.runtimes.flags import CatalogDataError, FlagSpec, describe, is_number

# What a rule may read besides flags, given by whoever applies the rules (a value not given is
# unknown): ``gpus``, the GPUs the task may use; ``cpus``, the CPUs of the machine the engine runs
# on; ``request_tokens``, input + output tokens of one request of the task's largest traffic
# scenario (see ``autotuner.tuning.space.rule_context``).
CONTEXT_NAMES = ("gpus", "cpus", "request_tokens")
SEVERITIES = ("error", "warning")


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


class RuleCompiler:
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
            raise self.fail(f"{describe(node)} is not an expression: use an object with one operator")
        ((op, arg),) = node.items()
        return op, arg

    def _args(self, op: str, arg: Any, count: int | None) -> list[Any]:
        if not isinstance(arg, list) or not arg or (count is not None and len(arg) != count):
            need = f"{count} operands" if count is not None else "at least one operand"
            raise self.fail(f"operator '{op}' needs an array of {need}, not {describe(arg)}")
        return arg

    def value(self, node: Any) -> Evaluator:
        if _is_literal(node):
            return lambda values, context: node
        op, arg = self._operator(node)
        if op == "flag":
            if not isinstance(arg, str) or arg not in self.flags:
                raise self.fail(f"'flag' names {describe(arg)}, which is not a flag of this catalog")
            self.used_flags.append(arg)
            default = self.flags[arg].default
            fallback = UNKNOWN if default is None else default
            name = arg
            return lambda values, context: _scalar_or_unknown(values[name]) if name in values else fallback
        if op == "context":
            if arg not in CONTEXT_NAMES:
                raise self.fail(f"'context' names {describe(arg)}: use one of {', '.join(CONTEXT_NAMES)}")
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
                    if not is_number(v):
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
                if not (is_number(a) and is_number(b)):
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
                raise self.fail(f"operator 'in' needs an array of literal values, not {describe(options)}")
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
    expression: dict[str, Any]
    flags: tuple[str, ...]
    contexts: tuple[str, ...]
    _evaluate: Evaluator = field(compare=False, repr=False)
    severity: str = "error"  # "warning": reported by checking, never removes a combination

    @property
    def removes(self) -> bool:
        """Whether a violating combination is removed from the space (severity ``error``)."""
        return self.severity == "error"

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
            "severity": self.severity,
        }
