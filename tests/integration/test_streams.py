# Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
"""Streams through real clients: a producer/consumer-group worker flow as job frameworks run it,
blocking XREAD/XREADGROUP served across threads, persistence (RDB restart, AOF rewrite and
replay, RDB files exchanged with redis-server both ways), replication of consumer-group state to
a redis-server replica and from a redis-server master, and corrupt payloads. Waits poll with a
deadline."""
import os
import subprocess
import threading
import time

import pytest
import redis

from servers import ServerProcess, redis_binary, wait_until


def test_worker_flow_at_least_once(r):
    """Producers XADD jobs, two workers XREADGROUP and XACK; a crashed worker's job is claimed."""
    r.xgroup_create("jobs", "workers", id="0", mkstream=True)
    ids = [r.xadd("jobs", {"job": str(i)}) for i in range(10)]
    got_a = r.xreadgroup("workers", "a", {"jobs": ">"}, count=4)[0][1]
    got_b = r.xreadgroup("workers", "b", {"jobs": ">"}, count=10)[0][1]
    assert [i for i, _ in got_a + got_b] == ids
    for i, _ in got_b:
        r.xack("jobs", "workers", i)
    summary = r.xpending("jobs", "workers")
    assert summary["pending"] == 4
    assert summary["consumers"] == [{"name": "a", "pending": 4}]
    # Worker a died: b claims what a held for more than 0 ms.
    time.sleep(0.01)
    cursor, claimed, deleted = r.xautoclaim("jobs", "workers", "b", min_idle_time=5)
    assert [i for i, _ in claimed] == ids[:4] and deleted == [] and cursor == "0-0"
    r.xack("jobs", "workers", *ids[:4])
    assert r.xpending("jobs", "workers")["pending"] == 0
    groups = r.xinfo_groups("jobs")
    assert groups[0]["lag"] == 0 and groups[0]["entries-read"] == 10
    consumers = {c["name"]: c for c in r.xinfo_consumers("jobs", "workers")}
    assert consumers["a"]["pending"] == 0 and consumers["b"]["inactive"] >= 0


def test_blocking_readers_are_served_across_threads(server_port, r):
    r.xgroup_create("s", "g", id="$", mkstream=True)
    results = {}

    def reader(name, *cmd):
        c = redis.Redis(port=server_port, decode_responses=True)
        results[name] = c.execute_command(*cmd)
        c.close()

    threads = [threading.Thread(target=reader, args=(f"g{i}", "XREADGROUP", "GROUP", "g", f"c{i}",
                                                     "BLOCK", "0", "STREAMS", "s", ">"))
               for i in range(3)]
    threads.append(threading.Thread(target=reader, args=("x", "XREAD", "BLOCK", "0", "STREAMS",
                                                         "s", "$")))
    threads.append(threading.Thread(target=reader, args=("t", "XREAD", "BLOCK", "1000", "STREAMS",
                                                         "other", "$")))
    for t in threads:
        t.start()
    wait_until(lambda: r.info("clients")["blocked_clients"] == 5, what="five blocked readers")
    for i in range(3):
        r.xadd("s", {"n": str(i)}, id=f"{i + 1}-0")
    for t in threads:
        t.join(10)
    # Each group reader got exactly one different entry (FIFO), XREAD saw the first one, the
    # reader of the other stream timed out.
    got = sorted(results[f"g{i}"][0][1][0][0] for i in range(3))
    assert got == ["1-0", "2-0", "3-0"]
    assert results["x"][0][1][0][0] == "1-0"
    assert not results["t"]  # a timeout: a null reply
    assert r.xpending("s", "g")["pending"] == 3


def test_client_unblock_of_stream_readers(server_port, r):
    """CLIENT UNBLOCK ends a blocked XREAD with a null reply, or with -UNBLOCKED when asked."""
    out = {}

    def reader(name):
        c = redis.Redis(port=server_port, decode_responses=True)
        out[name + "_id"] = c.client_id()
        try:
            out[name] = c.execute_command("XREAD", "BLOCK", "0", "STREAMS", "s", "$")
        except redis.ResponseError as e:
            out[name] = str(e)

    for name, how in (("timeout", "TIMEOUT"), ("error", "ERROR")):
        t = threading.Thread(target=reader, args=(name,))
        t.start()
        wait_until(lambda: r.info("clients")["blocked_clients"] == 1, what="blocked reader")
        assert r.client_unblock(out[name + "_id"], error=how == "ERROR")
        t.join(10)
    assert not out["timeout"]
    assert out["error"] == "UNBLOCKED client unblocked via CLIENT UNBLOCK"


def test_blocked_group_reader_gets_error_when_stream_deleted(server_port, r):
    r.xgroup_create("s", "g", id="$", mkstream=True)
    out = {}

    def reader():
        c = redis.Redis(port=server_port)
        try:
            c.execute_command("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">")
        except redis.ResponseError as e:
            out["err"] = str(e)

    t = threading.Thread(target=reader)
    t.start()
    wait_until(lambda: r.info("clients")["blocked_clients"] == 1, what="blocked reader")
    r.delete("s")
    t.join(10)
    assert "No such key 's' or consumer group 'g'" in out["err"]


def stream_state(c, exact=True):
    """XINFO STREAM FULL and the entries. Without `exact`, what a replay cannot keep is left out:
    the consumers' seen and active times (set when a replica or AOF load replays the claims)
    and the node layout (tombstones are not replayed)."""
    info = c.xinfo_stream("s", full=True)
    if not exact:
        info = {k: v for k, v in info.items() if not k.startswith("radix-tree")}
        for g in info["groups"]:
            g["consumers"] = [{k: v for k, v in zip(x[::2], x[1::2])
                               if k not in ("seen-time", "active-time")} for x in g["consumers"]]
    return (info, c.xrange("s"))


def fill(c):
    for i in range(500):
        c.xadd("s", {"f": str(i), "payload": "x" * (i % 90)}, id=f"{i + 1}-{i % 3}")
    c.xdel("s", "7-0", "300-2")
    c.xgroup_create("s", "g", id="0")
    c.xgroup_create("s", "h", id="$")
    c.xreadgroup("g", "c1", {"s": ">"}, count=20)
    c.xreadgroup("g", "c2", {"s": ">"}, count=5)
    c.xack("s", "g", "2-1")
    c.xgroup_createconsumer("s", "h", "idle")


@pytest.mark.needs_process
def test_rdb_and_aof_keep_streams(make_server, tmp_path):
    for mode in ("rdb", "aof"):
        d = tmp_path / mode
        d.mkdir()
        args = ["--dir", str(d), "--appendonly", "yes" if mode == "aof" else "no"]
        if mode == "aof":
            args += ["--aof-use-rdb-preamble", "no"]
        s = make_server(args)
        c = redis.Redis(port=s.port, decode_responses=True)
        fill(c)
        before = stream_state(c)
        if mode == "aof":
            c.bgrewriteaof()
            wait_until(lambda: c.info("persistence")["aof_rewrite_in_progress"] == 0,
                       what="rewrite done")
            c.xadd("s", {"after": "rewrite"}, id="9999-0")
            before = stream_state(c, exact=False)
        else:
            c.save()
        s.stop()
        s.start()
        c = redis.Redis(port=s.port, decode_responses=True)
        assert stream_state(c, exact=mode == "rdb") == before, mode


@pytest.mark.needs_process
@pytest.mark.oracle72
def test_rdb_files_exchanged_with_redis(make_server, tmp_path):
    """Carmine's RDB loads in redis-server (and passes its checker) and the reverse."""
    s = make_server(["--dir", str(tmp_path)])
    c = redis.Redis(port=s.port, decode_responses=True)
    fill(c)
    want = stream_state(c)
    c.save()
    s.stop()
    # Redis's checker is its server binary started under that name.
    checker = tmp_path / "redis-check-rdb"
    os.symlink(redis_binary(), checker)
    chk = subprocess.run([str(checker), str(tmp_path / "dump.rdb")], capture_output=True,
                         text=True, timeout=60)
    assert chk.returncode == 0 and "RDB looks OK" in chk.stdout, chk.stdout
    rs = ServerProcess("redis", args=["--dir", str(tmp_path)])
    try:
        rs.start()
        rc = redis.Redis(port=rs.port, decode_responses=True)
        got = stream_state(rc)
        assert got[1] == want[1]
        assert got[0]["groups"] == want[0]["groups"]
        rc.xadd("s", {"from": "redis"}, id="10000-0")
        rc.xreadgroup("g", "c3", {"s": ">"}, count=3)
        want = stream_state(rc)
        rc.save()
    finally:
        rs.cleanup()
    s.start()
    c = redis.Redis(port=s.port, decode_responses=True)
    got = stream_state(c)
    assert got[1] == want[1]
    assert got[0]["groups"] == want[0]["groups"]


@pytest.mark.needs_process
@pytest.mark.parametrize("master_kind", ["carmine", "redis"])
def test_group_state_replicates(make_server, master_kind):
    """XREADGROUP/XCLAIM/XAUTOCLAIM/NOACK on the master leave the replica with the same PEL."""
    redis_proc = ServerProcess("redis")
    try:
        redis_proc.start()
        if master_kind == "carmine":
            m, rep = make_server(), redis_proc
        else:
            m, rep = redis_proc, make_server()
        mc = redis.Redis(port=m.port, decode_responses=True)
        rc = redis.Redis(port=rep.port, decode_responses=True)
        rc.replicaof("127.0.0.1", m.port)
        wait_until(lambda: rc.info("replication")["master_link_status"] == "up", 30,
                   what="replica link up")
        fill(mc)
        mc.xclaim("s", "g", "c9", 0, ["8-1", "9-2"])
        mc.xautoclaim("s", "g", "c8", 0, "0-0", count=3)
        mc.xadd("s", {"trim": "me"}, maxlen=100, approximate=True)
        mc.xreadgroup("h", "n1", {"s": ">"}, count=2, noack=True)
        mc.xadd("s", {"auto": "id"})

        def same():
            return stream_state(mc, exact=False) == stream_state(rc, exact=False)
        wait_until(same, 30, what="replica stream state equals master's")
        assert mc.xrange("s") == rc.xrange("s")
    finally:
        redis_proc.cleanup()


def test_corrupt_restore_payloads_are_refused(r, rb):
    for i in range(50):
        r.xadd("s", {"f": str(i)}, id=f"{i + 1}-0")
    r.xgroup_create("s", "g", id="0")
    r.xreadgroup("g", "c", {"s": ">"}, count=5)
    payload = rb.dump("s")
    rb.execute_command("DEBUG", "SET-SKIP-CHECKSUM-VALIDATION", "1")
    try:
        for i in range(0, len(payload) - 10, 3):
            bad = payload[:i] + bytes([payload[i] ^ 0x5A]) + payload[i + 1:]
            try:
                rb.restore("bad", 0, bad, replace=True)
                rb.execute_command("XINFO", "STREAM", "bad", "FULL")
            except redis.ResponseError:
                pass
        assert rb.ping()
    finally:
        rb.execute_command("DEBUG", "SET-SKIP-CHECKSUM-VALIDATION", "0")


def test_memory_per_entry_below_redis_listpack(r):
    """MEMORY USAGE of a stream of small same-shaped entries stays within Redis's bytes."""
    pipe = r.pipeline(transaction=False)
    for i in range(20000):
        pipe.xadd("s", {"sensor": "12", "value": str(i % 1000)}, id=f"{1700000000000 + i}-0")
    pipe.execute()
    per_entry = r.memory_usage("s", samples=0) / 20000
    assert per_entry < 20, per_entry
    assert r.object("encoding", "s") == "stream"
    assert r.type("s") == "stream"


def test_node_clients(r, server_port):
    """ioredis XREAD BLOCK of BullMQ-style events, node-redis consumer-group helpers."""
    import json
    import os
    import shutil
    import subprocess
    node_dir = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "node")
    node = shutil.which("node")
    assert node and os.path.isdir(os.path.join(node_dir, "node_modules", "ioredis")), \
        "node/ioredis missing: run scripts/deps.sh"
    out = subprocess.run([node, os.path.join(node_dir, "stream_clients.mjs"), str(server_port)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report == {"firstEvent": ["event", "completed", "jobId", "0"], "events": 3,
                      "readCount": 3, "acked": 2, "claimed": 1, "pending": 1, "lag": 2}
