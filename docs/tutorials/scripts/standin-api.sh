#!/usr/bin/env bash
# The service half of "Tune the stand-in engine in 5 minutes": the same task through the REST API.
# Needs a running service started from the repository root with the command runtime allowed:
#   AUTOTUNER_ALLOW_COMMAND_RUNTIME=true ./scripts/start_dev.sh
# tests/docs/test_tutorials.py runs it against a service of its own (AUTOTUNER_URL).
set -euo pipefail
URL="${AUTOTUNER_URL:-http://127.0.0.1:8000}"
json() { python3 -c "import json, sys; d = json.load(sys.stdin); print($1)"; }   # print fields of a JSON answer

# --8<-- [start:create]
TASK=$(curl -sf -X POST "$URL/api/tasks/" -H "Content-Type: application/json" \
  -d @docs/tutorials/scripts/standin-task.json | json 'd["id"]')
curl -sf -X POST "$URL/api/tasks/$TASK/start" -H "Content-Type: application/json" | json 'd["status"]'
# --8<-- [end:create]

# --8<-- [start:wait]
while [ "$(curl -sf "$URL/api/tasks/$TASK" | json 'd["status"]')" = running ]; do sleep 2; done
curl -sf "$URL/api/tasks/$TASK" | json 'd["status"], d["experiments_done"], "experiments, the best:", d["best_experiment_id"]'
# --8<-- [end:wait]

# --8<-- [start:results]
curl -sf "$URL/api/tasks/$TASK/experiments" | python3 -c '
import json, sys
for e in json.load(sys.stdin):
    print(e["sequence"], e["status"], e["parameters"], e["score"])'
# --8<-- [end:results]

# --8<-- [start:save]
BEST=$(curl -sf "$URL/api/tasks/$TASK" | json 'd["best_experiment_id"]')
curl -sf -X POST "$URL/api/experiments/$BEST/save-as-preset" -H "Content-Type: application/json" \
  -d '{"name": "Stand-in best"}' | json 'd["slug"], d["parameters"]'
# --8<-- [end:save]
