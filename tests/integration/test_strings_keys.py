# Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
"""Strings and keys through redis-py, as an application uses them."""
import socket
import time

import pytest
import redis


def test_set_get_and_options(r):
    assert r.set("k", "v") is True
    assert r.get("k") == "v"
    assert r.set("k", "w", nx=True) is None
    assert r.set("k", "w", xx=True, get=True) == "v"
    assert r.set("t", "1", ex=100) is True
    assert r.ttl("t") == 100
    assert r.set("t", "2", keepttl=True)
    assert 99 <= r.ttl("t") <= 100
    assert r.getex("t", persist=True) == "2"
    assert r.ttl("t") == -1
    assert r.getdel("t") == "2"
    assert r.exists("t") == 0


def test_counters_and_floats(r):
    assert r.incr("n") == 1
    assert r.incrby("n", 41) == 42
    assert r.decrby("n", 2) == 40
    assert r.incrbyfloat("f", 1.5) == 1.5
    r.set("s", "text")
    with pytest.raises(redis.ResponseError, match="not an integer"):
        r.incr("s")


def test_mset_mget_msetnx(r):
    assert r.mset({"a": "1", "b": "2"})
    assert r.mget(["a", "b", "c"]) == ["1", "2", None]
    assert r.msetnx({"a": "x", "c": "3"}) is False
    assert r.msetnx({"c": "3", "d": "4"}) is True


def test_ranges_append_lcs(r):
    assert r.append("s", "hello") == 5
    assert r.append("s", " world") == 11
    assert r.getrange("s", 0, 4) == "hello"
    assert r.setrange("s", 6, "WORLD") == 11
    assert r.get("s") == "hello WORLD"
    assert r.strlen("s") == 11
    r.mset({"x": "ohmytext", "y": "mynewtext"})
    assert r.execute_command("LCS", "x", "y") == "mytext"


def test_bitmaps(r):
    assert r.setbit("b", 7, 1) == 0
    assert r.getbit("b", 7) == 1
    r.set("k", "foobar")
    assert r.bitcount("k") == 26
    assert r.bitpos("k", 1) == 1
    assert r.bitop("AND", "d", "k", "b") == 6
    bf = r.bitfield("bf")
    assert bf.set("u8", 0, 200).incrby("u8", 0, 100).execute() == [0, 44]


def test_keys_family(r):
    r.mset({"a": "1", "b": "2"})
    assert r.rename("a", "c")
    assert r.renamenx("b", "c") is False
    assert r.copy("c", "e") is True
    assert r.type("c") == "string"
    assert r.expire("c", 100)
    assert r.ttl("c") == 100
    assert r.persist("c")
    assert r.move("c", 1)
    assert r.exists("c") == 0
    assert sorted(r.keys("*")) == ["b", "e"]
    assert r.dbsize() == 2
    assert r.randomkey() in ("b", "e")
    assert r.object("encoding", "b") == "int"
    assert r.swapdb(0, 1)
    assert r.keys("*") == ["c"]


def test_scan_iter_sees_everything(r):
    for i in range(1000):
        r.set(f"key:{i}", i)
    assert len(set(r.scan_iter(match="key:*", count=50))) == 1000
    assert len(set(r.scan_iter(_type="string", count=200))) == 1000


def test_scan_never_misses_while_table_grows(r):
    stable = {f"stable:{i}" for i in range(2000)}
    for k in stable:
        r.set(k, 1)
    seen, cursor, extra = set(), 0, 0
    while True:
        cursor, keys = r.scan(cursor, count=20)
        seen.update(keys)
        pipe = r.pipeline(transaction=False)
        for _ in range(30):
            pipe.set(f"grow:{extra}", 1)
            extra += 1
        pipe.execute()
        if cursor == 0:
            break
    assert stable <= seen


def test_lazy_and_active_expiry(r):
    before = r.info("stats")["expired_keys"]
    r.set("lazy", "v", px=50)
    r.debug_object("lazy")  # exists now
    deadline = time.monotonic() + 0.2
    while time.monotonic() < deadline:  # wait past the deadline without touching the key
        time.sleep(0.01)
    r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    try:
        r.set("lazy2", "v", px=1)
        time.sleep(0.01)
        assert r.get("lazy2") is None  # removed on access although the cycle is off
    finally:
        r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "1")
    assert r.dbsize() <= 1
    assert r.info("stats")["expired_keys"] - before >= 1


def test_untouched_ttl_key_gone_within_a_second(r):
    for i in range(200):
        r.set(f"exp:{i}", "v", px=100)
    start = time.monotonic()
    while r.dbsize() > 0 and time.monotonic() - start < 3:
        time.sleep(0.01)
    assert r.dbsize() == 0
    assert time.monotonic() - start < 1.2


def test_pipeline_deep(rb):
    pipe = rb.pipeline(transaction=False)
    for i in range(10000):
        pipe.set(f"p{i}", i)
    assert all(pipe.execute())
    pipe = rb.pipeline(transaction=False)
    for i in range(10000):
        pipe.get(f"p{i}")
    assert pipe.execute() == [str(i).encode() for i in range(10000)]


def test_binary_safe_values(rb):
    blob = bytes(range(256)) * 100
    rb.set(b"\x00bin\xff", blob)
    assert rb.get(b"\x00bin\xff") == blob


def test_big_values(rb):
    big = b"x" * (64 * 1024 * 1024)
    assert rb.set("big", big)
    assert rb.strlen("big") == len(big)
    assert rb.get("big") == big
    assert rb.getrange("big", -3, -1) == b"xxx"


def test_512mb_argument(server_port):
    """A bulk of exactly proto-max-bulk-len (512 MB) is accepted; one byte more is refused."""
    size = 512 * 1024 * 1024
    with socket.create_connection(("127.0.0.1", server_port)) as s:
        s.sendall(b"*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$%d\r\n" % size)
        chunk = b"y" * (8 * 1024 * 1024)
        for _ in range(size // len(chunk)):
            s.sendall(chunk)
        s.sendall(b"\r\n*2\r\n$6\r\nSTRLEN\r\n$3\r\nbig\r\n*2\r\n$3\r\nDEL\r\n$3\r\nbig\r\n")
        buf = b""
        while buf.count(b"\r\n") < 3:
            buf += s.recv(1024)
        assert buf == b"+OK\r\n:%d\r\n:1\r\n" % size
    with socket.create_connection(("127.0.0.1", server_port)) as s:
        s.sendall(b"*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$%d\r\n" % (size + 1))
        assert s.recv(1024) == b"-ERR Protocol error: invalid bulk length\r\n"
        assert s.recv(1024) == b""


def test_wrongtype_and_errors(r):
    with pytest.raises(redis.ResponseError, match="wrong number of arguments for 'get' command"):
        r.execute_command("GET")
    with pytest.raises(redis.ResponseError, match="unknown command 'NOPE'"):
        r.execute_command("NOPE", "a")
    with pytest.raises(redis.ResponseError, match="syntax error"):
        r.execute_command("SET", "k", "v", "NX", "XX")
