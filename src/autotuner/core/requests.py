"""The base of every request body the API and the CLI accept."""

from __future__ import annotations

import difflib
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, WithJsonSchema, model_validator
from pydantic_core import PydanticCustomError

from autotuner.core.parameters import (
    FLAG_NAME_RE,
    MAX_DEPTH,
    MAX_KEYS_PER_LEVEL,
    MAX_NAME_LENGTH,
    MAX_STRING_LENGTH,
    MAX_VALUES_PER_PARAMETER,
)
from autotuner.core.text import find_unstorable, unstorable_sentence

UNSTORABLE_ERROR = "unstorable_text"
UNKNOWN_FIELD_ERROR = "unknown_field"


def closest_field(name: str, known: list[str]) -> str | None:
    """The known field ``name`` most likely meant (a typo, an old name), or None."""
    lowered = {k.lower(): k for k in known}
    matches = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=0.7)
    if matches:
        return lowered[matches[0]]
    # A prefixed or suffixed name: 'num_concurrency' for 'concurrency', 'max_ms_limit' for 'max_ms'.
    parts = [k for k in known if len(k) >= 3 and (k in name.lower() or name.lower() in k)]
    return max(parts, key=len) if parts else None


def _takes_int(annotation: Any) -> tuple[bool, bool]:
    """(an int field, a list-of-int field) for ``annotation`` (``int``, ``int | None``, ``list[int]``...)."""
    if annotation is int:
        return True, False
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Annotated:
        return _takes_int(args[0])
    if origin is list and args:
        return False, _takes_int(args[0])[0]
    if args and (origin is Union or origin is UnionType):
        found = [_takes_int(a) for a in args if a is not type(None)]
        return any(f[0] for f in found), any(f[1] for f in found)
    return False, False


def _whole_floats_as_ints(cls: type[BaseModel], data: dict[str, Any]) -> dict[str, Any]:
    """JSON has one number type: ``997.0`` is the whole number 997 (JSON Schema's "integer" says
    so too), whereas strict validation would refuse it. Only for fields typed as whole numbers;
    ``true`` stays a boolean and ``"2"`` a string."""

    def whole(value: Any) -> Any:
        return int(value) if isinstance(value, float) and value.is_integer() else value

    out = None
    for name, info in cls.model_fields.items():
        key = info.alias or name
        if key not in data:
            continue
        single, many = _takes_int(info.annotation)
        value = data[key]
        if single and isinstance(value, float) and value.is_integer():
            out = out or dict(data)
            out[key] = int(value)
        elif many and isinstance(value, list) and any(isinstance(v, float) for v in value):
            out = out or dict(data)
            out[key] = [whole(v) for v in value]
    return data if out is None else out


class RequestModel(BaseModel):
    """A request body: strict types, so that ``true`` is never read as ``1`` nor ``"2"`` as ``2``,
    no field it does not know (a typo is refused, naming the field meant), and no string (or key)
    holding text the databases cannot store (see :mod:`autotuner.core.text`).

    A model whose extra keys are free-form (metadata) sets ``extra="allow"`` in its own config."""

    model_config = ConfigDict(strict=True, extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _storable_text(cls, data: Any) -> Any:
        found = find_unstorable(data)
        if found is not None:
            raise PydanticCustomError(UNSTORABLE_ERROR, unstorable_sentence(*found))
        if isinstance(data, dict):
            data = _whole_floats_as_ints(cls, data)
        if isinstance(data, dict) and cls.model_config.get("extra") == "forbid":
            known = [info.alias or name for name, info in cls.model_fields.items()]
            for key in data:
                if key not in known:
                    meant = closest_field(str(key), known) if isinstance(key, str) else None
                    hint = f": did you mean '{meant}'?" if meant else f"; the fields are {', '.join(known)}."
                    raise PydanticCustomError(
                        UNKNOWN_FIELD_ERROR, "unknown field '{field}'" + hint, {"field": str(key), "meant": meant}
                    )
        return data


def _space_schema(depth: int) -> dict[str, Any]:
    """The JSON schema of a parameter space (see :mod:`autotuner.core.parameters`) at ``depth``."""
    values: dict[str, Any] = {
        "type": "array",
        "minItems": 1,
        "maxItems": MAX_VALUES_PER_PARAMETER,
        "items": {
            "anyOf": [{"type": "string", "maxLength": MAX_STRING_LENGTH}, {"type": "number"}, {"type": "boolean"}]
        },
    }
    return {
        "type": "object",
        "minProperties": 1,
        "maxProperties": MAX_KEYS_PER_LEVEL,
        "propertyNames": {"pattern": FLAG_NAME_RE.pattern, "maxLength": MAX_NAME_LENGTH},
        "additionalProperties": {"anyOf": [values, _space_schema(depth + 1)]} if depth < MAX_DEPTH else values,
    }


SPACE_DESCRIPTION = (
    'Flag name -> non-empty array of values (e.g. {"tp-size": [1, 2]}), or a group of such flags '
    f"(at most {MAX_DEPTH} levels deep)."
)

# A parameter space in a request body. Validation stays with autotuner.core.parameters (its
# sentences name the flag); the schema says the same, so that a client can check before sending.
ParameterSpaceField = Annotated[dict[str, Any], WithJsonSchema({**_space_schema(1), "description": SPACE_DESCRIPTION})]

# The same, where an empty object is accepted too (overrides, parameters beside presets).
SpaceOrEmptyField = Annotated[
    dict[str, Any], WithJsonSchema({**_space_schema(1), "minProperties": 0, "description": SPACE_DESCRIPTION})
]


def not_null(schema: dict[str, Any]) -> None:
    """``json_schema_extra`` of an optional field that takes no ``null`` (leave it out instead):
    the schema drops the null the Python type (``X | None = None``) brings."""
    options = [option for option in schema.pop("anyOf", []) if option.get("type") != "null"]
    if len(options) == 1:
        schema.update(options[0])
    elif options:
        schema["anyOf"] = options


def not_null_nor_blank(schema: dict[str, Any]) -> None:
    """``not_null`` for a name: a string with some non-space character."""
    not_null(schema)
    schema["pattern"] = r"\S"
