"""Released engine wheels, downloaded without their dependencies and cached, for the catalog
generator (:mod:`autotuner.runtimes.generate`) to read.

``pip download --no-deps --only-binary=:all: <package>==<version>`` with this interpreter's pip,
into ``~/.cache/autotuner/wheels/`` (``$XDG_CACHE_HOME`` when set). A cached wheel is used as is;
its sha256 is computed from the file. Only the Python files the generator reads are taken out of
the wheel (a zip), in memory; nothing is installed, imported or run.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autotuner.core.errors import AutotunerError

PACKAGES = {"sglang": "sglang", "vllm": "vllm"}


class WheelError(AutotunerError):
    """A wheel could not be downloaded or read; the message says what to do."""


@dataclass(frozen=True)
class Wheel:
    package: str
    version: str
    path: Path
    sha256: str


def wheel_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "autotuner" / "wheels"


def _normalised(package: str) -> str:
    return package.replace("-", "_").lower()


def cached_wheel(package: str, version: str, cache: Path | None = None) -> Path | None:
    """The cached wheel of ``package`` ``version``, or None."""
    folder = cache or wheel_cache()
    if not folder.is_dir():
        return None
    prefix = f"{_normalised(package)}-{version}-"
    found = sorted(p for p in folder.glob("*.whl") if p.name.lower().startswith(prefix))
    return found[0] if found else None


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch_wheel(package: str, version: str, *, cache: Path | None = None, download: bool = True) -> Wheel:
    """The wheel of ``package==version``: from the cache, else downloaded into it."""
    folder = cache or wheel_cache()
    path = cached_wheel(package, version, folder)
    if path is None:
        if not download:
            raise WheelError(
                f"{package} {version} is not in the wheel cache {folder}: run `autotuner catalog sync "
                f"{package}=={version}` once with network access to PyPI."
            )
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=folder, prefix=".download-") as work:
            done = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "pip",
                    "download",
                    "--no-deps",
                    "--only-binary=:all:",
                    "--disable-pip-version-check",
                    "-d",
                    work,
                    f"{package}=={version}",
                ],
                capture_output=True,
                text=True,
                stdin=subprocess.DEVNULL,
            )
            wheels = list(Path(work).glob("*.whl"))
            if done.returncode != 0 or not wheels:
                lines = [line.strip() for line in (done.stdout + done.stderr).splitlines() if line.strip()]
                errors = [line for line in lines if line.startswith("ERROR:")] or lines[-2:]
                said = " / ".join(re.sub(r" \(from versions: [^)]*\)", "", line)[:200] for line in errors[-2:])
                raise WheelError(
                    f"pip could not download {package}=={version} (exit code {done.returncode}): "
                    f"{said or 'no wheel'}; check the version with `pip index versions {package}`."
                )
            path = folder / wheels[0].name
            os.replace(wheels[0], path)
    return Wheel(package=package, version=version, path=path, sha256=sha256_of(path))


def read_sources(wheel: Path, wanted: object) -> dict[str, str]:
    """The text of the wheel's members for which ``wanted(member_name)`` is true."""
    try:
        with zipfile.ZipFile(wheel) as archive:
            return {
                name: archive.read(name).decode("utf-8", errors="replace")
                for name in archive.namelist()
                if callable(wanted) and wanted(name)
            }
    except (OSError, zipfile.BadZipFile) as problem:
        raise WheelError(f"{wheel} is not a readable wheel ({problem}): delete it and sync again.") from None


def generate_from_wheel(
    runtime: str, version: str, *, cache: Path | None = None, download: bool = True
) -> dict[str, Any]:
    """The generated catalog document of ``runtime`` ``version``, read from its (cached) wheel."""
    from functools import partial

    from autotuner.runtimes import generate

    if runtime not in generate.READERS:
        raise WheelError(f"Catalogs are generated from wheels for {', '.join(generate.READERS)}, not '{runtime}'.")
    wheel = fetch_wheel(PACKAGES[runtime], version, cache=cache, download=download)
    files = read_sources(wheel.path, partial(generate.wanted, runtime))
    try:
        flags = generate.READERS[runtime](files)
    except generate.SourceError as problem:
        raise WheelError(f"{wheel.path.name}: {problem}") from None
    read = ", ".join(p for p in generate.WHEEL_SOURCES[runtime] if any(f.startswith(p) for f in files))
    return generate.generated_catalog(
        runtime,
        version,
        flags,
        package=wheel.path.name,
        sha256=wheel.sha256,
        source=f"{read} of the {wheel.path.name} wheel, parsed without importing it",
    )
