"""/api/runtimes: the engine parameter catalog (flags worth tuning, their ranges, and rules)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from autotuner.runtimes.loading import RuntimeCatalog, get_catalog, list_runtimes
from autotuner.web.errors import ERROR_RESPONSES
from autotuner.web.routing import SlashTolerantRouter

router = SlashTolerantRouter(prefix="/api/runtimes", tags=["runtimes"], responses=ERROR_RESPONSES)


class RuleRead(BaseModel):
    id: str
    description: str


class RuntimeRead(BaseModel):
    name: str
    display_name: str
    release: str
    label: str
    flag_count: int
    rules: list[RuleRead]


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


def _runtime(catalog: RuntimeCatalog) -> RuntimeRead:
    return RuntimeRead(
        name=catalog.runtime,
        display_name=catalog.display_name,
        release=catalog.release,
        label=catalog.label,
        flag_count=len(catalog.flags),
        rules=[RuleRead(id=r.id, description=r.description) for r in catalog.rules],
    )


@router.get("/", response_model=list[RuntimeRead], summary="The engines the catalog describes")
def runtimes() -> list[RuntimeRead]:
    return [_runtime(c) for c in list_runtimes()]


@router.get("/{runtime}/parameters", response_model=list[FlagRead], summary="The flags worth tuning for one engine")
def runtime_parameters(runtime: str) -> list[FlagRead]:
    catalog = get_catalog(runtime)
    return [FlagRead(**flag.to_dict()) for flag in catalog.flags.values()]
