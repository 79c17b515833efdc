#!/bin/bash
# Quick start: install dependencies, build, and run carmine-server on 127.0.0.1:6379 with the
# default configuration file (carmine.conf). Snapshots and AOF files go to run/ (ignored by git),
# never into the checkout itself. Extra arguments are passed to the server.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
scripts/build.sh
mkdir -p run
exec ./build/carmine-server carmine.conf --dir "$PWD/run" "$@"
