"""MkDocs hooks (mkdocs.yml ``hooks:``): the parts of the site generated from the code at build time.

* the reference pages of :func:`autotuner.cli.reference.reference_pages` (REST API, CLI, settings,
  one page per engine catalog) and ``reference/openapi.json``; the catalog pages join the nav;
* ``<!-- generated: db-schema -->`` in a page becomes the database schema as a Mermaid diagram,
  drawn from the SQLAlchemy models;
* the UI screenshots under ``docs/assets/screenshots/`` are replaced by the browser tests' newer
  ones from ``test-artifacts/screenshots/`` when those exist (``./scripts/e2e.sh`` writes them).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

from autotuner.cli import reference

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
SCHEMA_MARK = "<!-- generated: db-schema -->"
CATALOG_SECTION = "Engine catalogs"

_pages: dict[str, str] = {}


def _generated() -> dict[str, str]:
    if not _pages:
        _pages.update({path: make() for path, make in reference.reference_pages().items()})
    return _pages


def on_startup(command: str, dirty: bool) -> None:  # a new build (serve rebuilds on change)
    _pages.clear()


def on_pre_build(config: Any) -> None:
    _pages.clear()


def _catalog_nav(pages: dict[str, str]) -> list[Any]:
    entries: list[Any] = ["reference/catalogs/index.md"]
    for path, text in pages.items():
        if path.startswith("reference/catalogs/") and not path.endswith("index.md"):
            title = text.splitlines()[0].lstrip("# ").removesuffix(" catalog")
            entries.append({title: path})
    return entries


def _inject_catalogs(nav: list[Any], pages: dict[str, str]) -> None:
    for item in nav:
        if not isinstance(item, dict):
            continue
        for key, value in item.items():
            if key == CATALOG_SECTION:
                item[key] = _catalog_nav(pages)
            elif isinstance(value, list):
                _inject_catalogs(value, pages)


def on_config(config: Any) -> Any:
    _pages.clear()
    if config.get("nav"):
        _inject_catalogs(config["nav"], _generated())
    return config


def on_files(files: Files, config: Any) -> Files:
    for path, text in _generated().items():
        files.append(File.generated(config, path, content=text))
    schema = reference.openapi_schema()
    files.append(File.generated(config, "reference/openapi.json", content=json.dumps(schema, indent=2)))
    if SCREENSHOTS.is_dir():
        for file in list(files):
            if file.src_uri.startswith("assets/screenshots/"):
                fresh = SCREENSHOTS / Path(file.src_uri).name
                if fresh.is_file():
                    files.remove(file)
                    files.append(File.generated(config, file.src_uri, abs_src_path=str(fresh)))
    return files


def on_page_markdown(markdown: str, page: Any, config: Any, files: Files) -> str:
    if SCHEMA_MARK in markdown:
        markdown = markdown.replace(SCHEMA_MARK, reference.schema_block())
    return markdown
