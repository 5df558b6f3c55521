"""Sentences for errors: what was wrong and what to do, in one line."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def _is_union_tag(part: Any) -> bool:
    """pydantic names the member of a union in an error's location (``SLOLimit``,
    ``list[SLOLimit]``); field names here are lower-case words, never such tags."""
    return isinstance(part, str) and (part[:1].isupper() or "[" in part)


def _field(loc: tuple[Any, ...] | list[Any]) -> str:
    in_body = not loc or loc[0] not in ("query", "path", "header")  # a header's name may be capitalised
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header") and not (in_body and _is_union_tag(p))]
    return ".".join(parts)


def _most_specific(errors: Sequence[Mapping[str, Any]]) -> Mapping[str, Any]:
    """The error to put in words. A value refused by every member of a union (one limit or a list
    of limits) gives one error per member; the member that got furthest into the value is the one
    the client meant, e.g. ``[{"percetile": ...}]`` is a list with a misspelled field, not an
    object of the wrong type."""
    first = errors[0]
    if not any(_is_union_tag(p) for p in first.get("loc", ())):
        return first
    prefix = _field(first.get("loc", ()))
    same_value = [e for e in errors if _field(e.get("loc", ())).startswith(prefix)]
    return max(same_value, key=lambda e: len(e.get("loc", ())))


def _location(loc: tuple[Any, ...] | list[Any]) -> str:
    kind = str(loc[0]) if loc else "body"
    return {"query": "query parameter", "path": "path parameter", "header": "header"}.get(kind, "field")


def validation_sentence(errors: Sequence[Mapping[str, Any]]) -> str:
    """A sentence for the first of pydantic's errors, e.g. ``Missing required field 'name'.``"""
    if not errors:
        return "The request is not valid."
    first = _most_specific(errors)
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
