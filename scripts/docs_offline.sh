#!/usr/bin/env bash
# The documentation site offline in a browser: serve the built site/ with `autotuner serve` (under
# /help, on a temporary database) and run tests/docs/offline_site.mjs in headless Chromium with every
# request to another host blocked. Screenshots land in test-artifacts/docs/.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

./scripts/install_chromium.sh
ensure_frontend_deps   # playwright-core
if docs_need_build; then
  build_docs
fi

PORT="${DOCS_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')}"
DATA_DIR="$(mktemp -d)"
mkdir -p test-artifacts/docs
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -- "-$SERVER_PID" 2>/dev/null || kill "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -rf "$DATA_DIR"
}
trap cleanup EXIT INT TERM

env -u AUTOTUNER_DATABASE_URL AUTOTUNER_DATA_DIR="$DATA_DIR" AUTOTUNER_HELP_DIR="$ROOT/site" AUTOTUNER_EMBEDDED_WORKER=false \
  setsid "$VENV/bin/autotuner" serve --port "$PORT" > test-artifacts/docs/server.log 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 120); do
  curl -fsS "http://127.0.0.1:$PORT/help/index.html" > /dev/null 2>&1 && break
  kill -0 "$SERVER_PID" 2>/dev/null || { tail -20 test-artifacts/docs/server.log >&2; echo "Docs offline: 0 passed, 1 failed"; exit 1; }
  sleep 0.5
done
DOCS_URL="http://127.0.0.1:$PORT/help" SCREENSHOT_DIR="$ROOT/test-artifacts/docs" node tests/docs/offline_site.mjs
