# Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
"""Cluster mode with real processes on loopback ports: clusters created by the stock
`redis-cli --cluster create`, checked with `--cluster check`, used through redis-py's RedisCluster
and ioredis' Cluster, a master killed with -9 under load (its replica takes over, the old master
returns as a replica), resharding while clients write, a cluster mixing Carmine and redis-server
nodes failing over in each direction, routing errors next to Redis's, and garbage on the bus.
Every wait polls with a deadline."""
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time

import pytest
import redis
from redis.cluster import ClusterNode, RedisCluster

from servers import ROOT, ServerProcess, free_port, redis_binary, wait_until

pytestmark = pytest.mark.needs_process

NODE_TIMEOUT = 2000


def redis_cli():
    shared = os.path.join(os.path.dirname(redis_binary()), "redis-cli")
    return shared if os.path.exists(shared) else shutil.which("redis-cli")


def cluster_node(kind="carmine", extra=()):
    args = ["--cluster-enabled", "yes", "--cluster-port", str(free_port()),
            "--cluster-node-timeout", str(NODE_TIMEOUT), "--repl-diskless-sync-delay", "0",
            "--cluster-config-file", "nodes.conf"]
    if kind == "carmine":
        args += ["--threads", "2"]
    return ServerProcess(kind, args=args + list(extra)).start()


def cli(*args, timeout=120):
    return subprocess.run([redis_cli(), *map(str, args)], capture_output=True, text=True,
                          timeout=timeout)


def rc(node):
    return redis.Redis(port=node.port, decode_responses=True)


def info(node):
    return rc(node).execute_command("CLUSTER", "INFO")


def state_ok(node):
    text = info(node)
    return "cluster_state:ok" in text


def nodes_view(node):
    """The slot map as one node sees it: sorted (id, role, master, slots) lines."""
    out = []
    for line in rc(node).execute_command("CLUSTER", "NODES").splitlines():
        f = line.split()
        role = "master" if "master" in f[2] else "slave"
        out.append((f[0], role, f[3], " ".join(s for s in f[8:] if not s.startswith("["))))
    return sorted(out)


def wait_consistent(nodes, timeout=30):
    def ok():
        views = [nodes_view(n) for n in nodes]
        return all(state_ok(n) for n in nodes) and all(v == views[0] for v in views)
    wait_until(ok, timeout, interval=0.1, what="every node agrees and the cluster is ok")


def create(nodes, replicas):
    addrs = [f"127.0.0.1:{n.port}" for n in nodes]
    r = cli("--cluster", "create", *addrs, "--cluster-replicas", replicas, "--cluster-yes")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "[OK] All 16384 slots covered." in r.stdout
    wait_consistent(nodes)
    # Replicas are in sync before anything is killed.
    for n in nodes:
        if rc(n).execute_command("ROLE")[0] == "slave":
            wait_until(lambda n=n: rc(n).info("replication")["master_link_status"] == "up", 30,
                       interval=0.1, what="replica link up")


def role_of(node):
    return rc(node).execute_command("ROLE")[0]


def myid(node):
    return rc(node).execute_command("CLUSTER", "MYID")


def master_replica_pairs(nodes):
    by_id = {myid(n): n for n in nodes}
    pairs = []
    for n in nodes:
        if role_of(n) == "slave":
            for line in rc(n).execute_command("CLUSTER", "NODES").splitlines():
                f = line.split()
                if "myself" in f[2]:
                    pairs.append((by_id[f[3]], n))
    return pairs


def cluster_client(nodes):
    return RedisCluster(startup_nodes=[ClusterNode("127.0.0.1", n.port) for n in nodes],
                        decode_responses=True)


class Writer(threading.Thread):
    """Writes k<i> = i through RedisCluster until stopped; remembers what was acknowledged."""

    def __init__(self, nodes, prefix="w"):
        super().__init__(daemon=True)
        self.nodes = nodes
        self.client = cluster_client(nodes)
        self.prefix = prefix
        self.acked = []
        self.errors = 0
        self.last_error = None
        self.stop_flag = threading.Event()

    def run(self):
        i = 0
        while not self.stop_flag.is_set():
            key = f"{self.prefix}{i}"
            try:
                self.client.set(key, str(i))
                self.acked.append(key)
                i += 1
            except Exception as e:  # the cluster is failing over: retried
                self.errors += 1
                self.last_error = repr(e)
                # redis-py 4.3's RedisCluster can wedge when a startup node is dead (its slot
                # refresh fails with "cannot pickle '_thread.lock' object" before it tries the
                # next node); an application rebuilds the client from the nodes that answer.
                if "pickle" in self.last_error:
                    try:
                        self.client = cluster_client([n for n in self.nodes
                                                      if n.proc.poll() is None])
                    except Exception as e2:  # no live node answered yet: next round
                        self.last_error = repr(e2)
                time.sleep(0.05)

    def stop(self):
        self.stop_flag.set()
        self.join(30)


@pytest.fixture
def six_carmine():
    nodes = [cluster_node("carmine") for _ in range(6)]
    yield nodes
    for n in nodes:
        n.cleanup()


def test_create_check_clients_failover_and_rejoin(six_carmine):
    nodes = six_carmine
    create(nodes, 1)
    r = cli("--cluster", "check", f"127.0.0.1:{nodes[0].port}")
    assert r.returncode == 0, r.stdout
    assert "[OK] All nodes agree about slots configuration." in r.stdout
    assert "[OK] All 16384 slots covered." in r.stdout

    client = cluster_client(nodes)
    pipe = client.pipeline()
    for i in range(20000):
        pipe.set(f"key:{i}", i)
    pipe.execute()
    masters = [n for n in nodes if role_of(n) == "master"]
    assert sum(rc(m).dbsize() for m in masters) == 20000
    assert client.get("key:12345") == "12345"
    # Keys are where CLUSTER KEYSLOT says, and COUNTKEYSINSLOT/GETKEYSINSLOT agree.
    slot = rc(nodes[0]).execute_command("CLUSTER", "KEYSLOT", "key:12345")
    owner = [m for m in masters
             if rc(m).execute_command("CLUSTER", "COUNTKEYSINSLOT", slot) > 0][0]
    assert "key:12345" in rc(owner).execute_command("CLUSTER", "GETKEYSINSLOT", slot, 1000)

    # ioredis' Cluster client.
    node_dir = os.path.join(ROOT, "tests", "node")
    node = shutil.which("node")
    if node and os.path.isdir(os.path.join(node_dir, "node_modules", "ioredis")):
        out = subprocess.run([node, os.path.join(node_dir, "cluster_clients.mjs"),
                              str(nodes[0].port)], capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        assert '"written":2000' in out.stdout and '"read":2000' in out.stdout, out.stdout

    # PUBLISH reaches subscribers of every node; SPUBLISH those of the channel's shard, on its
    # replica too.
    sub = rc(nodes[1]).pubsub()
    sub.subscribe("news")
    wait_until(lambda: sub.get_message(timeout=0.1) is not None, 10, what="subscribed")
    rc(nodes[0]).publish("news", "hello")
    msg = None
    deadline = time.monotonic() + 10
    while msg is None and time.monotonic() < deadline:
        msg = sub.get_message(timeout=0.2)
    assert msg and msg["data"] == "hello"
    slot = rc(nodes[0]).execute_command("CLUSTER", "KEYSLOT", "orders")
    shard_master = [m for m in masters
                    if any(int(r[0]) <= slot <= int(r[1]) and r[2][2] == myid(m)
                           for r in rc(m).execute_command("CLUSTER", "SLOTS"))][0]
    shard_replica = [r for m, r in master_replica_pairs(nodes) if m is shard_master][0]
    ssub = redis.Redis(port=shard_replica.port, decode_responses=True).pubsub()
    ssub.execute_command("SSUBSCRIBE", "orders")
    confirmed = None
    deadline = time.monotonic() + 10
    while confirmed is None and time.monotonic() < deadline:
        confirmed = ssub.parse_response(block=False, timeout=0.2)
    assert confirmed and "ssubscribe" in str(confirmed)
    assert rc(shard_master).execute_command("SPUBLISH", "orders", "o1") >= 0
    got = []
    deadline = time.monotonic() + 10
    while not any(isinstance(m, (list, dict)) and "o1" in str(m) for m in got) and \
            time.monotonic() < deadline:
        m = ssub.parse_response(block=False, timeout=0.2)
        if m:
            got.append(m)
    assert any("o1" in str(m) for m in got), got
    other = [n for n in masters if n is not shard_master][0]
    assert raw(other.port, "SPUBLISH orders x")[0].startswith("-MOVED ")

    # kill -9 a master while a client writes: its replica takes over and the client follows.
    master, replica = master_replica_pairs(nodes)[0]
    writer = Writer(nodes)
    writer.start()
    wait_until(lambda: len(writer.acked) > 200, 30, what="writes flowing")
    master.stop(signal.SIGKILL)
    alive = [n for n in nodes if n is not master]
    wait_until(lambda: role_of(replica) == "master", 30, interval=0.1, what="replica promoted")
    wait_until(lambda: all(state_ok(n) for n in alive), 30, interval=0.1, what="cluster ok")
    before = len(writer.acked)
    try:
        wait_until(lambda: len(writer.acked) > before + 200, 30, what="writes resumed")
    except TimeoutError:
        raise AssertionError(f"writes did not resume: {writer.errors} errors, last "
                             f"{writer.last_error}")
    writer.stop()
    # Writes acknowledged after the failover are all there.
    reader = cluster_client(alive)
    for key in writer.acked[before:]:
        assert reader.get(key) is not None, key

    # The old master returns as a replica of the node that replaced it.
    master.start()
    wait_until(lambda: role_of(master) == "slave", 30, interval=0.1, what="old master rejoined")
    wait_consistent(nodes)
    assert rc(master).info("replication")["master_port"] == replica.port


def test_reshard_and_rebalance_under_load(six_carmine):
    nodes = six_carmine[:3]
    for n in six_carmine[3:]:
        n.cleanup()
    create(nodes, 0)
    writer = Writer(nodes, prefix="r")
    writer.start()
    wait_until(lambda: len(writer.acked) > 500, 30, what="writes flowing")
    src, dst = myid(nodes[0]), myid(nodes[1])
    r = cli("--cluster", "reshard", f"127.0.0.1:{nodes[0].port}", "--cluster-from", src,
            "--cluster-to", dst, "--cluster-slots", 1500, "--cluster-yes")
    assert r.returncode == 0, r.stdout + r.stderr
    r = cli("--cluster", "rebalance", f"127.0.0.1:{nodes[0].port}", "--cluster-yes")
    assert r.returncode == 0, r.stdout + r.stderr
    writer.stop()
    wait_consistent(nodes)
    r = cli("--cluster", "check", f"127.0.0.1:{nodes[0].port}")
    assert r.returncode == 0 and "[OK] All 16384 slots covered." in r.stdout, r.stdout
    reader = cluster_client(nodes)
    missing = [k for k in writer.acked if reader.get(k) is None]
    assert missing == []
    assert sum(rc(n).dbsize() for n in nodes) == len(set(writer.acked))


def test_mixed_cluster_fails_over_in_each_direction():
    # Masters redis, carmine, redis; each gets a replica of the other kind, added with
    # `--cluster add-node --cluster-slave`.
    masters = [cluster_node(k) for k in ("redis", "carmine", "redis")]
    replicas = [cluster_node(k) for k in ("carmine", "redis", "carmine")]
    nodes = masters + replicas
    try:
        create(masters, 0)
        for m, r in zip(masters, replicas):
            out = cli("--cluster", "add-node", f"127.0.0.1:{r.port}", f"127.0.0.1:{m.port}",
                      "--cluster-slave", "--cluster-master-id", myid(m))
            assert out.returncode == 0, out.stdout + out.stderr
        wait_consistent(nodes)
        for r in replicas:
            wait_until(lambda r=r: rc(r).info("replication").get("master_link_status") == "up",
                       30, interval=0.1, what="replica link up")
        client = cluster_client(nodes)
        for i in range(2000):
            client.set(f"m{i}", i)
        for master, replica in list(zip(masters, replicas))[:2]:
            rc(master).execute_command("WAIT", 1, 5000)
            master.stop(signal.SIGKILL)
            wait_until(lambda: role_of(replica) == "master", 30, interval=0.1,
                       what=f"{replica.kind} replica promoted over {master.kind}")
            alive = [n for n in nodes if n.proc.poll() is None]
            wait_until(lambda: all(state_ok(n) for n in alive), 30, interval=0.1,
                       what="cluster ok")
            master.start()
            wait_until(lambda: role_of(master) == "slave", 30, interval=0.1,
                       what="old master rejoined")
            wait_consistent(nodes)
        reader = cluster_client(nodes)
        assert all(reader.get(f"m{i}") == str(i) for i in range(0, 2000, 7))
    finally:
        for n in nodes:
            n.cleanup()


def raw(port, *cmds):
    """Replies (first line) of each command, sent on one connection."""
    out = []
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        f = s.makefile("rb")
        for c in cmds:
            parts = c.split(" ")
            s.sendall(f"*{len(parts)}\r\n".encode() +
                      b"".join(f"${len(p)}\r\n{p}\r\n".encode() for p in parts))
            line = f.readline().decode().rstrip("\r\n")
            if line.startswith("$") and line != "$-1":
                line = f.read(int(line[1:]) + 2).decode().rstrip("\r\n")
            elif line.startswith("*"):
                n = int(line[1:])
                for _ in range(max(n, 0)):
                    sub = f.readline()
                    if sub.startswith(b"$") and sub != b"$-1\r\n":
                        f.read(int(sub[1:]) + 2)
            out.append(line)
    return out


def crc16(data):
    crc = 0
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def key_in_slot(slot):
    i = 0
    while crc16(f"k{i}".encode()) % 16384 != slot:
        i += 1
    return f"k{i}"


def two_node_cluster(kind):
    """A master with every slot, and a second master with none that it has met."""
    a, b = cluster_node(kind), cluster_node(kind)
    rc(a).execute_command("CLUSTER", "ADDSLOTSRANGE", 0, 16383)
    rc(a).execute_command("CLUSTER", "MEET", "127.0.0.1", b.port,
                          int(b.cmd[b.cmd.index("--cluster-port") + 1]))
    wait_until(lambda: len(rc(a).execute_command("CLUSTER", "NODES").splitlines()) == 2 and
               "handshake" not in rc(a).execute_command("CLUSTER", "NODES") and
               "disconnected" not in rc(b).execute_command("CLUSTER", "NODES") and
               len(rc(b).execute_command("CLUSTER", "NODES").splitlines()) == 2,
               20, interval=0.05, what="nodes met")
    wait_until(lambda: state_ok(a) and state_ok(b), 20, interval=0.05, what="cluster ok")
    return a, b


ROUTING = [
    "SET {a}1 x", "MSET {a}1 1 {b}1 2", "SELECT 1", "SELECT 0",
    "CLUSTER KEYSLOT {a}", "CLUSTER COUNTKEYSINSLOT 99999", "CLUSTER COUNTKEYSINSLOT x",
    "CLUSTER COUNTKEYSINSLOT 15495", "CLUSTER GETKEYSINSLOT 1 -1", "CLUSTER GETKEYSINSLOT 15495 5",
    "CLUSTER MEET 127.0.0.1 x", "CLUSTER MEET 127.0.0.1 1 x", "CLUSTER MEET 1.2.3.x 1",
    "CLUSTER ADDSLOTS 1", "CLUSTER ADDSLOTS 99999", "CLUSTER ADDSLOTSRANGE 5 1",
    "CLUSTER DELSLOTSRANGE 1 2 3", "CLUSTER SETSLOT 1 foo", "CLUSTER SETSLOT 1 NODE abc",
    "CLUSTER SETSLOT 1 IMPORTING abc", "CLUSTER FORGET abc", "CLUSTER REPLICATE abc",
    "CLUSTER RESET foo", "CLUSTER SET-CONFIG-EPOCH 5", "CLUSTER COUNT-FAILURE-REPORTS abc",
    "CLUSTER FAILOVER", "CLUSTER FAILOVER foo", "CLUSTER REPLICAS abc", "CLUSTER foo",
    "ASKING x", "READONLY", "READWRITE", "CLUSTER MYID x", "CLUSTER FLUSHSLOTS",
]


def test_routing_and_errors_match_redis():
    replies = {}
    unbound = key_in_slot(200)
    for kind in ("redis", "carmine"):
        a, b = two_node_cluster(kind)
        try:
            aid, bid = myid(a), myid(b)
            # Slot 15495 ({a}) migrating to b: an existing key is served, a missing one is ASKed,
            # both at once is TRYAGAIN.
            got = raw(a.port, "SET {a}1 x", f"CLUSTER SETSLOT 15495 MIGRATING {bid}", "GET {a}1",
                      "GET {a}2", "MGET {a}1 {a}2", "SET {a}3 z", "CLUSTER SETSLOT 15495 STABLE",
                      *ROUTING)
            # b owns nothing: MOVED; importing needs ASKING (for one command).
            got += raw(b.port, "GET {a}1", f"CLUSTER SETSLOT 15495 IMPORTING {aid}", "GET {a}1",
                       "ASKING", "GET {a}1", "GET {a}1", "ASKING", "MGET {a}1 {a}2",
                       "READONLY", "GET {a}1", "CLUSTER SETSLOT 15495 STABLE")
            # An unassigned slot: the cluster is down (full coverage), reads too, unless allowed.
            rc(a).execute_command("CLUSTER", "DELSLOTS", 200)
            wait_until(lambda: not state_ok(a), 10, interval=0.05, what="cluster down")
            got += raw(a.port, f"GET {unbound}", "GET {a}1", "SET {a}1 1")
            rc(a).config_set("cluster-allow-reads-when-down", "yes")
            got += raw(a.port, "GET {a}1", "SET {a}1 1")
            norm = []
            for g in got:
                for old, new in ((aid, "<a>"), (bid, "<b>"), (str(a.port), "<pa>"),
                                 (str(b.port), "<pb>")):
                    g = g.replace(old, new)
                norm.append(g)
            replies[kind] = norm
        finally:
            a.cleanup()
            b.cleanup()
    assert len(replies["redis"]) == len(replies["carmine"])
    for i, (r, c) in enumerate(zip(replies["redis"], replies["carmine"])):
        assert r == c, (i, r, c)


def send_blocking(port, *parts):
    s = socket.create_connection(("127.0.0.1", port), timeout=15)
    s.sendall(f"*{len(parts)}\r\n".encode() +
              b"".join(f"${len(p)}\r\n{p}\r\n".encode() for p in map(str, parts)))
    return s


def first_line(s):
    with s:
        return s.makefile("rb").readline().decode().rstrip("\r\n")


def test_blocked_clients_are_redirected_when_their_slot_moves():
    replies = {}
    for kind in ("redis", "carmine"):
        a, b = two_node_cluster(kind)
        try:
            def blocked(n):
                return rc(a).info("clients")["blocked_clients"] == n
            moved, stays, down = key_in_slot(100), key_in_slot(200), key_in_slot(300)
            waiting = [send_blocking(a.port, "BLPOP", moved, 0),
                       send_blocking(a.port, "BZPOPMIN", stays, 0)]
            wait_until(lambda: blocked(2), 10, interval=0.02, what="two blocked clients")
            # The slot of the first key moves to b: its client is sent there; the other waits on.
            rc(a).execute_command("CLUSTER", "SETSLOT", 100, "NODE", myid(b))
            got = [first_line(waiting[0]).replace(str(b.port), "<b>")]
            assert blocked(1)
            rc(a).zadd(stays, {"m": 1})
            got.append(first_line(waiting[1]))
            # A slot gone unassigned takes the cluster down: waits end with CLUSTERDOWN.
            waiting = send_blocking(a.port, "BLMOVE", down, down, "LEFT", "RIGHT", 0)
            wait_until(lambda: blocked(1), 10, interval=0.02, what="a blocked client")
            rc(a).execute_command("CLUSTER", "DELSLOTS", 300)
            got.append(first_line(waiting))
            got.append(str(blocked(0)))
            replies[kind] = got
        finally:
            a.cleanup()
            b.cleanup()
    assert replies["carmine"] == replies["redis"]
    assert replies["carmine"][0] == "-MOVED 100 127.0.0.1:<b>"


def test_bus_garbage_and_truncated_messages_are_survived():
    a, b = two_node_cluster("carmine")
    try:
        bus = int(a.cmd[a.cmd.index("--cluster-port") + 1])
        payloads = [
            b"GARBAGE" * 100,
            b"RCmb\x00\x00\x00\x10" + b"\x00" * 8,          # length under the header's
            b"RCmb\x00\x00\x08\xd0" + b"\x00\x01" + b"\x00" * 100,  # truncated, then closed
            b"RCmb\x00\x00\x08\xd0" + b"\x00\x07" + b"\x00" * (2256 - 10),  # bad version
            b"RCmb\xff\xff\xff\xff" + b"\x00" * 64,         # absurd length, then closed
        ]
        # A well-formed header of every type with a length that does not match its body.
        for t in range(12):
            hdr = bytearray(2256)
            hdr[0:4] = b"RCmb"
            hdr[4:8] = (2256 + 3).to_bytes(4, "big")
            hdr[8:10] = (1).to_bytes(2, "big")
            hdr[12:14] = t.to_bytes(2, "big")
            hdr[14:16] = (500).to_bytes(2, "big")
            payloads.append(bytes(hdr) + b"abc")
        for p in payloads:
            with socket.create_connection(("127.0.0.1", bus), timeout=5) as s:
                s.sendall(p)
        assert rc(a).ping()
        assert rc(a).set("{a}k", "v")
        wait_until(lambda: state_ok(a) and state_ok(b), 20, interval=0.05,
                   what="cluster still ok")
        assert len(rc(a).execute_command("CLUSTER", "NODES").splitlines()) == 2
    finally:
        a.cleanup()
        b.cleanup()


def test_nodes_conf_survives_restart():
    mport = free_port()
    a = cluster_node("carmine", extra=["--metrics-port", str(mport)])
    try:
        rc(a).execute_command("CLUSTER", "ADDSLOTSRANGE", 0, 16383)
        rc(a).execute_command("CLUSTER", "SET-CONFIG-EPOCH", 7)
        before = myid(a)
        conf = open(os.path.join(a.dir, "nodes.conf")).read()
        assert conf.startswith(before + " ") and "myself,master" in conf
        assert conf.rstrip().endswith("vars currentEpoch 7 lastVoteEpoch 0")
        a.stop()
        a.start()
        assert myid(a) == before
        wait_until(lambda: state_ok(a), 20, interval=0.05, what="cluster ok")
        assert rc(a).execute_command("CLUSTER", "INFO").count("cluster_my_epoch:7") == 1
        # /metrics carries the cluster figures redis_exporter exposes.
        import urllib.request
        text = urllib.request.urlopen(f"http://127.0.0.1:{mport}/metrics", timeout=5).read()
        text = text.decode()
        assert "redis_cluster_enabled 1" in text and "redis_cluster_state 1" in text
        assert "redis_cluster_slots_assigned 16384" in text and "redis_cluster_my_epoch 7" in text
        # Redis reads the file Carmine wrote.
        b = ServerProcess("redis", args=["--cluster-enabled", "yes", "--cluster-port",
                                         str(free_port())])
        shutil.copy(os.path.join(a.dir, "nodes.conf"), os.path.join(b.dir, "nodes.conf"))
        b.start()
        try:
            assert myid(b) == before
            wait_until(lambda: state_ok(b), 20, interval=0.05, what="redis cluster ok")
        finally:
            b.cleanup()
    finally:
        a.cleanup()


def test_fix_after_a_killed_migration_then_del_node():
    nodes = [cluster_node("carmine") for _ in range(3)]
    try:
        create(nodes, 0)
        client = cluster_client(nodes)
        src, dst = nodes[0], nodes[1]
        slot = 100
        tag = key_in_slot(slot)
        keys = [f"{{{tag}}}:{i}" for i in range(50)]
        for k in keys:
            client.set(k, k)
        # A reshard killed half way: the slot is open on both sides, half of its keys moved.
        rc(dst).execute_command("CLUSTER", "SETSLOT", slot, "IMPORTING", myid(src))
        rc(src).execute_command("CLUSTER", "SETSLOT", slot, "MIGRATING", myid(dst))
        rc(src).execute_command("MIGRATE", "127.0.0.1", dst.port, "", 0, 5000, "KEYS",
                                *keys[:25])
        r = cli("--cluster", "check", f"127.0.0.1:{src.port}")
        assert "open slot" in r.stdout.lower() or r.returncode != 0, r.stdout
        r = cli("--cluster", "fix", f"127.0.0.1:{src.port}")
        assert r.returncode == 0, r.stdout + r.stderr
        wait_consistent(nodes)
        r = cli("--cluster", "check", f"127.0.0.1:{src.port}")
        assert r.returncode == 0 and "[OK] All 16384 slots covered." in r.stdout, r.stdout
        reader = cluster_client(nodes)
        assert all(reader.get(k) == k for k in keys)
        # A fourth master joins (add-node), takes a few slots (reshard) and leaves again (reshard
        # back, del-node).
        extra = cluster_node("carmine")
        nodes.append(extra)
        r = cli("--cluster", "add-node", f"127.0.0.1:{extra.port}", f"127.0.0.1:{src.port}")
        assert r.returncode == 0, r.stdout + r.stderr
        wait_consistent(nodes)
        vid = myid(extra)
        for frm, to in ((myid(src), vid), (vid, myid(src))):
            r = cli("--cluster", "reshard", f"127.0.0.1:{src.port}", "--cluster-from", frm,
                    "--cluster-to", to, "--cluster-slots", 50, "--cluster-yes")
            assert r.returncode == 0, r.stdout + r.stderr
            wait_consistent(nodes)
        # A master left without slots follows the node that took them, as a replica
        # (cluster-allow-replica-migration): removed once that settled, as an operator would.
        wait_until(lambda: role_of(extra) == "slave" and
                   rc(extra).info("replication").get("master_link_status") == "up", 30,
                   interval=0.1, what="emptied master became a replica")
        r = cli("--cluster", "del-node", f"127.0.0.1:{src.port}", vid)
        # redis-cli sends CLUSTER FORGET node by node, while the nodes already told gossip the
        # forgotten node (the FORGOTTEN_NODE extension) to the rest: a node reached late may
        # have forgotten it already and answer "Unknown node", with Redis as with Carmine.
        # That race aside, del-node must succeed.
        if r.returncode != 0:
            errors = [l for l in re.sub(r"\x1b\[[0-9;]*m", "", r.stdout).splitlines()
                      if l.startswith("ERR")]
            assert errors and all(l == f"ERR Unknown node {vid}" for l in errors), r.stdout
        rest = nodes[:3]
        wait_until(lambda: all(vid not in rc(n).execute_command("CLUSTER", "NODES")
                               for n in rest), 30, interval=0.1, what="node forgotten")
        wait_consistent(rest)
        assert all(reader.get(k) == k for k in keys)
    finally:
        for n in nodes:
            n.cleanup()


@pytest.mark.parametrize("peers", ["carmine", "redis"])
def test_node_back_at_a_new_address_is_followed(peers):
    """A node restarted elsewhere (a pod's new IP: here 127.0.0.2) is reached at its new
    address by every other node, Carmine or Redis, once it pings them."""
    nodes = [cluster_node(peers) for _ in range(2)] + [cluster_node("carmine")]
    try:
        create(nodes, 0)
        moved = nodes[2]
        moved_id = myid(moved)
        moved.stop()
        moved.cmd += ["--bind", "127.0.0.1", "127.0.0.2", "--cluster-announce-ip", "127.0.0.2"]
        moved.start()

        def followed():
            for n in nodes[:2]:
                line = next(x for x in rc(n).execute_command("CLUSTER", "NODES").splitlines()
                            if x.startswith(moved_id))
                if not line.split()[1].startswith(f"127.0.0.2:{moved.port}@"):
                    return False
            return all(state_ok(n) for n in nodes)
        wait_until(followed, 30, interval=0.1, what="the others to use the new address")
        assert any("Address updated for node" in n.log_text() for n in nodes[:2]) or \
            peers == "redis"
        assert rc(nodes[0]).execute_command("CLUSTER", "COUNTKEYSINSLOT", 0) == 0
    finally:
        for n in nodes:
            n.cleanup()


def test_replica_migrates_to_an_orphaned_master(six_carmine):
    """cluster-migration-barrier: a master whose only replica died gets one from the master
    that has two (which keeps one, above the barrier of 1)."""
    nodes = six_carmine
    create(nodes, 1)
    pairs = master_replica_pairs(nodes)
    (rich, _), (poor, poor_replica) = pairs[0], pairs[1]
    extra = cluster_node("carmine")
    nodes.append(extra)  # cleaned up with the others
    r = cli("--cluster", "add-node", f"127.0.0.1:{extra.port}", f"127.0.0.1:{nodes[0].port}",
            "--cluster-slave", "--cluster-master-id", myid(rich))
    assert r.returncode == 0, r.stdout + r.stderr

    def replicas_of(master, viewer):
        out = rc(viewer).execute_command("CLUSTER", "REPLICAS", myid(master))
        return [line for line in out if "fail" not in line.split()[2]]
    wait_until(lambda: len(replicas_of(rich, poor)) == 2, 30, interval=0.1,
               what="two replicas on one master")
    poor_replica.stop(signal.SIGKILL)
    wait_until(lambda: len(replicas_of(poor, rich)) == 1 and len(replicas_of(rich, poor)) == 1,
               60, interval=0.2, what="a replica to migrate to the orphaned master")
    moved = next(n for n in nodes if n is not poor_replica and n.proc.poll() is None and
                 role_of(n) == "slave" and "Migrating to orphaned master" in n.log_text())
    wait_until(lambda: rc(moved).info("replication")["master_port"] == poor.port and
               rc(moved).info("replication")["master_link_status"] == "up", 30, interval=0.1,
               what="the migrated replica to sync from its new master")
    wait_consistent([n for n in nodes if n is not poor_replica])


@pytest.mark.parametrize("kind", ["carmine", "redis"])
def test_standalone_data_claims_its_slots_at_startup(kind):
    """A standalone server's RDB given to a fresh cluster node: the node takes responsibility
    for the unassigned slots it holds keys of, as Redis does."""
    src = ServerProcess("carmine").start()
    keys = ["a", "b", "c", "user:{42}:name", "user:{42}:mail"]
    try:
        c = redis.Redis(port=src.port)
        for k in keys:
            c.set(k, "v")
        c.save()
        rdb = os.path.join(src.dir, "dump.rdb")
        node = ServerProcess(kind, args=["--cluster-enabled", "yes", "--cluster-port",
                                         str(free_port())])
        shutil.copy(rdb, os.path.join(node.dir, "dump.rdb"))
        node.start()
        try:
            slots = {int(rc(node).execute_command("CLUSTER", "KEYSLOT", k)) for k in keys}
            wait_until(lambda: f"cluster_slots_assigned:{len(slots)}" in info(node), 10,
                       what="the slots claimed")
            owned = rc(node).execute_command("CLUSTER", "SLOTS")
            assert sorted(s for r in owned for s in range(r[0], r[1] + 1)) == sorted(slots)
            assert "I have keys for unassigned slot" in node.log_text()
            conf = open(os.path.join(node.dir, "nodes.conf")).read()
            assert "myself,master" in conf and str(min(slots)) in conf
        finally:
            node.cleanup()
    finally:
        src.cleanup()


def test_keys_of_a_slot_lost_to_a_newer_epoch_are_deleted_on_replicas_too():
    a, b = two_node_cluster("carmine")
    r = cluster_node("carmine")
    try:
        rc(r).execute_command("CLUSTER", "MEET", "127.0.0.1", a.port,
                              int(a.cmd[a.cmd.index("--cluster-port") + 1]))
        wait_until(lambda: len(rc(r).execute_command("CLUSTER", "NODES").splitlines()) == 3 and
                   "handshake" not in rc(r).execute_command("CLUSTER", "NODES"), 20,
                   interval=0.05, what="the replica met the cluster")
        # REPLICATE needs r to know a as a master: its first PONG tells.
        wait_until(lambda: rc(r).execute_command("CLUSTER", "REPLICATE", myid(a)), 20,
                   interval=0.1, what="the replica to replicate a")
        rc(a).set("{x}1", "v")
        rc(a).set("{y}1", "w")
        ro = rc(r)

        def read_on_replica(key):
            # READONLY again each time: a -LOADING reply while the replica loads the full sync
            # makes redis-py drop the connection, and the new one would get MOVED.
            ro.execute_command("READONLY")
            return ro.get(key)
        wait_until(lambda: read_on_replica("{x}1") == "v", 20, interval=0.05, what="replicated key")
        slot = int(rc(a).execute_command("CLUSTER", "KEYSLOT", "{x}"))

        # Three masters met with epoch 0: until the collisions are resolved, a and b may share an
        # epoch, and b's claim would not beat a's (nor would BUMPEPOCH move the largest).
        def master_epochs(node):
            return sorted((f[0], int(f[6])) for f in
                          (line.split() for line in
                           rc(node).execute_command("CLUSTER", "NODES").splitlines())
                          if "master" in f[2] and f[0] in (myid(a), myid(b)))
        wait_until(lambda: master_epochs(a) == master_epochs(b) and
                   len({e for _, e in master_epochs(a)}) == 2, 30, interval=0.05,
                   what="a and b to agree on distinct epochs")
        # b takes the slot with a newer epoch: a loses it and drops its keys, and so does a's
        # replica, through the DEL a sends it.
        rc(b).execute_command("CLUSTER", "SETSLOT", slot, "NODE", myid(b))
        rc(b).execute_command("CLUSTER", "BUMPEPOCH")
        wait_until(lambda: rc(a).execute_command("CLUSTER", "COUNTKEYSINSLOT", slot) == 0, 20,
                   interval=0.05, what="the master to drop the slot's keys")
        wait_until(lambda: ro.execute_command("CLUSTER", "COUNTKEYSINSLOT", slot) == 0, 20,
                   interval=0.05, what="the replica to drop them too")
        assert read_on_replica("{y}1") == "w"
    finally:
        for n in (a, b, r):
            n.cleanup()


def test_link_to_a_peer_that_stopped_reading_is_freed_past_the_sendbuf_limit():
    nodes = [cluster_node("carmine") for _ in range(3)]
    try:
        create(nodes, 0)
        sender, stuck = nodes[0], nodes[1]
        assert rc(sender).config_set("cluster-link-sendbuf-limit", 1 << 20)
        os.kill(stuck.proc.pid, signal.SIGSTOP)
        try:
            big = "x" * (1 << 20)

            def exceeded():
                rc(sender).publish("news", big)  # PUBLISH reaches every node over the bus
                return "total_cluster_links_buffer_limit_exceeded:0" not in info(sender)
            wait_until(exceeded, 30, interval=0, what="the stuck link to pass the limit")
            assert "due to exceeding send buffer memory limit" in sender.log_text()
        finally:
            os.kill(stuck.proc.pid, signal.SIGCONT)
        wait_consistent(nodes)
        assert rc(sender).ping()
    finally:
        for n in nodes:
            n.cleanup()


SCRIPT_CASES = [
    # (node, script, keys): node "a" owns every slot, "b" none.
    ("a", "return redis.call('set', KEYS[1], 'v')", ["{s}1"]),
    ("a", "return redis.call('get', '{s}2')", ["{s}1"]),
    ("a", "return redis.call('get', '{t}1')", ["{s}1"]),
    ("a", "redis.call('get', '{t}1'); return redis.call('get', '{u}1')", []),
    ("a", "return redis.call('mget', '{t}1', '{u}1')", []),
    ("a", "return redis.pcall('get', '{t}1')", ["{s}1"]),
    ("a", "#!lua flags=allow-cross-slot-keys\nreturn redis.call('get', '{t}1')", ["{s}1"]),
    ("a", "#!lua\nreturn redis.call('get', '{t}1')", ["{s}1"]),
    ("a", "#!lua\nredis.call('get', '{t}1'); return redis.call('get', '{u}1')", []),
    ("a", "#!lua\nreturn redis.call('get', KEYS[1])", ["{s}1"]),
    ("b", "return redis.call('get', 'x')", []),
    ("b", "return redis.call('ping')", []),
]


def test_script_key_checks_match_redis():
    replies = {}
    for kind in ("redis", "carmine"):
        a, b = two_node_cluster(kind)
        try:
            got = []
            for node, script, keys in SCRIPT_CASES:
                c = rc(a if node == "a" else b)
                try:
                    got.append(repr(c.eval(script, len(keys), *keys)))
                except redis.ResponseError as e:
                    got.append("ERR " + str(e))
            rc(a).function_load(
                "#!lua name=lib\n"
                "redis.register_function('f', function(k, a) return redis.call('get', '{t}1') end)\n"
                "redis.register_function{function_name='g', callback=function(k, a) "
                "return redis.call('get', '{t}1') end, flags={'allow-cross-slot-keys'}}")
            for fn in ("f", "g"):
                try:
                    got.append(repr(rc(a).fcall(fn, 1, "{s}1")))
                except redis.ResponseError as e:
                    got.append("ERR " + str(e))
            rc(a).execute_command("CLUSTER", "DELSLOTS", 200)
            wait_until(lambda: not state_ok(a), 10, interval=0.05, what="cluster down")
            for script in ("return redis.call('get', '{s}1')", "return redis.call('set', 'x', 1)"):
                try:
                    got.append(repr(rc(a).eval(script, 0)))
                except redis.ResponseError as e:
                    got.append("ERR " + str(e))
            rc(a).config_set("cluster-allow-reads-when-down", "yes")
            for script in ("return redis.call('get', '{s}1')", "return redis.call('set', 'x', 1)"):
                try:
                    got.append(repr(rc(a).eval(script, 0)))
                except redis.ResponseError as e:
                    got.append("ERR " + str(e))
            replies[kind] = got
        finally:
            a.cleanup()
            b.cleanup()
    for i, (r, c) in enumerate(zip(replies["redis"], replies["carmine"])):
        assert r == c, (i, r, c)
