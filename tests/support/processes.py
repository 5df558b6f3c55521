"""Processes the tests start: the stand-in engine, and waiting on conditions about them."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def pid_alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie waiting to be reaped counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


def wait_for(condition: Callable[[], T], what: str, timeout: float = 30.0, interval: float = 0.02) -> T:
    """Poll ``condition`` until it is truthy and return its value; fail after ``timeout`` seconds
    (a bound on a wait, not a timing assertion)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(interval)


def engine_processes(program: str, mark: str) -> list[tuple[int, str]]:
    """Live (not zombie) processes whose command line holds ``program`` (e.g. ``toy_engine.py``,
    ``llama-server``) and ``mark`` (a unique model name or path a test module gives its tasks, so
    that other sessions on the machine do not count)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                cmdline = handle.read().replace(b"\0", b" ").decode(errors="replace")
            with open(f"/proc/{entry}/stat") as handle:
                state = handle.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if program in cmdline and mark in cmdline and state not in ("Z", "X"):
            found.append((int(entry), cmdline))
    return found


def toy_engine_processes(mark: str) -> list[tuple[int, str]]:
    """Live processes running examples/toy_engine.py with ``mark`` on their command line."""
    return engine_processes("toy_engine.py", mark)


def assert_no_toy_engine_left(mark: str, grace: float = 15.0) -> None:
    """No engine a test module started outlives it (those in their SIGTERM grace get a moment)."""
    deadline = time.monotonic() + grace
    while toy_engine_processes(mark) and time.monotonic() < deadline:
        time.sleep(0.1)
    leftovers = toy_engine_processes(mark)
    for pid, _ in leftovers:
        os.kill(pid, signal.SIGKILL)
    assert leftovers == [], f"toy engines outlived the tests: {leftovers}"
