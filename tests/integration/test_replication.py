# Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
"""Replication with Carmine as the master and the oracle's redis-server as the replica: full
resync from a snapshot while clients keep writing, partial resync after the link drops, a full
resync when the backlog no longer holds what the replica missed, the old SYNC protocol, and the
master's INFO / ROLE / CLIENT views. Every wait polls with a deadline."""
import contextlib
import signal
import socket
import threading
import time

import pytest
import redis

from servers import ServerProcess, stop_process, wait_until

pytestmark = pytest.mark.needs_process


def info(c, section="replication"):
    return c.info(section)


def digest(c):
    return c.execute_command("DEBUG", "DIGEST")


# These masters make disk-backed syncs (the snapshot goes through the RDB file);
# test_replica.py covers diskless ones.
DISK = ["--repl-diskless-sync", "no"]


def start_replica(master_port, extra=None):
    rep = ServerProcess("redis", args=["--enable-debug-command", "yes"] + list(extra or []))
    rep.start()
    c = redis.Redis(port=rep.port, decode_responses=True)
    c.replicaof("127.0.0.1", master_port)
    return rep, c


@contextlib.contextmanager
def frozen(server):
    """The server's process stopped (SIGSTOP) for the block: it neither reads nor answers."""
    stop_process(server.proc.pid)
    try:
        yield
    finally:
        server.proc.send_signal(signal.SIGCONT)


def wait_in_sync(m, rc, timeout=60):
    """Until the replica's link is up and it has processed everything the master wrote."""
    def synced():
        ri = info(rc)
        if ri.get("master_link_status") != "up":
            return False
        return ri["slave_repl_offset"] == info(m)["master_repl_offset"]
    wait_until(synced, timeout, what="replica in sync with the master")


def fill_types(c, n, prefix=""):
    p = c.pipeline(transaction=False)
    for i in range(n):
        k = f"{prefix}{i}"
        p.set(f"s:{k}", f"v{i}")
        p.rpush(f"l:{i % 50}{prefix}", i)
        p.hset(f"h:{i % 100}{prefix}", f"f{i}", i)
        p.sadd(f"S:{i % 100}{prefix}", i)
        p.zadd(f"z:{i % 100}{prefix}", {f"m{i}": i})
        if i % 10 == 0:
            p.set(f"t:{k}", "x", ex=1000)
        if i % 1000 == 999:
            p.execute()
    p.execute()


def writer(port, stop, prefix, counter):
    """Writes until stopped, in databases 0 and 3 (so the stream switches with SELECT)."""
    c0 = redis.Redis(port=port)
    c3 = redis.Redis(port=port, db=3)
    i = 0
    while not stop.is_set():
        c0.set(f"live:{prefix}:{i}", i)
        c0.incr(f"counter:{prefix}")
        if i % 7 == 0:
            c3.rpush(f"list:{prefix}", i)
        i += 1
    counter.append(i)


def test_redis_replica_full_sync_while_writing(make_server):
    m = make_server(DISK + ["--threads", "4", "--enable-debug-command", "yes"])
    mc = redis.Redis(port=m.port, decode_responses=True)
    fill_types(mc, 20000)
    mc.execute_command("SELECT", 0)
    redis.Redis(port=m.port, db=5).set("in-db-5", "yes")
    stop = threading.Event()
    counts = []
    threads = [threading.Thread(target=writer, args=(m.port, stop, n, counts)) for n in range(3)]
    for t in threads:
        t.start()
    rep, rc = start_replica(m.port)
    try:
        wait_until(lambda: info(rc).get("master_link_status") == "up", 60, what="link up")
        time.sleep(0.3)  # writes keep streaming after the snapshot
        stop.set()
        for t in threads:
            t.join()
        wait_in_sync(mc, rc)
        assert digest(rc) == digest(mc)
        assert rc.dbsize() == mc.dbsize()
        assert redis.Redis(port=rep.port, db=5).get("in-db-5") == b"yes"
        mi = info(mc)
        assert mi["connected_slaves"] == 1
        assert mi["slave0"]["state"] == "online"
        assert mi["slave0"]["port"] == rep.port
        assert mi["repl_backlog_active"] == 1
        assert info(mc, "stats")["sync_full"] == 1
        role = mc.execute_command("ROLE")
        assert role[0] == "master" and len(role[2]) == 1
        assert role[2][0][1] == str(rep.port)
        assert "S" in mc.client_list(_type="replica")[0]["flags"]
        assert "Synchronization with replica 127.0.0.1:%d succeeded" % rep.port in m.log_text()
    finally:
        stop.set()
        rep.cleanup()


def test_partial_resync_after_link_drop(make_server):
    m = make_server(DISK + ["--threads", "2", "--enable-debug-command", "yes"])
    mc = redis.Redis(port=m.port, decode_responses=True)
    fill_types(mc, 2000)
    rep, rc = start_replica(m.port)
    try:
        wait_in_sync(mc, rc)
        stop = threading.Event()
        counts = []
        t = threading.Thread(target=writer, args=(m.port, stop, "p", counts))
        t.start()
        def replica_ids():
            return {c["id"] for c in mc.client_list(_type="replica")}

        for _ in range(3):
            before = replica_ids()
            killed = mc.execute_command("CLIENT", "KILL", "TYPE", "replica")
            assert killed == 1
            # Back on a new connection (the kill is asynchronous: the old one may still be listed
            # for a moment).
            wait_until(lambda: replica_ids() and not (replica_ids() & before) and
                       info(mc)["slave0"]["state"] == "online", 30, what="replica back")
        stop.set()
        t.join()
        wait_in_sync(mc, rc)
        st = info(mc, "stats")
        assert st["sync_full"] == 1
        assert st["sync_partial_ok"] == 3
        assert digest(rc) == digest(mc)
        assert "Partial resynchronization request from" in m.log_text()
    finally:
        rep.cleanup()


def test_full_resync_when_backlog_lost_the_gap(make_server):
    m = make_server(DISK + ["--repl-backlog-size", "16kb", "--enable-debug-command", "yes"])
    mc = redis.Redis(port=m.port, decode_responses=True)
    rep, rc = start_replica(m.port)
    try:
        wait_in_sync(mc, rc)
        # The replica is frozen while its link drops and the master writes far more than the
        # backlog holds: when it runs again it asks for bytes the backlog no longer has.
        with frozen(rep):
            assert mc.execute_command("CLIENT", "KILL", "TYPE", "replica") == 1
            wait_until(lambda: info(mc)["connected_slaves"] == 0, 10, what="link dropped")
            p = mc.pipeline(transaction=False)
            for i in range(3000):
                p.set(f"gap:{i}", "x" * 50)
            p.execute()
        wait_until(lambda: info(mc, "stats")["sync_full"] == 2, 30, what="a second full sync")
        assert info(mc, "stats")["sync_partial_err"] >= 1
        wait_in_sync(mc, rc)
        assert digest(rc) == digest(mc)
        assert "for lack of backlog" in m.log_text()
    finally:
        rep.cleanup()


def test_sync_streams_snapshot_then_commands(make_server):
    # No PING in the stream while the test reads it (as Redis's own tests attach).
    m = make_server(DISK + ["--repl-ping-replica-period", "3600"])
    mc = redis.Redis(port=m.port)
    mc.set("before", "1")
    s = socket.create_connection(("127.0.0.1", m.port), timeout=10)
    f = s.makefile("rb")
    s.sendall(b"SYNC\r\n")
    line = f.readline()
    while line == b"\n":  # keepalives while the snapshot is written
        line = f.readline()
    assert line.startswith(b"$"), line
    payload = f.read(int(line[1:]))
    assert payload.startswith(b"REDIS")
    assert b"before" in payload
    redis.Redis(port=m.port, db=2).set("after", "2")
    # The stream starts with SELECT (a replica has no database selected yet), then the write.
    expect = b"*2\r\n$6\r\nSELECT\r\n$1\r\n2\r\n*3\r\n$3\r\nset\r\n$5\r\nafter\r\n$1\r\n2\r\n"
    got = b""
    deadline = time.time() + 10
    while len(got) < len(expect) and time.time() < deadline:
        got += f.read1(len(expect) - len(got))
    assert got.lower() == expect.lower()
    assert [c for c in mc.client_list() if "S" in c["flags"]]
    f.close()
    s.close()
    wait_until(lambda: info(mc)["connected_slaves"] == 0, 10, what="replica gone")


def test_replconf_and_psync_errors(make_server):
    m = make_server(DISK)
    c = redis.Redis(port=m.port, decode_responses=True)
    assert c.execute_command("REPLCONF", "listening-port", "1234") == "OK"
    assert c.execute_command("REPLCONF", "capa", "eof", "capa", "psync2") == "OK"
    with pytest.raises(redis.ResponseError, match="Unrecognized REPLCONF option: nope"):
        c.execute_command("REPLCONF", "nope", "x")
    with pytest.raises(redis.ResponseError, match="syntax error"):
        c.execute_command("REPLCONF", "listening-port")
    # An acknowledgement from a client that is not a replica is ignored without an answer; the
    # next command's reply is the next thing on the connection.
    raw = socket.create_connection(("127.0.0.1", m.port), timeout=5)
    raw.sendall(b"REPLCONF ACK 10\r\nPING\r\n")
    assert raw.recv(100) == b"+PONG\r\n"
    raw.close()
    assert c.execute_command("ROLE") == ["master", 0, []]


def test_two_replicas_attach_at_once(make_server):
    """The most common deployment: a master and two replicas, both starting together while
    clients write. Each converges to the master's dataset."""
    m = make_server(DISK + ["--threads", "4", "--enable-debug-command", "yes"])
    mc = redis.Redis(port=m.port, decode_responses=True)
    fill_types(mc, 5000)
    stop = threading.Event()
    counts = []
    t = threading.Thread(target=writer, args=(m.port, stop, "two", counts))
    t.start()
    reps = []
    try:
        for _ in range(2):
            reps.append(ServerProcess("redis", args=["--enable-debug-command", "yes"]).start())
        clients = [redis.Redis(port=r.port, decode_responses=True) for r in reps]
        for c in clients:  # back to back: the second asks while the first's snapshot is written
            c.replicaof("127.0.0.1", m.port)
        wait_until(lambda: all(info(c).get("master_link_status") == "up" for c in clients), 60,
                   what="both links up")
        stop.set()
        t.join()
        for c in clients:
            wait_in_sync(mc, c)
            assert digest(c) == digest(mc)
        mi = info(mc)
        assert mi["connected_slaves"] == 2
        assert {mi["slave0"]["port"], mi["slave1"]["port"]} == {r.port for r in reps}
        assert len(mc.execute_command("ROLE")[2]) == 2
    finally:
        stop.set()
        for r in reps:
            r.cleanup()


def test_replica_that_stops_reading_is_dropped_then_resyncs(make_server):
    """A frozen replica falls behind: past client-output-buffer-limit replica the master drops
    it rather than holding the stream for it, and once it runs again it resyncs."""
    m = make_server(DISK + ["--client-output-buffer-limit", "replica 256kb 128kb 1",
                     "--repl-backlog-size", "64kb", "--enable-debug-command", "yes"])
    mc = redis.Redis(port=m.port, decode_responses=True)
    rep, rc = start_replica(m.port)
    try:
        wait_in_sync(mc, rc)
        with frozen(rep):
            # Far more than the kernel's socket buffers between the two absorb.
            value = "y" * 1000
            for batch in range(30):
                p = mc.pipeline(transaction=False)
                for i in range(1000):
                    p.set(f"flood:{batch}:{i}", value)
                p.execute()
            wait_until(lambda: info(mc)["connected_slaves"] == 0, 30, what="replica dropped")
            assert info(mc, "stats")["client_output_buffer_limit_disconnections"] >= 1
            # Memory for the stream is not held for it any more.
            assert info(mc, "memory")["mem_total_replication_buffers"] < 1_000_000
        wait_in_sync(mc, rc)
        assert digest(rc) == digest(mc)
        assert "overcoming of output buffer limits" in m.log_text()
    finally:
        rep.cleanup()


def test_replica_killed_and_replaced(make_server):
    m = make_server(DISK + ["--enable-debug-command", "yes"])
    mc = redis.Redis(port=m.port, decode_responses=True)
    fill_types(mc, 2000)
    rep, rc = start_replica(m.port)
    wait_in_sync(mc, rc)
    rep.proc.kill()  # kill -9: no goodbye on the link
    rep.proc.wait()
    rep.cleanup()
    mc.set("after-kill", "1")
    wait_until(lambda: info(mc)["connected_slaves"] == 0 or
               info(mc)["slave0"]["state"] == "online", 10)
    rep2, rc2 = start_replica(m.port)
    try:
        wait_in_sync(mc, rc2)
        assert digest(rc2) == digest(mc)
        wait_until(lambda: info(mc)["connected_slaves"] == 1, 10, what="the dead link reaped")
    finally:
        rep2.cleanup()


@pytest.mark.parametrize("kind", ["carmine", "redis"])
def test_lagging_replica_buffer_is_not_evicted_for(kind):
    """The stream a stopped replica has not read (MBs) is memory maxmemory does not count:
    with the limit a few KB above the data, writes that only rewrite a key evict nothing, and
    used_memory less mem_not_counted_for_evict stays where it was."""
    m = ServerProcess(kind, args=DISK + ["--enable-debug-command", "yes"])
    m.start()
    rep = None
    try:
        mc = redis.Redis(port=m.port, decode_responses=True)
        for j in range(100):
            mc.setrange(f"key:{j}", 100000, "asdf")
        mc.config_set("maxmemory-policy", "allkeys-random")
        mc.config_set("client-output-buffer-limit", "replica 100000000 100000000 300")
        mc.config_set("repl-backlog-size", 10240)
        mc.config_set("latency-tracking", "no")
        rep, rc = start_replica(m.port)
        wait_in_sync(mc, rc)
        before = info(mc, "memory")
        counted = before["used_memory"] - before["mem_not_counted_for_evict"]
        mc.config_set("maxmemory", counted + 32 * 1024)
        with frozen(rep):
            # 100000 writes of 100 bytes in small pipelines: some 13 MB of stream, more than
            # the kernel's socket buffers take, while the data stays the same size.
            for batch in range(1000):
                p = mc.pipeline(transaction=False)
                for k in range(100):
                    p.setrange("key:0", 0, "A" * 100)
                p.execute()
            after = info(mc, "memory")
            assert after["mem_clients_slaves"] > 2 * 1024 * 1024, after
            assert mc.dbsize() == 100
            assert info(mc, "stats")["evicted_keys"] == 0
            grown = after["used_memory"] - after["mem_not_counted_for_evict"] - counted
            assert abs(grown) < 64 * 1024, (grown, before, after)
    finally:
        if rep is not None:
            rep.cleanup()
        m.cleanup()


@pytest.mark.parametrize("kind", ["carmine", "redis"])
def test_caught_up_replica_gives_its_buffer_back(kind):
    """A 256 KB write streams through a replica's output buffer; once the replica has it all,
    its client costs less than the write again (CLIENT LIST tot-mem; about 120 KB for Redis,
    which keeps a block of its shared replication buffer referenced)."""
    m = ServerProcess(kind, args=DISK)
    m.start()
    rep = None
    try:
        mc = redis.Redis(port=m.port, decode_responses=True)
        rep, rc = start_replica(m.port)
        wait_in_sync(mc, rc)
        mc.set("big", "x" * 256 * 1024)
        wait_in_sync(mc, rc)

        def replica_mem():
            clients = mc.client_list(_type="replica")
            return int(clients[0]["tot-mem"]) if clients else None
        wait_until(lambda: (replica_mem() or 1 << 30) < 200 * 1024, 10,
                   what=f"the replica client under 200 KB (tot-mem {replica_mem()})")
        assert rc.strlen("big") == 256 * 1024
    finally:
        if rep is not None:
            rep.cleanup()
        m.cleanup()
