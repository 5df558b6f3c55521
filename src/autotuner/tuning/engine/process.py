"""One running inference engine (deployment mode ``local``).

The engine runs under a small supervisor process (:mod:`.supervisor`) started from an argument
list, never through a shell, in its own process group, with stdout and stderr going to the
experiment's log file. It is ready when ``GET /health`` or ``GET /v1/models`` answers 200.

Its command line comes from :mod:`.commands`.

Teardown always happens: SIGTERM to the whole process group, SIGKILL after a grace period
(default 10 s), then the supervisor is reaped. Every live engine is in a module registry so that
:func:`terminate_all` can stop them when the service shuts down.

When the service itself dies without a teardown (SIGKILL, a crash, power cut of the container):

* the supervisor holds a pipe from the service; the kernel closes it when the service dies, and
  the supervisor then stops the engine's whole process tree (SIGTERM, SIGKILL after its grace
  period), children that left the group included (it is their child subreaper). This does not
  depend on the service ever starting again;
* and while an engine runs, ``<experiment log>.pid`` records its process group (with the boot id
  and the leader's start time). The worker calls :func:`stop_stale_engines` when it starts, which
  stops every group still alive from such a record (the case of a supervisor killed too).
"""

from __future__ import annotations

import collections
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from autotuner.tuning.engine.commands import HOST
from autotuner.tuning.engine.errors import LaunchCancelled, LaunchError
from autotuner.tuning.engine.recovery import (
    PID_SUFFIX,
    group_alive,
    proc_stat,
    remove_record,
    signal_group,
    stop_stale_engine,
    write_record,
)

SUPERVISOR = str(Path(__file__).with_name("supervisor.py"))
# How long the supervisor gives the engine between SIGTERM and SIGKILL once the service is gone.
ORPHAN_GRACE_PERIOD = 3.0
DEFAULT_GRACE_PERIOD = 10.0
TAIL_LINES = 20
READY_PATHS = ("/health", "/v1/models")


_recent_ports: collections.deque[int] = collections.deque(maxlen=256)
_ports_lock = threading.Lock()


def free_port(host: str = HOST) -> int:
    """A TCP port nobody listens on right now (the OS picks it), and not one handed out lately:
    experiments starting at the same time never get the same port."""
    with _ports_lock:
        while True:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
                sock.bind((host, 0))
                port: int = sock.getsockname()[1]
            if port not in _recent_ports:
                _recent_ports.append(port)
                return port


# --- the running engine -------------------------------------------------------------------------

_registry: set[EngineProcess] = set()
_registry_lock = threading.Lock()


def running_engines() -> list[EngineProcess]:
    with _registry_lock:
        return list(_registry)


def terminate_all(grace_period: float | None = None) -> int:
    """Stop every engine this process started and that still runs (service shutdown).

    Returns how many were stopped."""
    engines = running_engines()
    threads = [threading.Thread(target=e.terminate, kwargs={"grace_period": grace_period}) for e in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(engines)


class EngineProcess:
    """One engine process. Use as a context manager: teardown always runs on exit.

    >>> with EngineProcess(command, log_path) as engine:   # doctest: +SKIP
    ...     engine.wait_ready(timeout=600, cancel_event=event)
    ...     ...  # benchmark engine.base_url
    """

    def __init__(
        self,
        command: list[str],
        log_path: str | os.PathLike[str],
        *,
        port: int,
        host: str = HOST,
        env: dict[str, str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
        grace_period: float = DEFAULT_GRACE_PERIOD,
    ) -> None:
        self.command = list(command)
        self.log_path = Path(log_path)
        self.port = port
        self.host = host
        self.env = env
        self.cwd = cwd
        self.grace_period = grace_period
        self.process: subprocess.Popen[bytes] | None = None  # the supervisor
        self.engine_pid: int | None = None
        self._log_start = 0
        self._lock = threading.Lock()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        """The engine's own process id (its supervisor's until the engine runs)."""
        if self.engine_pid is not None:
            return self.engine_pid
        return self.process.pid if self.process else None

    def __enter__(self) -> EngineProcess:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.terminate()

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        status_read, status_write = os.pipe()
        with open(self.log_path, "ab") as log:
            log.write(f"$ {' '.join(self.command)}\n".encode())
            log.flush()
            self._log_start = log.tell()
            try:
                self.process = subprocess.Popen(
                    [sys.executable, SUPERVISOR],
                    stdin=subprocess.PIPE,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env=self.env,
                    cwd=self.cwd,
                    start_new_session=True,
                    pass_fds=(status_write,),
                )
            except OSError as exc:
                os.close(status_read)
                raise LaunchError(
                    f"Could not start the engine's supervisor: {exc.strerror or exc}; check the service's Python."
                ) from exc
            finally:
                os.close(status_write)
        with _registry_lock:
            _registry.add(self)
        write_record(self.pid_path, self.process.pid)
        assert self.process.stdin is not None
        request = {
            "command": self.command,
            "grace": self.grace_period,
            "orphan_grace": ORPHAN_GRACE_PERIOD,
            "status_fd": status_write,
        }
        with os.fdopen(status_read, "r") as status:
            try:
                self.process.stdin.write((json.dumps(request) + "\n").encode())
                self.process.stdin.flush()  # the pipe stays open: its end tells the supervisor we are gone
            except OSError:
                pass
            answer = status.readline().strip()
        if answer.startswith("ok "):
            self.engine_pid = int(answer[3:])
            return
        self.terminate(grace_period=0)
        reason = answer[6:] if answer.startswith("error ") else "its supervisor exited first"
        raise LaunchError(
            f"Could not start the engine ({self.command[0]}): {reason}; "
            "check that the engine is installed and the command is right."
        )

    @property
    def pid_path(self) -> Path:
        """Where the running engine's process group is recorded (see :func:`stop_stale_engines`)."""
        return self.log_path.with_name(self.log_path.name + PID_SUFFIX)

    def returncode(self) -> int | None:
        """The exit code once the engine has exited, else None (the supervisor exits with the
        engine's code a moment after it; when the engine is already gone, wait for that)."""
        if self.process is None:
            return None
        code = self.process.poll()
        if code is None and self.engine_pid is not None and proc_stat(self.engine_pid) is None:
            try:
                code = self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                code = None
        return code

    def output_tail(self, lines: int = TAIL_LINES) -> str:
        """The last ``lines`` lines the engine wrote."""
        try:
            with open(self.log_path, "rb") as log:
                log.seek(self._log_start)
                data = log.read()
        except OSError:
            return ""
        text = data.decode("utf-8", "replace")
        return "\n".join(collections.deque(text.splitlines(), maxlen=lines))

    def exit_message(self, when: str) -> str:
        """Why the engine stopped, cause first: "The engine exited with code 1 before it became
        ready: ModuleNotFoundError: No module named 'sglang'. Last lines of its output: ..."."""
        code = self.returncode()
        tail = self.output_tail()
        how = f"with code {code}" if code is None or code >= 0 else f"on signal {-code}"
        cause = last_meaningful_line(tail)
        message = f"The engine exited {how} {when}" + (f": {cause}" if cause else "") + "."
        if tail:
            message += f" Last lines of its output:\n{tail}"
        else:
            message += " It wrote no output."
        return message

    def wait_ready(self, timeout: float, cancel_event: threading.Event | None = None) -> float:
        """Block until the engine answers 200 on /health or /v1/models; return the seconds it took.

        Raises :class:`LaunchError` when it exits first (with its last output lines) or is not
        ready within ``timeout`` seconds, and :class:`LaunchCancelled` when ``cancel_event`` is
        set. The caller tears the engine down (the context manager does)."""
        started = time.monotonic()
        deadline = started + timeout
        interval = 0.02
        with httpx.Client(timeout=httpx.Timeout(2.0, connect=1.0), trust_env=False) as client:
            while True:
                if cancel_event is not None and cancel_event.is_set():
                    raise LaunchCancelled("The experiment was cancelled while the engine was starting.")
                if self.returncode() is not None:
                    raise LaunchError(self.exit_message("before it became ready"))
                for path in READY_PATHS:
                    try:
                        if client.get(self.base_url + path).status_code == 200:
                            return time.monotonic() - started
                    except httpx.HTTPError:
                        pass
                now = time.monotonic()
                if now >= deadline:
                    raise LaunchError(
                        f"The engine was not ready within {timeout:g} s (no 200 from /health or /v1/models) "
                        "and was stopped: raise timeout_per_iteration if it needs longer to load."
                        + (f" Last lines of its output:\n{self.output_tail()}" if self.output_tail() else "")
                    )
                wait = min(interval, deadline - now)
                if cancel_event is not None:
                    cancel_event.wait(wait)
                else:
                    time.sleep(wait)
                interval = min(interval * 1.5, 0.5)

    def terminate(self, grace_period: float | None = None) -> int | None:
        """SIGTERM the process group, SIGKILL it after the grace period, reap the leader.

        Safe to call more than once and from several threads. Returns the exit code."""
        grace = self.grace_period if grace_period is None else grace_period
        with self._lock:
            proc = self.process
            if proc is None:
                return None
            pgid = proc.pid  # start_new_session: the supervisor's pid is the group id
            if proc.poll() is None or group_alive(pgid):
                signal_group(pgid, signal.SIGTERM)
                # The supervisor SIGKILLs its tree after the grace period it was started with;
                # the group-wide SIGKILL below is the fallback (a moment later, or at once when
                # a shorter grace is asked for).
                deadline = time.monotonic() + (grace + 1.0 if grace >= self.grace_period else grace)
                while time.monotonic() < deadline:
                    proc.poll()
                    if proc.returncode is not None and not group_alive(pgid):
                        break
                    time.sleep(0.02)
                else:
                    signal_group(pgid, signal.SIGKILL)
                # Stragglers the leader left behind get no more grace.
                if group_alive(pgid):
                    signal_group(pgid, signal.SIGKILL)
            try:
                proc.wait(timeout=max(grace, 5.0))
            except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL cannot be ignored
                pass
            if proc.stdin is not None:
                try:
                    proc.stdin.close()
                except OSError:
                    pass
            with _registry_lock:
                _registry.discard(self)
            if not group_alive(pgid):
                remove_record(self.pid_path)
            return proc.returncode


def stop_stale_engines(folder: str | os.PathLike[str], grace_period: float = 5.0) -> int:
    """Stop the engines recorded by ``*.log.pid`` files under ``folder`` (see
    :func:`~autotuner.tuning.engine.recovery.stop_stale_engine`); for a worker starting after a crash. Returns how many it stopped.
    Only for engines no live process of ours manages: one worker per data folder."""
    folder = Path(folder)
    if not folder.is_dir():
        return 0
    running = {engine.pid_path for engine in running_engines()}
    stopped = 0
    for path in folder.rglob("*.log" + PID_SUFFIX):
        if path not in running and stop_stale_engine(path, grace_period):
            stopped += 1
    return stopped


_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt)\b.*")
_NOISE = ("Traceback (most recent call last)", "During handling of the above exception", "^", "~")


def last_meaningful_line(text: str) -> str | None:
    """The line of an engine's output that says why it stopped: the last exception line
    (``ValueError: ...``) when there is one, else the last line that is not traceback noise."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in reversed(lines):
        if _EXCEPTION_LINE.match(line):
            return line[:500]
    for line in reversed(lines):
        if not line.startswith(_NOISE) and not line.startswith('File "'):
            return line[:500]
    return None
