"""``autotuner presets ...`` on the test's own database (CliRunner, real SQLite/PostgreSQL)."""

from __future__ import annotations

import json

from support.cli import lines_of, run


def test_presets_list_json_and_table(cli_env):
    rows = json.loads(run("presets", "list", "--json").stdout)
    assert {r["slug"] for r in rows} == {
        "memory-efficient",
        "high-throughput",
        "low-latency",
        "balanced",
        "cpu-throughput",
    }
    table = run("presets", "list").stdout
    assert "High Throughput" in table and "tp-size: 2, 4" in table


def test_create_show_export_import_delete(cli_env, tmp_path):
    created = json.loads(
        run(
            "presets",
            "create",
            "--name",
            "Mine",
            "-p",
            "tp-size=1,2",
            "-p",
            "schedule-policy=lpm,fcfs",
            "-p",
            "enable-mixed-chunk=true",
            "--tag",
            "t1",
            "--json",
        ).stdout
    )
    assert created["parameters"] == {
        "tp-size": [1, 2],
        "schedule-policy": ["lpm", "fcfs"],
        "enable-mixed-chunk": [True],
    }
    assert created["metadata"] == {"tags": ["t1"]}
    shown = json.loads(run("presets", "show", "mine", "--json").stdout)
    assert shown["id"] == created["id"]
    target = tmp_path / "out.json"
    run("presets", "export", "mine", "-o", str(target))
    document = json.loads(target.read_text())
    assert document["version"] == "1.0" and document["preset"]["name"] == "Mine"
    run("presets", "delete", "mine", "--yes")
    failed = run("presets", "show", "mine", ok=False)
    assert failed.exit_code == 1
    assert "Preset not found: no preset with id or slug 'mine'" in failed.stderr
    imported = json.loads(run("presets", "import", str(target), "--json").stdout)
    assert imported["imported"][0]["parameters"] == created["parameters"]
    again = run("presets", "import", str(target), ok=False)
    assert again.exit_code == 1 and "already exists" in again.stderr
    renamed = json.loads(run("presets", "import", str(target), "--on-conflict", "rename", "--json").stdout)
    assert renamed["imported"][0]["name"] == "Mine (2)"


def test_merge_prints_the_reference_result(cli_env):
    union = json.loads(run("presets", "merge", "high-throughput", "memory-efficient", "--json").stdout)
    assert union["parameters"] == {"tp-size": [1, 2, 4], "mem-fraction-static": [0.7, 0.75, 0.9]}
    last = json.loads(
        run(
            "presets", "merge", "high-throughput", "memory-efficient", "-s", "last_wins", "--set", "tp-size=2", "--json"
        ).stdout
    )
    assert last["parameters"] == {"tp-size": [2], "mem-fraction-static": [0.7, 0.75]}
    text = run("presets", "merge", "high-throughput", "memory-efficient").stdout
    assert "9 combination(s)" in text


def test_errors_are_the_api_sentences_and_exit_non_zero(cli_env):
    bad = run("presets", "merge", "balanced", "-s", "foo", ok=False)
    assert bad.exit_code == 1
    assert "Invalid merge strategy 'foo': use one of union, intersection, last_wins" in bad.stderr
    protected = run("presets", "delete", "balanced", "--yes", ok=False)
    assert "Cannot delete system preset 'Balanced': create a custom preset instead" in protected.stderr
    no_params = run("presets", "create", "--name", "Empty", ok=False)
    assert no_params.exit_code == 1 and "--param" in no_params.stderr
    malformed = run("presets", "create", "--name", "X", "-p", "tp-size", ok=False)
    assert "is not NAME=VALUE" in malformed.stderr


def test_show_of_an_unknown_slug_says_id_or_slug(cli_env):
    result = run("presets", "show", "nope", ok=False)
    assert result.exit_code == 1
    assert result.stderr.strip() == "Error: Preset not found: no preset with id or slug 'nope'."
    assert result.stdout == ""


def test_list_at_80_columns_keeps_every_identifier_whole(cli_env):
    run(
        "presets",
        "create",
        "--name",
        "Throughput With Chunked Prefill",
        "-p",
        "schedule-conservativeness=0.3,1.0",
        "-p",
        "chunked-prefill-size=4096,8192",
    )
    out = run("presets", "list", columns=80).stdout
    lines = lines_of(out)
    assert max(len(line) for line in lines) <= 80, out
    words = {word for line in lines for word in line.split()}
    for identifier in (
        "high-throughput",
        "memory-efficient",
        "throughput-with-chunked-prefill",
        "performance",
        "schedule-conservativeness:",
        "chunked-prefill-size:",
        "mem-fraction-static:",
    ):
        assert identifier in words, out
    # The parameters, too wide for the table, are on a line of their own under their preset.
    row = next(i for i, line in enumerate(lines) if "high-throughput" in line.split())
    assert lines[row + 1].split() == ["(system)"]  # the name folds between words
    assert lines[row + 2].split() == ["Parameters:", "tp-size:", "2,", "4;", "mem-fraction-static:", "0.9"]


def test_list_in_a_wide_terminal_is_one_table_with_a_parameter_a_line(cli_env):
    out = run("presets", "list", columns=200).stdout
    lines = lines_of(out)
    assert lines[1].startswith("┏") and "Parameters" in lines[2]
    row = next(i for i, line in enumerate(lines) if "high-throughput" in line.split())
    assert "tp-size: 2, 4" in lines[row] and "mem-fraction-static: 0.9" in lines[row + 1]


def test_merge_prints_a_compact_table_then_the_conflicts_as_sentences(cli_env):
    lines = lines_of(run("presets", "merge", "high-throughput", "memory-efficient", columns=80).stdout)
    assert lines[0] == "Merged High Throughput, Memory Efficient with union: 9 combination(s)."
    assert [line.split() for line in lines[1:4]] == [
        ["Parameter", "Values"],
        ["tp-size", "1,", "2,", "4"],
        ["mem-fraction-static", "0.7,", "0.75,", "0.9"],
    ]
    conflicts = " ".join(lines[4:])
    assert conflicts == (
        "Conflict: 'tp-size': High Throughput has [2, 4], Memory Efficient has [1]; union keeps [1, 2, 4]. "
        "Conflict: 'mem-fraction-static': High Throughput has [0.9], Memory Efficient has [0.7, 0.75]; "
        "union keeps [0.7, 0.75, 0.9]."
    )


def test_merge_sentences_keep_their_brackets(cli_env):
    run("presets", "create", "--name", "Mixed On", "-p", "enable-mixed-chunk=true")
    run("presets", "create", "--name", "Mixed Off", "-p", "enable-mixed-chunk=false")
    out = run("presets", "merge", "mixed-on", "mixed-off").stdout
    assert lines_of(out)[2].split() == ["enable-mixed-chunk", "true,", "false"] or lines_of(out)[2].split() == [
        "enable-mixed-chunk",
        "false,",
        "true",
    ]
    assert "Mixed On has [true], Mixed Off has [false]" in out
