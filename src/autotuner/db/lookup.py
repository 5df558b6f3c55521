"""The one lookup of a stored object by id (or slug), with a sentence when there is none."""

from __future__ import annotations

from collections.abc import Callable
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
        what = f"id {text}"
    else:
        found = session.scalar(select(model).where(slug == text))
        what = f"id or slug '{text}'"
    if found is None or (visible is not None and not visible(found)):
        raise error(f"{noun.capitalize()} not found: no {noun} with {what}.")
    return found
