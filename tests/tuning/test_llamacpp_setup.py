"""llama.cpp without starting llama-server: its command line, where the program is found, the
check before a task's first experiment, the tiny model file, and the catalog's rules with the
task's scenarios and the machine's CPUs as context."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from autotuner.runtimes.checking import check_parameters, machine_cpus
from autotuner.tuning.benchmark import WORD_POOL
from autotuner.tuning.engine.commands import build_command, render_flags
from autotuner.tuning.engine.install import (
    ENV_VAR,
    LLAMA_CPP_PYTHON_VERSION,
    InstallError,
    cached_binary,
    find_llama_server,
    install_llama_server,
    server_version,
)
from autotuner.tuning.engine.preflight import EngineMissing, check_engine
from autotuner.tuning.engine.tiny_model import SPACE, TinyModelShape, make_tiny_model, vocabulary
from autotuner.tuning.space import analyze_space, combination_is_valid, largest_request_tokens, rule_context
from autotuner.tuning.strategies import make_strategy


def _program(path: Path, version: str = "7 (abc1234)") -> Path:
    """A stand-in llama-server that only answers --version (a real executable file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\necho 'version: {version}'\necho 'built with cc for x86_64' >&2\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


@pytest.fixture
def no_llama_server(monkeypatch, tmp_path):
    """A machine without llama-server: no variable, an empty PATH, an empty cache."""
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty-path"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path


# --- the command line -------------------------------------------------------------------------


def test_llamacpp_booleans_are_negatable_and_values_follow_their_flag():
    assert render_flags({"cont-batching": False, "kv-unified": True, "threads": 2}, "llamacpp") == [
        "--no-cont-batching",
        "--kv-unified",
        "--threads",
        "2",
    ]
    # The other engines still leave a false store_true flag out.
    assert render_flags({"enable-mixed-chunk": False}, "sglang") == []


def test_the_command_runs_the_found_llama_server_on_the_model_file(no_llama_server, monkeypatch):
    task = {"base_runtime": "llamacpp", "model": {"id_or_path": "/models/tiny.gguf"}}
    program = _program(no_llama_server / "bin" / "llama-server")
    monkeypatch.setenv(ENV_VAR, str(program))
    assert build_command(task, {"parallel": 4, "cont-batching": True}, 8080) == [
        str(program),
        "-m",
        "/models/tiny.gguf",
        "--host",
        "127.0.0.1",
        "--port",
        "8080",
        "--parallel",
        "4",
        "--cont-batching",
    ]


# --- where llama-server comes from ------------------------------------------------------------


def test_the_variable_then_path_then_the_cache(no_llama_server, monkeypatch):
    assert find_llama_server() is None
    cached = _program(cached_binary())
    assert cached == no_llama_server / "cache" / "autotuner" / "llama.cpp" / LLAMA_CPP_PYTHON_VERSION / "llama-server"
    assert find_llama_server().source == "cache"
    on_path = _program(no_llama_server / "empty-path" / "llama-server")
    found = find_llama_server()
    assert (found.path, found.source) == (on_path, "PATH")
    chosen = _program(no_llama_server / "chosen" / "my-llama-server")
    monkeypatch.setenv(ENV_VAR, str(chosen))
    found = find_llama_server()
    assert (found.path, found.source, found.usable) == (chosen, ENV_VAR, True)
    assert server_version(chosen) == "7 (abc1234)"


def test_check_names_what_to_install_when_llama_server_is_missing(no_llama_server):
    with pytest.raises(EngineMissing) as info:
        check_engine({"base_runtime": "llamacpp", "model": {"id_or_path": "tiny.gguf"}})
    message = str(info.value)
    assert message.startswith("llama.cpp's llama-server is not installed: run `autotuner engines install llamacpp`")
    assert ENV_VAR in message


def test_check_refuses_a_variable_naming_no_program(no_llama_server, monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(no_llama_server / "nothing-here"))
    with pytest.raises(EngineMissing, match=rf"{ENV_VAR} names '.*nothing-here', which is not an executable file"):
        check_engine({"base_runtime": "llamacpp", "model": {"id_or_path": "tiny.gguf"}})


def test_check_wants_the_model_file_and_notes_a_program_not_built_here(no_llama_server, monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(_program(no_llama_server / "bin" / "llama-server")))
    task = {"base_runtime": "llamacpp", "model": {"id_or_path": "models/tiny.gguf"}}
    with pytest.raises(EngineMissing) as info:
        check_engine(task, cwd=no_llama_server)
    assert str(info.value).startswith(f"The model file 'models/tiny.gguf' does not exist in {no_llama_server}")
    assert "autotuner models make-tiny" in str(info.value)
    (no_llama_server / "models").mkdir()
    (no_llama_server / "models" / "tiny.gguf").write_bytes(b"GGUF")
    found = check_engine(task, cwd=no_llama_server)
    assert found.version == "7 (abc1234)"
    assert found.note.startswith(f"llama-server from {ENV_VAR} (")


def test_a_cached_build_is_returned_without_building_and_a_missing_tool_is_a_sentence(no_llama_server):
    said: list[str] = []
    cached = _program(cached_binary())
    assert install_llama_server(report=lambda message, fraction: said.append(message)) == cached
    assert said == [f"llama-server for llama-cpp-python {LLAMA_CPP_PYTHON_VERSION} is already built: {cached}"]
    cached.unlink()
    # PATH is empty here: no cmake, so nothing is downloaded and the sentence says what to install.
    with pytest.raises(InstallError) as info:
        install_llama_server(report=lambda message, fraction: said.append(message))
    assert str(info.value) == (
        "cmake is not installed, and building llama-server needs cmake: install it (on Debian or Ubuntu: "
        "apt-get install -y cmake g++) and run the install again."
    )
    assert not (cached.parent / "work").exists()


def test_the_engines_commands_print_the_program_or_say_how_to_get_it(no_llama_server):
    from support.cli import run

    assert run("engines", "path", "llamacpp", ok=False).exit_code == 1
    cached = _program(cached_binary())
    assert run("engines", "path", "llamacpp").stdout.strip() == str(cached)
    assert "is already built" in run("engines", "install", "llamacpp").stdout
    refused = run("engines", "install", "tgi", ok=False)
    assert refused.exit_code == 1 and "Unknown engine 'tgi': use one of llamacpp" in refused.stderr


def test_make_tiny_writes_the_model_and_refuses_to_overwrite(tmp_path):
    from support.cli import run

    target = tmp_path / "tiny.gguf"
    small = ("--layers", "1", "--embedding", "32", "--feed-forward", "64", "--heads", "4", "--kv-heads", "2")
    out = run("models", "make-tiny", str(target), *small, "--json").stdout
    assert '"architecture": "llama"' in out and target.is_file()
    refused = run("models", "make-tiny", str(target), ok=False)
    assert refused.exit_code == 1 and "exists: give another path, or --force to overwrite it" in refused.stderr


# --- the tiny model ---------------------------------------------------------------------------


def test_the_tiny_model_is_a_llama_gguf_whose_vocabulary_holds_every_pool_word(tmp_path):
    import gguf

    info = make_tiny_model(tmp_path / "tiny.gguf", TinyModelShape(layers=2, embedding=64, feed_forward=128, heads=4))
    reader = gguf.GGUFReader(tmp_path / "tiny.gguf")
    fields = reader.fields
    assert bytes(fields["general.architecture"].parts[-1]).decode() == "llama"
    assert int(fields["llama.block_count"].parts[-1][0]) == 2
    assert len(reader.tensors) == 2 + 9 * 2 + 1  # embeddings, 9 per block, output norm, output
    tokens, scores, types = vocabulary()
    assert len(tokens) == len(scores) == len(types) == info["vocabulary"]
    assert {SPACE + word for word in WORD_POOL} <= set(tokens)
    assert tokens[:3] == ["<unk>", "<s>", "</s>"] and tokens[3] == "<0x00>"
    # The same options write the same file.
    make_tiny_model(tmp_path / "again.gguf", TinyModelShape(layers=2, embedding=64, feed_forward=128, heads=4))
    assert (tmp_path / "tiny.gguf").read_bytes() == (tmp_path / "again.gguf").read_bytes()


def test_an_impossible_shape_is_refused_before_writing(tmp_path):
    with pytest.raises(ValueError, match="embedding must be a multiple of heads"):
        make_tiny_model(tmp_path / "x.gguf", TinyModelShape(embedding=100, heads=8))
    assert not (tmp_path / "x.gguf").exists()


# --- the rules, with the task's scenarios and the machine's CPUs --------------------------------


def test_the_largest_request_of_the_scenarios_is_rule_context():
    assert largest_request_tokens({"traffic_scenarios": ["D(100,50)", "D(300,20)"]}) == 320
    assert largest_request_tokens({"traffic_scenarios": ["N(100,10)/(50,5)"]}) == 130 + 65
    assert largest_request_tokens({"traffic_scenarios": ["nonsense"]}) is None
    assert largest_request_tokens(None) is None
    context = rule_context(gpus=2, benchmark={"traffic_scenarios": ["D(64,16)"]})
    assert context == {"cpus": machine_cpus(), "gpus": 2, "request_tokens": 80}
    assert machine_cpus() == len(os.sched_getaffinity(0))


def test_a_ctx_size_too_small_for_parallel_requests_is_removed_with_its_reason():
    space = {"ctx-size": [256, 1024, 0], "parallel": [1, 4]}
    benchmark = {"traffic_scenarios": ["D(200,50)"]}  # 250 tokens a request
    report = analyze_space(space, "llamacpp", benchmark=benchmark, limit=10)
    # 256 holds one request, not four; 1024 holds four; 0 is the model's own context.
    assert report.valid == 5
    assert {"ctx-size": 256, "parallel": 4} not in report.combinations
    effect = next(e for e in report.removed_by_rule if e.rule == "llamacpp-ctx-holds-parallel-requests")
    assert effect.removed == 1 and effect.applies
    assert "parallel requests of the task's largest traffic scenario" in effect.description
    assert combination_is_valid({"ctx-size": 256, "parallel": 4}, "llamacpp", benchmark=benchmark) == (
        False,
        ["llamacpp-ctx-holds-parallel-requests"],
    )
    # Without the task's scenarios the rule does not decide, so it removes nothing.
    assert analyze_space(space, "llamacpp", limit=0).valid == 6
    # The strategies read the scenarios from the task.
    task = {"base_runtime": "llamacpp", "parameters": space, "benchmark": benchmark}
    assert make_strategy(task).valid_count == 5


def test_ubatch_size_above_batch_size_is_removed():
    report = analyze_space({"batch-size": [64, 512], "ubatch-size": [128, 512]}, "llamacpp", limit=10)
    assert report.combinations == [{"batch-size": 512, "ubatch-size": 128}, {"batch-size": 512, "ubatch-size": 512}]


def test_threads_above_the_cpus_are_a_warning_not_a_removal():
    cpus = machine_cpus()
    report = check_parameters("llamacpp", {"threads": [1, cpus + 1], "threads-batch": [cpus]})
    assert report.ok
    assert report.warnings == [
        f"threads {cpus + 1}: threads above this machine's CPU count makes threads wait for each other (cpus {cpus})."
    ]
    assert analyze_space({"threads": [1, cpus + 1]}, "llamacpp", limit=0).valid == 2
    # With a context saying the machine has more CPUs, nothing is said.
    assert check_parameters("llamacpp", {"threads": [cpus + 1]}, {"cpus": cpus + 1}).warnings == []
