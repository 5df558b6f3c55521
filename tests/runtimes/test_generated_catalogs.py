"""The catalogs generated from the engines' releases: committed with their wheel's version and
sha256, consistent with the hand-curated overlays and the system presets, and reproducible from
the wheels (slow: it reads the cached wheels, downloading them when the cache is empty)."""

from __future__ import annotations

import json
import re
from importlib import resources

import pytest

from autotuner.presets.system_presets import SYSTEM_PRESETS, SYSTEM_RUNTIME
from autotuner.runtimes.checking import check_parameters
from autotuner.runtimes.generate import dump_catalog
from autotuner.runtimes.loading import RUNTIMES, catalog_versions, get_catalog

DATA = resources.files("autotuner.runtimes").joinpath("data")
# The minimum: the current release and the one before, for both engines.
EXPECTED = {"sglang": {"0.5.23", "0.5.22"}, "vllm": {"0.33.0", "0.32.0"}}
WHEEL_VERSIONS = [(runtime, version) for runtime, versions in sorted(EXPECTED.items()) for version in sorted(versions)]


def _generated(runtime: str, version: str) -> dict:
    return json.loads(DATA.joinpath("generated", runtime, f"{version}.json").read_text(encoding="utf-8"))


def _overlay(runtime: str) -> dict:
    return json.loads(DATA.joinpath("overlays", f"{runtime}.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize(("runtime", "version"), WHEEL_VERSIONS)
def test_generated_catalog_is_committed_with_its_wheel_version_and_sha256(runtime, version):
    assert EXPECTED[runtime] <= set(catalog_versions(runtime))
    data = _generated(runtime, version)
    assert (data["runtime"], data["version"]) == (runtime, version)
    assert re.fullmatch(r"[0-9a-f]{64}", data["sha256"])
    assert data["package"].startswith(f"{runtime}-{version}-") and data["package"].endswith(".whl")
    assert data["generator"] == "autotuner catalog sync"
    names = [flag["name"] for flag in data["flags"]]
    assert names == sorted(names) and len(names) == len(set(names)) and len(names) > 200
    for flag in data["flags"]:
        assert flag["type"] in ("int", "float", "bool", "string")
        if flag.get("negative"):
            assert flag["switch"] and flag["negative"] == f"no-{flag['name']}"
        if flag.get("replaced_by"):
            assert flag["deprecated"] and flag["replaced_by"] in names
    # The committed text is exactly what the generator writes (a re-sync changes nothing by itself).
    assert DATA.joinpath("generated", runtime, f"{version}.json").read_text(encoding="utf-8") == dump_catalog(data)


def test_llamacpp_catalog_is_generated_from_the_help_of_the_built_llama_server():
    (version,) = catalog_versions("llamacpp")
    data = _generated("llamacpp", version)
    assert data["source"] == "llama-server --help" and re.fullmatch(r"[0-9a-f]{64}", data["sha256"])
    assert data["package"].startswith("llama-server (version: ") and version.startswith("0.5.0-dev-")
    flags = {f["name"]: f for f in data["flags"]}
    assert flags["cont-batching"]["negative"] == "no-cont-batching" and flags["batch-size"]["default"] == 2048
    assert DATA.joinpath("generated", "llamacpp", f"{version}.json").read_text(encoding="utf-8") == dump_catalog(data)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_every_overlay_flag_and_rename_exists_in_every_generated_version(runtime):
    overlay = _overlay(runtime)
    for version in catalog_versions(runtime):
        spellings = set()
        for flag in _generated(runtime, version)["flags"]:
            spellings.update([flag["name"], *flag.get("aliases", [])])
        for curated in overlay["flags"]:
            assert curated["name"] in spellings, f"overlay flag {curated['name']} is not a flag of {runtime} {version}"
        for old, new in overlay.get("renamed", {}).items():
            assert new in spellings and old not in spellings, f"rename {old} -> {new} in {runtime} {version}"
        catalog = get_catalog(runtime, version)
        assert list(catalog.flags) == [f["name"] for f in overlay["flags"]]
        assert [r.id for r in catalog.rules] == [r["id"] for r in overlay["rules"]]


def test_generated_facts_fill_the_overlay_and_the_overlay_wins():
    catalog = get_catalog("sglang", "0.5.23")
    engine = {f["name"]: f for f in _generated("sglang", "0.5.23")["flags"]}
    policy = catalog.flags["schedule-policy"]
    assert policy.choices == engine["schedule-policy"]["choices"] and policy.default == "fcfs"
    assert catalog.flags["tp-size"].aliases == ("tensor-parallel-size",)
    assert catalog.flags["mem-fraction-static"].maximum == 1  # curated range
    assert catalog.flags["sampling-backend"].choices == ["flashinfer", "pytorch"]  # curated where unreadable
    assert "Tensor parallelism" in catalog.flags["tp-size"].description
    assert catalog.engine_flags["tp-size"].description == "The tensor parallelism size."


def test_versions_differ_where_the_engine_changed():
    new, old = get_catalog("sglang", "0.5.23"), get_catalog("sglang", "0.5.22")
    added = set(new.engine_flags) - set(old.engine_flags)
    assert "monokernel-backend" in added
    report = check_parameters("sglang", {"monokernel-backend": ["amd"]}, version="0.5.22")
    assert report.missing == [
        "'monokernel-backend' is not a flag of SGLang 0.5.22 (only of SGLang 0.5.23): remove it, or pin "
        "runtime_version to a version that has it."
    ]
    assert check_parameters("sglang", {"monokernel-backend": ["amd"]}, version="0.5.23").warnings == [
        "'monokernel-backend' is deprecated in SGLang 0.5.23: use 'enable-amd-monokernel' instead."
    ]


@pytest.mark.parametrize("preset", SYSTEM_PRESETS, ids=lambda p: p["slug"])
def test_every_system_preset_flag_exists_in_the_catalogs_it_is_offered_for(preset):
    runtime = preset.get("runtime", SYSTEM_RUNTIME)
    versions = catalog_versions(runtime) or (None,)
    for version in versions:
        catalog = get_catalog(runtime, version)
        for name in preset["parameters"]:
            assert catalog.resolve(name) is not None, f"{name} of {preset['slug']} is not a flag of {catalog.label}"
        report = check_parameters(runtime, preset["parameters"], context={}, version=version)
        assert (report.errors, report.missing, report.warnings) == ([], [], []), catalog.label


def test_each_engine_runtime_has_an_overlay():
    for runtime in RUNTIMES:
        assert _overlay(runtime)["runtime"] == runtime


# ------------------------------------------------------------------------- from the wheels (slow)


@pytest.mark.slow
@pytest.mark.parametrize(("runtime", "version"), WHEEL_VERSIONS)
def test_committed_catalogs_match_a_regeneration_from_the_wheels(runtime, version):
    """Reads ~/.cache/autotuner/wheels (downloads the wheel when missing: 39 MB for SGLang, 336 MB
    for vLLM, ~5-20 s each here) and parses it again: the committed file must be what comes out."""
    from autotuner.tuning.engine.wheels import generate_from_wheel

    document = generate_from_wheel(runtime, version)
    committed = _generated(runtime, version)
    assert document["sha256"] == committed["sha256"], "the wheel on PyPI is not the one the catalog was made from"
    assert dump_catalog(document) == dump_catalog(committed)
