# Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
"""Replication with Carmine as the replica: of the oracle's redis-server and of Carmine, full and
partial resyncs, chains, promotion with PSYNC2 (the other nodes continue with a partial resync,
Carmine and redis-server mixed), restarts from the RDB file, a master killed, frozen or sending
garbage, and what a replica refuses or hides (READONLY, MASTERDOWN, keys past their TTL).
Every wait polls with a deadline."""
import os
import signal
import socket
import threading
import time

import pytest
import redis

from servers import ServerProcess, wait_until
from test_replication import digest, fill_types, frozen, info, wait_in_sync, writer

pytestmark = pytest.mark.needs_process


# Carmine masters here make diskless syncs at once (Redis's default waits 5 seconds for more
# replicas; test_diskless_sync_waits_for_replicas covers the wait).
NOW = ["--repl-diskless-sync-delay", "0"]


def replica_of(make_server, master_port, extra=None):
    r = make_server(NOW + ["--threads", "2", "--replicaof", f"127.0.0.1 {master_port}"] +
                    list(extra or []))
    return r, redis.Redis(port=r.port, decode_responses=True)


def redis_node(extra=None):
    s = ServerProcess("redis", args=["--enable-debug-command", "yes", "--repl-diskless-sync-delay",
                                     "0"] + list(extra or []))
    s.start()
    return s, redis.Redis(port=s.port, decode_responses=True)


def test_carmine_replica_of_redis_master_while_writing(make_server):
    m, mc = redis_node()
    try:
        fill_types(mc, 5000)
        stop = threading.Event()
        counts = []
        threads = [threading.Thread(target=writer, args=(m.port, stop, n, counts))
                   for n in range(2)]
        for t in threads:
            t.start()
        r, rc = replica_of(make_server, m.port)
        wait_until(lambda: info(rc).get("master_link_status") == "up", 60, what="link up")
        time.sleep(0.3)
        stop.set()
        for t in threads:
            t.join()
        wait_in_sync(mc, rc)
        assert digest(rc) == digest(mc)
        ri = info(rc)
        assert ri["role"] == "slave"
        assert ri["master_host"] == "127.0.0.1" and ri["master_port"] == m.port
        assert ri["master_sync_in_progress"] == 0
        assert ri["master_replid"] == info(mc)["master_replid"]
        assert ri["slave_read_only"] == 1 and ri["slave_priority"] == 100
        assert rc.execute_command("ROLE") == ["slave", "127.0.0.1", m.port, "connected",
                                              ri["slave_repl_offset"]]
        with pytest.raises(redis.ResponseError, match="You can't write against a read only "
                                                      "replica."):
            rc.set("x", 1)
        masters = rc.client_list(_type="master")
        assert len(masters) == 1 and "M" in masters[0]["flags"]
        log = r.log_text()
        for line in ["Connecting to MASTER 127.0.0.1:%d" % m.port,
                     "Master replied to PING, replication can continue...",
                     "Partial resynchronization not possible (no cached master)",
                     "MASTER <-> REPLICA sync: Flushing old data",
                     "MASTER <-> REPLICA sync: Finished with success"]:
            assert line in log
        # The master sees an online replica that acknowledges.
        wait_until(lambda: info(mc)["slave0"]["offset"] == info(mc)["master_repl_offset"], 10,
                   what="replica acknowledged")
    finally:
        m.cleanup()


@pytest.mark.parametrize("load", ["disabled", "on-empty-db", "swapdb"])
def test_carmine_replica_of_carmine_master(make_server, load):
    m = make_server(NOW + ["--threads", "2"])
    mc = redis.Redis(port=m.port, decode_responses=True)
    fill_types(mc, 3000)
    redis.Redis(port=m.port, db=7).set("in-7", "yes")
    r, rc = replica_of(make_server, m.port, ["--repl-diskless-load", load])
    wait_in_sync(mc, rc)
    mc.execute_command("SELECT", 7)
    redis.Redis(port=m.port, db=7).incr("n7")
    mc.execute_command("MULTI")
    mc.execute_command("INCR", "tx")
    mc.execute_command("EXEC")
    mc.publish("ch", "hello")
    wait_in_sync(mc, rc)
    assert digest(rc) == digest(mc)
    assert redis.Redis(port=r.port, db=7).get("n7") == b"1"
    to = "to parser" if load != "disabled" else "to disk"
    assert "receiving" in r.log_text() and to in r.log_text()


def test_promotion_keeps_every_node_on_a_partial_resync(make_server):
    """m -> r1 (Carmine), r2 (redis-server), r3 (Carmine, a replica of r1). r1 is promoted; m
    and r2 follow it and continue with partial resyncs, r3 keeps its chain."""
    m = make_server(NOW + ["--threads", "2"])
    mc = redis.Redis(port=m.port, decode_responses=True)
    fill_types(mc, 2000)
    r1, c1 = replica_of(make_server, m.port)
    r2, c2 = redis_node(["--replicaof", "127.0.0.1", str(m.port)])
    try:
        wait_in_sync(mc, c1)
        r3, c3 = replica_of(make_server, r1.port)
        wait_in_sync(mc, c2)
        wait_in_sync(c1, c3)
        mc.set("before", 1)
        for c in (c1, c2):
            wait_in_sync(mc, c)
        wait_in_sync(c1, c3)
        old_id = info(mc)["master_replid"]
        full_before = info(c1, "stats")["sync_full"]
        assert c1.execute_command("REPLICAOF", "NO", "ONE") == "OK"
        i1 = info(c1)
        assert i1["role"] == "master" and i1["master_replid2"] == old_id
        assert i1["second_repl_offset"] == info(mc)["master_repl_offset"] + 1
        assert "MASTER MODE enabled (user request from 'id=" in r1.log_text()
        c1.set("after", 2)
        mc.replicaof("127.0.0.1", r1.port)
        c2.replicaof("127.0.0.1", r1.port)
        for c in (mc, c2):
            wait_in_sync(c1, c)
        wait_in_sync(c1, c3)
        for c in (mc, c2, c3):
            assert c.get("after") == "2"
            assert digest(c) == digest(c1)
        st = info(c1, "stats")
        assert st["sync_full"] == full_before  # nobody needed a full resync
        assert st["sync_partial_ok"] >= 2
        assert "Master replication ID changed to" in m.log_text()
        assert "Trying a partial resynchronization (request %s:" % old_id in m.log_text()
    finally:
        r2.cleanup()


def test_master_restarted_from_its_rdb_continues_partially(make_server):
    m = make_server(NOW + ["--threads", "2"])
    mc = redis.Redis(port=m.port, decode_responses=True)
    fill_types(mc, 1000)
    r, rc = replica_of(make_server, m.port, ["--repl-timeout", "60"])
    wait_in_sync(mc, rc)
    mc.set("k", "v")
    wait_in_sync(mc, rc)
    assert mc.execute_command("SAVE")
    m.stop(signal.SIGKILL)
    wait_until(lambda: info(rc)["master_link_status"] == "down", 10, what="link down")
    assert info(rc)["master_link_down_since_seconds"] >= 0
    m.start()
    wait_in_sync(mc, rc)
    assert "Partial resynchronization request from" in m.log_text()
    assert info(mc, "stats")["sync_full"] == 0
    mc.set("k2", "v2")
    wait_in_sync(mc, rc)
    assert digest(rc) == digest(mc)


def test_replica_restarted_from_its_rdb_continues_partially(make_server):
    m = make_server(NOW + ["--threads", "2"])
    mc = redis.Redis(port=m.port, decode_responses=True)
    fill_types(mc, 1000)
    r, rc = replica_of(make_server, m.port)
    wait_in_sync(mc, rc)
    rc.shutdown(save=True)
    wait_until(lambda: r.proc.poll() is not None, 10, what="replica exited")
    for i in range(100):
        mc.set(f"while-down:{i}", i)
    r.start()
    wait_in_sync(mc, rc)

    def why():  # what both sides said about the resync, should it not be partial
        keep = ("artial", "PSYNC", "RDB", "resync", "Loading", "loaded")
        return "\n".join(line for line in (m.log_text() + r.log_text()).splitlines()
                         if any(k in line for k in keep))
    assert "Trying a partial resynchronization" in r.log_text(), why()
    assert info(mc, "stats")["sync_full"] == 1
    assert info(mc, "stats")["sync_partial_ok"] == 1
    assert digest(rc) == digest(mc)


def test_link_down_stale_data_and_timeouts(make_server):
    m = make_server(NOW)
    mc = redis.Redis(port=m.port, decode_responses=True)
    mc.set("k", "v")
    r, rc = replica_of(make_server, m.port, ["--repl-timeout", "2",
                                             "--replica-serve-stale-data", "no"])
    wait_in_sync(mc, rc)
    assert rc.get("k") == "v"
    with frozen(m):
        wait_until(lambda: info(rc)["master_link_status"] == "down", 15, what="master timed out")
        with pytest.raises(redis.ResponseError, match="Link with MASTER is down and "
                                                      "replica-serve-stale-data is set to 'no'."):
            rc.get("k")
        assert rc.info("server")["tcp_port"] == r.port  # stale-allowed commands still answer
        assert rc.execute_command("ROLE")[3] in ("connect", "connecting", "handshake")
    wait_in_sync(mc, rc)
    assert rc.get("k") == "v"
    assert "MASTER timeout: no data nor PING received..." in r.log_text() or \
        "Timeout" in r.log_text()


def test_keys_past_their_ttl_read_as_missing_until_the_master_deletes_them(make_server):
    m = make_server(NOW)
    mc = redis.Redis(port=m.port, decode_responses=True)
    r, rc = replica_of(make_server, m.port)
    wait_in_sync(mc, rc)
    mc.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    mc.set("t", "v", px=100)
    wait_in_sync(mc, rc)
    wait_until(lambda: rc.get("t") is None, 5, what="key expired on the replica")
    assert rc.dbsize() == 1  # still there: only the master's DEL removes it
    assert mc.get("t") is None  # the master expires it and sends DEL
    wait_in_sync(mc, rc)
    assert rc.dbsize() == 0


class FakeMaster:
    """A listener that answers a replica's handshake and then sends `payload` after PSYNC."""

    def __init__(self, payload):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        self.payload = payload
        self.connections = 0
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            buf = b""
            try:
                conn.settimeout(5)
                while b"PSYNC" not in buf:
                    data = conn.recv(4096)
                    if not data:
                        break
                    if data.startswith(b"*1\r\n$4\r\nPING"):
                        conn.sendall(b"+PONG\r\n")
                    buf += data
                    # AUTH/REPLCONF replies, one per command.
                    for _ in range(data.count(b"REPLCONF")):
                        conn.sendall(b"+OK\r\n")
                conn.sendall(self.payload)
                time.sleep(0.2)
            except OSError:
                pass
            conn.close()

    def close(self):
        self.sock.close()


@pytest.mark.parametrize("payload", [
    b"+FULLRESYNC " + b"a" * 40 + b" 0\r\n$12\r\nnot an rdb!!",
    b"+FULLRESYNC " + b"b" * 40 + b" 0\r\n#garbage\r\n",
    b"+FULLRESYNC short 0\r\n",
    b"-ERR no such thing\r\n",
    b"\x00\xff" * 100,
])
def test_garbage_from_the_master_is_survived(make_server, payload):
    fake = FakeMaster(payload)
    try:
        r, rc = replica_of(make_server, fake.port)
        wait_until(lambda: fake.connections >= 2, 20, what="the replica retried")
        assert rc.ping()
        assert rc.dbsize() == 0
        assert info(rc)["master_link_status"] == "down"
        assert r.proc.poll() is None
    finally:
        fake.close()


def test_swapdb_keeps_the_old_dataset_when_the_image_is_corrupt(make_server):
    fake = FakeMaster(b"+FULLRESYNC " + b"a" * 40 + b" 0\r\n$12\r\nnot an rdb!!")
    try:
        r = make_server(NOW + ["--repl-diskless-load", "swapdb"])
        rc = redis.Redis(port=r.port, decode_responses=True)
        for i in range(100):
            rc.set(f"old{i}", i)
        rc.replicaof("127.0.0.1", fake.port)
        wait_until(lambda: fake.connections >= 2, 20, what="the replica retried")
        wait_until(lambda: info(rc, "persistence")["loading"] == 0, 10, what="not loading")
        assert rc.dbsize() == 100 and rc.get("old7") == "7"  # nothing lost to the bad image
        assert "Discarding the half-loaded data" in r.log_text()
    finally:
        fake.close()


@pytest.mark.parametrize("outcome", ["success", "aborted"])
def test_async_loading_serves_the_old_dataset_during_a_full_sync(make_server, outcome):
    """repl-diskless-load swapdb and a full sync from the same history: the old dataset keeps
    serving (async_loading:1, loading:0) until the new one replaces it, or stays if the sync
    fails; commands that would act on the sync in progress answer -LOADING."""
    m = make_server(NOW + ["--threads", "2"])
    mc = redis.Redis(port=m.port, decode_responses=True)
    r, rc = replica_of(make_server, m.port, ["--repl-diskless-load", "swapdb",
                                               "--replica-read-only", "no"])
    mc.execute_command("DEBUG", "POPULATE", 2000, "master", 10)
    wait_in_sync(mc, rc)
    rc.set("mykey", "myvalue")  # only on the replica
    old_size = rc.dbsize()
    # A slow image (1 ms per key), and a backlog too small for the gap: a full sync follows.
    mc.config_set("rdb-key-save-delay", 1000)
    mc.config_set("repl-backlog-size", 16384)
    full_before = info(mc, "stats")["sync_full"]
    # The replica may not resume before the gap is written: its PSYNC is refused meanwhile.
    mc.execute_command("ACL", "SETUSER", "default", "-psync", "-sync")
    mc.execute_command("CLIENT", "KILL", "TYPE", "replica")
    for i in range(10):
        mc.set(f"big{i}", "A" * 16384)
    mc.execute_command("ACL", "SETUSER", "default", "+psync", "+sync")
    wait_until(lambda: info(mc, "stats")["sync_full"] > full_before, 20, what="full sync")
    wait_until(lambda: info(rc, "persistence")["async_loading"] == 1, 20, what="async loading")
    p = info(rc, "persistence")
    assert p["loading"] == 0
    assert rc.get("mykey") == "myvalue" and rc.dbsize() == old_size
    # (redis-py raises -LOADING as BusyLoadingError)
    with pytest.raises(redis.exceptions.BusyLoadingError):
        rc.execute_command("REPLICAOF", "NO", "ONE")
    with pytest.raises(redis.exceptions.BusyLoadingError):
        rc.config_set("appendonly", "yes")
    if outcome == "aborted":
        mc.config_set("repl-diskless-sync-delay", 5)
        mc.execute_command("CLIENT", "KILL", "TYPE", "replica")
        wait_until(lambda: info(rc, "persistence")["async_loading"] == 0, 20,
                   what="the sync stopped")
        assert rc.get("mykey") == "myvalue" and rc.dbsize() == old_size
        mc.config_set("rdb-key-save-delay", 0)
        return
    mc.config_set("rdb-key-save-delay", 0)
    wait_in_sync(mc, rc, timeout=60)
    assert info(rc, "persistence")["async_loading"] == 0
    assert rc.get("mykey") is None
    assert rc.dbsize() == mc.dbsize()
    assert digest(rc) == digest(mc)


def test_replicaof_command_errors_and_repeats(make_server):
    m = make_server(NOW)
    r = make_server()
    rc = redis.Redis(port=r.port, decode_responses=True)
    with pytest.raises(redis.ResponseError, match="Invalid master port"):
        rc.execute_command("REPLICAOF", "127.0.0.1", "notaport")
    with pytest.raises(redis.ResponseError, match="wrong number of arguments"):
        rc.execute_command("REPLICAOF", "127.0.0.1")
    assert rc.execute_command("REPLICAOF", "NO", "ONE") == "OK"  # already a master
    assert rc.execute_command("SLAVEOF", "127.0.0.1", str(m.port))  # redis-py: True for +OK
    assert rc.execute_command("REPLICAOF", "127.0.0.1", str(m.port)) == \
        "OK Already connected to specified master"
    assert rc.config_get("replicaof") == {"replicaof": f"127.0.0.1 {m.port}"}
    wait_until(lambda: info(rc).get("master_link_status") == "up", 20, what="link up")
    assert rc.execute_command("REPLICAOF", "NO", "ONE") == "OK"
    assert info(rc)["role"] == "master"
    assert rc.config_get("replicaof") == {"replicaof": ""}
    rc.set("writable", 1)


def test_wait_counts_acknowledging_replicas(make_server):
    m = make_server(NOW + ["--threads", "2"])
    mc = redis.Redis(port=m.port, decode_responses=True)
    r1, c1 = replica_of(make_server, m.port)
    r2, c2 = redis_node(["--replicaof", "127.0.0.1", str(m.port)])
    try:
        wait_in_sync(mc, c1)
        wait_in_sync(mc, c2)
        assert mc.wait(0, 0) == 2  # nothing written yet by this client
        mc.set("k", "v")
        assert mc.wait(2, 5000) == 2
        with frozen(r1):
            mc.set("k", "v2")
            start = time.monotonic()
            assert mc.wait(2, 300) == 1  # one replica cannot acknowledge
            assert time.monotonic() - start >= 0.25
            p = mc.pipeline(transaction=True)
            p.set("in-tx", 1)
            p.wait(2, 0)  # inside MULTI WAIT does not block
            assert p.execute()[1] == 1
            assert info(mc, "clients")["blocked_clients"] == 0
        assert mc.wait(2, 5000) == 2
        with pytest.raises(redis.ResponseError, match="timeout is negative"):
            mc.wait(1, -1)
        with pytest.raises(redis.ResponseError, match="WAIT cannot be used with replica"):
            c1.wait(1, 0)
    finally:
        r2.cleanup()


def test_diskless_sync_waits_for_replicas_and_survives_one_dying(make_server):
    m = make_server(["--threads", "2", "--repl-diskless-sync-delay", "3",
                     "--repl-diskless-sync-max-replicas", "2", "--rdb-key-save-delay", "200"])
    mc = redis.Redis(port=m.port, decode_responses=True)
    fill_types(mc, 2000)
    a, ca = redis_node(["--replicaof", "127.0.0.1", str(m.port)])
    b, cb = replica_of(make_server, m.port)
    try:
        # Both arrived within the delay: one child serves both, as soon as the second is there.
        wait_until(lambda: "Starting BGSAVE for SYNC with target: replicas sockets" in m.log_text(),
                   10, what="the diskless transfer started")
        assert "Delay next BGSAVE for diskless SYNC" in m.log_text()
        assert info(mc, "persistence")["rdb_bgsave_in_progress"] == 1
        a.stop(signal.SIGKILL)  # one replica dies mid-transfer; the other gets everything
        mc.execute_command("CONFIG", "SET", "rdb-key-save-delay", "0")
        wait_in_sync(mc, cb)
        assert digest(cb) == digest(mc)
        assert info(mc, "stats")["total_forks"] == 1
        assert "Streamed RDB transfer with replica 127.0.0.1:%d succeeded (socket)" % b.port \
            in m.log_text()
        assert "MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF" in b.log_text()
        # The image never touched the master's disk.
        assert info(mc, "persistence")["rdb_saves"] == 0
    finally:
        a.cleanup()


def test_sync_without_eof_capability_gets_a_disk_snapshot(make_server):
    m = make_server(NOW)
    mc = redis.Redis(port=m.port, decode_responses=True)
    mc.set("k", "v")
    with socket.create_connection(("127.0.0.1", m.port), timeout=10) as s:
        s.sendall(b"SYNC\r\n")
        data = b""
        while b"\r\n" not in data.lstrip(b"\n"):
            data += s.recv(4096)
        assert data.lstrip(b"\n").startswith(b"$") and not data.lstrip(b"\n").startswith(b"$EOF")
    assert "Starting BGSAVE for SYNC with target: disk" in m.log_text()


def test_replication_metrics_with_redis_exporter_names(make_server):
    from test_observability import scrape, value
    m = make_server(NOW + ["--threads", "2"])
    mc = redis.Redis(port=m.port, decode_responses=True)
    r, rc = replica_of(make_server, m.port)
    mc.set("k", "v")
    wait_in_sync(mc, rc)
    wait_until(lambda: info(mc)["slave0"]["offset"] == info(mc)["master_repl_offset"], 10,
               what="replica acknowledged")
    fm = scrape(m.port)["families"]
    offset = info(mc)["master_repl_offset"]
    assert value(fm["redis_connected_slaves"]) == 1
    assert value(fm["redis_master_repl_offset"]) == offset
    assert value(fm["redis_repl_backlog_is_active"]) == 1
    assert value(fm["redis_replication_backlog_bytes"]) == 1024 * 1024
    assert value(fm["redis_connected_slave_offset_bytes"], slave_ip="127.0.0.1",
                 slave_port=str(r.port), slave_state="online") == offset
    assert "redis_connected_slave_lag_seconds" in fm
    assert value(fm["redis_replica_resyncs_full"]) == 1
    fr = scrape(r.port)["families"]
    where = {"master_host": "127.0.0.1", "master_port": str(m.port)}
    assert value(fr["redis_master_link_up"], **where) == 1
    assert value(fr["redis_slave_repl_offset"], **where) == offset
    assert value(fr["redis_master_sync_in_progress"], **where) == 0
    assert value(fr["redis_slave_info"], read_only="1", **where) == 1
    assert value(fr["redis_instance_info"], role="slave") == 1
    m.stop(signal.SIGKILL)
    wait_until(lambda: info(rc)["master_link_status"] == "down", 10, what="link down")
    assert value(scrape(r.port)["families"]["redis_master_link_up"], **where) == 0


def test_publish_reaches_subscribers_of_replicas(make_server):
    m = make_server(NOW)
    mc = redis.Redis(port=m.port, decode_responses=True)
    r, rc = replica_of(make_server, m.port, ["--notify-keyspace-events", "KEA"])
    wait_in_sync(mc, rc)
    p = rc.pubsub()
    p.subscribe("ch")
    p.psubscribe("__keyevent@0__:*")
    wait_until(lambda: rc.pubsub_numsub("ch")[0][1] == 1, 5, what="subscribed")
    assert mc.publish("ch", "hello") == 0  # nobody listens on the master itself
    mc.set("foo", "bar")
    got = []
    deadline = time.monotonic() + 10
    while len(got) < 2 and time.monotonic() < deadline:
        msg = p.get_message(timeout=0.2)
        if msg and msg["type"] in ("message", "pmessage"):
            got.append((msg["channel"], msg["data"]))
    assert ("ch", "hello") in got
    assert ("__keyevent@0__:set", "foo") in got
    p.close()


def test_killing_the_master_link_resyncs_partially_under_writes(make_server):
    m = make_server(NOW + ["--threads", "4"])
    mc = redis.Redis(port=m.port, decode_responses=True)
    fill_types(mc, 5000)
    r, rc = replica_of(make_server, m.port)
    wait_in_sync(mc, rc)
    stop = threading.Event()
    counts = []
    t = threading.Thread(target=writer, args=(m.port, stop, "k", counts))
    t.start()
    try:
        def master_ids():
            return {c["id"] for c in rc.client_list(_type="master")}

        for _ in range(3):
            before = master_ids()
            assert len(before) == 1
            assert rc.client_kill_filter(_type="master") == 1
            # CLIENT KILL closes asynchronously: wait for the next master connection.
            wait_until(lambda: master_ids() and not (master_ids() & before) and
                       info(rc)["master_link_status"] == "up", 10, what="link back")
    finally:
        stop.set()
        t.join()
    wait_in_sync(mc, rc)
    assert digest(rc) == digest(mc)
    st = info(mc, "stats")
    assert st["sync_full"] == 1 and st["sync_partial_ok"] == 3


def test_replica_that_cannot_write_its_sync_file_retries(make_server, tmp_path):
    import os
    m = make_server(NOW)
    mc = redis.Redis(port=m.port, decode_responses=True)
    mc.set("k", "v")
    d = tmp_path / "data"
    d.mkdir()
    # A directory where the snapshot file belongs: the received file cannot be put in place,
    # as with a full or broken disk. Every attempt fails, the replica keeps serving.
    r = make_server(["--dir", str(d)])
    rc = redis.Redis(port=r.port, decode_responses=True)
    (d / "dump.rdb").mkdir()
    rc.replicaof("127.0.0.1", m.port)
    wait_until(lambda: r.log_text().count("Failed trying to rename the temp DB") >= 2, 20,
               what="failed attempts logged")
    assert rc.ping() and info(rc)["master_link_status"] == "down"
    assert not [f for f in os.listdir(d) if f.startswith("temp-")]  # nothing left behind
    os.rmdir(d / "dump.rdb")
    wait_in_sync(mc, rc)
    assert rc.get("k") == "v"


@pytest.mark.parametrize("how", ["sigterm", "shutdown"])
def test_shutdown_waits_for_a_lagging_replica(make_server, how):
    m = make_server(NOW + ["--shutdown-timeout", "60"])
    mc = redis.Redis(port=m.port, decode_responses=True)
    r, rc = replica_of(make_server, m.port)
    mc.set("k", 1)
    wait_in_sync(mc, rc)
    with frozen(r):
        mc.incr("k")
        if how == "sigterm":
            m.proc.send_signal(signal.SIGTERM)
        else:
            threading.Thread(target=_shutdown_quietly, args=(m.port,), daemon=True).start()
        wait_until(lambda: info(mc, "server").get("shutdown_in_milliseconds", 0) > 0, 10,
                   what="the master waits for its replica")
    wait_until(lambda: m.proc.poll() is not None, 30, what="the master exited")
    assert rc.get("k") == "2"  # the last write reached the replica before the master left
    log = m.log_text()
    assert "Waiting for replicas before shutting down." in log
    assert "1 of 1 replicas are in sync when shutting down." in log
    assert "Lagging replica" not in log


def _shutdown_quietly(port):
    try:
        redis.Redis(port=port).execute_command("SHUTDOWN")
    except redis.ConnectionError:
        pass


def test_shutdown_gives_up_on_a_replica_after_the_timeout(make_server):
    m = make_server(NOW + ["--shutdown-timeout", "1"])
    mc = redis.Redis(port=m.port, decode_responses=True)
    r, rc = replica_of(make_server, m.port)
    wait_in_sync(mc, rc)
    with frozen(r):
        mc.set("late", 1)
        m.proc.send_signal(signal.SIGTERM)
        wait_until(lambda: m.proc.poll() is not None, 15, what="the master exited")
    log = m.log_text()
    assert "Lagging replica 127.0.0.1:%d reported offset" % r.port in log
    assert "0 of 1 replicas are in sync when shutting down." in log


def test_shutdown_abort_and_joined_shutdowns_while_a_replica_lags(make_server):
    """Two clients wait in SHUTDOWN for a frozen replica; SHUTDOWN ABORT ends the wait, both get
    Redis's error and the master keeps serving. connected_clients leaves the replica out."""
    m = make_server(NOW + ["--shutdown-timeout", "60"])
    mc = redis.Redis(port=m.port, decode_responses=True)
    r, rc = replica_of(make_server, m.port)
    wait_in_sync(mc, rc)
    assert info(mc, "clients")["connected_clients"] == 1
    with frozen(r):
        mc.incr("k")
        socks = []
        for _ in range(2):
            s = socket.create_connection(("127.0.0.1", m.port), timeout=15)
            s.sendall(b"*1\r\n$8\r\nSHUTDOWN\r\n")
            socks.append(s)
        wait_until(lambda: info(mc, "clients")["blocked_clients"] == 2, 10,
                   what="both SHUTDOWNs wait")
        assert info(mc, "clients")["connected_clients"] == 3
        assert mc.execute_command("SHUTDOWN", "ABORT") is True  # redis-py maps +OK to True
        for s in socks:
            assert s.recv(200) == b"-ERR Errors trying to SHUTDOWN. Check logs.\r\n"
            s.close()
    assert "Shutdown manually aborted." in m.log_text()
    mc.set("after", 1)  # writes resume
    wait_in_sync(mc, rc)
    with pytest.raises(redis.ResponseError, match="^No shutdown in progress.$"):
        mc.execute_command("SHUTDOWN", "ABORT")


def test_shutdown_abort_cancels_a_pending_sigterm(make_server):
    m = make_server()
    c = redis.Redis(port=m.port)
    c.execute_command("DEBUG", "PAUSE-CRON", 1)  # the signal waits for the cron, as in Redis
    m.proc.send_signal(signal.SIGTERM)
    wait_until(lambda: "Received SIGTERM scheduling shutdown" in m.log_text(), 10,
               what="signal received")
    assert c.execute_command("SHUTDOWN", "ABORT") is True
    c.execute_command("DEBUG", "PAUSE-CRON", 0)
    assert c.ping() and m.proc.poll() is None
    assert "Shutdown manually aborted." in m.log_text()


def test_shutdown_refused_while_the_first_aof_is_written(make_server):
    m = make_server(["--rdb-key-save-delay", "1000000"])
    c = redis.Redis(port=m.port)
    for i in range(5):
        c.set(i, i)
    c.config_set("appendonly", "yes")
    wait_until(lambda: c.info("persistence")["aof_rewrite_in_progress"] == 1, 10,
               what="initial rewrite running")
    with pytest.raises(redis.ResponseError, match="Errors trying to SHUTDOWN"):
        c.execute_command("SHUTDOWN", "NOSAVE")
    assert "Writing initial AOF, can't exit." in m.log_text()
    assert c.ping()
    with pytest.raises(redis.ConnectionError):
        c.execute_command("SHUTDOWN", "NOSAVE", "FORCE")
    wait_until(lambda: m.proc.poll() is not None, 10, what="exited")
    assert "Writing initial AOF. Exit anyway." in m.log_text()


def test_shutdown_refuses_connections_at_once_and_removes_the_child_file(make_server):
    m = make_server(["--rdb-key-save-delay", "1000000"])
    c = redis.Redis(port=m.port)
    for i in range(5):
        c.set(i, i)
    c.bgsave()
    child = c.info("persistence")
    assert child["rdb_bgsave_in_progress"] == 1
    wait_until(lambda: any(f.startswith("temp-") for f in os.listdir(m.dir)), 10,
               what="the child's file")
    with pytest.raises(redis.ConnectionError):
        c.execute_command("SHUTDOWN", "NOSAVE")
    # The reply (a closed connection) comes after the listener stopped accepting.
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", m.port), timeout=5).close()
    wait_until(lambda: m.proc.poll() is not None, 10, what="exited")
    assert not [f for f in os.listdir(m.dir) if f.startswith("temp-")]


def test_failed_foreground_save_does_not_refuse_writes(make_server):
    m = make_server(["--save", "900 1"])
    c = redis.Redis(port=m.port)
    c.set("a", 1)
    os.mkdir(os.path.join(m.dir, "dump.rdb"))  # the rename cannot succeed
    with pytest.raises(redis.ResponseError):
        c.save()
    assert c.set("a", 2) and c.ping()
    assert c.info("persistence")["rdb_last_bgsave_status"] == "ok"
    os.rmdir(os.path.join(m.dir, "dump.rdb"))


@pytest.mark.parametrize("carmine_master", [True, False])
def test_failover_between_carmine_and_redis(make_server, carmine_master):
    if carmine_master:
        m = make_server(NOW)
        mc = redis.Redis(port=m.port, decode_responses=True)
        r, rc = redis_node(["--replicaof", "127.0.0.1", str(m.port)])
        stop_later = r
    else:
        m, mc = redis_node()
        r, rc = replica_of(make_server, m.port)
        stop_later = m
    try:
        mc.set("a", 1)
        wait_in_sync(mc, rc)
        # The replica's link is up before the master has read its first ACK: until then
        # the master lists it as not yet online and FAILOVER TO refuses it.
        wait_until(lambda: info(mc).get("slave0", {}).get("state") == "online", 10,
                   what="the master lists the replica online")
        assert mc.execute_command("FAILOVER", "TO", "127.0.0.1", str(r.port)) == "OK"
        wait_until(lambda: info(mc)["master_failover_state"] == "no-failover" and
                   info(mc)["role"] == "slave", 10, what="roles switched")
        assert info(rc)["role"] == "master"
        rc.set("b", 2)
        wait_in_sync(rc, mc)
        assert mc.mget("a", "b") == ["1", "2"]
        assert info(rc, "stats")["sync_partial_ok"] == 1
        assert info(rc, "stats")["sync_full"] == 0
    finally:
        stop_later.cleanup()


def test_failover_to_a_target_that_died_is_abandoned(make_server):
    m = make_server(NOW)
    mc = redis.Redis(port=m.port, decode_responses=True)
    r, rc = replica_of(make_server, m.port)
    wait_in_sync(mc, rc)
    with frozen(r):
        mc.set("k", 1)  # the target never acknowledges this
        assert mc.execute_command("FAILOVER", "TO", "127.0.0.1", str(r.port), "TIMEOUT", "200",
                                  "FORCE") == "OK"
        r.stop(signal.SIGKILL)
    wait_until(lambda: info(mc)["master_failover_state"] == "no-failover", 15,
               what="failover abandoned")
    assert info(mc)["role"] == "master"
    mc.set("after", 1)  # writes are no longer paused
    assert "time out exceeded, failing over." in m.log_text()
    assert "aborted: Failover target rejected psync request" in m.log_text()


@pytest.mark.parametrize("replica_kind", ["carmine", "redis"])
def test_spop_with_count_propagates_srem_batches(make_server, replica_kind):
    """SPOP with a count reaches replicas as SREMs of up to 1024 members, several of them in
    MULTI/EXEC, as Redis propagates it; a Redis replica applies the same calls."""
    m = make_server(NOW + ["--threads", "2"])
    mc = redis.Redis(port=m.port, decode_responses=True)
    if replica_kind == "carmine":
        _, rc = replica_of(make_server, m.port)
    else:
        node, rc = redis_node(["--replicaof", "127.0.0.1", str(m.port)])
    try:
        wait_in_sync(mc, rc)
        mc.sadd("myset", *range(1, 4001))
        for count in (1023, 1024, 1025):
            mc.spop("myset", count)
        assert mc.scard("myset") == 928
        wait_in_sync(mc, rc)
        assert rc.info("commandstats")["cmdstat_srem"]["calls"] == 4
        assert rc.scard("myset") == 928 and digest(rc) == digest(mc)
    finally:
        if replica_kind == "redis":
            node.cleanup()


def test_replica_reports_errors_from_its_master(make_server):
    """DEBUG REPLICATE sends a command only replicas see; a replica that fails a command from its
    master logs it as Redis does, and panics under propagation-error-behavior panic when it is
    read-only."""
    m = make_server(NOW + ["--enable-debug-command", "yes"])
    mc = redis.Redis(port=m.port, decode_responses=True)
    r, rc = replica_of(make_server, m.port)
    wait_in_sync(mc, rc)
    assert mc.execute_command("DEBUG", "REPLICATE", "fake-command-1", "a") == "OK"
    mc.set("foo", "bar")
    wait_in_sync(mc, rc)
    assert ("== CRITICAL == This replica is sending an error to its master: 'unknown command "
            "'fake-command-1', with args beginning with: 'a' ' after processing the command "
            "'<unknown>'") in r.log_text()
    rc.config_set("replica-read-only", "no")
    rc.set("n", "foo")
    mc.incrby("n", 1)
    wait_in_sync(mc, rc)
    log = r.log_text()
    assert ("This replica is sending an error to its master: 'value is not an integer or out of "
            "range' after processing the command 'incrby'") in log
    # The latest stream bytes, quoted: the command that failed is not among them yet.
    latest = log[log.rindex("Latest backlog is: "):].splitlines()[0]
    assert "fake-command-1" in latest and "incrby" not in latest
    assert rc.info("stats")["unexpected_error_replies"] == 2
    assert mc.get("foo") == "bar" and rc.get("foo") == "bar"  # the master never ran it
    rc.config_set("propagation-error-behavior", "panic")
    # A writable replica may have diverged on purpose: it logs, and does not panic.
    mc.execute_command("DEBUG", "REPLICATE", "fake-command-2")
    mc.set("foo", "baz")
    wait_in_sync(mc, rc)
    assert rc.info("stats")["unexpected_error_replies"] == 3 and rc.get("foo") == "baz"
    rc.config_set("replica-read-only", "yes")
    mc.execute_command("DEBUG", "REPLICATE", "fake-command-3")
    wait_until(lambda: r.proc.poll() is not None, 10, what="the replica panicked")
    assert ("Guru Meditation: This replica panicked sending an error to its master after "
            "processing the command '<unknown>'") in r.log_text()


@pytest.mark.parametrize("replica_kind", ["carmine", "redis"])
def test_replica_killed_in_a_transaction_that_outgrows_the_backlog_resyncs_fully(
        make_server, replica_kind):
    # The transaction kills the replica's link, shrinks the backlog and writes past it: nothing
    # written after the kill reaches the replica, and the backlog is already small when it
    # reconnects, so only a full resync can bring it up to date.
    m = make_server(NOW + ["--threads", "2"])
    mc = redis.Redis(port=m.port, decode_responses=True)
    if replica_kind == "carmine":
        r, rc = replica_of(make_server, m.port)
        other = None
    else:
        other, rc = redis_node(["--replicaof", "127.0.0.1", str(m.port)])
    try:
        wait_in_sync(mc, rc)
        mc.execute_command("DEBUG", "POPULATE", 2000, "key", 100)
        wait_in_sync(mc, rc)
        full = info(mc, "stats")["sync_full"]
        p = mc.pipeline(transaction=True)
        p.execute_command("CLIENT", "KILL", "TYPE", "replica")
        p.config_set("repl-backlog-size", 16384)
        for i in range(10):
            p.set(f"big:{i}", "A" * 16384)
        p.execute()
        assert info(mc)["repl_backlog_size"] == 16384
        wait_until(lambda: info(mc, "stats")["sync_full"] > full, 20, what="a full resync")
        wait_in_sync(mc, rc)
        assert rc.dbsize() == 2010
        assert digest(rc) == digest(mc)
    finally:
        if other is not None:
            other.cleanup()
