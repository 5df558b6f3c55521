"""Parallel and quantization sweeps in engine-neutral words, and the flags each runtime spells
them with. Pure: plain data in, plain data out.

A task may say::

    "parallel": {"tp": [1, 2], "pp": [1], "dp": [1, 2], "ep": [1]}
    "quantization": {"weights": ["fp8", null], "kv_cache": ["auto", "fp8_e5m2"]}

and :func:`expand_neutral` adds them to the task's parameter space as the runtime's own flags
(each list is one more dimension of the space, crossed with the rest):

============  ======================  ==========================  ============================
neutral       SGLang                  vLLM                        llama.cpp
============  ======================  ==========================  ============================
parallel.tp   ``--tp-size``           ``--tensor-parallel-size``  refused (one process)
parallel.pp   ``--pp-size``           ``--pipeline-parallel-size``  refused
parallel.dp   ``--dp-size``           ``--data-parallel-size``    refused
parallel.ep   ``--ep-size``           ``--enable-expert-parallel`` (1: off; more: on, and
                                      vLLM's expert-parallel size is then tp x dp)
weights       ``--quantization``      ``--quantization``          refused (the GGUF file is
                                                                  the quantization)
kv_cache      ``--kv-cache-dtype``    ``--kv-cache-dtype``        refused (use cache-type-k /
                                                                  cache-type-v in parameters)
============  ======================  ==========================  ============================

``null`` means "no flag, the engine's default": for ``weights`` it becomes ``false`` in the space
(a false value is left off the command line), for ``kv_cache`` the engines' default ``auto``.
A ``command`` runtime takes neither (its flags are its own: write them in ``parameters``).

A neutral word whose flag is also in the parameters (under any of its spellings) is refused with
a sentence; a flag the runtime's catalog does not list comes back as a warning.
"""

from __future__ import annotations

from typing import Any

from autotuner.core.errors import ValidationFailed
from autotuner.core.parameters import dedupe
from autotuner.runtimes.loading import get_catalog

PARALLEL_WORDS = ("tp", "pp", "dp", "ep")
QUANTIZATION_WORDS = ("weights", "kv_cache")

# neutral word -> the runtime's flag (without dashes).
NEUTRAL_FLAGS: dict[str, dict[str, str]] = {
    "sglang": {
        "tp": "tp-size",
        "pp": "pp-size",
        "dp": "dp-size",
        "ep": "ep-size",
        "weights": "quantization",
        "kv_cache": "kv-cache-dtype",
    },
    "vllm": {
        "tp": "tensor-parallel-size",
        "pp": "pipeline-parallel-size",
        "dp": "data-parallel-size",
        "ep": "enable-expert-parallel",
        "weights": "quantization",
        "kv_cache": "kv-cache-dtype",
    },
}

# Other spellings of the same setting that a parameter space may already hold.
SAME_SETTING: dict[str, tuple[str, ...]] = {
    "tp-size": ("tp", "tensor-parallel-size"),
    "pp-size": ("pp", "pipeline-parallel-size"),
    "dp-size": ("dp", "data-parallel-size"),
    "ep-size": ("ep", "expert-parallel-size"),
    "tensor-parallel-size": ("tp", "tp-size"),
    "pipeline-parallel-size": ("pp", "pp-size"),
    "data-parallel-size": ("dp", "dp-size"),
    "enable-expert-parallel": ("ep", "ep-size"),
    "quantization": ("q",),
    "kv-cache-dtype": (),
}

REFUSED = {
    "llamacpp": {
        "parallel": (
            "llama.cpp runs one process and has no tp/pp/dp/ep sizes: remove 'parallel' and, to spread "
            "layers over GPUs, put n-gpu-layers in parameters."
        ),
        "quantization": (
            "llama.cpp takes its weights' quantization from the GGUF file and its KV-cache types from "
            "cache-type-k / cache-type-v: remove 'quantization', choose a model file per quantization, and "
            "put cache-type-k / cache-type-v in parameters."
        ),
    },
    "command": {
        "parallel": "A command runtime's flags are its own: remove 'parallel' and write its flags in parameters.",
        "quantization": "A command runtime's flags are its own: remove 'quantization' and write its flags in parameters.",
    },
}


def _values(section: str, word: str, values: Any) -> list[Any]:
    if not isinstance(values, list) or not values:
        raise ValidationFailed(f"{section}.{word} must be a non-empty list, such as [1, 2].")
    return values


def neutral_flags(runtime: str, parallel: dict[str, Any] | None, quantization: dict[str, Any] | None) -> dict[str, Any]:
    """The runtime's flags for the neutral ``parallel`` and ``quantization`` spaces, as a parameter
    space (``{"tp-size": [1, 2]}``); raises :class:`ValidationFailed` with a sentence where the
    runtime has no such flag."""
    out: dict[str, Any] = {}
    for section, given, words in (
        ("parallel", parallel, PARALLEL_WORDS),
        ("quantization", quantization, QUANTIZATION_WORDS),
    ):
        if not given:
            continue
        if runtime in REFUSED:
            raise ValidationFailed(REFUSED[runtime][section])
        table = NEUTRAL_FLAGS[runtime]
        for word, values in given.items():
            if word not in words:
                raise ValidationFailed(f"Unknown {section} word '{word}': use {', '.join(words)}.")
            values = _values(section, word, values)
            if section == "parallel" and not all(
                isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in values
            ):
                raise ValidationFailed(f"parallel.{word} must list whole numbers of at least 1, such as [1, 2].")
            if section == "quantization" and not all(v is None or (isinstance(v, str) and v) for v in values):
                raise ValidationFailed(
                    f'quantization.{word} must list dtype names or null (the engine\'s default), such as ["fp8", null].'
                )
            flag = table[word]
            if word == "ep" and runtime == "vllm":
                mapped: list[Any] = [v > 1 for v in values]
            elif word == "weights":
                mapped = [False if v is None else v for v in values]
            elif word == "kv_cache":
                mapped = ["auto" if v is None else v for v in values]
            else:
                mapped = list(values)
            out[flag] = dedupe(mapped)
    return out


def expand_neutral(
    runtime: str,
    parameters: dict[str, Any],
    parallel: dict[str, Any] | None,
    quantization: dict[str, Any] | None,
) -> tuple[dict[str, Any], dict[str, str]]:
    """``parameters`` with the neutral spaces added as the runtime's flags, and a warning per flag
    the runtime's catalog does not list (flag -> sentence). A flag given both ways is a
    :class:`ValidationFailed`."""
    added = neutral_flags(runtime, parallel, quantization)
    if not added:
        return dict(parameters), {}
    words = {flag: word for word, flag in NEUTRAL_FLAGS[runtime].items()}
    catalog = get_catalog(runtime)
    warnings: dict[str, str] = {}
    for flag in added:
        word = words[flag]
        section = "parallel" if word in PARALLEL_WORDS else "quantization"
        spellings = (flag, *SAME_SETTING.get(flag, ()))
        spec = catalog.resolve(flag)
        if spec is not None:
            spellings = (*spellings, spec.name, *spec.aliases)
        taken = next((name for name in spellings if name in parameters), None)
        if taken is not None:
            raise ValidationFailed(
                f"{section}.{word} sets --{flag}, which parameters also give as '{taken}': keep one of the two."
            )
        if spec is None:
            warnings[flag] = (
                f"{section}.{word} becomes --{flag}, which the {catalog.label} catalog does not list: check that "
                "this engine version accepts it."
            )
    return {**parameters, **added}, warnings


def flags_of(runtime: str, parallel: dict[str, Any] | None, quantization: dict[str, Any] | None) -> list[str]:
    """The flags a task's neutral spaces became (to take them out again when they change)."""
    table = NEUTRAL_FLAGS.get(runtime, {})
    words = [*(parallel or {}), *(quantization or {})]
    return [table[w] for w in words if w in table]


def flag_sources(runtime: str, parallel: dict[str, Any] | None, quantization: dict[str, Any] | None) -> dict[str, str]:
    """Each flag the neutral spaces became and the word it came from: ``{"tp-size": "parallel.tp"}``."""
    table = NEUTRAL_FLAGS.get(runtime, {})
    out: dict[str, str] = {}
    for section, given in (("parallel", parallel), ("quantization", quantization)):
        for word, values in (given or {}).items():
            if word in table and values is not None:
                out[table[word]] = f"{section}.{word}"
    return out
