"""Engine images built on this machine (no registry can be reached here), cached per content.

:func:`standin_image` makes ``autotuner-standin:<hash>``: the stand-in engine
(``examples/toy_engine.py``, a test double) at ``/opt/standin/toy_engine.py`` with the smallest
Python that runs it: Debian's interpreter (``/usr/bin/python3.11``), the shared libraries it links, and only the
standard-library modules the stand-in imports while it serves (``-X importtime``), about 10 MB. The
root filesystem goes into the daemon as a tar stream (``docker import``); the tag is a hash of
the files, so the image is built once per machine and rebuilt only when a file changes.

:func:`llama_server_image` does the same for the real llama-server (``autotuner-llama-server:<hash>``).
"""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import tarfile
import time
from pathlib import Path

import httpx

from autotuner.tuning.engine.process import free_port
from support.paths import ROOT, TOY

STANDIN_REPOSITORY = "autotuner-standin"
LLAMA_REPOSITORY = "autotuner-llama-server"
LLAMA_SERVER_IN_IMAGE = "/app/llama-server"
STANDIN_SCRIPT = "/opt/standin/toy_engine.py"
PYTHON_IN_IMAGE = "/usr/bin/python3"
# Debian's interpreter: libpython linked in, so the image stays small.
SYSTEM_PYTHON = "/usr/bin/python3.11"


def _shared_libraries(binary: str) -> list[str]:
    out = subprocess.run(["ldd", binary], capture_output=True, text=True, check=True).stdout
    libs = []
    for line in out.splitlines():
        parts = line.split()
        if "=>" in parts and len(parts) >= 3 and parts[2].startswith("/"):
            libs.append(parts[2])
        elif parts and parts[0].startswith("/"):
            libs.append(parts[0])  # the loader
    return libs


def _imported_modules(python: str) -> list[str]:
    """The modules the stand-in imports while it starts and answers requests (``-X importtime``)."""
    port = free_port()
    proc = subprocess.Popen(
        [python, "-S", "-X", "importtime", TOY, "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                httpx.get(url + "/health", timeout=1.0)
                break
            except httpx.HTTPError:
                time.sleep(0.05)
        body = {"prompt": "a b", "max_tokens": 2}
        httpx.post(url + "/v1/completions", json=body, timeout=30.0)
        httpx.post(url + "/v1/completions", json={**body, "stream": True}, timeout=30.0)
        httpx.post(url + "/v1/chat/completions", json={"messages": [{"role": "user", "content": "a"}]}, timeout=30.0)
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    names = {"encodings." + m for m in ("utf_8", "latin_1", "ascii", "aliases")}
    for line in err.splitlines():
        if line.startswith("import time:") and "|" in line:
            name = line.rsplit("|", 1)[1].strip()
            if name and not name.startswith("package"):
                names.add(name)
    return sorted(names)


def _standin_files() -> dict[str, str]:
    """``{path in the image: path here}``."""
    python = os.path.realpath(SYSTEM_PYTHON)
    names = _imported_modules(python)
    listing = subprocess.run(
        [
            python,
            "-S",
            "-c",
            "import importlib, sys\n"
            "for n in sys.argv[1:]:\n"
            "    try: importlib.import_module(n)\n"
            "    except ImportError: pass\n"
            "print('\\n'.join(sorted({getattr(m, '__file__', None) or '' for m in list(sys.modules.values())} - {''})))",
            *names,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    files = {PYTHON_IN_IMAGE: python, STANDIN_SCRIPT: TOY}
    for lib in _shared_libraries(python):
        files[lib] = os.path.realpath(lib)
    for source in listing:
        if os.path.isfile(source) and not source.startswith(str(ROOT)):
            files[source] = source
            if source.endswith(".so"):
                for lib in _shared_libraries(source):
                    files[lib] = os.path.realpath(lib)
    return files


def _rootfs(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for target in sorted(files):
            info = tar.gettarinfo(files[target], arcname=target.lstrip("/"))
            info.uid = info.gid = 0
            info.uname = info.gname = "root"
            info.mtime = 0
            with open(files[target], "rb") as handle:
                tar.addfile(info, handle)
        for folder in ("tmp", "lib64"):
            if not any(t.lstrip("/").startswith(folder + "/") for t in files):
                info = tarfile.TarInfo(folder)
                info.type = tarfile.DIRTYPE
                info.mode = 0o1777
                tar.addfile(info)
    return buffer.getvalue()


def standin_image() -> str:
    """The tag of the stand-in engine's image, building and importing it when the daemon lacks it."""
    return _image(STANDIN_REPOSITORY, _standin_files())


def llama_server_image(llama_server: Path) -> str:
    """``autotuner-llama-server:<hash>``: the real llama-server at ``/app/llama-server`` (where
    llama.cpp's official image has it) with the shared libraries it links; the model is not in
    it (a docker task mounts it read-only)."""
    program = os.path.realpath(llama_server)
    files = {LLAMA_SERVER_IN_IMAGE: program}
    for lib in _shared_libraries(program):
        files[lib] = os.path.realpath(lib)
    return _image(LLAMA_REPOSITORY, files)


def _image(repository: str, files: dict[str, str]) -> str:
    import docker
    from docker.errors import ImageNotFound

    digest = hashlib.sha256()
    for target in sorted(files):
        digest.update(target.encode())
        digest.update(Path(files[target]).read_bytes())
    tag = f"{repository}:{digest.hexdigest()[:12]}"
    client = docker.from_env()
    try:
        try:
            client.images.get(tag)
            return tag
        except ImageNotFound:
            pass
        repository, version = tag.split(":")
        client.api.import_image_from_data(_rootfs(files), repository=repository, tag=version)
        client.images.get(tag)
        return tag
    finally:
        client.close()
