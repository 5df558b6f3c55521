"""One running inference engine (deployment mode ``local``).

The engine runs as a child process in its own process group (``start_new_session=True``),
started from an argument list, never through a shell, with stdout and stderr going to the
experiment's log file. It is ready when ``GET /health`` or ``GET /v1/models`` answers 200.

Its command line comes from :mod:`.commands`.

Teardown always happens: SIGTERM to the whole process group, SIGKILL after a grace period
(default 10 s), then the leader is reaped. Every live engine is in a module registry so that
:func:`terminate_all` can stop them when the service shuts down.

When the service itself dies without a teardown (SIGKILL, a crash, power cut of the container):

* on Linux the engine is started with ``PR_SET_PDEATHSIG`` = SIGTERM, so the kernel sends it
  SIGTERM when its parent goes. Caveat: the signal follows the *thread* that started the engine,
  not the process; the worker and ``autotuner tune`` start engines from a thread that outlives
  them (they tear the engine down before the thread ends), so this holds. It reaches only the
  leader: grandchildren (SGLang's scheduler processes) rely on the leader's own SIGTERM handling;
* and while an engine runs, ``<experiment log>.pid`` records its process group (with the boot id
  and the leader's start time). The worker calls :func:`stop_stale_engines` when it starts, which
  stops every group still alive from such a record, so nothing outlives a crashed service beyond
  its next start.
"""

from __future__ import annotations

import collections
import ctypes
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from autotuner.tuning.engine.commands import HOST
from autotuner.tuning.engine.errors import LaunchCancelled, LaunchError
from autotuner.tuning.engine.recovery import (
    PID_SUFFIX,
    group_alive,
    remove_record,
    signal_group,
    stop_stale_engine,
    write_record,
)

if TYPE_CHECKING:
    from _ctypes import CFuncPtr

DEFAULT_GRACE_PERIOD = 10.0
TAIL_LINES = 20
READY_PATHS = ("/health", "/v1/models")
_PR_SET_PDEATHSIG = 1

_prctl: CFuncPtr | None  # a foreign function
try:  # Linux: resolved once, here, so the child only makes the call between fork and exec
    _prctl = ctypes.CDLL(None, use_errno=True).prctl
    _prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    _prctl.restype = ctypes.c_int
except (OSError, AttributeError):  # pragma: no cover - not Linux
    _prctl = None


def _die_with_parent(parent_pid: int) -> Callable[[], None] | None:
    """A ``preexec_fn`` asking the kernel to SIGTERM the child when its parent dies (Linux only).

    It runs in the child after fork and only calls prctl (no imports, no locks), which is why it
    is safe in a threaded service."""
    if _prctl is None or not sys.platform.startswith("linux"):
        return None

    def preexec() -> None:
        _prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent_pid:  # the parent died before prctl: act as if signalled
            os.kill(os.getpid(), signal.SIGTERM)

    return preexec


def free_port(host: str = HOST) -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
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
        self.process: subprocess.Popen[bytes] | None = None
        self._log_start = 0
        self._lock = threading.Lock()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def __enter__(self) -> EngineProcess:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.terminate()

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            log.write(f"$ {' '.join(self.command)}\n".encode())
            log.flush()
            self._log_start = log.tell()
            try:
                self.process = subprocess.Popen(
                    self.command,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env=self.env,
                    cwd=self.cwd,
                    start_new_session=True,
                    preexec_fn=_die_with_parent(os.getpid()),
                )
            except OSError as exc:
                raise LaunchError(
                    f"Could not start the engine ({self.command[0]}): {exc.strerror or exc}; "
                    "check that the engine is installed and the command is right."
                ) from exc
        with _registry_lock:
            _registry.add(self)
        write_record(self.pid_path, self.process.pid)

    @property
    def pid_path(self) -> Path:
        """Where the running engine's process group is recorded (see :func:`stop_stale_engines`)."""
        return self.log_path.with_name(self.log_path.name + PID_SUFFIX)

    def returncode(self) -> int | None:
        """The exit code once the engine has exited, else None."""
        return self.process.poll() if self.process else None

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
            pgid = proc.pid  # start_new_session: the leader's pid is the group id
            if proc.poll() is None or group_alive(pgid):
                signal_group(pgid, signal.SIGTERM)
                deadline = time.monotonic() + grace
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
