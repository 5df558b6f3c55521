"""/api/runtimes: the engine parameter catalogs, one per engine version (flags worth tuning, their
ranges and rules; and every flag of the version, generated from its release)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query
from pydantic import BaseModel, Field

from autotuner.runtimes.loading import RuntimeCatalog, catalog_versions, get_catalog, list_runtimes
from autotuner.web.errors import ERROR_RESPONSES
from autotuner.web.routing import SlashTolerantRouter

router = SlashTolerantRouter(prefix="/api/runtimes", tags=["runtimes"], responses=ERROR_RESPONSES)

VersionQuery = Annotated[
    str | None,
    Query(
        max_length=64,
        description="The engine version (GET /api/runtimes/{runtime}/versions); default: the newest catalog.",
    ),
]


class RuleRead(BaseModel):
    id: str
    description: str


class RuntimeRead(BaseModel):
    name: str
    display_name: str
    release: str
    label: str
    flag_count: int
    engine_flag_count: int = Field(
        description="Every flag of this engine version (0: the catalog lists only the tuned ones)."
    )
    versions: list[str] = Field(description="The versions with a catalog, newest first.")
    rules: list[RuleRead]


class VersionRead(BaseModel):
    version: str
    label: str
    package: str = Field(description="The released file the catalog was generated from.")
    sha256: str
    source: str
    flag_count: int
    engine_flag_count: int
    renamed: dict[str, str] = Field(description="Old flag name -> the flag that replaced it.")


class FlagRead(BaseModel):
    name: str
    type: str
    description: str
    default: Any = None
    choices: list[Any] | None = None
    minimum: int | float | None = None
    maximum: int | float | None = None
    exclusive_minimum: bool = False
    exclusive_maximum: bool = False
    aliases: list[str] = []
    gpus_factor: bool = False
    allowed: str = ""


class EngineFlagRead(BaseModel):
    name: str
    type: str
    aliases: list[str] = []
    choices: list[Any] | None = None
    default: Any = None
    switch: bool = Field(default=False, description="A boolean flag that takes no value.")
    negative: str | None = Field(default=None, description="The flag that turns the switch off, e.g. no-enforce-eager.")
    multiple: bool = False
    deprecated: bool = False
    replaced_by: str | None = None
    help: str = ""
    tuned: bool = Field(default=False, description="Whether the catalog lists it as worth tuning.")


def _runtime(catalog: RuntimeCatalog) -> RuntimeRead:
    return RuntimeRead(
        name=catalog.runtime,
        display_name=catalog.display_name,
        release=catalog.release,
        label=catalog.label,
        flag_count=len(catalog.flags),
        engine_flag_count=len(catalog.engine_flags),
        versions=list(catalog_versions(catalog.runtime)) or [catalog.release],
        rules=[RuleRead(id=r.id, description=r.description) for r in catalog.rules],
    )


@router.get("/", response_model=list[RuntimeRead], summary="The engines the catalogs describe (newest versions)")
def runtimes() -> list[RuntimeRead]:
    return [_runtime(c) for c in list_runtimes()]


@router.get("/{runtime}", response_model=RuntimeRead, summary="One engine's catalog at a version")
def runtime(runtime: str, version: VersionQuery = None) -> RuntimeRead:
    return _runtime(get_catalog(runtime, version))


@router.get("/{runtime}/versions", response_model=list[VersionRead], summary="The engine versions with a catalog")
def runtime_versions(runtime: str) -> list[VersionRead]:
    catalogs = [get_catalog(runtime, v) for v in catalog_versions(runtime)] or [get_catalog(runtime)]
    return [
        VersionRead(
            version=c.release,
            label=c.label,
            package=c.package,
            sha256=c.sha256,
            source=c.source,
            flag_count=len(c.flags),
            engine_flag_count=len(c.engine_flags),
            renamed=c.renamed,
        )
        for c in catalogs
    ]


@router.get("/{runtime}/parameters", response_model=list[FlagRead], summary="The flags worth tuning for one engine")
def runtime_parameters(runtime: str, version: VersionQuery = None) -> list[FlagRead]:
    catalog = get_catalog(runtime, version)
    return [FlagRead(**flag.to_dict()) for flag in catalog.flags.values()]


@router.get("/{runtime}/flags", response_model=list[EngineFlagRead], summary="Every flag of one engine version")
def runtime_flags(runtime: str, version: VersionQuery = None) -> list[EngineFlagRead]:
    catalog = get_catalog(runtime, version)
    return [EngineFlagRead(**entry, tuned=entry["name"] in catalog.flags) for entry in catalog.engine_entries]
