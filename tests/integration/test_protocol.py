# Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
"""Wire-level behaviour: inline commands, RESP3, protocol errors, pipelines, garbage input."""
import random
import socket

import pytest
import redis


def raw(port, data, expect_close=False, timeout=5):
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        if not expect_close:
            s.shutdown(socket.SHUT_WR)
        out = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return out
            out += chunk


def test_inline_commands(server_port):
    out = raw(server_port, b"PING\r\nSET a \"b c\"\r\nGET a\r\nECHO 'x y'\n")
    assert out == b"+PONG\r\n+OK\r\n$3\r\nb c\r\n$3\r\nx y\r\n"


@pytest.mark.parametrize("data,err", [
    (b"*x\r\n", b"-ERR Protocol error: invalid multibulk length\r\n"),
    (b"*1\r\n+foo\r\n", b"-ERR Protocol error: expected '$', got '+'\r\n"),
    (b"*1\r\n$-2\r\n", b"-ERR Protocol error: invalid bulk length\r\n"),
    (b"SET \"a\r\n", b"-ERR Protocol error: unbalanced quotes in request\r\n"),
    (b"x" * 70000, b"-ERR Protocol error: too big inline request\r\n"),
])
def test_protocol_errors_close_connection(server_port, data, err):
    # Commands before the bad frame are answered, then the error, then the server closes.
    assert raw(server_port, b"PING\r\n" + data, expect_close=True) == b"+PONG\r\n" + err


def test_resp3_hello(server_port):
    out = raw(server_port, b"HELLO 3\r\nGET nokey\r\nHELLO 2\r\nGET nokey\r\n")
    assert out.startswith(b"%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n")
    assert b"_\r\n*7\r\n" not in out  # HELLO 2 replies as a flat array
    assert out.endswith(b"$-1\r\n")
    assert b"\r\n_\r\n" in out


def test_pipeline_in_one_packet(server_port):
    n = 5000
    data = b"".join(b"*3\r\n$3\r\nSET\r\n$2\r\nk%d\r\n$1\r\nv\r\n" % (i % 10) for i in range(n))
    out = raw(server_port, data)
    assert out == b"+OK\r\n" * n


def test_garbage_never_crashes(server_port):
    rng = random.Random(7)
    for i in range(300):
        kind = i % 4
        if kind == 0:
            payload = bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 200)))
        elif kind == 1:
            payload = b"*%d\r\n$%d\r\n" % (rng.randint(-5, 1 << 40), rng.randint(-5, 1 << 40))
        elif kind == 2:
            frame = b"*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n"
            payload = frame[:rng.randint(0, len(frame))]
        else:
            payload = b"*1\r\n$" + str(rng.randint(0, 1 << 62)).encode() + b"\r\nxyz"
        try:
            with socket.create_connection(("127.0.0.1", server_port), timeout=2) as s:
                s.sendall(payload)
                s.shutdown(socket.SHUT_WR)
                s.settimeout(2)
                while s.recv(4096):
                    pass
        except (ConnectionResetError, socket.timeout, BrokenPipeError):
            pass
    client = redis.Redis(port=server_port)
    assert client.ping()


def test_reply_off_and_skip(server_port):
    out = raw(server_port, b"CLIENT REPLY OFF\r\nSET a 1\r\nCLIENT REPLY ON\r\nGET a\r\n"
              b"CLIENT REPLY SKIP\r\nGET a\r\nGET a\r\n")
    assert out == b"+OK\r\n$1\r\n1\r\n$1\r\n1\r\n"


def test_unauthenticated_limits(make_server):
    s = make_server(args=["--requirepass", "pw"])
    out = raw(s.port, b"*20\r\n", expect_close=True)
    assert out == b"-ERR Protocol error: unauthenticated multibulk length\r\n"
    out = raw(s.port, b"GET x\r\nAUTH pw\r\nGET x\r\n")
    assert out == b"-NOAUTH Authentication required.\r\n+OK\r\n$-1\r\n"


pytestmark_process = pytest.mark.needs_process
test_unauthenticated_limits = pytest.mark.needs_process(test_unauthenticated_limits)


def test_million_arguments(server_port):
    """A command with a million arguments arriving in many reads is parsed once, not per read."""
    n = 1_000_000
    parts = [b"*%d\r\n$3\r\nDEL\r\n" % (n + 1)]
    parts += [b"$8\r\nk%07d\r\n" % i for i in range(n)]
    data = b"".join(parts)
    import time
    start = time.monotonic()
    with socket.create_connection(("127.0.0.1", server_port), timeout=60) as s:
        s.sendall(data)
        assert s.recv(100) == b":0\r\n"
    assert time.monotonic() - start < 30
