"""The generated reference pages hold everything the code defines: every endpoint and schema of
the OpenAPI schema, every command and option of the CLI, every flag and rule of every engine
catalog, every setting, and every table and foreign key of the database."""

from __future__ import annotations

from types import SimpleNamespace

import typer

from autotuner.cli import reference
from autotuner.cli.app import app as cli_app
from autotuner.core.settings import Settings
from autotuner.runtimes import loading


def test_the_api_page_has_every_endpoint_and_schema():
    schema = reference.openapi_schema()
    page = reference.api_page(schema)
    for path, methods in schema["paths"].items():
        for method in methods:
            assert f"\n### {method.upper()} {path}\n" in page, f"{method.upper()} {path}"
    for name in schema["components"]["schemas"]:
        assert f"\n### {name}\n" in page, name
    assert "[PresetCreate](#presetcreate)" in page


def _commands(command, path):
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _commands(sub, [*path, name])


def test_the_cli_page_has_every_command_and_option():
    page = reference.cli_page()
    root = typer.main.get_command(cli_app)
    count = 0
    for path, command in _commands(root, ["autotuner"]):
        assert f" {' '.join(path)}\n" in page, path
        for param in command.params:
            for opt in getattr(param, "opts", []):
                if opt.startswith("-"):
                    assert f"`{opt}`" in page, (path, opt)
        count += 1
    assert count > 30
    assert "### autotuner docs serve" in page
    assert "`AUTOTUNER_PORT`" in page  # serve's --port reads it


def test_every_catalog_flag_and_rule_is_on_its_page():
    pages = reference.reference_pages()
    for catalog in loading.list_runtimes():
        page = pages[f"reference/catalogs/{catalog.runtime}.md"]()
        for name, spec in catalog.flags.items():
            assert f"| `{name}`" in page, (catalog.runtime, name)
            assert spec.allowed() in page
        for rule in catalog.rules:
            assert f"`{rule.id}`" in page
        assert catalog.release in page
    index = pages["reference/catalogs/index.md"]()
    for runtime in loading.RUNTIMES:
        assert f"]({runtime}.md)" in index


def test_catalog_versions_are_read_through_whatever_the_loading_module_offers():
    one = SimpleNamespace(to_dict=lambda with_flags=True: {"release": "v1", "flags": [{"name": "a"}]})
    two = SimpleNamespace(to_dict=lambda with_flags=True: {"release": "v2", "flags": []})
    several = SimpleNamespace(
        list_versions=lambda runtime: ["v1", "v2"],
        get_catalog=lambda runtime, version=None: {"v1": one, "v2": two}[version],
    )
    assert reference._versions_of(several, "x") == ["v1", "v2"]
    assert reference._as_dict(reference._catalog_for(several, "x", "v2"))["release"] == "v2"
    single = SimpleNamespace(get_catalog=lambda runtime: one)
    assert reference._versions_of(single, "x") == [None]
    assert reference._as_dict(reference._catalog_for(single, "x", None))["release"] == "v1"


def test_the_settings_page_names_every_variable_with_its_comment():
    page = reference.settings_page()
    for name in Settings.model_fields:
        assert f"`AUTOTUNER_{name.upper()}`" in page, name
    assert "Largest accepted import file, in bytes (1 MiB)." in page
    # Read by modules outside the settings object, found in the source.
    for name in ("AUTOTUNER_TOKEN", "AUTOTUNER_LLAMA_SERVER"):
        assert f"`{name}`" in page


def test_the_schema_diagram_has_every_table_and_foreign_key():
    from autotuner.db import models  # noqa: F401
    from autotuner.db.base import Base

    diagram = reference.schema_mermaid()
    assert diagram.startswith("erDiagram\n")
    for table in Base.metadata.tables.values():
        assert f"    {table.name} {{\n" in diagram
        for column in table.columns:
            assert f" {column.name}" in diagram
        for fk in table.foreign_key_constraints:
            assert f"{fk.referred_table.name} " in diagram
            assert any(
                line.strip().startswith(fk.referred_table.name) and f" {table.name} :" in line
                for line in diagram.splitlines()
            ), (table.name, fk.referred_table.name)
