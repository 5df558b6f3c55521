"""Overhead per experiment of deployment_mode "docker" against "local".

The same stand-in engine (examples/toy_engine.py, a test double) runs one tiny experiment at a
time, alternating local process / container so that the machine's load hits both alike. Reported
per phase (median over the repeats): launch (process spawn, or image check + container create +
start), ready (until /health answers), teardown (SIGTERM and reap, or stop + remove), total, and
the ratio docker / local of each. The local engine runs on Debian's /usr/bin/python3.11, the
interpreter the image holds, so that only the deployment differs.

It needs a Docker daemon (scripts/lib.sh: ``ensure_docker``); the stand-in image is built on the
first run (``tests/support/docker_images.py``, a few seconds) and reused after.

Run: ``.venv/bin/python benchmarks/bench_docker.py [--repeats 8]``
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

from autotuner.tuning.experiment import run_experiment

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from support.docker_images import STANDIN_SCRIPT, SYSTEM_PYTHON, standin_image  # noqa: E402

BENCHMARK = {"traffic_scenarios": ["D(16,4)"], "concurrency": [1], "requests_per_level": 2, "warmup_requests": 0}
PHASES = ("launch_s", "ready_s", "benchmark_s", "teardown_s", "total_s")


def task(mode: str, image: str) -> dict:
    script = STANDIN_SCRIPT if mode == "docker" else str(ROOT / "examples" / "toy_engine.py")
    python = "{python}" if mode == "docker" else SYSTEM_PYTHON
    return {
        "task_name": f"bench-{mode}",
        "model": {"id_or_path": "bench-docker"},
        "base_runtime": "command",
        "command": [python, script, "--model-path", "{model}", "--host", "{host}", "--port", "{port}"],
        "deployment_mode": mode,
        "docker": {"image": image},
        "benchmark": BENCHMARK,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=8)
    args = parser.parse_args()
    image = standin_image()
    runs: dict[str, list[dict[str, float]]] = {"local": [], "docker": []}
    with tempfile.TemporaryDirectory() as folder:
        for i in range(args.repeats + 1):  # the first round warms both paths up and is not counted
            for mode in ("local", "docker"):
                outcome = run_experiment(
                    task(mode, image), {"tp-size": 1}, log_path=Path(folder) / f"{mode}-{i}.log", timeout=60
                )
                if outcome.status != "succeeded":
                    raise SystemExit(f"{mode} experiment failed: {outcome.error}")
                if i:
                    runs[mode].append(outcome.timings)
    result: dict[str, dict[str, float]] = {}
    for mode, timings in runs.items():
        result[mode] = {phase: round(statistics.median(t[phase] for t in timings), 4) for phase in PHASES}
    result["docker_over_local"] = {
        phase: round(result["docker"][phase] / result["local"][phase], 2) for phase in PHASES if result["local"][phase]
    }
    result["docker_minus_local_s"] = {
        phase: round(result["docker"][phase] - result["local"][phase], 4) for phase in PHASES
    }
    print(json.dumps({"repeats": args.repeats, "image": image, **result}, indent=2))


if __name__ == "__main__":
    main()
