"""The ray executor on a real local Ray cluster: a 16-experiment stand-in task on 1 node vs 2
nodes (4 slots each), and the coordinator's overhead per experiment through Ray vs the local pool.

The cluster runs on this machine: a head and, for the 2-node run, one more node, each a ``ray
start --block`` declaring ``--resources '{"slot": 4}'`` (the stand-in needs no GPU; the executor
reserves one ``slot`` per experiment, as ``AUTOTUNER_RAY_RESOURCE=slot`` does). Experiments go
through :func:`autotuner.tuning.runner.run_search` with a
:class:`~autotuner.runs.ray_executor.RayExecutor`, as in the worker. Both "nodes" share this
machine's 2 cores, so the 2-node figure shows the executor spreads the work, not more hardware.

Overhead: the same experiments one at a time (parallel 1) through Ray and through the local pool;
the difference per experiment is what Ray adds (actor start, polling, log copy).

Run: ``.venv/bin/python benchmarks/bench_ray.py [--delay-scale 20] [--overhead-experiments 8]``
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import ray

from autotuner.runs.ray_executor import RayExecutor, connect
from autotuner.tuning.engine.gpus import DevicePool
from autotuner.tuning.runner import SearchHooks, run_search
from autotuner.tuning.strategies import make_strategy

ROOT = Path(__file__).resolve().parents[1]
RAY = str(Path(sys.executable).with_name("ray"))
SPACE = {"mem-fraction-static": [0.6, 0.7, 0.8, 0.9], "schedule-policy": ["fcfs", "lpm", "random", "dfs-weight"]}


def task(delay_scale: float, experiments: int, parallel: int | None = None) -> dict[str, Any]:
    optimization: dict[str, Any] = {
        "strategy": "grid_search",
        "max_iterations": experiments,
        "timeout_per_iteration": 300,
    }
    if parallel:
        optimization["parallel"] = parallel
    if experiments < 16:
        optimization["sample_if_larger"] = True
    return {
        "task_name": "bench-ray",
        "base_runtime": "command",
        "model": {"id_or_path": "bench-ray"},
        "command": [
            sys.executable,
            str(ROOT / "examples" / "toy_engine.py"),
            "--model-path",
            "bench-ray",
            "--port",
            "{port}",
            "--delay-scale",
            str(delay_scale),
        ],
        "parameters": SPACE,
        "optimization": optimization,
        "benchmark": {
            "traffic_scenarios": ["D(32,8)"],
            "concurrency": [2],
            "requests_per_level": 4,
            "warmup_requests": 1,
        },
    }


def one_run(
    body: dict[str, Any], log_dir: Path, *, executor: Any = None, pool: DevicePool | None = None
) -> tuple[float, int, set[str]]:
    strategy = make_strategy(body)
    failed = 0
    nodes: set[str] = set()

    def finish(_sequence: int, _combination: dict[str, Any], outcome: Any) -> None:
        nonlocal failed
        if outcome.node:
            nodes.add(outcome.node)
        if outcome.status != "succeeded":
            failed += 1
            print(f"  experiment failed: {outcome.error}", file=sys.stderr)

    hooks = SearchHooks(
        start=lambda s, _c: log_dir / f"experiment-{time.monotonic_ns()}-{s}.log",
        status=lambda _s, _st: None,
        finish=finish,
    )
    started = time.monotonic()
    run_search(
        body,
        strategy,
        hooks,
        cancel_event=threading.Event(),
        pool=pool or DevicePool(["slot-0"], "slot", "bench"),
        group="bench",
        executor=executor,
        parallel=executor.parallel(body) if executor is not None else None,
    )
    return time.monotonic() - started, failed, nodes


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_node(name: str, temp_dir: str, address: str, head: bool) -> subprocess.Popen[bytes]:
    command = [
        RAY,
        "start",
        "--block",
        "--node-name",
        name,
        "--num-cpus",
        "2",
        "--num-gpus",
        "0",
        "--resources",
        '{"slot": 4}',
    ]
    command += ["--object-store-memory", "100000000", "--disable-usage-stats", "--node-ip-address", "127.0.0.1"]
    if head:
        command += [
            "--head",
            "--port",
            address.rsplit(":", 1)[1],
            "--temp-dir",
            temp_dir,
            "--include-dashboard",
            "false",
        ]
    else:
        command += ["--address", address]
    out = open(Path(temp_dir) / f"{name}.out", "wb")  # noqa: SIM115 - lives as long as the node
    return subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def wait_nodes(count: int) -> None:
    deadline = time.monotonic() + 90
    while sum(1 for n in ray.nodes() if n.get("Alive")) < count:
        if time.monotonic() > deadline:
            raise SystemExit(f"the cluster did not reach {count} nodes")
        time.sleep(0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--delay-scale", type=float, default=20.0)
    parser.add_argument("--overhead-experiments", type=int, default=8)
    args = parser.parse_args()
    temp_dir = tempfile.mkdtemp(prefix="rb-", dir="/tmp")
    address = f"127.0.0.1:{free_port()}"
    nodes: list[subprocess.Popen[bytes]] = []
    print(f"cores: {os.cpu_count()}, load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    try:
        nodes.append(start_node("head", temp_dir, address, head=True))
        deadline = time.monotonic() + 60
        while True:
            try:
                connect(address)
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(1)
        wait_nodes(1)
        executor = RayExecutor(address, resource="slot")
        log_dir = Path(temp_dir) / "logs"
        log_dir.mkdir()
        n = args.overhead_experiments
        light = task(0.5, n, parallel=1)
        ray_one, _, _ = one_run(light, log_dir, executor=executor)
        local_one, _, _ = one_run(light, log_dir)
        one_node, failed1, nodes1 = one_run(task(args.delay_scale, 16), log_dir, executor=executor)
        print(f"1 node : {one_node:6.1f} s, {failed1} failed, nodes {sorted(nodes1)}", flush=True)
        nodes.append(start_node("node2", temp_dir, address, head=False))
        wait_nodes(2)
        two_nodes, failed2, nodes2 = one_run(task(args.delay_scale, 16), log_dir, executor=executor)
        print(f"2 nodes: {two_nodes:6.1f} s, {failed2} failed, nodes {sorted(nodes2)}", flush=True)
        print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        print(f"\n16 experiments, 4 slots per node: 1 node / 2 nodes = {one_node / two_nodes:.2f}x")
        print(
            f"{n} experiments one at a time (delay-scale 0.5): Ray {ray_one / n:.2f} s, local {local_one / n:.2f} s "
            f"per experiment; coordinator overhead through Ray {(ray_one - local_one) / n:+.2f} s per experiment"
        )
    finally:
        ray.shutdown()
        for process in reversed(nodes):
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(20)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        shutil.rmtree(temp_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
