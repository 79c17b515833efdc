# Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
"""MONITOR through redis-py's Monitor and raw RESP: Redis's line format and quoting, database and
client address, commands from clients on every worker thread, redacted passwords, admin commands
left out, transactions shown as MULTI / commands / EXEC, the keyspace refusal for a monitoring
client, and RESET ending monitor mode."""
import os
import re
import sys
import threading

import pytest
import redis

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from diff.resp import RawClient  # noqa: E402

LINE = re.compile(rb'^\+(\d+)\.(\d{6}) \[(\d+) ([^\]]+)\] (.*)$')


def read_lines(raw, count):
    out = []
    while len(out) < count:
        reply, _ = raw.read_reply()
        m = LINE.match(reply.rstrip(b"\r\n"))
        assert m, reply
        out.append((int(m.group(3)), m.group(4), m.group(5)))
    return out


def test_monitor_lines(r, server_port):
    mon = RawClient(server_port, timeout=5)
    assert mon.call(["monitor"])[1] == (b"+", b"OK")
    c = redis.Redis(host="127.0.0.1", port=server_port)
    c.execute_command("SELECT", "3")
    c.set("a b", 'x\ny\x01"q')
    c.config_get("port")  # admin: not shown
    with pytest.raises(redis.ResponseError):
        c.execute_command("AUTH", "someone", "secret")
    pipe = c.pipeline(transaction=True)
    pipe.incr("n").get("n")
    pipe.execute()
    lines = read_lines(mon, 7)
    assert lines[0][0] == 3 and lines[0][2] == b'"SELECT" "3"'
    assert lines[0][1].startswith(b"127.0.0.1:")
    assert lines[1][2] == b'"SET" "a b" "x\\ny\\x01\\"q"'
    assert lines[2][2] == b'"AUTH" "(redacted)" "(redacted)"'
    assert [x[2] for x in lines[3:]] == [b'"MULTI"', b'"INCRBY" "n" "1"', b'"GET" "n"',
                                         b'"EXEC"']
    info = [x for x in r.client_list() if "O" in x["flags"]]
    assert len(info) == 1
    # The monitoring client may only run commands that do not touch the keyspace.
    assert mon.call(["get", "x"])[1] == (b"-", b"ERR Replica can't interact with the keyspace")
    assert mon.call(["reset"])[1] == (b"+", b"RESET")
    assert mon.call(["get", "x"])[1][0] == b"$"
    c.close()
    mon.close()


def test_monitor_sees_every_thread(r, server_port):
    m = redis.Redis(host="127.0.0.1", port=server_port, decode_responses=True)
    with m.monitor() as monitor:
        def work(i):
            c = redis.Redis(host="127.0.0.1", port=server_port)
            for j in range(25):
                c.set(f"mon:{i}:{j}", j)
            c.close()

        ts = [threading.Thread(target=work, args=(i,)) for i in range(4)]
        for t in ts:
            t.start()
        seen = {}
        while sum(len(v) for v in seen.values()) < 100:
            cmd = monitor.next_command()["command"].split()
            if cmd[0] == "SET" and cmd[1].startswith("mon:"):
                _, i, j = cmd[1].split(":")
                seen.setdefault(i, []).append(int(j))
        for t in ts:
            t.join()
    # Each client's commands arrive in the order it sent them.
    assert sorted(seen) == ["0", "1", "2", "3"]
    assert all(v == list(range(25)) for v in seen.values())


def test_monitor_inside_multi_is_refused(r):
    pipe = r.pipeline(transaction=True)
    pipe.execute_command("MONITOR")
    res = pipe.execute(raise_on_error=False)
    assert "DENY BLOCKING" in str(res[0])
