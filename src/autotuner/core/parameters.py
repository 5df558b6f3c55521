"""Parameter spaces: validation, normalisation and counting. Pure: no database, no web.

A parameter space maps engine flag names (``tp-size``) to a non-empty array of JSON scalars
(``[1, 2]``). A value may instead be a *group* (``{"speculative": {"num-steps": [3, 5]}}``) whose
values follow the same rules, at most ``MAX_DEPTH`` levels deep. ``true`` and ``1`` are different
values; ``1`` and ``1.0`` are the same.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from typing import Any

Scalar = str | int | float | bool
ParameterSpace = dict[str, Any]

FLAG_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
MAX_DEPTH = 3
MAX_NAME_LENGTH = 128
MAX_KEYS_PER_LEVEL = 500
MAX_VALUES_PER_PARAMETER = 1000
MAX_STRING_LENGTH = 1000


class ParameterProblem(ValueError):
    """A parameter space is malformed. ``str(problem)`` is a phrase such as
    ``parameter 'tp-size' must be an array of values like [1, 2], not 1``; callers put it in a
    sentence of their own (``Invalid parameters: ...``, ``Import validation failed: ...``)."""


def value_key(value: Scalar) -> tuple[str, Any]:
    """Identity of a value: ``1 == 1.0`` but ``True != 1``."""
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, (int, float)):
        return ("number", value)
    return ("string", value)


def sort_key(value: Scalar) -> tuple[int, Any]:
    """Ascending order: booleans (false first), then numbers numerically, then strings."""
    if isinstance(value, bool):
        return (0, value)
    if isinstance(value, (int, float)):
        return (1, value)
    return (2, value)


def dedupe(values: list[Scalar]) -> list[Scalar]:
    """Drop repeated values, keeping the first occurrence and the order."""
    seen: set[tuple[str, Any]] = set()
    out: list[Scalar] = []
    for value in values:
        key = value_key(value)
        if key not in seen:
            seen.add(key)
            out.append(value)
    return out


# One encoder for every message: json.dumps with a non-default option builds a new one per call
# (a third of its time; a merge's sentences and options format values dozens of times).
_MESSAGE_JSON = json.JSONEncoder(ensure_ascii=False)
_encode_string = json.encoder.encode_basestring  # as the encoder writes a string with ensure_ascii=False


def _scalar_text(value: Any) -> str | None:
    """A scalar as the encoder writes it, or None for anything else (a float that is not finite
    too: the encoder writes those as NaN or Infinity)."""
    kind = type(value)
    if kind is str:
        return _encode_string(value)
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return int.__repr__(value)
    if kind is float and math.isfinite(value):
        return float.__repr__(value)
    return None


def format_values(values: Any) -> str:
    """Render values as JSON-like text for messages: ``[1, 2]``, ``["lpm"]``, ``true``.

    A scalar or an array of scalars (what merge sentences show, dozens per merge) is written
    here, as the encoder would write it; the encoder's per-call set-up cost more than the
    writing. Anything else goes to the encoder."""
    if type(values) is list:
        parts = [_scalar_text(value) for value in values]
        if None not in parts:
            return "[" + ", ".join(parts) + "]"  # type: ignore[arg-type]
    else:
        text = _scalar_text(values)
        if text is not None:
            return text
    try:
        return _MESSAGE_JSON.encode(values)
    except (TypeError, ValueError):
        return repr(values)


def _describe(value: Any) -> str:
    text = format_values(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _check_scalar(value: Any, path: str) -> Scalar:
    if isinstance(value, (bool, int)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ParameterProblem(f"parameter '{path}' holds {value}, which is not a finite number")
        return value
    if isinstance(value, str):
        if len(value) > MAX_STRING_LENGTH:
            raise ParameterProblem(f"parameter '{path}' holds a string longer than {MAX_STRING_LENGTH} characters")
        return value
    if value is None:
        raise ParameterProblem(f"parameter '{path}' holds null: use a string, number or boolean")
    raise ParameterProblem(
        f"parameter '{path}' holds {_describe(value)}: each value must be a string, number or boolean"
    )


def _normalize_level(space: Any, prefix: str, depth: int) -> dict[str, Any]:
    where = f"group '{prefix}'" if prefix else "parameters"
    if not isinstance(space, dict):
        raise ParameterProblem(f'{where} must be an object such as {{"tp-size": [1, 2]}}, not {_describe(space)}')
    if not space:
        raise ParameterProblem(f"{where} must hold at least one parameter")
    if len(space) > MAX_KEYS_PER_LEVEL:
        raise ParameterProblem(f"{where} holds {len(space)} parameters; at most {MAX_KEYS_PER_LEVEL} are allowed")
    out: dict[str, Any] = {}
    for name, value in space.items():
        path = f"{prefix}.{name}" if prefix else name
        if not isinstance(name, str) or not FLAG_NAME_RE.match(name) or len(name) > MAX_NAME_LENGTH:
            hint = " (write it without the leading dashes)" if isinstance(name, str) and name.startswith("-") else ""
            raise ParameterProblem(
                f"parameter name '{path}' is not a flag name: use letters, digits, '-', '_' and '.'{hint}"
            )
        if isinstance(value, dict):
            if depth >= MAX_DEPTH:
                raise ParameterProblem(f"parameter group '{path}' is nested more than {MAX_DEPTH} levels deep")
            out[name] = _normalize_level(value, path, depth + 1)
        elif isinstance(value, list):
            if not value:
                raise ParameterProblem(f"parameter '{path}' has an empty array: give at least one value")
            if len(value) > MAX_VALUES_PER_PARAMETER:
                raise ParameterProblem(
                    f"parameter '{path}' has {len(value)} values; at most {MAX_VALUES_PER_PARAMETER} are allowed"
                )
            out[name] = dedupe([_check_scalar(v, path) for v in value])
        else:
            raise ParameterProblem(
                f"parameter '{path}' must be an array of values, like {{\"{name}\": [{_describe(value)}]}}"
                f', not {{"{name}": {_describe(value)}}}'
            )
    return out


def normalize_parameters(space: Any) -> ParameterSpace:
    """Validate ``space`` and return a copy with duplicate values removed (first kept).

    Raises :class:`ParameterProblem` naming the first problem found.
    """
    return _normalize_level(space, "", 1)


def iter_leaves(space: ParameterSpace, prefix: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], list[Scalar]]]:
    """Yield ``(path, values)`` for every array in ``space``, groups flattened, in key order."""
    for name, value in space.items():
        if isinstance(value, dict):
            yield from iter_leaves(value, (*prefix, name))
        else:
            yield (*prefix, name), value


def count_combinations(space: ParameterSpace) -> int:
    """How many combinations a grid over ``space`` holds (1 for an empty space)."""
    total = 1
    for _path, values in iter_leaves(space):
        total *= len(values)
    return total
