"""Pydantic models of the preset API: ``PresetCreate``, ``PresetUpdate``, ``PresetRead``, ..."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.config import JsonDict

from autotuner.core.enums import EngineRuntime, Visibility
from autotuner.core.requests import RequestModel

EXPORT_VERSION = "1.0"

PARAMETERS_EXAMPLE: JsonDict = {"tp-size": [4, 8], "mem-fraction-static": [0.85]}


class PresetMetadata(RequestModel):
    """Free-form metadata; the keys below are known to the UI and the search."""

    model_config = ConfigDict(extra="allow", strict=True)

    author: str | None = Field(default=None, max_length=255)
    tags: list[str] | None = Field(default=None, max_length=100)
    recommended_for: list[str] | None = Field(default=None, max_length=100)


def _strip_name(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("the name must not be empty")
    return value


class PresetCreate(RequestModel):
    model_config = ConfigDict(
        strict=True,
        json_schema_extra={
            "examples": [{"name": "My Custom Preset", "category": "custom", "parameters": PARAMETERS_EXAMPLE}]
        },
    )

    name: str = Field(min_length=1, max_length=255)
    description: str | None = Field(default=None, max_length=10_000)
    category: str | None = Field(default=None, max_length=100)
    runtime: EngineRuntime | None = None
    parameters: dict[str, Any] = Field(description="Flag name -> non-empty array of values, or a group.")
    metadata: PresetMetadata | None = None

    _name = field_validator("name")(_strip_name)


class PresetUpdate(RequestModel):
    """Any subset of fields; an explicit ``null`` clears an optional field."""

    name: str | None = Field(default=None, min_length=1, max_length=255)
    description: str | None = Field(default=None, max_length=10_000)
    category: str | None = Field(default=None, max_length=100)
    runtime: EngineRuntime | None = None
    parameters: dict[str, Any] | None = None
    metadata: PresetMetadata | None = None

    @field_validator("name")
    @classmethod
    def _name_not_blank(cls, value: str | None) -> str | None:
        return None if value is None else _strip_name(value)


class PresetRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    slug: str
    description: str | None
    category: str | None
    runtime: EngineRuntime | None
    is_system: bool
    parameters: dict[str, Any]
    metadata: dict[str, Any] | None = Field(validation_alias="meta")
    owner: str | None = Field(
        validation_alias="owner_name", description="Its owner's user name; null for system presets."
    )
    visibility: Visibility = Field(description="private (its owner), teams (those in team_ids), or public.")
    team_ids: list[int] = Field(description="The teams it is shared with (visibility 'teams').")
    created_at: datetime
    updated_at: datetime


class PresetSaved(PresetRead):
    """A created or updated preset, with the catalog's warnings (unknown flags...)."""

    warnings: list[str] = Field(default_factory=list)


class PresetExportBody(BaseModel):
    name: str
    description: str | None = None
    category: str | None = None
    runtime: EngineRuntime | None = None
    parameters: dict[str, Any]
    metadata: dict[str, Any] | None = None


class PresetExport(BaseModel):
    """The file format of export and import (one preset)."""

    version: str = EXPORT_VERSION
    preset: PresetExportBody


class ImportResult(BaseModel):
    imported: list[PresetRead]
    skipped: list[str] = Field(default_factory=list, description="Names skipped (on_conflict=skip).")
    renamed: dict[str, str] = Field(default_factory=dict, description="Original name -> new name.")


OnConflict = Literal["error", "rename", "skip", "overwrite"]


class MergeRequest(RequestModel):
    model_config = ConfigDict(
        strict=True, json_schema_extra={"examples": [{"preset_ids": [1, 2], "merge_strategy": "union"}]}
    )

    preset_ids: list[int | str] = Field(
        min_length=1, max_length=1000, description="Preset ids (or slugs), in the order to merge."
    )
    merge_strategy: str = Field(
        default="union", max_length=64, description="union (default), intersection, last_wins or deep_merge."
    )
    overrides: dict[str, Any] | None = Field(default=None, description="Applied last, as fine-tuning.")


class ConflictRead(BaseModel):
    parameter: str
    presets: list[str]
    values: list[Any]
    kept: list[Any] | None
    message: str


class MergeResponse(BaseModel):
    parameters: dict[str, Any]
    applied_presets: list[str]
    merge_strategy: str
    conflicts: list[ConflictRead]
    combinations: int


class Sharing(RequestModel):
    """Who may see an object besides its owner and the admins."""

    visibility: Annotated[Visibility, Field(strict=False)]
    team_ids: list[int] = Field(default_factory=list, max_length=100, description="For visibility 'teams'.")


class PresetDuplicate(RequestModel):
    name: str | None = Field(default=None, min_length=1, max_length=255, description="Default: '<name> (copy)'.")

    @field_validator("name")
    @classmethod
    def _name_not_blank(cls, value: str | None) -> str | None:
        return None if value is None else _strip_name(value)
