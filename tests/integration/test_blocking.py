# Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
"""Blocking list and sorted-set pops through redis-py: timeouts, FIFO service, several keys,
pushes from other connections (and so other worker threads), CLIENT UNBLOCK, INFO counters,
pipelined requests behind a blocked one, and a multi-threaded producer/consumer run that checks
every element is delivered exactly once. Conditions are polled with deadlines."""
import os
import sys
import threading
import time

import pytest
import redis

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from servers import wait_until  # noqa: E402


def client(port):
    return redis.Redis(host="127.0.0.1", port=port, decode_responses=True)


def blocked_clients(r):
    return r.info("clients")["blocked_clients"]


def run_in_thread(fn):
    out = {}

    def body():
        try:
            out["value"] = fn()
        except Exception as e:  # surfaced by the caller
            out["error"] = e

    t = threading.Thread(target=body)
    t.start()
    return t, out


def test_timeout_returns_nil_after_fractional_seconds(r):
    start = time.monotonic()
    assert r.blpop(["nokey"], timeout=0.3) is None
    took = time.monotonic() - start
    assert 0.25 <= took < 2.0
    assert r.bzpopmin(["nokey"], timeout=0.1) is None
    assert r.blmove("nokey", "dst", 0.1) is None


def test_push_from_another_connection_wakes_waiter(r, server_port):
    t, out = run_in_thread(lambda: client(server_port).blpop(["q"], timeout=10))
    wait_until(lambda: blocked_clients(r) == 1, what="client blocked")
    assert r.rpush("q", "hello") == 1
    t.join(10)
    assert out.get("value") == ("q", "hello")
    assert r.exists("q") == 0
    assert blocked_clients(r) == 0


def test_waiters_are_served_in_arrival_order(r, server_port):
    threads = []
    for i in range(3):
        threads.append(run_in_thread(lambda: client(server_port).brpop(["fifo"], timeout=10)))
        wait_until(lambda n=i + 1: blocked_clients(r) == n, what=f"{i + 1} blocked")
    r.rpush("fifo", "a", "b", "c")  # BRPOP takes from the tail: c, b, a in arrival order
    got = []
    for t, out in threads:
        t.join(10)
        got.append(out.get("value"))
    assert got == [("fifo", "c"), ("fifo", "b"), ("fifo", "a")]


def test_client_on_several_keys_is_served_by_the_first_with_data(r, server_port):
    t, out = run_in_thread(lambda: client(server_port).blpop(["k1", "k2", "k3"], timeout=10))
    wait_until(lambda: blocked_clients(r) == 1, what="client blocked")
    assert r.info("clients").get("total_blocking_keys", 3) == 3  # a Redis 7.2 field
    r.lpush("k3", "x")
    t.join(10)
    assert out.get("value") == ("k3", "x")
    assert r.info("clients").get("total_blocking_keys", 0) == 0


def test_blmove_and_zset_waiters(r, server_port):
    t1, o1 = run_in_thread(lambda: client(server_port).blmove("src", "dst", 10, "LEFT", "RIGHT"))
    t2, o2 = run_in_thread(lambda: client(server_port).bzpopmax(["z"], timeout=10))
    wait_until(lambda: blocked_clients(r) == 2, what="two blocked")
    r.rpush("src", "v")
    r.zadd("z", {"m1": 1, "m2": 5})
    t1.join(10)
    t2.join(10)
    assert o1.get("value") == "v"
    assert r.lrange("dst", 0, -1) == ["v"]
    assert o2.get("value") == ("z", "m2", 5.0)


def test_client_unblock_timeout_and_error(r, server_port):
    c = client(server_port)
    cid = c.client_id()
    t, out = run_in_thread(lambda: c.blpop(["never"], timeout=0))
    wait_until(lambda: blocked_clients(r) == 1, what="client blocked")
    flags = [c["flags"] for c in r.client_list() if int(c["id"]) == cid]
    assert flags == ["b"]
    assert r.client_unblock(cid) == 1
    t.join(10)
    assert out.get("value") is None and "error" not in out
    assert r.client_unblock(cid) == 0  # not blocked any more
    t, out = run_in_thread(lambda: c.blpop(["never"], timeout=0))
    wait_until(lambda: blocked_clients(r) == 1, what="client blocked again")
    assert r.client_unblock(cid, error=True) == 1
    t.join(10)
    assert "UNBLOCKED" in str(out.get("error"))
    with pytest.raises(redis.ResponseError, match="TIMEOUT or ERROR"):
        r.execute_command("CLIENT", "UNBLOCK", cid, "MAYBE")


def test_disconnect_while_blocked_cleans_up(r, server_port):
    s = redis.Redis(host="127.0.0.1", port=server_port).connection_pool.get_connection("_")
    s.send_command("BLPOP", "gone", "0")
    wait_until(lambda: blocked_clients(r) == 1, what="client blocked")
    s.disconnect()
    wait_until(lambda: blocked_clients(r) == 0, what="registry cleaned")
    r.rpush("gone", "still-here")
    assert r.lrange("gone", 0, -1) == ["still-here"]


def test_pipelined_commands_wait_behind_a_blocked_one(r, server_port):
    conn = redis.Redis(host="127.0.0.1", port=server_port).connection_pool.get_connection("_")
    conn.send_packed_command(conn.pack_commands([("BLPOP", "pq", "0"), ("PING",), ("LLEN", "pq")]))
    wait_until(lambda: blocked_clients(r) == 1, what="client blocked")
    r.rpush("pq", "a", "b")
    assert conn.read_response() == [b"pq", b"a"]
    assert conn.read_response() == b"PONG"
    assert conn.read_response() == 1
    conn.disconnect()


def test_blocking_inside_pipeline_is_served_later_than_plain_pop(r, server_port):
    # LPOP on an empty list answers at once; only the blocking form waits.
    assert r.lpop("empty") is None
    assert r.blpop(["empty"], timeout=0.05) is None


def test_producers_and_consumers_on_many_threads(server_port):
    producers, consumers, per_producer = 4, 6, 300
    total = producers * per_producer
    received = []
    lock = threading.Lock()
    done = threading.Event()

    def consume():
        c = client(server_port)
        while not done.is_set():
            item = c.brpop(["work:a", "work:b"], timeout=0.2)
            if item is not None:
                with lock:
                    received.append(item[1])
                    if len(received) == total:
                        done.set()

    def produce(p):
        c = client(server_port)
        for i in range(per_producer):
            c.lpush("work:a" if i % 2 else "work:b", f"{p}:{i}")

    cons = [threading.Thread(target=consume) for _ in range(consumers)]
    for t in cons:
        t.start()
    prods = [threading.Thread(target=produce, args=(p,)) for p in range(producers)]
    for t in prods:
        t.start()
    for t in prods:
        t.join(60)
    assert done.wait(60), f"received {len(received)} of {total}"
    for t in cons:
        t.join(10)
    assert sorted(received) == sorted(f"{p}:{i}" for p in range(producers)
                                      for i in range(per_producer))
