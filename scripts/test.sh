#!/usr/bin/env bash
# Set up and run every test: the gates (ruff, import-linter, mypy), Python (SQLite, then PostgreSQL when
# AUTOTUNER_TEST_DATABASE_URL is set), the documentation site's strict build, the UI's unit tests, its build,
# and the end-to-end browser tests.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

ensure_venv test,lint,docs

say "Gates: ruff (lint and format), import-linter (the layers), mypy (strict on the pure cores)"
"$VENV/bin/ruff" check src tests benchmarks examples
"$VENV/bin/ruff" format --check src tests benchmarks examples
"$VENV/bin/lint-imports" --no-cache
"$VENV/bin/mypy"

say "llama.cpp's llama-server for the llama.cpp tests (built once per machine and version)"
"$ROOT/scripts/llama_server.sh"

say "A Docker daemon for the docker tests (started when none answers)"
ensure_docker

say "Python tests on SQLite (the 25 slowest are listed at the end: where the suite's time goes)"
# Without the PostgreSQL URL, which is for the pass below: with it (CI sets it for the whole
# command) this pass ran on PostgreSQL too, and SQLite, the default database, went untested.
env -u AUTOTUNER_TEST_DATABASE_URL "$VENV/bin/python" -m pytest -q --durations=25

if [ -n "${AUTOTUNER_TEST_DATABASE_URL:-}" ]; then
  say "Database tests again on ${AUTOTUNER_TEST_DATABASE_URL}"
  # The schemathesis tests generate fewer requests per operation here (the SQLite pass above ran
  # the full count); every operation, check and refusal is still exercised on PostgreSQL.
  AUTOTUNER_TEST_SCHEMATHESIS_EXAMPLES="${AUTOTUNER_TEST_SCHEMATHESIS_EXAMPLES:-10}" \
    "$VENV/bin/python" -m pytest -q -m db --durations=15
fi

say "Documentation site: mkdocs build --strict (generated references, every link and page checked)"
build_docs

if [ -f frontend/package.json ]; then
  ensure_frontend_deps
  say "UI: generated API types are up to date"
  (cd frontend && npm run --silent check-types-fresh)
  say "UI: ESLint (types, hooks, import boundaries between features)"
  (cd frontend && npm run --silent lint)
  say "UI: TypeScript type check"
  (cd frontend && npm run --silent typecheck)
  say "UI unit tests"
  (cd frontend && npm run --silent test)
  build_ui
  ./scripts/wheel_check.sh
  say "End-to-end tests in Chromium"
  ./scripts/e2e.sh
  say "The documentation site offline in Chromium (diagrams, search, dark mode; no request leaves the machine)"
  ./scripts/docs_offline.sh
fi
say "All tests passed."
