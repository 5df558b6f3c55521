"""One engine in a Docker container (deployment mode ``docker``), through the Docker Engine API.

The container runs the command :mod:`.commands` builds for the local path, with the program as the
image has it (``python3`` for SGLang and commands, ``vllm``, ``/app/llama-server`` as in
llama.cpp's official image), listening on the experiment's port:

* the port is published on 127.0.0.1 only (the engine binds 0.0.0.0 inside the container), or the
  container shares the host's network (``docker.host_network``; then it binds 127.0.0.1);
* GPUs by index through a device request, from the experiment's GPU assignment (the
  ``CUDA_VISIBLE_DEVICES`` :func:`~autotuner.tuning.engine.gpus.engine_environment` computes for
  the local path); SGLang and vLLM share the host's IPC namespace (their shared-memory needs),
  or get ``docker.shm_size``;
* the model mounted read-only: a local path at the same path, a Hugging Face id through the
  Hugging Face cache folder (``$HF_HOME``, else ``~/.cache/huggingface``) at ``/root/.cache/huggingface``;
* environment variables by NAME (``docker.env``), their values read from the service's own
  environment when the container starts (never stored);
* labels ``autotuner.engine``, ``autotuner.task``, ``autotuner.experiment`` (the log file) and
  ``autotuner.owner`` (the service process: boot id, pid, start time);
* its output streams into the experiment's log; it is stopped (SIGTERM, then SIGKILL after the
  grace period) and removed after the experiment, whatever happened.

Nothing outlives the service: the first container a service process starts also starts a small
watcher (:mod:`.container_watch`) holding a pipe from the service; when the pipe closes (the
service exited or was killed with SIGKILL) it removes every container the service owned. And
:func:`remove_leftover_containers`, called when the worker starts, removes labelled containers
whose owner process no longer runs.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from autotuner.runtimes.loading import catalog_release
from autotuner.tuning.engine.commands import build_command, model_of
from autotuner.tuning.engine.errors import LaunchError
from autotuner.tuning.engine.process import DEFAULT_GRACE_PERIOD, EngineProcess, _registry, _registry_lock
from autotuner.tuning.engine.recovery import boot_id, proc_stat

if TYPE_CHECKING:
    import docker
    from docker.models.containers import Container

LABEL = "autotuner.engine"
LABEL_TASK = "autotuner.task"
LABEL_EXPERIMENT = "autotuner.experiment"
LABEL_OWNER = "autotuner.owner"
HF_CACHE_IN_CONTAINER = "/root/.cache/huggingface"
# The engines' official images; the tag is runtime_image_tag(runtime).
OFFICIAL_IMAGES = {
    "sglang": "lmsysorg/sglang",
    "vllm": "vllm/vllm-openai",
    "llamacpp": "ghcr.io/ggml-org/llama.cpp",
}
# The program as the official images have it.
PROGRAMS_IN_IMAGE = {"python": "python3", "llamacpp": "/app/llama-server"}
IPC_HOST_RUNTIMES = ("sglang", "vllm")
API_TIMEOUT = 30.0


class DockerUnavailable(LaunchError):
    """The daemon cannot be reached, or the image is missing: the message says what to do."""


def runtime_image_tag(runtime: str, version: str | None = None) -> str | None:
    """The tag of the runtime's official image: ``v`` and the engine release whose catalog checks
    the task's flags (its ``runtime_version``, else the newest catalog: ``v0.5.23``), ``server`` for
    llama.cpp (its images are tagged by build), None for commands."""
    if runtime == "llamacpp":
        return "server"
    if runtime in ("sglang", "vllm"):
        release = catalog_release(runtime, version)
        return f"v{release.removeprefix('v')}" if release else None
    return None


def default_image(runtime: str, version: str | None = None) -> str | None:
    """``lmsysorg/sglang:v0.5.23``, ``vllm/vllm-openai:v0.33.0``, ``ghcr.io/ggml-org/llama.cpp:server``."""
    repository = OFFICIAL_IMAGES.get(runtime)
    tag = runtime_image_tag(runtime, version)
    return f"{repository}:{tag}" if repository and tag else None


def docker_options(task: dict[str, Any]) -> dict[str, Any]:
    options = task.get("docker")
    return dict(options) if isinstance(options, dict) else {}


def image_of(task: dict[str, Any]) -> str:
    image = docker_options(task).get("image") or default_image(
        task.get("base_runtime", "sglang"), task.get("runtime_version")
    )
    if not image:
        raise LaunchError(
            "A docker task with base_runtime 'command' needs docker.image, the image that holds its program: "
            "name one the Docker host has."
        )
    return str(image)


def daemon_url() -> str:
    return os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"


def connect(timeout: float = API_TIMEOUT) -> docker.DockerClient:
    """A client of the daemon ``DOCKER_HOST`` names (the default socket otherwise), or
    :class:`DockerUnavailable` with one sentence."""
    import docker as docker_sdk
    from docker.errors import DockerException

    try:
        client = docker_sdk.from_env(timeout=int(timeout))
        client.ping()
    except (DockerException, OSError) as exc:
        raise DockerUnavailable(
            f"Cannot reach the Docker daemon at {daemon_url()}: {_reason(exc)}. Start it (as root: "
            "`dockerd --storage-driver=vfs &`, or `systemctl start docker`) or point DOCKER_HOST at one."
        ) from exc
    return client


def _reason(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    # requests' connection errors nest the useful part ("No such file or directory") at the end.
    for marker in ("FileNotFoundError(", "ConnectionRefusedError(", "PermissionError("):
        if marker in text:
            inner = text.split(marker, 1)[1]
            return inner.split(")", 1)[0].split(", ", 1)[-1].strip("'\"") or text
    return text.splitlines()[0][:300]


def ensure_image(client: docker.DockerClient, image: str) -> None:
    """The image is on the host, or is pulled now; else :class:`DockerUnavailable` naming it."""
    from docker.errors import APIError, ImageNotFound

    try:
        client.images.get(image)
        return
    except ImageNotFound:
        pass
    except APIError as exc:
        raise DockerUnavailable(f"The Docker daemon could not look up the image '{image}': {_reason(exc)}.") from exc
    try:
        client.images.pull(image)
    except (APIError, OSError) as exc:
        raise DockerUnavailable(
            f"The image '{image}' is not on this Docker host and could not be pulled ({_api_message(exc)}): load "
            f"it with `docker load -i image.tar` (a `docker save` of it) or `docker import rootfs.tar {image}`, "
            "or name an image the host has in docker.image."
        ) from exc


def _api_message(exc: BaseException) -> str:
    explanation = getattr(exc, "explanation", None)
    text = str(explanation if explanation else exc).strip()
    return (text.splitlines()[0] if text else type(exc).__name__)[:300]


def check_docker(task: dict[str, Any]) -> str:
    """Before the first experiment: the daemon answers and the task's image is there (pulled when
    missing). Returns the image; raises :class:`DockerUnavailable` with one sentence."""
    image = image_of(task)
    client = connect()
    try:
        ensure_image(client, image)
    finally:
        client.close()
    return image


# --- who owns a container -----------------------------------------------------------------------


def owner_id(pid: int | None = None) -> str:
    """This service process: ``<boot id>/<pid>/<start time>`` (a pid alone can be reused)."""
    pid = os.getpid() if pid is None else pid
    stat = proc_stat(pid)
    return f"{boot_id()}/{pid}/{stat[1] if stat else 0}"


def owner_alive(owner: str) -> bool:
    try:
        boot, pid, start = owner.split("/")
        stat = proc_stat(int(pid))
    except ValueError:
        return False
    return boot == boot_id() and stat is not None and str(stat[1]) == start


def remove_containers(client: docker.DockerClient, filters: dict[str, Any], only_dead_owners: bool = False) -> int:
    """Remove (forcibly) the containers matching ``filters``; returns how many."""
    from docker.errors import APIError, NotFound

    removed = 0
    for container in client.containers.list(all=True, filters=filters):
        owner = (container.labels or {}).get(LABEL_OWNER, "")
        if only_dead_owners and owner and owner_alive(owner):
            continue
        try:
            container.remove(force=True)
            removed += 1
        except NotFound:
            pass
        except APIError:  # pragma: no cover - already being removed
            pass
    return removed


def remove_leftover_containers() -> int:
    """At start-up: remove the labelled containers of service processes that no longer run.
    Returns how many; 0 when no daemon answers (then there is nothing of ours to remove)."""
    try:
        client = connect(timeout=10)
    except DockerUnavailable:
        return 0
    try:
        return remove_containers(client, {"label": LABEL}, only_dead_owners=True)
    finally:
        client.close()


# --- the watcher that outlives a killed service -------------------------------------------------

# One watcher per daemon this process has started containers on (DOCKER_HOST can differ).
_watchers: dict[str, subprocess.Popen[bytes]] = {}
_watcher_lock = threading.Lock()


def ensure_watcher() -> None:
    """Start, once per service process and daemon, the watcher that removes this process's
    containers when it goes away (even by SIGKILL): it holds the read end of a pipe only this
    process writes to (children never inherit the write end: they are started with close_fds)."""
    url = daemon_url()
    with _watcher_lock:
        running = _watchers.get(url)
        if running is not None and running.poll() is None:
            return
        _watchers[url] = subprocess.Popen(
            [sys.executable, "-m", "autotuner.tuning.engine.container_watch", owner_id()],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # a Ctrl-C or a signal to our process group does not reach it
            env={**os.environ, "DOCKER_HOST": url},
        )


def watcher_pid() -> int | None:
    running = _watchers.get(daemon_url())
    return running.pid if running is not None else None


# --- the running container ----------------------------------------------------------------------


def container_command(task: dict[str, Any], combination: dict[str, Any], port: int) -> list[str]:
    """The engine's argument list inside the container (see the module docstring)."""
    host = "127.0.0.1" if docker_options(task).get("host_network") else "0.0.0.0"
    return build_command(task, combination, port, host=host, programs=PROGRAMS_IN_IMAGE)


def _model_mounts(task: dict[str, Any], cwd: str | os.PathLike[str] | None) -> dict[str, dict[str, str]]:
    model = model_of(task)
    if model:
        path = Path(model).expanduser()
        if not path.is_absolute() and cwd is not None:
            path = Path(cwd) / path
        if path.exists() and path.is_absolute():
            return {str(path): {"bind": str(path), "mode": "ro"}}
    cache = Path(os.environ.get("HF_HOME") or Path.home() / ".cache" / "huggingface")
    if cache.is_dir():
        return {str(cache): {"bind": HF_CACHE_IN_CONTAINER, "mode": "ro"}}
    return {}


def _environment(task: dict[str, Any]) -> dict[str, str]:
    env: dict[str, str] = {}
    for name in docker_options(task).get("env") or []:
        if name not in os.environ:
            raise LaunchError(
                f"The environment variable {name} (docker.env) is not set where the service runs: set it "
                "before starting the service, or remove it from the task's docker.env."
            )
        env[name] = os.environ[name]
    return env


class DockerEngine(EngineProcess):
    """The engine in a container; the same interface as :class:`EngineProcess` (readiness, exit
    code, output tail and exit message work the same way, the output being the container's)."""

    def __init__(
        self,
        task: dict[str, Any],
        combination: dict[str, Any],
        log_path: str | os.PathLike[str],
        *,
        port: int,
        gpu_indices: list[str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
        grace_period: float = DEFAULT_GRACE_PERIOD,
    ) -> None:
        super().__init__(
            container_command(task, combination, port), log_path, port=port, cwd=cwd, grace_period=grace_period
        )
        self.task = task
        self.image = image_of(task)
        self.gpu_indices = list(gpu_indices or [])
        self.container: Container | None = None
        self.client: docker.DockerClient | None = None
        self._exit_code: int | None = None
        self._exited = threading.Event()
        self._threads: list[threading.Thread] = []

    @property
    def pid(self) -> int | None:
        return None

    def _create_kwargs(self) -> dict[str, Any]:
        from docker.types import DeviceRequest

        options = docker_options(self.task)
        runtime = self.task.get("base_runtime", "sglang")
        kwargs: dict[str, Any] = {
            "entrypoint": self.command,  # replaces the image's entrypoint and its default command
            "labels": {
                LABEL: "1",
                LABEL_TASK: str(self.task.get("task_name") or ""),
                LABEL_EXPERIMENT: str(self.log_path),
                LABEL_OWNER: owner_id(),
            },
            "environment": _environment(self.task),
            "volumes": _model_mounts(self.task, self.cwd),
            "detach": True,
            "init": True,  # an init as PID 1 forwards SIGTERM and reaps the engine's children
            "stdin_open": False,
        }
        if options.get("host_network"):
            kwargs["network_mode"] = "host"
        else:
            kwargs["ports"] = {f"{self.port}/tcp": ("127.0.0.1", self.port)}
        if options.get("shm_size"):
            kwargs["shm_size"] = str(options["shm_size"])
        elif runtime in IPC_HOST_RUNTIMES:
            kwargs["ipc_mode"] = "host"
        if self.gpu_indices:
            kwargs["device_requests"] = [DeviceRequest(device_ids=list(self.gpu_indices), capabilities=[["gpu"]])]
        return kwargs

    def start(self) -> None:
        from docker.errors import APIError, ImageNotFound

        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            log.write(f"$ docker run {self.image} {' '.join(self.command)}\n".encode())
            self._log_start = log.tell()
        self.client = connect()
        ensure_image(self.client, self.image)
        ensure_watcher()
        with _registry_lock:
            _registry.add(self)
        try:
            self.container = self.client.containers.create(self.image, **self._create_kwargs())
            self.container.start()
        except ImageNotFound as exc:  # removed between the check and the create
            raise DockerUnavailable(
                f"The image '{self.image}' is not on this Docker host: load it with `docker load -i image.tar`."
            ) from exc
        except APIError as exc:
            message = _api_message(exc)
            if "could not select device driver" in message or "nvidia" in message.lower():
                raise LaunchError(
                    f"GPUs {','.join(self.gpu_indices)} were requested but this Docker host has no NVIDIA runtime "
                    f"({message}): install the NVIDIA Container Toolkit and restart the daemon, or run without GPUs."
                ) from exc
            raise LaunchError(f"Docker could not start the engine's container from '{self.image}': {message}.") from exc
        container = self.container
        self._threads = [
            threading.Thread(target=self._stream_logs, args=(container,), daemon=True, name="docker-logs"),
            threading.Thread(target=self._wait_exit, args=(container,), daemon=True, name="docker-wait"),
        ]
        for thread in self._threads:
            thread.start()

    def _stream_logs(self, container: Container) -> None:
        try:
            with open(self.log_path, "ab") as log:
                for chunk in container.logs(stream=True, follow=True):
                    log.write(chunk)
                    log.flush()
        except Exception:  # the container went away: the log simply ends
            return

    def _wait_exit(self, container: Container) -> None:
        try:
            result = container.wait()
            self._exit_code = int(result.get("StatusCode", -1))
        except Exception:
            self._exit_code = self._exit_code if self._exit_code is not None else -1
        self._exited.set()

    def returncode(self) -> int | None:
        if not self._threads:  # not started
            return None
        if self._exited.is_set():
            # Let the log stream catch up with the last lines the container wrote.
            self._threads[0].join(timeout=2.0)
            return self._exit_code
        return None

    def terminate(self, grace_period: float | None = None) -> int | None:
        """Stop the container (SIGTERM, SIGKILL after the grace period) and remove it. Safe to
        call more than once and from several threads. Returns the exit code."""
        from docker.errors import APIError, NotFound

        grace = self.grace_period if grace_period is None else grace_period
        with self._lock:
            container, self.container = self.container, None
            try:
                if container is not None:
                    try:
                        container.stop(timeout=max(0, round(grace)))
                    except (NotFound, APIError):
                        pass
                    self._exited.wait(timeout=grace + 5.0)
                    for thread in self._threads:
                        thread.join(timeout=5.0)
                    try:
                        container.remove(force=True)
                    except NotFound:
                        pass
                    except APIError:  # "removal already in progress"
                        pass
            finally:
                with _registry_lock:
                    _registry.discard(self)
                if self.client is not None:
                    self.client.close()
                    self.client = None
            return self._exit_code


def daemon_state(timeout: float = 3.0) -> dict[str, Any]:
    """What ``/api/system`` shows of the Docker daemon: whether it answers, its version, whether it
    has the NVIDIA runtime, and the sentence saying what is wrong when it does not answer."""
    state: dict[str, Any] = {
        "url": daemon_url(),
        "reachable": False,
        "version": None,
        "nvidia_runtime": False,
        "default_images": {runtime: default_image(runtime) for runtime in OFFICIAL_IMAGES},
    }
    try:
        client = connect(timeout=timeout)
    except DockerUnavailable as exc:
        return {**state, "error": exc.message}
    try:
        info = client.info()
        runtimes = info.get("Runtimes") or {}
        return {
            **state,
            "reachable": True,
            "version": info.get("ServerVersion"),
            "nvidia_runtime": "nvidia" in runtimes,
            "containers_running": sum(1 for _ in client.api.containers(filters={"label": LABEL})),
            "error": None,
        }
    except Exception as exc:
        return {**state, "error": f"The Docker daemon at {daemon_url()} answered but failed: {_reason(exc)}."}
    finally:
        client.close()
