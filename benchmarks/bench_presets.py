"""Benchmark of the preset service: the merge engine, then the real HTTP service under load.

1. Merge time for 100 presets x 50 parameters x 20 values, every strategy (``bench_merger.run``),
   as median and p99 and as a ratio against plain dict/set code giving the same result, same run.
2. The real service: ``autotuner serve`` started as a subprocess on a free port of 127.0.0.1 with
   its own temporary data folder (SQLite), or with ``--database-url`` on PostgreSQL inside a schema
   created for this run and dropped afterwards. 1,000 custom presets are created through
   ``POST /api/presets/``, then 8 concurrent clients measure ``GET /api/presets/balanced`` (the
   baseline: one preset, the whole stack), ``GET /api/presets/`` (the full list) and
   ``POST /api/presets/merge`` (2-5 random presets, random strategy): requests/s, p50/p90/p99
   latency, errors, and the CPU the server and the load generator used. Then the floor: a bare
   FastAPI app (``benchmarks/floor_app.py``) serving the body GET one gave, run by Uvicorn as
   ``autotuner serve`` runs the app, loaded by the same clients; every row shows its req/s as a
   ratio of the floor's. ``--scale-workers`` then serves the same database with
   ``autotuner serve --workers 2`` and measures GET one and the merge again.
3. Prints markdown tables ready for the README and exits 0; the server is always stopped.

Load generator: one thread per client, each with its own keep-alive ``httpx.Client``, counted
(``--requests``) and timed (``--max-seconds``). The client side is I/O-bound (send, read the body,
no JSON parsing) and threads release the GIL while waiting; measured here, sync httpx in threads
spends about 0.55 ms of client CPU per request against about 1.0 ms for ``httpx.AsyncClient``
(anyio on top of h11), which matters on 2 cores. The tables show the CPU each side used ("cores"):
the server is the bottleneck while it sits near 1.0 (one uvicorn worker) and the client well below.
When ``wrk`` is installed (Debian package), the same three requests are also run from it, a
separate C process using almost no CPU, for ``--wrk-seconds`` each. The machine is shared and
noisy: read the "x baseline" ratios rather than the absolute times.

Run: ``.venv/bin/python benchmarks/bench_presets.py [--presets 1000] [--clients 8]
[--requests 2000] [--max-seconds 20] [--wrk-seconds 5] [--quick] [--scale-workers]
[--database-url postgresql+psycopg://postgres@127.0.0.1:5432/test]``
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import httpx

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
AIM_MERGE_MS = 20.0
AIM_P99_MS = 50.0
REQUEST_TIMEOUT_S = 30.0
STARTUP_TIMEOUT_S = 60.0
STRATEGIES = ("union", "intersection", "last_wins", "deep_merge")


class BenchFailure(Exception):
    """A problem that stops the benchmark; its message is one readable sentence."""


# --- 1. the merge engine --------------------------------------------------------------------------


def load_bench_merger():
    """Import benchmarks/bench_merger.py by path (benchmarks/ is not a package)."""
    path = ROOT / "benchmarks" / "bench_merger.py"
    spec = importlib.util.spec_from_file_location("bench_merger", path)
    if spec is None or spec.loader is None:
        raise BenchFailure(f"Cannot load {path}: check that the file exists.")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- realistic presets ----------------------------------------------------------------------------

# SGLang flags with values the engine catalog accepts.
FLAG_VALUES: dict[str, list] = {
    "tp-size": [1, 2, 4, 8],
    "dp-size": [1, 2, 4],
    "mem-fraction-static": [0.7, 0.75, 0.8, 0.85, 0.88, 0.9, 0.92],
    "schedule-policy": ["lpm", "random", "fcfs", "dfs-weight", "lof"],
    "schedule-conservativeness": [0.3, 0.5, 1.0, 1.3],
    "chunked-prefill-size": [-1, 1024, 2048, 4096, 8192],
    "max-running-requests": [32, 64, 128, 256, 512],
    "max-prefill-tokens": [4096, 8192, 16384],
    "enable-mixed-chunk": [False, True],
    "disable-radix-cache": [False, True],
    "cuda-graph-max-bs": [8, 16, 32, 64, 160],
    "attention-backend": ["flashinfer", "triton", "fa3"],
    "kv-cache-dtype": ["auto", "fp8_e5m2", "fp8_e4m3"],
    "enable-torch-compile": [False, True],
    "stream-interval": [1, 2, 4, 8],
}
CATEGORIES = ["memory", "performance", "latency", "throughput", "general", "custom", "experimental"]
TAGS = ["a100", "h100", "l4", "llama", "qwen", "mistral", "chat", "batch", "long-context", "moe", "fp8", "cheap"]
AUTHORS = ["alice", "bob", "carol", "dave", None]


def make_preset(index: int, rng: random.Random) -> dict:
    """One custom preset as the API takes it: 3-8 flags with 1-4 values each."""
    flags = rng.sample(sorted(FLAG_VALUES), rng.randint(3, 8))
    parameters = {}
    for flag in flags:
        pool = FLAG_VALUES[flag]
        parameters[flag] = rng.sample(pool, rng.randint(1, min(4, len(pool))))
    category = rng.choice(CATEGORIES)
    metadata: dict = {
        "tags": rng.sample(TAGS, rng.randint(0, 3)),
        "recommended_for": rng.sample(TAGS[:6], rng.randint(0, 2)),
    }
    author = rng.choice(AUTHORS)
    if author:
        metadata["author"] = author
    body = {
        "name": f"Bench {category} {index:04d}",
        "category": category,
        "description": f"Benchmark preset {index} ({len(flags)} flags) for {', '.join(metadata['tags']) or 'any model'}.",
        "parameters": parameters,
        "metadata": metadata,
    }
    if rng.random() < 0.5:
        body["runtime"] = "sglang"
    return body


# --- the server -------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def autotuner_command() -> list[str]:
    sibling = Path(sys.executable).parent / "autotuner"
    if sibling.exists():
        return [str(sibling)]
    venv = ROOT / ".venv" / "bin" / "autotuner"
    if venv.exists():
        return [str(venv)]
    found = shutil.which("autotuner")
    if found:
        return [found]
    raise BenchFailure(
        "The 'autotuner' command was not found: run this with .venv/bin/python after installing the package."
    )


class Server:
    """``autotuner serve`` in its own process group; ``stop()`` always ends the whole group."""

    ready_path = "/api/presets/"

    def __init__(self, data_dir: Path, database_url: str | None, workers: int = 1):
        self.workers = workers
        self.port = free_port()
        self.base_url = f"http://{HOST}:{self.port}"
        self.log_path = data_dir / "server.log"
        env = dict(os.environ)
        env["AUTOTUNER_DATA_DIR"] = str(data_dir / "data")
        env["XDG_DATA_HOME"] = str(data_dir / "xdg")
        env.pop("AUTOTUNER_DATABASE_URL", None)
        if database_url:
            env["AUTOTUNER_DATABASE_URL"] = database_url
        self._env = env
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self._log = open(self.log_path, "wb")  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(
            self.command(),
            env=self._env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )

    def command(self) -> list[str]:
        workers = ["--workers", str(self.workers)] if self.workers > 1 else []
        return [*autotuner_command(), "serve", "--host", HOST, "--port", str(self.port), *workers]

    def wait_ready(self, timeout: float = STARTUP_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout
        with httpx.Client(timeout=2.0) as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise BenchFailure(
                        f"The service exited with code {self.process.returncode} before answering: "
                        f"see its log below.\n{self.log_tail()}"
                    )
                try:
                    if client.get(f"{self.base_url}{self.ready_path}").status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                time.sleep(0.2)
        raise BenchFailure(
            f"The service did not answer {self.ready_path} within {timeout:.0f} s: see its log below.\n{self.log_tail()}"
        )

    def cpu_seconds(self) -> float | None:
        """User + system CPU time of the server process and its live children (the Uvicorn
        workers of ``--workers``), from /proc (None where unavailable)."""
        if self.process is None:
            return None
        pids = [self.process.pid]
        if self.workers > 1:
            for entry in Path("/proc").iterdir():
                if entry.name.isdigit():
                    try:
                        if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == self.process.pid:
                            pids.append(int(entry.name))
                    except (OSError, ValueError, IndexError):
                        continue
        total = 0.0
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            except (OSError, ValueError, IndexError):
                if pid == self.process.pid:
                    return None
        return total

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            for sig, wait in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
                try:
                    os.killpg(self.process.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    self.process.wait(timeout=wait)
                    break
                except subprocess.TimeoutExpired:
                    continue
        self._log.close()


class FloorServer(Server):
    """The framework's floor (``benchmarks/floor_app.py``): a bare FastAPI app serving ``body``."""

    ready_path = "/object"

    def __init__(self, data_dir: Path, body: bytes):
        super().__init__(data_dir, None)
        self.log_path = data_dir / "floor.log"
        self.body_file = data_dir / "floor-body.json"
        self.body_file.write_bytes(body)

    def command(self) -> list[str]:
        return [sys.executable, str(ROOT / "benchmarks" / "floor_app.py"), str(self.port), str(self.body_file)]


class PostgresSchema:
    """A schema made for this run on the server of ``base_url``, dropped by ``drop()``."""

    def __init__(self, base_url: str):
        from sqlalchemy import create_engine

        self.name = f"bench_presets_{uuid.uuid4().hex[:12]}"
        self.base_url = base_url
        self._engine = create_engine(base_url, isolation_level="AUTOCOMMIT")

    def create(self) -> str:
        from sqlalchemy import text

        with self._engine.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{self.name}"'))
        separator = "&" if "?" in self.base_url else "?"
        return f"{self.base_url}{separator}options={quote(f'-csearch_path={self.name}')}"

    def server_version(self) -> str:
        from sqlalchemy import text

        with self._engine.connect() as connection:
            return str(connection.execute(text("SHOW server_version")).scalar()).split()[0]

    def drop(self) -> None:
        from sqlalchemy import text

        try:
            with self._engine.connect() as connection:
                connection.execute(text(f'DROP SCHEMA IF EXISTS "{self.name}" CASCADE'))
        finally:
            self._engine.dispose()


# --- load -------------------------------------------------------------------------------------------

Request = Callable[[httpx.Client, random.Random, int], httpx.Response]


@dataclass
class Phase:
    name: str
    clients: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    error_examples: list[str] = field(default_factory=list)
    wall_s: float = 0.0
    client_cpu_s: float = 0.0
    server_cpu_s: float | None = None
    response_bytes: int = 0
    stopped_by_time: bool = False

    @property
    def completed(self) -> int:
        return len(self.latencies_ms) + self.errors

    @property
    def rps(self) -> float:
        return self.completed / self.wall_s if self.wall_s else 0.0

    def pct(self, q: float) -> float:
        return percentile(self.latencies_ms, q)


def percentile(samples: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default); nan when empty."""
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    pos = (len(ordered) - 1) * q / 100.0
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def run_phase(
    name: str,
    server: Server,
    request: Request,
    *,
    clients: int,
    total: int,
    max_seconds: float,
    warmup_per_client: int = 2,
    ok_status: tuple[int, ...] = (200,),
    seed: int = 1,
) -> Phase:
    """``total`` requests (or fewer when ``max_seconds`` runs out) spread over ``clients`` threads."""
    phase = Phase(name, clients)
    lock = threading.Lock()
    issued = 0
    clock: dict[str, float | None] = {}

    def start_clock() -> None:
        # Runs once, when every client is warmed up, before any of them is released.
        clock["cpu"], clock["server"], clock["wall"] = time.process_time(), server.cpu_seconds(), time.perf_counter()
        clock["deadline"] = time.monotonic() + max_seconds

    start_barrier = threading.Barrier(clients + 1, action=start_clock)

    def take_ticket() -> int | None:
        nonlocal issued
        with lock:
            if issued >= total:
                return None
            if time.monotonic() >= clock["deadline"]:
                phase.stopped_by_time = True
                return None
            issued += 1
            return issued

    def worker(k: int) -> None:
        rng = random.Random(seed * 1000 + k)
        latencies: list[float] = []
        errors = 0
        examples: list[str] = []
        size = 0
        with httpx.Client(base_url=server.base_url, timeout=REQUEST_TIMEOUT_S) as client:
            for _ in range(warmup_per_client):  # opens the keep-alive connection, warms caches
                try:
                    request(client, rng, -1)
                except Exception:
                    pass
            try:
                start_barrier.wait()
            except threading.BrokenBarrierError:
                return
            while (ticket := take_ticket()) is not None:
                started = time.perf_counter()
                try:
                    response = request(client, rng, ticket)
                    elapsed = (time.perf_counter() - started) * 1000.0
                    if response.status_code in ok_status:
                        latencies.append(elapsed)
                        size += len(response.content)
                    else:
                        errors += 1
                        if len(examples) < 3:
                            examples.append(f"{response.status_code} {response.text[:200]}")
                except Exception as exc:
                    errors += 1
                    if len(examples) < 3:
                        examples.append(f"{type(exc).__name__}: {exc}")
        with lock:
            phase.latencies_ms.extend(latencies)
            phase.errors += errors
            phase.error_examples.extend(examples[: max(0, 3 - len(phase.error_examples))])
            phase.response_bytes += size

    threads = [threading.Thread(target=worker, args=(k,), daemon=True) for k in range(clients)]
    for thread in threads:
        thread.start()
    try:
        start_barrier.wait(timeout=STARTUP_TIMEOUT_S)
    except threading.BrokenBarrierError:
        raise BenchFailure(
            f"The {clients} clients of '{name}' could not start within {STARTUP_TIMEOUT_S:.0f} s."
        ) from None
    for thread in threads:
        thread.join(timeout=max_seconds + REQUEST_TIMEOUT_S + 10)
    phase.wall_s = time.perf_counter() - clock["wall"]
    phase.client_cpu_s = time.process_time() - clock["cpu"]
    srv0, srv1 = clock["server"], server.cpu_seconds()
    phase.server_cpu_s = None if srv0 is None or srv1 is None else srv1 - srv0
    if any(thread.is_alive() for thread in threads):
        raise BenchFailure(
            f"'{name}': a client did not finish in time; the service may be stuck (see {server.log_path})."
        )
    return phase


WRK_MERGE_LUA = """
math.randomseed(13)
local ids = {%(ids)s}
local strategies = {"union", "intersection", "last_wins", "deep_merge"}
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  local k = math.random(math.min(2, #ids), math.min(5, #ids))
  local chosen, seen = {}, {}
  for _ = 1, 1000 do
    if #chosen >= k then break end
    local id = ids[math.random(#ids)]
    if not seen[id] then seen[id] = true; chosen[#chosen + 1] = id end
  end
  local body = '{"preset_ids": [' .. table.concat(chosen, ",") .. '], "merge_strategy": "'
    .. strategies[math.random(#strategies)] .. '"}'
  return wrk.format(nil, nil, nil, body)
end
"""

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _wrk_ms(text: str) -> float:
    match = re.fullmatch(r"([0-9.]+)(us|ms|s|m)", text.strip())
    if not match:
        raise BenchFailure(f"Cannot read wrk's latency '{text}': check the wrk version (4.x expected).")
    return float(match.group(1)) * _UNITS[match.group(2)]


@dataclass
class WrkRow:
    name: str
    requests: int
    rps: float
    p50: float
    p90: float
    p99: float
    errors: int
    server_cpu_s: float | None
    wall_s: float


def run_wrk(
    name: str,
    server: Server,
    path: str,
    *,
    clients: int,
    seconds: float,
    lua: str | None,
    workdir: Path,
    headers: dict[str, str] | None = None,
) -> WrkRow:
    """One wrk run (a separate C process: almost no client CPU, and it never inflates a gzipped
    body); wrk counts by time, not requests."""
    command = [
        "wrk",
        f"-t{min(2, clients)}",
        f"-c{clients}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        f"{REQUEST_TIMEOUT_S:.0f}s",
        "--latency",
    ]
    for header, value in (headers or {}).items():
        command += ["-H", f"{header}: {value}"]
    if lua:
        script = workdir / f"wrk-{uuid.uuid4().hex[:8]}.lua"
        script.write_text(lua)
        command += ["-s", str(script)]
    command.append(server.base_url + path)
    srv0, wall0 = server.cpu_seconds(), time.perf_counter()
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + REQUEST_TIMEOUT_S + 15)
    except subprocess.TimeoutExpired:
        raise BenchFailure(f"wrk did not finish '{name}' in time: the service may be stuck.") from None
    wall, srv1 = time.perf_counter() - wall0, server.cpu_seconds()
    out = done.stdout
    if done.returncode != 0 or "Requests/sec" not in out:
        raise BenchFailure(f"wrk failed on '{name}' (exit {done.returncode}): {(done.stderr or out).strip()[:300]}")
    pct = dict(re.findall(r"^\s+(50|90|99)%\s+(\S+)\s*$", out, re.M))  # wrk pads "1.14s " with a space
    if len(pct) != 3 or not re.search(r"^\s+\d+ requests in", out, re.M):
        raise BenchFailure(f"Cannot read wrk's report for '{name}' (wrk 4.x expected):\n{out.strip()}")
    requests = int(re.search(r"^\s+(\d+) requests in", out, re.M).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = (int(non2xx.group(1)) if non2xx else 0) + (sum(int(g) for g in sock.groups()) if sock else 0)
    return WrkRow(
        name=name,
        requests=requests,
        rps=float(re.search(r"Requests/sec:\s+([0-9.]+)", out).group(1)),
        p50=_wrk_ms(pct["50"]),
        p90=_wrk_ms(pct["90"]),
        p99=_wrk_ms(pct["99"]),
        errors=errors,
        server_cpu_s=None if srv0 is None or srv1 is None else srv1 - srv0,
        wall_s=wall,
    )


# --- the benchmark ------------------------------------------------------------------------------------


def seed_presets(server: Server, count: int, clients: int, max_seconds: float) -> tuple[Phase, list[int]]:
    rng = random.Random(2024)
    bodies = [make_preset(i, rng) for i in range(count)]
    ids: list[int] = []
    ids_lock = threading.Lock()

    def create(client: httpx.Client, _rng: random.Random, ticket: int) -> httpx.Response:
        if ticket < 0:  # warm-up: a cheap read
            return client.get("/api/presets/balanced")
        response = client.post("/api/presets/", json=bodies[ticket - 1])
        if response.status_code == 201:
            with ids_lock:
                ids.append(response.json()["id"])
        return response

    phase = run_phase(
        "POST /api/presets/ (create)",
        server,
        create,
        clients=clients,
        total=count,
        max_seconds=max_seconds,
        ok_status=(201,),
        warmup_per_client=1,
    )
    if phase.errors or len(ids) != count:
        detail = "; ".join(phase.error_examples) or "the time limit ran out"
        raise BenchFailure(
            f"Seeding created {len(ids)} of {count} presets ({detail}): fix the service or raise --max-seconds."
        )
    return phase, sorted(ids)


def bench_service(args: argparse.Namespace, database_url: str | None) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-presets-") as tmp:
        server = Server(Path(tmp), database_url)
        try:
            server.start()
            t0 = time.perf_counter()
            server.wait_ready()
            startup_s = time.perf_counter() - t0
            with httpx.Client(base_url=server.base_url, timeout=REQUEST_TIMEOUT_S) as client:
                system_presets = len(client.get("/api/presets/").json())  # the built-in ones
            seeding, ids = seed_presets(server, args.presets, args.clients, max(args.max_seconds, 120.0))

            with httpx.Client(base_url=server.base_url, timeout=REQUEST_TIMEOUT_S) as client:
                listed = client.get("/api/presets/")
                listed.raise_for_status()
                stored = len(listed.json())
            expected = args.presets + system_presets
            if stored != expected:
                raise BenchFailure(
                    f"GET /api/presets/ returned {stored} presets, expected {expected}: another process shares the database."
                )

            def baseline(client: httpx.Client, _rng, _ticket) -> httpx.Response:
                return client.get("/api/presets/balanced")

            # The list as sent (identity: the server's own cost, as in earlier runs), and gzipped as
            # browsers ask for it (the client then spends CPU to inflate 1.5 MB per answer).
            def full_list(client: httpx.Client, _rng, _ticket) -> httpx.Response:
                return client.get("/api/presets/", headers={"Accept-Encoding": "identity"})

            def gzipped_list(client: httpx.Client, _rng, _ticket) -> httpx.Response:
                return client.get("/api/presets/", headers={"Accept-Encoding": "gzip"})

            def merge(client: httpx.Client, rng: random.Random, _ticket) -> httpx.Response:
                chosen = rng.sample(ids, rng.randint(min(2, len(ids)), min(5, len(ids))))
                return client.post(
                    "/api/presets/merge", json={"preset_ids": chosen, "merge_strategy": rng.choice(STRATEGIES)}
                )

            # A task made from three built-in presets (its provenance holds them): GET a task.
            with httpx.Client(base_url=server.base_url, timeout=REQUEST_TIMEOUT_S) as client:
                made = client.post(
                    "/api/tasks/",
                    json={
                        "task_name": "bench-task",
                        "model": {"id_or_path": "meta-llama/Llama-3.1-8B-Instruct"},
                        "presets": {
                            "ids": ["memory-efficient", "balanced", "high-throughput"],
                            "merge_strategy": "union",
                        },
                    },
                )
            if made.status_code != 201:
                raise BenchFailure(f"Creating the benchmark's task failed with {made.status_code}: {made.text[:300]}")
            task_path = f"/api/tasks/{made.json()['id']}"

            def task(client: httpx.Client, _rng, _ticket) -> httpx.Response:
                return client.get(task_path)

            common = dict(clients=args.clients, total=args.requests, max_seconds=args.max_seconds)
            phases = [
                run_phase("GET /api/presets/balanced (baseline)", server, baseline, seed=11, **common),
                run_phase(f"GET /api/presets/ ({stored:,} presets)", server, full_list, seed=12, **common),
                run_phase(f"GET /api/presets/ ({stored:,} presets), gzip", server, gzipped_list, seed=17, **common),
                # One client: the service time of the list without queueing behind other requests.
                run_phase(
                    f"GET /api/presets/ ({stored:,} presets), 1 client",
                    server,
                    full_list,
                    seed=14,
                    clients=1,
                    total=min(args.requests, 50),
                    max_seconds=min(args.max_seconds, 10.0),
                ),
                run_phase("POST /api/presets/merge (2-5 presets)", server, merge, seed=13, **common),
                run_phase("GET /api/tasks/{id} (from 3 built-in presets)", server, task, seed=16, **common),
            ]
            wrk_rows: list[WrkRow] = []
            if args.wrk_seconds > 0 and shutil.which("wrk"):
                wrk_common = dict(clients=args.clients, seconds=args.wrk_seconds, workdir=Path(tmp))
                wrk_rows = [
                    run_wrk(
                        "GET /api/presets/balanced (baseline)", server, "/api/presets/balanced", lua=None, **wrk_common
                    ),
                    run_wrk(f"GET /api/presets/ ({stored:,} presets)", server, "/api/presets/", lua=None, **wrk_common),
                    run_wrk(
                        f"GET /api/presets/ ({stored:,} presets), gzip",
                        server,
                        "/api/presets/",
                        lua=None,
                        headers={"Accept-Encoding": "gzip"},
                        **wrk_common,
                    ),
                    run_wrk(
                        "POST /api/presets/merge (2-5 presets)",
                        server,
                        "/api/presets/merge",
                        lua=WRK_MERGE_LUA % {"ids": ", ".join(map(str, ids))},
                        **wrk_common,
                    ),
                    run_wrk("GET /api/tasks/{id} (from 3 built-in presets)", server, task_path, lua=None, **wrk_common),
                ]
            if server.process.poll() is not None:
                raise BenchFailure(
                    f"The service exited during the run with code {server.process.returncode}:\n{server.log_tail()}"
                )
            with httpx.Client(base_url=server.base_url, timeout=REQUEST_TIMEOUT_S) as client:
                one = client.get("/api/presets/balanced")
                one.raise_for_status()
            server.stop()

            # The floor: the same body from a bare FastAPI app, same Uvicorn set-up, same clients.
            floor = FloorServer(Path(tmp), one.content)
            try:
                floor.start()
                floor.wait_ready()
                floor_phase = run_phase(
                    "GET /object (bare FastAPI, the floor)",
                    floor,
                    lambda client, _rng, _ticket: client.get("/object"),
                    seed=15,
                    **common,
                )
                if wrk_rows:
                    wrk_rows.insert(
                        0, run_wrk("GET /object (bare FastAPI, the floor)", floor, "/object", lua=None, **wrk_common)
                    )
            finally:
                floor.stop()

            # The same service on the same database with --workers 2.
            scaled: list[Phase] = []
            if args.scale_workers:
                server = Server(Path(tmp), database_url, workers=2)
                server.start()
                server.wait_ready()
                scaled = [
                    run_phase("GET /api/presets/balanced, --workers 2", server, baseline, seed=11, **common),
                    run_phase("POST /api/presets/merge (2-5 presets), --workers 2", server, merge, seed=13, **common),
                ]
            return {
                "floor": floor_phase,
                "scaled": scaled,
                "startup_s": startup_s,
                "seeding": seeding,
                "phases": phases,
                "wrk": wrk_rows,
                "stored": stored,
                "list_bytes": len(listed.content),
            }
        finally:
            server.stop()


# --- output -------------------------------------------------------------------------------------------


def machine_info(database: str) -> str:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    versions = []
    for package in ("fastapi", "uvicorn", "sqlalchemy", "pydantic"):
        try:
            from importlib.metadata import version

            versions.append(f"{package} {version(package)}")
        except Exception:
            pass
    return (
        f"{cores} cores{f' ({model})' if model else ''}, Python {platform.python_version()}, {database}, "
        f"{', '.join(versions)}; load average at start {load}"
    )


def fmt(value: float | None, digits: int = 1) -> str:
    if value is None or value != value:  # None or nan
        return "-"
    return f"{value:,.{digits}f}"


def merge_table(rows: list[dict], rounds: int) -> list[str]:
    lines = [
        f"Merge engine, 100 presets x 50 parameters x 20 values, {rounds} rounds (aim: p99 under {AIM_MERGE_MS:g} ms)",
        "",
        "| case | median ms | p99 ms | x plain (same result, no sentences) | aim met |",
        "|---|---:|---:|---:|:---:|",
    ]
    for row in rows:
        aim = "" if row["under_aim"] is None else ("yes" if row["under_aim"] else "**no**")
        lines.append(
            f"| {row['case']} | {row['median_ms']:.2f} | {row['p99_ms']:.2f} | {row['ratio_vs_baseline']:.1f} | {aim} |"
        )
    return lines


def service_table(result: dict, args: argparse.Namespace) -> list[str]:
    phases: list[Phase] = result["phases"]
    base = phases[0].pct(50)
    lines = [
        f"Service under load: {result['stored']:,} presets stored, {args.clients} concurrent clients unless said "
        f"(threads, keep-alive httpx), up to {args.requests:,} requests or {args.max_seconds:g} s per row "
        f"(aim: p99 under {AIM_P99_MS:g} ms); GET list body {result['list_bytes'] / 1024:,.0f} KiB",
        "",
        "| request | done | req/s | req/s x floor | p50 ms | p90 ms | p99 ms | errors | p50 x baseline | server cores "
        "| client cores | server CPU ms/req | floor's CPU / this | aim met |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|",
    ]
    floor_rps = result["floor"].rps
    floor_cpu = _cpu_per_request_ms(result["floor"])
    for i, phase in enumerate([*phases, result["floor"], *result["scaled"], result["seeding"]]):
        is_seed = phase is result["seeding"]
        aim = (
            ""
            if i == 0 or is_seed or phase.clients != args.clients or phase is result["floor"]
            else ("yes" if phase.pct(99) < AIM_P99_MS else "**no**")
        )
        server_cores = None if phase.server_cpu_s is None else phase.server_cpu_s / phase.wall_s
        cpu = _cpu_per_request_ms(phase)
        name = phase.name + (" (seeding)" if is_seed else "") + (" (time limit)" if phase.stopped_by_time else "")
        lines.append(
            f"| {name} | {phase.completed:,} | {fmt(phase.rps, 0)} "
            f"| {fmt(phase.rps / floor_rps if floor_rps and not is_seed else None, 2)} "
            f"| {fmt(phase.pct(50), 2)} | {fmt(phase.pct(90), 2)} "
            f"| {fmt(phase.pct(99), 2)} | {phase.errors} | {fmt(phase.pct(50) / base if base else None, 1)} "
            f"| {fmt(server_cores, 2)} | {fmt(phase.client_cpu_s / phase.wall_s, 2)} "
            f"| {fmt(cpu, 2)} | {fmt(floor_cpu / cpu if floor_cpu and cpu and not is_seed else None, 2)} | {aim} |"
        )
    lines += [
        "",
        "req/s x floor is the issue's measure (same clients, same run); on a 2-core machine the clients share the "
        "cores with the server, and a light server's rate is bounded by its clients. The server's CPU per request "
        "(its CPU time over the requests it served) does not depend on the clients: the floor's over this row's "
        "is the share of the framework's floor the request reaches in CPU.",
    ]
    return lines


def _cpu_per_request_ms(phase: Phase) -> float | None:
    if phase.server_cpu_s is None or not phase.completed:
        return None
    return phase.server_cpu_s / phase.completed * 1000


def wrk_table(rows: list[WrkRow], args: argparse.Namespace) -> list[str]:
    """The wrk rows, the floor's first: req/s as a ratio of the floor's, and the list's p99 against
    the aim."""
    floor = rows[0].rps
    lines = [
        f"Same requests from wrk (a separate C load process, {args.clients} connections, {args.wrk_seconds:g} s per row)",
        "",
        "| request | done | req/s | x floor | p50 ms | p90 ms | p99 ms | errors | server CPU ms/req | p99 aim met |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|:---:|",
    ]
    for row in rows:
        aim = ("yes" if row.p99 < AIM_P99_MS else "**no**") if "/api/presets/ (" in row.name else ""
        cpu_ms = None if row.server_cpu_s is None or not row.requests else row.server_cpu_s * 1000 / row.requests
        lines.append(
            f"| {row.name} | {row.requests:,} | {fmt(row.rps, 0)} | {fmt(row.rps / floor if floor else None, 2)} "
            f"| {fmt(row.p50, 2)} | {fmt(row.p90, 2)} | {fmt(row.p99, 2)} | {row.errors} | {fmt(cpu_ms, 2)} | {aim} |"
        )
    return lines


# --- main -----------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets", type=int, default=1000, help="custom presets to create (default 1000)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument("--requests", type=int, default=2000, help="requests per measured row (default 2000)")
    parser.add_argument("--max-seconds", type=float, default=20.0, help="time limit per measured row (default 20)")
    parser.add_argument("--merge-rounds", type=int, default=50, help="rounds per merge-engine case (default 50)")
    parser.add_argument(
        "--database-url",
        default=None,
        help="PostgreSQL URL, e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test "
        "(a schema is created for the run and dropped); default: SQLite in a temporary folder",
    )
    parser.add_argument(
        "--quick", action="store_true", help="a smoke run: 200 presets, 300 requests, 5 s per row, 10 merge rounds"
    )
    parser.add_argument(
        "--wrk-seconds",
        type=float,
        default=5.0,
        help="also load each request with wrk for this many seconds when wrk is installed (0: never; default 5)",
    )
    parser.add_argument("--skip-merge-engine", action="store_true", help="only benchmark the service")
    parser.add_argument(
        "--scale-workers",
        action="store_true",
        help="then run GET one and merge again on the same database with `autotuner serve --workers 2`",
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    if args.quick:
        args.presets, args.requests, args.max_seconds, args.merge_rounds, args.wrk_seconds = (
            min(args.presets, 200),
            min(args.requests, 300),
            min(args.max_seconds, 5.0),
            min(args.merge_rounds, 10),
            min(args.wrk_seconds, 2.0),
        )
    for name in ("presets", "clients", "requests", "merge_rounds"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.clients > 64:
        parser.error("--clients must be at most 64 on this machine")
    if args.wrk_seconds < 0 or args.wrk_seconds > 120:
        parser.error("--wrk-seconds must be between 0 and 120")
    if args.max_seconds <= 0 or args.max_seconds > 600:
        parser.error("--max-seconds must be between 0 and 600")
    if args.database_url and not args.database_url.startswith("postgresql"):
        parser.error("--database-url must be a PostgreSQL URL (postgresql+psycopg://...); SQLite is the default")
    return args


def _interrupt(signum, _frame) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # Ctrl-C and SIGTERM unwind through the finally blocks: the service and the schema go away
    # (a background shell would otherwise hand us SIGINT ignored).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)
    started = time.perf_counter()
    schema: PostgresSchema | None = None
    try:
        merge_rows = None
        if not args.skip_merge_engine:
            print(f"Merge engine: {args.merge_rounds} rounds per case...", file=sys.stderr, flush=True)
            merge_rows = load_bench_merger().run(args.merge_rounds)

        database_url = None
        database = "SQLite (WAL, temporary file)"
        if args.database_url:
            try:
                schema = PostgresSchema(args.database_url)
                database_url = schema.create()
                database = f"PostgreSQL {schema.server_version()} (schema {schema.name}, dropped after)"
            except Exception as exc:
                schema = None
                raise BenchFailure(
                    f"Cannot create a schema on {args.database_url} ({type(exc).__name__}: {str(exc).splitlines()[0]}): "
                    "check that PostgreSQL runs there and the URL is right."
                ) from None
        print(
            f"Service: {database}; seeding {args.presets} presets, then {args.clients} clients...",
            file=sys.stderr,
            flush=True,
        )
        service = bench_service(args, database_url)
    except BenchFailure as failure:
        print(f"bench_presets: {failure}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bench_presets: interrupted; the service was stopped and nothing was measured.", file=sys.stderr)
        return 130
    finally:
        if schema is not None:
            schema.drop()

    lines = [
        f"### Preset service benchmark ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC)",
        "",
        f"Machine: {machine_info(database)}. Command: `{' '.join(['.venv/bin/python', 'benchmarks/bench_presets.py', *(argv if argv is not None else sys.argv[1:])])}`",
        "",
    ]
    if merge_rows is not None:
        lines += [*merge_table(merge_rows, args.merge_rounds), ""]
    lines += service_table(service, args)
    if service["wrk"]:
        lines += ["", *wrk_table(service["wrk"], args)]
    lines += ["", f"Service start-up {service['startup_s']:.1f} s; whole run {time.perf_counter() - started:.0f} s."]
    for phase in service["phases"]:
        for example in phase.error_examples:
            lines.append(f"- error in {phase.name}: {example}")
    print("\n".join(lines))

    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "machine": machine_info(database),
                    "merge_engine": merge_rows,
                    "service": [
                        {
                            "request": p.name,
                            "done": p.completed,
                            "rps": p.rps,
                            "p50_ms": p.pct(50),
                            "p90_ms": p.pct(90),
                            "p99_ms": p.pct(99),
                            "errors": p.errors,
                            "wall_s": p.wall_s,
                            "client_cpu_s": p.client_cpu_s,
                            "server_cpu_s": p.server_cpu_s,
                        }
                        for p in [*service["phases"], service["floor"], *service["scaled"], service["seeding"]]
                    ],
                    "wrk": [vars(row) for row in service["wrk"]],
                },
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
