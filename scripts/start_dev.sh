#!/usr/bin/env bash
# Set up everything and run the product: API + web UI at http://localhost:8000 (API docs at /docs,
# this project's documentation site at /help).
# Options via environment: AUTOTUNER_PORT (8000), AUTOTUNER_HOST (127.0.0.1), AUTOTUNER_DATABASE_URL.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

cd "$ROOT"  # the example task starts examples/toy_engine.py by a relative path
ensure_venv docs
if [ -f "$ROOT/frontend/package.json" ] && ui_needs_build; then
  build_ui
fi
if docs_need_build; then
  build_docs
fi
say "Applying database migrations"
"$VENV/bin/autotuner" db upgrade
exec "$VENV/bin/autotuner" serve --host "${AUTOTUNER_HOST:-127.0.0.1}" --port "${AUTOTUNER_PORT:-8000}"
