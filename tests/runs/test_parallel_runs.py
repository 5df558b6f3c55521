"""Several experiments at once on a pool of declared slots, and engines that never outlive the
service: real processes (the stand-in engine ``examples/toy_engine.py``), the real worker, the
real database, and for the crash tests a real ``autotuner serve`` killed with SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import uuid
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from support.factories import create_task
from support.paths import TOY
from support.ports import free_port_in
from support.processes import assert_no_toy_engine_left, pid_alive, toy_engine_processes, wait_for

from autotuner.runs.worker import INTERRUPTED, Worker
from autotuner.tuning.engine.gpus import DevicePool
from autotuner.tuning.space import iter_combinations

MARK = f"toy-parallel-{uuid.uuid4().hex[:12]}"
# 16 combinations, each on one slot (no tp-size). By the toy's formula the one best is
# mem-fraction-static 0.9 with lpm, 28% ahead of the runner-up.
SPACE = {"mem-fraction-static": [0.6, 0.7, 0.8, 0.9], "schedule-policy": ["fcfs", "lpm", "random", "dfs-weight"]}
BEST = {"mem-fraction-static": 0.9, "schedule-policy": "lpm"}
BENCHMARK = {"traffic_scenarios": ["D(32,8)"], "concurrency": [2], "requests_per_level": 4, "warmup_requests": 1}
PORTS = range(8680, 8700)  # this test module's ports for the services it starts

pytestmark = [pytest.mark.slow]


@pytest.fixture(scope="module", autouse=True)
def no_toy_engine_alive_after_the_module():
    yield
    assert_no_toy_engine_left(MARK)


def toy_task(name: str, *extra: str, parallel: int | None = None, command: list[str] | None = None) -> dict:
    optimization = {"strategy": "grid_search", "max_iterations": 16, "timeout_per_iteration": 120, "repeats": 0}
    if parallel is not None:
        optimization["parallel"] = parallel
    return {
        "task_name": name,
        "model": {"id_or_path": MARK},
        "base_runtime": "command",
        "command": command
        or ["{python}", TOY, "--model-path", "{model}", "--host", "{host}", "--port", "{port}", *extra],
        "parameters": SPACE,
        "optimization": optimization,
        "benchmark": BENCHMARK,
    }


def experiments_of(client, task_id: int) -> list[dict]:
    response = client.get(f"/api/tasks/{task_id}/experiments")
    assert response.status_code == 200, response.text
    return response.json()


def max_overlap(experiments: list[dict]) -> int:
    """The most experiments running at one moment, from their start and end times."""
    events = []
    for e in experiments:
        events.append((datetime.fromisoformat(e["started_at"]), 1))
        events.append((datetime.fromisoformat(e["ended_at"]), -1))
    running = peak = 0
    for _, step in sorted(events, key=lambda ev: (ev[0], ev[1])):  # an end before a start at the same instant
        running += step
        peak = max(peak, running)
    return peak


def run(client, worker: Worker, body: dict) -> tuple[dict, list[dict]]:
    task_id = create_task(client, body)["id"]
    assert client.post(f"/api/tasks/{task_id}/start").status_code == 200
    assert worker.run_once() is True
    return client.get(f"/api/tasks/{task_id}").json(), experiments_of(client, task_id)


def test_a_16_experiment_task_runs_4_at_a_time_on_4_slots_and_finds_the_sequential_best(client, app, settings):
    pool = DevicePool([f"slot-{i}" for i in range(4)], "slot", "test")
    worker = Worker(app.state.session_factory, settings.log_dir, allow_command_runtime=True, pool=pool)
    peak_in_use = 0
    done = threading.Event()

    def watch() -> None:  # the pool never lends more than it holds
        nonlocal peak_in_use
        while not done.wait(0.02):
            peak_in_use = max(peak_in_use, pool.in_use())

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        task, experiments = run(client, worker, toy_task("parallel", "--delay-scale", "15"))
    finally:
        done.set()
        watcher.join()
    assert task["status"] == "completed", task
    assert len(experiments) == 16 and all(e["status"] == "succeeded" for e in experiments)
    assert {tuple(sorted(e["parameters"].items())) for e in experiments} == {
        tuple(sorted(c.items())) for c in iter_combinations(SPACE)
    }
    assert max_overlap(experiments) == 4, "4 slots: 4 experiments at once, never more"
    assert peak_in_use == 4
    assert pool.in_use() == 0
    ports = [e["command"][e["command"].index("--port") + 1] for e in experiments]
    assert len(set(ports)) == 16, "no two experiments share a port"
    parallel_best = client.get(f"/api/experiments/{task['best_experiment_id']}").json()["parameters"]

    sequential = Worker(
        app.state.session_factory,
        settings.log_dir,
        allow_command_runtime=True,
        pool=DevicePool(["slot-0"], "slot", "test"),
    )
    task, experiments = run(client, sequential, toy_task("sequential", "--delay-scale", "15"))
    assert task["status"] == "completed" and max_overlap(experiments) == 1
    sequential_best = client.get(f"/api/experiments/{task['best_experiment_id']}").json()["parameters"]
    assert parallel_best == sequential_best == BEST


def test_optimization_parallel_caps_a_task_below_the_pool(client, app, settings):
    pool = DevicePool([f"slot-{i}" for i in range(4)], "slot", "test")
    worker = Worker(app.state.session_factory, settings.log_dir, allow_command_runtime=True, pool=pool)
    body = toy_task("capped", "--delay-scale", "2", parallel=2)
    body["parameters"] = {"mem-fraction-static": [0.7, 0.8, 0.9], "schedule-policy": ["fcfs", "lpm"]}
    task, experiments = run(client, worker, body)
    assert task["status"] == "completed" and len(experiments) == 6
    assert max_overlap(experiments) == 2


def test_an_experiment_needing_more_slots_than_the_pool_fails_with_a_sentence(client, app, settings):
    worker = Worker(
        app.state.session_factory,
        settings.log_dir,
        allow_command_runtime=True,
        pool=DevicePool(["slot-0", "slot-1"], "slot", "test"),
    )
    body = toy_task("too-big", "--delay-scale", "0")
    body["parameters"] = {"tp-size": [1, 4]}
    task, experiments = run(client, worker, body)
    assert task["status"] == "completed"
    by_tp = {e["parameters"]["tp-size"]: e for e in experiments}
    assert by_tp[1]["status"] == "succeeded"
    assert by_tp[4]["status"] == "failed"
    assert by_tp[4]["error_message"].startswith("These parameters need 4 GPUs but the pool holds only 2 slots")


def test_two_tasks_share_the_pool_and_cancel_stops_every_experiment_of_one(client, app, settings):
    pool = DevicePool([f"slot-{i}" for i in range(4)], "slot", "test")
    worker = Worker(
        app.state.session_factory, settings.log_dir, allow_command_runtime=True, poll_interval=0.05, pool=pool
    )
    first = create_task(client, toy_task("first", "--delay-scale", "40"))["id"]
    second = create_task(client, toy_task("second", "--delay-scale", "40"))["id"]
    assert client.post(f"/api/tasks/{first}/start").status_code == 200
    app.state.worker = worker  # as the service's embedded worker: /api/system/ reports it
    worker.start()
    try:

        def holders() -> list:
            return [d["task_id"] for d in client.get("/api/system/").json()["pool"]["devices"]]

        wait_for(lambda: holders().count(first) == 4, "the first task to fill the pool")
        assert client.post(f"/api/tasks/{second}/start").status_code == 200
        # Fair share: as the first task's experiments end, the second gets slots until both hold 2.
        wait_for(lambda: holders().count(second) == 2 and holders().count(first) == 2, "a fair share", timeout=90)
        system = client.get("/api/system/").json()
        assert system["worker"]["state"] == "running" and system["worker"]["running_tasks"] == [first, second]
        assert system["pool"] | {"devices": None} == {
            "kind": "slot",
            "source": "test",
            "size": 4,
            "in_use": 4,
            "devices": None,
        }
        busy = [d for d in system["pool"]["devices"] if d["task_id"] == second]
        assert all(d["task_name"] == "second" and d["parameters"] in list(iter_combinations(SPACE)) for d in busy)

        def running(task_id: int) -> list[int]:
            experiments = experiments_of(client, task_id)
            return sorted(e["sequence"] for e in experiments if e["status"] in ("deploying", "benchmarking"))

        # The API lists every running experiment: those holding a slot (polled: an experiment is
        # recorded a moment after it gets its slot).
        wait_for(
            lambda: (
                running(first)
                == sorted(
                    d["experiment_sequence"]
                    for d in client.get("/api/system/").json()["pool"]["devices"]
                    if d["task_id"] == first
                )
                and len(running(first)) == 2
            ),
            "the first task's two running experiments in the API",
        )

        assert client.post(f"/api/tasks/{first}/cancel").status_code == 200
        wait_for(lambda: client.get(f"/api/tasks/{first}").json()["status"] == "cancelled", "the cancel", timeout=30)
        statuses = [e["status"] for e in experiments_of(client, first)]
        assert "deploying" not in statuses and "benchmarking" not in statuses
        # The two running ones are cancelled; on a busy machine one may finish in the moment before
        # the cancel reaches it (and a new one start and be cancelled): none is left running, and
        # every experiment either finished or was cancelled.
        assert statuses.count("cancelled") >= 1 and set(statuses) <= {"succeeded", "cancelled"}, statuses
        # The second task takes the whole pool.
        wait_for(lambda: holders().count(second) == 4, "the second task to take the freed slots", timeout=60)
        assert client.post(f"/api/tasks/{second}/cancel").status_code == 200
        wait_for(lambda: client.get(f"/api/tasks/{second}").json()["status"] == "cancelled", "the cancel", timeout=30)
    finally:
        worker.stop()
        app.state.worker = None
    assert pool.in_use() == 0
    assert client.get("/api/system/").json()["worker"] == {"state": "external", "running_tasks": []}


# --- engines never outlive the service -----------------------------------------------------------

STUBBORN = textwrap.dedent(
    """
    # The stand-in engine, made stubborn when STUBBORN=1: it ignores SIGTERM, and so do a child it
    # starts in its process group and a grandchild that leaves the group (setsid).
    import os, signal, subprocess, sys
    if os.environ.get("STUBBORN") == "1":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        sleeper = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(600)"
        subprocess.Popen([sys.executable, "-c", sleeper, "toy_engine.py-child", sys.argv[sys.argv.index("--model-path") + 1]])
        subprocess.Popen([sys.executable, "-c", sleeper, "toy_engine.py-setsid", sys.argv[sys.argv.index("--model-path") + 1]], start_new_session=True)
    os.execv(sys.executable, [sys.executable, TOY, *sys.argv[1:]])
    """
)


def start_serve(data_dir: Path, port: int, **env: str) -> subprocess.Popen[str]:
    environment = {
        **os.environ,
        "AUTOTUNER_DATA_DIR": str(data_dir),
        "AUTOTUNER_DATABASE_URL": f"sqlite:///{data_dir / 'autotuner.db'}",
        "AUTOTUNER_ALLOW_COMMAND_RUNTIME": "true",
        "AUTOTUNER_EMBEDDED_WORKER": "true",
        "AUTOTUNER_HOST": "",
        "AUTOTUNER_PORT": "",
        **env,
    }
    # The service writes to its own copy of the file descriptor: this process closes its own.
    with open(data_dir / f"serve-{port}.out", "w") as log:
        service = subprocess.Popen(
            [sys.executable, "-m", "autotuner.cli.main", "serve", "--port", str(port)],
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def answers() -> bool:
        assert service.poll() is None, (data_dir / f"serve-{port}.out").read_text()
        try:
            return httpx.get(f"http://127.0.0.1:{port}/api/system/", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    wait_for(answers, "the service to answer", timeout=90, interval=0.2)
    return service


def free_test_port() -> int:
    return free_port_in(PORTS)


def test_kill_9_of_the_service_leaves_no_engine_and_resume_reruns_the_interrupted(tmp_path):
    wrapper = tmp_path / "stubborn.py"
    wrapper.write_text(f"TOY = {TOY!r}\n" + STUBBORN)
    port = free_test_port()
    service = start_serve(tmp_path, port, AUTOTUNER_SLOTS="2", STUBBORN="1", TOY_DELAY_SCALE="400")
    api = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10)
    body = toy_task("crash", command=["{python}", str(wrapper), "--model-path", "{model}", "--port", "{port}"])
    body["parameters"] = {"schedule-policy": ["fcfs", "lpm", "random"]}
    try:
        task_id = api.post("/api/tasks/", json=body).json()["id"]
        assert api.post(f"/api/tasks/{task_id}/start", json={}).status_code == 200
        wait_for(
            lambda: (
                [e["status"] for e in api.get(f"/api/tasks/{task_id}/experiments").json()].count("benchmarking") == 2
            ),
            "two experiments benchmarking",
            timeout=60,
        )
        # Both engines, each with a child and a grandchild out of its group, all ignoring SIGTERM.
        engines = wait_for(lambda: len(toy_engine_processes(MARK)) == 6 and toy_engine_processes(MARK), "6 processes")
        assert sum("toy_engine.py-setsid" in cmd for _, cmd in engines) == 2
        system = api.get("/api/system/").json()
        assert system["pool"]["in_use"] == 2 and system["worker"]["running_tasks"] == [task_id]
    finally:
        service.send_signal(signal.SIGKILL)
        service.wait()
    assert service.returncode == -signal.SIGKILL
    # Gone within seconds (a bound on the wait, not a timing assertion): the supervisors saw the
    # service's pipe close and killed their whole trees.
    wait_for(
        lambda: not toy_engine_processes(MARK) and not any(pid_alive(pid) for pid, _ in engines),
        "every engine process to go after kill -9",
        timeout=20,
    )

    # The next start resumes the task: the two interrupted experiments are not failures, they run again.
    service = start_serve(tmp_path, port, AUTOTUNER_SLOTS="2", STUBBORN="0", TOY_DELAY_SCALE="1")
    try:
        wait_for(
            lambda: api.get(f"/api/tasks/{task_id}").json()["status"] == "completed", "the resumed task", timeout=120
        )
        experiments = api.get(f"/api/tasks/{task_id}/experiments").json()
    finally:
        service.send_signal(signal.SIGTERM)
        service.wait(60)
        api.close()
    interrupted = [e for e in experiments if e["error_message"] == INTERRUPTED]
    assert len(interrupted) == 2 and all(e["status"] == "cancelled" for e in interrupted)
    succeeded = [e for e in experiments if e["status"] == "succeeded"]
    assert sorted(e["parameters"]["schedule-policy"] for e in succeeded) == ["fcfs", "lpm", "random"], (
        "every combination measured, the interrupted ones again"
    )
    assert {e["parameters"]["schedule-policy"] for e in interrupted} <= {"fcfs", "lpm", "random"}
    assert not toy_engine_processes(MARK)


def test_a_stubborn_engine_tree_dies_with_a_process_killed_outright(tmp_path):
    """The supervisor alone: its launcher is SIGKILLed while the engine (ignoring SIGTERM) and
    its children run; all of them are gone within seconds."""
    wrapper = tmp_path / "stubborn.py"
    wrapper.write_text(f"TOY = {TOY!r}\n" + STUBBORN)
    script = textwrap.dedent(
        f"""
        import os, signal, sys
        from autotuner.tuning.engine.process import EngineProcess, free_port
        port = free_port()
        engine = EngineProcess([sys.executable, {str(wrapper)!r}, "--model-path", {MARK!r}, "--port", str(port)],
                               {str(tmp_path / "engine.log")!r}, port=port)
        engine.start()
        engine.wait_ready(30)
        print(engine.pid, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    launcher = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=90, env={**os.environ, "STUBBORN": "1"}
    )
    assert launcher.returncode == -signal.SIGKILL, launcher.stderr
    engine_pid = int(launcher.stdout.strip())
    # An exiting process has an empty command line before it turns zombie, so the engine's own pid
    # is waited for too: the test once saw it still running after its command line was gone.
    wait_for(
        lambda: not toy_engine_processes(MARK) and not pid_alive(engine_pid),
        "the engine, its child and its setsid grandchild to go",
        20,
    )
