"""The base of every request body the API and the CLI accept."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator
from pydantic_core import PydanticCustomError

from autotuner.core.text import find_unstorable, unstorable_sentence

UNSTORABLE_ERROR = "unstorable_text"


class RequestModel(BaseModel):
    """A request body: strict types, so that ``true`` is never read as ``1`` nor ``"2"`` as ``2``,
    and no string (or key) holding text the databases cannot store (see :mod:`autotuner.core.text`)."""

    model_config = ConfigDict(strict=True)

    @model_validator(mode="before")
    @classmethod
    def _storable_text(cls, data: Any) -> Any:
        found = find_unstorable(data)
        if found is not None:
            raise PydanticCustomError(UNSTORABLE_ERROR, unstorable_sentence(*found))
        return data
