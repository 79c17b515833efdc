# Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
"""MULTI/EXEC/DISCARD/WATCH through redis-py: queue-time and run-time errors, WATCH failing on
every kind of modification (write, expiry, FLUSHDB, SWAPDB, RENAME into the key), optimistic
retry loops from several threads, atomicity of EXEC against readers on other worker threads, and
a push inside EXEC waking a client blocked in BLPOP. Conditions are polled with deadlines."""
import os
import sys
import threading

import pytest
import redis

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from servers import wait_until  # noqa: E402


def client(port):
    return redis.Redis(host="127.0.0.1", port=port, decode_responses=True)


def test_pipeline_transaction_and_errors(r):
    pipe = r.pipeline(transaction=True)
    pipe.set("a", "1").incr("a").lpush("a", "x").get("a")
    res = pipe.execute(raise_on_error=False)
    assert res[0] is True and res[1] == 2 and res[3] == "2"
    assert isinstance(res[2], redis.ResponseError)  # run-time error: the rest still applied
    # redis-py reports the queue-time error that made EXEC answer EXECABORT.
    with pytest.raises(redis.ResponseError, match="unknown command 'NOSUCHCOMMAND'"):
        pipe = r.pipeline(transaction=True)
        pipe.set("b", "1").execute_command("NOSUCHCOMMAND")
        pipe.execute()
    assert r.get("b") is None  # queue-time error: nothing applied
    with pytest.raises(redis.ResponseError, match="EXEC without MULTI"):
        r.execute_command("EXEC")
    with pytest.raises(redis.ResponseError, match="DISCARD without MULTI"):
        r.execute_command("DISCARD")


def test_discard_and_nested_multi(server_port):
    c = client(server_port)
    c.flushall()
    conn = c.connection_pool.get_connection("x")
    try:
        def call(*args):
            conn.send_command(*args)
            try:
                return conn.read_response()
            except redis.ResponseError as e:
                return e
        assert call("MULTI") == "OK"
        assert str(call("MULTI")) == "MULTI calls can not be nested"
        assert str(call("WATCH", "k")) == "WATCH inside MULTI is not allowed"
        assert call("SET", "k", "v") == "QUEUED"
        assert call("DISCARD") == "OK"
        assert call("GET", "k") is None
        assert call("MULTI") == "OK"
        assert call("SET", "k", "v") == "QUEUED"
        assert call("EXEC") == ["OK"]
        client_line = call("CLIENT", "INFO")
        assert "multi=-1" in client_line
    finally:
        c.connection_pool.release(conn)
        c.close()


def watch_fails_after(r, server_port, setup, modify):
    """WATCH k, let another client run `modify`, then EXEC must fail (return None)."""
    setup(r)
    other = client(server_port)
    with r.pipeline() as pipe:
        pipe.watch("k")
        modify(other)
        pipe.multi()
        pipe.set("k", "mine")
        with pytest.raises(redis.WatchError):
            pipe.execute()
    other.close()


@pytest.mark.parametrize("name,setup,modify", [
    ("write", lambda r: r.set("k", "1"), lambda o: o.incr("k")),
    ("delete", lambda r: r.set("k", "1"), lambda o: o.delete("k")),
    ("create", lambda r: None, lambda o: o.set("k", "new")),
    ("flushdb", lambda r: r.set("k", "1"), lambda o: o.flushdb()),
    ("flushall", lambda r: r.set("k", "1"), lambda o: o.flushall()),
    ("swapdb", lambda r: r.set("k", "1"), lambda o: o.swapdb(0, 1)),
    ("rename-into", lambda r: r.set("src", "x"), lambda o: o.rename("src", "k")),
    ("expire", lambda r: r.set("k", "1"), lambda o: o.expire("k", 100)),
    ("list-push", lambda r: r.rpush("k", "a"), lambda o: o.rpush("k", "b")),
    ("hash-field", lambda r: r.hset("k", "f", "1"), lambda o: o.hincrby("k", "f", 1)),
])
def test_watch_fails_on_modification(r, server_port, name, setup, modify):
    watch_fails_after(r, server_port, setup, modify)


def test_watch_ignores_other_keys_and_databases(r, server_port):
    r.set("k", "1")
    other = client(server_port)
    other.set("k2", "x")
    other.execute_command("SELECT", "1")
    with r.pipeline() as pipe:
        pipe.watch("k")
        other.set("k", "db1")  # same name, another database
        other.flushdb()  # flushes database 1 only
        pipe.multi()
        pipe.set("k", "2")
        assert pipe.execute() == [True]
    other.close()


def test_watch_fails_when_key_expires(r):
    r.set("k", "1", px=20)
    with r.pipeline() as pipe:
        pipe.watch("k")
        wait_until(lambda: r.pttl("k") < 0, what="expiry")
        pipe.multi()
        pipe.set("k", "2")
        with pytest.raises(redis.WatchError):
            pipe.execute()


def test_watch_retry_loop_from_threads(r, server_port):
    """Optimistic increments with WATCH from 8 clients: every increment lands exactly once."""
    r.set("counter", "0")
    per_thread, threads = 200, 8
    retries = [0] * threads

    def worker(idx):
        c = client(server_port)
        done = 0
        while done < per_thread:
            with c.pipeline() as pipe:
                try:
                    pipe.watch("counter")
                    v = int(pipe.get("counter"))
                    pipe.multi()
                    pipe.set("counter", v + 1)
                    pipe.execute()
                    done += 1
                except redis.WatchError:
                    retries[idx] += 1
        c.close()

    ts = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert int(r.get("counter")) == per_thread * threads


def test_exec_is_atomic_for_readers_on_other_threads(r, server_port):
    """Transactions move one unit between keys on different shards; readers on other threads
    must never see the total change."""
    keys = [f"acct:{i}" for i in range(8)]
    for k in keys:
        r.set(k, 100)
    stop = threading.Event()
    bad = []

    def mover(seed):
        c = client(server_port)
        i = seed
        while not stop.is_set():
            a, b = keys[i % 8], keys[(i * 3 + 1) % 8]
            i += 1
            if a == b:
                continue
            pipe = c.pipeline(transaction=True)
            pipe.decr(a).incr(b)
            pipe.execute()
        c.close()

    def reader():
        c = client(server_port)
        while not stop.is_set():
            total = sum(int(v) for v in c.mget(keys))
            if total != 800:
                bad.append(total)
        c.close()

    ts = [threading.Thread(target=mover, args=(s,)) for s in range(3)]
    ts += [threading.Thread(target=reader) for _ in range(3)]
    for t in ts:
        t.start()
    threading.Event().wait(1.5)
    stop.set()
    for t in ts:
        t.join()
    assert bad == []
    assert sum(int(v) for v in r.mget(keys)) == 800


def test_push_inside_exec_wakes_blocked_client(r, server_port):
    out = {}

    def waiter():
        out["v"] = client(server_port).blpop("q", timeout=10)

    t = threading.Thread(target=waiter)
    t.start()
    wait_until(lambda: r.info("clients")["blocked_clients"] == 1, what="waiter blocked")
    pipe = r.pipeline(transaction=True)
    pipe.rpush("q", "job").set("flag", "1")
    assert pipe.execute() == [1, True]
    t.join(timeout=10)
    assert out["v"] == ("q", "job")
    assert r.llen("q") == 0


def test_blocking_command_inside_multi_does_not_block(r):
    pipe = r.pipeline(transaction=True)
    pipe.blpop("empty", timeout=0)
    pipe.set("x", "1")
    assert pipe.execute() == [None, True]
