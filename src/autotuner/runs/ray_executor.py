"""The ``ray`` executor: each experiment runs on a node of a Ray cluster, chosen by Ray.

The coordinator (the worker of ``autotuner serve`` or ``autotuner worker``) alone writes the
database. For each experiment it creates an :class:`ExperimentActor` that reserves what the
experiment needs - ``num_gpus`` = tp x pp x dp (:func:`~autotuner.tuning.scoring.gpus_needed`),
or as many units of a custom resource (``AUTOTUNER_RAY_RESOURCE``, for CPU engines) - and runs
:func:`~autotuner.tuning.experiment.run_experiment` there: engine and benchmark on that node. The
coordinator polls the actor for the engine's new log lines (appended to the experiment's log
here), its status changes and, at the end, its outcome. Nodes need the package and the engine,
no database.

Faults:

* **node lost** (the actor dies, or stops answering for ``POLL_TIMEOUT`` seconds): the attempt is
  written to the experiment's log as lost and the experiment runs again on another node, up to
  ``retries`` times (``AUTOTUNER_RAY_RETRIES``, default 1); after that it fails with "Node lost".
* **cancel**: the actor's cancel stops its engine (run_experiment's teardown); an actor that does
  not end in time is killed, and the engine's supervisor
  (:mod:`autotuner.tuning.engine.supervisor`) stops the engine when its actor process dies.
* **coordinator restart**: the actors belong to the coordinator (not detached), so Ray ends them
  when it dies, their supervisors stop their engines, and the restarted worker marks the
  experiments interrupted and resumes the task, as on one machine.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import ray
from ray.exceptions import GetTimeoutError, RayActorError

from autotuner.core.errors import AutotunerError
from autotuner.tuning.engine.gpus import Placement
from autotuner.tuning.experiment import ExperimentOutcome, run_experiment
from autotuner.tuning.scoring import gpus_needed

POLL_INTERVAL = 0.25
POLL_TIMEOUT = 60.0  # an actor that does not answer a poll for this long is on a lost node
CANCEL_GRACE = 30.0  # after a cancel, the actor has this long to stop its engine before it is killed
CONNECT_TIMEOUT = 20.0
NODE_LOST = "Node lost"


class ClusterUnavailable(AutotunerError):
    """The Ray cluster cannot be reached (said at start, instead of hanging)."""


@ray.remote(max_restarts=0, max_concurrency=4)  # type: ignore[call-overload]
class ExperimentActor:
    """One experiment on the node Ray placed it on (runs in that node's Ray worker process)."""

    def __init__(self) -> None:
        self._dir = Path(tempfile.mkdtemp(prefix="autotuner-experiment-"))
        self._log = self._dir / "experiment.log"
        self._log.touch()
        self._cancel = threading.Event()
        self._statuses: list[str] = []
        self._outcome: ExperimentOutcome | None = None
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._raylet = os.getppid()  # the node's raylet started this worker process
        threading.Thread(target=self._watch_node, name="node-watch", daemon=True).start()

    def _watch_node(self) -> None:
        """When this node's raylet dies (the node left the cluster, the coordinator runs the
        experiment elsewhere), the engine here is stopped and this process exits."""
        while os.getppid() == self._raylet:
            time.sleep(0.5)
        self._cancel.set()
        if self._thread is not None:
            self._thread.join(CANCEL_GRACE)
        self.close()
        os._exit(1)

    def start(
        self,
        task: dict[str, Any],
        combination: dict[str, Any],
        cwd: str | None,
        prune: Callable[[dict[str, Any]], str | None] | None = None,
    ) -> dict[str, str]:
        """Start the experiment in a thread; returns where it runs. ``prune``: the coordinator's
        early-stopping rule with the best scores known when it was sent (see tuning.pruning)."""
        gpu_ids = [str(int(i)) if float(i).is_integer() else str(i) for i in ray.get_gpu_ids()]
        placement = Placement("gpu", tuple(gpu_ids)) if gpu_ids else Placement("slot", ("ray",))
        context = ray.get_runtime_context()
        node = {"node_id": context.get_node_id(), "address": ray.util.get_node_ip_address()}

        def run() -> None:
            outcome = run_experiment(
                task,
                combination,
                log_path=self._log,
                cancel_event=self._cancel,
                on_status=self._status,
                cwd=cwd if cwd and Path(cwd).is_dir() else None,
                placement=placement,
                prune=prune,
            )
            with self._lock:
                self._outcome = outcome

        self._thread = threading.Thread(target=run, name="experiment", daemon=True)
        self._thread.start()
        return node

    def _status(self, status: str) -> None:
        with self._lock:
            self._statuses.append(status)

    def poll(self, offset: int) -> tuple[bytes, list[str], ExperimentOutcome | None]:
        """The log from byte ``offset``, the statuses since the last poll, and the outcome when it ended.

        The outcome is read before the log, so the log returned with it is complete."""
        with self._lock:
            statuses, self._statuses = self._statuses, []
            outcome = self._outcome
        with open(self._log, "rb") as handle:
            handle.seek(offset)
            data = handle.read(4 * 1024 * 1024)
        if outcome is not None and len(data) == 4 * 1024 * 1024:
            outcome = None  # more log to send first
        return data, statuses, outcome

    def cancel(self) -> None:
        self._cancel.set()

    def close(self) -> None:
        shutil.rmtree(self._dir, ignore_errors=True)


def _check_reachable(address: str) -> None:
    """A TCP look at ``host:port`` addresses, so that an unreachable cluster is a sentence, not a wait."""
    if address == "auto":
        return
    target = address.removeprefix("ray://")
    host, _, port = target.rpartition(":")
    if not host or not port.isdigit():
        raise ClusterUnavailable(
            f"The Ray address {address!r} is not auto, host:port or ray://host:port: write e.g. ray://head:10001."
        )
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=5).close()
    except OSError as exc:
        raise ClusterUnavailable(
            f"The Ray cluster at {address} does not answer ({exc.strerror or exc}): start it (ray start --head) "
            "or give its address with --ray-address."
        ) from None


def connect(address: str, timeout: float = CONNECT_TIMEOUT) -> None:
    """Join the Ray cluster at ``address`` as its driver, or raise :class:`ClusterUnavailable`."""
    if ray.is_initialized():
        return
    _check_reachable(address)
    errors: list[BaseException] = []

    def join() -> None:
        try:
            ray.init(
                address=address,
                namespace="autotuner",
                log_to_driver=False,
                logging_level=logging.WARNING,
                configure_logging=False,
            )
        except BaseException as exc:  # handed to the caller
            errors.append(exc)

    thread = threading.Thread(target=join, name="ray-connect", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise ClusterUnavailable(
            f"The Ray cluster at {address} did not accept this coordinator within {timeout:.0f} s: check that "
            "its head runs and that this machine's Ray version (2.60.0) matches the cluster's."
        )
    if errors:
        first = str(errors[0]).strip().splitlines()[0] if str(errors[0]).strip() else type(errors[0]).__name__
        raise ClusterUnavailable(
            f"Cannot join the Ray cluster at {address} ({first}): start it (ray start --head) or fix --ray-address."
        )


def _now() -> datetime:
    return datetime.now(UTC)


def _note(path: Path, line: str) -> None:
    with open(path, "a", encoding="utf-8") as log:
        log.write(f"# autotuner: {line}\n")


class RayExecutor:
    """Runs each experiment as an :class:`ExperimentActor` on the cluster (see the module)."""

    kind = "ray"

    def __init__(self, address: str = "auto", *, resource: str | None = None, retries: int = 1) -> None:
        self.address = address
        self.resource = resource
        self.retries = max(0, retries)
        connect(address)

    # --- the cluster ---------------------------------------------------------------------------

    def _unit(self) -> str:
        return self.resource or "GPU"

    def capacity(self) -> int:
        """Units of the reserved resource across the alive nodes (how many 1-GPU experiments fit at once)."""
        return int(ray.cluster_resources().get(self._unit(), 0))

    def largest_node(self) -> int:
        return max(
            (int(node["Resources"].get(self._unit(), 0)) for node in ray.nodes() if node.get("Alive")), default=0
        )

    def cluster(self) -> dict[str, Any]:
        """The nodes and their GPUs, busy and free (for GET /api/system)."""
        try:  # free resources per node: Ray's own state (no public call without the dashboard)
            per_node = ray._private.state.state.available_resources_per_node()
            free_by_node = {node_id: float(res.get("GPU", 0)) for node_id, res in per_node.items()}
        except Exception:
            free_by_node = {}
        nodes = []
        total = free = 0
        for node in ray.nodes():
            resources = {k: float(v) for k, v in node.get("Resources", {}).items() if not k.startswith("node:")}
            gpus = int(resources.get("GPU", 0))
            alive = bool(node.get("Alive"))
            gpus_free = int(free_by_node.get(node["NodeID"], gpus if alive else 0)) if alive else 0
            if alive:
                total += gpus
                free += gpus_free
            nodes.append(
                {
                    "node_id": node["NodeID"],
                    "name": str(node.get("NodeName") or node.get("NodeManagerAddress", "")),
                    "address": node.get("NodeManagerAddress", ""),
                    "alive": alive,
                    "gpus": gpus,
                    "gpus_free": gpus_free,
                    "resources": resources,
                }
            )
        return {"address": self.address, "nodes": nodes, "gpus_total": total, "gpus_free": free}

    def _node_name(self, node_id: str, default: str) -> str:
        """The node's name (``ray start --node-name``; by default its IP address)."""
        for node in ray.nodes():
            if node.get("NodeID") == node_id:
                return str(node.get("NodeName") or default)
        return default

    def parallel(self, task: dict[str, Any]) -> int:
        """How many experiments of ``task`` run at once: ``optimization.parallel``, else the cluster's capacity."""
        value = (task.get("optimization") or {}).get("parallel")
        if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
            return value
        return max(1, self.capacity())

    # --- one experiment --------------------------------------------------------------------------

    def _options(self, need: int) -> dict[str, Any]:
        if self.resource:
            return {"num_cpus": 0, "num_gpus": 0, "resources": {self.resource: need}}
        return {"num_cpus": 0, "num_gpus": need}

    def run(
        self,
        task: dict[str, Any],
        combination: dict[str, Any],
        *,
        begin: Callable[[], Path],
        cancel_event: threading.Event,
        on_status: Callable[[str], None],
        cwd: str | Path | None,
        prune: Callable[[dict[str, Any]], str | None] | None = None,
    ) -> ExperimentOutcome | None:
        need = gpus_needed(combination, task.get("base_runtime", "sglang"))
        largest = self.largest_node()
        if need > largest:
            failed_log = begin()
            message = (
                f"These parameters need {need} {self._unit()} on one node but the largest node of the Ray "
                f"cluster has {largest}: remove the larger parallel sizes from the parameter space or add a larger node."
            )
            _note(failed_log, message)
            return ExperimentOutcome("failed", None, None, message, [], _now(), _now())
        log_path: Path | None = None
        lost: list[str] = []
        for attempt in range(self.retries + 1):
            actor = ExperimentActor.options(**self._options(need)).remote()  # type: ignore[attr-defined]
            try:
                started = actor.start.remote(task, combination, str(cwd) if cwd is not None else os.getcwd(), prune)
                while True:  # waiting for resources: Ray queues the actor until they are free
                    ready, _ = ray.wait([started], timeout=POLL_INTERVAL)
                    if ready:
                        break
                    if cancel_event.is_set():
                        if log_path is None:
                            return None  # never started
                        _note(log_path, "cancelled while waiting for a node")
                        return ExperimentOutcome(
                            "cancelled", None, None, "The experiment was cancelled.", [], _now(), _now(), node=None
                        )
                node = ray.get(started)
                if log_path is None:
                    log_path = begin()
                name = self._node_name(node["node_id"], node["address"])
                where = f"{name} ({node['address']}, {node['node_id'][:12]})"
                _note(log_path, f"attempt {attempt + 1} on node {where}")
                outcome = self._follow(actor, log_path, cancel_event, on_status)
                outcome.node = name
                if lost:
                    outcome.timings = {**outcome.timings, "lost_attempts": float(len(lost))}
                return outcome
            except (RayActorError, GetTimeoutError) as exc:
                reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                lost.append(reason)
                if log_path is None:
                    log_path = begin()
                if cancel_event.is_set():
                    return ExperimentOutcome(
                        "cancelled", None, None, "The experiment was cancelled.", [], _now(), _now()
                    )
                more = attempt < self.retries
                _note(
                    log_path,
                    f"node lost during attempt {attempt + 1} ({reason[:200]})"
                    + ("; running it again on another node" if more else ""),
                )
            finally:
                try:
                    ray.kill(actor, no_restart=True)
                except Exception:  # already gone with its node
                    pass
        assert log_path is not None
        return ExperimentOutcome(
            "failed",
            None,
            None,
            f"{NODE_LOST}: the node running this experiment left the Ray cluster"
            + (f" on each of {len(lost)} attempts" if len(lost) > 1 else "")
            + "; its engine was stopped. Check the cluster's nodes (GET /api/system) and start the task again.",
            [],
            _now(),
            _now(),
        )

    def _follow(
        self, actor: Any, log_path: Path, cancel_event: threading.Event, on_status: Callable[[str], None]
    ) -> ExperimentOutcome:
        """Copy the remote log here and pass the statuses on until the outcome comes back."""
        offset = 0
        cancel_sent: float | None = None
        while True:
            answer: tuple[bytes, list[str], ExperimentOutcome | None] = ray.get(
                actor.poll.remote(offset), timeout=POLL_TIMEOUT
            )
            data, statuses, outcome = answer
            if data:
                with open(log_path, "ab") as log:
                    log.write(data)
                offset += len(data)
            for status in statuses:
                on_status(status)
            if outcome is not None:
                try:
                    ray.get(actor.close.remote(), timeout=10)
                except Exception:
                    pass
                return outcome
            if cancel_event.is_set():
                if cancel_sent is None:
                    actor.cancel.remote()
                    cancel_sent = time.monotonic()
                elif time.monotonic() - cancel_sent > CANCEL_GRACE:
                    ray.kill(actor, no_restart=True)  # its supervisor stops the engine
                    _note(log_path, "the node did not stop the engine in time: its actor was killed")
                    return ExperimentOutcome(
                        "cancelled", None, None, "The experiment was cancelled.", [], _now(), _now()
                    )
            time.sleep(POLL_INTERVAL)
