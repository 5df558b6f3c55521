"""The GPUs of this machine, the pool experiments reserve them from, and the environment an
engine process gets.

The pool (:class:`DevicePool`, one per service: :func:`service_pool`) holds either

* GPUs: the indices in ``AUTOTUNER_GPUS`` (e.g. ``0,1,2,3``), else those ``nvidia-smi -L`` lists;
* or, on a machine without GPUs, ``AUTOTUNER_SLOTS`` declared slots (for CPU engines and tests);
* or else one slot, so experiments run one at a time (that slot stands for the machine, not for
  a GPU: every experiment takes it whatever its parallel sizes).

An experiment reserves as many devices as its parameters need (tp x pp x dp, see
:func:`autotuner.tuning.scoring.gpus_needed`) and gets a :class:`Placement`: the one place every
launcher reads its devices from - a local process gets ``CUDA_VISIBLE_DEVICES``
(:meth:`Placement.environment`), a container the same indices as a device request
(:attr:`Placement.gpu_ids`). Tasks share the pool fairly: of the waiting requests, the one whose
task holds the fewest devices is served first (ties: the oldest), and nobody jumps ahead of it.
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from autotuner.core.errors import ValidationFailed
from autotuner.tuning.engine.errors import LaunchError
from autotuner.tuning.scoring import gpus_needed

_gpu_count: int | None = None
_gpu_lock = threading.Lock()

DeviceKind = Literal["gpu", "slot"]


def detected_gpu_count() -> int:
    """Number of GPUs ``nvidia-smi -L`` lists; 0 when it is missing or fails. Cached."""
    global _gpu_count
    with _gpu_lock:
        if _gpu_count is None:
            _gpu_count = 0
            if shutil.which("nvidia-smi"):
                try:
                    out = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True, timeout=10)
                    if out.returncode == 0:
                        _gpu_count = sum(1 for line in out.stdout.splitlines() if line.startswith("GPU "))
                except (OSError, subprocess.SubprocessError):
                    _gpu_count = 0
        return _gpu_count


@dataclass(frozen=True)
class GpuInventory:
    """The GPUs ``nvidia-smi`` reports: the first one's model and memory, and how many."""

    model: str
    memory_gb: float
    count: int


_inventory: list[GpuInventory | None] = []


def parse_gpu_query(text: str) -> GpuInventory | None:
    """``nvidia-smi --query-gpu=name,memory.total --format=csv,noheader,nounits`` output (MiB)."""
    rows = [line.rsplit(",", 1) for line in text.splitlines() if line.count(",") >= 1]
    try:
        parsed = [(name.strip(), float(memory.strip())) for name, memory in rows]
    except ValueError:
        return None
    if not parsed:
        return None
    name, mib = parsed[0]
    return GpuInventory(model=name, memory_gb=round(mib * 1024 * 1024 / 1e9, 1), count=len(parsed))


def detected_gpus() -> GpuInventory | None:
    """This machine's GPUs as nvidia-smi reports them; None without nvidia-smi or GPUs. Cached."""
    with _gpu_lock:
        if not _inventory:
            found = None
            if shutil.which("nvidia-smi"):
                try:
                    out = subprocess.run(
                        ["nvidia-smi", "--query-gpu=name,memory.total", "--format=csv,noheader,nounits"],
                        capture_output=True,
                        text=True,
                        timeout=10,
                    )
                    if out.returncode == 0:
                        found = parse_gpu_query(out.stdout)
                except (OSError, subprocess.SubprocessError):
                    found = None
            _inventory.append(found)
        return _inventory[0]


@dataclass(frozen=True)
class Placement:
    """The devices one experiment holds."""

    kind: DeviceKind
    devices: tuple[str, ...]

    @property
    def gpu_ids(self) -> list[str]:
        """GPU indices for a container's device request (none for slots)."""
        return list(self.devices) if self.kind == "gpu" else []

    def environment(self) -> dict[str, str]:
        """What a local engine process adds to its environment."""
        return {"CUDA_VISIBLE_DEVICES": ",".join(self.devices)} if self.kind == "gpu" else {}


@dataclass
class _Request:
    group: Any
    count: int
    order: int


@dataclass
class DeviceState:
    """One device of the pool and who holds it (``holder`` is the label given to ``acquire``)."""

    id: str
    kind: DeviceKind
    holder: dict[str, Any] | None = field(default=None)


class DevicePool:
    """Devices that experiments reserve, shared fairly between groups (tasks)."""

    def __init__(self, devices: list[str], kind: DeviceKind, source: str, *, per_gpu: bool = True) -> None:
        if not devices:
            raise ValueError("a pool needs at least one device")
        self.devices = list(devices)
        self.kind: DeviceKind = kind
        self.source = source
        # True: an experiment takes one device per GPU it needs; False: one device whatever it needs.
        self.per_gpu = per_gpu
        self._holders: dict[str, tuple[Any, dict[str, Any]]] = {}
        self._waiting: list[_Request] = []
        self._order = itertools.count()
        self._cond = threading.Condition()

    @property
    def size(self) -> int:
        return len(self.devices)

    def _held_by(self, group: Any) -> int:
        return sum(1 for g, _ in self._holders.values() if g == group)

    def _first_in_line(self) -> _Request | None:
        if not self._waiting:
            return None
        return min(self._waiting, key=lambda r: (self._held_by(r.group), r.order))

    def demand(self, gpus: int) -> int:
        """Devices an experiment needing ``gpus`` GPUs takes from this pool."""
        return gpus if self.per_gpu else 1

    def check_fits(self, count: int) -> None:
        """Raise a :class:`LaunchError` when no placement of ``count`` devices can ever exist."""
        if count > self.size:
            noun = "GPUs" if self.kind == "gpu" else "slots"
            raise LaunchError(
                f"These parameters need {count} GPUs but the pool holds only {self.size} {noun}: "
                "remove the larger parallel sizes from the parameter space"
                + (", or declare more slots with AUTOTUNER_SLOTS." if self.kind == "slot" else ".")
            )

    def acquire(
        self,
        count: int,
        *,
        group: Any,
        label: Mapping[str, Any] | None = None,
        cancel_event: threading.Event | None = None,
    ) -> Placement | None:
        """Wait for ``count`` free devices and reserve them; None when ``cancel_event`` is set first."""
        self.check_fits(count)
        request = _Request(group, count, next(self._order))
        with self._cond:
            self._waiting.append(request)
            try:
                while True:
                    if cancel_event is not None and cancel_event.is_set():
                        return None
                    free = [d for d in self.devices if d not in self._holders]
                    if self._first_in_line() is request and len(free) >= count:
                        taken = free[:count]
                        for device in taken:
                            self._holders[device] = (group, dict(label or {}))
                        return Placement(self.kind, tuple(taken))
                    self._cond.wait(0.2)
            finally:
                self._waiting.remove(request)
                self._cond.notify_all()

    def release(self, placement: Placement | None) -> None:
        if placement is None:
            return
        with self._cond:
            for device in placement.devices:
                self._holders.pop(device, None)
            self._cond.notify_all()

    def wake(self) -> None:
        """Let waiters look at their cancel events now."""
        with self._cond:
            self._cond.notify_all()

    def in_use(self) -> int:
        with self._cond:
            return len(self._holders)

    def snapshot(self) -> list[DeviceState]:
        with self._cond:
            return [
                DeviceState(d, self.kind, dict(self._holders[d][1]) if d in self._holders else None)
                for d in self.devices
            ]


def pool_from_environment(environ: Mapping[str, str] | None = None) -> DevicePool:
    """The pool this machine offers: ``AUTOTUNER_GPUS``, else nvidia-smi's GPUs, else
    ``AUTOTUNER_SLOTS`` slots, else one slot. A malformed setting is refused with a sentence."""
    env = os.environ if environ is None else environ
    gpus = (env.get("AUTOTUNER_GPUS") or "").strip()
    if gpus:
        ids = [part.strip() for part in gpus.split(",") if part.strip()]
        if not ids or not all(part.isdigit() for part in ids) or len(set(ids)) != len(ids):
            raise ValidationFailed(
                f"AUTOTUNER_GPUS={gpus!r} is not a list of distinct GPU indices: write it like 0,1,2,3."
            )
        return DevicePool(ids, "gpu", "AUTOTUNER_GPUS")
    count = detected_gpu_count()
    if count:
        return DevicePool([str(i) for i in range(count)], "gpu", "nvidia-smi")
    slots = (env.get("AUTOTUNER_SLOTS") or "").strip()
    if slots:
        if not slots.isdigit() or not 1 <= int(slots) <= 1024:
            raise ValidationFailed(f"AUTOTUNER_SLOTS={slots!r} is not a number of slots from 1 to 1024: write e.g. 4.")
        return DevicePool([f"slot-{i}" for i in range(int(slots))], "slot", "AUTOTUNER_SLOTS")
    return DevicePool(["slot-0"], "slot", "default", per_gpu=False)


_service_pool: DevicePool | None = None
_service_pool_lock = threading.Lock()


def service_pool() -> DevicePool:
    """The pool of this process, made from the environment on first use."""
    global _service_pool
    with _service_pool_lock:
        if _service_pool is None:
            _service_pool = pool_from_environment()
        return _service_pool


def set_service_pool(pool: DevicePool | None) -> None:
    """Replace the process's pool (the worker is given one; None: read the environment again)."""
    global _service_pool
    with _service_pool_lock:
        _service_pool = pool


def engine_environment(
    combination: dict[str, Any],
    runtime: str,
    gpu_count: int | None = None,
    placement: Placement | None = None,
) -> dict[str, str]:
    """The child's environment: ours, plus CUDA_VISIBLE_DEVICES for the GPUs it holds (its
    ``placement``, or without one the first GPUs of this machine)."""
    env = dict(os.environ)
    if placement is not None:
        env.update(placement.environment())
        return env
    count = detected_gpu_count() if gpu_count is None else gpu_count
    if count > 0:
        need = gpus_needed(combination, runtime)
        if need > count:
            raise LaunchError(
                f"These parameters need {need} GPUs but only {count} are present: "
                "remove the larger parallel sizes from the parameter space."
            )
        env["CUDA_VISIBLE_DEVICES"] = ",".join(str(i) for i in range(need))
    return env
