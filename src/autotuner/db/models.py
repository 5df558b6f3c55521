"""The tables of the product."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from autotuner.db.base import Base, JSONType, UTCDateTime, utcnow


class ParameterPreset(Base):
    """A named, reusable piece of a parameter space."""

    __tablename__ = "parameter_presets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(255), unique=True, nullable=False)
    slug: Mapped[str] = mapped_column(String(255), unique=True, nullable=False)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    category: Mapped[str | None] = mapped_column(String(100), nullable=True, index=True)
    # The engine the preset's flags are written for: "sglang", "vllm", or None for any engine.
    runtime: Mapped[str | None] = mapped_column(String(32), nullable=True)
    is_system: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default=false())
    parameters: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    # ``metadata`` is reserved by SQLAlchemy's declarative API: the attribute is ``meta``.
    meta: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSONType, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow
    )

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"<ParameterPreset id={self.id} name={self.name!r}>"
