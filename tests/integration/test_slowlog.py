# Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
"""SLOWLOG through redis-py and redis-cli: threshold and length from CONFIG SET, durations,
client address and name, and entries recorded by commands on several worker threads."""
import os
import subprocess
import sys
import threading

import pytest
import redis

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from diff.resp import RawClient  # noqa: E402


def text(v):
    return v.decode() if isinstance(v, bytes) else v


@pytest.fixture
def slow(r):
    old = r.config_get("slowlog-*")
    yield r
    r.config_set("slowlog-log-slower-than", old["slowlog-log-slower-than"])
    r.config_set("slowlog-max-len", old["slowlog-max-len"])


def test_slow_command_is_logged_with_duration_and_client(slow):
    slow.slowlog_reset()
    slow.config_set("slowlog-log-slower-than", 50000)
    slow.client_setname("reporter")
    slow.get("fast")
    slow.execute_command("DEBUG", "SLEEP", "0.1")
    entries = slow.slowlog_get()
    assert len(entries) == 1
    e = entries[0]
    assert text(e["command"]) == "DEBUG SLEEP 0.1"
    assert e["duration"] >= 100000
    # redis-py 4.3 drops the client fields; read them raw: [id, time, us, args, addr, name].
    raw = RawClient(slow.connection_pool.connection_kwargs["port"])
    _, (_, items) = raw.call(["slowlog", "get", "1"])
    fields = items[0][1]
    assert fields[4][1].startswith(b"127.0.0.1:")
    assert fields[5][1] == b"reporter"
    raw.close()
    assert slow.slowlog_len() == 1


def test_threads_and_max_len(slow, server_port):
    slow.config_set("slowlog-log-slower-than", 0)
    slow.config_set("slowlog-max-len", 1000)
    slow.slowlog_reset()

    def work(i):
        c = redis.Redis(host="127.0.0.1", port=server_port)
        for j in range(50):
            c.set(f"t{i}:{j}", j)
        c.close()

    ts = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    entries = slow.slowlog_get(-1)
    sets = [e for e in entries if text(e["command"]).startswith("SET t")]
    assert len(sets) == 200
    ids = [e["id"] for e in entries]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == len(ids)
    slow.config_set("slowlog-max-len", 5)
    assert slow.slowlog_len() == 5
    out = subprocess.run(["redis-cli", "-p", str(server_port), "slowlog", "len"],
                         capture_output=True, text=True).stdout.strip()
    assert out == "5"
    with pytest.raises(redis.ResponseError, match="between -1 and"):
        slow.config_set("slowlog-log-slower-than", -5)
