#!/usr/bin/env bash
# The commands of "Run on a GPU server with Docker" (docs/tutorials/docker.md), on the GPU server,
# from the repository root. tests/docs/ checks the task file against the API (this machine has no
# GPU and no registry); the docker engineer's tests run the container path on a real daemon.
set -euo pipefail
URL="${AUTOTUNER_URL:-http://127.0.0.1:8000}"
json() { python3 -c "import json, sys; d = json.load(sys.stdin); print($1)"; }   # print fields of a JSON answer

# --8<-- [start:daemon]
apt-get install -y docker.io                        # Docker Engine (as root), if it is not there
systemctl start docker || (dockerd > /var/log/dockerd.log 2>&1 &)
docker info --format '{{.Runtimes}}'                # "nvidia" must be listed for GPU containers
docker pull lmsysorg/sglang:v0.5.4                  # or docker load -i sglang.tar on a machine without a registry
# --8<-- [end:daemon]

# --8<-- [start:serve]
export HF_TOKEN=hf_...                              # read by the service when a container starts, never stored
./scripts/start_dev.sh                              # http://localhost:8000; reach it through an SSH tunnel:
# ssh -L 8000:127.0.0.1:8000 gpu-server             (the service answers only localhost unless told otherwise)
# --8<-- [end:serve]

# --8<-- [start:run]
curl -sf "$URL/api/system/" | python3 -m json.tool                # the GPUs and the Docker daemon the service sees
TASK=$(curl -sf -X POST "$URL/api/tasks/" -H "Content-Type: application/json" \
  -d @docs/tutorials/scripts/docker-task.json | json 'd["id"]')
curl -sf "$URL/api/tasks/$TASK/space" | json 'd["total"], "combinations,", d["valid"], "valid"'
curl -sf -X POST "$URL/api/tasks/$TASK/start" -H "Content-Type: application/json" | json 'd["status"]'
# --8<-- [end:run]

# --8<-- [start:watch]
docker ps --filter label=autotuner.engine          # the running experiment's container
curl -sf "$URL/api/tasks/$TASK/experiments" | python3 -c '
import json, sys
for e in json.load(sys.stdin):
    print(e["sequence"], e["status"], e["parameters"], e["score"], e.get("error_message") or "")'
# --8<-- [end:watch]
