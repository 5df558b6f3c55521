"""Sentences for errors: what was wrong and what to do, in one line."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def _field(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts)


def _location(loc: tuple[Any, ...] | list[Any]) -> str:
    kind = str(loc[0]) if loc else "body"
    return {"query": "query parameter", "path": "path parameter", "header": "header"}.get(kind, "field")


def validation_sentence(errors: Sequence[Mapping[str, Any]]) -> str:
    """A sentence for the first of pydantic's errors, e.g. ``Missing required field 'name'.``"""
    if not errors:
        return "The request is not valid."
    first = errors[0]
    loc = first.get("loc", ())
    kind = first.get("type", "")
    field = _field(loc)
    where = _location(loc)
    if kind == "json_invalid":
        reason = (first.get("ctx") or {}).get("error", "it does not parse")
        return f"The request body is not valid JSON ({reason}): send a JSON object."
    if kind == "unstorable_text":  # autotuner.core.requests: the message is a whole sentence
        prefix = f"Invalid {where} '{field}': " if field else "Invalid request: "
        return prefix + str(first.get("msg", ""))
    if kind == "unknown_field":  # autotuner.core.requests: ctx names the key and the field meant
        ctx = first.get("ctx") or {}
        path = ".".join(p for p in (field, str(ctx.get("field", ""))) if p)
        meant = ctx.get("meant")
        if meant:
            return f"Unknown {where} '{path}': did you mean '{meant}'?"
        message = str(first.get("msg", ""))
        rest = message.split(";", 1)[1].strip() if ";" in message else "remove it."
        return f"Unknown {where} '{path}'; {rest}"
    if kind == "extra_forbidden":
        return f"Unknown {where} '{field}': remove it."
    if kind == "missing":
        if not field:
            return "The request needs a JSON body: send a JSON object."
        return f"Missing required {where} '{field}': add it to the request."
    message = str(first.get("msg", "is not valid"))
    more = f" ({len(errors) - 1} more problem{'s' if len(errors) > 2 else ''} in 'errors')" if len(errors) > 1 else ""
    if not field:
        return f"The request body is not valid: {message}{more}."
    return f"Invalid {where} '{field}': {message}{more}."
