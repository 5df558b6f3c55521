"""The built-in presets, seeded at every start-up: idempotent, restored when missing."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from autotuner import __version__
from autotuner.core.enums import Visibility
from autotuner.db.models import ParameterPreset
from autotuner.presets import versioning

log = logging.getLogger(__name__)

SYSTEM_PRESETS: list[dict[str, Any]] = [
    {
        "name": "Memory Efficient",
        "slug": "memory-efficient",
        "category": "memory",
        "description": "Small GPU, low memory: one GPU and a conservative static memory fraction.",
        "parameters": {"tp-size": [1], "mem-fraction-static": [0.7, 0.75]},
        "metadata": {"author": "system", "tags": ["memory", "small-gpu"], "use_case": "Small GPU, low memory"},
    },
    {
        "name": "High Throughput",
        "slug": "high-throughput",
        "category": "performance",
        "description": "Max tokens/second: tensor parallelism and a large KV cache.",
        "parameters": {"tp-size": [2, 4], "mem-fraction-static": [0.9]},
        "metadata": {"author": "system", "tags": ["throughput", "production"], "use_case": "Max tokens/second"},
    },
    {
        "name": "Low Latency",
        "slug": "low-latency",
        "category": "performance",
        "description": "Min latency: few GPUs and longest-prefix-match scheduling.",
        "parameters": {"tp-size": [1, 2], "schedule-policy": ["lpm"]},
        "metadata": {"author": "system", "tags": ["latency", "interactive"], "use_case": "Min latency"},
    },
    {
        "name": "Balanced",
        "slug": "balanced",
        "category": "general",
        "description": "General use: a balance of performance and resources.",
        "parameters": {"tp-size": [1, 2], "mem-fraction-static": [0.85]},
        "metadata": {"author": "system", "tags": ["general"], "use_case": "General use"},
    },
    {
        # Measured with llama-server and the tiny model on a shared 2-core machine (see the
        # README's "Tune a real engine on your CPU"): continuous batching on doubled output
        # tokens/s; several slots answer concurrent clients sooner; and the best thread count
        # depends on how busy the CPUs are (1 beat 2 by ~10x under a load of 8 on 2 cores), so
        # both stay in the space.
        "name": "CPU Throughput",
        "slug": "cpu-throughput",
        "category": "performance",
        "runtime": "llamacpp",
        "description": "llama.cpp on a CPU: several slots with continuous batching; searches the thread count.",
        "parameters": {"parallel": [2, 4], "cont-batching": [True], "threads": [1, 2]},
        "metadata": {
            "author": "system",
            "tags": ["throughput", "cpu", "llama.cpp"],
            "use_case": "Max tokens/second on a CPU",
        },
    },
]

# The system presets' flags are SGLang's spelling unless a preset names its runtime.
SYSTEM_RUNTIME = "sglang"


def seed_system_presets(session: Session) -> int:
    """Insert missing system presets and restore changed ones. Returns how many rows changed.

    A system preset's history has one version per release of its definition: version 1 when it is
    first seeded, and a new one whenever the definition here differs from the stored preset (a
    new release changed it), refreshing the presets that extend it."""
    versioning.lock_presets(session)
    changed = 0
    existing = {p.slug: p for p in session.scalars(select(ParameterPreset).where(ParameterPreset.is_system))}
    for spec in SYSTEM_PRESETS:
        row = existing.get(spec["slug"])
        if row is None:
            clash = session.scalar(
                select(ParameterPreset).where(
                    (ParameterPreset.name == spec["name"]) | (ParameterPreset.slug == spec["slug"])
                )
            )
            if clash is not None:
                # The system row was deleted behind the service's back and a custom preset took
                # its name: rename the custom one so the system preset can be restored.
                before = versioning.snapshot(clash)
                clash.name = f"{clash.name} (custom)"
                clash.slug = f"{clash.slug}-custom"
                session.flush()
                versioning.refresh_effective(clash)
                versioning.next_version(
                    session,
                    clash,
                    "system",
                    "updated",
                    versioning.describe_change(before, versioning.snapshot(clash)),
                    f"Renamed to restore the system preset '{spec['name']}'.",
                )
                versioning.propagate(session, clash, "system")
                log.warning("Renamed custom preset to %r to restore system preset %r", clash.name, spec["name"])
            row = ParameterPreset(
                name=spec["name"],
                slug=spec["slug"],
                category=spec["category"],
                description=spec["description"],
                runtime=spec.get("runtime", SYSTEM_RUNTIME),
                is_system=True,
                parameters=spec["parameters"],
                meta=spec["metadata"],
                visibility=Visibility.public,
                effective_parameters=spec["parameters"],
                effective_sources=[],
            )
            session.add(row)
            versioning.start_history(
                session, row, "system", "system_release", f"Built-in preset of autotuner {__version__}."
            )
            changed += 1
            continue
        wanted = {
            "name": spec["name"],
            "category": spec["category"],
            "description": spec["description"],
            "runtime": spec.get("runtime", SYSTEM_RUNTIME),
            "parameters": spec["parameters"],
            "meta": spec["metadata"],
            "visibility": Visibility.public,
            "owner_id": None,
        }
        if any(getattr(row, key) != value for key, value in wanted.items()):
            before = versioning.snapshot(row)
            for key, value in wanted.items():
                setattr(row, key, value)
            session.flush()
            versioning.refresh_effective(row)
            after = versioning.snapshot(row)
            if versioning.content_changed(before, after):
                versioning.next_version(
                    session,
                    row,
                    "system",
                    "system_release",
                    f"Built-in definition of autotuner {__version__}. {versioning.describe_change(before, after)}",
                )
                versioning.propagate(session, row, "system")
            changed += 1
    session.flush()
    return changed
