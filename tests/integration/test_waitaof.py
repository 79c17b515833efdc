# Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
"""WAITAOF: a client's writes fsynced in the local AOF and in its replicas' AOFs (REPLCONF ACK
... FACK), for every appendfsync policy, with Carmine and redis-server replicas; the errors and
unblocking rules Redis has; and repl-backlog-ttl, after which the offset WAITAOF counts in
still moves. Every wait polls with a deadline."""
import socket

import pytest
import redis

from servers import ServerProcess, redis_version, wait_until
from test_replication import frozen, info, wait_in_sync

pytestmark = pytest.mark.needs_process

AOF = ["--appendonly", "yes", "--auto-aof-rewrite-percentage", "0"]
NOW = ["--repl-diskless-sync-delay", "0"]
NEEDS_72 = pytest.mark.skipif(redis_version() < (7, 2), reason="WAITAOF needs redis-server 7.2")


def send(port, *cmds):
    """A client on its own connection that sends without reading (the reply is read later)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=15)
    for cmd in cmds:
        s.sendall(("*%d\r\n" % len(cmd) + "".join(
            "$%d\r\n%s\r\n" % (len(str(a)), a) for a in cmd)).encode())
    return s


def read_reply(s, want_lines):
    data = b""
    while data.count(b"\r\n") < want_lines:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def wait_aof_rewritten(c):
    wait_until(lambda: info(c, "persistence")["aof_rewrite_in_progress"] == 0 and
               info(c, "persistence")["aof_rewrite_scheduled"] == 0, 30, what="AOF rewrite")


def test_waitaof_local_follows_the_fsync_policy(make_server):
    s = make_server(AOF + ["--threads", "2"])
    c = redis.Redis(port=s.port)
    wait_aof_rewritten(c)
    c.config_set("appendfsync", "no")
    c.incr("foo")
    assert c.execute_command("WAITAOF", 1, 0, 50) == [0, 0]  # never fsynced: times out
    c.config_set("appendfsync", "everysec")
    c.incr("foo")
    assert c.execute_command("WAITAOF", 1, 0, 5000) == [1, 0]  # the next second's fsync
    c.config_set("appendfsync", "always")
    c.incr("foo")
    assert c.execute_command("WAITAOF", 1, 0, 0) == [1, 0]
    # A client that wrote nothing waits for nothing.
    fresh = redis.Redis(port=s.port)
    assert fresh.execute_command("WAITAOF", 1, 0, 0) == [1, 0]
    # Inside MULTI it never blocks: the counts as they are.
    p = c.pipeline(transaction=True)
    p.incr("foo")
    p.execute_command("WAITAOF", 1, 1, 0)
    assert p.execute()[1][1] == 0


def test_waitaof_errors_match_redis(make_server):
    s = make_server(["--threads", "2"])
    c = redis.Redis(port=s.port)
    cases = [(1, 0, 0), ("x", 0, 0), (2, 0, 0), (0, "x", 0), (0, -1, 0), (0, 0, "x"),
             (0, 0, -1), (1, 0, "x"), (1, 0, -1), (0, 0, 1.5)]
    oracle = ServerProcess("redis").start()
    try:
        o = redis.Redis(port=oracle.port)
        for args in cases:
            got, want = [], []
            for conn, out in ((c, got), (o, want)):
                try:
                    out.append(conn.execute_command("WAITAOF", *args))
                except redis.ResponseError as e:
                    out.append(str(e))
            if redis_version() >= (7, 2):
                assert got == want, args
        assert c.execute_command("WAITAOF", 0, 0, 0) == [0, 0]
        with pytest.raises(redis.ResponseError, match="^WAITAOF cannot be used when numlocal is "
                                                      "set but appendonly is disabled.$"):
            c.execute_command("WAITAOF", 1, 0, 0)
        # On a replica WAITAOF has nothing to wait for.
        c.replicaof("127.0.0.1", oracle.port)
        with pytest.raises(redis.ResponseError, match="^WAITAOF cannot be used with replica "
                                                      "instances. Please also note that writes "
                                                      "to replicas are just local and are not "
                                                      "propagated.$"):
            c.execute_command("WAITAOF", 0, 0, 0)
    finally:
        oracle.cleanup()


def test_blocked_waitaof_gets_an_error_when_the_aof_is_turned_off(make_server):
    s = make_server(AOF + ["--appendfsync", "no"])
    c = redis.Redis(port=s.port)
    wait_aof_rewritten(c)
    sock = send(s.port, ["INCR", "foo"], ["WAITAOF", 1, 0, 0])
    assert read_reply(sock, 1) == b":1\r\n"
    wait_until(lambda: info(c, "clients")["blocked_clients"] == 1, 10, what="client blocked")
    c.config_set("appendonly", "no")
    assert read_reply(sock, 1) == (b"-ERR WAITAOF cannot be used when numlocal is set but "
                                   b"appendonly is disabled.\r\n")
    sock.close()


def replica_setup(make_server, replica_kind):
    m = make_server(AOF + NOW + ["--threads", "2", "--appendfsync", "always"])
    mc = redis.Redis(port=m.port, decode_responses=True)
    if replica_kind == "carmine":
        r = make_server(AOF + ["--threads", "2", "--appendfsync", "no"])
    else:
        r = ServerProcess("redis", args=["--appendfsync", "no"]).start()
        redis.Redis(port=r.port).config_set("appendonly", "yes")
    rc = redis.Redis(port=r.port, decode_responses=True)
    wait_aof_rewritten(rc)
    rc.replicaof("127.0.0.1", m.port)
    wait_in_sync(mc, rc)
    wait_aof_rewritten(rc)
    return m, mc, r, rc


@pytest.mark.parametrize("replica_kind", ["carmine", pytest.param("redis", marks=NEEDS_72)])
def test_waitaof_counts_replica_fsyncs(make_server, replica_kind):
    m, mc, r, rc = replica_setup(make_server, replica_kind)
    try:
        # The replica's first sync rewrote its AOF: that covers what it loaded.
        wait_until(lambda: mc.execute_command("WAITAOF", 1, 1, 100) == [1, 1], 15,
                   what="replica's AOF covers the sync")
        mc.incr("foo")
        assert mc.execute_command("WAITAOF", 0, 1, 50) == [1, 0]  # appendfsync no there
        rc.config_set("appendfsync", "everysec")
        mc.incr("foo")
        assert mc.execute_command("WAITAOF", 1, 1, 10000) == [1, 1]
        # Written during a rewrite under everysec, then the policy turns to always before the
        # next second's fsync: the bytes left unsynced are still fsynced and acknowledged.
        rc.bgrewriteaof()
        mc.incr("foo")
        wait_aof_rewritten(rc)
        rc.config_set("appendfsync", "always")
        assert mc.execute_command("WAITAOF", 1, 1, 10000) == [1, 1]
        mc.incr("foo")
        assert mc.execute_command("WAITAOF", 1, 1, 10000) == [1, 1]
        # A frozen replica acknowledges nothing; once it runs again the waiter is released.
        with frozen(r):
            mc.incr("foo")
            assert mc.execute_command("WAITAOF", 0, 1, 50) == [1, 0]
            sock = send(m.port, ["INCR", "foo"], ["WAITAOF", 0, 1, 0])
            assert read_reply(sock, 1).startswith(b":")
            wait_until(lambda: info(mc, "clients")["blocked_clients"] == 1, 10,
                       what="client blocked")
        assert read_reply(sock, 3) == b"*2\r\n:1\r\n:1\r\n"
        sock.close()
    finally:
        if replica_kind == "redis":
            r.cleanup()


@NEEDS_72
def test_redis_master_counts_a_carmine_replica_fsyncs(make_server):
    m = ServerProcess("redis", args=["--appendfsync", "always", "--repl-diskless-sync-delay",
                                     "0"]).start()
    try:
        mc = redis.Redis(port=m.port, decode_responses=True)
        mc.config_set("appendonly", "yes")
        wait_aof_rewritten(mc)
        r = make_server(AOF + ["--appendfsync", "always", "--replicaof", f"127.0.0.1 {m.port}"])
        rc = redis.Redis(port=r.port, decode_responses=True)
        wait_in_sync(mc, rc)
        mc.set("k", "v")
        assert mc.execute_command("WAITAOF", 1, 1, 15000) == [1, 1]
    finally:
        m.cleanup()


def test_demoted_master_unblocks_wait_and_waitaof(make_server):
    m = make_server(AOF + NOW + ["--appendfsync", "always"])
    other = make_server(NOW)
    mc = redis.Redis(port=m.port)
    wait_aof_rewritten(mc)
    a = send(m.port, ["INCR", "foo"], ["WAITAOF", 0, 1, 0])
    b = send(m.port, ["INCR", "bar"], ["WAIT", 1, 0])
    for sock in (a, b):
        assert read_reply(sock, 1) == b":1\r\n"
    wait_until(lambda: info(mc, "clients")["blocked_clients"] == 2, 10, what="clients blocked")
    mc.replicaof("127.0.0.1", other.port)
    for sock in (a, b):
        assert read_reply(sock, 1).startswith(
            b"-UNBLOCKED force unblock from blocking operation, instance state changed")
        sock.close()


def test_backlog_freed_after_ttl_and_offset_still_counts_writes(make_server):
    m = make_server(AOF + NOW + ["--appendfsync", "always", "--repl-backlog-ttl", "1"])
    mc = redis.Redis(port=m.port, decode_responses=True)
    wait_aof_rewritten(mc)
    r = make_server(["--replicaof", f"127.0.0.1 {m.port}"])
    rc = redis.Redis(port=r.port, decode_responses=True)
    wait_in_sync(mc, rc)
    old = info(mc)
    assert old["repl_backlog_active"] == 1
    rc.replicaof("no", "one")
    wait_until(lambda: info(mc)["repl_backlog_active"] == 0, 15, what="backlog freed")
    now = info(mc)
    assert now["master_replid"] != old["master_replid"]
    # (redis-py reads the 40 zeros of "no previous id" as the number 0)
    assert int(now["master_replid2"]) == 0 and now["second_repl_offset"] == -1
    assert "Replication backlog freed after 1 seconds without connected replicas." in m.log_text()
    # Without a backlog each write still moves the offset WAITAOF waits for.
    before = now["master_repl_offset"]
    mc.incr("foo")
    assert info(mc)["master_repl_offset"] == before + 1
    assert mc.execute_command("WAITAOF", 1, 0, 0) == [1, 0]
    # A new replica gets a full sync and everything.
    rc.replicaof("127.0.0.1", m.port)
    wait_in_sync(mc, rc)
    assert rc.get("foo") == "1"
