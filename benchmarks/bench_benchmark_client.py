"""How many requests per second the built-in benchmark client sustains on one core.

The server is the toy engine with every delay set to zero (``--delay-scale 0``: it answers at
once), run in its own process and pinned to another core when there are two. The client (this
process) is pinned to one core. For each shape we report the wall-clock rate and, more telling
on a shared machine, the client's own CPU time: ``requests per client CPU-second`` is the rate
one fully busy core could sustain, and ``client/server CPU`` compares the client's cost per
request with that of the (minimal, stdlib) server measured in the same run.

Run: ``.venv/bin/python benchmarks/bench_benchmark_client.py [--requests 2000]``
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from autotuner.tuning.benchmark import BenchmarkConfig, run_benchmark_sync
from autotuner.tuning.engine.process import EngineProcess, free_port

ROOT = Path(__file__).resolve().parents[1]
TOY = str(ROOT / "examples" / "toy_engine.py")
TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    cores = sorted(os.sched_getaffinity(0))
    port = free_port()
    log = Path(tempfile.mkdtemp()) / "instant-server.log"
    with EngineProcess([sys.executable, TOY, "--port", str(port), "--delay-scale", "0"], log, port=port) as server:
        server.wait_ready(timeout=20)
        if len(cores) >= 2:
            os.sched_setaffinity(server.pid, {cores[1]})
            os.sched_setaffinity(0, {cores[0]})
        print(
            f"client on core {cores[0]}, server on core {cores[1] if len(cores) > 1 else cores[0]}; "
            f"{args.requests} requests per shape\n"
        )
        header = (
            f"{'shape':<26}{'req/s wall':>11}{'req/CPU-s':>11}{'tokens/CPU-s':>14}"
            f"{'client CPU ms/req':>19}{'client/server CPU':>19}"
        )
        print(header)
        print("-" * len(header))
        for scenario, concurrency in (("D(16,1)", 1), ("D(16,1)", 16), ("D(128,16)", 16), ("D(128,64)", 64)):
            config = BenchmarkConfig(
                scenarios=[scenario], concurrency=[concurrency], requests_per_level=args.requests, warmup_requests=8
            )
            cpu0, server0, wall0 = time.process_time(), process_cpu_seconds(server.pid), time.perf_counter()
            result = run_benchmark_sync(server.base_url, config)
            cpu = time.process_time() - cpu0
            server_cpu = process_cpu_seconds(server.pid) - server0
            wall = time.perf_counter() - wall0
            level = result.levels[0]
            assert level.requests_failed == 0, level.errors
            n = level.requests_succeeded
            print(
                f"{scenario + ' c=' + str(concurrency):<26}{n / wall:>11.0f}{n / cpu:>11.0f}"
                f"{level.output_tokens / cpu:>14.0f}{1000 * cpu / n:>19.3f}{cpu / max(server_cpu, 1e-9):>19.2f}"
            )
    print("\nreq/CPU-s: requests one core of client sustains; a real engine serves far fewer per GPU.")


if __name__ == "__main__":
    main()
