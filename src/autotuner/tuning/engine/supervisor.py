"""A small supervisor between the service and one engine, so that no engine outlives the service,
even when the service is killed with SIGKILL.

The service starts ``python supervisor.py`` (this file, run by path: standard library only, no
import of the package, so it starts in a few tens of milliseconds) in a new process group, with
its stdin a pipe from the service and its stdout/stderr the experiment's log. The service writes
one JSON line, ``{"command": [...], "grace": 10, "orphan_grace": 3, "status_fd": N}``; the
supervisor then:

* makes itself a child subreaper (``PR_SET_CHILD_SUBREAPER``), so every process the engine
  starts - even one that leaves the process group with ``setsid`` - stays its descendant when
  its parent exits;
* starts the engine from the argument list (never a shell), in the supervisor's process group, and writes
  ``ok <pid>`` (or ``error <reason>``) on the status pipe ``status_fd``;
* waits. When the **pipe from the service closes** - the service exited or was killed outright
  (the kernel closes its descriptors) - it sends SIGTERM to every descendant, waits
  ``orphan_grace`` seconds, SIGKILLs what is left, reaps them and exits. A SIGTERM (the service's
  teardown signals the whole group) does the same with ``grace`` seconds. When the **engine exits by itself**, the supervisor SIGKILLs the engine's leftover
  descendants and exits with the engine's exit status (the same signal when it was killed), so
  the service reads the engine's own status.

The supervisor's own process group holds the engine too, so the service's group-wide SIGTERM /
SIGKILL (:meth:`autotuner.tuning.engine.process.EngineProcess.terminate`) still reaches all of
them. A supervisor killed with SIGKILL itself cannot clean up; the service's ``.pid`` records
(:mod:`.recovery`) cover that case at its next start.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import subprocess
import sys
import threading
import time

_PR_SET_CHILD_SUBREAPER = 36


def _prctl(option: int, value: int) -> None:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(option, ctypes.c_ulong(value), ctypes.c_ulong(0), ctypes.c_ulong(0), ctypes.c_ulong(0))
    except (OSError, AttributeError):  # not Linux: the pipe and the process group still work
        pass


def descendants(root: int) -> list[int]:
    """Live processes below ``root`` (a /proc scan of parent links)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] in ("Z", "X"):
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    out: list[int] = []
    stack = [root]
    while stack:
        for child in children.get(stack.pop(), []):
            out.append(child)
            stack.append(child)
    return out


def _signal_all(pids: list[int], sig: int) -> None:
    for pid in pids:
        try:
            os.kill(pid, sig)
        except (ProcessLookupError, PermissionError):
            pass


_exit_codes: dict[int, int] = {}  # pid -> exit code (negative: the signal) of reaped children


def _reap() -> None:
    """Collect every child that has exited (we adopt orphans as a subreaper)."""
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        _exit_codes[pid] = os.waitstatus_to_exitcode(status)


def stop_tree(grace: float) -> None:
    """SIGTERM every descendant, SIGKILL those left after ``grace`` seconds, reap them."""
    me = os.getpid()
    _signal_all(descendants(me), signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        _reap()
        if not descendants(me):
            return
        time.sleep(0.05)
    while left := descendants(me):
        _signal_all(left, signal.SIGKILL)
        time.sleep(0.02)
        _reap()
    _reap()


def main() -> int:
    line = sys.stdin.buffer.readline()
    try:
        spec = json.loads(line)
        command = [str(arg) for arg in spec["command"]]
        grace = float(spec.get("grace", 10.0))
        orphan_grace = float(spec.get("orphan_grace", 3.0))
        status = os.fdopen(int(spec["status_fd"]), "w")
    except (ValueError, KeyError, TypeError, OSError) as exc:
        print(f"autotuner supervisor: bad start request: {exc}", file=sys.stderr, flush=True)
        return 2
    _prctl(_PR_SET_CHILD_SUBREAPER, 1)
    stopping = threading.Event()
    reasons: list[float] = []  # the grace period of the first reason to stop

    def on_sigterm(_signum: int, _frame: object) -> None:
        reasons.append(grace)
        stopping.set()

    # A handler (not SIG_IGN, which the engine would inherit across exec): the engine gets the
    # default disposition; the group-wide SIGTERM of a teardown makes us stop the whole tree.
    signal.signal(signal.SIGTERM, on_sigterm)
    signal.signal(signal.SIGINT, on_sigterm)
    try:
        # Popen only spawns it: the supervisor reaps every child itself (waitpid(-1)), so it never
        # asks this Popen object for the engine's status.
        engine = subprocess.Popen(command, stdin=subprocess.DEVNULL, close_fds=True)
    except OSError as exc:
        status.write(f"error {exc.strerror or exc}\n")
        status.close()
        return 127
    status.write(f"ok {engine.pid}\n")
    status.close()

    def watch_service() -> None:
        while sys.stdin.buffer.read(4096):  # the service never writes again: EOF when it is gone
            pass
        reasons.append(orphan_grace)
        stopping.set()

    threading.Thread(target=watch_service, daemon=True).start()
    while not stopping.is_set():
        _reap()  # the engine, and orphans we adopted
        if engine.pid in _exit_codes:
            break
        stopping.wait(0.05)
    if stopping.is_set() and engine.pid not in _exit_codes:
        stop_tree(reasons[0] if reasons else grace)
    else:  # the engine exited by itself: nothing it started may linger
        _signal_all(descendants(os.getpid()), signal.SIGKILL)
        time.sleep(0.02)
        stop_tree(0.0)
    code = _exit_codes.get(engine.pid, 143)
    if code < 0:  # the engine died on a signal: so do we, so that the service reads the same status
        signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
        time.sleep(1)
    return code


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # not sys.exit: the thread blocked reading stdin must not delay or upset the exit
