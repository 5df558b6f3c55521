"""Search strategies: which parameter combination to run next. No database, no I/O.

Every strategy has the same small interface::

    strategy = make_strategy(task)            # or GridSearch(parameters, runtime=..., ...)
    for previous in recorded_experiments:      # resume: replay what already ran
        strategy.record(previous.parameters, previous.score)
    while (combination := strategy.suggest()) is not None:
        score = run(combination)               # None when the experiment failed
        strategy.record(combination, score)

``suggest()`` returns the next combination (nested like the space, groups as dicts) or ``None``
when the search is over (``stop_reason`` says why). Calling it again before ``record`` returns
the same combination. Scores follow :mod:`autotuner.tuning.scoring`: higher is better, ``None``
is a failed experiment and never the best. ``max_iterations`` bounds the number of recorded
experiments; ``patience`` (optional) stops after that many experiments in a row without a new
best. No strategy suggests a combination it has already recorded.

* ``grid_search``: every valid combination (the runtime's rules applied, see
  :mod:`autotuner.tuning.space`) in order. A space with more valid combinations than
  ``max_iterations`` is refused with its size, unless ``sample_if_larger`` is set: then a seeded
  random sample of ``max_iterations`` of them runs, in grid order.
* ``random_search``: the valid combinations in a seeded random order.
* ``bayesian``: Optuna's TPE sampler (seeded; the first ``n_startup_trials`` are random), one
  categorical distribution per leaf of the space. When TPE suggests a combination already run,
  the recorded result is told to Optuna again and it is asked anew, so nothing runs twice; after
  ``MAX_REPEATS`` repeats in a row (the space is nearly exhausted) an untried valid combination
  is picked at random.
"""

from __future__ import annotations

import random
from typing import Any

import optuna
from optuna.distributions import CategoricalDistribution
from optuna.trial import TrialState, create_trial

from autotuner.errors import ValidationFailed
from autotuner.presets.parameters import count_combinations, iter_leaves, value_key
from autotuner.tuning.space import valid_combinations

optuna.logging.set_verbosity(optuna.logging.WARNING)

STRATEGIES = ("grid_search", "random_search", "bayesian")
MAX_REPEATS = 50
DEFAULT_MAX_ITERATIONS = 100


class InvalidStrategy(ValidationFailed):
    pass


class SpaceTooLarge(ValidationFailed):
    pass


def flatten(combination: dict[str, Any], prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    """``(path, value)`` pairs of a combination, groups flattened, in key order."""
    out: list[tuple[tuple[str, ...], Any]] = []
    for name, value in combination.items():
        if isinstance(value, dict):
            out.extend(flatten(value, prefix + (name,)))
        else:
            out.append((prefix + (name,), value))
    return out


def combination_key(combination: dict[str, Any]) -> tuple:
    """Identity of a combination: key order does not matter, ``1 == 1.0``, ``True != 1``."""
    return tuple(sorted((path, value_key(value)) for path, value in flatten(combination)))


def _nest(pairs: list[tuple[tuple[str, ...], Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for path, value in pairs:
        level = out
        for key in path[:-1]:
            level = level.setdefault(key, {})
        level[path[-1]] = value
    return out


def _rules_runtime(runtime: str | None) -> str | None:
    return runtime if runtime in ("sglang", "vllm") else None


class Strategy:
    """Base: bookkeeping of recorded experiments, best score, iteration limit and early stop."""

    name = "strategy"

    def __init__(
        self,
        parameters: dict[str, Any],
        *,
        runtime: str | None = None,
        max_iterations: int = DEFAULT_MAX_ITERATIONS,
        seed: int | None = 0,
        patience: int | None = None,
        gpus: int | None = None,
    ) -> None:
        if not isinstance(max_iterations, int) or isinstance(max_iterations, bool) or max_iterations < 1:
            raise InvalidStrategy(f"max_iterations must be a whole number of at least 1, not {max_iterations!r}.")
        if patience is not None and (not isinstance(patience, int) or isinstance(patience, bool) or patience < 1):
            raise InvalidStrategy(f"The early-stop patience must be a whole number of at least 1, not {patience!r}.")
        self.parameters = parameters
        self.runtime = runtime
        self.max_iterations = max_iterations
        self.seed = seed
        self.patience = patience
        self.rng = random.Random(seed)
        self.valid: list[dict[str, Any]] = list(valid_combinations(parameters, _rules_runtime(runtime), gpus=gpus))
        if not self.valid:
            raise ValidationFailed(
                f"None of the {count_combinations(parameters)} combinations of the parameters passes the "
                f"{runtime} rules: widen the space or remove conflicting values."
            )
        self.valid_keys = {combination_key(c) for c in self.valid}
        self.history: list[tuple[dict[str, Any], float | None]] = []
        self.scores: dict[tuple, float | None] = {}
        self.best_score: float | None = None
        self.best_combination: dict[str, Any] | None = None
        self.since_improvement = 0
        self.stop_reason: str | None = None
        self._pending: dict[str, Any] | None = None

    # -- the interface --

    def suggest(self) -> dict[str, Any] | None:
        if self._pending is not None:
            return self._pending
        if len(self.history) >= self.max_iterations:
            self.stop_reason = f"reached max_iterations ({self.max_iterations})"
            return None
        if self.patience is not None and self.since_improvement >= self.patience:
            self.stop_reason = f"no improvement in the last {self.patience} experiments (early stop)"
            return None
        combination = self._next()
        if combination is None:
            self.stop_reason = self.stop_reason or "every combination has been tried"
            return None
        self._pending = combination
        return combination

    def record(self, combination: dict[str, Any], score: float | None) -> None:
        """Record an experiment's result (also used to replay earlier experiments on resume)."""
        key = combination_key(combination)
        self.history.append((combination, score))
        self.scores[key] = score
        if self._pending is not None and combination_key(self._pending) == key:
            self._pending = None
        if score is not None and (self.best_score is None or score > self.best_score):
            self.best_score = score
            self.best_combination = combination
            self.since_improvement = 0
        else:
            self.since_improvement += 1
        self._recorded(combination, key, score)

    @property
    def experiments(self) -> int:
        return len(self.history)

    # -- for subclasses --

    def _next(self) -> dict[str, Any] | None:
        """The next untried combination, or None when the strategy has none left."""
        raise TypeError(f"{type(self).__name__} must define _next(): use GridSearch, RandomSearch or BayesianSearch")

    def _recorded(self, combination: dict[str, Any], key: tuple, score: float | None) -> None:
        pass

    def _first_untried(self, order: list[dict[str, Any]]) -> dict[str, Any] | None:
        for combination in order:
            if combination_key(combination) not in self.scores:
                return combination
        return None


class GridSearch(Strategy):
    name = "grid_search"

    def __init__(self, parameters: dict[str, Any], *, sample_if_larger: bool = False, **kwargs: Any) -> None:
        super().__init__(parameters, **kwargs)
        if len(self.valid) > self.max_iterations:
            if not sample_if_larger:
                raise SpaceTooLarge(
                    f"Grid search would run {len(self.valid)} experiments (valid combinations of "
                    f"{count_combinations(parameters)}), more than max_iterations {self.max_iterations}: narrow the "
                    f"space, raise max_iterations to {len(self.valid)}, or set sample_if_larger to run a random "
                    f"sample of {self.max_iterations}."
                )
            chosen = sorted(self.rng.sample(range(len(self.valid)), self.max_iterations))
            self.order = [self.valid[i] for i in chosen]
        else:
            self.order = list(self.valid)

    def _next(self) -> dict[str, Any] | None:
        return self._first_untried(self.order)


class RandomSearch(Strategy):
    name = "random_search"

    def __init__(self, parameters: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(parameters, **kwargs)
        self.order = list(self.valid)
        self.rng.shuffle(self.order)

    def _next(self) -> dict[str, Any] | None:
        return self._first_untried(self.order)


class BayesianSearch(Strategy):
    name = "bayesian"

    def __init__(self, parameters: dict[str, Any], *, n_startup_trials: int | None = None, **kwargs: Any) -> None:
        super().__init__(parameters, **kwargs)
        if n_startup_trials is None:
            n_startup_trials = min(10, max(2, self.max_iterations // 4))
        self.n_startup_trials = n_startup_trials
        self.leaves = [(path, list(values)) for path, values in iter_leaves(parameters)]
        self.param_names = [".".join(path) for path, _ in self.leaves]
        self.distributions = {
            name: CategoricalDistribution(values) for name, (_path, values) in zip(self.param_names, self.leaves)
        }
        sampler = optuna.samplers.TPESampler(seed=self.seed, n_startup_trials=n_startup_trials)
        self.study = optuna.create_study(direction="maximize", sampler=sampler)
        self._trial: optuna.trial.Trial | None = None
        self.repeats_told = 0

    def _params_of(self, combination: dict[str, Any]) -> dict[str, Any]:
        values = dict(flatten(combination))
        return {name: values[path] for name, (path, _v) in zip(self.param_names, self.leaves) if path in values}

    def _combination_of(self, params: dict[str, Any]) -> dict[str, Any]:
        return _nest([(path, params[name]) for name, (path, _v) in zip(self.param_names, self.leaves)])

    def _tell(self, trial: optuna.trial.Trial, score: float | None) -> None:
        if score is None:
            self.study.tell(trial, state=TrialState.FAIL)
        else:
            self.study.tell(trial, score)

    def _next(self) -> dict[str, Any] | None:
        for _ in range(MAX_REPEATS):
            trial = self.study.ask(self.distributions)
            combination = self._combination_of(trial.params)
            key = combination_key(combination)
            if key not in self.valid_keys:
                # Removed by the runtime's rules: never run; a failure teaches TPE nothing, so the
                # repeat cap below ends the loop when it keeps coming back.
                self.study.tell(trial, state=TrialState.FAIL)
                continue
            if key in self.scores:
                self.repeats_told += 1
                self._tell(trial, self.scores[key])
                continue
            self._trial = trial
            return combination
        untried = [c for c in self.valid if combination_key(c) not in self.scores]
        if not untried:
            return None
        combination = self.rng.choice(untried)
        self.study.enqueue_trial(self._params_of(combination))
        self._trial = self.study.ask(self.distributions)
        return self._combination_of(self._trial.params)

    def _recorded(self, combination: dict[str, Any], key: tuple, score: float | None) -> None:
        if self._trial is not None and combination_key(self._combination_of(self._trial.params)) == key:
            self._tell(self._trial, score)
            self._trial = None
            return
        # A replayed (or unexpected) result: add it to the study as a finished trial.
        params = self._params_of(combination)
        if len(params) != len(self.param_names):
            return  # not a combination of this space; nothing to teach
        self.study.add_trial(
            create_trial(
                params=params,
                distributions=self.distributions,
                value=score,
                state=TrialState.COMPLETE if score is not None else TrialState.FAIL,
            )
        )


_CLASSES = {"grid_search": GridSearch, "random_search": RandomSearch, "bayesian": BayesianSearch}


def make_strategy(task: dict[str, Any], *, gpus: int | None = None) -> Strategy:
    """The strategy a task asks for, from its ``parameters``, ``base_runtime`` and ``optimization``
    (``strategy``, ``max_iterations``, and optionally ``seed``, ``early_stop_patience``,
    ``sample_if_larger`` for the grid, ``n_startup_trials`` for bayesian)."""
    optimization = task.get("optimization") or {}
    name = optimization.get("strategy", "grid_search")
    if name not in _CLASSES:
        raise InvalidStrategy(f"Unknown strategy {name!r}: use one of {', '.join(STRATEGIES)}.")
    kwargs: dict[str, Any] = {
        "runtime": task.get("base_runtime"),
        "max_iterations": optimization.get("max_iterations", DEFAULT_MAX_ITERATIONS),
        "seed": optimization.get("seed", 0),
        "patience": optimization.get("early_stop_patience"),
        "gpus": gpus,
    }
    if name == "grid_search":
        kwargs["sample_if_larger"] = bool(optimization.get("sample_if_larger", False))
    if name == "bayesian" and optimization.get("n_startup_trials") is not None:
        kwargs["n_startup_trials"] = optimization["n_startup_trials"]
    return _CLASSES[name](task.get("parameters") or {}, **kwargs)
