# Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
"""Observability through real clients: INFO fields against Debian's redis-server, MEMORY,
LATENCY, CLIENT LIST memory fields, UNLINK/FLUSHALL ASYNC, the Prometheus endpoint parsed by
npm's parse-prometheus-text-format, and redis-cli --stat/--bigkeys/--memkeys."""
import json
import os
import re
import shutil
import socket
import subprocess
import threading
import time

import pytest
import redis

from servers import ServerProcess, wait_until

NODE_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "node")


def raw_info(port):
    """INFO everything as the server sent it (redis-py would turn it into an unordered dict)."""
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(b"INFO everything\r\n")
        buf = b""
        while b"\r\n" not in buf:
            buf += sock.recv(65536)
        length = int(buf[1:buf.index(b"\r\n")])
        body_start = buf.index(b"\r\n") + 2
        while len(buf) < body_start + length:
            buf += sock.recv(65536)
        return buf[body_start:body_start + length].decode()


def info_fields(port):
    """Field names per section of INFO everything."""
    raw = raw_info(port)
    sections, cur = {}, None
    for line in raw.split("\r\n"):
        if line.startswith("# "):
            cur = line[2:].lower()
            sections[cur] = []
        elif ":" in line and cur:
            sections[cur].append(line.split(":", 1)[0])
    return sections


@pytest.mark.needs_process
def test_info_has_every_field_redis_has(r, server_port):
    oracle = ServerProcess("redis", args=["--save", ""])
    oracle.start()
    try:
        o = redis.Redis(port=oracle.port, decode_responses=True)
        for c in (o, r):
            c.set("k", "v")
            c.get("k")
        ours, theirs = info_fields(server_port), info_fields(oracle.port)
        assert list(theirs) == list(ours)  # same sections, same order
        for section, names in theirs.items():
            if section in ("commandstats", "latencystats", "errorstats", "keyspace"):
                continue
            missing = [n for n in names if n not in ours[section]]
            assert not missing, (section, missing)
            # Fields both have come in Redis's order.
            common = [n for n in ours[section] if n in names]
            assert common == [n for n in names if n in common], section
        ms_theirs = o.execute_command("MEMORY", "STATS")
        ms_ours = r.execute_command("MEMORY", "STATS")
        assert ms_theirs[0::2][:10] == ms_ours[0::2][:10]
        assert set(ms_theirs[0::2]) == set(ms_ours[0::2])
    finally:
        oracle.cleanup()


def test_memory_commands(r):
    r.set("s", "x" * 1000)
    r.hset("h", mapping={f"f{i}": "v" * 50 for i in range(200)})
    assert r.memory_usage("s") > 1000
    assert r.memory_usage("h") > 200 * 50
    assert r.memory_usage("h", samples=0) > 200 * 50
    assert r.memory_usage("nokey") is None
    with pytest.raises(redis.ResponseError, match="syntax error"):
        r.execute_command("MEMORY", "USAGE", "s", "SAMPLES")
    with pytest.raises(redis.ResponseError, match="not an integer"):
        r.execute_command("MEMORY", "USAGE", "s", "SAMPLES", "x")
    stats = r.memory_stats()
    assert stats["keys.count"] == 2 and stats["total.allocated"] > 0
    assert "db.0" in stats
    assert isinstance(r.execute_command("MEMORY", "DOCTOR"), str)
    assert r.execute_command("MEMORY", "PURGE") == "OK"
    assert "jemalloc" in r.execute_command("MEMORY", "MALLOC-STATS") or True
    assert r.execute_command("MEMORY", "HELP")[0].startswith("MEMORY <subcommand>")
    with pytest.raises(redis.ResponseError, match="unknown subcommand"):
        r.execute_command("MEMORY", "FOO")


def test_latency_monitor_and_histograms(r):
    try:
        r.config_set("latency-monitor-threshold", 10)
        r.execute_command("LATENCY", "RESET")
        r.execute_command("DEBUG", "SLEEP", "0.03")
        latest = r.execute_command("LATENCY", "LATEST")
        assert latest[0][0] == "command" and latest[0][2] >= 30 and latest[0][3] >= 30
        hist = r.execute_command("LATENCY", "HISTORY", "command")
        assert len(hist) == 1 and hist[0][1] >= 30
        assert r.execute_command("LATENCY", "HISTORY", "nope") == []
        graph = r.execute_command("LATENCY", "GRAPH", "command")
        assert graph.startswith("command - high ")
        with pytest.raises(redis.ResponseError, match="No samples available for event 'nope'"):
            r.execute_command("LATENCY", "GRAPH", "nope")
        assert "command" in r.execute_command("LATENCY", "DOCTOR")
        assert r.execute_command("LATENCY", "RESET", "command", "other") == 1
        assert r.execute_command("LATENCY", "LATEST") == []
    finally:
        r.config_set("latency-monitor-threshold", 0)
    r.config_resetstat()
    for _ in range(10):
        r.set("a", "1")
    h = r.execute_command("LATENCY", "HISTOGRAM", "set", "nosuch")
    calls = dict(zip(h[1][0::2], h[1][1::2]))
    assert h[0] == "set" and calls["calls"] == 10
    buckets = calls["histogram_usec"]  # bucket, cumulative count, bucket, ...
    assert buckets[-1] == 10
    assert buckets[0::2] == sorted(buckets[0::2]) and buckets[1::2] == sorted(buckets[1::2])
    # A container name stands for its subcommands.
    r.config_get("maxmemory")
    assert "config|get" in r.execute_command("LATENCY", "HISTOGRAM", "config")[0::2]
    line = [l for l in raw_info(r.connection_pool.connection_kwargs["port"]).split("\r\n")
            if l.startswith("latency_percentiles_usec_set:")][0]
    assert re.fullmatch(r"latency_percentiles_usec_set:p50=\d+\.\d{3},p99=\d+\.\d{3},"
                        r"p99\.9=\d+\.\d{3}", line), line
    try:
        r.config_set("latency-tracking-info-percentiles", "50 100")
        assert "p100=" in raw_info(r.connection_pool.connection_kwargs["port"])
        with pytest.raises(redis.ResponseError, match="should sit between"):
            r.config_set("latency-tracking-info-percentiles", "101")
    finally:
        r.config_set("latency-tracking-info-percentiles", "50 99 99.9")


def test_client_list_memory_fields(r, server_port):
    other = redis.Redis(port=server_port, decode_responses=True)
    p = other.pipeline(transaction=True)
    other.execute_command("MULTI")
    other.execute_command("SET", "k", "x" * 100)
    mine = r.client_info()
    for field in ("qbuf", "qbuf-free", "argv-mem", "multi-mem", "obl", "oll", "omem", "tot-mem"):
        assert field in mine
    assert int(mine["argv-mem"]) > 0  # CLIENT INFO's own arguments
    theirs = [c for c in r.client_list() if c["id"] != mine["id"] and c["multi"] == "1"][0]
    assert int(theirs["multi-mem"]) >= 100
    other.execute_command("DISCARD")
    other.close()
    del p


def test_unlink_and_flush_async_do_not_stall_other_clients(r, server_port):
    """UNLINK of a big set returns at once and a PING loop on another connection keeps its p99
    low; the set is freed by the lazy-free thread."""
    p = r.pipeline(transaction=False)
    for i in range(200):
        p.sadd("big", *[f"m{i}-{j}" for j in range(5000)])
    p.execute()
    assert r.scard("big") == 1000000
    latencies, stop = [], threading.Event()

    def pinger():
        c = redis.Redis(port=server_port)
        while not stop.is_set():
            t = time.perf_counter()
            c.ping()
            latencies.append(time.perf_counter() - t)
        c.close()

    t = threading.Thread(target=pinger)
    t.start()
    wait_until(lambda: len(latencies) > 100, what="pings")
    start = time.perf_counter()
    assert r.unlink("big") == 1
    took = time.perf_counter() - start
    wait_until(lambda: r.info("memory")["lazyfree_pending_objects"] == 0, what="lazy free")
    stop.set()
    t.join()
    assert took < 0.05, took
    assert r.info("memory")["lazyfreed_objects"] >= 1
    # FLUSHALL ASYNC hands the whole keyspace to the same thread.
    p = r.pipeline(transaction=False)
    for i in range(20000):
        p.set(f"k{i}", i)
    p.execute()
    assert r.flushall(asynchronous=True)
    assert r.dbsize() == 0


def scrape(port, password=None):
    node = shutil.which("node")
    assert node, "node is not installed (scripts/deps.sh installs it)"
    args = [node, os.path.join(NODE_DIR, "metrics_scrape.mjs"), str(port)]
    if password:
        args.append(password)
    out = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr
    return json.loads(out.stdout)


def value(fam, **labels):
    for m in fam["metrics"]:
        if all(m.get("labels", {}).get(k) == v for k, v in labels.items()):
            return float(m["value"])
    raise KeyError(labels)


@pytest.mark.needs_process
def test_prometheus_metrics_on_client_port_and_metrics_port(make_server):
    s = make_server(["--threads", "2", "--metrics-port", "0"])
    c = redis.Redis(port=s.port, decode_responses=True)
    for i in range(50):
        c.set(f"k{i}", i)
    c.expire("k0", 100)
    c.get("k1")
    c.get("missing")
    out = scrape(s.port)
    assert out["status"] == 200
    assert out["contentType"].startswith("text/plain; version=0.0.4")
    f = out["families"]
    for name in ("redis_up", "redis_uptime_in_seconds", "redis_connected_clients",
                 "redis_blocked_clients", "redis_memory_used_bytes", "redis_memory_max_bytes",
                 "redis_commands_processed_total", "redis_commands_total",
                 "redis_commands_duration_seconds_total", "redis_keyspace_hits_total",
                 "redis_keyspace_misses_total", "redis_evicted_keys_total",
                 "redis_expired_keys_total", "redis_db_keys", "redis_db_keys_expiring",
                 "redis_connected_slaves", "redis_instance_info"):
        assert name in f, name
    assert value(f["redis_up"]) == 1
    assert value(f["redis_db_keys"], db="db0") == 50
    assert value(f["redis_db_keys_expiring"], db="db0") == 1
    assert value(f["redis_commands_total"], cmd="set") == 50
    assert value(f["redis_keyspace_misses_total"]) >= 1
    assert f["redis_commands_processed_total"]["type"] == "COUNTER"
    assert value(f["redis_instance_info"], role="master") == 1
    # The connection is still a Redis port for everyone else, inline commands included.
    with socket.create_connection(("127.0.0.1", s.port)) as sock:
        sock.sendall(b"GET k1\r\n")
        assert sock.recv(100) == b"$1\r\n1\r\n"
    with socket.create_connection(("127.0.0.1", s.port)) as sock:
        sock.sendall(b"GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n")
        assert sock.recv(100).startswith(b"HTTP/1.1 404")


@pytest.mark.needs_process
def test_metrics_port_and_auth(make_server):
    from servers import free_port
    mport = free_port()
    s = make_server(["--threads", "2", "--metrics-port", str(mport), "--requirepass", "s3cret"])
    assert scrape(mport)["status"] == 401
    assert scrape(s.port)["status"] == 401
    out = scrape(mport, "s3cret")
    assert out["status"] == 200 and "redis_memory_used_bytes" in out["families"]
    # metrics-port speaks only HTTP.
    with socket.create_connection(("127.0.0.1", mport)) as sock:
        sock.sendall(b"*1\r\n$4\r\nPING\r\n")
        assert sock.recv(100).startswith(b"HTTP/1.1 400")


def cli(port, *args, timeout=60):
    return subprocess.run(["redis-cli", "-p", str(port), *args], capture_output=True, text=True,
                          timeout=timeout)


def test_redis_cli_bigkeys_memkeys(r, server_port):
    r.set("str", "x" * 5000)
    r.rpush("list", *range(300))
    r.sadd("set", *range(10))
    r.hset("hash", mapping={f"f{i}": i for i in range(40)})
    r.zadd("zset", {f"m{i}": i for i in range(7)})
    out = cli(server_port, "--bigkeys")
    assert out.returncode == 0, out.stderr
    assert "Biggest string found '\"str\"' has 5000 bytes" in out.stdout
    assert "Biggest   list found '\"list\"' has 300 items" in out.stdout
    assert "Biggest   hash found '\"hash\"' has 40 fields" in out.stdout
    assert "Sampled 5 keys" in out.stdout
    out = cli(server_port, "--memkeys")
    assert out.returncode == 0, out.stderr
    assert re.search(r"Biggest string found '\"str\"' has \d+ bytes", out.stdout), out.stdout
    assert re.search(r"Biggest   hash found '\"hash\"' has \d+ bytes", out.stdout), out.stdout


def test_redis_cli_stat(r, server_port):
    r.set("a", "1")
    # --stat prints a line per interval forever; read its first lines, then stop it.
    proc = subprocess.Popen(["redis-cli", "-p", str(server_port), "--stat", "-i", "0.1"],
                            stdout=subprocess.PIPE, text=True)
    try:
        lines = []
        deadline = time.monotonic() + 10
        while len(lines) < 4 and time.monotonic() < deadline:
            lines.append(proc.stdout.readline())
    finally:
        proc.kill()
        proc.wait()
    text = "".join(lines)
    assert "keys" in text and "mem" in text and "clients" in text, text
    data = [l for l in lines if re.match(r"^\d+\s", l)]
    assert data, text
    assert "K" in data[0] or "M" in data[0]  # used memory with a unit


def test_maxmemory_clients_closes_the_biggest_client(r, server_port):
    small = redis.Redis(port=server_port)
    small.ping()
    big = socket.create_connection(("127.0.0.1", server_port))
    try:
        # A request that is still arriving: its query buffer holds 8 MB.
        big.sendall(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100000000\r\n" + b"x" * (8 << 20))
        wait_until(lambda: any(int(c["qbuf"]) > (4 << 20) for c in r.client_list()),
                   what="the big query buffer")
        r.client_no_evict("on")
        r.config_set("maxmemory-clients", "4mb")
        wait_until(lambda: r.info("stats")["evicted_clients"] >= 1, what="client eviction")
        wait_until(lambda: all(int(c["qbuf"]) < (4 << 20) for c in r.client_list()),
                   what="the big client to go")
        assert small.ping()
        assert r.ping()
    finally:
        r.config_set("maxmemory-clients", "0")
        r.client_no_evict("off")
        big.close()
        small.close()


@pytest.mark.needs_process
def test_grafana_dashboard_uses_published_metrics(make_server):
    """Every metric the dashboard in deploy/ queries is one Carmine publishes."""
    s = make_server(["--threads", "2", "--latency-monitor-threshold", "1"])
    c = redis.Redis(port=s.port, decode_responses=True)
    c.set("k", "v", ex=100)
    c.get("k")
    with pytest.raises(redis.ResponseError):
        c.execute_command("NOSUCHCOMMAND")
    families = scrape(s.port)["families"]
    path = os.path.join(os.path.dirname(NODE_DIR), "..", "deploy", "grafana",
                        "carmine-dashboard.json")
    with open(path) as f:
        dash = json.load(f)
    used = set()
    for p in dash["panels"]:
        for t in p["targets"]:
            used.update(re.findall(r"\bredis_[a-z_]+", t["expr"]))
    missing = sorted(m for m in used if m not in families)
    assert not missing, missing


def test_redis_cli_latency(server_port):
    # Without a terminal redis-cli --latency samples for a second, prints "min max avg count".
    out = cli(server_port, "--latency", timeout=30)
    assert out.returncode == 0, out.stderr
    assert re.fullmatch(r"\d+ \d+ [\d.]+ \d+\n", out.stdout), out.stdout
