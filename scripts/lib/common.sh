# Shared set-up for scripts/start and scripts/test. Source it; it changes into
# the repository root and makes `node` (22+) and `yarn` available.
#
# On a machine whose Node.js is older than 22 it provisions Node 22 from the
# npm registry into .tools/node (ignored by git): the registry ships Node
# binaries together with the C headers that native addons (better-sqlite3)
# need, so nothing has to be downloaded from anywhere else.

set -euo pipefail

TRELLIS_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$TRELLIS_ROOT"

TRELLIS_NODE_VERSION="22.23.3"
TRELLIS_TOOLS="$TRELLIS_ROOT/.tools"

log() { printf '\033[1;34m[trellis]\033[0m %s\n' "$*"; }
die() { printf '\033[1;31m[trellis]\033[0m %s\n' "$*" >&2; exit 1; }

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

node_package_name() {
  local os arch
  case "$(uname -s)" in
    Linux) os=linux ;;
    Darwin) os=darwin ;;
    *) die "Unsupported OS $(uname -s): install Node.js 22 yourself" ;;
  esac
  case "$(uname -m)" in
    x86_64 | amd64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) die "Unsupported CPU $(uname -m): install Node.js 22 yourself" ;;
  esac
  echo "node-$os-$arch"
}

ensure_node() {
  local pkg dir
  pkg="$(node_package_name)"
  dir="$TRELLIS_TOOLS/node/node_modules/$pkg"
  if [ -x "$dir/bin/node" ]; then
    export PATH="$dir/bin:$PATH"
  fi
  if [ "$(node_major)" -ge 22 ]; then
    if [ -x "$dir/bin/node" ]; then
      # node-gyp must build native addons against these headers, not download them.
      export npm_config_nodedir="$dir"
    elif [ -z "${npm_config_nodedir:-}" ]; then
      # A Node.js 22 from elsewhere: its own headers, when it ships them (an
      # offline machine cannot download them).
      local prefix
      prefix="$(cd "$(dirname "$(command -v node)")/.." && pwd)"
      if [ -f "$prefix/include/node/node.h" ]; then
        export npm_config_nodedir="$prefix"
      fi
    fi
    return
  fi
  command -v npm >/dev/null || die "Neither Node.js 22 nor npm found: install Node.js 22"
  log "Node.js $(node -v 2>/dev/null || echo missing) is older than 22: provisioning Node $TRELLIS_NODE_VERSION into .tools/node"
  mkdir -p "$TRELLIS_TOOLS/node"
  npm install --prefix "$TRELLIS_TOOLS/node" --no-save --no-package-lock \
    --loglevel=error "$pkg@$TRELLIS_NODE_VERSION" >/dev/null
  export PATH="$dir/bin:$PATH"
  export npm_config_nodedir="$dir"
  [ "$(node_major)" -ge 22 ] || die "Provisioning Node.js 22 failed"
}

yarn() {
  node "$TRELLIS_ROOT"/.yarn/releases/yarn-*.cjs "$@"
}

# Installs dependencies when yarn.lock or a package.json changed since the
# last successful install.
ensure_dependencies() {
  local stamp="node_modules/.trellis-install-stamp" want
  want="$(node -v) $(cat yarn.lock package.json packages/*/package.json plugins/*/package.json | cksum)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return
  fi
  log "Installing dependencies (yarn install --immutable)"
  local started=$SECONDS
  YARN_ENABLE_PROGRESS_BARS=false yarn install --immutable
  echo "$want" >"$stamp"
  log "Dependencies installed in $((SECONDS - started)) s"
}

# wait_for_url URL SECONDS: true once URL answers with a 2xx/3xx status.
wait_for_url() {
  local url=$1 limit=$2 started=$SECONDS
  while [ $((SECONDS - started)) -lt "$limit" ]; do
    if node -e '
      fetch(process.argv[1]).then(r => process.exit(r.status < 400 ? 0 : 1), () => process.exit(1));
    ' "$url" 2>/dev/null; then
      return 0
    fi
    sleep 1
  done
  return 1
}

ensure_node

# wait_for_catalog_user SECONDS: true once the catalog knows the guest user.
# A guest session started before that has no group memberships (they are
# resolved at sign-in), so the default policy would refuse its requests.
wait_for_catalog_user() {
  local limit=$1 started=$SECONDS
  while [ $((SECONDS - started)) -lt "$limit" ]; do
    if node -e '
      const base = "http://localhost:7007/api";
      (async () => {
        const auth = await fetch(`${base}/auth/guest/refresh`, {
          headers: { "X-Requested-With": "XMLHttpRequest" },
        }).then(r => r.json());
        const token = auth.backstageIdentity.token;
        const res = await fetch(`${base}/catalog/entities/by-name/user/default/guest`, {
          headers: { Authorization: `Bearer ${token}` },
        });
        process.exit(res.ok ? 0 : 1);
      })().catch(() => process.exit(1));
    ' 2>/dev/null; then
      return 0
    fi
    sleep 1
  done
  return 1
}
