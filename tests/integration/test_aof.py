# Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
"""The append-only file through the built binary: Redis 7's multi-part layout (manifest, RDB
preamble base, incr files), the commands written (compared with what redis-server writes for the
same commands), restarts, BGREWRITEAOF and automatic rewrites, CONFIG SET appendonly at runtime,
files interchanged with Debian's redis-server and checked by redis-check-aof, truncated and
corrupt files, the single-file layout of older versions, -LOADING while a big file loads, and
kill -9 under a write load (appendfsync always keeps every acknowledged write)."""
import os
import random
import re
import resource
import shutil
import subprocess
import threading
import time

import pytest
import redis

from servers import ServerProcess, ping, wait_until
from test_persistence import dataset, fill_all

pytestmark = pytest.mark.needs_process

AOF_DIR = "appendonlydir"


def aof_server(make_server, *args, dir=None):
    extra = ["--dir", dir] if dir else []
    return make_server(["--appendonly", "yes", "--threads", "2", *extra, *args])


def manifest(d):
    with open(os.path.join(d, AOF_DIR, "appendonly.aof.manifest")) as f:
        return f.read()


def check_aof(d):
    out = subprocess.run(["redis-check-aof", os.path.join(d, AOF_DIR, "appendonly.aof.manifest")],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "All AOF files and manifest are valid" in out.stdout, out.stdout


def kill9(s):
    s.proc.kill()
    s.proc.wait()


def crash_and_compare(make_server, s, c):
    """kill -9, check the files with redis-check-aof, restart on them: the same dataset."""
    before = dataset(c)
    kill9(s)
    check_aof(s.dir)
    s2 = aof_server(make_server, dir=s.dir)
    c2 = redis.Redis(port=s2.port)
    assert dataset(c2) == before
    return s2, c2


def rewrite_done(c, rewrites):
    info = c.info("persistence")
    return info["aof_rewrite_in_progress"] == 0 and info["aof_rewrites"] >= rewrites


def test_layout_and_restart_keep_every_type(make_server):
    s = aof_server(make_server)
    assert manifest(s.dir) == ("file appendonly.aof.1.base.rdb seq 1 type b\n"
                               "file appendonly.aof.1.incr.aof seq 1 type i\n")
    c = redis.Redis(port=s.port)
    assert c.info("persistence")["aof_enabled"] == 1
    # Save rules count from startup, not from the epoch, also when no RDB file was loaded.
    assert abs(c.lastsave().timestamp() - time.time()) < 60
    fill_all(c)
    info = c.info("persistence")
    assert info["aof_current_size"] > info["aof_base_size"]
    assert info["aof_last_write_status"] == "ok"
    s2, _ = crash_and_compare(make_server, s, c)
    assert "DB loaded from append only file" in s2.log_text()


# Commands whose propagated form Redis 7 defines (absolute expiry, rewritten commands, what a
# command that changed nothing leaves out). Nothing random, so both files must be equal.
SEQUENCE = [
    "SET a 1", "SET a 2 EX 100", "SETEX b 100 v", "PSETEX c 100000 v", "SET d v PX 5000",
    "SET e v EXAT 2000000000", "SET f v KEEPTTL", "SETNX a 3", "SETNX g 3", "GETSET a 5",
    "GETDEL g", "GETEX a EX 50", "GETEX a PERSIST", "APPEND a xyz", "INCR n", "INCRBY n 5",
    "DECR n", "DECRBY n 2", "INCRBYFLOAT fl 1.5", "MSET m1 1 m2 2", "MSETNX m3 1 m4 2",
    "SETRANGE a 1 QQ", "EXPIRE a 100", "PEXPIRE a 100000", "EXPIREAT a 2000000000", "PERSIST a",
    "DEL m1 nokey", "UNLINK m2", "RENAME m3 m5", "RENAMENX m5 m6", "COPY m6 m7", "MOVE m7 1",
    "SWAPDB 0 1", "SWAPDB 0 1", "RPUSH l a b c d e", "LPUSH l z", "LPOP l", "RPOP l 2",
    "LSET l 0 q", "LINSERT l BEFORE q w", "LREM l 1 w", "LTRIM l 0 5", "RPOPLPUSH l l2",
    "LMOVE l l2 LEFT RIGHT", "LPUSHX l x", "RPUSHX nol x", "BLPOP l 1", "BRPOP l2 1",
    "BLMOVE l2 l3 LEFT LEFT 1", "LMPOP 1 l3 LEFT", "BLMPOP 1 1 l3 RIGHT", "SADD s a b c d",
    "SREM s a", "SADD one only", "SPOP one", "SMOVE s s2 b", "SINTERSTORE s3 s s2",
    "SUNIONSTORE s4 s s2", "SDIFFSTORE s5 s s2", "HSET h f v g w", "HSETNX h f x",
    "HINCRBY h n 1", "HINCRBYFLOAT h fl 2.5", "HDEL h g", "HMSET h a 1", "ZADD z 1 a 2 b 3 c",
    "ZINCRBY z 2 a", "ZREM z b", "ZPOPMIN z", "ZPOPMAX z", "BZPOPMIN z 1", "ZADD z 1 a 2 b",
    "ZREMRANGEBYSCORE z 0 1", "ZUNIONSTORE z2 1 z", "ZRANGESTORE z3 z 0 -1", "ZMPOP 1 z MIN",
    "ZADD z 5 e", "BZMPOP 1 1 z MAX", "PFADD hll a b c", "PFMERGE hll2 hll", "SETBIT bits 7 1",
    "BITOP NOT bits2 bits", "BITFIELD bf SET u8 0 255",
    "GEOADD geo 13.361389 38.115556 Palermo",
    "GEOSEARCHSTORE geo2 geo FROMLONLAT 15 37 BYRADIUS 200 km", "SELECT 2", "SET x 1", "FLUSHDB",
    "SET y 2", "SELECT 0", "SORT l STORE sorted", "FLUSHALL", "SET last 1", "EXPIRE last -1",
]


def normalized_incr(d):
    with open(os.path.join(d, AOF_DIR, "appendonly.aof.1.incr.aof"), "rb") as f:
        data = f.read()
    # Absolute deadlines differ between the two runs by the time between them.
    return re.sub(rb"\r\n1[0-9]{12}\r\n", b"\r\n<ms>\r\n", data)


def run_sequence(c):
    for cmd in SEQUENCE:
        try:
            c.execute_command(*cmd.split(" "))
        except redis.ResponseError:
            pass
    p = c.pipeline(transaction=True)
    p.set("t1", 1)
    p.incr("t2")
    p.execute()
    p = c.pipeline(transaction=True)  # one write: no MULTI/EXEC around it
    p.set("t3", 1)
    p.get("t1")
    p.execute()
    # A transaction in another db: MULTI is written before the SELECT, as Redis writes it.
    c.execute_command("SELECT", "3")
    p = c.pipeline(transaction=True)
    p.set("t4", 1)
    p.incr("t5")
    p.execute()
    c.execute_command("SELECT", "0")


@pytest.mark.oracle72
def test_incr_file_is_what_redis_writes(make_server):
    s = aof_server(make_server, "--appendfsync", "always")
    oracle = ServerProcess("redis", args=["--appendonly", "yes", "--appendfsync", "always"])
    oracle.start()
    try:
        run_sequence(redis.Redis(port=oracle.port))
        run_sequence(redis.Redis(port=s.port))
        theirs = normalized_incr(oracle.dir)
    finally:
        oracle.cleanup()
    ours = normalized_incr(s.dir)
    assert ours.split(b"*")[:40] == theirs.split(b"*")[:40]
    assert ours == theirs


def test_files_interchange_with_redis(make_server):
    s = aof_server(make_server)
    c = redis.Redis(port=s.port)
    fill_all(c)
    assert c.bgrewriteaof()
    wait_until(lambda: rewrite_done(c, 1), what="rewrite")
    c.set("after-rewrite", "1")  # in the new incr file
    c.rpush("biglist", "tail")
    ours = dataset(c)
    kill9(s)
    check_aof(s.dir)
    oracle = ServerProcess("redis", args=["--appendonly", "yes"])
    shutil.copytree(os.path.join(s.dir, AOF_DIR), os.path.join(oracle.dir, AOF_DIR))
    oracle.start()
    try:
        r = redis.Redis(port=oracle.port)
        assert dataset(r) == ours
        r.set("from-redis", "1")
        assert r.bgrewriteaof()
        wait_until(lambda: rewrite_done(r, 1), what="redis rewrite")
        r.hset("h-after", "f", "v")
        r.delete("after-rewrite")
        theirs = dataset(r)
        r.shutdown(nosave=True)
        oracle.proc.wait(10)
        mine = os.path.join(s.dir, AOF_DIR)
        shutil.rmtree(mine)
        shutil.copytree(os.path.join(oracle.dir, AOF_DIR), mine)
    finally:
        oracle.cleanup()
    s2 = aof_server(make_server, dir=s.dir)
    assert dataset(redis.Redis(port=s2.port)) == theirs


def test_base_without_rdb_preamble(make_server):
    s = aof_server(make_server, "--aof-use-rdb-preamble", "no")
    c = redis.Redis(port=s.port)
    fill_all(c)
    assert c.bgrewriteaof()
    wait_until(lambda: rewrite_done(c, 1), what="rewrite")
    assert "appendonly.aof.2.base.aof seq 2 type b" in manifest(s.dir)
    with open(os.path.join(s.dir, AOF_DIR, "appendonly.aof.2.base.aof"), "rb") as f:
        assert f.read(1) == b"*"
    c.set("more", "x")
    crash_and_compare(make_server, s, c)


def test_rewrite_replaces_files_and_runs_automatically(make_server):
    # The automatic rule starts off (percentage 0): the writes below all land before it may fire,
    # so the rewrite it starts has every one of them in its base and nothing races it.
    s = aof_server(make_server, "--auto-aof-rewrite-min-size", "1mb",
                   "--auto-aof-rewrite-percentage", "0")
    c = redis.Redis(port=s.port)
    assert raw_client(s.port).bgrewriteaof() == b"Background append only file rewriting started"
    wait_until(lambda: rewrite_done(c, 1), what="rewrite")
    assert manifest(s.dir) == ("file appendonly.aof.2.base.rdb seq 2 type b\n"
                               "file appendonly.aof.2.incr.aof seq 2 type i\n")
    assert sorted(os.listdir(os.path.join(s.dir, AOF_DIR))) == [
        "appendonly.aof.2.base.rdb", "appendonly.aof.2.incr.aof", "appendonly.aof.manifest"]
    value = "x" * 1000
    p = c.pipeline(transaction=False)
    for i in range(3000):
        p.set(f"k{i % 500}", value)
    p.execute()
    assert c.info("persistence")["aof_rewrites"] == 1  # the rule is off
    # Over 1mb of commands, twice the size after the last rewrite: a rewrite starts by itself.
    c.config_set("auto-aof-rewrite-percentage", "100")
    wait_until(lambda: rewrite_done(c, 2), timeout=30, what="automatic rewrite")
    assert "Starting automatic rewriting of AOF" in s.log_text()
    info = c.info("persistence")
    assert info["aof_current_size"] < 1024 * 1024  # the 500 keys, compacted
    assert info["aof_last_cow_size"] > 0  # what the child reported copying
    crash_and_compare(make_server, s, c)


def raw_client(port):
    c = redis.Redis(port=port)
    for name in ("BGREWRITEAOF", "BGSAVE"):
        c.response_callbacks.pop(name, None)
    return c


def test_bgsave_and_rewrite_take_turns(make_server):
    s = aof_server(make_server)
    c = raw_client(s.port)
    p = c.pipeline(transaction=False)
    for i in range(300000):
        p.set(f"key:{i}", "v" * 20)
    p.execute()
    assert c.bgsave() == b"Background saving started"
    # One child at a time: the rewrite waits for the snapshot (unless it is already done).
    assert c.bgrewriteaof() in (b"Background append only file rewriting scheduled",
                                b"Background append only file rewriting started")
    wait_until(lambda: rewrite_done(c, 1), timeout=30, what="scheduled rewrite")
    assert c.bgrewriteaof() == b"Background append only file rewriting started"
    try:
        reply = c.execute_command("BGSAVE")  # redis-py's bgsave() adds SCHEDULE
        assert reply == b"Background saving started"  # the rewrite was done already
    except redis.ResponseError as e:
        assert str(e).startswith("Another child process is active (AOF?): can't BGSAVE")
        assert c.execute_command("BGSAVE", "SCHEDULE") in (b"Background saving scheduled",
                                                           b"Background saving started")
    wait_until(lambda: c.info("persistence")["rdb_saves"] >= 2, timeout=30, what="bgsave")
    assert os.path.exists(os.path.join(s.dir, "dump.rdb"))


def test_config_set_appendonly_at_runtime(make_server):
    s = make_server(["--threads", "2"])
    c = redis.Redis(port=s.port)
    fill_all(c)
    assert c.info("persistence")["aof_enabled"] == 0
    assert c.config_set("appendonly", "yes")
    assert c.config_get("appendonly") == {"appendonly": "yes"}
    wait_until(lambda: rewrite_done(c, 1), what="rewrite that creates the AOF")
    assert c.info("persistence")["aof_enabled"] == 1
    assert manifest(s.dir) == ("file appendonly.aof.1.base.rdb seq 1 type b\n"
                               "file appendonly.aof.1.incr.aof seq 1 type i\n")
    c.set("after", "1")
    c.incr("counter")
    s2, c2 = crash_and_compare(make_server, s, c)
    assert c2.config_set("appendonly", "no")
    c2.set("not-logged", "1")
    assert c2.info("persistence")["aof_enabled"] == 0
    kill9(s2)
    s3 = aof_server(make_server, dir=s.dir)
    assert redis.Redis(port=s3.port).get("not-logged") is None


def incr_path(d, n=1):
    return os.path.join(d, AOF_DIR, f"appendonly.aof.{n}.incr.aof")


def start_expect_exit(d, *args):
    s = ServerProcess("carmine", args=["--appendonly", "yes", *args, "--dir", d])
    s.start(wait=False)
    code = s.proc.wait(20)
    log = s.log_text()
    s.logf.close()
    return code, log


def test_truncated_and_corrupt_files(make_server):
    s = aof_server(make_server)
    c = redis.Redis(port=s.port)
    c.set("a", "1")
    c.set("b", "2")
    s.stop()
    path = incr_path(s.dir)
    with open(path, "rb") as f:
        good = f.read()
    # A command cut off by a crash: loaded up to it (and the tail removed) by default...
    with open(path, "ab") as f:
        f.write(b"*3\r\n$3\r\nSET\r\n$1\r\nc\r\n$2\r\n3")
    code, log = start_expect_exit(s.dir, "--aof-load-truncated", "no")
    assert code == 1 and "Unexpected end of file reading the append only file" in log
    s2 = aof_server(make_server, dir=s.dir)
    c2 = redis.Redis(port=s2.port)
    assert c2.get("b") == b"2" and c2.get("c") is None
    assert "loaded anyway because aof-load-truncated is enabled" in s2.log_text()
    c2.set("d", "4")  # appended after the cut: the file stays valid
    s2.stop()
    check_aof(s.dir)
    with open(path, "rb") as f:
        assert f.read().startswith(good)
    # ...a transaction without its EXEC is rolled back...
    with open(path, "ab") as f:
        f.write(b"*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nSET\r\n$1\r\ne\r\n$1\r\n5\r\n")
    s3 = aof_server(make_server, dir=s.dir)
    c3 = redis.Redis(port=s3.port)
    assert c3.get("d") == b"4" and c3.get("e") is None
    s3.stop()
    # ...garbage is refused, as is a command the server does not know.
    with open(path, "ab") as f:
        f.write(b"garbage\r\n")
    code, log = start_expect_exit(s.dir)
    assert code == 1 and "Bad file format reading the append only file" in log
    with open(path, "wb") as f:
        f.write(good + b"*1\r\n$7\r\nNOTACMD\r\n")
    code, log = start_expect_exit(s.dir)
    assert code == 1 and "Unknown command 'NOTACMD' reading the append only file" in log
    # A manifest naming a file that is not there.
    with open(path, "wb") as f:
        f.write(good)
    with open(os.path.join(s.dir, AOF_DIR, "appendonly.aof.manifest"), "a") as f:
        f.write("file appendonly.aof.9.incr.aof seq 9 type i\n")
    code, log = start_expect_exit(s.dir)
    assert code == 1 and "Unable to obtain the AOF file appendonly.aof.9.incr.aof length. stat: No such file or directory" in log


def test_single_file_aof_of_older_versions_is_upgraded(make_server):
    d = ServerProcess("carmine").dir
    with open(os.path.join(d, "appendonly.aof"), "wb") as f:
        f.write(b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$3\r\nold\r\n$3\r\nyes\r\n"
                b"*3\r\n$5\r\nRPUSH\r\n$1\r\nl\r\n$1\r\nx\r\n")
    s = aof_server(make_server, dir=d)
    c = redis.Redis(port=s.port)
    assert c.get("old") == b"yes" and c.lrange("l", 0, -1) == [b"x"]
    assert not os.path.exists(os.path.join(d, "appendonly.aof"))
    assert manifest(d).startswith("file appendonly.aof seq 1 type b\n")
    c.set("new", "1")
    s.stop()
    check_aof(d)
    s2 = aof_server(make_server, dir=d)
    c2 = redis.Redis(port=s2.port)
    assert c2.get("old") == b"yes" and c2.get("new") == b"1"


def test_single_file_aof_with_rdb_preamble_is_upgraded(make_server):
    # Redis 6 with aof-use-rdb-preamble wrote one file: an RDB snapshot, then commands.
    s = make_server(["--threads", "2"])
    c = redis.Redis(port=s.port)
    fill_all(c)
    deadline = time.time() + 0.2
    c.set("expiring", "v", pxat=int(deadline * 1000))
    assert c.save()
    before = dataset(c)
    s.stop()
    time.sleep(max(0.0, deadline - time.time()) + 0.05)  # past the key's deadline before loading
    with open(os.path.join(s.dir, "dump.rdb"), "rb") as f:
        rdb = f.read()
    os.remove(os.path.join(s.dir, "dump.rdb"))
    with open(os.path.join(s.dir, "appendonly.aof"), "wb") as f:
        f.write(rdb + b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n"
                b"*3\r\n$3\r\nSET\r\n$4\r\ntail\r\n$1\r\n1\r\n"
                b"*3\r\n$6\r\nAPPEND\r\n$8\r\nexpiring\r\n$1\r\nx\r\n")
    s2 = aof_server(make_server, dir=s.dir)
    c2 = redis.Redis(port=s2.port)
    assert c2.get("tail") == b"1"
    # The expired key was loaded for the commands after it, then expired as it should.
    wait_until(lambda: c2.get("expiring") is None, what="expired key removed")
    after = dataset(c2)
    del after[(0, b"tail")]
    before.pop((0, b"expiring"), None)
    assert after == before


def test_loading_answers_loading_error(make_server):
    s = aof_server(make_server)
    s.stop()
    # About 1.5M commands: long enough to load that clients see the loading state.
    cmd = b"*3\r\n$3\r\nSET\r\n$11\r\nkey:%07d\r\n$5\r\nvalue\r\n"
    with open(incr_path(s.dir), "wb") as f:
        f.write(b"".join(cmd % i for i in range(1500000)))
    s2 = ServerProcess("carmine", args=["--appendonly", "yes", "--dir", s.dir, "--threads", "2"])
    s2.start(wait=False)
    try:
        wait_until(lambda: s2.proc.poll() is None and ping(s2.port) is not None, 15,
                   what="accepting clients")
        c = redis.Redis(port=s2.port, socket_timeout=5)
        seen = False
        while True:
            try:
                c.ping()
                break
            except redis.exceptions.BusyLoadingError as e:
                assert "Redis is loading the dataset in memory" in str(e)
                info = c.info("persistence")  # INFO answers while loading
                assert info["loading"] in (0, 1)
                seen = True
        assert seen, "the server never reported loading"
        assert c.dbsize() == 1500000
        assert c.info("persistence")["loading"] == 0
    finally:
        s2.cleanup()


def test_debug_loadaof(make_server):
    s = aof_server(make_server)
    c = redis.Redis(port=s.port)
    fill_all(c)
    before = dataset(c)
    assert c.execute_command("DEBUG", "LOADAOF") == b"OK"
    assert dataset(c) == before
    crash_and_compare(make_server, s, c)  # nothing was written twice


@pytest.mark.parametrize("kind", ["carmine", "redis"])
def test_debug_loadaof_answers_loading_to_other_clients(kind):
    """While DEBUG LOADAOF replays the files, other clients, even those served by the thread
    that replays (one thread here), get -LOADING for what needs the dataset, as from Redis."""
    s = ServerProcess(kind, args=["--appendonly", "yes", "--enable-debug-command", "yes",
                                  *(["--threads", "1"] if kind == "carmine" else [])]).start()
    try:
        c = redis.Redis(port=s.port, socket_timeout=30)
        p = c.pipeline(transaction=False)
        for i in range(20000):
            p.set(f"key:{i}", i)
        p.execute()
        c.config_set("key-load-delay", 50)  # a second or two of replay
        loader = redis.Redis(port=s.port, socket_timeout=30)
        done = []
        t = threading.Thread(target=lambda: done.append(loader.execute_command("DEBUG", "LOADAOF")))
        t.start()
        seen = False
        deadline = time.time() + 20
        while t.is_alive() and time.time() < deadline:
            try:
                c.ping()
            except redis.exceptions.BusyLoadingError as e:
                assert "loading the dataset in memory" in str(e)
                assert c.info("persistence")["loading"] in (0, 1)  # INFO answers while loading
                seen = True
                break
        t.join(30)
        assert seen, "no -LOADING while the AOF was replayed"
        assert done == [b"OK"]
        c.config_set("key-load-delay", 0)
        assert c.dbsize() == 20000 and c.get("key:19999") == b"19999"
    finally:
        s.cleanup()


def cap_file_size(s, limit):
    """Limits how large the server may make a file (RLIMIT_FSIZE, the soft limit only, so it can
    be raised again): writes past it fail."""
    resource.prlimit(s.proc.pid, resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))


def test_write_error_refuses_writes_until_the_file_can_grow(make_server):
    s = aof_server(make_server)
    c = redis.Redis(port=s.port)
    c.set("before", "1")
    wait_until(lambda: os.path.getsize(incr_path(s.dir)) > 0, what="first write in the file")
    # Room for log lines, not for the value.
    cap_file_size(s, max(os.path.getsize(incr_path(s.dir)), os.path.getsize(s.log)) + 2000)
    # Acknowledged (everysec), but the file cannot take it yet: the failed write comes before the
    # reply, so the next write is already refused.
    c.set("big", "x" * 10000)
    with pytest.raises(redis.ResponseError, match="^MISCONF Errors writing to the AOF file: File too large"):
        c.set("next", "1")
    assert c.get("before") == b"1"  # reads are served
    assert c.info("persistence")["aof_last_write_status"] == "err"
    cap_file_size(s, resource.RLIM_INFINITY)
    # The cron retries the write; then writes are accepted again.
    wait_until(lambda: c.info("persistence")["aof_last_write_status"] == "ok", what="recovery")
    assert c.set("after", "1")
    kill9(s)
    check_aof(s.dir)
    s2 = aof_server(make_server, dir=s.dir)
    c2 = redis.Redis(port=s2.port)
    assert c2.get("big") == b"x" * 10000 and c2.get("after") == b"1"
    assert c2.get("next") is None


def test_write_error_with_appendfsync_always_stops_the_server(make_server):
    s = aof_server(make_server, "--appendfsync", "always")
    c = redis.Redis(port=s.port)
    c.set("before", "1")
    # Room for the log line, not for the value.
    cap_file_size(s, max(os.path.getsize(incr_path(s.dir)), os.path.getsize(s.log)) + 2000)
    with pytest.raises(redis.ConnectionError):
        c.set("big", "x" * 10000)  # never acknowledged: the server stops instead
    assert s.proc.wait(10) == 1
    assert "Can't recover from AOF write error when the AOF fsync policy is 'always'" in \
        s.log_text()


def write_load(port, stop, acked, key_prefix):
    """Writes until stopped; records each acknowledged write."""
    c = redis.Redis(port=port, socket_timeout=5)
    i = 0
    try:
        while not stop.is_set():
            c.set(f"{key_prefix}:{i}", i)
            acked.append(i)
            c.incr(f"{key_prefix}:counter")
            acked.append(-1)
            i += 1
    except (redis.ConnectionError, redis.TimeoutError):
        pass


def crash_round(make_server, d, fsync, duration):
    s = aof_server(make_server, "--appendfsync", fsync, dir=d)
    stop = threading.Event()
    results = [[] for _ in range(3)]
    threads = [threading.Thread(target=write_load, args=(s.port, stop, results[t], f"w{t}"))
               for t in range(3)]
    for t in threads:
        t.start()
    time.sleep(duration)  # the load runs for a while; the crash point is what is random
    kill9(s)
    stop.set()
    for t in threads:
        t.join()
    s2 = aof_server(make_server, dir=d)
    c = redis.Redis(port=s2.port)
    missing = 0
    for t, acked in enumerate(results):
        sets = [i for i in acked if i >= 0]
        incrs = sum(1 for i in acked if i < 0)
        counter = int(c.get(f"w{t}:counter") or 0)
        present = set()
        if sets:
            keys = [f"w{t}:{i}" for i in sets]
            vals = c.mget(keys)
            present = {i for i, v in zip(sets, vals) if v is not None}
        missing += len(sets) - len(present) + max(0, incrs - counter)
        # Never more than was sent: at most the one write in flight beyond the acknowledged.
        assert counter <= incrs + 1
    total = sum(len(a) for a in results)
    kill9(s2)
    return missing, total


def test_kill9_appendfsync_always_loses_nothing(make_server):
    d = ServerProcess("carmine").dir
    rng = random.Random(7)
    total = 0
    for _ in range(20):
        missing, n = crash_round(make_server, d, "always", rng.uniform(0.1, 0.4))
        assert missing == 0
        total += n
        shutil.rmtree(os.path.join(d, AOF_DIR))
    assert total > 1000


def test_kill9_appendfsync_everysec_loses_at_most_a_second(make_server):
    d = ServerProcess("carmine").dir
    missing, total = crash_round(make_server, d, "everysec", 1.5)
    # Writes reach the kernel before the reply: a process crash loses nothing; only a machine
    # crash could lose the last second, which the bound allows.
    assert missing <= total / 1.5
    assert missing == 0


def test_timestamp_annotations(make_server):
    """aof-timestamp-enabled: a #TS:<seconds> line before the first write of each second, and at
    the start of a command-form base; both servers load such files."""
    for s in (aof_server(make_server, "--aof-use-rdb-preamble", "no"),
              ServerProcess("redis", args=["--appendonly", "yes", "--aof-use-rdb-preamble",
                                           "no", "--enable-debug-command", "yes"]).start()):
        try:
            r = redis.Redis(port=s.port)
            r.config_set("aof-timestamp-enabled", "yes")
            r.set("foo", "bar")
            m = manifest(s.dir)
            incr = [l.split()[1] for l in m.splitlines() if "type i" in l][-1]
            with open(os.path.join(s.dir, AOF_DIR, incr), "rb") as f:
                assert re.match(rb"#TS:\d+\r\n\*2\r\n\$6\r\nSELECT", f.read()), s.kind
            r.bgrewriteaof()
            wait_until(lambda: r.info("persistence")["aof_rewrite_in_progress"] == 0 and
                       "type b" in manifest(s.dir) and
                       r.info("persistence")["aof_rewrite_scheduled"] == 0, 10)
            base = [l.split()[1] for l in manifest(s.dir).splitlines() if "type b" in l][0]
            with open(os.path.join(s.dir, AOF_DIR, base), "rb") as f:
                assert f.read(4) == b"#TS:", s.kind
            r.execute_command("DEBUG", "LOADAOF")
            assert r.get("foo") == b"bar"
        finally:
            if s.kind == "redis":
                s.cleanup()


def test_appendonly_enabled_inside_exec_schedules_the_rewrite(make_server):
    s = make_server(["--threads", "2"])
    c = redis.Redis(port=s.port)
    p = c.pipeline(transaction=True)
    p.set("foo", "bar")
    p.config_set("appendonly", "yes")
    assert p.execute() == [True, True]
    # As Redis: no fork inside the transaction; the cron starts the rewrite.
    wait_until(lambda: "AOF was enabled during a transaction. An AOF background was scheduled "
               "to start when possible." in s.log_text(), what="scheduled log line")
    wait_until(lambda: rewrite_done(c, 1), what="scheduled rewrite")
    assert c.info("persistence")["aof_enabled"] == 1
    c.set("after", "1")
    crash_and_compare(make_server, s, c)


@pytest.mark.oracle72
@pytest.mark.parametrize("kind", ["carmine", "redis"])
def test_a_command_failing_in_the_aof_is_reported_and_panics_on_request(kind):
    # An AOF whose INCR meets a string (a file edited, or written by a diverged server).
    aof = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\na\r\n*2\r\n$4\r\nINCR\r\n$1\r\nk\r\n"
    line = ("== CRITICAL == This server is sending an error to its AOF-loading-client: 'value is "
            "not an integer or out of range' after processing the command 'incr'")
    s = ServerProcess(kind, args=["--appendonly", "yes"])
    with open(os.path.join(s.dir, "appendonly.aof"), "wb") as f:
        f.write(aof)
    try:
        s.start()
        c = redis.Redis(port=s.port, decode_responses=True)
        assert c.get("k") == "a"
        assert c.info("stats")["unexpected_error_replies"] == 1
        assert line in s.log_text()
    finally:
        s.cleanup()
    s = ServerProcess(kind, args=["--appendonly", "yes", "--propagation-error-behavior", "panic"])
    with open(os.path.join(s.dir, "appendonly.aof"), "wb") as f:
        f.write(aof)
    try:
        s.start(wait=False)
        s.proc.wait(15)
        assert ("Guru Meditation: This server panicked sending an error to its AOF-loading-client "
                "after processing the command 'incr'") in s.log_text()
    finally:
        s.cleanup()
