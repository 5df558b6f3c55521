"""Pydantic models of the preset API: ``PresetCreate``, ``PresetUpdate``, ``PresetRead``, ..."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, field_validator
from pydantic.config import JsonDict

from autotuner.core.enums import EngineRuntime, Visibility
from autotuner.core.requests import ParameterSpaceField, RequestModel, SpaceOrEmptyField, not_null, not_null_nor_blank

EXPORT_VERSION: Literal["1.0"] = "1.0"

PARAMETERS_EXAMPLE: JsonDict = {"tp-size": [4, 8], "mem-fraction-static": [0.85]}

EXTENDS_DESCRIPTION = (
    "Presets (ids or slugs) this one extends, in order: its effective parameters are theirs, deep-merged in "
    "this order, then its own on top."
)


class PresetMetadata(RequestModel):
    """Free-form metadata; the keys below are known to the UI and the search."""

    model_config = ConfigDict(extra="allow", strict=True)

    author: str | None = Field(default=None, max_length=255)
    tags: list[str] | None = Field(default=None, max_length=100)
    recommended_for: list[str] | None = Field(default=None, max_length=100)


NameText = Annotated[str, Field(min_length=1, max_length=255)]


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

    name: str = Field(min_length=1, max_length=255, json_schema_extra={"pattern": r"\S"})
    description: str | None = Field(default=None, max_length=10_000)
    category: str | None = Field(default=None, max_length=100)
    runtime: EngineRuntime | None = None
    parameters: ParameterSpaceField
    metadata: PresetMetadata | None = None
    extends: list[int | str] | None = Field(default=None, max_length=100, description=EXTENDS_DESCRIPTION)

    _name = field_validator("name")(_strip_name)


class PresetUpdate(RequestModel):
    """Any subset of fields; an explicit ``null`` clears an optional field (not ``name`` nor
    ``parameters``: every preset has them)."""

    name: NameText | None = Field(default=None, json_schema_extra=not_null_nor_blank)
    description: str | None = Field(default=None, max_length=10_000)
    category: str | None = Field(default=None, max_length=100)
    runtime: EngineRuntime | None = None
    parameters: ParameterSpaceField | None = Field(default=None, json_schema_extra=not_null)
    metadata: PresetMetadata | None = None
    extends: list[int | str] | None = Field(
        default=None, max_length=100, description=EXTENDS_DESCRIPTION + " [] extends nothing."
    )
    change_note: str | None = Field(default=None, max_length=2000, description="Why: kept with the new version.")
    version: int | None = Field(
        default=None,
        ge=1,
        le=2**31 - 1,
        description="The version this change was made on (as If-Match): a stale one is refused with 412.",
    )

    @field_validator("name")
    @classmethod
    def _name_not_blank(cls, value: str | None) -> str | None:
        return None if value is None else _strip_name(value)


class PresetRef(BaseModel):
    """A preset named in another's answer (a base, a source of a value)."""

    id: int
    name: str
    slug: str


class ParameterSource(BaseModel):
    """Which preset gave one effective value (a leaf: ``path`` is its place in groups)."""

    parameter: str = Field(description="Dotted name of the leaf: 'tp-size', 'speculative.num-steps'.")
    path: list[str]
    id: int
    name: str
    slug: str


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
    version: int = Field(description="Its current version number (also the ETag); send it back to change it.")
    extends: list[PresetRef] = Field(description="The presets it extends, in merge order.")
    effective_parameters: dict[str, Any] = Field(
        description="Its bases' effective parameters deep-merged in order, then its own on top."
    )
    effective_sources: list[ParameterSource] = Field(
        description="For each effective value (leaf), the preset that gave it."
    )
    extended_by: int = Field(description="How many presets extend it directly.")


class PresetSaved(PresetRead):
    """A created or updated preset, with the catalog's warnings (unknown flags...)."""

    warnings: list[str] = Field(default_factory=list)


class PresetExportBody(BaseModel):
    """One preset in an export file; an import refuses a field it does not know."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=255, json_schema_extra={"pattern": r"\S"})
    description: str | None = None
    category: str | None = None
    runtime: EngineRuntime | None = None
    parameters: ParameterSpaceField = Field(description="Its own parameters.")
    metadata: dict[str, Any] | None = None
    version: int | None = Field(default=None, ge=1, description="The preset's version number when it was exported.")
    extends: list[Annotated[str, Field(min_length=1, json_schema_extra={"pattern": r"\S"})]] | None = Field(
        default=None, description="The names of the presets it extends, in order (restored by import)."
    )
    effective_parameters: ParameterSpaceField | None = Field(
        default=None, description="Its effective parameters when it was exported (for reference)."
    )


class PresetExport(BaseModel):
    """The file format of export and import (one preset)."""

    model_config = ConfigDict(extra="forbid")

    version: Literal["1.0"] = Field(description='The file format\'s version: "1.0".')
    preset: PresetExportBody


class PresetBundle(BaseModel):
    """Several presets in one file: an export with its bases (``?with_bases=true``), bases first."""

    model_config = ConfigDict(extra="forbid")

    version: Literal["1.0"] = Field(description='The file format\'s version: "1.0".')
    presets: list[PresetExportBody] = Field(min_length=1)


class ImportResult(BaseModel):
    imported: list[PresetRead]
    skipped: list[str] = Field(default_factory=list, description="Names skipped (on_conflict=skip).")
    renamed: dict[str, str] = Field(default_factory=dict, description="Original name -> new name.")
    notes: list[str] = Field(
        default_factory=list,
        description="Sentences about the import: an export older than the preset here, bases whose values differ.",
    )


class PresetImported(PresetRead):
    """The answer to the import of a one-preset file: the preset itself (as the reference
    autotuner's server answers), with what the import did."""

    skipped: bool = Field(default=False, description="on_conflict=skip kept the preset here (answered with 200).")
    renamed_from: str | None = Field(default=None, description="on_conflict=rename: the name in the file.")
    notes: list[str] = Field(default_factory=list, description="As in ImportResult.")


OnConflict = Literal["error", "rename", "skip", "overwrite"]

# autotuner.presets.merger's STRATEGIES and ALIASES (append = union, override = last_wins).
# The schema names them; the merger refuses any other with a sentence listing them.
MERGE_STRATEGIES = ("union", "intersection", "last_wins", "deep_merge", "smart", "append", "override")
MergeStrategy = Annotated[str, Field(max_length=64), WithJsonSchema({"type": "string", "enum": list(MERGE_STRATEGIES)})]

ResolutionField = Annotated[
    str | list[Any],
    Field(description="union, intersection, first, last, min or max, or the array of values to keep."),
]


class PresetVersionRef(BaseModel):
    id: int
    name: str
    slug: str
    version: int


class MergeRequest(RequestModel):
    model_config = ConfigDict(
        strict=True, json_schema_extra={"examples": [{"preset_ids": [1, 2], "merge_strategy": "union"}]}
    )

    preset_ids: list[int | str] = Field(
        min_length=1,
        max_length=1000,
        description="Preset ids (or slugs), in the order to merge, each once.",
        json_schema_extra={"uniqueItems": True},
    )
    merge_strategy: MergeStrategy = Field(
        default="union",
        description="union (default), intersection, last_wins, deep_merge or smart (decides per parameter with "
        "the engine catalog).",
    )
    overrides: SpaceOrEmptyField | None = Field(default=None, description="Applied last, as fine-tuning.")
    resolutions: dict[str, ResolutionField] | None = Field(
        default=None,
        max_length=500,
        description="Per parameter (dotted name of a leaf): union, intersection, first, last, min, max, or an "
        "array of values; applied on top of the strategy, before overrides.",
    )
    runtime: EngineRuntime | None = Field(
        default=None,
        description="The engine whose catalog smart merge and the combination rules use; default: the presets' "
        "runtime when they agree.",
    )
    gpus: int | None = Field(default=None, ge=1, le=1024, description="GPUs, for the rules that need them.")


class ConflictRead(BaseModel):
    parameter: str
    presets: list[str]
    values: list[Any]
    kept: list[Any] | None
    message: str
    proposed: str | None = Field(
        default=None, description="The resolution the strategy amounts to (null: the strategy dropped it)."
    )
    resolution: str | list[Any] | None = Field(default=None, description="The resolution the request applied.")
    options: dict[str, list[Any]] = Field(
        default_factory=dict, description="What each resolution (union, intersection, ...) would keep."
    )


class DecisionRead(BaseModel):
    parameter: str
    rule: str = Field(description="last, union, range, left_out, resolution or nearest.")
    kept: list[Any] | None
    dropped: list[Any]
    message: str


class RuleRemovalRead(BaseModel):
    rule: str
    description: str
    removed: int | None = Field(description="Combinations the rule removes (null: too many to count).")
    applies: bool = Field(description="False: none of its flags is in the space, or 'gpus' is not given.")


class MergeSpaceRead(BaseModel):
    """The merged space under the catalog's combination rules, before a task is created."""

    runtime: str
    gpus: int | None
    total: int
    valid: int | None
    truncated: bool
    removed_by_rule: list[RuleRemovalRead]
    messages: list[str] = Field(description="Each removal (count and reason) and each rule left out, in words.")


class MergeResponse(BaseModel):
    parameters: dict[str, Any]
    applied_presets: list[str]
    merge_strategy: str
    conflicts: list[ConflictRead]
    combinations: int
    applied: list[PresetVersionRef] = Field(
        default_factory=list, description="The presets merged: id, name, slug and the version used."
    )
    decisions: list[DecisionRead] = Field(default_factory=list, description="Every choice smart merge made, in words.")
    runtime: str | None = Field(default=None, description="The catalog used for smart merge and the rules.")
    space: MergeSpaceRead | None = Field(default=None, description="The rules applied (when the runtime is known).")


class Sharing(RequestModel):
    """Who may see an object besides its owner and the admins."""

    model_config = ConfigDict(
        strict=True,
        json_schema_extra={
            "if": {"properties": {"visibility": {"const": "teams"}}},
            "then": {"required": ["team_ids"], "properties": {"team_ids": {"minItems": 1}}},
            "else": {"properties": {"team_ids": {"maxItems": 0}}},
        },
    )

    visibility: Annotated[Visibility, Field(strict=False)]
    team_ids: list[Annotated[int, Field(ge=1, le=2**31 - 1)]] = Field(
        default_factory=list, max_length=100, description="For visibility 'teams'."
    )


class PresetDuplicate(RequestModel):
    name: str | None = Field(default=None, min_length=1, max_length=255, description="Default: '<name> (copy)'.")

    @field_validator("name")
    @classmethod
    def _name_not_blank(cls, value: str | None) -> str | None:
        return None if value is None else _strip_name(value)


# --- versions ------------------------------------------------------------------------------------


class PresetVersionSummary(BaseModel):
    """One version in a preset's history."""

    model_config = ConfigDict(from_attributes=True)

    number: int
    name: str
    change: str = Field(
        description="created, updated, restored, base_changed, detached, imported, system_release or migrated."
    )
    change_note: str | None = Field(description="The note given with the change.")
    summary: str = Field(description="What changed, in words.")
    author: str = Field(description="Who made it: a user name, 'local' (single-user mode, the CLI) or 'system'.")
    created_at: datetime


class PresetVersionPage(BaseModel):
    preset_id: int
    current_version: int
    total: int
    offset: int
    limit: int
    versions: list[PresetVersionSummary] = Field(description="Newest first.")


class PresetVersionRead(PresetVersionSummary):
    """Every field of a preset as it was at one version."""

    preset_id: int
    slug: str
    description: str | None
    category: str | None
    runtime: EngineRuntime | None
    parameters: dict[str, Any]
    metadata: dict[str, Any] | None = Field(validation_alias="meta")
    extends: list[PresetRef]
    effective_parameters: dict[str, Any]
    effective_sources: list[ParameterSource]
    is_current: bool = False


class ValuesEntry(BaseModel):
    parameter: str
    values: list[Any]


class ValuesChange(BaseModel):
    parameter: str
    before: list[Any]
    after: list[Any]
    added_values: list[Any]
    removed_values: list[Any]


class SpaceDiff(BaseModel):
    added: list[ValuesEntry]
    removed: list[ValuesEntry]
    changed: list[ValuesChange]


class FieldChange(BaseModel):
    field: str
    before: Any
    after: Any


class PresetVersionDiff(BaseModel):
    """From version ``from_version`` to ``to_version`` (either order)."""

    preset_id: int
    from_version: int
    to_version: int
    fields: list[FieldChange] = Field(description="name, description, category, runtime, metadata, extends.")
    parameters: SpaceDiff = Field(description="Its own parameters, by leaf (dotted name).")
    effective_parameters: SpaceDiff
    summary: str


class PresetRestore(RequestModel):
    change_note: str | None = Field(default=None, max_length=2000)
    version: int | None = Field(
        default=None, ge=1, le=2**31 - 1, description="The current version this restore was decided on (as If-Match)."
    )
