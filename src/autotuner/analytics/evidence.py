"""The evidence analytics read: readable tasks and their succeeded experiments, loaded with a fixed
number of aggregate queries (never one per task or per experiment), and small statistics."""

from __future__ import annotations

import json
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from autotuner.core.actors import Actor
from autotuner.core.enums import ExperimentStatus
from autotuner.core.parameters import iter_leaves
from autotuner.db.models import Experiment, Task
from autotuner.runs.service import readable_task_ids

# SQLite allows 32766 bound parameters; ids are sent in chunks below that.
CHUNK = 5000


@dataclass
class TaskFacts:
    id: int
    runtime: str
    model_id: str
    objective: str
    best_experiment_id: int | None
    provenance: dict[str, Any] | None


@dataclass
class Row:
    """A succeeded experiment with a score."""

    id: int
    task_id: int
    parameters: dict[str, Any]
    score: float
    context: dict[str, Any] | None
    _keys: dict[str, str] | None = None

    @property
    def keys(self) -> dict[str, str]:
        """``{flag: value_key}``, computed once."""
        if self._keys is None:
            self._keys = {name: value_key(value) for name, value in flat(self.parameters).items()}
        return self._keys


def readable_tasks(session: Session, actor: Actor, *, with_provenance: bool = False) -> list[TaskFacts]:
    """Every task ``actor`` may read, in one query (provenance only when asked: it is large)."""
    columns = [Task.id, Task.base_runtime, Task.model, Task.optimization, Task.best_experiment_id]
    if with_provenance:
        columns.append(Task.provenance)
    rows = session.execute(select(*columns).where(Task.id.in_(readable_task_ids(actor))).order_by(Task.id))
    out = []
    for row in rows:
        out.append(
            TaskFacts(
                id=row.id,
                runtime=str(row.base_runtime),
                model_id=str((row.model or {}).get("id_or_path") or ""),
                objective=str((row.optimization or {}).get("objective") or "maximize_throughput"),
                best_experiment_id=row.best_experiment_id,
                provenance=row.provenance if with_provenance else None,
            )
        )
    return out


def _chunks(ids: Sequence[int]) -> Iterable[list[int]]:
    ordered = sorted(ids)
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]


def experiment_counts(session: Session, task_ids: Sequence[int]) -> dict[int, int]:
    """How many experiments (any status) each task has: one GROUP BY per chunk of ids."""
    counts: dict[int, int] = {}
    for chunk in _chunks(task_ids):
        query = select(Experiment.task_id, func.count()).where(Experiment.task_id.in_(chunk))
        counts.update({task_id: n for task_id, n in session.execute(query.group_by(Experiment.task_id))})
    return counts


def scored_rows(session: Session, task_ids: Sequence[int], *, with_context: bool = True) -> list[Row]:
    """The succeeded, scored experiments of these tasks (index ix_experiments_task_status_score)."""
    rows: list[Row] = []
    columns = [Experiment.id, Experiment.task_id, Experiment.parameters, Experiment.score]
    if with_context:
        columns.append(Experiment.context)
    for chunk in _chunks(task_ids):
        query = select(*columns).where(
            Experiment.task_id.in_(chunk),
            Experiment.status == ExperimentStatus.succeeded,
            Experiment.score.is_not(None),
        )
        for r in session.execute(query):
            rows.append(Row(r.id, r.task_id, r.parameters or {}, float(r.score), r.context if with_context else None))
    return rows


def scored_counts(session: Session, task_ids: Sequence[int]) -> dict[int, int]:
    """How many succeeded, scored experiments each task has (one GROUP BY per chunk)."""
    counts: dict[int, int] = {}
    for chunk in _chunks(task_ids):
        query = select(Experiment.task_id, func.count()).where(
            Experiment.task_id.in_(chunk),
            Experiment.status == ExperimentStatus.succeeded,
            Experiment.score.is_not(None),
        )
        counts.update({task_id: n for task_id, n in session.execute(query.group_by(Experiment.task_id))})
    return counts


def rows_by_id(session: Session, experiment_ids: Sequence[int]) -> dict[int, Row]:
    """These experiments (the tasks' best ones), when succeeded with a score."""
    rows: dict[int, Row] = {}
    columns = [Experiment.id, Experiment.task_id, Experiment.parameters, Experiment.score, Experiment.context]
    for chunk in _chunks(experiment_ids):
        query = select(*columns).where(Experiment.id.in_(chunk), Experiment.score.is_not(None))
        for r in session.execute(query):
            rows[r.id] = Row(r.id, r.task_id, r.parameters or {}, float(r.score), r.context)
    return rows


def flat(parameters: dict[str, Any]) -> dict[str, Any]:
    """``{"group.flag": value}`` for a combination or a space (groups joined with dots)."""
    return {".".join(path): value for path, value in iter_leaves(parameters)}


def value_key(value: Any) -> str:
    """A value as a stable, hashable key: canonical JSON (1 and 1.0 stay apart, as in JSON)."""
    if isinstance(value, str):
        return json.dumps(value)
    if value is None or isinstance(value, (bool, int, float)):
        return json.dumps(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


Allowed = dict[str, frozenset[str]]


def allowed_values(space: dict[str, Any]) -> Allowed:
    """``{flag: value keys}`` of a parameter space, for :func:`within`."""
    return {
        name: frozenset(value_key(v) for v in (values if isinstance(values, list) else [values]))
        for name, values in flat(space).items()
    }


def within(keys: dict[str, str], allowed: Allowed) -> bool:
    """True when every flag of the space set in the combination (``Row.keys``) has one of the
    space's values, and they share at least one flag."""
    shared = 0
    for name, values in allowed.items():
        key = keys.get(name)
        if key is None:
            continue
        shared += 1
        if key not in values:
            return False
    return shared > 0


def median(values: Sequence[float]) -> float | None:
    return float(statistics.median(values)) if values else None


def quartiles(values: Sequence[float]) -> tuple[float, float]:
    """(q1, q3) by linear interpolation between order statistics (numpy's default)."""
    if len(values) == 1:
        return float(values[0]), float(values[0])
    q1, _, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return float(q1), float(q3)
