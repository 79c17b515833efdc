# Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
"""DUMP/RESTORE between Carmine and Debian's redis-server: every type in its small and big
encodings travels both ways and arrives with the same contents."""
import os

import pytest
import redis

from servers import ServerProcess

pytestmark = pytest.mark.needs_process


def fill(x):
    x.set("s", "hello")
    x.set("n", 12345)
    x.set("i64", 2 ** 40)
    x.set("lzf", "a" * 100)
    x.set("bin", bytes(range(256)) * 3)
    x.rpush("l", "a", "b", 1, -5, 300, 70000, "x" * 100)
    x.rpush("biglist", *[f"elem{i}" * 5 for i in range(3000)])
    x.sadd("ints", 1, 2, 3, -100000, 2 ** 40)
    x.sadd("strs", "a", "b")
    x.sadd("bigset", *range(1000))
    x.hset("h", mapping={"f": "v", "n": 5, "long": "y" * 60})
    x.hset("bighash", mapping={f"f{i}": "v" * 70 for i in range(10)})
    x.zadd("z", {"a": 1.5, "b": 2, "c": -0.1, "d": 1e20})
    x.zadd("bigz", {f"m{i}": i / 3 for i in range(300)})


def content(x, key):
    t = x.type(key)
    if t == b"string":
        return x.get(key)
    if t == b"list":
        return x.lrange(key, 0, -1)
    if t == b"set":
        return sorted(x.smembers(key))
    if t == b"hash":
        return sorted(x.hgetall(key).items())
    return x.zrange(key, 0, -1, withscores=True)


KEYS = ["s", "n", "i64", "lzf", "bin", "l", "biglist", "ints", "strs", "bigset", "h", "bighash",
        "z", "bigz"]


@pytest.mark.oracle72
def test_dump_restore_both_ways(make_server):
    c = redis.Redis(port=make_server(["--threads", "2"]).port)
    oracle = ServerProcess("redis", args=["--save", ""])
    oracle.start()
    try:
        r = redis.Redis(port=oracle.port)
        fill(c)
        fill(r)
        identical = 0
        for k in KEYS:
            ours, theirs = c.dump(k), r.dump(k)
            identical += ours == theirs
            assert c.restore(k + ":from-redis", 0, theirs)
            assert r.restore(k + ":from-carmine", 0, ours)
            assert content(c, k + ":from-redis") == content(r, k), k
            assert content(r, k + ":from-carmine") == content(c, k), k
            # Lists and small string sets are where Redis 7.2 (our model) and 7.0 name encodings
            # differently.
            if c.type(k) in (b"hash", b"zset") or k == "ints":
                assert c.object("encoding", k + ":from-redis") == r.object("encoding", k), k
        # Values stored in one order (strings, lists, intsets, listpacks, sorted sets) serialize
        # byte for byte as Redis does; hash tables iterate in their own order.
        assert identical >= len(KEYS) - 4, identical
    finally:
        oracle.cleanup()


# A hash {a: b} as a ziplist (RDB type 13, what Redis 6 wrote): entries "prevlen, encoding,
# data"; the header says the total size, the last entry's offset and the count.
def ziplist(entries, prevlens=None, tail=None, count=None):
    body, offsets, prev = b"", [], 0
    for i, e in enumerate(entries):
        offsets.append(10 + len(body))
        p = prevlens[i] if prevlens else prev
        item = bytes([p, len(e)]) + e
        body += item
        prev = len(item)
    total = 10 + len(body) + 1
    if tail is None:
        tail = offsets[-1] if offsets else 10
    if count is None:
        count = len(entries)
    head = total.to_bytes(4, "little") + tail.to_bytes(4, "little") + count.to_bytes(2, "little")
    return head + body + b"\xff"


def payload(rdb_type, blob):
    # Type, the blob as an RDB string (short), RDB version 9, a checksum the servers are told to
    # skip (DEBUG SET-SKIP-CHECKSUM-VALIDATION).
    return bytes([rdb_type, len(blob)]) + blob + b"\x09\x00" + b"\x00" * 8


@pytest.mark.oracle72
def test_corrupt_packed_payloads_are_refused_as_redis_does(make_server):
    srv = make_server(["--loglevel", "verbose"])
    c = redis.Redis(port=srv.port)
    oracle = ServerProcess("redis", args=["--enable-debug-command", "yes"])
    oracle.start()
    try:
        r = redis.Redis(port=oracle.port)
        cases = {
            "good": ziplist([b"a", b"b"]),
            "prevlen": ziplist([b"a", b"b"], prevlens=[0, 2]),
            "first-prevlen": ziplist([b"a", b"b"], prevlens=[1, 3]),
            "tail": ziplist([b"a", b"b"], tail=10),
            "count": ziplist([b"a", b"b"], count=3),
            "uneven": ziplist([b"a", b"b", b"c"]),
            "dup": ziplist([b"a", b"b", b"a", b"c"]),
        }
        for x in (c, r):
            x.execute_command("DEBUG", "SET-SKIP-CHECKSUM-VALIDATION", 1)
        # A ziplist is converted as it is read, so Redis checks it deeply either way.
        for sanitize in ("yes", "no"):
            for x in (c, r):
                x.config_set("sanitize-dump-payload", sanitize)
            for name, blob in cases.items():
                replies = []
                for x in (c, r):
                    try:
                        replies.append(x.restore(f"h:{name}", 0, payload(13, blob), replace=True))
                    except redis.ResponseError as e:
                        replies.append(str(e))
                assert replies[0] == replies[1], (name, sanitize, replies)
                if name == "good":
                    assert c.hgetall("h:good") == {b"a": b"b"} == r.hgetall("h:good")
                else:
                    assert replies[0] == "Bad data format", name
        # Redis's verbose line names what failed.
        assert "-> Hash ziplist integrity check failed." in srv.log_text()
        # An empty collection is not a value.
        for x in (c, r):
            with pytest.raises(redis.ResponseError, match="Bad data format"):
                x.restore("empty", 0, payload(13, ziplist([])))
    finally:
        oracle.cleanup()


def rdb_file(keys):
    """An RDB file (version 9, checksum 0 = not checked) holding `keys`: (type, name, body)."""
    data = b"REDIS0009" + b"\xfe\x00"
    for t, name, body in keys:
        data += bytes([t, len(name)]) + name + body
    return data + b"\xff" + b"\x00" * 8


@pytest.mark.oracle72
@pytest.mark.parametrize("kind", ["carmine", "redis"])
def test_rdb_file_with_empty_or_corrupt_values(kind):
    # Empty collections (an old writer's leftovers) are skipped with a line each.
    s = ServerProcess(kind)
    with open(os.path.join(s.dir, "dump.rdb"), "wb") as f:
        f.write(rdb_file([(2, b"set", b"\x00"), (4, b"hash", b"\x00"),
                          (0, b"str", b"\x01x")]))
    try:
        s.start()
        c = redis.Redis(port=s.port)
        assert c.dbsize() == 1
        log = s.log_text()
        assert "rdbLoadObject skipping empty key: set" in log
        assert "rdbLoadObject skipping empty key: hash" in log
        assert "Done loading RDB, keys loaded: 1, keys expired: 0, empty keys skipped: 2." in log
    finally:
        s.cleanup()
    # A value that fails its check stops the server, with the checker's report.
    s = ServerProcess(kind)
    bad = ziplist([b"a", b"b"], prevlens=[0, 2])
    with open(os.path.join(s.dir, "dump.rdb"), "wb") as f:
        f.write(rdb_file([(13, b"h", bytes([len(bad)]) + bad)]))
    try:
        s.start(wait=False)
        assert s.proc.wait(15) == 1
        log = s.log_text()
        assert "Hash ziplist integrity check failed." in log
        assert "--- RDB ERROR DETECTED ---" in log
        assert log.rstrip().endswith("Terminating server after rdb file reading failure.")
    finally:
        s.cleanup()
