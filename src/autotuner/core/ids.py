"""Object references: numeric ids (32-bit in the database) or slugs."""

from __future__ import annotations

import re

MAX_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL
_ID_RE = re.compile(r"[0-9]+")


def as_id(ref: int | str) -> int | None:
    """The id ``ref`` names, or None when it is not all digits (a slug). An id too large for the
    database comes back as ``MAX_ID + 1``, which no row has."""
    text = str(ref).strip()
    if not _ID_RE.fullmatch(text):
        return None
    return int(text) if len(text) <= 10 else MAX_ID + 1


def storable_id(value: int) -> bool:
    """Whether ``value`` can be an id in the database (a larger one is an error on PostgreSQL)."""
    return 0 < value <= MAX_ID
