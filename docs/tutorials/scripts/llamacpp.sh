#!/usr/bin/env bash
# The commands of "Tune llama.cpp on your CPU" (docs/tutorials/llamacpp.md), run from the repository
# root with .venv/bin on PATH by tests/docs/test_tutorials.py (where llama-server is already built
# by scripts/llama_server.sh, so `engines install` returns at once). Edit here: the page includes
# these lines.
set -euo pipefail

# --8<-- [start:install]
autotuner engines install llamacpp     # builds llama-server once (about 17 CPU-minutes), then it is cached
autotuner engines path llamacpp        # the llama-server a llama.cpp task runs
# --8<-- [end:install]

# --8<-- [start:model]
autotuner models make-tiny tiny.gguf   # a 51 M-parameter llama model with random weights, made here
# --8<-- [end:model]

# --8<-- [start:tune]
autotuner tune docs/tutorials/scripts/llamacpp-task.json --dry-run
autotuner tune docs/tutorials/scripts/llamacpp-task.json
# --8<-- [end:tune]
