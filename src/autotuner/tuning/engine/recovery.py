"""Engines left behind by a service that died.

While an engine runs, ``<experiment log>.pid`` records its process group (with the boot id and
the leader's start time). The worker calls :func:`stop_stale_engines` when it starts, which stops
every group still alive from such a record, so nothing outlives a crashed service beyond its next
start. The process-group helpers here are shared with :mod:`.process`.
"""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

PID_SUFFIX = ".pid"


def signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover
        return True
    return True


def boot_id() -> str:
    try:
        with open("/proc/sys/kernel/random/boot_id") as handle:
            return handle.read().strip()
    except OSError:
        return ""


def proc_stat(pid: int) -> tuple[int, int] | None:
    """``(process group, start time in clock ticks since boot)`` of a live process, else None."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    if fields[0] in ("Z", "X"):
        return None
    return int(fields[2]), int(fields[19])


def group_members(pgid: int) -> list[tuple[int, int]]:
    """``(pid, start time)`` of the live processes in a process group (Linux /proc scan)."""
    members = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = proc_stat(int(entry))
            if stat is not None and stat[0] == pgid:
                members.append((int(entry), stat[1]))
    return members


def write_record(path: Path, pid: int) -> None:
    stat = proc_stat(pid)
    record = {"pgid": pid, "start_time": stat[1] if stat else None, "boot_id": boot_id()}
    try:
        path.write_text(json.dumps(record))
    except OSError:  # pragma: no cover - the log folder vanished; teardown still works in-process
        pass


def remove_record(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass


def stop_stale_engine(pid_path: str | os.PathLike[str], grace_period: float = 5.0) -> bool:
    """Stop the process group a ``.pid`` record names, if it is still the engine's; remove the
    record. Returns True when processes were signalled.

    The group is ours when the record comes from this boot and either its leader still runs with
    the recorded start time, or the leader is gone and every remaining member started after it (a
    group id cannot be reused while any member lives)."""
    path = Path(pid_path)
    try:
        record = json.loads(path.read_text())
        pgid, start_time, boot = int(record["pgid"]), record.get("start_time"), record.get("boot_id")
    except FileNotFoundError:
        return False
    except (OSError, ValueError, KeyError, TypeError):
        remove_record(path)
        return False
    if pgid <= 1 or not boot or boot != boot_id() or start_time is None or not group_alive(pgid):
        remove_record(path)
        return False
    members = group_members(pgid)
    leader = dict(members).get(pgid)
    ours = leader == start_time if leader is not None else all(started >= start_time for _, started in members)
    if not ours or not members:
        remove_record(path)
        return False
    signal_group(pgid, signal.SIGTERM)
    deadline = time.monotonic() + grace_period
    while group_alive(pgid) and group_members(pgid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if group_alive(pgid):
        signal_group(pgid, signal.SIGKILL)
    remove_record(path)
    return True
