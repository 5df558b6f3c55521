"""The stand-in demo tells the truth: ``examples/toy_task.json``, run as shipped with
``autotuner tune --json`` while two CPU burners keep this 2-core machine busy, names the toy
engine's documented best combination (experiment 8).

Measured before choosing the assertions (15 runs with the two burners, the machine's load
average 7-12 with other sessions' work): the best won every run, 11-35% ahead of the runner-up
(median 26%; the formula says 28%). So the test asserts that the best wins, and no margin (one
burst of load landed on the best's 1.7 s of traffic and cut its lead to 11%). It takes 50-60 s, and some 20 s more for the repeats of the top two (issue 14).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.load import cpu_burners
from support.paths import EXAMPLES, ROOT
from support.processes import pid_alive
from typer.testing import CliRunner

from autotuner.cli.main import app

TOY_TASK = EXAMPLES / "toy_task.json"
BEST = {"tp-size": 2, "mem-fraction-static": 0.9, "schedule-policy": "lpm"}
BEST_SEQUENCE = 8  # its place in the grid: tp-size varies slowest, schedule-policy fastest

runner = CliRunner(env={"COLUMNS": "200"})

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("no_engine_left_behind")]


def describe(experiment: dict) -> str:
    return f"#{experiment['sequence']} {experiment['parameters']} scored {experiment['score']}"


def test_the_demo_names_the_documented_best_while_the_cpu_is_busy(
    cli_env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    # The task's command names examples/toy_engine.py relative to the repository, as the README
    # runs it.
    monkeypatch.chdir(ROOT)
    with cpu_burners(2) as burners:
        result = runner.invoke(app, ["tune", str(TOY_TASK), "--json", "--log-dir", str(tmp_path / "logs")])
        assert burners.alive(), "a CPU burner stopped before the demo ended"
        burned = burners.cpu_seconds()
    assert not any(pid_alive(p.pid) for p in burners.processes), "the burners outlived the block"
    assert result.exit_code == 0, result.output
    assert min(burned) > 1.0, f"the burners hardly ran (CPU seconds {burned}): the demo was not under load"

    report = json.loads(result.stdout)
    experiments = [e for e in report["experiments"] if e["repeat_of"] is None]
    repeats = [e for e in report["experiments"] if e["repeat_of"] is not None]
    assert [e["sequence"] for e in experiments] == list(range(1, 13))
    assert [e["sequence"] for e in repeats] == [13, 14, 15, 16]  # the top 2, twice more each
    for experiment in report["experiments"]:
        assert experiment["status"] == "succeeded", experiment["error"]
        level = experiment["metrics"]["levels"][0]
        assert level["requests_succeeded"] == 8 and level["requests_failed"] == 0, level

    ranked = sorted(experiments, key=lambda e: e["score"], reverse=True)
    best, runner_up = ranked[0], ranked[1]
    summary = (
        f"best {describe(best)}, runner-up {describe(runner_up)}, "
        f"margin {best['score'] / runner_up['score'] - 1:.1%}, burners used {burned} CPU s; "
        f"all scores {[e['score'] for e in experiments]}"
    )
    print(summary)
    assert best["parameters"] == BEST and best["sequence"] == BEST_SEQUENCE, summary
    assert {r["repeat_of"] for r in repeats} == {best["sequence"], runner_up["sequence"]}
    stats = best["score_stats"]
    assert stats["n"] == 3 and stats["samples"][0] == best["score"]
    assert report["best"] == {
        "sequence": BEST_SEQUENCE,
        "parameters": BEST,
        "score": best["score"],
        "mean_score": stats["mean"],
    }
    verdict = report["verdict"]
    assert verdict["best_experiment_id"] == BEST_SEQUENCE and verdict["noise_cv"] is not None, verdict
    print(verdict["sentence"])


def test_the_burners_are_killed_when_the_block_fails():
    with pytest.raises(RuntimeError, match="boom"), cpu_burners(2) as burners:
        assert burners.alive() and len(burners.processes) == 2
        raise RuntimeError("boom")
    assert [process.returncode for process in burners.processes] == [-9, -9]
    assert not any(pid_alive(process.pid) for process in burners.processes)
