#!/usr/bin/env bash
# The wheel carries the UI: build it (python -m build), install it into a fresh virtualenv, run
# `autotuner serve` from an empty directory and check that / and a deep link (/presets) serve the
# app and its script, and that `autotuner --version` prints the package's version.
# Needs the built UI (build_ui) and .venv with the test extra (build). Offline: the dependencies
# come from pip's configured indexes and wheel cache.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

[ -f frontend/dist/index.html ] || { echo "No built UI in frontend/dist: run build_ui first." >&2; exit 1; }
say "Wheel: python -m build --wheel"
"$VENV/bin/python" -m build --wheel --outdir "$work/dist" . >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
wheel="$(ls "$work"/dist/autotuner-*.whl)"
"$VENV/bin/python" - "$wheel" <<'PY'
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
ui = [n for n in names if n.startswith("autotuner/web/ui_dist/")]
assert "autotuner/web/ui_dist/index.html" in ui, "the wheel holds no built UI (autotuner/web/ui_dist/index.html)"
assert any(n.startswith("autotuner/web/ui_dist/assets/") for n in ui), "the wheel holds the UI's page but no assets"
print(f"{sys.argv[1].rsplit('/', 1)[-1]}: {len(names)} files, {len(ui)} of them the UI")
PY

say "Wheel: installed into a fresh virtualenv, served from an empty directory"
"$(find_python)" -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet --disable-pip-version-check "$wheel" 2>&1 | grep -v "^WARNING: Location" || true
expected="$("$VENV/bin/python" -c 'import autotuner; print(autotuner.__version__)')"
shown="$("$work/venv/bin/autotuner" --version)"
[ "$shown" = "autotuner $expected" ] || { echo "autotuner --version printed '$shown', expected 'autotuner $expected'" >&2; exit 1; }

port="$("$VENV/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
mkdir -p "$work/elsewhere"
(cd "$work/elsewhere" && AUTOTUNER_DATA_DIR="$work/data" AUTOTUNER_EMBEDDED_WORKER=false \
  exec "$work/venv/bin/autotuner" serve --port "$port" >"$work/serve.log" 2>&1) &
server_pid=$!
for _ in $(seq 1 150); do
  curl -fsS "http://127.0.0.1:$port/api/system" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/serve.log"; exit 1; }
  sleep 0.2
done
for path in / /presets; do
  page="$(curl -fsS "http://127.0.0.1:$port$path")"
  grep -q '<div id="root">' <<<"$page" || { echo "GET $path did not serve the app:" >&2; head -c 600 <<<"$page" >&2; exit 1; }
  script="$(grep -o 'src="/assets/[^"]*\.js"' <<<"$page" | head -1 | cut -d'"' -f2)"
  [ -n "$script" ] || { echo "GET $path served a page without the app's script" >&2; exit 1; }
  curl -fsS -o /dev/null "http://127.0.0.1:$port$script" || { echo "GET $script (the app's script) failed" >&2; exit 1; }
done
version="$(curl -fsS "http://127.0.0.1:$port/api/system" | "$VENV/bin/python" -c 'import json, sys; print(json.load(sys.stdin)["version"])')"
[ "$version" = "$expected" ] || { echo "/api/system says version $version, expected $expected" >&2; exit 1; }
echo "The installed wheel serves / and /presets with the app, version $expected."
