"""Tuning runs end to end through the real service paths: the REST API, the worker, real engine
processes (the stand-in ``examples/toy_engine.py``), the real benchmark client and the database.

The worker is driven synchronously (``run_once``) where a test only needs the result, and in its
thread (``start``/``stop``) where a test needs to act while an experiment runs (cancel, a service
stopping mid-task). Every test checks that no engine is left registered; the module checks at the
end that no toy engine it started is alive at all (a /proc scan).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest
from support.factories import create_task
from support.paths import TOY
from support.processes import assert_no_toy_engine_left, pid_alive, toy_engine_processes, wait_for

from autotuner.db.models import Experiment, Task
from autotuner.db.session import session_scope
from autotuner.runs.worker import INTERRUPTED, SHUTDOWN, Worker
from autotuner.tuning.engine import process, recovery
from autotuner.tuning.space import iter_combinations
from autotuner.web.app import create_app

# Every engine these tests start serves this model name, so the final /proc scan finds exactly
# the engines of this test session (other sessions may share the machine).
MARK = f"toy-runs-{uuid.uuid4().hex[:12]}"
TOY_SPACE = {"tp-size": [1, 2, 4], "mem-fraction-static": [0.8, 0.9], "schedule-policy": ["fcfs", "lpm"]}
BEST = {"tp-size": 2, "mem-fraction-static": 0.9, "schedule-policy": "lpm"}
GRID_ORDER = list(iter_combinations(TOY_SPACE))
# Delays large enough for the ranking to survive a noisy, shared machine.
# The ranking tests measure real speed on shared, noisy machines: the toy's delays are scaled up
# so that its best leads the runner-up by ~0.4 s per experiment, far more than scheduling stalls.
RANKING_DELAY_SCALE = "25"
RANKING_BENCHMARK = {
    "traffic_scenarios": ["D(32,8)"],
    "concurrency": [2],
    "requests_per_level": 6,
    "warmup_requests": 1,
}
FAST_BENCHMARK = {"traffic_scenarios": ["D(16,4)"], "concurrency": [2], "requests_per_level": 6, "warmup_requests": 1}
WAIT = 30.0  # upper bound for conditions polled below (a bound, not a timing assertion)


# --- helpers ------------------------------------------------------------------------------------


def pid_exists(pid: int) -> bool:
    """True until ``pid`` is gone and reaped."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def toy_processes() -> list[tuple[int, str]]:
    """Live processes running the toy engine for this module."""
    return toy_engine_processes(MARK)


def toy_task(
    name: str,
    *extra: str,
    parameters: dict | None = None,
    strategy: str = "grid_search",
    max_iterations: int = 12,
    timeout: int = 60,
    benchmark: dict | None = None,
    seed: int = 0,
    repeats: int = 0,
) -> dict:
    return {
        "task_name": name,
        "model": {"id_or_path": MARK},
        "base_runtime": "command",
        "command": ["{python}", TOY, "--model-path", "{model}", "--host", "{host}", "--port", "{port}", *extra],
        "parameters": parameters if parameters is not None else TOY_SPACE,
        "optimization": {
            "strategy": strategy,
            "objective": "maximize_throughput",
            "max_iterations": max_iterations,
            "timeout_per_iteration": timeout,
            "seed": seed,
            "repeats": repeats,
        },
        "benchmark": benchmark or FAST_BENCHMARK,
    }


def start(client, task_id: int) -> dict:
    response = client.post(f"/api/tasks/{task_id}/start")
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "running"
    return response.json()


def run_task(client, worker: Worker, body: dict) -> tuple[dict, list[dict]]:
    """Create, start and run a task with the worker in this thread; return it and its experiments."""
    task_id = create_task(client, body)["id"]
    start(client, task_id)
    assert worker.run_once() is True
    assert worker.run_once() is False  # nothing else queued
    return task_get(client, task_id), experiments_of(client, task_id)


def task_get(client, task_id: int) -> dict:
    response = client.get(f"/api/tasks/{task_id}")
    assert response.status_code == 200, response.text
    return response.json()


def experiments_of(client, task_id: int) -> list[dict]:
    response = client.get(f"/api/tasks/{task_id}/experiments")
    assert response.status_code == 200, response.text
    return response.json()


def engine_of(experiment_log: str) -> process.EngineProcess | None:
    for engine in process.running_engines():
        if str(engine.log_path) == experiment_log and engine.pid is not None:
            return engine
    return None


# --- fixtures -----------------------------------------------------------------------------------


pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("no_engine_left_behind")]


@pytest.fixture(scope="module", autouse=True)
def no_toy_engine_alive_after_the_module():
    yield
    assert_no_toy_engine_left(MARK)


@pytest.fixture
def worker(app, settings):
    runner = Worker(app.state.session_factory, settings.log_dir, allow_command_runtime=True, poll_interval=0.05)
    yield runner
    runner.stop()


# --- 1. grid search finds the best ----------------------------------------------------------------


def test_grid_search_over_the_toy_space_finds_its_best(client, worker):
    task, experiments = run_task(
        client,
        worker,
        toy_task("grid", "--delay-scale", RANKING_DELAY_SCALE, max_iterations=20, benchmark=RANKING_BENCHMARK),
    )
    assert task["status"] == "completed", task
    assert task["experiments_done"] == 12 and task["experiments_total"] == 12
    assert task["stop_reason"] == "every combination has been tried"
    assert task["error_message"] is None and task["cancel_requested"] is False

    assert [e["sequence"] for e in experiments] == list(range(1, 13))
    # Grid order: the space's first key varies slowest, keys in the order they were written.
    assert [e["parameters"] for e in experiments] == list(iter_combinations(task["parameters"]))
    for experiment in experiments:
        assert experiment["status"] == "succeeded", experiment["error_message"]
        assert experiment["score"] > 0
        level = experiment["metrics"]["levels"][0]
        assert level["requests_succeeded"] == 6 and level["requests_failed"] == 0
        assert experiment["metrics"]["scoring"]["score"] == experiment["score"]
        assert experiment["command"][:2] == [sys.executable, TOY]
        assert experiment["started_at"] <= experiment["ended_at"]

    best = client.get(f"/api/experiments/{task['best_experiment_id']}").json()
    assert best["parameters"] == BEST
    assert best["sequence"] == 8
    assert best["score"] == max(e["score"] for e in experiments)

    task_log = client.get(f"/api/tasks/{task['id']}/logs")
    assert task_log.status_code == 200 and task_log.headers["content-type"].startswith("text/plain")
    assert "grid_search over 12 valid combination(s)" in task_log.text
    assert f"Experiment 8: {best['parameters']!r}" in task_log.text
    assert "Experiment 12 succeeded: score" in task_log.text
    assert f"Task {task['id']} completed" in task_log.text

    engine_log = client.get(f"/api/experiments/{best['id']}/logs")
    assert engine_log.status_code == 200
    assert "toy engine: serving" in engine_log.text and "tp-size 2, mem-fraction-static 0.9" in engine_log.text
    assert "# autotuner: experiment succeeded" in engine_log.text
    assert not list(Path(best["log_path"]).parent.glob("*.pid")), "pid records must go with their engines"


# --- 2. Bayesian needs fewer experiments -----------------------------------------------------------


def test_bayesian_finds_the_best_before_the_grid_would(client, worker):
    # Seed 0: TPE reaches the best at experiment 5 (found robust to +-10% noise in the scores);
    # the grid reaches it at 8 of 12. The search stops at 7, before the grid would find it.
    task, experiments = run_task(
        client,
        worker,
        toy_task(
            "bayes",
            "--delay-scale",
            RANKING_DELAY_SCALE,
            strategy="bayesian",
            max_iterations=7,
            benchmark=RANKING_BENCHMARK,
        ),
    )
    assert task["status"] == "completed", task
    assert task["experiments_done"] == 7 and len(experiments) == 7
    assert task["stop_reason"] == "reached max_iterations (7)"
    assert all(e["status"] == "succeeded" for e in experiments)
    combos = [tuple(sorted(e["parameters"].items())) for e in experiments]
    assert len(set(combos)) == 7, "the Bayesian search never runs a combination twice"
    best = client.get(f"/api/experiments/{task['best_experiment_id']}").json()
    assert best["parameters"] == BEST
    first_best = min(e["sequence"] for e in experiments if e["parameters"] == BEST)
    assert first_best < GRID_ORDER.index(BEST) + 1 == 8


# --- 3. faults fail their experiment, the task goes on ---------------------------------------------


@pytest.mark.parametrize(
    ("fault", "values", "timeout", "expected"),
    [
        (
            "fail-at-start",
            [True, False],
            60,
            ["The engine exited with code 1 before it became ready", "simulated failure at start"],
        ),
        ("never-ready", [True, False], 3, ["The engine was not ready within", "raise timeout_per_iteration"]),
        (
            "die-after-requests",
            [2, 1000],
            60,
            ["The engine exited with code 3 during the benchmark", "simulated crash after 2 requests"],
        ),
    ],
    ids=["crash-at-start", "never-ready", "dies-mid-benchmark"],
)
def test_a_faulty_engine_fails_its_experiment_and_the_task_goes_on(client, worker, fault, values, timeout, expected):
    task, experiments = run_task(
        client, worker, toy_task(f"fault-{fault}", parameters={fault: values, "tp-size": [2]}, timeout=timeout)
    )
    assert task["status"] == "completed", task
    assert task["experiments_done"] == 2
    failed, succeeded = experiments
    assert failed["parameters"] == {fault: values[0], "tp-size": 2}
    assert failed["status"] == "failed" and failed["score"] is None
    for fragment in expected:
        assert fragment in failed["error_message"], failed["error_message"]
    assert succeeded["status"] == "succeeded" and succeeded["score"] > 0
    assert task["best_experiment_id"] == succeeded["id"]
    if fault == "fail-at-start":
        assert "--fail-at-start" in failed["command"]
        assert "--fail-at-start" not in succeeded["command"]  # false is left out
    log = client.get(f"/api/experiments/{failed['id']}/logs").text
    assert "# autotuner: experiment failed" in log
    task_log = client.get(f"/api/tasks/{task['id']}/logs").text
    assert "Experiment 1 failed: The engine" in task_log and "Experiment 2 succeeded" in task_log


def test_a_task_whose_every_experiment_fails_ends_failed(client, worker):
    task, experiments = run_task(
        client, worker, toy_task("all-fail", "--fail-at-start", parameters={"tp-size": [1, 2]})
    )
    assert task["status"] == "failed"
    assert task["error_message"] == "No experiment succeeded: open the experiments' errors and logs to see why."
    assert task["best_experiment_id"] is None
    assert [e["status"] for e in experiments] == ["failed", "failed"]


# --- 4. cancel stops the engine ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "phase"),
    [(("--startup-delay", "120"), "deploying"), (("--delay-scale", "300"), "benchmarking")],
    ids=["while-deploying", "while-benchmarking"],
)
def test_cancel_stops_the_engine_within_seconds(client, worker, extra, phase):
    task_id = create_task(client, toy_task(f"cancel-{phase}", *extra, parameters={"tp-size": [1, 2]}, timeout=600))[
        "id"
    ]
    start(client, task_id)
    worker.start()
    try:
        experiment = wait_for(
            lambda: next((e for e in experiments_of(client, task_id) if e["status"] == phase), None),
            f"an experiment {phase}",
        )
        engine = wait_for(lambda: engine_of(experiment["log_path"]), "the engine process")
        pid = engine.pid
        assert pid_alive(pid)
        if phase == "benchmarking":
            assert "toy engine: serving" in client.get(f"/api/experiments/{experiment['id']}/logs").text

        response = client.post(f"/api/tasks/{task_id}/cancel")
        assert response.status_code == 200, response.text
        assert response.json()["cancel_requested"] is True

        wait_for(lambda: not pid_exists(pid), f"engine pid {pid} to exit and be reaped", timeout=15)
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)  # gone, and reaped
        wait_for(lambda: task_get(client, task_id)["status"] == "cancelled", "the task to be cancelled", timeout=15)
    finally:
        worker.stop()
    task = task_get(client, task_id)
    assert task["stop_reason"] == "cancelled by the user" and task["cancel_requested"] is False
    experiments = experiments_of(client, task_id)
    assert [e["status"] for e in experiments] == ["cancelled"], "nothing runs after a cancel"
    assert experiments[0]["error_message"] == "The experiment was cancelled."
    assert process.running_engines() == []


def test_a_task_cancelled_before_the_worker_takes_it_runs_nothing(client, worker):
    task_id = create_task(client, toy_task("cancel-queued", parameters={"tp-size": [1]}))["id"]
    start(client, task_id)
    response = client.post(f"/api/tasks/{task_id}/cancel")
    assert response.status_code == 200 and response.json()["status"] == "running"
    assert response.json()["cancel_requested"] is True
    assert worker.run_once() is True
    assert task_get(client, task_id)["status"] == "cancelled"
    assert experiments_of(client, task_id) == []


# --- 5. a service restart resumes the task ----------------------------------------------------------


def test_a_task_resumes_after_the_service_stops_mid_task(client, app, settings, worker):
    # Each engine "loads" for 0.5 s: the service is stopped while experiment 3 loads.
    task_id = create_task(client, toy_task("resume", "--startup-delay", "0.5", "--delay-scale", "0"))["id"]
    start(client, task_id)
    worker.start()
    try:
        wait_for(
            lambda: any(e["sequence"] == 3 and e["status"] == "deploying" for e in experiments_of(client, task_id)),
            "experiment 3 to deploy",
        )
    finally:
        worker.stop()  # the service stops: the engine is torn down, the task stays running
    assert process.running_engines() == []
    task = task_get(client, task_id)
    assert task["status"] == "running" and task["experiments_done"] == 2
    before = experiments_of(client, task_id)
    assert [e["status"] for e in before] == ["succeeded", "succeeded", "cancelled"]
    assert before[2]["error_message"] == SHUTDOWN
    assert SHUTDOWN.split(";")[0] in before[2]["error_message"]
    assert "paused: the service is shutting down" in client.get(f"/api/tasks/{task_id}/logs").text

    # The next service on the same database resumes the task.
    app2 = create_app(settings)
    try:
        resumed = Worker(app2.state.session_factory, settings.log_dir, allow_command_runtime=True, poll_interval=0.05)
        assert resumed.run_once() is True
        assert resumed.run_once() is False
    finally:
        app2.state.engine.dispose()
    task = task_get(client, task_id)
    assert task["status"] == "completed", task
    assert task["experiments_done"] == 12
    after = experiments_of(client, task_id)
    assert [e["sequence"] for e in after] == list(range(1, 14)), "sequences continue after the interruption"
    assert after[:3] == before, "recorded experiments are kept, not re-run"
    succeeded = [e for e in after if e["status"] == "succeeded"]
    assert len(succeeded) == 12
    keys = [tuple(sorted(e["parameters"].items())) for e in succeeded]
    assert len(set(keys)) == 12, "no combination ran twice"
    assert sorted(keys) == sorted(tuple(sorted(c.items())) for c in GRID_ORDER)
    assert after[3]["parameters"] == before[2]["parameters"], "the interrupted combination runs again first"
    assert "resuming after 2 recorded experiment(s)" in client.get(f"/api/tasks/{task_id}/logs").text


def test_recover_marks_a_crashed_experiment_interrupted_and_stops_its_engine(client, app, settings):
    """A service killed outright leaves an experiment 'benchmarking' and its engine running."""
    task_id = create_task(client, toy_task("crashed", parameters={"tp-size": [1, 2]}))["id"]
    start(client, task_id)
    log_path = settings.log_dir / "tasks" / str(task_id) / "experiment-1.log"
    with session_scope(app.state.session_factory) as session:
        session.add(
            Experiment(
                task_id=task_id, sequence=1, parameters={"tp-size": 1}, status="benchmarking", log_path=str(log_path)
            )
        )
    # The engine the dead service was benchmarking: in its own process group, with its record.
    port = process.free_port()
    orphan = process.EngineProcess(
        [sys.executable, TOY, "--model-path", MARK, "--port", str(port)], log_path, port=port
    )
    orphan.start()
    try:
        orphan.wait_ready(20)
        with process._registry_lock:  # the service that managed it is gone
            process._registry.discard(orphan)
        assert orphan.pid_path.exists()

        worker = Worker(app.state.session_factory, settings.log_dir, allow_command_runtime=True, poll_interval=0.05)
        worker.recover()
        orphan.process.wait(timeout=10)  # it was signalled; reap it (the test is its parent)
        assert not recovery.group_alive(orphan.process.pid) and not pid_alive(orphan.pid)
        assert not orphan.pid_path.exists()
    finally:
        orphan.terminate(grace_period=1)
    experiment = experiments_of(client, task_id)[0]
    assert experiment["status"] == "cancelled" and experiment["error_message"] == INTERRUPTED
    assert experiment["ended_at"] is not None

    # The task then resumes: the interrupted combination is not a result, it runs again.
    assert worker.run_once() is True
    task = task_get(client, task_id)
    assert task["status"] == "completed" and task["experiments_done"] == 2
    experiments = experiments_of(client, task_id)
    assert [(e["sequence"], e["parameters"], e["status"]) for e in experiments] == [
        (1, {"tp-size": 1}, "cancelled"),
        (2, {"tp-size": 1}, "succeeded"),
        (3, {"tp-size": 2}, "succeeded"),
    ]


def test_a_stale_record_of_another_process_is_not_acted_on(tmp_path):
    """A .pid record whose group now belongs to an unrelated process (pid reuse) is dropped."""
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], start_new_session=True)
    try:
        record = tmp_path / "experiment-1.log.pid"
        record.write_text(f'{{"pgid": {sleeper.pid}, "start_time": 1, "boot_id": "{recovery.boot_id()}"}}')
        assert process.stop_stale_engines(tmp_path) == 0
        assert sleeper.poll() is None, "an unrelated process must not be signalled"
        assert not record.exists()
    finally:
        sleeper.kill()
        sleeper.wait()


def test_an_engine_dies_with_a_service_killed_outright(tmp_path):
    """PR_SET_PDEATHSIG: SIGKILL the process that launched the engine; the engine exits too."""
    script = textwrap.dedent(
        f"""
        import os, signal, sys
        from autotuner.tuning.engine.process import EngineProcess, free_port
        port = free_port()
        engine = EngineProcess([sys.executable, {TOY!r}, "--model-path", {MARK!r}, "--port", str(port)],
                               {str(tmp_path / "engine.log")!r}, port=port)
        engine.start()
        engine.wait_ready(20)
        print(engine.pid, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    service = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert service.returncode == -signal.SIGKILL, service.stderr
    pid = int(service.stdout.strip())
    wait_for(lambda: not pid_alive(pid), f"the orphaned engine {pid} to exit", timeout=15)


# --- 6. save as preset -------------------------------------------------------------------------------


def test_save_an_experiment_as_a_preset(client, worker):
    task, experiments = run_task(
        client, worker, toy_task("to-preset", parameters={"tp-size": [2], "fail-at-start": [True, False]})
    )
    failed, best = experiments
    assert task["best_experiment_id"] == best["id"]

    response = client.post(f"/api/experiments/{best['id']}/save-as-preset", json={"name": "toy best"})
    assert response.status_code == 201, response.text
    preset = response.json()
    assert preset["name"] == "toy best"
    assert preset["parameters"] == {"tp-size": [2], "fail-at-start": [False]}
    source = preset["metadata"]["source"]
    assert source["task_id"] == task["id"] and source["task_name"] == "to-preset"
    assert source["experiment_id"] == best["id"] and source["experiment_sequence"] == 2
    assert source["score"] == best["score"] and source["objective"] == "maximize_throughput"
    level = source["metrics"]["levels"][0]
    assert level["concurrency"] == 2 and level["output_tokens_per_s"] > 0
    assert client.get(f"/api/presets/{preset['id']}").json()["parameters"] == preset["parameters"]

    # The preset builds a new task with exactly that combination.
    response = client.post(
        "/api/tasks/",
        json={
            "task_name": "from-tuned-preset",
            "model": {"id_or_path": MARK},
            "base_runtime": "command",
            "command": ["{python}", TOY, "--port", "{port}"],
            "presets": {"ids": [preset["id"]]},
        },
    )
    assert response.status_code == 201, response.text
    assert response.json()["parameters"] == {"tp-size": [2], "fail-at-start": [False]}

    refused = client.post(f"/api/experiments/{failed['id']}/save-as-preset", json={"name": "from a failure"})
    assert refused.status_code == 422
    assert refused.json()["detail"] == "Experiment 1 failed: save a succeeded experiment as a preset."
    same_name = client.post(f"/api/experiments/{best['id']}/save-as-preset", json={"name": "toy best"})
    assert same_name.status_code == 409
    missing = client.post("/api/experiments/999999/save-as-preset", json={"name": "nothing"})
    assert missing.status_code == 404
    assert missing.json()["detail"] == "Experiment not found: no experiment with id 999999."


# --- 7. start and cancel errors ----------------------------------------------------------------------


def test_cancel_of_a_pending_task_ends_it_and_cancel_again_is_refused(client):
    pending = create_task(client, toy_task("errors-pending", parameters={"tp-size": [1]}))["id"]
    cancelled = client.post(f"/api/tasks/{pending}/cancel")
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["stop_reason"] == "cancelled before it started"
    again = client.post(f"/api/tasks/{pending}/cancel")
    assert again.status_code == 409
    assert again.json()["detail"] == "Task 'errors-pending' is already cancelled: there is nothing to cancel."


def test_a_running_task_refuses_start_edit_and_delete_and_a_finished_one_refuses_cancel(client, worker):
    pending = create_task(client, toy_task("errors-pending", parameters={"tp-size": [1]}))["id"]
    start(client, pending)
    running = client.post(f"/api/tasks/{pending}/start")
    assert running.status_code == 409
    assert running.json()["detail"] == "Task 'errors-pending' is already running."
    assert client.put(f"/api/tasks/{pending}", json={"description": "x"}).status_code == 409
    assert client.delete(f"/api/tasks/{pending}").status_code == 409

    assert worker.run_once() is True
    done = task_get(client, pending)
    assert done["status"] == "completed"
    completed = client.post(f"/api/tasks/{pending}/cancel")
    assert completed.status_code == 409
    assert completed.json()["detail"] == "Task 'errors-pending' is already completed: there is nothing to cancel."
    # Every planned experiment has run: continuing is refused with the reason, and nothing changes.
    refused = client.post(f"/api/tasks/{pending}/start")
    assert refused.status_code == 409
    assert refused.json()["detail"] == (
        "Task 'errors-pending' cannot continue: every experiment its search plans has run "
        "(1 experiment(s); every combination has been tried). Run it again from the start instead "
        f"(Run again in the UI, POST /api/tasks/{pending}/restart)."
    )
    assert task_get(client, pending)["status"] == "completed"


def test_run_again_clears_the_experiments_and_logs_and_runs_a_fresh_search(client, worker, settings):
    task_id = create_task(client, toy_task("again", parameters={"tp-size": [1, 2]}))["id"]
    start(client, task_id)
    assert worker.run_once() is True
    first = experiments_of(client, task_id)
    assert [e["sequence"] for e in first] == [1, 2] and all(e["status"] == "succeeded" for e in first)
    first_log = client.get(f"/api/experiments/{first[0]['id']}/logs").text
    assert first_log

    again = client.post(f"/api/tasks/{task_id}/restart")
    assert again.status_code == 200, again.text
    assert again.json()["status"] == "running" and again.json()["experiments_done"] == 0
    assert again.json()["best_experiment_id"] is None
    assert experiments_of(client, task_id) == []
    assert client.get(f"/api/tasks/{task_id}/logs").text == ""
    assert client.get(f"/api/experiments/{first[0]['id']}").status_code == 404

    running = client.post(f"/api/tasks/{task_id}/restart")
    assert running.status_code == 409
    assert running.json()["detail"] == "Task 'again' is running: cancel it before you run it again."

    assert worker.run_once() is True
    second = experiments_of(client, task_id)
    assert [e["sequence"] for e in second] == [1, 2] and all(e["status"] == "succeeded" for e in second)
    # A fresh run: measured after the first run ended (ids may be reused on SQLite: issue 11).
    assert min(e["started_at"] for e in second) >= max(e["ended_at"] for e in first)
    done = task_get(client, task_id)
    assert done["status"] == "completed" and done["best_experiment_id"] in {e["id"] for e in second}
    assert "Experiment 1" in client.get(f"/api/tasks/{task_id}/logs").text


def test_start_refuses_a_grid_larger_than_max_iterations(client, app):
    # Here the row was changed behind the API's back, as an older version or a hand edit could
    # leave it: the check at creation is repeated at start.
    grid = create_task(
        client, toy_task("errors-grid", parameters={"tp-size": [1, 2], "schedule-policy": ["fcfs", "lpm"]})
    )["id"]
    with session_scope(app.state.session_factory) as session:
        row = session.get(Task, grid)
        row.optimization = {**row.optimization, "max_iterations": 3}
    too_large = client.post(f"/api/tasks/{grid}/start")
    assert too_large.status_code == 422
    assert too_large.json()["detail"].startswith("Grid search would run 4 experiments")
    assert "set sample_if_larger" in too_large.json()["detail"]
    assert task_get(client, grid)["status"] == "pending"


def test_start_refuses_a_space_whose_valid_combinations_cannot_be_counted(client):
    # The vllm rule reads 500 x 500 values together: refused with its size, not a stalled service.
    huge = create_task(
        client,
        {
            **toy_task(
                "errors-huge",
                strategy="bayesian",
                max_iterations=10,
                parameters={"max-num-batched-tokens": list(range(1000, 1500)), "max-num-seqs": list(range(1, 501))},
            ),
            "base_runtime": "vllm",
        },
    )["id"]
    refused = client.post(f"/api/tasks/{huge}/start")
    assert refused.status_code == 422
    detail = refused.json()["detail"]
    assert detail.startswith("The parameter space holds 250,000 combinations and the vllm rules read too many")
    assert "to count the valid ones: give the flags those rules read fewer values" in detail
    assert task_get(client, huge)["status"] == "pending"


def test_unknown_tasks_and_experiments_are_404_naming_the_id(client):
    for experiment_id in (0, 2**31, 2**63):
        assert client.get(f"/api/experiments/{experiment_id}").status_code == 404
    for method, url in [
        ("post", "/api/tasks/987654/start"),
        ("post", "/api/tasks/987654/cancel"),
        ("get", "/api/tasks/987654/experiments"),
        ("get", "/api/tasks/987654/logs"),
        ("get", "/api/experiments/987654"),
        ("get", "/api/experiments/987654/logs"),
    ]:
        response = getattr(client, method)(url)
        assert response.status_code == 404, (url, response.text)
        assert "987654" in response.json()["detail"]


def test_a_missing_engine_fails_the_task_at_once_with_one_sentence(client, worker):
    task_id = create_task(
        client,
        task_name="no-sglang",
        model={"id_or_path": MARK},
        base_runtime="sglang",
        parameters={"tp-size": [1, 2]},
        optimization={"max_iterations": 2},
    )["id"]
    start(client, task_id)
    assert worker.run_once() is True
    task = task_get(client, task_id)
    assert task["status"] == "failed"
    assert task["error_message"].startswith("SGLang is not installed for this Python")
    assert "examples/toy_task.json" in task["error_message"]
    assert experiments_of(client, task_id) == []  # no experiment was tried


# --- results a user can trust: repeats, the verdict, several objectives -------------------------


def test_repeats_measure_the_top_configurations_again_and_the_verdict_says_what_they_show(client, worker):
    body = toy_task(
        "repeats",
        "--delay-scale",
        "5",
        parameters={"tp-size": [1, 2], "schedule-policy": ["fcfs", "lpm"]},
        repeats=1,
        strategy="bayesian",  # with two objectives: Optuna's multi-objective TPE
        max_iterations=4,
    )
    body["optimization"] |= {"repeat_top": 2, "objectives": ["maximize_throughput", "minimize_ttft"]}
    task, experiments = run_task(client, worker, body)
    assert task["status"] == "completed", task
    assert task["experiments_total"] == 6 and task["experiments_done"] == 6

    originals = [e for e in experiments if e["repeat_of"] is None]
    repeats = [e for e in experiments if e["repeat_of"] is not None]
    assert [e["sequence"] for e in originals] == [1, 2, 3, 4] and [e["sequence"] for e in repeats] == [5, 6]
    by_id = {e["id"]: e for e in experiments}
    top_two = sorted(originals, key=lambda e: -e["score"])[:2]
    assert [by_id[e["repeat_of"]]["id"] for e in repeats] == [e["id"] for e in top_two]
    for repeat in repeats:
        assert repeat["parameters"] == by_id[repeat["repeat_of"]]["parameters"]
        assert repeat["score_stats"] is None and repeat["status"] == "succeeded"
    for original in originals:
        stats = original["score_stats"]
        again = [r["score"] for r in repeats if r["repeat_of"] == original["id"]]
        assert stats["samples"] == [original["score"], *again] and stats["n"] == 1 + len(again)
        assert stats["ci_low"] <= stats["mean"] <= stats["ci_high"]
        assert set(original["objective_values"]) == {
            "maximize_throughput",
            "minimize_ttft",
            "minimize_tpot",
            "minimize_latency",
        }
        assert original["objective_values"]["maximize_throughput"] == pytest.approx(original["score"])

    verdict = task["verdict"]
    assert verdict["kind"] in ("significant", "tied")
    best = max((e for e in originals if e["score_stats"]["n"] == 2), key=lambda e: e["score_stats"]["mean"])
    assert verdict["best_experiment_id"] == best["id"] == task["best_experiment_id"]
    assert best["id"] in verdict["tied_experiment_ids"] and verdict["noise_cv"] is not None
    assert verdict["sentence"].startswith("Best: #" if verdict["kind"] == "significant" else "#")
    assert f"Verdict: {verdict['sentence']}" in client.get(f"/api/tasks/{task['id']}/logs").text

    # Two objectives: the front holds the configurations no other beats in both.
    front = client.get(f"/api/tasks/{task['id']}/pareto")
    assert front.status_code == 200, front.text
    data = front.json()
    assert data["objectives"] == ["maximize_throughput", "minimize_ttft"]
    assert [p["experiment_id"] for p in data["points"]] == [e["id"] for e in originals]
    on_front = [p for p in data["points"] if not p["dominated"]]
    assert on_front and [p["experiment_id"] for p in on_front] == task["pareto_front"]
    for a in on_front:
        for b in on_front:
            va, vb = a["objective_values"], b["objective_values"]
            assert not (
                va["maximize_throughput"] >= vb["maximize_throughput"]
                and va["minimize_ttft"] <= vb["minimize_ttft"]
                and va != vb
            ), (a, b)

    # One objective: no front, a sentence saying how to keep one.
    single = create_task(client, toy_task("one objective"))
    refused = client.get(f"/api/tasks/{single['id']}/pareto")
    assert refused.status_code == 409
    assert refused.json()["detail"] == (
        f"Task {single['id']} has a single objective, so it has no Pareto front: "
        "give optimization.objectives (two or three) to keep one."
    )


def test_a_hopeless_experiment_is_pruned_after_its_first_level_and_its_engine_stopped(client, worker):
    body = toy_task(
        "pruned",
        parameters={"delay-scale": [1, 15, 1.5]},  # the toy's own flag: 15 makes it some 7 times slower
        benchmark={
            "traffic_scenarios": ["D(16,4)"],
            "concurrency": [1, 2],
            "requests_per_level": 2,
            "warmup_requests": 0,
        },
    )
    body["optimization"]["prune"] = True
    task, experiments = run_task(client, worker, body)
    assert task["status"] == "completed", task
    assert [e["status"] for e in experiments] == ["succeeded", "pruned", "succeeded"]
    pruned = experiments[1]
    assert pruned["score"] is None and pruned["score_stats"] is None and pruned["objective_values"] is None
    assert pruned["error_message"].startswith("Pruned after D(16,4) at concurrency 1: the best so far there scored")
    assert len(pruned["metrics"]["levels"]) == 1  # the second level never ran
    assert "# autotuner: experiment pruned: Pruned after" in client.get(f"/api/experiments/{pruned['id']}/logs").text
    assert task["best_experiment_id"] != pruned["id"] and task["experiments_done"] == 3
    assert pruned["id"] not in task["verdict"]["tied_experiment_ids"]


def test_warm_start_seeds_a_bayesian_search_with_earlier_tasks_of_the_same_runtime_model_and_benchmark(client, worker):
    def body(name: str, warm: bool, benchmark: dict | None = None) -> dict:
        task = toy_task(
            name, parameters={"tp-size": [1, 2]}, strategy="bayesian", max_iterations=2, benchmark=benchmark
        )
        task["optimization"]["warm_start"] = warm
        return task

    first, _ = run_task(client, worker, body("earlier", warm=False))
    assert first["status"] == "completed" and first["warm_start_used"] == 0
    seeded, experiments = run_task(client, worker, body("seeded", warm=True))
    assert seeded["status"] == "completed", seeded
    assert seeded["warm_start_used"] == 2 and len(experiments) == 2  # seeded, and still measured here
    other = {**FAST_BENCHMARK, "concurrency": [1]}  # scored another way: not comparable
    elsewhere, _ = run_task(client, worker, body("other benchmark", warm=True, benchmark=other))
    assert elsewhere["warm_start_used"] == 0
