"""``autotuner presets history | diff | restore``, ``create --extends`` and ``merge --strategy smart
--resolve`` on the test's own database (CliRunner, real SQLite/PostgreSQL)."""

from __future__ import annotations

import json

from support.cli import lines_of, run


def make_history(cli_env):
    from autotuner.core.actors import Actor
    from autotuner.db.session import make_engine, make_session_factory, session_scope
    from autotuner.presets import service
    from autotuner.presets.schemas import PresetUpdate

    run("presets", "create", "--name", "Mine", "-p", "tp-size=1,2", "-p", "schedule-policy=lpm")
    engine = make_engine(cli_env.resolved_database_url)
    try:
        with session_scope(make_session_factory(engine)) as session:
            service.update_preset(
                session,
                "mine",
                PresetUpdate(parameters={"tp-size": [4]}, change_note="more GPUs"),
                Actor.operator(allow_command_runtime=False),
            )
    finally:
        engine.dispose()


def test_history_diff_and_restore(cli_env):
    make_history(cli_env)
    page = json.loads(run("presets", "history", "mine", "--json").stdout)
    assert [v["number"] for v in page["versions"]] == [2, 1] and page["versions"][0]["change_note"] == "more GPUs"
    table = run("presets", "history", "mine", columns=250).stdout
    assert "2 versions (current: 2)" in table and "2 *" in table and "more GPUs" in table
    diff = lines_of(run("presets", "diff", "mine", "1", "2").stdout)
    assert diff[0] == "Version 1 -> 2: Parameters: removed schedule-policy; tp-size [1, 2] -> [4]."
    assert diff[1:] == ["  - schedule-policy: lpm", "  ~ tp-size: 1, 2 -> 4"]
    restored = run("presets", "restore", "mine", "1", "--note", "back").stdout
    assert "Restored Mine to version 1: it is now version 3." in restored
    shown = json.loads(run("presets", "show", "mine", "--json").stdout)
    assert shown["version"] == 3 and shown["parameters"] == {"tp-size": [1, 2], "schedule-policy": ["lpm"]}
    missing = run("presets", "diff", "mine", "1", "9", ok=False)
    assert missing.exit_code == 1 and "Version not found: preset 'Mine' has versions 1 to 3, not 9." in missing.stderr


def test_create_with_extends_and_show_the_sources(cli_env):
    run("presets", "create", "--name", "Base", "-p", "tp-size=1,2", "-p", "mem-fraction-static=0.8")
    created = json.loads(
        run("presets", "create", "--name", "Kid", "-p", "tp-size=4", "--extends", "base", "--json").stdout
    )
    assert created["effective_parameters"] == {"tp-size": [4], "mem-fraction-static": [0.8]}
    shown = run("presets", "show", "kid", columns=120).stdout
    assert "extends: Base (base)" in shown
    assert "tp-size: 4  (Kid)" in shown and "mem-fraction-static: 0.8  (Base)" in shown
    cycle = run("presets", "create", "--name", "Loop", "-p", "a=1", "--extends", "nope", ok=False)
    assert cycle.exit_code == 1 and "Cannot extend 'nope'" in cycle.stderr


def test_merge_smart_with_a_resolution(cli_env):
    out = json.loads(
        run(
            "presets",
            "merge",
            "high-throughput",
            "memory-efficient",
            "--strategy",
            "smart",
            "--resolve",
            "tp-size=last",
            "--resolve",
            "mem-fraction-static=0.8,0.9",
            "--json",
        ).stdout
    )
    assert out["parameters"] == {"tp-size": [1], "mem-fraction-static": [0.8, 0.9]}
    assert {c["parameter"]: c["resolution"] for c in out["conflicts"]} == {
        "tp-size": "last",
        "mem-fraction-static": [0.8, 0.9],
    }
    text = run("presets", "merge", "high-throughput", "memory-efficient", "-s", "smart", "--gpus", "2").stdout
    assert "smart unions them to [1, 2, 4]" in text
    assert "Combination rules of sglang: 6 of 9 combination(s) remain." in text
    assert "Rule: Rule 'sglang-gpu-count' removes 3 of 9 combinations" in text
    resolved = run("presets", "merge", "high-throughput", "memory-efficient", "--resolve", "tp-size=min").stdout
    assert "Resolved: 'tp-size': High Throughput has [2, 4], Memory Efficient has [1]; resolution 'min' keeps [1]." in (
        " ".join(lines_of(resolved))
    )
    bad = run("presets", "merge", "balanced", "--resolve", "tp-size", ok=False)
    assert bad.exit_code == 1 and "--resolve 'tp-size' is not PARAM=RESOLUTION" in bad.stderr


def test_delete_an_extended_preset_needs_detach(cli_env):
    run("presets", "create", "--name", "Base", "-p", "tp-size=1,2")
    run("presets", "create", "--name", "Kid", "-p", "x=1", "--extends", "base")
    refused = run("presets", "delete", "base", "--yes", ok=False)
    assert refused.exit_code == 1
    assert "Cannot delete preset 'Base': 'Kid' extends it; delete with cascade=detach (CLI: --detach)" in refused.stderr
    out = run("presets", "delete", "base", "--yes", "--detach").stdout
    assert "'Kid' no longer extends it" in out
    kid = json.loads(run("presets", "show", "kid", "--json").stdout)
    assert kid["extends"] == [] and kid["parameters"] == {"x": [1], "tp-size": [1, 2]} and kid["version"] == 2
