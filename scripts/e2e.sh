#!/usr/bin/env bash
# Browser end-to-end tests: the real service on a temporary database, driven through Debian's
# Chromium (headless). Screenshots of every page land in test-artifacts/screenshots/.
#   scripts/e2e.sh                        the browser tests: frontend/e2e/run.mjs in single-user mode,
#                                         then frontend/e2e/versions.mjs (preset history, two tabs,
#                                         extends, smart merge), then frontend/e2e/analytics.mjs
#                                         (Analytics page, suggestions), then the first admin is made with the
#                                         CLI (sign-in switches on) and frontend/e2e/sharing.mjs runs
#                                         with user accounts
#   SCREENSHOT_DIR=test-artifacts/after scripts/e2e.sh e2e/screens.mjs
#                                         another script of frontend/e2e against the same service
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

AUTOTUNER="${AUTOTUNER_BIN:-.venv/bin/autotuner}"
E2E_SCRIPT="${1:-e2e/run.mjs}"
SCREENSHOT_DIR="$(mkdir -p "${SCREENSHOT_DIR:-$ROOT/test-artifacts/screenshots}" && cd "${SCREENSHOT_DIR:-$ROOT/test-artifacts/screenshots}" && pwd)"
LOG_DIR="$ROOT/test-artifacts"
mkdir -p "$LOG_DIR"

./scripts/install_chromium.sh

source "$ROOT/scripts/lib.sh"
ensure_frontend_deps
# Build the UI when it is missing or older than its sources.
if ui_needs_build; then
  build_ui
fi

PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
DATA_DIR="$(mktemp -d)"
mkdir -p "$SCREENSHOT_DIR"
rm -f "$SCREENSHOT_DIR"/*.png
SERVER_LOG="$LOG_DIR/e2e-server.log"

SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -- "-$SERVER_PID" 2>/dev/null || kill "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 -- "-$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$DATA_DIR"
}
trap cleanup EXIT INT TERM

echo "Starting the service on port $PORT (temporary data in $DATA_DIR)..."
# The stand-in engine runs through the command runtime, which is off unless turned on.
env -u AUTOTUNER_DATABASE_URL AUTOTUNER_DATA_DIR="$DATA_DIR" AUTOTUNER_UI_DIR="$ROOT/frontend/dist" AUTOTUNER_ALLOW_COMMAND_RUNTIME=true \
  setsid "$AUTOTUNER" serve --port "$PORT" > "$SERVER_LOG" 2>&1 &
SERVER_PID=$!

for _ in $(seq 1 120); do
  if curl -fsS "http://127.0.0.1:$PORT/api/presets/" > /dev/null 2>&1; then break; fi
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "The service exited before answering; its log:" >&2
    tail -30 "$SERVER_LOG" >&2
    echo "E2E: 0 passed, 1 failed"
    exit 1
  fi
  sleep 0.5
done
if ! curl -fsS "http://127.0.0.1:$PORT/api/presets/" > /dev/null 2>&1; then
  echo "The service did not answer /api/presets/ within 60 s; see $SERVER_LOG" >&2
  echo "E2E: 0 passed, 1 failed"
  exit 1
fi

cd frontend
if [ "$#" -gt 0 ]; then
  E2E_BASE_URL="http://127.0.0.1:$PORT" SCREENSHOT_DIR="$SCREENSHOT_DIR" node "$E2E_SCRIPT"
  exit $?
fi

# Phase 1: single-user mode (no user exists; this machine needs no sign-in).
status=0
E2E_BASE_URL="http://127.0.0.1:$PORT" SCREENSHOT_DIR="$SCREENSHOT_DIR" node e2e/run.mjs || status=$?
# Still single-user: a preset's versions, two tabs editing one preset, extends, smart merge.
E2E_BASE_URL="http://127.0.0.1:$PORT" SCREENSHOT_DIR="$SCREENSHOT_DIR" node e2e/versions.mjs || status=$?
# Still single-user: the Analytics page on a finished stand-in task, and suggested presets (issue 16).
E2E_BASE_URL="http://127.0.0.1:$PORT" SCREENSHOT_DIR="$SCREENSHOT_DIR" node e2e/analytics.mjs || status=$?

# Phase 2: the first admin, made with the CLI on the same data directory, switches sign-in on.
echo "Creating the first admin with the CLI (sign-in switches on)..."
ADMIN_PASSWORD="e2e-admin-$(python3 -c 'import secrets; print(secrets.token_hex(8))')"
if ! printf '%s\n' "$ADMIN_PASSWORD" | (cd "$ROOT" && env -u AUTOTUNER_DATABASE_URL -u AUTOTUNER_TOKEN AUTOTUNER_DATA_DIR="$DATA_DIR" \
  XDG_CONFIG_HOME="$DATA_DIR/config" "$AUTOTUNER" users create admin --admin --password-stdin > /dev/null); then
  echo "The CLI could not create the first admin." >&2
  echo "E2E (accounts): 0 passed, 1 failed"
  exit 1
fi
E2E_BASE_URL="http://127.0.0.1:$PORT" E2E_ADMIN_PASSWORD="$ADMIN_PASSWORD" SCREENSHOT_DIR="$SCREENSHOT_DIR" \
  node e2e/sharing.mjs || status=$?
exit "$status"
