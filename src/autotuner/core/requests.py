"""The base of every request body the API and the CLI accept."""

from __future__ import annotations

import difflib
from typing import Annotated, Any

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
