"""What a task's scores say once noise is counted: each configuration's score statistics (mean,
spread, 95% interval over its original run and its repeats), the task's noise (coefficient of
variation of repeated scores), the verdict (a significant best, a tie within noise, or a best
measured once), and the Pareto front of several objectives. Pure: plain data in, plain data out.

The rules:

* **Interval**: the mean's 95% interval is ``mean ± t(0.975, n-1) · stdev / √n`` with Student's
  t (the small samples repeats give); a configuration measured once has ``stdev`` 0 and the
  interval collapses to its mean (nothing measured its noise).
* **Noise** (``noise_cv``): the root mean square of ``stdev / |mean|`` over the configurations
  measured at least twice; None when none was.
* **Significance**: the best (highest mean) beats another configuration when Welch's t-test
  says its mean is higher at 95% (two-sided). A configuration measured once borrows the task's
  noise for its spread (``noise_cv · |mean|``), with the degrees of freedom of the repeats that
  measured it (their ``n - 1`` summed). The best and every configuration it does not beat
  are **tied**; when only the best remains, it is **significant**; when the best was measured
  once, the verdict is **unrepeated** (the noise of the best is unknown, whatever the others say).
* **Pareto front**: objectives' values in natural units, throughput maximized and latencies
  minimized; a point is dominated when another is at least as good in every objective and better
  in one.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from autotuner.tuning.scoring import score_metrics

# Student's t, 97.5th percentile, by degrees of freedom 1..30 (two-sided 95%); beyond, 1.96.
_T975 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip
MAXIMIZED = frozenset({"maximize_throughput"})


def t975(df: float) -> float:
    """The 97.5th percentile of Student's t with ``df`` degrees of freedom (rounded down; >= 1)."""
    whole = max(1, math.floor(df))
    return _T975[whole - 1] if whole <= len(_T975) else 1.96


@dataclass
class ScoreStats:
    n: int
    mean: float
    stdev: float
    ci_low: float
    ci_high: float
    samples: list[float] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def score_stats(samples: Sequence[float]) -> ScoreStats | None:
    """Mean, sample standard deviation and 95% interval of ``samples``; None when empty."""
    values = [float(v) for v in samples]
    n = len(values)
    if n == 0:
        return None
    mean = sum(values) / n
    if n == 1:
        return ScoreStats(1, mean, 0.0, mean, mean, values)
    stdev = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    half = t975(n - 1) * stdev / math.sqrt(n)
    return ScoreStats(n, mean, stdev, mean - half, mean + half, values)


def noise_cv(stats: Sequence[ScoreStats]) -> float | None:
    """Root mean square of ``stdev / |mean|`` over the configurations measured at least twice."""
    ratios = [s.stdev / abs(s.mean) for s in stats if s.n >= 2 and s.mean != 0]
    if not ratios:
        return None
    return math.sqrt(sum(r * r for r in ratios) / len(ratios))


def pooled_df(stats: Sequence[ScoreStats]) -> int:
    """The degrees of freedom behind :func:`noise_cv`: the repeats' ``n - 1`` summed."""
    return sum(s.n - 1 for s in stats if s.n >= 2 and s.mean != 0)


def beats(best: ScoreStats, other: ScoreStats, cv: float | None, cv_df: int = 1) -> bool:
    """Welch's t-test at 95% (two-sided): is ``best``'s mean above ``other``'s beyond noise?
    A configuration measured once borrows the task's noise ``cv`` for its spread, with the
    degrees of freedom ``cv_df`` that measured it."""
    if best.mean <= other.mean:
        return False

    def variance(s: ScoreStats) -> float:
        spread = s.stdev if s.n >= 2 else (cv or 0.0) * abs(s.mean)
        return spread * spread / s.n

    va, vb = variance(best), variance(other)
    if va + vb == 0:
        return True  # no noise measured on either side and the means differ
    t = (best.mean - other.mean) / math.sqrt(va + vb)
    # Welch-Satterthwaite degrees of freedom; a side measured once has those of the task's noise.
    da = best.n - 1 if best.n >= 2 else max(cv_df, 1)
    db = other.n - 1 if other.n >= 2 else max(cv_df, 1)
    df = (va + vb) ** 2 / ((va * va / da if va else 0.0) + (vb * vb / db if vb else 0.0))
    return t > t975(df)


@dataclass
class Candidate:
    """A configuration's original experiment (``ref`` names it in sentences: "#4") and its statistics."""

    experiment_id: int
    ref: str
    stats: ScoreStats


@dataclass
class Verdict:
    kind: str
    sentence: str
    best_experiment_id: int | None
    runner_up_experiment_id: int | None
    lead_percent: float | None
    tied_experiment_ids: list[int]
    noise_cv: float | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _figure(value: float) -> str:
    return f"{value:.4g}"


def _shown(c: Candidate) -> str:
    s = c.stats
    if s.n == 1:
        return f"{c.ref} {_figure(s.mean)} (1 run)"
    return f"{c.ref} {_figure(s.mean)} ± {_figure((s.ci_high - s.ci_low) / 2)} ({s.n} runs)"


def _names(refs: list[str]) -> str:
    return refs[0] if len(refs) == 1 else ", ".join(refs[:-1]) + " and " + refs[-1]


def lead(best: float, other: float) -> float:
    """How far ``best`` is ahead of ``other`` in % of ``other`` (scores: higher is better)."""
    return (best - other) / abs(other) * 100 if other else math.inf


def verdict(candidates: Sequence[Candidate]) -> Verdict | None:
    """The verdict over the configurations that succeeded (see the module's rules); None when none did."""
    if not candidates:
        return None
    ranked = sorted(candidates, key=lambda c: -c.stats.mean)  # stable: the earlier wins a tie
    cv = noise_cv([c.stats for c in ranked])
    best = ranked[0]
    runner = ranked[1] if len(ranked) > 1 else None
    percent = lead(best.stats.mean, runner.stats.mean) if runner is not None else None
    shown_percent = None if percent is None or math.isinf(percent) else round(percent, 2)
    noise = f" Measured noise: {cv:.1%}." if cv is not None else ""
    if runner is None:
        return Verdict(
            "unrepeated" if best.stats.n == 1 else "significant",
            f"Best: {best.ref}, the only configuration that succeeded ({_shown(best)}).{noise}",
            best.experiment_id,
            None,
            None,
            [best.experiment_id],
            cv,
        )
    if best.stats.n == 1:
        sentence = (
            f"Best: {best.ref}, ahead of {runner.ref} by {shown_percent:.1f}% but measured once, so noise is unknown: "
            "set optimization.repeats to know whether it really leads."
            if shown_percent is not None
            else f"Best: {best.ref}, measured once, so noise is unknown: set optimization.repeats."
        )
        return Verdict(
            "unrepeated", sentence, best.experiment_id, runner.experiment_id, shown_percent, [best.experiment_id], cv
        )
    df = pooled_df([c.stats for c in ranked])
    tied = [best] + [c for c in ranked[1:] if not beats(best.stats, c.stats, cv, df)]
    if len(tied) == 1:
        sentence = (
            f"Best: {best.ref}, ahead of {runner.ref} by {shown_percent:.1f}% (significant at 95%; "
            f"{_shown(best)} vs {_shown(runner)}).{noise}"
        )
        return Verdict(
            "significant", sentence, best.experiment_id, runner.experiment_id, shown_percent, [best.experiment_id], cv
        )
    refs = [c.ref for c in tied]
    sentence = (
        f"{_names(refs)} {'is' if len(refs) == 1 else 'are'} tied within noise "
        f"(scores {'; '.join(_shown(c) for c in tied)}).{noise}"
    )
    return Verdict(
        "tied", sentence, best.experiment_id, runner.experiment_id, shown_percent, [c.experiment_id for c in tied], cv
    )


@dataclass
class Run:
    """One experiment for :func:`summarize`: its id, how sentences name it, its score (None unless
    it succeeded) and, for a repeat, the id of its original."""

    id: int
    ref: str
    score: float | None
    repeat_of: int | None = None


def summarize(runs: Sequence[Run]) -> tuple[dict[int, ScoreStats], Verdict | None]:
    """Each original's statistics over itself and its repeats (only originals that succeeded: a
    failed or pruned one never ranks), and the verdict over them."""
    repeats: dict[int, list[float]] = {}
    for run in runs:
        if run.repeat_of is not None and run.score is not None:
            repeats.setdefault(run.repeat_of, []).append(run.score)
    stats: dict[int, ScoreStats] = {}
    candidates: list[Candidate] = []
    for run in runs:
        if run.repeat_of is None and run.score is not None:
            found = score_stats([run.score, *repeats.get(run.id, [])])
            if found is not None:
                stats[run.id] = found
                candidates.append(Candidate(run.id, run.ref, found))
    return stats, verdict(candidates)


# --- several objectives ---------------------------------------------------------------------------


def objective_values(
    metrics: dict[str, Any] | None, objectives: Sequence[str], *, parameters: dict[str, Any] | None, runtime: str
) -> dict[str, float] | None:
    """Each objective's metric in natural units (throughput: output tokens/s per GPU; latencies:
    ms), the mean over the benchmark's levels, SLO penalties left out; None when none is measured."""
    if not metrics:
        return None
    values: dict[str, float] = {}
    for objective in objectives:
        result = score_metrics(metrics, objective, parameters=parameters, runtime=runtime)
        if result.score is not None:
            values[objective] = round(abs(result.score), 6)
    return values or None


def _better_or_equal(a: float, b: float, objective: str) -> bool:
    return a >= b if objective in MAXIMIZED else a <= b


def dominates(a: dict[str, float], b: dict[str, float], objectives: Sequence[str]) -> bool:
    """``a`` is at least as good as ``b`` in every objective and better in one."""
    return all(_better_or_equal(a[o], b[o], o) for o in objectives) and any(a[o] != b[o] for o in objectives)


def dominated_flags(points: Sequence[dict[str, float]], objectives: Sequence[str]) -> list[bool]:
    """For each point: is another point dominating it? (Points lacking an objective are dominated.)"""
    complete = [all(o in p for o in objectives) for p in points]
    flags = []
    for i, p in enumerate(points):
        if not complete[i]:
            flags.append(True)
            continue
        flags.append(any(complete[j] and j != i and dominates(q, p, objectives) for j, q in enumerate(points)))
    return flags
