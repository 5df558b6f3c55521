"""Getting llama.cpp's ``llama-server`` on a machine that reaches only PyPI.

Where the program comes from, first found first (:func:`find_llama_server`):

1. ``AUTOTUNER_LLAMA_SERVER``, the path of a ``llama-server`` the operator chose;
2. ``llama-server`` on ``PATH``;
3. the one :func:`install_llama_server` built, cached per version in
   ``~/.cache/autotuner/llama.cpp/<version>/llama-server`` (``$XDG_CACHE_HOME`` when set).

The build (``autotuner engines install llamacpp``, ``scripts/llama_server.sh``): ``pip download``
fetches the source distribution of ``llama-cpp-python`` (pinned: :data:`LLAMA_CPP_PYTHON_VERSION`,
77 MB), which vendors the llama.cpp sources; its ``vendor/llama.cpp`` is unpacked and built with
cmake as a static Release binary for this CPU (``-march=native``), without curl, OpenSSL, tests,
examples or the web UI's download. It takes about 17 CPU-minutes (20-30 minutes of wall time on a
busy 2-core machine). Each step resumes: an interrupted build continues where it stopped. One
build per version at a time (a file lock); the work folder is removed once the binary is cached.

The programs are always started from argument lists, never through a shell.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from autotuner.core.errors import AutotunerError

LLAMA_CPP_PYTHON_VERSION = "0.3.36"
LLAMA_SERVER = "llama-server"
ENV_VAR = "AUTOTUNER_LLAMA_SERVER"
SDIST = "llama-cpp-python"
CMAKE_OPTIONS = (
    "-DCMAKE_BUILD_TYPE=Release",
    "-DBUILD_SHARED_LIBS=OFF",  # one self-contained program that can be copied into the cache
    "-DGGML_NATIVE=ON",
    "-DLLAMA_CURL=OFF",
    "-DLLAMA_OPENSSL=OFF",
    "-DLLAMA_BUILD_TESTS=OFF",
    "-DLLAMA_BUILD_EXAMPLES=OFF",
    "-DLLAMA_BUILD_UI=OFF",
    "-DLLAMA_USE_PREBUILT_UI=OFF",  # the default would download the web UI at build time
)

# report(message, fraction): a step's sentence, and for the compile step how far it is (0..1).
Reporter = Callable[[str, float | None], None]

_PERCENT = re.compile(r"^\[\s*(\d+)%\]\s*(.*)")


class InstallError(AutotunerError):
    """llama-server could not be built; the message says what failed and what to do."""


@dataclass(frozen=True)
class LlamaServerFound:
    path: Path
    source: str  # "AUTOTUNER_LLAMA_SERVER", "PATH" or "cache"

    @property
    def usable(self) -> bool:
        return self.path.is_file() and os.access(self.path, os.X_OK)


def cache_dir() -> Path:
    """``~/.cache/autotuner/llama.cpp`` (``$XDG_CACHE_HOME/autotuner/llama.cpp`` when set)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "autotuner" / "llama.cpp"


def cached_binary(version: str = LLAMA_CPP_PYTHON_VERSION) -> Path:
    return cache_dir() / version / LLAMA_SERVER


def find_llama_server() -> LlamaServerFound | None:
    """The llama-server to run: ``AUTOTUNER_LLAMA_SERVER``, else ``PATH``, else the cache. The
    variable is returned even when it names nothing usable, so that the check can say so."""
    chosen = os.environ.get(ENV_VAR, "").strip()
    if chosen:
        return LlamaServerFound(Path(chosen).expanduser(), ENV_VAR)
    on_path = shutil.which(LLAMA_SERVER)
    if on_path:
        return LlamaServerFound(Path(on_path), "PATH")
    cached = cached_binary()
    if cached.is_file() and os.access(cached, os.X_OK):
        return LlamaServerFound(cached, "cache")
    return None


def server_version(path: Path, timeout: float = 60.0) -> str | None:
    """What ``llama-server --version`` says (``version: 1 (0c1e570)``), or None when it fails."""
    try:
        done = subprocess.run(
            [str(path), "--version"], capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL
        )
    except (OSError, subprocess.SubprocessError):
        return None
    for line in (done.stdout + "\n" + done.stderr).splitlines():
        if line.startswith("version:"):
            return line.removeprefix("version:").strip()
    return None


def server_help(path: Path, timeout: float = 60.0) -> str:
    """The text of ``llama-server --help``."""
    done = subprocess.run(
        [str(path), "--help"], capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL
    )
    return done.stdout + done.stderr


# --- the build ----------------------------------------------------------------------------------


@contextlib.contextmanager
def _locked(folder: Path, report: Reporter) -> Iterator[None]:
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            report("Another build of this version is running: waiting for it to finish", None)
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _need(program: str, what: str) -> str:
    found = shutil.which(program)
    if found is None:
        raise InstallError(
            f"{program} is not installed, and building llama-server needs {what}: install it "
            "(on Debian or Ubuntu: apt-get install -y cmake g++) and run the install again."
        )
    return found


def _tail(lines: deque[str]) -> str:
    return "\n".join(lines)


def _run(command: list[str], what: str, cwd: Path | None = None) -> None:
    done = subprocess.run(command, capture_output=True, text=True, cwd=cwd, stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        output = deque((done.stdout + done.stderr).splitlines(), maxlen=25)
        raise InstallError(f"{what} failed (exit code {done.returncode}). Last lines of its output:\n{_tail(output)}")


def _download(version: str, work: Path, report: Reporter) -> Path:
    existing = sorted(work.glob("llama_cpp_python-*.tar.gz"))
    if existing:
        return existing[0]
    report(f"Downloading the source distribution of {SDIST} {version} from PyPI (77 MB)", None)
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "--no-binary",
            ":all:",
            f"{SDIST}=={version}",
            "-d",
            str(work),
        ],
        f"pip download {SDIST}=={version}",
    )
    existing = sorted(work.glob("llama_cpp_python-*.tar.gz"))
    if not existing:
        raise InstallError(
            f"pip downloaded no source distribution of {SDIST} {version} into {work}: check that PyPI can be reached."
        )
    return existing[0]


def _unpack(archive: Path, work: Path, report: Reporter) -> Path:
    marker = work / ".unpacked"
    root = work / "src"
    if marker.is_file():
        return Path(marker.read_text().strip())
    report("Unpacking the vendored llama.cpp sources", None)
    if root.exists():
        shutil.rmtree(root)
    with tarfile.open(archive) as tar:
        members = [m for m in tar.getmembers() if "/vendor/llama.cpp/" in m.name + "/"]
        if not members:
            raise InstallError(
                f"{archive.name} holds no vendor/llama.cpp folder: pin a {SDIST} version that vendors it."
            )
        tar.extractall(root, members=members, filter="data")
    sources = next(root.glob("*/vendor/llama.cpp"))
    if not (sources / "tools" / "server").is_dir():
        raise InstallError(
            f"The llama.cpp sources in {archive.name} have no tools/server: pin another {SDIST} version."
        )
    marker.write_text(str(sources))
    return sources


def _compile(build: Path, jobs: int, report: Reporter) -> None:
    command = ["cmake", "--build", str(build), "--target", LLAMA_SERVER, "-j", str(jobs)]
    tail: deque[str] = deque(maxlen=30)
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, stdin=subprocess.DEVNULL
    )
    assert process.stdout is not None
    try:
        for line in process.stdout:
            line = line.rstrip()
            tail.append(line)
            match = _PERCENT.match(line)
            if match:
                report(match.group(2)[:100], int(match.group(1)) / 100)
    finally:
        code = process.wait()
    if code != 0:
        raise InstallError(
            f"Compiling llama-server failed (exit code {code}); the build resumes where it stopped when "
            f"run again. Last lines of its output:\n{_tail(tail)}"
        )


def install_llama_server(
    *,
    version: str = LLAMA_CPP_PYTHON_VERSION,
    jobs: int | None = None,
    report: Reporter | None = None,
    force: bool = False,
    keep_sources: bool = False,
) -> Path:
    """Build llama-server from the llama.cpp that ``llama-cpp-python`` ``version`` vendors, cache
    it and return its path; a cached build is returned at once unless ``force``."""
    say: Reporter = report or (lambda message, fraction: None)
    folder = cache_dir() / version
    binary = folder / LLAMA_SERVER
    with _locked(folder, say):
        if binary.is_file() and not force:
            say(f"llama-server for {SDIST} {version} is already built: {binary}", None)
            return binary
        _need("cmake", "cmake")
        if shutil.which("c++") is None and shutil.which("g++") is None:
            _need("g++", "a C++ compiler")
        started = time.monotonic()
        work = folder / "work"
        work.mkdir(parents=True, exist_ok=True)
        archive = _download(version, work, say)
        sources = _unpack(archive, work, say)
        build = work / "build"
        say("Configuring the build (cmake, Release, native CPU, static)", None)
        _run(["cmake", "-S", str(sources), "-B", str(build), *CMAKE_OPTIONS], "Configuring llama.cpp with cmake")
        jobs = jobs or max(1, os.cpu_count() or 1)
        say(f"Compiling llama-server with {jobs} job(s): about 17 CPU-minutes", 0.0)
        _compile(build, jobs, say)
        built = build / "bin" / LLAMA_SERVER
        if not built.is_file():
            raise InstallError(f"The build finished but {built} is missing: run the install again with --force.")
        staging = folder / (LLAMA_SERVER + ".new")
        shutil.copy2(built, staging)
        staging.chmod(0o755)
        reported = server_version(staging)
        if reported is None:
            raise InstallError(
                f"The built {staging} does not run (`llama-server --version` failed): run the install again with --force."
            )
        os.replace(staging, binary)
        info = {
            "llama_cpp_python": version,
            "llama_server_version": reported,
            "cmake_options": list(CMAKE_OPTIONS),
            "jobs": jobs,
            "build_seconds": round(time.monotonic() - started, 1),
            "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        (folder / "build.json").write_text(json.dumps(info, indent=2) + "\n")
        if not keep_sources:
            shutil.rmtree(work, ignore_errors=True)
        say(f"Built llama-server ({reported}) in {info['build_seconds']:.0f} s: {binary}", None)
        return binary


def build_info(version: str = LLAMA_CPP_PYTHON_VERSION) -> dict[str, object] | None:
    """What the cached build of ``version`` recorded (``build.json``), or None."""
    try:
        data = json.loads((cache_dir() / version / "build.json").read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
