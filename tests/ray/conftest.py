"""A real local Ray cluster for the ray executor's tests: a head and one more node, each a
``ray start --block`` process group of its own (so a test can kill a node outright), declaring
2 fake GPUs each. One cluster per test module; every process is stopped at teardown."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from support.ports import free_port_in

RAY = str(Path(sys.executable).with_name("ray"))
PORTS = range(6480, 6500)  # the head's GCS port for these tests


@dataclass
class LocalCluster:
    address: str
    temp_dir: str
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start_node(self, name: str, *, head: bool = False, gpus: int = 2, resources: str | None = None) -> None:
        command = [RAY, "start", "--block", "--node-name", name, "--num-cpus", "2", f"--num-gpus={gpus}"]
        command += ["--object-store-memory", "100000000", "--disable-usage-stats"]
        if resources:
            command += ["--resources", resources]
        if head:
            command += ["--head", "--port", self.address.rsplit(":", 1)[1], "--temp-dir", self.temp_dir]
            command += ["--include-dashboard", "false", "--node-ip-address", "127.0.0.1"]
        else:
            command += ["--address", self.address, "--node-ip-address", "127.0.0.1"]
        env = {**os.environ, "RAY_health_check_period_ms": "1000", "RAY_health_check_failure_threshold": "3"}
        # The node writes to its own copy of the file descriptor: this process closes its own.
        with open(Path(self.temp_dir) / f"{name}.out", "wb") as log:
            self.processes[name] = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env=env
            )

    def kill_node(self, name: str) -> None:
        """The node dies at once (SIGKILL to its whole process group): a machine lost."""
        process = self.processes.pop(name)
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(10)

    def stop(self) -> None:
        for name in list(self.processes)[::-1]:
            process = self.processes.pop(name)
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(20)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait(10)  # reaped: a node slower than 20 s to stop was left a zombie


def wait_for_nodes(count: int, timeout: float = 90.0) -> None:
    import ray

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if sum(1 for node in ray.nodes() if node.get("Alive")) >= count:
            return
        time.sleep(0.5)
    raise AssertionError(f"The local Ray cluster did not reach {count} nodes in {timeout:.0f} s")


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalCluster]:
    import ray

    from autotuner.runs.ray_executor import connect

    port = free_port_in(PORTS)
    temp_dir = tempfile.mkdtemp(prefix="rt-", dir="/tmp")  # short: Ray's socket paths have a length limit
    local = LocalCluster(f"127.0.0.1:{port}", temp_dir)
    try:
        local.start_node("head", head=True)
        deadline = time.monotonic() + 60
        while True:
            try:
                connect(local.address)
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(1)
        local.start_node("node2")
        wait_for_nodes(2)
        yield local
    finally:
        ray.shutdown()
        local.stop()
        shutil.rmtree(temp_dir, ignore_errors=True)
