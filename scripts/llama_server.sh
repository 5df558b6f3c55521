#!/usr/bin/env bash
# Make sure llama.cpp's llama-server is here for the llama.cpp tests (scripts/test.sh and CI call it
# before the Python tests): the one AUTOTUNER_LLAMA_SERVER names, else one on PATH, else the cached
# build (~/.cache/autotuner/llama.cpp/<version>/llama-server), else build it now with
# `autotuner engines install llamacpp` - from the llama.cpp sources that the pinned
# llama-cpp-python source distribution on PyPI vendors; about 17 CPU-minutes (20-30 minutes on a
# busy 2-core machine) once per machine and version, then a second.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

[ -x "$VENV/bin/autotuner" ] || ensure_venv

if path="$("$VENV/bin/autotuner" engines path llamacpp 2>/dev/null)"; then
  say "llama-server: $path"
  exit 0
fi
say "Building llama-server once (cached per version; 20-30 minutes on 2 cores)"
started=$(date +%s)
nice -n 10 "$VENV/bin/autotuner" engines install llamacpp --jobs "$(nproc)"
say "llama-server built in $(( ($(date +%s) - started) / 60 )) min: $("$VENV/bin/autotuner" engines path llamacpp)"
