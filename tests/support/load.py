"""CPU load for tests that must hold on a busy machine: processes that spin until killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

_TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time ``pid`` has used so far (from /proc/<pid>/stat)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    # After the command name: state is field 3 of stat(5), utime 14 and stime 15.
    return (int(fields[11]) + int(fields[12])) / _TICKS_PER_SECOND


@dataclass
class Burners:
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def alive(self) -> bool:
        return all(process.poll() is None for process in self.processes)

    def cpu_seconds(self) -> list[float]:
        """CPU seconds each burner has used (read while they are alive)."""
        return [cpu_seconds(process.pid) for process in self.processes]


@contextmanager
def cpu_burners(count: int) -> Iterator[Burners]:
    """``count`` Python processes running ``while True: pass``, killed (and reaped) on exit
    whatever happens inside the block."""
    burners = Burners()
    try:
        for _ in range(count):
            burners.processes.append(
                subprocess.Popen(
                    [sys.executable, "-c", "while True: pass"],
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        yield burners
    finally:
        for process in burners.processes:
            if process.poll() is None:
                os.kill(process.pid, signal.SIGKILL)
            process.wait()
