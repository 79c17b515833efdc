# Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
"""redis-cli, the tool operators use, against carmine-server."""
import subprocess


def cli(port, *args, stdin=None):
    out = subprocess.run(["redis-cli", "-p", str(port), *args], input=stdin, capture_output=True,
                         text=True, timeout=30)
    return out.stdout.strip()


def test_cli_basics(server_port):
    assert cli(server_port, "ping") == "PONG"
    assert cli(server_port, "set", "cli:k", "v") == "OK"
    assert cli(server_port, "get", "cli:k") == "v"
    assert cli(server_port, "incr", "cli:n") == "1"
    assert cli(server_port, "get", "cli:none") == ""
    assert "ERR unknown command" in cli(server_port, "nosuch")
    assert cli(server_port, "--no-raw", "get", "cli:none") == "(nil)"


def test_cli_scan_and_pipe(server_port):
    cli(server_port, "flushall")
    cmds = "".join(f"SET cli:{i} {i}\n" for i in range(500))
    subprocess.run(["redis-cli", "-p", str(server_port), "--pipe"], input=cmds, text=True,
                   capture_output=True, check=True, timeout=30)
    keys = cli(server_port, "--scan", "--pattern", "cli:*").split()
    assert len(keys) == 500
    assert cli(server_port, "dbsize") == "500"


def test_cli_resp3_and_info(server_port):
    assert cli(server_port, "-3", "hello", "3").count("proto") == 1
    assert "redis_version" in cli(server_port, "info", "server")
    assert "# Keyspace" in cli(server_port, "info")
