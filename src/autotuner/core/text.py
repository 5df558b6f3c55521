"""Text the databases can store.

PostgreSQL refuses a NUL character (U+0000) in text, and no database can store a lone UTF-16
surrogate (U+D800-U+DFFF, which JSON can spell as ``"\\ud800"``); either would fail at write time
as an internal error. :func:`find_unstorable` finds the first such character in any string (or
key) of a JSON-like value, so that requests holding one are refused with a sentence instead.
"""

from __future__ import annotations

import re
from typing import Any

from autotuner.core.errors import ValidationFailed

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _problem(text: str) -> str | None:
    match = _UNSTORABLE.search(text)
    if match is None:
        return None
    if match.group() == "\x00":
        return "a NUL character (\\u0000)"
    return f"an unpaired surrogate (\\u{ord(match.group()):04x})"


def find_unstorable(value: Any, path: str = "") -> tuple[str, str] | None:
    """``(path, what)`` of the first string or key holding a character no database can store,
    e.g. ``("preset_ids[0]", "a NUL character (\\u0000)")``; ``None`` when there is none."""
    if isinstance(value, str):
        what = _problem(value)
        return (path or "value", what) if what else None
    if isinstance(value, dict):
        for key, item in value.items():
            sub = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and (what := _problem(key)):
                return sub, what
            found = find_unstorable(item, sub)
            if found:
                return found
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            found = find_unstorable(item, f"{path}[{index}]")
            if found:
                return found
    return None


def unstorable_sentence(path: str, what: str) -> str:
    return f"'{path}' contains {what}, which cannot be stored: remove it and send again."


def reject_unstorable(value: Any, what: str, error: type[ValidationFailed] = ValidationFailed) -> None:
    """Raise ``error`` ("<what>: 'path' contains ...") when ``value`` holds unstorable text."""
    found = find_unstorable(value)
    if found is not None:
        raise error(f"{what}: {unstorable_sentence(*found)}")
