#!/usr/bin/env bash
# The commands of "Share presets with your team" (docs/tutorials/sharing.md). Run on the service's
# machine from the folder the service runs in: the CLI works on the same database (here the default
# one, or AUTOTUNER_DATABASE_URL / AUTOTUNER_DATA_DIR). tests/docs/test_tutorials.py runs it against a
# service of its own (AUTOTUNER_URL, a temporary AUTOTUNER_DATA_DIR). Edit here: the page includes
# these lines.
set -euo pipefail
URL="${AUTOTUNER_URL:-http://127.0.0.1:8000}"
json() { python3 -c "import json, sys; d = json.load(sys.stdin); print($1)"; }   # print fields of a JSON answer

# --8<-- [start:users]
# The first admin switches sign-in on; passwords come from stdin here (the CLI asks when omitted).
echo "alice-secret-password" | autotuner users create alice --admin --password-stdin
echo "bob-secret-password" | autotuner users create bob --password-stdin
echo "carol-secret-password" | autotuner users create carol --password-stdin
# --8<-- [end:users]

# --8<-- [start:team]
autotuner teams create ml
autotuner teams add ml alice --role owner
autotuner teams add ml bob --role member
autotuner teams add ml carol --role viewer
autotuner teams list
# --8<-- [end:team]

# --8<-- [start:tokens]
ALICE=$(autotuner tokens create "alice laptop" --user alice --expires-days 90)
CAROL=$(autotuner tokens create "carol laptop" --user carol --expires-days 90)
# --8<-- [end:tokens]

# --8<-- [start:create]
PRESET=$(curl -sf -X POST "$URL/api/presets/" -H "Authorization: Bearer $ALICE" -H "Content-Type: application/json" \
  -d '{"name": "ML team H100", "category": "performance", "runtime": "sglang",
       "parameters": {"tp-size": [2, 4], "mem-fraction-static": [0.85, 0.9], "schedule-policy": ["lpm"]}}' |
  json 'd["id"]')
curl -s -o /dev/null -w "carol before sharing: %{http_code}\n" "$URL/api/presets/$PRESET" -H "Authorization: Bearer $CAROL"
# --8<-- [end:create]

# --8<-- [start:share]
TEAM=$(autotuner teams list --json | json '[t["id"] for t in d if t["name"] == "ml"][0]')
curl -sf -X PUT "$URL/api/presets/$PRESET/sharing" -H "Authorization: Bearer $ALICE" -H "Content-Type: application/json" \
  -d "{\"visibility\": \"teams\", \"team_ids\": [$TEAM]}" | json 'd["visibility"]'
curl -sf "$URL/api/presets/$PRESET" -H "Authorization: Bearer $CAROL" | json 'd["name"], d["parameters"]'
curl -s -o /dev/null -w "carol editing: %{http_code}\n" -X PUT "$URL/api/presets/$PRESET" \
  -H "Authorization: Bearer $CAROL" -H "Content-Type: application/json" -d '{"description": "mine now"}'
# --8<-- [end:share]

# --8<-- [start:duplicate]
curl -sf -X POST "$URL/api/presets/$PRESET/duplicate" -H "Authorization: Bearer $CAROL" -H "Content-Type: application/json" \
  -d '{"name": "Carol H100"}' | json 'd["name"], d["owner"], d["visibility"]'
# --8<-- [end:duplicate]

# --8<-- [start:files]
AUTOTUNER_TOKEN=$ALICE autotuner presets export ml-team-h100 -o ml-team-h100.json
cat ml-team-h100.json
# on another instance (or after a change), all of the file or nothing:
AUTOTUNER_TOKEN=$ALICE autotuner presets import ml-team-h100.json --on-conflict rename
# --8<-- [end:files]
