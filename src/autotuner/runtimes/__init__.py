"""Engine parameter catalogs (SGLang, vLLM): flags worth tuning and rules for combinations."""

from autotuner.runtimes.catalog import (
    RUNTIMES,
    CatalogDataError,
    CatalogReport,
    FlagSpec,
    Rule,
    RuntimeCatalog,
    check_parameters,
    get_catalog,
    list_runtimes,
    parse_catalog,
)

__all__ = [
    "RUNTIMES",
    "CatalogDataError",
    "CatalogReport",
    "FlagSpec",
    "Rule",
    "RuntimeCatalog",
    "check_parameters",
    "get_catalog",
    "list_runtimes",
    "parse_catalog",
]
