"""How long a large preset bundle takes to import, and how long other writers wait meanwhile.

A real service (uvicorn, in its own process, on a fresh database) receives one bundle of
``--presets`` presets (about 1 MiB for 20,000) through ``POST /api/presets/import``. While it
imports, a second client creates a small preset every 50 ms through ``POST /api/presets/``
and records how long each of those writes took; the longest is "the max wait of a concurrent
writer". The same writer's median write before the import started is the baseline: the
ratio max wait / baseline says how much the import delays other writes on this machine.

Run: ``.venv/bin/python benchmarks/bench_import.py [--presets 20000] [--database URL] [--port 8620]``
(the database defaults to a SQLite file in a temporary folder; give a PostgreSQL URL of an
empty database or schema to measure there).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

HEADERS = {"X-Autotuner-CSRF": "1"}


def bundle(count: int) -> bytes:
    presets = [{"name": f"bulk-{i:05d}", "parameters": {"tp-size": [i % 8 + 1]}} for i in range(count)]
    return json.dumps({"version": "1.0", "presets": presets}, separators=(",", ":")).encode()


def wait_ready(base: str, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/api/system/", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit("the service did not start")


def write_once(client: httpx.Client, name: str) -> float:
    started = time.perf_counter()
    response = client.post("/api/presets/", json={"name": name, "parameters": {"tp-size": [1]}})
    elapsed = time.perf_counter() - started
    if response.status_code != 201:
        raise SystemExit(f"a concurrent write failed: {response.status_code} {response.text[:200]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets", type=int, default=20_000)
    parser.add_argument("--database", default=None)
    parser.add_argument("--port", type=int, default=8620)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="bench-import-"))
    env = {
        **os.environ,
        "AUTOTUNER_DATA_DIR": str(folder),
        "AUTOTUNER_DATABASE_URL": args.database or f"sqlite:///{folder / 'autotuner.db'}",
        "AUTOTUNER_EMBEDDED_WORKER": "false",
    }
    base = f"http://127.0.0.1:{args.port}"
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("autotuner")), "serve", "--host", "127.0.0.1", "--port", str(args.port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_ready(base, time.monotonic() + 60)
        document = bundle(args.presets)
        with httpx.Client(base_url=base, headers=HEADERS, timeout=600) as writer:
            baseline = statistics.median(write_once(writer, f"before-{i}") for i in range(20))
            waits: list[float] = []
            done = threading.Event()

            def keep_writing() -> None:
                n = 0
                while not done.is_set():
                    waits.append(write_once(writer, f"during-{n}"))
                    n += 1
                    time.sleep(0.05)

            thread = threading.Thread(target=keep_writing)
            with httpx.Client(base_url=base, headers=HEADERS, timeout=600) as importer:
                thread.start()
                time.sleep(0.2)
                started = time.perf_counter()
                response = importer.post(
                    "/api/presets/import", content=document, headers={"Content-Type": "application/json"}
                )
                took = time.perf_counter() - started
            done.set()
            thread.join()
        if response.status_code != 201:
            raise SystemExit(f"the import failed: {response.status_code} {response.text[:300]}")
        imported = len(response.json()["imported"])
        print(f"bundle: {imported} presets, {len(document) / 1024 / 1024:.2f} MiB")
        print(f"import: {took:.2f} s ({imported / took:.0f} presets/s)")
        print(
            f"concurrent writer: {len(waits)} writes, max wait {max(waits):.2f} s, median {statistics.median(waits):.3f} s"
        )
        print(
            f"baseline write (before the import): median {baseline:.3f} s; max wait / baseline = {max(waits) / baseline:.0f}x"
        )
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
