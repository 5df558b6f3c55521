"""The task service: create tasks from parameters and/or presets (with provenance), validate them
against the engine catalog, count their space. Callers own the transaction."""

from __future__ import annotations

import copy
from typing import Any

from pydantic import ValidationError
from sqlalchemy import false, select
from sqlalchemy.orm import Session

from autotuner.core.actors import Actor
from autotuner.core.enums import ENGINE_RUNTIMES, Runtime, TaskStatus, Visibility, engine_runtime
from autotuner.core.errors import Forbidden, InvalidState, NameConflict, ValidationFailed
from autotuner.core.parameters import count_combinations
from autotuner.core.sentences import validation_sentence
from autotuner.core.text import reject_unstorable
from autotuner.db import audit
from autotuner.db.lookup import get_by_ref
from autotuner.db.models import Task, TaskShare
from autotuner.db.session import begin_write, flush_unique
from autotuner.presets import service as presets_service
from autotuner.presets.merger import NamedSpace, PresetMerger
from autotuner.presets.schemas import Sharing
from autotuner.runtimes.loading import check_version, default_version
from autotuner.runtimes.neutral_flags import expand_neutral, flag_sources, flags_of
from autotuner.tasks.reference_import import convert_task_file
from autotuner.tasks.schemas import PresetSelection, SpaceDraft, TaskCreate, TaskUpdate
from autotuner.tuning.benchmark import BenchmarkConfig
from autotuner.tuning.engine.preflight import installed_engine_version
from autotuner.tuning.scoring import normalize_slo, validate_slo
from autotuner.tuning.space import SpaceReport, analyze_space

# --- the parameter space --------------------------------------------------------------------


def resolve_runtime_version(base_runtime: str, pinned: str | None) -> str | None:
    """The engine version whose catalog checks a task's flags: ``pinned`` when it has a catalog
    (else a 422 naming those there are), else the version installed here when it has one, else the
    newest catalog; None for a runtime without a catalog (``command``)."""
    runtime = engine_runtime(base_runtime)
    if runtime is None:
        if pinned is not None:
            raise ValidationFailed(
                f"runtime_version applies to engines with a catalog ({', '.join(ENGINE_RUNTIMES)}), "
                f"not to base_runtime '{base_runtime}': leave it out."
            )
        return None
    if pinned is not None:
        return check_version(runtime, pinned)
    return default_version(runtime, installed_engine_version(runtime))


def resolve_parameters(
    session: Session,
    base_runtime: str,
    parameters: dict[str, Any] | None,
    presets: PresetSelection | None,
    actor: Actor,
    version: str | None = None,
    parallel: dict[str, Any] | None = None,
    quantization: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], dict[str, Any] | None, list[str]]:
    """The final space of a task, its provenance and warnings.

    The engine-neutral ``parallel`` and ``quantization`` spaces are added last as the runtime's
    own flags (:mod:`autotuner.runtimes.neutral_flags`); a flag given both ways is a 422.

    With presets, they are merged in order with their strategy; ``parameters`` given beside them
    and then ``presets.overrides`` are applied last, key by key (deep merge). Without presets,
    ``parameters`` is the space. The result is checked against the runtime's catalog at
    ``version``: a wrong value, or a flag that engine version does not have, is a 422; an unknown
    group leaf or a deprecated flag a warning.
    """
    warnings: list[str] = []
    provenance: dict[str, Any] | None = None
    if presets is None:
        if not parameters and not parallel and not quantization:
            raise ValidationFailed(
                "The task has no parameter space: give 'parameters' (e.g. {\"tp-size\": [1, 2]}), 'presets', "
                "'parallel' or 'quantization'.",
                errors=[{"loc": ["body", "parameters"], "msg": "required without presets"}],
            )
        final = presets_service.normalize_space(parameters) if parameters else {}
    else:
        extra = presets_service.normalize_space(parameters) if parameters else None
        overrides = (
            presets_service.normalize_space(presets.overrides, prefix="Invalid overrides")
            if presets.overrides
            else None
        )
        fine_tuning = _deep_apply(extra, overrides)
        result, applied = presets_service.merge_presets(
            session,
            presets.ids,
            presets.merge_strategy,
            None,
            actor=actor,
            resolutions=presets.resolutions,
            runtime=engine_runtime(base_runtime),
        )
        tuned = _deep_apply(result.parameters, fine_tuning) if fine_tuning else None
        final = tuned if tuned is not None else result.parameters
        provenance = {
            "presets": [
                {
                    "id": p.id,
                    "version": p.version,
                    "name": p.name,
                    "slug": p.slug,
                    "runtime": p.runtime,
                    "parameters": copy.deepcopy(p.effective_parameters),
                }
                for p in applied
            ],
            "merge_strategy": result.strategy,
            "overrides": fine_tuning,
            "conflicts": [c.to_dict() for c in result.conflicts],
            "resolutions": presets.resolutions,
            "decisions": [d.to_dict() for d in result.decisions],
        }
        for preset in applied:
            if preset.runtime and engine_runtime(base_runtime) and preset.runtime != base_runtime:
                warnings.append(
                    f"Preset '{preset.name}' is written for {preset.runtime}, but this task runs {base_runtime}: "
                    "check that its flags mean something to this engine."
                )
        if not final:
            raise ValidationFailed(
                f"The merged parameter space is empty ({'; '.join(c.message for c in result.conflicts[:3])}): "
                "switch to union or last_wins, or choose other presets."
            )
    final, unlisted = expand_neutral(str(getattr(base_runtime, "value", base_runtime)), final, parallel, quantization)
    catalog_warnings = presets_service.check_against_catalog(
        engine_runtime(base_runtime), final, version=version, missing_is_error=True
    )
    # A flag the neutral words brought in is named once, with where it came from.
    warnings.extend(w for w in catalog_warnings if not any(w.startswith(f"'{flag}' ") for flag in unlisted))
    warnings.extend(unlisted.values())
    return final, provenance, warnings


def neutral_space(value: Any) -> dict[str, Any] | None:
    """A ParallelSpec/QuantizationSpec (or its stored dict) as plain data without unset words."""
    if value is None:
        return None
    data = value.model_dump(mode="json", exclude_none=True) if hasattr(value, "model_dump") else dict(value)
    return data or None


def _deep_apply(base: dict[str, Any] | None, top: dict[str, Any] | None) -> dict[str, Any] | None:
    if not top:
        return copy.deepcopy(base) if base else None
    if not base:
        return copy.deepcopy(top)
    # The merge engine applies overrides key by key, groups included.
    return PresetMerger().merge([NamedSpace("base", base)], "deep_merge", top).parameters


# --- validation of the rest ----------------------------------------------------------------


def check_settings(data: dict[str, Any], actor: Actor) -> None:
    """Benchmark, SLO, command and search settings that pydantic's shapes cannot say; the command
    runtime only for an actor who may run commands."""
    BenchmarkConfig.from_task(data["benchmark"])
    validate_slo(data.get("slo"))
    if data["base_runtime"] == Runtime.command:
        actor.check_may_run_commands()
        command = data.get("command") or []
        if not command:
            raise ValidationFailed(
                'A task with base_runtime "command" needs "command", an argument list such as '
                '["python", "server.py", "{model}", "--port", "{port}"].'
            )
        if not any("{port}" in arg for arg in command):
            raise ValidationFailed('The command must pass "{port}" to the server, e.g. "--port", "{port}".')
        if data.get("deployment_mode") == "docker" and not (data.get("docker") or {}).get("image"):
            raise ValidationFailed(
                'A docker task with base_runtime "command" needs docker.image, the image that holds its program '
                '(e.g. {"image": "my-engine:1.0"}).'
            )
    reject_unstorable(data, "Invalid task")


NOTHING_VALID = "None of the "


def _check_grid(task: Task) -> None:
    """A grid larger than max_iterations is refused; a space the rules leave empty is accepted
    with a warning (the task's ``warnings``, shown at creation), since the user may fix it later."""
    report = space_report(task, limit=0)
    task.warnings = [w for w in task.warnings or [] if not w.startswith(NOTHING_VALID)]
    if report.valid == 0:
        rules = [f"{effect.rule} ({effect.description})" for effect in report.removed_by_rule if effect.removed]
        task.warnings = [
            *task.warnings,
            f"{NOTHING_VALID}{report.total} combination{'s' if report.total != 1 else ''} of the space passes the "
            f"catalog's rules{': ' + '; '.join(rules) if rules else ''}. The task would run no experiment: "
            "change the parameters or 'gpus' before starting it.",
        ]
    optimization = task.optimization
    if optimization.get("strategy") != "grid_search" or optimization.get("sample_if_larger"):
        return
    size = report.valid if report.valid is not None else report.total
    limit = optimization.get("max_iterations", 50)
    if size > limit:
        raise ValidationFailed(
            f"The grid holds {size} combinations, more than max_iterations ({limit}): raise max_iterations, "
            "narrow the space, set sample_if_larger, or use random_search or bayesian."
        )


# --- CRUD ----------------------------------------------------------------------------------


def readable(actor: Actor, task: Task) -> bool:
    return actor.may_read(task.owner_id, task.visibility, task.team_ids)


def get_task(session: Session, task_id: int | str, actor: Actor) -> Task:
    """A task ``actor`` may read; one it may not is not found, like one that does not exist."""
    return get_by_ref(session, Task, task_id, noun="task", visible=lambda task: readable(actor, task))


def get_task_to_change(session: Session, task_id: int | str, actor: Actor, action: str) -> Task:
    """A task ``actor`` may read and change (start, cancel, edit): 403 with a sentence otherwise."""
    task = get_task(session, task_id, actor)
    if not actor.may_edit(task.owner_id, task.visibility, task.team_ids):
        owner = task.owner_name or "the instance"
        raise Forbidden(f"You can read task '{task.task_name}' but not {action} it: it belongs to {owner}.")
    return task


def get_task_to_own(session: Session, task_id: int | str, actor: Actor, action: str) -> Task:
    """A task ``actor`` owns (or any task, for an admin): deleting and sharing are the owner's."""
    task = get_task(session, task_id, actor)
    if not actor.owns(task.owner_id):
        owner = task.owner_name or "the instance"
        raise Forbidden(f"Only the owner of task '{task.task_name}' ({owner}) or an admin can {action} it.")
    return task


def list_tasks(
    session: Session,
    actor: Actor,
    *,
    status: str | None = None,
    mine: bool = False,
    team: int | None = None,
    visibility: str | None = None,
) -> list[Task]:
    """The tasks ``actor`` may read, newest first, filtered."""
    query = select(Task).order_by(Task.created_at.desc(), Task.id.desc())
    if status:
        query = query.where(Task.status == status)
    if mine:
        query = query.where(Task.owner_id == actor.user_id) if actor.user_id is not None else query.where(false())
    if visibility:
        query = query.where(Task.visibility == visibility)
    tasks = [t for t in session.scalars(query) if readable(actor, t)]
    return [t for t in tasks if team in t.team_ids] if team is not None else tasks


def _name_taken(name: str) -> str:
    return f"A task named '{name}' already exists: choose another name."


def _name_free(session: Session, name: str, exclude_id: int | None = None) -> None:
    query = select(Task.id).where(Task.task_name == name)
    if exclude_id is not None:
        query = query.where(Task.id != exclude_id)
    if session.scalar(query) is not None:
        raise NameConflict(_name_taken(name))


def create_task(session: Session, data: TaskCreate, *, actor: Actor) -> Task:
    begin_write(session)
    fields = data.model_dump(mode="json", exclude={"presets", "parameters"})
    fields["slo"] = normalize_slo(fields["slo"]) or None
    check_settings(fields, actor)
    version = resolve_runtime_version(data.base_runtime, data.runtime_version)
    parallel, quantization = neutral_space(data.parallel), neutral_space(data.quantization)
    parameters, provenance, warnings = resolve_parameters(
        session, data.base_runtime, data.parameters, data.presets, actor, version, parallel, quantization
    )
    _name_free(session, data.task_name)
    task = Task(
        task_name=data.task_name,
        description=data.description,
        model=fields["model"],
        base_runtime=data.base_runtime,
        runtime_version=version,
        command=data.command,
        deployment_mode=data.deployment_mode,
        docker=fields["docker"],
        gpus=data.gpus,
        parameters=parameters,
        parallel=parallel,
        quantization=quantization,
        optimization=fields["optimization"],
        benchmark=fields["benchmark"],
        slo=fields["slo"],
        provenance=provenance,
        warnings=warnings,
        status=TaskStatus.pending,
        owner_id=actor.user_id,
        visibility=Visibility.private,
    )
    _check_grid(task)
    session.add(task)
    flush_unique(session, _name_taken(data.task_name))
    audit.record(session, actor, "task.create", "task", task.id, f"Created task '{task.task_name}'")
    return task


def _not_running(task: Task, action: str) -> None:
    if task.status == TaskStatus.running:
        raise InvalidState(f"Task '{task.task_name}' is running: cancel it before you {action} it.")


def update_task(session: Session, task_id: int | str, data: TaskUpdate, *, actor: Actor) -> Task:
    begin_write(session)
    task = get_task_to_change(session, task_id, actor, "edit")
    _not_running(task, "edit")
    fields = data.model_fields_set
    for required in ("task_name", "model", "base_runtime", "optimization", "benchmark"):
        if required in fields and getattr(data, required) is None:
            raise ValidationFailed(f"'{required}' cannot be cleared: every task needs one.")
    dumped = data.model_dump(mode="json")
    merged: dict[str, Any] = {
        "base_runtime": dumped["base_runtime"] if "base_runtime" in fields else task.base_runtime,
        "command": dumped["command"] if "command" in fields else task.command,
        "benchmark": dumped["benchmark"] if "benchmark" in fields else task.benchmark,
        "slo": (normalize_slo(dumped["slo"]) or None) if "slo" in fields else task.slo,
        "model": dumped["model"] if "model" in fields else task.model,
        "task_name": data.task_name if "task_name" in fields else task.task_name,
        "description": data.description if "description" in fields else task.description,
        "deployment_mode": data.deployment_mode
        if "deployment_mode" in fields and data.deployment_mode
        else task.deployment_mode,
        "docker": dumped["docker"] if "docker" in fields else task.docker,
    }
    check_settings(merged, actor)
    if "runtime_version" in fields or "base_runtime" in fields:
        version = resolve_runtime_version(merged["base_runtime"], data.runtime_version)
    else:
        version = task.runtime_version
    parallel = neutral_space(data.parallel) if "parallel" in fields else task.parallel
    quantization = neutral_space(data.quantization) if "quantization" in fields else task.quantization
    runtime = merged["base_runtime"]
    if "presets" in fields and data.presets is not None:
        parameters, provenance, warnings = resolve_parameters(
            session,
            runtime,
            data.parameters if "parameters" in fields else None,
            data.presets,
            actor,
            version,
            parallel,
            quantization,
        )
        task.parameters, task.provenance, task.warnings = parameters, provenance, warnings
    elif "parameters" in fields:
        parameters, _, warnings = resolve_parameters(
            session, runtime, data.parameters, None, actor, version, parallel, quantization
        )
        # Hand-edited parameters: the presets are no longer where the space came from.
        task.parameters, task.provenance, task.warnings = parameters, None, warnings
    elif fields & {"parallel", "quantization", "base_runtime"} and (
        task.parallel or task.quantization or parallel or quantization
    ):
        # The neutral words' old flags go, their new ones (for this runtime) come.
        old = set(
            flags_of(str(getattr(task.base_runtime, "value", task.base_runtime)), task.parallel, task.quantization)
        )
        base = {k: v for k, v in task.parameters.items() if k not in old}
        parameters, _, warnings = resolve_parameters(
            session, runtime, base, None, actor, version, parallel, quantization
        )
        task.parameters, task.warnings = parameters, warnings
    elif "base_runtime" in fields or "runtime_version" in fields:
        task.warnings = presets_service.check_against_catalog(
            engine_runtime(merged["base_runtime"]), task.parameters, version=version, missing_is_error=True
        )
    task.runtime_version = version
    task.parallel, task.quantization = parallel, quantization
    if merged["task_name"] != task.task_name:
        _name_free(session, merged["task_name"], exclude_id=task.id)
    for key in ("task_name", "description", "base_runtime", "command", "model", "benchmark", "slo", "docker"):
        if key in fields:
            setattr(task, key, merged[key])
    task.deployment_mode = merged["deployment_mode"]
    if "gpus" in fields:
        task.gpus = data.gpus
    if "optimization" in fields:
        task.optimization = dumped["optimization"]
    _check_grid(task)
    flush_unique(session, _name_taken(task.task_name))
    audit.record(
        session, actor, "task.update", "task", task.id, f"Updated task '{task.task_name}' ({', '.join(sorted(fields))})"
    )
    return task


def delete_task(session: Session, task_id: int | str, actor: Actor) -> None:
    begin_write(session)
    task = get_task_to_own(session, task_id, actor, "delete")
    _not_running(task, "delete")
    audit.record(session, actor, "task.delete", "task", task.id, f"Deleted task '{task.task_name}'")
    session.delete(task)
    session.flush()


def share_task(session: Session, task_id: int | str, sharing: Sharing, actor: Actor) -> Task:
    """Set who may see a task: private, the given teams, or everyone (its owner or an admin)."""
    begin_write(session)
    task = get_task_to_own(session, task_id, actor, "share")
    team_ids = presets_service.check_sharing(session, sharing, actor)
    task.visibility = sharing.visibility
    task.shares = [TaskShare(team_id=t) for t in team_ids]
    session.flush()
    shown = f"teams {team_ids}" if team_ids else str(sharing.visibility)
    audit.record(session, actor, "task.share", "task", task.id, f"Shared task '{task.task_name}': {shown}")
    return task


# --- the space -----------------------------------------------------------------------------


def space_report(task: Task, *, offset: int = 0, limit: int = 50) -> SpaceReport:
    return analyze_space(
        task.parameters,
        engine_runtime(task.base_runtime),
        gpus=task.gpus,
        benchmark=task.benchmark,
        offset=offset,
        limit=limit,
    )


def draft_space(
    session: Session, draft: SpaceDraft, actor: Actor, *, offset: int = 0, limit: int = 50
) -> tuple[SpaceReport, dict[str, Any], list[str]]:
    version = resolve_runtime_version(draft.base_runtime, draft.runtime_version)
    parameters, _, warnings = resolve_parameters(
        session,
        draft.base_runtime,
        draft.parameters,
        draft.presets,
        actor,
        version,
        neutral_space(draft.parallel),
        neutral_space(draft.quantization),
    )
    benchmark = draft.benchmark.model_dump(mode="json") if draft.benchmark is not None else None
    report = analyze_space(
        parameters, engine_runtime(draft.base_runtime), gpus=draft.gpus, benchmark=benchmark, offset=offset, limit=limit
    )
    return report, parameters, warnings


def import_task_file(
    session: Session, data: Any, actor: Actor, *, task_name: str | None = None
) -> tuple[Task, list[dict[str, str]], str]:
    """Create a task from a task file, the reference autotuner's or this product's own export:
    the task, the report (every field of the file and what became of it) and the format read."""
    reject_unstorable(data, "The task file cannot be imported")
    body, report, kind = convert_task_file(data)
    if task_name is not None:
        body["task_name"] = task_name
        report.append({"field": "task_name", "outcome": "converted", "detail": f"renamed on import to '{task_name}'"})
    try:
        request = TaskCreate.model_validate(body)
    except ValidationError as exc:
        raise ValidationFailed(
            "The task file cannot be imported: " + validation_sentence([dict(e) for e in exc.errors()])
        ) from None
    return create_task(session, request, actor=actor), report, kind


def task_config(task: Task) -> dict[str, Any]:
    """What the tuning code needs of a task, as plain data."""
    return {
        "task_name": task.task_name,
        "model": dict(task.model),
        "base_runtime": task.base_runtime,
        "runtime_version": task.runtime_version,
        "command": list(task.command) if task.command else None,
        "deployment_mode": task.deployment_mode,
        "docker": copy.deepcopy(task.docker),
        "gpus": task.gpus,
        "parameters": copy.deepcopy(task.parameters),
        "optimization": dict(task.optimization),
        "benchmark": dict(task.benchmark),
        "slo": copy.deepcopy(task.slo),
    }


def task_read(task: Task) -> dict[str, Any]:
    """The task as the API shows it (adds the size of its space)."""
    data = {column.key: getattr(task, column.key) for column in Task.__table__.columns}
    data["combinations"] = count_combinations(task.parameters)
    data["owner"] = task.owner_name
    data["team_ids"] = task.team_ids
    runtime = str(getattr(task.base_runtime, "value", task.base_runtime))
    data["neutral_flags"] = flag_sources(runtime, task.parallel, task.quantization)
    return data
