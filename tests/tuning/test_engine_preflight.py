"""The engine check before a task's first experiment, and the cause line of an engine's output."""

from __future__ import annotations

import sys

import pytest
from support.paths import TOY

from autotuner.tuning.engine.preflight import EngineMissing, check_engine
from autotuner.tuning.engine.process import last_meaningful_line


def test_sglang_missing_says_what_to_install_and_offers_the_stand_in():
    # SGLang is not installed in the test environment (no GPU here): that is the newcomer's case.
    with pytest.raises(EngineMissing) as info:
        check_engine({"base_runtime": "sglang", "model": {"id_or_path": "m"}})
    message = str(info.value)
    assert message.startswith("SGLang is not installed for this Python")
    assert 'pip install "sglang[all]"' in message and "examples/toy_task.json" in message


def test_vllm_missing_says_what_to_install(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(EngineMissing, match=r"vLLM is not installed: the `vllm` program is not on PATH"):
        check_engine({"base_runtime": "vllm", "model": {"id_or_path": "m"}})


def test_a_command_is_checked_for_its_program_and_its_scripts(tmp_path):
    task = {"base_runtime": "command", "model": {"id_or_path": "m"}}
    found = check_engine({**task, "command": ["{python}", TOY, "--port", "{port}"]}, cwd=tmp_path)
    assert found.version is None and found.note is None
    with pytest.raises(EngineMissing, match=r"starts 'no-such-server', which is not an executable program here"):
        check_engine({**task, "command": ["no-such-server", "--port", "{port}"]}, cwd=tmp_path)
    with pytest.raises(EngineMissing, match=r"runs the script 'examples/toy_engine.py', which does not exist in"):
        check_engine({**task, "command": [sys.executable, "examples/toy_engine.py", "--port", "{port}"]}, cwd=tmp_path)
    (tmp_path / "server.py").write_text("")
    assert check_engine({**task, "command": ["{python}", "server.py", "--port", "{port}"]}, cwd=tmp_path)


@pytest.mark.parametrize(
    ("output", "cause"),
    [
        (
            'Traceback (most recent call last):\n  File "x.py", line 1, in <module>\n    import sglang\n'
            "ModuleNotFoundError: No module named 'sglang'\n",
            "ModuleNotFoundError: No module named 'sglang'",
        ),
        ("loading...\nerror: --tp-size 4 needs 4 GPUs\n\n", "error: --tp-size 4 needs 4 GPUs"),
        ("", None),
        ("torch.OutOfMemoryError: CUDA out of memory.\nshutting down\n", "torch.OutOfMemoryError: CUDA out of memory."),
    ],
)
def test_the_cause_is_the_last_exception_or_meaningful_line(output, cause):
    assert last_meaningful_line(output) == cause
