#!/usr/bin/env bash
# Generates frontend/src/api/schema.d.ts from the service's OpenAPI schema (`autotuner openapi`).
#   scripts/gen_api_types.sh          regenerate the committed file
#   scripts/gen_api_types.sh --check  fail when the committed file is out of date
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
AUTOTUNER="${AUTOTUNER_BIN:-$ROOT/.venv/bin/autotuner}"
OPENAPI_TS="$ROOT/frontend/node_modules/.bin/openapi-typescript"
TARGET="$ROOT/frontend/src/api/schema.d.ts"

if [ ! -x "$AUTOTUNER" ]; then
  echo "Cannot find $AUTOTUNER: create the virtual environment first (see README), or set AUTOTUNER_BIN." >&2
  exit 1
fi
if [ ! -x "$OPENAPI_TS" ]; then
  echo "Cannot find openapi-typescript: run 'npm ci' in frontend/ first." >&2
  exit 1
fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# The schema does not depend on the database; keep the command away from the user's data anyway.
AUTOTUNER_DATA_DIR="$WORK" "$AUTOTUNER" openapi > "$WORK/openapi.json"
"$OPENAPI_TS" "$WORK/openapi.json" --output "$WORK/schema.d.ts" --root-types --root-types-no-schema-prefix >/dev/null 2>"$WORK/log" || {
  cat "$WORK/log" >&2
  echo "openapi-typescript failed on the service's schema." >&2
  exit 1
}

if [ "${1:-}" = "--check" ]; then
  if [ ! -f "$TARGET" ]; then
    echo "frontend/src/api/schema.d.ts is missing: run scripts/gen_api_types.sh and commit it." >&2
    exit 1
  fi
  if ! diff -u "$TARGET" "$WORK/schema.d.ts" > "$WORK/diff"; then
    head -40 "$WORK/diff" >&2
    echo "frontend/src/api/schema.d.ts is out of date with the API: run scripts/gen_api_types.sh and commit the result." >&2
    exit 1
  fi
  echo "API types are up to date."
else
  cp "$WORK/schema.d.ts" "$TARGET"
  echo "Wrote $TARGET"
fi
