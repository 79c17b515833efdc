#!/bin/bash
# Quick start: install dependencies, build, and run carmine-server on 127.0.0.1:6379 with the
# default configuration file (carmine.conf). Extra arguments are passed to the server.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
scripts/build.sh
exec ./build/carmine-server carmine.conf "$@"
