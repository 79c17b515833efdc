# Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
"""pytest fixtures: a carmine-server on a free loopback port and redis-py clients.

With --existing-port P the client tests run against an already running server instead (for
example Debian's redis-server), which checks that our expectations are Redis's. Tests that need to
start their own process are skipped in that mode (marker: needs_process).
"""
import os
import sys

import pytest
import redis

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from servers import ServerProcess, redis_version  # noqa: E402


def pytest_addoption(parser):
    parser.addoption("--existing-port", type=int, default=None,
                     help="run client tests against a server already listening on this port")
    parser.addoption("--threads", default="2", help="worker threads for the started carmine")


def pytest_configure(config):
    config.addinivalue_line("markers", "needs_process: starts its own carmine-server process")
    config.addinivalue_line("markers", "oracle72: compares with behaviour Redis 7.2 changed (skipped "
                            "when the oracle is Debian's 7.0 fallback)")


def pytest_collection_modifyitems(config, items):
    if any("oracle72" in item.keywords for item in items) and redis_version() < (7, 2):
        skip72 = pytest.mark.skip(reason="the oracle is older than Redis 7.2, which Carmine follows")
        for item in items:
            if "oracle72" in item.keywords:
                item.add_marker(skip72)
    if config.getoption("--existing-port"):
        skip = pytest.mark.skip(reason="starts its own carmine-server")
        for item in items:
            if "needs_process" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(scope="session")
def server_port(request):
    port = request.config.getoption("--existing-port")
    if port:
        yield port
        return
    srv = ServerProcess("carmine", args=["--threads", request.config.getoption("--threads"),
                                         "--enable-debug-command", "local"])
    srv.start()
    yield srv.port
    srv.cleanup()


@pytest.fixture
def r(server_port):
    client = redis.Redis(host="127.0.0.1", port=server_port, decode_responses=True)
    client.flushall()
    yield client
    client.close()


@pytest.fixture
def rb(server_port):
    client = redis.Redis(host="127.0.0.1", port=server_port)
    client.flushall()
    yield client
    client.close()


@pytest.fixture
def make_server():
    started = []

    def factory(args=None, config_text=None, start=True):
        args = list(args or []) + ["--enable-debug-command", "local"]
        s = ServerProcess("carmine", args=args, config_text=config_text)
        started.append(s)
        if start:
            s.start()
        return s

    yield factory
    for s in started:
        s.cleanup()
