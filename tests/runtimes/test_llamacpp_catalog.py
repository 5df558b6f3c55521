"""The llama.cpp catalog checked against the installed llama-server: an upgrade that renames or
drops a flag, or a value the program no longer takes, fails here."""

from __future__ import annotations

import re

import pytest
from support.llama import llama_server  # noqa: F401 - a fixture

from autotuner.runtimes.generate import dump_catalog, llamacpp_catalog
from autotuner.runtimes.loading import catalog_versions, get_catalog
from autotuner.tuning.engine.install import server_help, server_version

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def help_text(llama_server):  # noqa: F811 - the fixture
    return server_help(llama_server)


def _long_options(text: str) -> set[str]:
    return set(re.findall(r"(?<![\w-])--([a-z0-9][a-z0-9-]*)", text))


def test_every_flag_and_alias_of_the_catalog_is_an_option_of_llama_server(help_text):
    options = _long_options(help_text)
    assert len(options) > 100, "llama-server --help lists its options"
    catalog = get_catalog("llamacpp")
    for spec in catalog.flags.values():
        assert spec.name in options, f"--{spec.name} is not in llama-server --help"
        for alias in spec.aliases:
            assert alias in options, f"--{alias} (alias of {spec.name}) is not in llama-server --help"
        if spec.type == "bool":
            # Booleans render as --name / --no-name (see tuning.engine.commands).
            assert f"no-{spec.name}" in options, f"--no-{spec.name} is not in llama-server --help"


def test_the_choices_of_the_catalog_are_the_values_llama_server_names(help_text):
    catalog = get_catalog("llamacpp")
    allowed = re.search(r"allowed values: ([^\n]+)", help_text)
    assert allowed, "llama-server --help lists the KV cache types"
    cache_types = {value.strip() for value in allowed.group(1).split(",")}
    assert set(catalog.flags["cache-type-k"].choices) == cache_types
    assert set(catalog.flags["cache-type-v"].choices) == cache_types
    assert "[on|off|auto]" in help_text and catalog.flags["flash-attn"].choices == ["on", "off", "auto"]
    for mode in catalog.flags["load-mode"].choices:
        assert f"- {mode}:" in help_text, f"load mode {mode} is not described by llama-server --help"


def test_the_committed_catalog_is_what_the_built_llama_server_generates(help_text, llama_server):  # noqa: F811
    document = llamacpp_catalog(server_version(llama_server) or "", help_text, program="llama-server")
    assert document["version"] in catalog_versions("llamacpp")
    committed = get_catalog("llamacpp", document["version"])
    assert document["sha256"] == committed.sha256
    assert dump_catalog(document) == dump_catalog({**document, "flags": list(committed.engine_entries)})
