# Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
"""Sentinel mode: Carmine Sentinels watching Carmine and redis-server nodes, mixed with Redis's own
Sentinel (redis-server --sentinel from the oracle), failing over on kill -9 and on SENTINEL
FAILOVER while redis-py's Sentinel client writes, the old master coming back as a replica, the
config file rewritten and read back, and the SENTINEL command's replies next to Redis's.
Every wait polls with a deadline."""
import json
import os
import shutil
import signal
import subprocess
import time

import pytest
import redis
from redis.sentinel import Sentinel

from servers import ServerProcess, carmine_binary, wait_until

pytestmark = pytest.mark.needs_process

NODE = ["--repl-diskless-sync-delay", "0", "--threads", "2"]


def sentinel_conf(master_port, quorum=2, down_after=1000, failover_timeout=10000,
                  name="mymaster"):
    return (f"sentinel monitor {name} 127.0.0.1 {master_port} {quorum}\n"
            f"sentinel down-after-milliseconds {name} {down_after}\n"
            f"sentinel failover-timeout {name} {failover_timeout}\n")


def start_sentinel(kind, master_port, **kw):
    s = ServerProcess(kind, args=["--sentinel"], config_text=sentinel_conf(master_port, **kw))
    s.start()
    return s


def sc(s):
    return redis.Redis(port=s.port, decode_responses=True)


def master_info(s, name="mymaster"):
    r = sc(s).execute_command("SENTINEL", "MASTER", name)
    return dict(zip(r[::2], r[1::2])) if isinstance(r, list) else r


def addr(s, name="mymaster"):
    r = sc(s).execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", name)
    return (r[0], int(r[1])) if r else None


def wait_discovered(sentinels, replicas, timeout=30):
    def ok():
        for s in sentinels:
            m = master_info(s)
            if int(m["num-slaves"]) != replicas or int(m["num-other-sentinels"]) != len(sentinels) - 1:
                return False
        return True
    wait_until(ok, timeout, interval=0.1, what="sentinels found each other and the replicas")


def wait_agree(sentinels, port, timeout=60):
    wait_until(lambda: all(addr(s) == ("127.0.0.1", port) for s in sentinels), timeout,
               interval=0.1, what=f"every sentinel names 127.0.0.1:{port}")


def data_nodes(make_server, kind="carmine"):
    if kind == "carmine":
        m = make_server(NODE)
        r1 = make_server(NODE + ["--replicaof", f"127.0.0.1 {m.port}"])
        r2 = make_server(NODE + ["--replicaof", f"127.0.0.1 {m.port}"])
        return m, [r1, r2], []
    m = ServerProcess("redis", args=["--repl-diskless-sync-delay", "0"]).start()
    r1 = ServerProcess("redis", args=["--repl-diskless-sync-delay", "0", "--replicaof",
                                      "127.0.0.1", str(m.port)]).start()
    r2 = ServerProcess("redis", args=["--repl-diskless-sync-delay", "0", "--replicaof",
                                      "127.0.0.1", str(m.port)]).start()
    return m, [r1, r2], [m, r1, r2]


def test_failover_on_kill_with_a_sentinel_client_writing(make_server):
    m, replicas, _ = data_nodes(make_server)
    sentinels = [start_sentinel("carmine", m.port) for _ in range(3)]
    try:
        wait_discovered(sentinels, 2)
        client = Sentinel([("127.0.0.1", s.port) for s in sentinels], socket_timeout=0.5)
        master = client.master_for("mymaster", socket_timeout=0.5, decode_responses=True)
        acked = []
        for i in range(200):
            master.set(f"k{i}", i)
            if master.execute_command("WAIT", 1, 1000) >= 1:
                acked.append(i)
        assert len(acked) == 200
        m.proc.kill()  # kill -9
        killed = time.monotonic()
        new = None
        while time.monotonic() - killed < 60:
            try:
                master.set("after", 1)
                new = client.discover_master("mymaster")
                break
            except (redis.ConnectionError, redis.TimeoutError, redis.ReadOnlyError):
                time.sleep(0.05)
        elapsed = time.monotonic() - killed
        assert new is not None and new[1] != m.port, "writes never resumed"
        assert elapsed < 30
        wait_agree(sentinels, new[1])
        nc = redis.Redis(port=new[1], decode_responses=True)
        for i in acked:  # nothing acknowledged by a replica is lost
            assert nc.get(f"k{i}") == str(i)
        # The other replica follows the new master.
        other = [r for r in replicas if r.port != new[1]][0]
        wait_until(lambda: sc(other).info("replication")["master_port"] == new[1], 30,
                   what="the other replica re-pointed")
        # The old master comes back and is turned into a replica of the new one.
        m.start()
        wait_until(lambda: sc(m).info("replication").get("master_port") == new[1], 60,
                   what="the old master rejoined as a replica")
        wait_until(lambda: sc(m).get("after") == "1", 30, what="old master caught up")
        leader_logs = [s.log_text() for s in sentinels]
        for t in leader_logs:  # every Sentinel switched (some learn it before their own ODOWN)
            assert "+switch-master mymaster 127.0.0.1 %d 127.0.0.1 %d" % (m.port, new[1]) in t
        for line in ["+sdown master mymaster 127.0.0.1 %d" % m.port,
                     "+odown master mymaster 127.0.0.1 %d #quorum" % m.port]:
            assert any(line in t for t in leader_logs)
        assert any("+elected-leader master mymaster" in t and "+promoted-slave" in t and
                   "+failover-end master mymaster" in t for t in leader_logs)
        assert any("+convert-to-slave slave 127.0.0.1:%d" % m.port in t for t in leader_logs)
    finally:
        for s in sentinels:
            s.cleanup()


def test_manual_failover_and_events_on_the_sentinel_channel(make_server, tmp_path):
    m, replicas, _ = data_nodes(make_server)
    # Scripts: the notification script records each warning event, the reconfig script the
    # switch (<master> <role> start <from-ip> <from-port> <to-ip> <to-port>).
    events_file, reconf_file = tmp_path / "events", tmp_path / "reconf"
    notify, reconf = tmp_path / "notify.sh", tmp_path / "reconf.sh"
    notify.write_text(f"#!/bin/sh\necho \"$@\" >> {events_file}\n")
    reconf.write_text(f"#!/bin/sh\necho \"$@\" >> {reconf_file}\n")
    os.chmod(notify, 0o755)
    os.chmod(reconf, 0o755)
    scripts = (f"sentinel notification-script mymaster {notify}\n"
               f"sentinel client-reconfig-script mymaster {reconf}\n")
    sentinels = []
    for _ in range(2):
        s = ServerProcess("carmine", args=["--sentinel"],
                          config_text=sentinel_conf(m.port) + scripts)
        s.start()
        sentinels.append(s)
    try:
        wait_discovered(sentinels, 2)
        p = sc(sentinels[1]).pubsub()
        p.psubscribe("*")
        assert sc(sentinels[0]).execute_command("SENTINEL", "FAILOVER", "mymaster") == "OK"
        with pytest.raises(redis.ResponseError, match="INPROG Failover already in progress"):
            sc(sentinels[0]).execute_command("SENTINEL", "FAILOVER", "mymaster")
        wait_until(lambda: addr(sentinels[0])[1] != m.port, 30, what="switched")
        new = addr(sentinels[0])[1]
        wait_agree(sentinels, new)
        events = []
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and "+switch-master" not in [e[0] for e in events]:
            msg = p.get_message(timeout=0.5)
            if msg and msg["type"] == "pmessage":
                events.append((msg["channel"], msg["data"]))
        assert ("+switch-master", f"mymaster 127.0.0.1 {m.port} 127.0.0.1 {new}") in events
        # The old master is a replica now; the epoch moved.
        wait_until(lambda: sc(m).info("replication")["role"] == "slave", 30, what="demoted")
        assert int(master_info(sentinels[1])["config-epoch"]) >= 1
        wait_until(lambda: reconf_file.exists() and
                   f"mymaster leader start 127.0.0.1 {m.port} 127.0.0.1 {new}" in
                   reconf_file.read_text(), 20, what="client-reconfig-script ran")
        wait_until(lambda: events_file.exists() and
                   "+switch-master mymaster 127.0.0.1" in events_file.read_text(), 20,
                   what="notification-script ran")
        # Script paths cannot be changed at runtime (deny-scripts-reconfig yes).
        with pytest.raises(redis.ResponseError, match="denied for security reasons"):
            sc(sentinels[0]).execute_command("SENTINEL", "SET", "mymaster",
                                             "notification-script", str(notify))
    finally:
        for s in sentinels:
            s.cleanup()


@pytest.mark.parametrize("setup", ["carmine-sentinels-redis-nodes", "redis-sentinels-carmine-nodes",
                                   "mixed-sentinels"])
def test_mixed_with_redis(make_server, setup):
    if setup == "carmine-sentinels-redis-nodes":
        m, replicas, owned = data_nodes(make_server, "redis")
        sentinels = [start_sentinel("carmine", m.port) for _ in range(3)]
    elif setup == "redis-sentinels-carmine-nodes":
        m, replicas, owned = data_nodes(make_server)
        sentinels = [start_sentinel("redis", m.port) for _ in range(3)]
    else:
        m, replicas, owned = data_nodes(make_server)
        sentinels = [start_sentinel("carmine", m.port), start_sentinel("carmine", m.port),
                     start_sentinel("redis", m.port)]
    try:
        wait_discovered(sentinels, 2)
        sc(m).set("x", 1)
        # Replication is asynchronous: the key is only promised to survive the master's
        # kill -9 once the replicas acknowledged it, and a Sentinel picks among replicas by the
        # offsets their last INFO showed: every Sentinel must have seen both in sync.
        wait_until(lambda: sc(m).execute_command("WAIT", len(replicas), 1000) == len(replicas),
                   30, what="replicas acknowledged the write")

        def replicas_seen_in_sync():
            for s in sentinels:
                rs = sc(s).execute_command("SENTINEL", "REPLICAS", "mymaster")
                rs = [dict(zip(r[::2], r[1::2])) if isinstance(r, list) else r for r in rs]
                if len(rs) != len(replicas) or any(
                        r.get("master-link-status") != "ok" or
                        int(r.get("slave-repl-offset", 0)) <= 0 for r in rs):
                    return False
            return True
        wait_until(replicas_seen_in_sync, 30, interval=0.2,
                   what="every Sentinel saw the replicas in sync")
        m.proc.kill()
        wait_until(lambda: addr(sentinels[0])[1] != m.port, 40, interval=0.1,
                   what="failover after kill -9")
        new = addr(sentinels[0])[1]
        wait_agree(sentinels, new)
        assert redis.Redis(port=new, decode_responses=True).get("x") == "1"
        if setup == "mixed-sentinels":
            # A second failover, asked of the Redis Sentinel: the Carmine ones follow.
            wait_discovered(sentinels, 2, timeout=40)
            others = [r for r in replicas if r.port != new]
            wait_until(lambda: sc(others[0]).info("replication").get("master_link_status") == "up",
                       30, what="replica in sync")
            # (A Sentinel that tried and lost the election keeps its attempt until the
            # election timeout.)
            wait_until(lambda: "failover_in_progress" not in master_info(sentinels[2])["flags"],
                       30, what="no failover in progress")

            def good_replica():
                for r in sc(sentinels[2]).execute_command("SENTINEL", "REPLICAS", "mymaster"):
                    d = dict(zip(r[::2], r[1::2])) if isinstance(r, list) else r
                    if (int(d["port"]) == others[0].port and d["flags"] == "slave" and
                            d["master-link-status"] == "ok"):
                        return True
                return False
            wait_until(good_replica, 30, what="the Redis Sentinel sees a good replica")
            assert sc(sentinels[2]).execute_command("SENTINEL", "FAILOVER", "mymaster") == "OK"
            wait_until(lambda: addr(sentinels[0])[1] not in (new, m.port), 40, interval=0.1,
                       what="second failover seen by a Carmine sentinel")
            wait_agree(sentinels, addr(sentinels[2])[1])
    finally:
        for s in sentinels:
            s.cleanup()
        for n in owned:
            n.cleanup()


def test_sentinel_command_replies_match_redis(make_server):
    m = make_server(NODE)
    ours = start_sentinel("carmine", m.port, down_after=30000, failover_timeout=180000)
    theirs = start_sentinel("redis", m.port, down_after=30000, failover_timeout=180000)
    try:
        wait_discovered([ours, theirs], 0)
        cases = [
            ["SENTINEL", "MASTER", "nope"], ["SENTINEL", "REPLICAS", "nope"],
            ["SENTINEL", "SENTINELS", "nope"], ["SENTINEL", "GET-MASTER-ADDR-BY-NAME", "nope"],
            ["SENTINEL", "FAILOVER", "nope"], ["SENTINEL", "FAILOVER", "mymaster"],
            ["SENTINEL", "CKQUORUM", "mymaster"], ["SENTINEL", "CKQUORUM", "nope"],
            ["SENTINEL", "MONITOR", "mymaster", "127.0.0.1", "1", "2"],
            ["SENTINEL", "MONITOR", "x", "127.0.0.1", "10", "0"],
            ["SENTINEL", "MONITOR", "x", "127.0.0.1", "70000", "1"],
            ["SENTINEL", "MONITOR", "x", "127.0.0.1", "abc", "1"],
            ["SENTINEL", "MONITOR", "x", "notanip", "10", "1"],
            ["SENTINEL", "SET", "mymaster", "foo", "1"],
            ["SENTINEL", "SET", "mymaster", "quorum", "x"],
            ["SENTINEL", "SET", "mymaster", "down-after-milliseconds", "-1"],
            ["SENTINEL", "SET", "nope", "quorum", "1"], ["SENTINEL", "REMOVE", "nope"],
            ["SENTINEL", "RESET", "nope"], ["SENTINEL", "FOO"], ["SENTINEL", "MASTER"],
            ["SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", str(m.port), "0", "*"],
            ["SENTINEL", "PENDING-SCRIPTS"], ["SENTINEL", "INFO-CACHE", "nope"],
            ["SENTINEL", "CONFIG", "GET", "resolve-hostnames"],
            ["SENTINEL", "CONFIG", "SET", "resolve-hostnames", "maybe"],
            ["PUBLISH", "foo", "bar"], ["GET", "x"], ["SET", "x", "1"], ["ROLE"], ["PING"],
        ]
        for cmd in cases:
            got, want = [], []
            for s, out in ((ours, got), (theirs, want)):
                try:
                    out.append(sc(s).execute_command(*cmd))
                except redis.ResponseError as e:
                    out.append("ERR:" + str(e))
            assert got == want, cmd
        a, b = master_info(ours), master_info(theirs)
        assert list(a.keys()) == list(b.keys())
        for k in ("name", "ip", "port", "runid", "flags", "quorum", "down-after-milliseconds",
                  "failover-timeout", "parallel-syncs", "num-slaves", "role-reported"):
            assert a[k] == b[k], k
        info = sc(ours).info()
        assert info["redis_mode"] == "sentinel" and "master0" in info
        assert set(sc(ours).info().keys()) >= {"sentinel_masters", "sentinel_tilt"}
        # MONITOR, SET and REMOVE change the state and the config file.
        assert sc(ours).execute_command("SENTINEL", "MONITOR", "other", "127.0.0.1", "1", "1")
        assert sc(ours).execute_command("SENTINEL", "SET", "other", "quorum", "3",
                                        "down-after-milliseconds", "5000")
        conf = open(ours.config_path).read()
        assert "sentinel monitor other 127.0.0.1 1 3" in conf
        assert "sentinel down-after-milliseconds other 5000" in conf
        assert sc(ours).execute_command("SENTINEL", "REMOVE", "other")
        assert "other" not in open(ours.config_path).read()
    finally:
        ours.cleanup()
        theirs.cleanup()


def test_restart_keeps_identity_and_what_was_learned(make_server):
    m, replicas, _ = data_nodes(make_server)
    sentinels = [start_sentinel("carmine", m.port) for _ in range(2)]
    try:
        wait_discovered(sentinels, 2)
        myid = sc(sentinels[0]).execute_command("SENTINEL", "MYID")
        conf = open(sentinels[0].config_path).read()
        assert f"sentinel myid {myid}" in conf
        assert conf.count("sentinel known-replica mymaster") == 2
        assert conf.count("sentinel known-sentinel mymaster") == 1
        sentinels[0].stop()
        sentinels[0].start()
        assert sc(sentinels[0]).execute_command("SENTINEL", "MYID") == myid
        m2 = master_info(sentinels[0])
        assert int(m2["num-slaves"]) == 2 and int(m2["num-other-sentinels"]) == 1
    finally:
        for s in sentinels:
            s.cleanup()


def test_started_under_a_sentinel_name_and_config_errors(make_server, tmp_path):
    m = make_server(NODE)
    link = tmp_path / "redis-sentinel"
    os.symlink(carmine_binary(), link)
    conf = tmp_path / "s.conf"
    conf.write_text(sentinel_conf(m.port))
    s = ServerProcess("carmine", config_text=sentinel_conf(m.port))
    s.cmd[0] = str(link)
    s.start()
    try:
        assert sc(s).info("server")["redis_mode"] == "sentinel"
        assert sc(s).execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster") == [
            "127.0.0.1", str(m.port)]
    finally:
        s.cleanup()
    bad = ServerProcess("carmine", args=["--sentinel"],
                        config_text="sentinel monitor x 127.0.0.1 abc 2\n")
    bad.start(wait=False)
    assert bad.proc.wait(10) == 1
    assert "Invalid port number" in bad.log_text()
    bad.cleanup()
    nofile = ServerProcess("carmine", args=["--sentinel"])
    nofile.start(wait=False)
    assert nofile.proc.wait(10) == 1
    assert "Sentinel needs config file on disk to save state. Exiting..." in nofile.log_text()
    nofile.cleanup()


def test_ioredis_follows_the_failover(make_server):
    node = shutil.which("node")
    node_dir = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "node")
    assert node and os.path.isdir(os.path.join(node_dir, "node_modules", "ioredis")), \
        "node/ioredis missing: run scripts/deps.sh"
    m, replicas, _ = data_nodes(make_server)
    sentinels = [start_sentinel("carmine", m.port) for _ in range(3)]
    try:
        wait_discovered(sentinels, 2)
        proc = subprocess.Popen([node, os.path.join(node_dir, "sentinel_failover.mjs")] +
                                [str(s.port) for s in sentinels],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert proc.stdout.readline().strip() == "ready"
        m.proc.kill()
        out, err = proc.communicate(timeout=90)
        assert proc.returncode == 0, out + err
        report = json.loads(out.strip().splitlines()[-1])
        assert report["role"] == "master" and report["port"] != m.port
        assert 0 <= report["outage_ms"] < 30000
    finally:
        for s in sentinels:
            s.cleanup()


@pytest.mark.parametrize("fault", ["hung-master", "stopped-sentinel"])
def test_failover_with_a_hung_master_or_a_stopped_sentinel(make_server, fault):
    m, replicas, _ = data_nodes(make_server)
    sentinels = [start_sentinel("carmine", m.port) for _ in range(3)]
    try:
        wait_discovered(sentinels, 2)
        sc(m).set("x", 1)
        if fault == "hung-master":
            m.proc.send_signal(signal.SIGSTOP)  # alive but silent
            live = sentinels
        else:
            sentinels[2].proc.send_signal(signal.SIGSTOP)  # a partitioned Sentinel
            live = sentinels[:2]
            m.proc.kill()
        wait_until(lambda: addr(live[0])[1] != m.port, 40, interval=0.1, what="failover")
        new = addr(live[0])[1]
        wait_agree(live, new)
        if fault == "hung-master":
            m.proc.send_signal(signal.SIGCONT)
            wait_until(lambda: sc(m).info("replication").get("master_port") == new, 60,
                       what="the hung master came back as a replica")
        else:
            sentinels[2].proc.send_signal(signal.SIGCONT)
            wait_agree(sentinels, new)  # the stopped one learns the new configuration
    finally:
        for s in sentinels:
            if s.proc.poll() is None:
                s.proc.send_signal(signal.SIGCONT)
            s.cleanup()
        if m.proc.poll() is None:
            m.proc.send_signal(signal.SIGCONT)


def test_sentinel_crashing_mid_failover_restarts_from_its_config(make_server):
    """The elected Sentinel dies right after promoting the replica (SIMULATE-FAILURE); restarted
    from the config file it rewrote, it and the others converge on the promoted master."""
    m, replicas, _ = data_nodes(make_server)
    sentinels = [start_sentinel("carmine", m.port, failover_timeout=3000) for _ in range(3)]
    try:
        wait_discovered(sentinels, 2)
        for s in sentinels:
            assert sc(s).execute_command("SENTINEL", "SIMULATE-FAILURE",
                                         "crash-after-promotion") == "OK"
        m.proc.kill()
        wait_until(lambda: any(s.proc.poll() is not None for s in sentinels), 40,
                   interval=0.05, what="the leader crashed after the promotion")
        dead = [s for s in sentinels if s.proc.poll() is not None][0]
        assert dead.proc.returncode == 99
        assert "Sentinel CRASH because of SENTINEL simulate-failure" in dead.log_text()
        conf = open(dead.config_path).read()
        promoted = [r for r in replicas if f"sentinel monitor mymaster 127.0.0.1 {r.port} 2" in conf]
        assert promoted, conf  # the rewrite names the promoted replica as the master
        dead.start()
        for s in sentinels:  # no more crashes from here on
            sc(s).execute_command("SENTINEL", "SIMULATE-FAILURE", "HELP")  # clears them
        wait_agree(sentinels, promoted[0].port, timeout=60)
        assert sc(promoted[0]).info("replication")["role"] == "master"
    finally:
        for s in sentinels:
            s.cleanup()


def test_password_protected_nodes_and_sentinels(make_server):
    """requirepass everywhere: nodes (auth-pass, masterauth) and the Sentinels' own port
    (requirepass, sentinel-pass between Sentinels)."""
    auth = ["--requirepass", "pw", "--masterauth", "pw"]
    m = make_server(NODE + auth)
    replicas = [make_server(NODE + auth + ["--replicaof", f"127.0.0.1 {m.port}"]) for _ in range(2)]
    conf = sentinel_conf(m.port) + "sentinel auth-pass mymaster pw\nrequirepass spw\n" \
                                   "sentinel sentinel-pass spw\n"
    sentinels = [ServerProcess("carmine", args=["--sentinel"], config_text=conf).start()
                 for _ in range(2)]
    try:
        with pytest.raises(redis.AuthenticationError):
            sc(sentinels[0]).ping()

        def authed(s):
            return redis.Redis(port=s.port, password="spw", decode_responses=True)

        def ok():
            for s in sentinels:
                r = authed(s).execute_command("SENTINEL", "MASTER", "mymaster")
                d = dict(zip(r[::2], r[1::2]))
                if d["num-slaves"] != "2" or d["num-other-sentinels"] != "1":
                    return False
            return True
        wait_until(ok, 30, interval=0.1, what="discovery with passwords")
        assert authed(sentinels[0]).execute_command("SENTINEL", "FAILOVER", "mymaster") == "OK"
        wait_until(lambda: all(int(authed(s).execute_command(
            "SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster")[1]) != m.port for s in sentinels),
            30, interval=0.1, what="failover with passwords")
        # The Sentinels' own password never reaches a config line other than its directive.
        assert "sentinel auth-pass mymaster pw" in open(sentinels[0].config_path).read()
    finally:
        for s in sentinels:
            s.cleanup()


def test_sentinel_metrics_as_redis_exporter_names_them(make_server):
    from test_observability import scrape, value
    m, replicas, _ = data_nodes(make_server)
    # Quorum 3 with 2 Sentinels: the killed master stays subjectively down, so no failover can
    # switch the address (and the status back to ok) between two scrapes.
    sentinels = [start_sentinel("carmine", m.port, quorum=3) for _ in range(2)]
    try:
        wait_discovered(sentinels, 2)
        f = scrape(sentinels[0].port)["families"]
        assert value(f["redis_sentinel_masters"]) == 1
        assert value(f["redis_sentinel_tilt"]) == 0
        labels = {"master_name": "mymaster", "master_address": f"127.0.0.1:{m.port}"}
        assert value(f["redis_sentinel_master_status"], master_status="ok", **labels) == 1
        assert value(f["redis_sentinel_master_slaves"], **labels) == 2
        assert value(f["redis_sentinel_master_sentinels"], **labels) == 2
        assert value(f["redis_instance_info"], redis_mode="sentinel") == 1
        m.proc.kill()
        wait_until(lambda: any(
            mm["labels"]["master_status"] != "ok"
            for mm in scrape(sentinels[0].port)["families"]["redis_sentinel_master_status"]["metrics"]),
            20, interval=0.2, what="status reported down")
    finally:
        for s in sentinels:
            s.cleanup()



@pytest.mark.parametrize("kind", ["carmine", "redis"])
def test_hostnames_as_in_kubernetes(make_server, kind):
    """deploy/k8s's setup: nodes announce host names (replica-announce-ip), Sentinels resolve
    and announce host names; clients are handed names, before and after a failover."""
    m = make_server(NODE)
    reps = [make_server(NODE + ["--replicaof", "localhost", str(m.port),
                               "--replica-announce-ip", "localhost"]) for _ in range(2)]
    sentinels = []
    try:
        for _ in range(3):
            s = ServerProcess(kind, args=["--sentinel"], config_text=(
                "sentinel resolve-hostnames yes\nsentinel announce-hostnames yes\n"
                "sentinel announce-ip localhost\n" + sentinel_conf(m.port).replace(
                    "127.0.0.1", "localhost")))
            sentinels.append(s.start())
        wait_discovered(sentinels, 2)
        assert addr(sentinels[0]) == ("localhost", m.port)
        replicas = sc(sentinels[0]).execute_command("SENTINEL", "REPLICAS", "mymaster")
        assert {dict(zip(r[::2], r[1::2]))["ip"] for r in replicas} == {"localhost"}
        m.stop(signal.SIGKILL)
        wait_until(lambda: all(addr(s) in {("localhost", r.port) for r in reps}
                               for s in sentinels), 60, what="a failover by host name")
        new = next(r for r in reps if r.port == addr(sentinels[0])[1])
        assert redis.Redis(port=new.port).info("replication")["role"] == "master"
    finally:
        for s in sentinels:
            s.cleanup()
