#!/usr/bin/env bash
# Starts the two targets of bench/push/push-latency.ts with the scripts/start
# defaults (SQLite, local engine, guest sign-in), each with a fresh data
# folder under a temporary directory:
#   prod: a backend serving the production bundle (packages/app/dist; build it
#         first: yarn workspace app build) on :$PUSH_PROD_PORT (7110)
#   dev:  `yarn start` in packages/app (the dev server) on :$PUSH_DEV_APP_PORT
#         (7113), pointing at its own backend on :$PUSH_DEV_BACKEND_PORT (7112)
# Usage: bench/push/targets.sh start | stop. Logs and data: $PUSH_DIR
# (default /tmp/trellis-push-bench). Prints the BENCH_PUSH_TARGETS to use.
# Needs Node.js 22 on PATH and installed dependencies, like the other benchmarks.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DIR=${PUSH_DIR:-/tmp/trellis-push-bench}
PROD=${PUSH_PROD_PORT:-7110}
DEV_BACKEND=${PUSH_DEV_BACKEND_PORT:-7112}
DEV_APP=${PUSH_DEV_APP_PORT:-7113}

backend_config() { # name port appUrl
  local data=$DIR/$1
  mkdir -p "$data"
  cat >"$DIR/$1.yaml" <<YAML
app:
  baseUrl: $3
backend:
  baseUrl: http://localhost:$2
  listen:
    port: $2
  cors:
    origin: $3
  database:
    client: better-sqlite3
    connection:
      directory: $data
platform:
  engines:
    local:
      stateDir: $data/local-engine
devex:
  demo:
    enabled: false
YAML
}

start_backend() { # name port
  # A process group of its own (setsid), whose leader writes its pid.
  (cd "$ROOT/packages/backend" &&
    NODE_ENV=development setsid bash -c 'echo $$ >"$0"; exec node --require "$1" src/index.ts --config ../../app-config.yaml --config "$2"' \
      "$DIR/$1.pid" "$ROOT/node_modules/@backstage/cli-node/config/nodeTransform.cjs" "$DIR/$1.yaml" \
      >"$DIR/$1.log" 2>&1 </dev/null &)
}

wait_for() { # url
  for _ in $(seq 1 300); do
    curl -fsS "$1" >/dev/null 2>&1 && return 0
    sleep 1
  done
  echo "timed out waiting for $1 (logs in $DIR)" >&2
  return 1
}

case "${1:-}" in
start)
  [ -f "$ROOT/packages/app/dist/index.html" ] || {
    echo "Build the app first: yarn workspace app build" >&2
    exit 1
  }
  rm -rf "$DIR" && mkdir -p "$DIR"
  backend_config prod "$PROD" "http://localhost:$PROD"
  backend_config dev-backend "$DEV_BACKEND" "http://localhost:$DEV_APP"
  start_backend prod "$PROD"
  start_backend dev-backend "$DEV_BACKEND"
  (cd "$ROOT/packages/app" &&
    setsid bash -c 'echo $$ >"$0"; exec node "$1" start --config ../../app-config.yaml --config "$2"' \
      "$DIR/dev-app.pid" "$(echo "$ROOT"/.yarn/releases/yarn-*.cjs)" "$DIR/dev-backend.yaml" \
      >"$DIR/dev-app.log" 2>&1 </dev/null &)
  wait_for "http://localhost:$PROD/api/platform/health"
  wait_for "http://localhost:$DEV_BACKEND/api/platform/health"
  wait_for "http://localhost:$DEV_APP"
  echo "BENCH_PUSH_TARGETS='prod=http://localhost:$PROD,dev=http://localhost:$DEV_APP@http://localhost:$DEV_BACKEND'"
  ;;
stop)
  for name in prod dev-backend dev-app; do
    # Each runs in a process group of its own (setsid): stop it whole.
    [ -f "$DIR/$name.pid" ] && kill -- "-$(cat "$DIR/$name.pid")" 2>/dev/null || true
  done
  # Backends shut down gracefully (engine calls in flight, scheduler): wait.
  for name in prod dev-backend dev-app; do
    [ -f "$DIR/$name.pid" ] || continue
    for _ in $(seq 1 60); do
      kill -0 "$(cat "$DIR/$name.pid")" 2>/dev/null || break
      sleep 1
    done
  done
  ;;
*)
  echo "usage: $0 start|stop" >&2
  exit 2
  ;;
esac
