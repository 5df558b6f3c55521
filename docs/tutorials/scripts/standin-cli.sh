#!/usr/bin/env bash
# The commands of "Tune the stand-in engine in 5 minutes" (docs/tutorials/standin.md), run from the
# repository root with .venv/bin on PATH by tests/docs/test_tutorials.py. Edit here: the page
# includes these lines.
set -euo pipefail

# --8<-- [start:dry-run]
autotuner tune docs/tutorials/scripts/standin-task.json --dry-run
# --8<-- [end:dry-run]

# --8<-- [start:tune]
autotuner tune docs/tutorials/scripts/standin-task.json
# --8<-- [end:tune]

# --8<-- [start:tune-json]
autotuner tune docs/tutorials/scripts/standin-task.json --json > standin-result.json
python3 -c 'import json; best = json.load(open("standin-result.json"))["best"]; print("best:", best["parameters"], best["score"])'
# --8<-- [end:tune-json]
