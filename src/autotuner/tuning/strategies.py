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
the same combination.

Batches (several experiments at once): ``propose()`` returns a *new* combination each call, one
that is neither recorded nor already in flight, until ``record`` (a result) or ``forget`` (it did
not run) closes it; ``None`` means nothing more can be proposed now (the limit counts the
experiments in flight; when some are, more may come once they are recorded). Scores follow :mod:`autotuner.tuning.scoring`: higher is better, ``None``
is a failed experiment and never the best. ``max_iterations`` bounds the number of recorded
experiments; ``patience`` (optional) stops after that many experiments in a row without a new
best. No strategy suggests a combination it has already recorded.

* ``grid_search``: every valid combination (the runtime's rules applied, see
  :mod:`autotuner.tuning.space`) in order. A space with more valid combinations than
  ``max_iterations`` is refused with its size, unless ``sample_if_larger`` is set: then a seeded
  random sample of ``max_iterations`` of them runs, in grid order.
* ``random_search``: the valid combinations in a seeded random order.
* ``bayesian``: Optuna's TPE sampler (seeded; the first ``n_startup_trials`` are random), one
  categorical distribution per leaf of the space. A batch asks several trials before telling
  any; it stays diverse because TPE runs with ``constant_liar`` (trials still running count as
  the worst result, so the next ask moves away from them) and a proposal equal to one in flight
  is dropped and asked anew. When TPE suggests a combination already run,
  the recorded result is told to Optuna again and it is asked anew, so nothing runs twice; after
  ``MAX_REPEATS`` repeats in a row (the space is nearly exhausted) an untried valid combination
  is picked at random. With ``learn_failures`` a failure is told as a broken constraint, and
  a start-up (random) candidate nearer a failed experiment than any successful one is drawn
  again, at most ``STARTUP_SKIPS`` times per proposal.

Size. No strategy lists the valid combinations: their number (``valid_count``) is counted
exactly by :class:`autotuner.tuning.space.ValidCombinations`, the grid walks them lazily, and
random picks (the random order, the grid's sample, the bayesian fallback) are seeded indices
fetched one by one, so a space of 10^8 or 10^20 combinations costs no more than a small one.
A space whose valid combinations cannot be counted (a rule reads more than ``max_enumerate``
value assignments together, see :mod:`autotuner.tuning.space`) is refused with its size.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Iterator
from typing import Any

import optuna
from optuna.distributions import BaseDistribution, CategoricalDistribution
from optuna.study import StudyDirection
from optuna.trial import TrialState, create_trial

from autotuner.core.enums import engine_runtime
from autotuner.core.errors import ValidationFailed
from autotuner.core.parameters import iter_leaves, value_key
from autotuner.tuning.scoring import is_better
from autotuner.tuning.space import ValidCombinations, combination_is_valid

optuna.logging.set_verbosity(optuna.logging.WARNING)

STRATEGIES = ("grid_search", "random_search", "bayesian")
MAX_REPEATS = 50
FAILURE_CONSTRAINT = "experiment_failed"  # > 0 on a trial whose experiment failed (learn_failures)
DEFAULT_MAX_ITERATIONS = 100
# Below this many valid combinations a random order is a shuffled list of indices and the
# bayesian fallback scans every untried combination; above, indices are drawn one at a time.
SMALL_SPACE = 10_000
# How many random indices the bayesian fallback tries before scanning for an untried combination.
FALLBACK_DRAWS = 200
# learn_failures, start-up trials: random candidates nearer a failed experiment than any
# successful one are drawn again, at most this many times per suggestion (then one is run anyway).
STARTUP_SKIPS = 10


# A combination's identity (see :func:`combination_key`): sorted ``(path, value_key)`` pairs.
CombinationKey = tuple[tuple[tuple[str, ...], tuple[str, Any]], ...]


class InvalidStrategy(ValidationFailed):
    pass


class SpaceTooLarge(ValidationFailed):
    pass


def flatten(combination: dict[str, Any], prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    """``(path, value)`` pairs of a combination, groups flattened, in key order."""
    out: list[tuple[tuple[str, ...], Any]] = []
    for name, value in combination.items():
        if isinstance(value, dict):
            out.extend(flatten(value, (*prefix, name)))
        else:
            out.append(((*prefix, name), value))
    return out


def combination_key(combination: dict[str, Any]) -> CombinationKey:
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
    return engine_runtime(runtime)


def search_space(
    parameters: dict[str, Any],
    runtime: str | None,
    *,
    gpus: int | None = None,
    benchmark: dict[str, Any] | None = None,
) -> ValidCombinations:
    """The valid combinations a search over ``parameters`` chooses from (the rules of ``runtime``
    applied when it has a catalog, with the task's ``gpus`` and ``benchmark`` as their context); refuses, with its size, a space whose valid combinations
    cannot be counted. That only happens when the flags one rule (or rules sharing flags) reads
    hold more than ``max_enumerate`` (200,000) value assignments together, so the space is larger
    still, and listing it instead would stall the service and eat its memory."""
    space = ValidCombinations(parameters, _rules_runtime(runtime), gpus=gpus, benchmark=benchmark)
    if space.count is None:
        raise SpaceTooLarge(
            f"The parameter space holds {space.total:,} combinations and the {runtime} rules read too many of "
            f"their values together (over {space.max_enumerate:,} assignments) to count the valid ones: give the "
            "flags those rules read fewer values before starting the task."
        )
    return space


def _positions(values: list[Any]) -> dict[Any, float] | None:
    """Each value's place in [0, 1] in numeric order (keyed by ``value_key``) when every value is
    a number, else None."""
    if not values or any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in values):
        return None
    low, high = min(values), max(values)
    span = high - low
    return {value_key(v): (v - low) / span if span else 0.0 for v in values}


def sample_indices(rng: random.Random, n: int, k: int) -> list[int]:
    """``k`` distinct indices below ``n`` (``k <= n``), seeded by ``rng``, without listing ``range(n)``."""
    if n <= sys.maxsize:
        return rng.sample(range(n), k)  # lazy for a large n; len(range) needs n to fit a C ssize_t
    chosen: dict[int, None] = {}
    while len(chosen) < k:
        chosen.setdefault(rng.randrange(n), None)
    return list(chosen)


def shuffled_indices(rng: random.Random, n: int) -> Iterator[int]:
    """Every index below ``n`` once, in an order seeded by ``rng``, drawn lazily when ``n`` is
    large (by rejection: fine while the draws stay a small part of ``n``, as experiments do)."""
    if n <= SMALL_SPACE:
        order = list(range(n))
        rng.shuffle(order)
        return iter(order)

    def draw() -> Iterator[int]:
        seen: set[int] = set()
        while len(seen) < n:
            index = rng.randrange(n)
            if index not in seen:
                seen.add(index)
                yield index

    return draw()


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
        benchmark: dict[str, Any] | None = None,
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
        self.gpus = gpus
        self.benchmark = benchmark
        self.space = search_space(parameters, runtime, gpus=gpus, benchmark=benchmark)
        assert self.space.count is not None  # search_space refuses a space it cannot count
        self.valid_count: int = self.space.count
        if not self.valid_count:
            raise ValidationFailed(
                f"None of the {self.space.total} combinations of the parameters passes the "
                f"{runtime} rules: widen the space or remove conflicting values."
            )
        self.history: list[tuple[dict[str, Any], float | None]] = []
        self.scores: dict[CombinationKey, float | None] = {}
        self.values: dict[CombinationKey, dict[str, float]] = {}  # objectives' values (several objectives)
        self.best_score: float | None = None
        self.best_combination: dict[str, Any] | None = None
        self.since_improvement = 0
        self.stop_reason: str | None = None
        self._pending: dict[str, Any] | None = None
        self.in_flight: dict[CombinationKey, dict[str, Any]] = {}
        self._source: Iterator[dict[str, Any]] = iter(())  # the order _first_untried follows
        self._current: dict[str, Any] | None = None

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

    def propose(self) -> dict[str, Any] | None:
        """A new combination for a batch (see the module's notes), or None for now."""
        if self._pending is not None:  # a suggestion made sequentially joins the batch
            pending, self._pending = self._pending, None
            self.in_flight[combination_key(pending)] = pending
            return pending
        if len(self.history) + len(self.in_flight) >= self.max_iterations:
            self.stop_reason = f"reached max_iterations ({self.max_iterations})"
            return None
        if self.patience is not None and self.since_improvement >= self.patience:
            self.stop_reason = f"no improvement in the last {self.patience} experiments (early stop)"
            return None
        proposed = self._next()
        if proposed is None:
            self.stop_reason = self.stop_reason or "every combination has been tried"
            return None
        self.in_flight[combination_key(proposed)] = proposed
        return proposed

    def forget(self, combination: dict[str, Any]) -> None:
        """A proposed combination that will not run (cancelled): no longer in flight."""
        key = combination_key(combination)
        self.in_flight.pop(key, None)
        self._forgotten(key)

    def _forgotten(self, key: CombinationKey) -> None:
        pass

    def record(
        self,
        combination: dict[str, Any],
        score: float | None,
        *,
        pruned: bool = False,
        values: dict[str, float] | None = None,
    ) -> None:
        """Record an experiment's result (also used to replay earlier experiments on resume);
        ``pruned``: no score because it was stopped early as hopeless, not because it failed;
        ``values``: each objective's value (a multi-objective search learns from them)."""
        if values is not None and score is not None:
            self.values[combination_key(combination)] = values
        key = combination_key(combination)
        self.in_flight.pop(key, None)
        self.history.append((combination, score))
        self.scores[key] = score
        if self._pending is not None and combination_key(self._pending) == key:
            self._pending = None
        if is_better(score, self.best_score):
            self.best_score = score
            self.best_combination = combination
            self.since_improvement = 0
        else:
            self.since_improvement += 1
        self._recorded(combination, key, score, pruned)

    @property
    def experiments(self) -> int:
        return len(self.history)

    # -- for subclasses --

    def _next(self) -> dict[str, Any] | None:
        """The next untried combination, or None when the strategy has none left."""
        raise TypeError(f"{type(self).__name__} must define _next(): use GridSearch, RandomSearch or BayesianSearch")

    def _recorded(
        self, combination: dict[str, Any], key: CombinationKey, score: float | None, pruned: bool = False
    ) -> None:
        pass

    def valid_at(self, index: int) -> dict[str, Any]:
        """The ``index``-th valid combination in grid order (``0 <= index < valid_count``)."""
        return self.space.at(index)

    def iter_valid(self) -> Iterator[dict[str, Any]]:
        """The valid combinations in grid order, lazily."""
        return iter(self.space)

    def is_valid(self, combination: dict[str, Any]) -> bool:
        """Whether a combination of the space passes the runtime's rules."""
        return combination_is_valid(
            combination, _rules_runtime(self.runtime), gpus=self.gpus, benchmark=self.benchmark
        )[0]

    def _first_untried(self) -> dict[str, Any] | None:
        """The next combination of ``self._source`` not yet recorded (the source is consumed
        lazily; the one returned stays current until it is recorded)."""
        while True:
            if self._current is None:
                self._current = next(self._source, None)
                if self._current is None:
                    return None
            key = combination_key(self._current)
            if key not in self.scores and key not in self.in_flight:
                return self._current
            self._current = None


class GridSearch(Strategy):
    name = "grid_search"

    def __init__(self, parameters: dict[str, Any], *, sample_if_larger: bool = False, **kwargs: Any) -> None:
        super().__init__(parameters, **kwargs)
        size = self.valid_count
        if size > self.max_iterations:
            if not sample_if_larger:
                raise SpaceTooLarge(
                    f"Grid search would run {size:,} experiments (valid combinations of "
                    f"{self.space.total:,}), more than max_iterations {self.max_iterations}: narrow the "
                    f"space, raise max_iterations to {size}, or set sample_if_larger to run a random "
                    f"sample of {self.max_iterations}."
                )
            self.sample: list[int] | None = sorted(sample_indices(self.rng, size, self.max_iterations))
            self._source = (self.valid_at(i) for i in self.sample)
        else:
            self.sample = None
            self._source = self.iter_valid()

    def _next(self) -> dict[str, Any] | None:
        return self._first_untried()


class RandomSearch(Strategy):
    name = "random_search"

    def __init__(self, parameters: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(parameters, **kwargs)
        self._source = (self.valid_at(i) for i in shuffled_indices(self.rng, self.valid_count))

    def _next(self) -> dict[str, Any] | None:
        return self._first_untried()


class BayesianSearch(Strategy):
    name = "bayesian"

    def __init__(
        self,
        parameters: dict[str, Any],
        *,
        n_startup_trials: int | None = None,
        learn_failures: bool = False,
        objectives: list[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(parameters, **kwargs)
        self.learn_failures = learn_failures
        self.objectives = list(objectives or [])
        if n_startup_trials is None:
            n_startup_trials = min(10, max(2, self.max_iterations // 4))
        self.n_startup_trials = n_startup_trials
        self.leaves = [(path, list(values)) for path, values in iter_leaves(parameters)]
        self.param_names = [".".join(path) for path, _ in self.leaves]
        self.distributions: dict[str, BaseDistribution] = {
            name: CategoricalDistribution(values)
            for name, (_path, values) in zip(self.param_names, self.leaves, strict=False)
        }
        sampler = optuna.samplers.TPESampler(seed=self.seed, n_startup_trials=n_startup_trials, constant_liar=True)
        if self.objectives:  # several objectives: TPE's multi-objective mode, their Pareto front
            directions = [
                StudyDirection.MAXIMIZE if o.startswith("maximize") else StudyDirection.MINIMIZE
                for o in self.objectives
            ]
            self.study = optuna.create_study(directions=directions, sampler=sampler)
        else:
            self.study = optuna.create_study(direction="maximize", sampler=sampler)
        self._trials: dict[CombinationKey, optuna.trial.Trial] = {}  # asked, not yet told
        self.repeats_told = 0
        self.outcomes: list[tuple[dict[str, Any], bool]] = []  # (params, failed) of each result seen
        self.predicted_failures_skipped = 0
        # Each leaf's values as positions in [0, 1] when all are numbers (so nearby values are
        # near), else None (values only equal or differ).
        self._positions: dict[str, dict[Any, float] | None] = {
            name: _positions(values) for name, (_path, values) in zip(self.param_names, self.leaves, strict=False)
        }

    def _params_of(self, combination: dict[str, Any]) -> dict[str, Any]:
        values = dict(flatten(combination))
        return {
            name: values[path]
            for name, (path, _v) in zip(self.param_names, self.leaves, strict=False)
            if path in values
        }

    def _combination_of(self, params: dict[str, Any]) -> dict[str, Any]:
        return _nest([(path, params[name]) for name, (path, _v) in zip(self.param_names, self.leaves, strict=False)])

    def _floor(self) -> float | list[float]:
        """The value(s) a failed or pruned trial is told: the worst recorded (0 before any)."""
        if self.objectives:
            worst = []
            for objective in self.objectives:
                seen = [v[objective] for v in self.values.values() if objective in v]
                pick = min if objective.startswith("maximize") else max
                worst.append(pick(seen) if seen else 0.0)
            return worst
        scores = [s for s in self.scores.values() if s is not None]
        return min(scores) if scores else 0.0

    def _told(self, key: CombinationKey, score: float | None) -> float | list[float] | None:
        """What the study is told for a result: the score, or each objective's value."""
        if score is None or not self.objectives:
            return score
        values = self.values.get(key) or {}
        return [values[o] for o in self.objectives] if all(o in values for o in self.objectives) else None

    def _tell(self, trial: optuna.trial.Trial, score: float | None, pruned: bool = False) -> None:
        told = self._told(combination_key(self._combination_of(trial.params)), score)
        if told is not None:
            self.study.tell(trial, told)
        elif not self.learn_failures:
            self.study.tell(trial, state=TrialState.FAIL)
        else:
            # Hidden constraints: a failure is a finished trial that broke a constraint, so TPE
            # counts its region among the bad ones; a pruned one is merely the worst score.
            if not pruned:
                trial.set_constraint(FAILURE_CONSTRAINT, 1.0)
            self.study.tell(trial, self._floor())

    def _distance(self, a: dict[str, Any], b: dict[str, Any]) -> float:
        """How far apart two parameter assignments are: per parameter, the gap between the two
        values' positions for numbers, else 0 when equal and 1 when not; summed."""
        total = 0.0
        for name, positions in self._positions.items():
            if name not in a or name not in b:
                continue
            if positions is None:
                total += 0.0 if value_key(a[name]) == value_key(b[name]) else 1.0
            else:
                total += abs(positions[value_key(a[name])] - positions[value_key(b[name])])
        return total

    def predicted_to_fail(self, params: dict[str, Any]) -> bool:
        """True when a failed experiment lies strictly nearer ``params`` than every successful one
        (nearest neighbour). Nothing is predicted before both a failure and a success are seen."""
        nearest = {True: float("inf"), False: float("inf")}
        for seen, failed in self.outcomes:
            nearest[failed] = min(nearest[failed], self._distance(params, seen))
        if nearest[True] == float("inf") or nearest[False] == float("inf"):
            return False
        return nearest[True] < nearest[False] - 1e-9  # a tie (up to rounding) is explored

    def _in_startup(self) -> bool:
        finished = self.study.get_trials(deepcopy=False, states=(TrialState.COMPLETE, TrialState.PRUNED))
        return len(finished) < self.n_startup_trials

    def _next(self) -> dict[str, Any] | None:
        combination: dict[str, Any] | None
        skips = 0
        for _ in range(MAX_REPEATS):
            trial = self.study.ask(self.distributions)
            combination = self._combination_of(trial.params)
            key = combination_key(combination)
            if (
                self.learn_failures
                and skips < STARTUP_SKIPS
                and key not in self.scores
                and self._in_startup()
                and self.predicted_to_fail(trial.params)
            ):
                # Start-up trials are random and learn nothing from failures, so a candidate
                # nearer a known failure than any success is drawn again (a bounded number of
                # times, so the start-up still explores).
                skips += 1
                self.predicted_failures_skipped += 1
                self.study.tell(trial, state=TrialState.FAIL)
                continue
            if not self.is_valid(combination):
                # Removed by the runtime's rules: never run; a failure teaches TPE nothing, so the
                # repeat cap below ends the loop when it keeps coming back.
                self.study.tell(trial, state=TrialState.FAIL)
                continue
            if key in self.scores:
                self.repeats_told += 1
                self._tell(trial, self.scores[key])
                continue
            if key in self.in_flight or key in self._trials:
                # The same as an experiment running now: drop it (a failed trial teaches TPE
                # nothing) and ask again; constant_liar makes the next ask look elsewhere.
                self.study.tell(trial, state=TrialState.FAIL)
                continue
            self._trials[key] = trial
            return combination
        combination = self._untried_at_random()
        if combination is None:
            return None
        self.study.enqueue_trial(self._params_of(combination))
        trial = self.study.ask(self.distributions)
        combination = self._combination_of(trial.params)
        self._trials[combination_key(combination)] = trial
        return combination

    def warm(self, combination: dict[str, Any], score: float | None, values: dict[str, float] | None = None) -> bool:
        """Teach the model an experiment of an earlier task (warm start) without counting it as
        tried here: the combination may still run. False when it is not a valid combination of this space."""
        params = self._params_of(combination)
        if len(params) != len(self.param_names) or len(dict(flatten(combination))) != len(params):
            return False
        if any(
            params[name] not in dist.choices
            for name, dist in self.distributions.items()
            if isinstance(dist, CategoricalDistribution)
        ):
            return False
        if not self.is_valid(combination):
            return False
        if score is None:
            if not self.learn_failures:
                return False
            floor = self._floor()
            trial = create_trial(
                params=params,
                distributions=self.distributions,
                value=None if isinstance(floor, list) else floor,
                values=floor if isinstance(floor, list) else None,
                constraints={FAILURE_CONSTRAINT: 1.0},
            )
        else:
            told: float | list[float] = score
            if self.objectives:
                if not values or not all(o in values for o in self.objectives):
                    return False
                told = [values[o] for o in self.objectives]
            trial = create_trial(
                params=params,
                distributions=self.distributions,
                value=None if isinstance(told, list) else told,
                values=told if isinstance(told, list) else None,
            )
        self.study.add_trial(trial)
        self.outcomes.append((params, score is None))
        return True

    def _untried_at_random(self) -> dict[str, Any] | None:
        """An untried valid combination picked at random, or None when every one has been tried.
        A small space is scanned; a large one is sampled by index (a bounded number of draws,
        then a scan in grid order, which only a nearly exhausted space reaches)."""
        if self.valid_count <= SMALL_SPACE:
            untried = [c for c in self.iter_valid() if self._untried(combination_key(c))]
            return self.rng.choice(untried) if untried else None
        for _ in range(FALLBACK_DRAWS):
            combination = self.valid_at(self.rng.randrange(self.valid_count))
            if self._untried(combination_key(combination)):
                return combination
        return next((c for c in self.iter_valid() if self._untried(combination_key(c))), None)

    def _untried(self, key: CombinationKey) -> bool:
        return key not in self.scores and key not in self.in_flight and key not in self._trials

    def _forgotten(self, key: CombinationKey) -> None:
        trial = self._trials.pop(key, None)
        if trial is not None:
            self.study.tell(trial, state=TrialState.FAIL)

    def _recorded(
        self, combination: dict[str, Any], key: CombinationKey, score: float | None, pruned: bool = False
    ) -> None:
        if not pruned:
            self.outcomes.append((self._params_of(combination), score is None))
        trial = self._trials.pop(key, None)
        if trial is not None:
            self._tell(trial, score, pruned)
            return
        # A replayed (or unexpected) result: add it to the study as a finished trial.
        params = self._params_of(combination)
        if len(params) != len(self.param_names):
            return  # not a combination of this space; nothing to teach
        told = self._told(key, score)
        if told is None and self.learn_failures:
            floor = self._floor()
            self.study.add_trial(
                create_trial(
                    params=params,
                    distributions=self.distributions,
                    value=None if isinstance(floor, list) else floor,
                    values=floor if isinstance(floor, list) else None,
                    constraints=None if pruned else {FAILURE_CONSTRAINT: 1.0},
                )
            )
            return
        self.study.add_trial(
            create_trial(
                params=params,
                distributions=self.distributions,
                value=None if isinstance(told, list) else told,
                values=told if isinstance(told, list) else None,
                state=TrialState.COMPLETE if told is not None else TrialState.FAIL,
            )
        )


_CLASSES: dict[str, type[Strategy]] = {
    "grid_search": GridSearch,
    "random_search": RandomSearch,
    "bayesian": BayesianSearch,
}


def make_strategy(task: dict[str, Any], *, gpus: int | None = None) -> Strategy:
    """The strategy a task asks for, from its ``parameters``, ``base_runtime``, ``benchmark`` (its
    traffic scenarios are context for the rules) and ``optimization``
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
        "benchmark": task.get("benchmark"),
    }
    if name == "grid_search":
        kwargs["sample_if_larger"] = bool(optimization.get("sample_if_larger", False))
    if name == "bayesian" and optimization.get("n_startup_trials") is not None:
        kwargs["n_startup_trials"] = optimization["n_startup_trials"]
    if name == "bayesian":
        kwargs["learn_failures"] = bool(optimization.get("learn_failures", False))
        kwargs["objectives"] = optimization.get("objectives") or None
    return _CLASSES[name](task.get("parameters") or {}, **kwargs)
