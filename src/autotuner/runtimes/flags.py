"""A catalog's flags: their type, choices, range and default, and the check of one value.

Each flag in a catalog file: ``name`` (the engine's own spelling, without dashes), ``type`` (int,
float, bool, string), optional ``choices``, ``minimum``/``maximum`` with ``exclusive_minimum``/
``exclusive_maximum``, ``default`` (``null`` = the engine decides at start-up), ``description``,
optional ``aliases`` (other spellings the engine accepts) and ``gpus_factor`` (true for the
parallelism sizes whose product is the GPU count).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from autotuner.core.parameters import FLAG_NAME_RE, Scalar, format_values, value_key

FLAG_TYPES = ("int", "float", "bool", "string")
BOOL_STYLES = ("store_true", "negatable")


class CatalogDataError(ValueError):
    """A catalog data file is malformed (a bug in the shipped data, caught at load time)."""


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def describe(value: Any) -> str:
    return format_values(value)


@dataclass(frozen=True)
class FlagSpec:
    name: str
    type: str
    description: str
    default: Any = None
    choices: list[Scalar] | None = None
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
            return "one of " + ", ".join(str(c) if isinstance(c, str) else describe(c) for c in self.choices)
        if self.type == "bool":
            return "true or false"
        if self.type == "string":
            return "a string"
        kind = "an integer" if self.type == "int" else "a number"
        low, high = self.minimum, self.maximum
        if low is not None and high is not None:
            left = "(" if self.exclusive_minimum else "["
            right = ")" if self.exclusive_maximum else "]"
            return f"{kind} in {left}{describe(low)}, {describe(high)}{right}"
        if low is not None:
            return f"{kind} {'>' if self.exclusive_minimum else '>='} {describe(low)}"
        if high is not None:
            return f"{kind} {'<' if self.exclusive_maximum else '<='} {describe(high)}"
        return kind

    def type_matches(self, value: Any) -> bool:
        if self.type == "bool":
            return isinstance(value, bool)
        if self.type == "string":
            return isinstance(value, str)
        if not is_number(value):
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
        """A sentence saying why ``value`` is not accepted, or None when it is.

        ``false`` for a flag that is not a switch and whose default is ``null`` means "leave the
        flag off, the engine decides" (the command builder omits it): e.g. ``quantization:
        ["fp8", false]`` compares FP8 with the unquantized model."""
        name = shown_name or self.name
        if value is False and self.type != "bool" and self.default is None:
            return None
        if not self.type_matches(value):
            return f"'{name}' value {describe(value)} has the wrong type: use {self.allowed()}"
        if self.choices is not None:
            key = value_key(value)
            if all(value_key(c) != key for c in self.choices):
                return f"'{name}' value {describe(value)} is not allowed: use {self.allowed()}"
            return None
        if self.type in ("int", "float") and not self.in_range(value):
            return f"'{name}' value {describe(value)} is out of range: use {self.allowed()}"
        return None


def parse_flag(raw: Any, where: str) -> FlagSpec:
    def fail(what: str) -> CatalogDataError:
        return CatalogDataError(f"{where}: {what}")

    if not isinstance(raw, dict):
        raise fail(f"a flag must be an object, not {describe(raw)}")
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
        raise fail(f"flag name {describe(name)} is not a flag name")
    where = f"{where} ('{name}')"
    kind = raw.get("type")
    if kind not in FLAG_TYPES:
        raise fail(f"type {describe(kind)} is not one of {', '.join(FLAG_TYPES)}")
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
        if bound is not None and not is_number(bound):
            raise fail(f"bound {describe(bound)} is not a number")
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
                raise fail(f"choice {describe(choice)} is not of type {kind}")
        if len({value_key(c) for c in choices}) != len(choices):
            raise fail("choices repeat a value")
        spec = FlagSpec(**{**spec.__dict__, "choices": list(choices)})
    if spec.default is not None and spec.problem(spec.default) is not None:
        raise fail(f"default {describe(spec.default)} is not allowed: {spec.problem(spec.default)}")
    return spec
