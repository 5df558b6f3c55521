# Shared by the scripts: set up what the product needs, idempotently. Source it, don't run it.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"

say() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }

find_python() {
  for candidate in "${PYTHON:-}" python3.13 python3.12 python3.11 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  echo "Python 3.11 or newer is needed: install it (e.g. apt-get install python3) and run again." >&2
  return 1
}

# Create .venv if needed and install the package (with test extras when asked), skipping the
# install when pyproject.toml has not changed since the last one.
ensure_venv() {
  local extras="${1:-}"
  local python
  if [ ! -x "$VENV/bin/python" ]; then
    python="$(find_python)"
    say "Creating the virtual environment in .venv ($("$python" --version))"
    "$python" -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
  fi
  local stamp="$VENV/.installed${extras:+-$extras}"
  local digest
  digest="$(sha256sum "$ROOT/pyproject.toml" | cut -d' ' -f1)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$digest" ]; then
    say "Installing the autotuner package${extras:+ with [$extras]} into .venv"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e "$ROOT${extras:+[$extras]}"
    echo "$digest" > "$stamp"
  fi
}

ensure_node() {
  if ! command -v npm >/dev/null 2>&1; then
    say "Installing Node.js and npm from Debian's packages"
    apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null
  fi
}

# npm ci when node_modules is missing or older than the lock file.
ensure_frontend_deps() {
  ensure_node
  if [ ! -d "$ROOT/frontend/node_modules" ] || [ "$ROOT/frontend/package-lock.json" -nt "$ROOT/frontend/node_modules/.package-lock.json" ]; then
    say "Installing the UI's dependencies (npm ci)"
    (cd "$ROOT/frontend" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

# True when frontend/dist is missing or older than any of the UI's sources (a pulled change).
ui_needs_build() {
  local index="$ROOT/frontend/dist/index.html"
  [ ! -f "$index" ] && return 0
  [ -n "$(find "$ROOT/frontend/src" "$ROOT/frontend/index.html" "$ROOT/frontend/package-lock.json" \
    "$ROOT/frontend/vite.config.ts" -newer "$index" -print -quit 2>/dev/null)" ]
}

build_ui() {
  ensure_frontend_deps
  say "Building the web UI"
  (cd "$ROOT/frontend" && npm run build --silent)
}

docker_answers() {
  "$VENV/bin/python" -c 'import docker; docker.from_env(timeout=5).ping()' >/dev/null 2>&1
}

# A Docker daemon for the docker tests (deployment_mode "docker"): nothing to do when one answers
# (DOCKER_HOST or /var/run/docker.sock); else, as root, Debian's docker.io is installed if missing
# and dockerd is started in the background with the vfs storage driver (the overlay driver may not
# work inside a container), logging to .docker/dockerd.log. It keeps running after the tests.
ensure_docker() {
  docker_answers && return 0
  if [ "$(id -u)" != 0 ]; then
    echo "No Docker daemon answers and starting one needs root: start it (sudo dockerd &, or systemctl start docker) and run again." >&2
    return 1
  fi
  if ! command -v dockerd >/dev/null 2>&1; then
    say "Installing the Docker daemon from Debian's packages (docker.io)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null
  fi
  say "Starting dockerd (storage driver vfs; log in .docker/dockerd.log)"
  mkdir -p "$ROOT/.docker"
  setsid nohup dockerd --storage-driver=vfs >"$ROOT/.docker/dockerd.log" 2>&1 < /dev/null &
  for _ in $(seq 1 60); do
    docker_answers && return 0
    sleep 0.5
  done
  echo "dockerd did not answer within 30 s: see .docker/dockerd.log." >&2
  return 1
}

# True when site/ (the documentation) is missing or older than its sources: docs/, mkdocs.yml, the
# hooks, and the package whose code the reference pages are generated from.
docs_need_build() {
  local index="$ROOT/site/index.html"
  [ ! -f "$index" ] && return 0
  [ -n "$(find "$ROOT/docs" "$ROOT/mkdocs.yml" "$ROOT/scripts/mkdocs_hooks.py" "$ROOT/src/autotuner" \
    -name __pycache__ -prune -o -newer "$index" -print -quit 2>/dev/null)" ]
}

# Build the documentation site strictly into site/ (needs the docs extra: ensure_venv docs). Not --quiet:
# it hides the warnings that --strict counts, and a broken link would pass.
build_docs() {
  say "Building the documentation site (mkdocs build --strict)"
  NO_MKDOCS_2_WARNING=1 "$VENV/bin/mkdocs" build --strict --config-file "$ROOT/mkdocs.yml" --site-dir "$ROOT/site"
}
