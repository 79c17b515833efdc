# Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
"""RDB snapshots through the built binary: SAVE/BGSAVE/LASTSAVE, save rules, loading at startup,
SHUTDOWN SAVE and SIGTERM with save rules, DEBUG RELOAD, and files interchanged with Debian's
redis-server in both directions (checked by redis-check-rdb and by comparing every key, TTL and
database). Corrupt files are refused with exit code 1, never a crash."""
import os
import shutil
import signal
import subprocess

import pytest
import redis

from servers import ServerProcess, carmine_binary, free_port, wait_until
from test_dump import KEYS, content, fill

pytestmark = pytest.mark.needs_process


def dataset(x):
    """Every key of every database with its contents and TTL (rounded to whole seconds)."""
    out = {}
    for db in range(16):
        x.select(db)
        for k in x.scan_iter(count=1000):
            ttl = x.ttl(k)
            out[(db, k)] = (content(x, k), None if ttl < 0 else round(ttl / 10))
    x.select(0)
    return out


def fill_all(x):
    fill(x)
    x.set("ttl", "x", ex=1000)
    x.hset("httl", "f", "v")
    x.expire("httl", 5000)
    x.select(3)
    x.set("db3", "y")
    x.rpush("db3list", *range(100))
    x.select(0)


def restart(make_server, s, *args):
    """Stops `s` and starts a new server on the same directory (so it loads the same file)."""
    s.stop()
    return make_server(["--dir", s.dir, *args])


def test_save_bgsave_lastsave_and_reload_on_start(make_server):
    s = make_server(["--threads", "2"])
    c = redis.Redis(port=s.port)
    fill_all(c)
    before = dataset(c)
    t0 = c.lastsave()
    assert c.save()
    assert c.lastsave() >= t0
    assert c.info("persistence")["rdb_changes_since_last_save"] == 0
    c.set("more", "1")
    assert c.info("persistence")["rdb_changes_since_last_save"] == 1
    assert c.bgsave()
    wait_until(lambda: c.info("persistence")["rdb_bgsave_in_progress"] == 0, what="bgsave")
    info = c.info("persistence")
    assert info["rdb_last_bgsave_status"] == "ok" and info["rdb_saves"] == 2
    assert info["rdb_last_cow_size"] > 0
    assert info["rdb_changes_since_last_save"] == 0
    before[(0, b"more")] = (b"1", None)
    s2 = restart(make_server, s)
    c2 = redis.Redis(port=s2.port)
    assert dataset(c2) == before
    assert c2.info("persistence")["rdb_last_load_keys_loaded"] == len(before)
    chk = subprocess.run(["redis-check-rdb", os.path.join(s.dir, "dump.rdb")],
                         capture_output=True, text=True, timeout=60)
    assert chk.returncode == 0 and "RDB looks OK" in chk.stdout, chk.stdout


def test_files_interchange_with_redis(make_server):
    s = make_server(["--threads", "2"])
    c = redis.Redis(port=s.port)
    fill_all(c)
    ours = dataset(c)
    assert c.save()
    # Redis 7.0 starts on Carmine's file and serves the same data.
    oracle = ServerProcess("redis")
    shutil.copy(os.path.join(s.dir, "dump.rdb"), os.path.join(oracle.dir, "dump.rdb"))
    oracle.start()
    try:
        r = redis.Redis(port=oracle.port)
        assert dataset(r) == ours
        # And Carmine starts on the file Redis writes.
        r.set("from-redis", "1")
        assert r.save()
        shutil.copy(os.path.join(oracle.dir, "dump.rdb"), os.path.join(s.dir, "dump.rdb"))
        theirs = dataset(r)
    finally:
        oracle.cleanup()
    s2 = restart(make_server, s)
    assert dataset(redis.Redis(port=s2.port)) == theirs


def test_shutdown_save_and_sigterm_with_save_rules(make_server):
    s = make_server(["--threads", "2"])
    c = redis.Redis(port=s.port)
    c.set("a", "1")
    c.shutdown(save=True)  # redis-py treats the closed connection as success
    s.proc.wait(10)
    assert os.path.exists(os.path.join(s.dir, "dump.rdb"))
    s2 = make_server(["--dir", s.dir, "--save", "3600 1"])
    c2 = redis.Redis(port=s2.port)
    assert c2.get("a") == b"1"
    c2.set("b", "2")
    assert s2.stop(signal.SIGTERM) == 0  # save rules exist: the final snapshot is written
    s3 = make_server(["--dir", s.dir])
    c3 = redis.Redis(port=s3.port)
    assert c3.get("b") == b"2"
    c3.set("c", "3")
    c3.shutdown(nosave=True)
    s3.proc.wait(10)
    s4 = make_server(["--dir", s.dir])
    assert redis.Redis(port=s4.port).get("c") is None


def test_save_rules_start_bgsave(make_server):
    s = make_server(["--threads", "2"])
    c = redis.Redis(port=s.port)
    assert c.config_set("save", "1 3")
    for i in range(3):
        c.set(f"k{i}", i)
    wait_until(lambda: c.info("persistence")["rdb_saves"] >= 1, timeout=20, what="automatic bgsave")
    assert os.path.exists(os.path.join(s.dir, "dump.rdb"))


def test_debug_reload_keeps_the_data(make_server):
    s = make_server(["--threads", "2"])
    c = redis.Redis(port=s.port)
    fill_all(c)
    before = dataset(c)
    assert c.execute_command("DEBUG", "RELOAD")
    assert dataset(c) == before


def test_corrupt_files_are_refused(make_server, tmp_path):
    s = make_server(["--threads", "2"])
    c = redis.Redis(port=s.port)
    fill_all(c)
    assert c.save()
    s.stop()
    good = open(os.path.join(s.dir, "dump.rdb"), "rb").read()
    cases = [good[:len(good) // 2], good[:-3], b"REDIS0099" + good[9:], b"NOTREDIS"]
    flipped = bytearray(good)
    flipped[len(good) // 3] ^= 0x10
    cases.append(bytes(flipped))
    for i, data in enumerate(cases):
        d = tmp_path / f"c{i}"
        d.mkdir()
        (d / "dump.rdb").write_bytes(data)
        out = subprocess.run([carmine_binary(), "--port", str(free_port()), "--bind", "127.0.0.1",
                              "--dir", str(d)], capture_output=True, text=True, timeout=30)
        assert out.returncode == 1, (i, out.returncode, out.stdout[-500:])
        assert "RDB" in out.stdout or "RDB" in out.stderr, (i, out.stdout[-500:])


def test_failed_bgsave_stops_writes(make_server):
    s = make_server(["--threads", "2", "--save", "3600 1"])
    c = redis.Redis(port=s.port)
    c.set("a", "1")
    shutil.rmtree(s.dir)  # the snapshot has nowhere to go
    assert c.bgsave()
    wait_until(lambda: c.info("persistence")["rdb_last_bgsave_status"] == "err", what="failure")
    with pytest.raises(redis.ResponseError, match="^MISCONF Redis is configured to save RDB"):
        c.set("b", "2")
    with pytest.raises(redis.ResponseError, match="^MISCONF"):
        c.ping()
    assert c.get("a") == b"1"  # reads go on
    assert c.config_set("stop-writes-on-bgsave-error", "no")
    assert c.set("b", "2")
    os.makedirs(s.dir)


def without_save_override(s):
    """Drops the `--save ""` the test harness adds, so the server's own defaults apply."""
    i = s.cmd.index("--save")
    del s.cmd[i:i + 2]
    return s


def test_default_save_rules_and_save_lines_in_a_config_file():
    for kind in ("carmine", "redis"):
        s = without_save_override(ServerProcess(kind)).start()
        try:
            assert redis.Redis(port=s.port).config_get("save") == {
                "save": "3600 1 300 100 60 10000"}, kind
        finally:
            s.cleanup()
        # Lines add up; the first replaces the built-in rules.
        s = without_save_override(ServerProcess(kind, config_text="save 900 1\nsave 300 10\n"))
        s.start()
        try:
            assert redis.Redis(port=s.port).config_get("save") == {"save": "900 1 300 10"}, kind
        finally:
            s.cleanup()
