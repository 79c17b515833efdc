#!/bin/bash
# Installs the Debian packages Carmine needs to build and test. Safe to re-run: it asks apt only
# for packages that are missing.
set -euo pipefail
PKGS=(cmake ninja-build g++ ccache pkg-config libgtest-dev libgmock-dev libxxhash-dev
      libjemalloc-dev libmimalloc-dev libssl-dev liblz4-dev liblzf-dev liblua5.1-0-dev lua-cjson-dev lua-bitop-dev redis-server redis-tools python3 python3-redis python3-pytest
      clang-14 libclang-rt-14-dev valgrind procps iproute2 tcl tcl-tls openssl curl python3-yaml
      docker-compose)
# kubectl (with kustomize) builds the Kubernetes overlays in the tests; any recent one will do.
command -v kubectl >/dev/null || PKGS+=(kubernetes-client)
# node-redis and parse-prometheus-text-format (npm) drive the RESP3 client and /metrics tests;
# any Node.js >= 18 works.
command -v node >/dev/null || PKGS+=(nodejs)
command -v npm >/dev/null || PKGS+=(npm)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
NODE_DIR="$(cd "$(dirname "$0")/.." && pwd)/tests/node"
if [ ! -d "$NODE_DIR/node_modules/redis" ] || [ "$NODE_DIR/package-lock.json" -nt "$NODE_DIR/node_modules" ]; then
  (cd "$NODE_DIR" && npm ci --no-audit --no-fund --loglevel=error)
fi
