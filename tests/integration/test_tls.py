# Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
"""TLS on tls-port with certificates made here (openssl): redis-py and redis-cli clients,
client-certificate authentication (yes / optional / no), plain text and garbage on the TLS port
(refused, the server keeps serving), big pipelined traffic, certificate reload by CONFIG SET, and
replication over TLS (tls-replication) between Carmine servers and with redis-server."""
import os
import socket
import ssl
import subprocess

import pytest
import redis

from servers import ServerProcess, free_port, redis_binary, wait_until

CLI = "/usr/bin/redis-cli"


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    d = tmp_path_factory.mktemp("tls")
    openssl("genrsa", "-out", "ca.key", "2048", cwd=d)
    openssl("req", "-x509", "-new", "-nodes", "-key", "ca.key", "-sha256", "-days", "30",
            "-subj", "/CN=Carmine Test CA", "-out", "ca.crt", cwd=d)
    for name in ("server", "client", "server2"):
        openssl("genrsa", "-out", f"{name}.key", "2048", cwd=d)
        openssl("req", "-new", "-key", f"{name}.key", "-subj", f"/CN={name}", "-out",
                f"{name}.csr", cwd=d)
        openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
                "-CAcreateserial", "-days", "30", "-sha256", "-out", f"{name}.crt", cwd=d)
    return d


def tls_args(certs, port, extra=()):
    return ["--tls-port", str(port), "--tls-cert-file", str(certs / "server.crt"),
            "--tls-key-file", str(certs / "server.key"),
            "--tls-ca-cert-file", str(certs / "ca.crt"), *extra]


def tls_client(certs, port, with_cert=True):
    kw = dict(host="127.0.0.1", port=port, ssl=True, ssl_ca_certs=str(certs / "ca.crt"),
              ssl_cert_reqs="required", ssl_check_hostname=False, decode_responses=True,
              socket_timeout=5)
    if with_cert:
        kw.update(ssl_certfile=str(certs / "client.crt"), ssl_keyfile=str(certs / "client.key"))
    return redis.Redis(**kw)


def start(make_server, args):
    s = make_server(args=args, start=False)
    s.start(wait=False)
    return s


def test_clients_over_tls(certs, make_server):
    tport = free_port()
    s = make_server(args=tls_args(certs, tport))
    c = tls_client(certs, tport)
    assert c.ping()
    assert c.set("k", "v") and c.get("k") == "v"
    # Pipelined traffic larger than one TLS record, both ways.
    big = "x" * 100000
    p = c.pipeline(transaction=False)
    for i in range(200):
        p.set(f"key:{i}", big if i % 50 == 0 else str(i))
        p.get(f"key:{i}")
    out = p.execute()
    assert out[1] == big and out[3] == "1" and len(out) == 400
    # The plain port and the TLS port serve the same data.
    plain = redis.Redis(port=s.port, decode_responses=True)
    assert plain.get("k") == "v"
    cli = subprocess.run([CLI, "-p", str(tport), "--tls", "--cacert", str(certs / "ca.crt"),
                          "--cert", str(certs / "client.crt"), "--key", str(certs / "client.key"),
                          "get", "k"], capture_output=True, text=True, timeout=10)
    assert cli.stdout.strip() == "v"
    with open(s.log) as f:
        assert "Ready to accept connections tls" in f.read()


def test_bad_clients_do_not_hurt_the_server(certs, make_server):
    tport = free_port()
    make_server(args=tls_args(certs, tport))
    # Plain text on the TLS port: the handshake fails and the connection is closed.
    # Garbage that looks like the start of a handshake gets the same.
    for junk in (b"PING\r\n", b"\x16\x03\x01\x02\x00" + os.urandom(600)):
        with socket.create_connection(("127.0.0.1", tport), timeout=5) as sk:
            sk.sendall(junk)
            try:
                data = sk.recv(100)
                assert b"PONG" not in data
                while data:
                    data = sk.recv(100)
            except ConnectionResetError:
                pass
    # A client that connects and says nothing, then leaves.
    socket.create_connection(("127.0.0.1", tport), timeout=5).close()
    # No client certificate while tls-auth-clients is yes (the default).
    with pytest.raises((redis.exceptions.ConnectionError, ssl.SSLError, OSError)):
        tls_client(certs, tport, with_cert=False).ping()
    assert tls_client(certs, tport).ping()


def test_client_certificate_modes(certs, make_server):
    for mode in ("no", "optional"):
        tport = free_port()
        make_server(args=tls_args(certs, tport, ["--tls-auth-clients", mode]))
        assert tls_client(certs, tport, with_cert=False).ping()
        assert tls_client(certs, tport).ping()


def test_tls_only_and_certificate_reload(certs, make_server):
    tport = free_port()
    s = make_server(args=tls_args(certs, tport) + ["--port", "0"], start=False)
    # --port 0 after the harness's --port: TLS only. Wait on the TLS port.
    s.start(wait=False)
    wait_until(lambda: _tls_ping(certs, tport), 15, what="tls port")
    c = tls_client(certs, tport)
    with pytest.raises(redis.exceptions.ResponseError, match="Unable to update TLS"):
        c.config_set("tls-cert-file", str(certs / "nosuch.crt"))
    # A certificate that does not match the key is refused; the old files stay in force.
    with pytest.raises(redis.exceptions.ResponseError, match="Unable to update TLS"):
        c.config_set("tls-cert-file", str(certs / "server2.crt"))
    assert c.config_get("tls-cert-file")["tls-cert-file"] == str(certs / "server.crt")
    assert c.execute_command("CONFIG", "SET", "tls-cert-file", str(certs / "server2.crt"),
                             "tls-key-file", str(certs / "server2.key")) == "OK"
    # New connections get the new certificate; the open one keeps working.
    ctx = ssl.create_default_context(cafile=str(certs / "ca.crt"))
    ctx.check_hostname = False
    ctx.load_cert_chain(str(certs / "client.crt"), str(certs / "client.key"))
    with socket.create_connection(("127.0.0.1", tport), timeout=5) as raw:
        with ctx.wrap_socket(raw) as tls:
            subject = dict(x[0] for x in tls.getpeercert()["subject"])
            assert subject["commonName"] == "server2"
    assert c.ping()


def _tls_ping(certs, port):
    try:
        return tls_client(certs, port).ping()
    except Exception:  # noqa: BLE001
        return False


def _link_up(port, **kw):
    try:
        return redis.Redis(port=port, decode_responses=True, **kw).info(
            "replication").get("master_link_status") == "up"
    except Exception:  # noqa: BLE001
        return False


def test_replication_over_tls(certs, make_server):
    mport = free_port()
    master = make_server(args=tls_args(certs, mport))
    rport = free_port()
    replica = make_server(args=tls_args(certs, rport, ["--tls-replication", "yes",
                                                       "--replicaof", "127.0.0.1", str(mport)]))
    m = tls_client(certs, mport)
    m.set("before", "1")
    wait_until(lambda: _link_up(replica.port), 15, what="replica link up over TLS")
    m.set("after", "2")
    r = redis.Redis(port=replica.port, decode_responses=True)
    wait_until(lambda: r.get("after") == "2", 10, what="write replicated")
    assert r.get("before") == "1"


@pytest.mark.skipif(not os.path.exists(redis_binary()), reason="no redis-server")
def test_redis_server_replica_of_carmine_over_tls(certs, make_server):
    mport = free_port()
    master = make_server(args=tls_args(certs, mport))
    rport = free_port()
    oracle = ServerProcess("redis", args=tls_args(certs, rport, [
        "--tls-replication", "yes", "--replicaof", "127.0.0.1", str(mport)]))
    oracle.start()
    try:
        tls_client(certs, mport).set("k", "from-carmine")
        wait_until(lambda: _link_up(oracle.port), 15, what="redis-server link up over TLS")
        o = redis.Redis(port=oracle.port, decode_responses=True)
        wait_until(lambda: o.get("k") == "from-carmine", 10, what="replicated")
    finally:
        oracle.cleanup()


def test_node_clients_over_tls_as_acl_user(certs, make_server):
    import json
    import shutil
    node = shutil.which("node")
    assert node, "node is not installed (scripts/deps.sh installs it)"
    tport = free_port()
    s = make_server(args=tls_args(certs, tport))
    redis.Redis(port=s.port).execute_command("ACL", "SETUSER", "app", "on", ">s3cret", "~app:*",
                                             "+@all")
    node_dir = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "node")
    out = subprocess.run([node, os.path.join(node_dir, "tls_acl_clients.mjs"), str(tport),
                          str(certs)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report == {"ioredisWhoami": "app", "ioredisGet": "v",
                      "ioredisDenied": "NOPERM No permissions to access a key",
                      "nodeRedisWhoami": "app", "nodeRedisGet": "v"}


def test_metrics_over_tls(certs, make_server):
    tport = free_port()
    make_server(args=tls_args(certs, tport, ["--tls-auth-clients", "no"]))
    out = subprocess.run(["curl", "-s", "--cacert", str(certs / "ca.crt"), "-k",
                          f"https://127.0.0.1:{tport}/metrics"], capture_output=True, text=True,
                         timeout=20)
    assert "redis_up 1" in out.stdout or "redis_connected_clients" in out.stdout


def test_cluster_bus_over_tls_mixed_with_redis(certs):
    """tls-cluster yes: Carmine and redis-server nodes speak TLS on the bus, are created by
    redis-cli --tls --cluster create, give plain and TLS clients each their own kind of port
    (MOVED, CLUSTER NODES, CLUSTER SLOTS), replicate over TLS, and fail over after a kill -9."""
    from test_cluster import cli, cluster_node, key_in_slot, myid, rc, wait_consistent

    def node(kind):
        tport = free_port()
        n = cluster_node(kind, tls_args(certs, tport, ["--tls-cluster", "yes",
                                                       "--tls-replication", "yes"]))
        n.tls_port = tport
        return n

    tls_cli = ["--tls", "--cacert", str(certs / "ca.crt"), "--cert", str(certs / "client.crt"),
               "--key", str(certs / "client.key")]
    nodes = [node("carmine"), node("carmine"), node("redis"), node("carmine")]
    masters, replica = nodes[:3], nodes[3]
    try:
        r = cli(*tls_cli, "--cluster", "create", *[f"127.0.0.1:{n.tls_port}" for n in masters],
                "--cluster-yes")
        assert r.returncode == 0, r.stdout + r.stderr
        wait_consistent(masters)
        r = cli(*tls_cli, "--cluster", "add-node", f"127.0.0.1:{replica.tls_port}",
                f"127.0.0.1:{masters[2].tls_port}", "--cluster-slave", "--cluster-master-id",
                myid(masters[2]))
        assert r.returncode == 0, r.stdout + r.stderr
        wait_until(lambda: rc(replica).info("replication").get("master_link_status") == "up", 30,
                   interval=0.1, what="the Carmine replica of redis-server synced over TLS")
        assert rc(replica).info("replication")["master_port"] == masters[2].tls_port
        wait_consistent(nodes)

        # Each client is given the ports of its own kind, by Carmine as by redis-server.
        def addresses(n, tls):
            c = tls_client(certs, n.tls_port) if tls else rc(n)
            return sorted(line.split()[1] for line in
                          c.execute_command("CLUSTER", "NODES").splitlines())
        for tls in (False, True):
            want = sorted(f"127.0.0.1:{n.tls_port if tls else n.port}@"
                          f"{n.cmd[n.cmd.index('--cluster-port') + 1]}" for n in nodes)
            for n in nodes:
                assert addresses(n, tls) == want
        key = key_in_slot(16000)  # served by the redis-server master
        for n in masters[:2]:
            for tls, port in ((False, masters[2].port), (True, masters[2].tls_port)):
                c = tls_client(certs, n.tls_port) if tls else rc(n)
                with pytest.raises(redis.ResponseError) as e:
                    c.get(key)
                assert str(e.value).endswith(f"16000 127.0.0.1:{port}"), str(e.value)
                slots = c.execute_command("CLUSTER", "SLOTS")
                assert {s[2][1] for s in slots} == {m.tls_port if tls else m.port for m in masters}
        conf = open(os.path.join(masters[0].dir, "nodes.conf")).read()
        assert f"127.0.0.1:{masters[2].port}@" in conf and f"tls-port={masters[2].tls_port}," in conf

        # The bus port itself speaks TLS.
        ctx = ssl.create_default_context(cafile=str(certs / "ca.crt"))
        ctx.check_hostname = False
        ctx.load_cert_chain(str(certs / "client.crt"), str(certs / "client.key"))
        bus = int(masters[0].cmd[masters[0].cmd.index("--cluster-port") + 1])
        with ctx.wrap_socket(socket.create_connection(("127.0.0.1", bus), timeout=5)) as s:
            assert s.version() is not None

        # A cluster client over TLS; then redis-server's master dies and its Carmine replica is
        # elected over the TLS bus.
        def cluster_client():
            return redis.RedisCluster(
                host="127.0.0.1", port=masters[0].tls_port, ssl=True,
                ssl_ca_certs=str(certs / "ca.crt"), ssl_cert_reqs="required",
                ssl_check_hostname=False, ssl_certfile=str(certs / "client.crt"),
                ssl_keyfile=str(certs / "client.key"), decode_responses=True)
        rcl = cluster_client()
        for i in range(100):
            rcl.set(f"k{i}", i)
        assert all(rcl.get(f"k{i}") == str(i) for i in range(100))
        rcl.close()
        # Every write reached the replica before its master dies.
        wait_until(lambda: rc(replica).dbsize() == rc(masters[2]).dbsize() > 0, 20, interval=0.05,
                   what="the replica caught up")
        masters[2].proc.kill()
        wait_until(lambda: rc(replica).execute_command("ROLE")[0] == "master", 30, interval=0.1,
                   what="the Carmine replica to take over")
        wait_until(lambda: all("cluster_state:ok" in rc(n).execute_command("CLUSTER", "INFO")
                               for n in (masters[0], masters[1], replica)), 30, interval=0.1,
                   what="the cluster to be ok again")
        rcl = cluster_client()
        assert [rcl.get(f"k{i}") for i in range(100)] == [str(i) for i in range(100)]
        rcl.close()
    finally:
        for n in nodes:
            n.cleanup()


def test_tls_port_opened_moved_and_closed_at_run_time(certs):
    """CONFIG SET tls-port opens the TLS listener at run time (building the context from the
    certificates configured), moves it, refuses a busy port and closes it, as redis-server does;
    INFO lists the listeners under Redis's numbers."""
    seen = {}
    for kind in ("redis", "carmine"):
        s = ServerProcess(kind, args=tls_args(certs, 0)).start()
        try:
            r = redis.Redis(port=s.port, decode_responses=True)
            p1, p2 = free_port(), free_port()
            blocker = socket.socket()
            blocker.bind(("127.0.0.1", 0))
            blocker.listen()
            out = [r.config_set("tls-port", p1), tls_client(certs, p1).ping()]
            out.append(r.config_set("tls-port", p2))
            out.append(tls_client(certs, p2).ping())
            with pytest.raises(redis.ConnectionError):
                tls_client(certs, p1).ping()
            with pytest.raises(redis.ResponseError) as e:
                r.config_set("tls-port", blocker.getsockname()[1])
            out.append(str(e.value))
            out.append(r.config_get("tls-port")["tls-port"] == str(p2))
            out.append(tls_client(certs, p2).ping())
            listeners = {k: v for k, v in r.info("server").items() if k.startswith("listener")}
            out.append({k: str(v).replace(str(s.port), "P").replace(str(p2), "T")
                        for k, v in listeners.items()})
            out.append(r.config_set("tls-port", 0))
            with pytest.raises(redis.ConnectionError):
                tls_client(certs, p2).ping()
            out.append({k: v for k, v in r.info("server").items() if k.startswith("listener")
                        and k != "listener0"})
            blocker.close()
            seen[kind] = out
        finally:
            s.cleanup()
    assert seen["carmine"] == seen["redis"]
    assert seen["carmine"][0:4] == [True, True, True, True]
