# Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
"""Runs the node-redis (npm `redis`, RESP3) checks in tests/node against the server: pub/sub
pushes, keyspace events, WATCH/MULTI and client-side caching with node-redis's own cache.
scripts/deps.sh installs the npm package (`npm ci` in tests/node)."""
import os
import shutil
import subprocess

NODE_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "node")


def test_node_redis_resp3(r, server_port):
    node = shutil.which("node")
    assert node, "node is not installed (scripts/deps.sh installs it)"
    assert os.path.isdir(os.path.join(NODE_DIR, "node_modules", "redis")), \
        "npm packages missing: run scripts/deps.sh (npm ci in tests/node)"
    out = subprocess.run([node, os.path.join(NODE_DIR, "resp3_clients.mjs"), str(server_port)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "checks passed" in out.stdout
