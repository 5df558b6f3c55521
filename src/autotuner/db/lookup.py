"""The one lookup of a stored object by id (or slug), with a sentence when there is none."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session

from autotuner.core.errors import NotFound
from autotuner.core.ids import as_id, storable_id

T = TypeVar("T")


def get_by_ref(
    session: Session,
    model: type[T],
    ref: int | str,
    *,
    noun: str,
    error: type[NotFound] = NotFound,
    slug: InstrumentedAttribute[Any] | None = None,
    visible: Callable[[T], bool] | None = None,
) -> T:
    """The ``model`` row whose id is ``ref`` (or, when ``slug`` is given and ``ref`` is not all
    digits, whose slug is ``ref``); raises ``error`` "<Noun> not found: no <noun> with id ...".
    An id too large for the database is simply not found, and so is a row ``visible`` says the
    caller may not see (the same sentence: no existence leak)."""
    text = str(ref).strip()
    number = as_id(text)
    found: T | None = None
    if number is not None or slug is None:
        if number is not None and storable_id(number):
            found = session.get(model, number)
    else:
        found = session.scalar(select(model).where(slug == text))
    if found is None or (visible is not None and not visible(found)):
        raise error(none_found(noun, [text], slugs=slug is not None))
    return found


def none_found(noun: str, refs: Sequence[str], *, slugs: bool) -> str:
    """The sentence for ``refs`` (stripped) that name no ``noun`` the caller may see:
    "<Noun> not found: no <noun> with id 9" (ids 8, 9), "... with id or slug 'nope'" when
    ``slugs`` and the ref is not all digits, or both ("..., nor with id or slug ...")."""
    numbers = [ref for ref in refs if not slugs or as_id(ref) is not None]
    words = [f"'{ref}'" for ref in refs if slugs and as_id(ref) is None]
    parts = []
    if numbers:
        parts.append(f"with id{'s' if len(numbers) > 1 else ''} {', '.join(numbers)}")
    if words:
        parts.append(f"with id or slug {', '.join(words)}")
    return f"{noun.capitalize()} not found: no {noun} {', nor '.join(parts)}."
