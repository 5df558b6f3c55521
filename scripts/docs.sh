#!/usr/bin/env bash
# Read the documentation locally: set up .venv with the docs extra and serve the site at
# http://127.0.0.1:8001 (rebuilt as pages change). `./scripts/docs.sh build` writes site/ instead,
# which `autotuner serve` shows at /help. Options after the command go to `autotuner docs`.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
ensure_venv docs
exec "$VENV/bin/autotuner" docs "${1:-serve}" "${@:2}"
