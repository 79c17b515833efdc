# Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
"""Carmine as a drop-in for redis-server: stock config files start it, every directive of the
oracle's config table is known with the same default and the same errors, the startup log reads
as Redis's, and behaviours found to differ from Redis are compared with the oracle (Redis 7.2.4
when ../shared/redis-7.2.4 exists, else Debian's 7.0) conversation by conversation.
"""
import os
import re
import signal
import socket
import subprocess
import sys
import time

import pytest
import redis

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import conversation  # noqa: E402
from servers import ROOT, ServerProcess, carmine_binary, free_port, redis_version, wait_until  # noqa: E402

pytestmark = pytest.mark.needs_process

STOCK_CONFIGS = [
    "/etc/redis/redis.conf",  # Debian's, installed with redis-server
    os.path.join(os.path.dirname(ROOT), "shared", "redis-7.2.4", "redis.conf"),
]


@pytest.fixture(scope="module")
def pair():
    """A Carmine and an oracle server started alike."""
    args = ["--enable-debug-command", "yes", "--enable-protected-configs", "yes"]
    c = ServerProcess("carmine", args=args + ["--threads", "2"]).start()
    o = ServerProcess("redis", args=args).start()
    yield c, o
    c.cleanup()
    o.cleanup()


def both(pair, script):
    c, o = pair
    for p in (c, o):
        redis.Redis(port=p.port).flushall()
    return conversation.run(c.port, script), conversation.run(o.port, script)


# Client ids differ between the two servers (HELLO and CLIENT ID show them).
IDS = re.compile(rb"(\$2\r\nid\r\n:)\d+")


def stepwise(steps):
    """Reads each client's reply right after its command, so clients act in script order."""
    out = []
    for s in steps:
        out.append(s)
        if s[0] not in ("read", "sleep"):
            out.append(("read", s[0]))
    return out


def assert_same(pair, script):
    ours, theirs = both(pair, script)
    ours = [(n, IDS.sub(rb"\1ID", b)) for n, b in ours]
    theirs = [(n, IDS.sub(rb"\1ID", b)) for n, b in theirs]
    for (name, got), (_, want) in zip(ours, theirs):
        assert got == want, f"client {name}: carmine {got!r} vs oracle {want!r}"
    assert len(ours) == len(theirs)


@pytest.mark.parametrize("path", STOCK_CONFIGS)
def test_stock_config_file_starts_unchanged(tmp_path, path):
    if not os.path.exists(path):
        pytest.skip(f"{path} not on this machine")
    port = free_port()
    # The file itself stays as shipped; only port, dir, daemonize and the log/pid destinations
    # (which point at system paths) are given on the command line.
    proc = subprocess.Popen([carmine_binary(), path, "--port", str(port), "--dir", str(tmp_path),
                             "--daemonize", "no", "--logfile", "", "--pidfile",
                             str(tmp_path / "p.pid")],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        r = redis.Redis(port=port)
        wait_until(lambda: r.ping(), 10, what="carmine started from " + path)
        assert r.config_get("port") == {"port": str(port)}
        assert r.set("k", "v") and r.get("k") == b"v"
    finally:
        proc.send_signal(signal.SIGTERM)
        out = proc.communicate(timeout=20)[0].decode(errors="replace")
    assert "Ready to accept connections tcp" in out
    assert proc.returncode == 0, out


@pytest.mark.oracle72
def test_every_oracle_directive_known_with_its_default(pair):
    c, o = pair
    theirs = redis.Redis(port=o.port, decode_responses=True).config_get("*")
    ours = redis.Redis(port=c.port, decode_responses=True).config_get("*")
    missing = sorted(set(theirs) - set(ours))
    assert missing == []
    # Values that differ by construction: the server's own port, dir, pidfile and the test's
    # overrides; Carmine's extra directives are allowed.
    skip = {"port", "dir", "pidfile", "enable-debug-command", "enable-protected-configs",
            "bind", "save", "appendonly", "logfile", "daemonize", "unixsocket"}
    differing = {k: (ours[k], theirs[k]) for k in theirs if k not in skip and ours[k] != theirs[k]}
    assert differing == {}


def test_hidden_directives_answer_by_exact_name(pair):
    c, _ = pair
    r = redis.Redis(port=c.port, decode_responses=True)
    assert "key-load-delay" not in r.config_get("*")
    assert r.config_get("key-load-delay") == {"key-load-delay": "0"}


BAD_VALUES = ["abc", "-1", "99999999999999999999", "", "1gb", "yes", "0"]


@pytest.mark.oracle72
def test_config_set_errors_match_oracle(pair):
    """CONFIG SET of every oracle directive with bad and odd values: same reply, same value."""
    c, o = pair
    names = sorted(redis.Redis(port=o.port, decode_responses=True).config_get("*"))
    skip = {"port", "bind", "dir", "dbfilename", "unixsocket", "logfile", "pidfile", "daemonize",
            "appendonly", "save", "requirepass", "masterauth", "masteruser", "maxclients",
            "replicaof", "slaveof", "io-threads", "tls-port", "locale-collate",
            "client-query-buffer-limit", "proto-max-bulk-len", "maxmemory", "cluster-enabled",
            "oom-score-adj", "enable-debug-command", "enable-protected-configs",
            # an unsigned 64-bit limit in Redis; Carmine caps it at 2^63-1
            "cluster-link-sendbuf-limit"}
    rc = redis.Redis(port=c.port, decode_responses=True)
    ro = redis.Redis(port=o.port, decode_responses=True)
    # A build without jemalloc (the sanitizer builds) refuses `activedefrag yes`, as a Redis built
    # without its jemalloc does; the oracle has one (test_defrag.py checks both cases).
    if not rc.info("memory")["mem_allocator"].startswith("jemalloc"):
        skip = skip | {"activedefrag"}
    mismatches = []
    for name in names:
        if name in skip:
            continue
        before_c, before_o = rc.config_get(name), ro.config_get(name)
        if not before_o:
            continue
        for v in BAD_VALUES:
            got = []
            for cli in (rc, ro):
                try:
                    got.append(cli.config_set(name, v))
                except redis.ResponseError as e:
                    got.append(str(e))
            if got[0] != got[1]:
                mismatches.append((name, v, got))
        for cli, before in ((rc, before_c), (ro, before_o)):
            try:
                cli.config_set(name, before[name])
            except redis.ResponseError:
                pass  # immutable
    assert mismatches == []


def test_startup_log_and_banner(tmp_path):
    port = free_port()
    proc = subprocess.Popen([carmine_binary(), "--port", str(port), "--dir", str(tmp_path),
                             "--save", "", "--always-show-logo", "yes"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    wait_until(lambda: redis.Redis(port=port).ping(), 10)
    proc.send_signal(signal.SIGTERM)
    out = proc.communicate(timeout=20)[0].decode()
    assert f" PID: {proc.pid}" in out
    assert f"Port: {port}" in out
    # Redis's order: starting, configuration, banner, initialized, ready, shutdown.
    marks = ["Warning: no config file specified", f"PID: {proc.pid}", "Server initialized",
             "Ready to accept connections tcp", "Received SIGTERM scheduling shutdown...",
             "User requested shutdown...", "ready to exit, bye bye..."]
    positions = [out.index(m) for m in marks]
    assert positions == sorted(positions), out
    line = re.compile(r"^\d+:[CMSX] \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d\.\d{3} [.\-*#] ")
    assert line.match(out.splitlines()[0]), out.splitlines()[0]


def test_busy_port_reports_failed_listening(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        out = subprocess.run([carmine_binary(), "--port", str(port), "--bind", "127.0.0.1",
                              "--dir", str(tmp_path)], capture_output=True, text=True, timeout=20)
    assert out.returncode == 1
    assert f"Failed listening on port {port} (tcp), aborting." in out.stdout


@pytest.mark.parametrize("line,reason", [
    ("replicaof 10.0.0.1 notaport", "Invalid master port"),
    ("loadmodule /usr/lib/redis/modules/x.so", "Modules are not available"),
    ("nosuchdirective 1", "Bad directive or wrong number of arguments"),
    ("maxmemory -5", "argument must be a memory value"),
])
def test_config_file_errors_name_the_line_and_reason(tmp_path, line, reason):
    conf = tmp_path / "c.conf"
    conf.write_text("port 0\n# comment\n" + line + "\n")
    out = subprocess.run([carmine_binary(), str(conf)], capture_output=True, text=True, timeout=10)
    assert out.returncode == 1
    assert "*** FATAL CONFIG FILE ERROR (Redis 7.2.4) ***" in out.stderr
    assert "at line 3" in out.stderr
    assert f">>> '{line}'" in out.stderr
    assert reason in out.stderr


def test_features_left_off_are_accepted(tmp_path):
    conf = tmp_path / "c.conf"
    conf.write_text("replicaof no one\ncluster-enabled no\ntls-port 0\nio-threads 4\n"
                    "masterauth secret\nuser default on nopass ~* &* +@all\n"
                    "rename-command FLUSHDB \"\"\nrename-command KEYS MYKEYS\n"
                    "jemalloc-bg-thread yes\nactivedefrag no\nsupervised no\n"
                    "oom-score-adj no\nset-proc-title yes\n")
    port = free_port()
    proc = subprocess.Popen([carmine_binary(), str(conf), "--port", str(port), "--dir",
                             str(tmp_path), "--threads", "0"], stdout=subprocess.DEVNULL)
    try:
        r = redis.Redis(port=port, decode_responses=True)
        wait_until(lambda: r.ping(), 10)
        # io-threads 4 without `threads` runs four workers.
        assert r.info("server")["threads"] == 4
        with pytest.raises(redis.ResponseError, match="unknown command 'FLUSHDB'"):
            r.execute_command("FLUSHDB")
        r.set("a", "1")
        assert r.execute_command("MYKEYS", "*") == ["a"]
        assert r.config_get("masterauth") == {"masterauth": "secret"}
    finally:
        proc.terminate()
        proc.wait(20)


# ---- behaviours compared with the oracle ----------------------------------------------------

def test_blocking_pop_sub_millisecond_timeout_expires(pair):
    c, _ = pair
    r = redis.Redis(port=c.port)
    for cmd in (["BLPOP", "nokey", "0.001"], ["BRPOP", "nokey", "0.0001"],
                ["BLMPOP", "0.001", "1", "nokey", "LEFT"], ["BZPOPMIN", "nokey", "0.001"],
                ["BLMOVE", "nokey", "dst", "LEFT", "LEFT", "0.001"]):
        assert r.execute_command(*cmd) is None


@pytest.mark.oracle72
def test_timeout_errors_match(pair):
    assert_same(pair, [("a", ["BLPOP", "k", "-1"]), ("a", ["BLPOP", "k", "inf"]),
                       ("a", ["BLPOP", "k", "abc"]), ("a", ["BLPOP", "k", "9223372036854775"])])


@pytest.mark.oracle72
def test_bcast_tracking_sends_one_message_per_command(pair):
    assert_same(pair, [
        ("t", ["HELLO", "3"]), ("t", ["CLIENT", "TRACKING", "on", "BCAST"]), ("read", "t"),
        ("w", ["MSET", "a", "1", "b", "2", "c", "3"]), ("read", "w"), ("read", "t"),
        ("w", ["MULTI"]), ("w", ["SET", "a", "x"]), ("w", ["DEL", "b"]), ("w", ["EXEC"]),
        ("read", "w"), ("read", "t")])


@pytest.mark.oracle72
def test_default_tracking_sends_one_message_per_key(pair):
    assert_same(pair, [
        ("t", ["HELLO", "3"]), ("t", ["CLIENT", "TRACKING", "on"]),
        ("t", ["MGET", "a", "b", "c"]), ("read", "t"),
        ("w", ["MSET", "a", "1", "b", "2", "c", "3"]), ("read", "w"), ("read", "t")])


@pytest.mark.oracle72
def test_client_reply_modes_and_pushes(pair):
    assert_same(pair, [
        ("a", ["CLIENT", "REPLY", "OFF"]), ("a", ["SUBSCRIBE", "ch"]), ("read", "a"),
        ("p", ["PUBLISH", "ch", "hello"]), ("read", "p"), ("read", "a"),
        ("b", ["CLIENT", "REPLY", "SKIP"]), ("b", ["CLIENT", "REPLY", "ON"]), ("b", ["PING"]),
        ("read", "b"),
        ("c", ["CLIENT", "REPLY", "SKIP"]), ("c", ["CLIENT", "REPLY", "SKIP"]),
        ("c", ["PING", "x"]), ("c", ["PING", "y"]), ("read", "c"),
        ("d", ["HELLO", "3"]), ("read", "d"), ("d", ["CLIENT", "REPLY", "OFF"]),
        ("d", ["SUBSCRIBE", "ch2"]), ("read", "d"), ("p", ["PUBLISH", "ch2", "hi"]),
        ("read", "p"), ("read", "d"),
        ("d", ["CLIENT", "REPLY", "ON"]), ("d", ["PING"]), ("read", "d")])


def test_pause_counts_blocked_and_suspends_expiry(pair):
    def script():
        return [
            ("a", ["MULTI"]), ("a", ["SET", "foo", "bar", "PX", "10"]),
            ("a", ["CLIENT", "PAUSE", "50000", "WRITE"]), ("a", ["EXEC"]), ("read", "a"),
            ("sleep", 0.1), ("a", ["GET", "foo"]), ("read", "a"),
            ("w", ["SET", "x", "1"]), ("sleep", 0.1),
        ]
    c, o = pair
    for p in (c, o):
        r = redis.Redis(port=p.port, decode_responses=True)
        r.flushall()
        r.config_resetstat()
        conversation.run(p.port, script())
        assert r.info("stats")["expired_keys"] == 0
        r.execute_command("CLIENT", "UNPAUSE")
        assert r.get("foo") is None
        assert r.info("stats")["expired_keys"] == 1


def test_paused_client_counts_as_blocked(pair):
    c, _ = pair
    r = redis.Redis(port=c.port, decode_responses=True)
    r.execute_command("CLIENT", "PAUSE", "20000", "WRITE")
    with socket.create_connection(("127.0.0.1", c.port)) as s:
        s.sendall(conversation.encode(["SET", "k", "v"]))
        wait_until(lambda: r.info("clients")["blocked_clients"] == 1, 10)
        r.execute_command("CLIENT", "UNPAUSE")
        assert s.recv(100) == b"+OK\r\n"
    wait_until(lambda: r.info("clients")["blocked_clients"] == 0, 10)


def chi_square(counts, expected):
    return sum((n - expected) ** 2 / expected for n in counts)


@pytest.mark.parametrize("setup,draw", [
    (["HSET", "h"] + [x for i in range(300) for x in (f"f{i}", "v")], ["HRANDFIELD", "h", "-1000"]),
    (["SADD", "s"] + [f"m{i}" for i in range(300)], ["SRANDMEMBER", "s", "-1000"]),
    (["ZADD", "z"] + [x for i in range(300) for x in (str(i), f"m{i}")], ["ZRANDMEMBER", "z", "-1000"]),
    (["HSET", "h"] + [x for i in range(300) for x in (f"f{i}", "v")], ["HRANDFIELD", "h", "30"]),
])
def test_random_members_of_big_collections_are_uniform(pair, setup, draw):
    c, _ = pair
    r = redis.Redis(port=c.port, decode_responses=True)
    r.flushall()
    r.execute_command(*setup)
    counts = {}
    rounds = 60
    for _ in range(rounds):
        for m in r.execute_command(*draw):
            counts[m] = counts.get(m, 0) + 1
    total = sum(counts.values())
    expected = total / 300
    values = [counts.get(k, 0) for k in counts] + [0] * (300 - len(counts))
    # 299 degrees of freedom: 400 is far in the tail for a uniform draw.
    assert chi_square(values, expected) < 400


@pytest.mark.oracle72
def test_command_corner_cases_match(pair):
    assert_same(pair, [
        ("a", ["SET", "s", "foobar"]), ("a", ["BITCOUNT", "s", "-6", "-7"]),
        ("a", ["BITCOUNT", "s", "-49", "-48", "BIT"]), ("a", ["BITCOUNT", "s", "-100", "-50"]),
        ("a", ["COMMAND", "GETKEYS", "SORT", "abc", "STORE", "x", "STORE", "y", "STORE", "z"]),
        ("a", ["COMMAND", "GETKEYS", "PING"]), ("a", ["COMMAND", "GETKEYS", "GET"]),
        ("a", ["CONFIG", "GET", "maxmemory"]), ("a", ["PFADD", "h", "a", "b", "c"]),
        ("a", ["PFDEBUG", "ENCODING", "h"]), ("a", ["PFDEBUG", "DECODE", "h"]),
        ("a", ["PFDEBUG", "TODENSE", "h"]), ("a", ["PFDEBUG", "TODENSE", "h"]),
        ("a", ["PFDEBUG", "GETREG", "nokey"]), ("a", ["PFDEBUG", "NOSUCH", "h"]),
        ("a", ["LPOS", "l", "a", "RANK", "-9223372036854775808"]),
        ("a", ["ZADD", "z", "0.1", "a", "1e20", "b", "-0", "c", "1.2345678901234567e10", "d"]),
        ("a", ["ZRANGE", "z", "0", "-1", "WITHSCORES"]), ("a", ["DUMP", "z"]),
        ("a", ["SADD", "ss", "a", "b"]), ("a", ["DUMP", "ss"])])


def test_pfselftest(pair):
    c, _ = pair
    assert redis.Redis(port=c.port).execute_command("PFSELFTEST") in (b"OK", "OK", True)


def test_latency_histogram_by_subcommand(pair):
    c, _ = pair
    r = redis.Redis(port=c.port, decode_responses=True)
    r.config_get("maxmemory")
    hist = r.execute_command("LATENCY", "HISTOGRAM", "config|get")
    assert hist[0] == "config|get" and hist[1][1] >= 1


def test_blocking_command_logged_in_slowlog_when_served(pair):
    c, _ = pair
    r = redis.Redis(port=c.port, decode_responses=True)
    r.config_set("slowlog-log-slower-than", 0)
    r.slowlog_reset()
    with socket.create_connection(("127.0.0.1", c.port)) as s:
        s.sendall(conversation.encode(["BLPOP", "bl", "0"]))
        wait_until(lambda: r.info("clients")["blocked_clients"] == 1, 10)
        assert not [e for e in r.slowlog_get(128) if e["command"].startswith(b"BLPOP")]
        r.lpush("bl", "x")
        s.recv(100)
    wait_until(lambda: [e for e in r.slowlog_get(128) if e["command"] == b"BLPOP bl 0"], 10)
    r.config_set("slowlog-log-slower-than", 10000)


DIRTY_CASES = [
    [["LPUSH", "l", "a", "b", "c"]],
    [["RPUSH", "l", "a", "b", "c"], ["LPOP", "l", "2"], ["LMOVE", "l", "l2", "LEFT", "LEFT"]],
    [["SADD", "s", "a", "b", "c"], ["SREM", "s", "a", "z"], ["SPOP", "s", "2"]],
    [["ZADD", "z", "1", "a", "2", "b"], ["ZADD", "z", "3", "a", "4", "c"], ["ZPOPMIN", "z", "2"]],
    [["HSET", "h", "a", "1", "b", "2"], ["HDEL", "h", "a", "b", "c"]],
    [["PFADD", "p", "a", "b"], ["PFCOUNT", "p"]],
    [["SET", "a", "1"], ["RENAME", "a", "b"], ["MOVE", "b", "1"]],
    [["SET", "a", "1"], ["SET", "b", "1"], ["FLUSHDB"], ["FLUSHALL"]],
    [["BITFIELD", "bf", "SET", "u8", "0", "1", "SET", "u8", "8", "2"]],
]


@pytest.mark.parametrize("case", DIRTY_CASES)
def test_dirty_counter_grows_as_redis(pair, case):
    deltas = []
    for p in pair:
        r = redis.Redis(port=p.port)
        r.flushall()
        before = r.info("persistence")["rdb_changes_since_last_save"]
        for cmd in case:
            r.execute_command(*cmd)
        deltas.append(r.info("persistence")["rdb_changes_since_last_save"] - before)
    assert deltas[0] == deltas[1]


def test_swapdb_watch_and_stale_keys(pair):
    assert_same(pair, [
        ("a", ["DEBUG", "SET-ACTIVE-EXPIRE", "0"]), ("a", ["SET", "x", "foo", "PX", "1"]),
        ("sleep", 0.01), ("a", ["SELECT", "1"]), ("a", ["WATCH", "x"]),
        ("a", ["SWAPDB", "0", "1"]), ("a", ["MULTI"]), ("a", ["PING"]), ("a", ["EXEC"]),
        ("a", ["DEBUG", "SET-ACTIVE-EXPIRE", "1"])])


def test_exec_refused_when_state_changes_after_queueing(pair):
    assert_same(pair, stepwise([
        ("a", ["SET", "xx", "1"]), ("a", ["MULTI"]), ("a", ["INCR", "xx"]),
        ("b", ["CONFIG", "SET", "min-replicas-to-write", "2"]), ("a", ["EXEC"]),
        ("a", ["GET", "xx"]), ("a", ["SET", "y", "1"]),
        ("b", ["CONFIG", "SET", "min-replicas-to-write", "0"])]))


def test_rename_command_in_config(tmp_path):
    conf = tmp_path / "c.conf"
    conf.write_text("rename-command get set\n")
    out = subprocess.run([carmine_binary(), str(conf), "--port", "0"], capture_output=True,
                         text=True, timeout=10)
    assert out.returncode == 1 and "Target command name already exists" in out.stderr
    conf.write_text("rename-command nosuch x\n")
    out = subprocess.run([carmine_binary(), str(conf), "--port", "0"], capture_output=True,
                         text=True, timeout=10)
    assert out.returncode == 1 and "No such command in rename-command" in out.stderr


def test_oracle_version_is_reported():
    # The harness picks 7.2.4 when the shared build is there.
    assert redis_version() >= (7, 0, 0)


def test_flushall_with_save_points_saves_and_resets_dirty(pair):
    results = []
    for p in pair:
        r = redis.Redis(port=p.port)
        r.config_set("save", "3600 1")
        try:
            r.set("k", "v")
            before = r.lastsave()
            r.flushall()
            results.append((r.info("persistence")["rdb_changes_since_last_save"],
                            os.path.exists(os.path.join(p.dir, "dump.rdb")), r.lastsave() >= before))
        finally:
            r.config_set("save", "")
    assert results[0] == results[1] == (0, True, True)


def test_current_query_counts_in_qbuf(pair):
    lines = [redis.Redis(port=p.port).execute_command("CLIENT", "INFO").decode() for p in pair]
    assert [re.search(r"qbuf=(\d+)", line).group(1) for line in lines] == ["26", "26"]


def test_proc_title_follows_config_set(pair):
    c, _ = pair
    r = redis.Redis(port=c.port)
    old = r.config_get("proc-title-template")["proc-title-template"]
    try:
        r.config_set("proc-title-template", "TEST {title} {port}")
        with open(f"/proc/{c.proc.pid}/cmdline", "rb") as f:
            words = f.read().split(b"\0")[0].split()
        assert words[0] == b"TEST" and words[2] == str(c.port).encode()
        with pytest.raises(redis.ResponseError, match="template format is invalid"):
            r.config_set("proc-title-template", "{nosuch}")
    finally:
        r.config_set("proc-title-template", old)


def test_deny_loading_configs_refused_while_loading(tmp_path):
    """`dir`, `appendonly` and `repl-diskless-load` cannot change while the dataset loads."""
    s = ServerProcess("carmine", args=["--enable-debug-command", "yes", "--enable-protected-configs",
                                       "yes", "--save", ""]).start()
    try:
        r = redis.Redis(port=s.port)
        r.execute_command("DEBUG", "POPULATE", "20000", "key", "10")
        r.save()
        s.stop()
        s.cmd += ["--key-load-delay", "200"]
        s.start(wait=False)
        wait_until(lambda: _loading(s.port), 10)
        r = redis.Redis(port=s.port)
        r.config_set("loglevel", "debug")
        for name, value in (("dir", "/tmp"), ("appendonly", "yes"), ("repl-diskless-load", "swapdb")):
            with pytest.raises(redis.exceptions.BusyLoadingError):
                r.config_set(name, value)
        # DEBUG answers during a load except where it reads the dataset, as Redis's does.
        assert r.execute_command("DEBUG", "LOG", "during load") == b"OK"
        with pytest.raises(redis.exceptions.BusyLoadingError):
            r.execute_command("DEBUG", "DIGEST")
        assert "DEBUG LOG: during load" in s.log_text()
        assert _loading(s.port)
    finally:
        s.cleanup()


def test_child_reports_progress_while_saving(pair):
    """INFO's current_* fields follow a running BGSAVE child (keys written, copy-on-write) and
    return to 0 when it is done."""
    c, _ = pair
    r = redis.Redis(port=c.port)
    r.flushall()
    r.execute_command("DEBUG", "POPULATE", "5000", "key", "500")
    r.config_set("rdb-key-save-delay", "300")
    try:
        r.bgsave()
        i = 0

        def reported():
            nonlocal i
            # Written keys make the child's pages private copies.
            r.setrange(f"key:{i % 5000}", 0, "B" * 500)
            i += 1
            p = r.info("persistence")
            return (p["current_save_keys_total"] == 5000 and p["current_cow_size"] > 0 and
                    0 < p["current_save_keys_processed"] < 5000 and p["current_fork_perc"] > 0)
        wait_until(reported, 10, what="a progress report from the child")
        wait_until(lambda: r.info("persistence")["rdb_bgsave_in_progress"] == 0, 20)
        p = r.info("persistence")
        assert (p["current_cow_size"], p["current_save_keys_processed"],
                p["current_save_keys_total"]) == (0, 0, 0)
        assert p["rdb_last_cow_size"] > 0
    finally:
        r.config_set("rdb-key-save-delay", "0")


def _loading(port):
    try:
        return redis.Redis(port=port).info("persistence")["loading"] == 1
    except (redis.ConnectionError, redis.exceptions.BusyLoadingError):
        return False


def test_rdb_key_save_delay_keeps_bgsave_child_running(pair):
    c, _ = pair
    r = redis.Redis(port=c.port)
    r.flushall()
    r.execute_command("DEBUG", "POPULATE", "200")
    r.config_set("rdb-key-save-delay", "100000")
    try:
        r.bgsave()
        wait_until(lambda: r.info("persistence")["rdb_bgsave_in_progress"] == 1, 5)
        out = subprocess.run(["pgrep", "-P", str(c.proc.pid)], capture_output=True, text=True)
        assert out.stdout.strip(), "the BGSAVE child is a child of the server process"
        # FLUSHALL stops the child: its snapshot is of a dataset that no longer exists.
        r.flushall()
        wait_until(lambda: r.info("persistence")["rdb_bgsave_in_progress"] == 0, 5)
    finally:
        r.config_set("rdb-key-save-delay", "0")


@pytest.mark.parametrize("cmd", [["PUBLISH", "ch", "m"], ["SPUBLISH", "ch", "m"],
                                 ["PFCOUNT", "hll"]])
def test_write_pause_holds_commands_that_may_replicate(pair, cmd):
    """PUBLISH reaches replicas and PFCOUNT may rewrite its sketch: a write pause holds both."""
    for p in pair:
        r = redis.Redis(port=p.port)
        r.execute_command("CLIENT", "PAUSE", "20000", "WRITE")
        try:
            with socket.create_connection(("127.0.0.1", p.port)) as s:
                s.sendall(conversation.encode(cmd))
                wait_until(lambda: r.info("clients")["blocked_clients"] == 1, 10)
                r.execute_command("CLIENT", "UNPAUSE")
                assert s.recv(100) == b":0\r\n"
        finally:
            r.execute_command("CLIENT", "UNPAUSE")


def test_shared_integers_not_shared_under_lru_or_lfu(pair):
    """Small integers are shared objects unless eviction needs a per-key access time."""
    got = []
    for p in pair:
        r = redis.Redis(port=p.port)
        seen = []
        try:
            for maxmemory, policy in (("0", "noeviction"), ("1gb", "allkeys-lru"),
                                      ("1gb", "allkeys-lfu"), ("1gb", "volatile-ttl"),
                                      ("0", "allkeys-lru")):
                r.config_set("maxmemory", maxmemory)
                r.config_set("maxmemory-policy", policy)
                r.set("n", 5)
                seen.append(r.object("refcount", "n"))
        finally:
            r.config_set("maxmemory", "0")
            r.config_set("maxmemory-policy", "noeviction")
        got.append(seen)
    assert got[0] == got[1]
    assert got[0][1] == 1 and got[0][0] == 2147483647


def test_config_resetstat_resets_what_redis_resets(pair):
    """Every INFO counter Redis zeroes on CONFIG RESETSTAT is zeroed, and only those."""
    results = []
    for p in pair:
        r = redis.Redis(port=p.port)
        r.flushall()
        r.config_set("maxmemory-policy", "allkeys-lru")
        try:
            for j in range(40):
                r.setrange(f"big{j}", 100000, "x")
            r.config_set("maxmemory", r.info("memory")["used_memory"] - 1_000_000)
            r.set("after", "v")  # evicts
        finally:
            r.config_set("maxmemory", "0")
            r.config_set("maxmemory-policy", "noeviction")
        r.get("nokey")
        r.get("after")
        with pytest.raises(redis.ResponseError):
            r.execute_command("NOSUCHCOMMAND")
        r.bgsave()
        wait_until(lambda: r.info("persistence")["rdb_bgsave_in_progress"] == 0, 10)
        r.set("e", "v", px=1)
        wait_until(lambda: r.get("e") is None, 5)
        before = r.info("all")
        r.config_resetstat()
        after = r.info("all")
        names = ("evicted_keys", "expired_keys", "keyspace_hits", "keyspace_misses", "rdb_saves",
                 "total_forks", "latest_fork_usec", "total_error_replies",
                 "total_connections_received")
        assert all(before[n] != 0 for n in names), {n: before[n] for n in names}
        results.append({n: after[n] for n in names})
        assert "errorstat_ERR" not in after and "cmdstat_get" not in after
    # This connection was made before the reset: nothing counts it afterwards.
    assert results[0] == results[1] == dict.fromkeys(results[0], 0)


def test_tracking_redirect_broken_push_names_the_target(pair):
    """A RESP3 tracking client whose redirect target quit hears `tracking-redir-broken <id>`
    when one of its keys changes, right after the target's QUIT was answered."""
    for p in pair:
        redis.Redis(port=p.port).flushall()
        with socket.create_connection(("127.0.0.1", p.port)) as d, \
                socket.create_connection(("127.0.0.1", p.port)) as t:
            d.sendall(conversation.encode(["CLIENT", "ID"]))
            target = int(d.recv(100)[1:].split(b"\r\n")[0])
            t.sendall(conversation.encode(["HELLO", "3"]))
            t.recv(1000)
            t.sendall(conversation.encode(["CLIENT", "TRACKING", "on", "REDIRECT", str(target)]))
            assert t.recv(100) == b"+OK\r\n"
            t.sendall(conversation.encode(["GET", "key1"]))
            assert t.recv(100) == b"_\r\n"
            d.sendall(conversation.encode(["QUIT"]))
            assert d.recv(100) == b"+OK\r\n"
            redis.Redis(port=p.port).set("key1", "2")
            t.sendall(conversation.encode(["PING"]))
            want = b">2\r\n$21\r\ntracking-redir-broken\r\n:%d\r\n+PONG\r\n" % target
            got = b""
            t.settimeout(5)
            while len(got) < len(want):
                got += t.recv(1000)
            assert got == want, p.kind


@pytest.mark.oracle72
def test_served_blocked_command_gets_its_invalidation_after_the_reply(pair):
    assert_same(pair, stepwise([
        ("p", ["RPUSH", "list2{t}", "a"]),
        ("b", ["HELLO", "3"]), ("b", ["CLIENT", "TRACKING", "on"]),
        ("b", ["LRANGE", "list2{t}", "0", "-1"]),
    ]) + [("b", ["BLMOVE", "list1{t}", "list2{t}", "LEFT", "LEFT", "0"]), ("sleep", 0.1),
          ("p", ["RPUSH", "list1{t}", "foo"]), ("read", "p"), ("read", "b")])


def test_lowering_tracking_table_max_keys_invalidates_at_once(pair):
    for p in pair:
        r = redis.Redis(port=p.port)
        r.flushall()
        try:
            assert_same_keys = conversation.run(p.port, stepwise([
                ("t", ["HELLO", "3"]), ("t", ["CLIENT", "TRACKING", "on"]),
                ("t", ["MGET", "k1", "k2", "k3"]),
                ("c", ["CONFIG", "SET", "tracking-table-max-keys", "1"]),
                ("t", ["PING"]),
            ]))
            last = [b for n, b in assert_same_keys if n == "t"][-2]
            assert last.count(b"invalidate") == 2 and last.endswith(b"+PONG\r\n"), (p.kind, last)
            assert r.info("stats")["tracking_total_keys"] == 1
        finally:
            r.config_set("tracking-table-max-keys", "1000000")


def test_keys_evicted_for_a_command_are_invalidated_before_its_reply(pair):
    got = []
    for p in pair:
        r = redis.Redis(port=p.port)
        r.flushall()
        with socket.create_connection(("127.0.0.1", p.port)) as s:
            def cmd(*words):
                s.sendall(conversation.encode([str(w) for w in words]))
                want = {"GETBIT": b":0\r\n"}.get(words[0])
                data, s_deadline = b"", 50
                while not data.endswith(want or b"\r\n") and s_deadline:
                    data += s.recv(65536)
                    s_deadline -= 1
                return data
            cmd("HELLO", "3")
            cmd("CLIENT", "TRACKING", "on")
            m = r.info("memory")
            limit = m["used_memory"] - m["mem_not_counted_for_evict"] + 100 * 1024
            try:
                r.config_set("maxmemory-policy", "volatile-random")
                r.config_set("maxmemory", limit)
                cmd("SETEX", "volatile-key", "10000", "x")
                cmd("GET", "volatile-key")
                cmd("SETBIT", "big-key", "1600000", "0")  # now over the limit
                got.append(cmd("GETBIT", "big-key", "0"))
            finally:
                r.config_set("maxmemory", "0")
                r.config_set("maxmemory-policy", "noeviction")
    assert got[0] == got[1] == b">2\r\n$10\r\ninvalidate\r\n*1\r\n$12\r\nvolatile-key\r\n:0\r\n"


@pytest.mark.parametrize("filters", [[], ["TYPE", "string"], ["MATCH", "nomatch*"]])
def test_scan_deletes_the_expired_keys_it_passes(pair, filters):
    got = []
    for p in pair:
        r = redis.Redis(port=p.port, decode_responses=True)
        r.flushall()
        r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "0")
        try:
            r.execute_command("DEBUG", "POPULATE", "100")
            r.hset("hash", "f", "v")
            r.pexpire("hash", 1)
            time.sleep(0.01)  # the key's TTL passing is what is tested (no lookup may touch it)
            r.config_resetstat()
            cur, keys = 0, []
            while True:
                cur, k = r.scan(cur, **_scan_kwargs(filters))
                keys += k
                if cur == 0:
                    break
            got.append((r.info("keyspace")["db0"]["keys"], r.info("stats")["expired_keys"],
                        "hash" in keys))
        finally:
            r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "1")
    assert got[0] == got[1]
    assert got[0] == ((101, 0, False) if filters[:1] == ["MATCH"] else (100, 1, False))


def _scan_kwargs(filters):
    if not filters:
        return {}
    return {"_type": filters[1]} if filters[0] == "TYPE" else {"match": filters[1]}


def test_memory_of_a_huge_command_is_returned(pair):
    """After a 100k-argument SADD and an UNLINK, used_memory comes back near where it was: the
    server keeps no per-connection argument tables sized for the big command."""
    for p in pair:
        r = redis.Redis(port=p.port)
        r.flushall()
        wait_until(lambda: r.info("memory")["lazyfree_pending_objects"] == 0, 10)
        orig = r.info("memory")["used_memory"]
        r.sadd("myset", *range(100000))
        peak = r.info("memory")["used_memory"]
        assert peak > orig + 1_000_000
        assert r.unlink("myset") == 1
        wait_until(lambda: r.info("memory")["used_memory"] < min(peak, orig * 2), 10,
                   what=f"{p.kind} to reclaim the set and the command's memory")


def test_oom_score_adj_base_restore_and_child_class(pair):
    for p in pair:
        r = redis.Redis(port=p.port)
        path = f"/proc/{p.proc.pid}/oom_score_adj"

        def score(path=path):
            with open(path) as f:
                return int(f.read())
        r.config_set("oom-score-adj", "no")
        with open(path, "w") as f:
            f.write("22")
        r.config_set("oom-score-adj-values", "9 20 30")
        assert score() == 22  # untouched while off
        r.config_set("oom-score-adj", "yes")
        assert score() == 31  # relative to what it was when control was taken
        r.set("k", "v")
        r.config_set("rdb-key-save-delay", "1000000")
        try:
            r.bgsave()
            child = subprocess.run(["pgrep", "-P", str(p.proc.pid)], capture_output=True,
                                   text=True).stdout.split()[0]
            wait_until(lambda: score(f"/proc/{child}/oom_score_adj") == 52, 5, what=p.kind)
            os.kill(int(child), signal.SIGKILL)
            wait_until(lambda: r.info("persistence")["rdb_bgsave_in_progress"] == 0, 10)
        finally:
            r.config_set("rdb-key-save-delay", "0")
        r.config_set("oom-score-adj", "absolute")
        assert score() == 9
        r.config_set("oom-score-adj", "no")
        assert score() == 22  # given back


def test_reply_over_the_hard_limit_is_never_sent(pair):
    """Output limits count whole reply blocks as Redis does: a 111 KB KEYS reply is over a
    100000-byte hard limit, and the client is closed without any of it."""
    for p in pair:
        r = redis.Redis(port=p.port)
        r.flushall()
        r.execute_command("DEBUG", "POPULATE", "1000", "long-key-name-prefix-of-100-chars" + "-" * 67)
        r.config_set("client-output-buffer-limit", "normal 100000 0 0")
        try:
            with socket.create_connection(("127.0.0.1", p.port)) as s:
                s.sendall(conversation.encode(["KEYS", "*"]))
                s.settimeout(5)
                got = b""
                while chunk := s.recv(65536):
                    got += chunk
                assert got == b"", p.kind
        finally:
            r.config_set("client-output-buffer-limit", "normal 0 0 0")


def test_soft_output_limit_enforced_without_more_traffic(pair):
    for p in pair:
        r = redis.Redis(port=p.port)
        r.config_set("client-output-buffer-limit", "pubsub 0 100000 1")
        try:
            with socket.create_connection(("127.0.0.1", p.port)) as s:
                s.sendall(conversation.encode(["CLIENT", "ID"]))
                me = s.recv(100).decode()[1:].strip()  # ":<id>\r\n"
                s.sendall(conversation.encode(["SUBSCRIBE", "foo"]))
                s.recv(100)

                def mine():  # this subscriber's CLIENT LIST entry (other tests' may linger)
                    return [c for c in r.client_list() if str(c["id"]) == me]
                # Fill past the soft limit (the kernel's buffers take the first megabytes). One
                # message alone is over the limit until the server writes it to the socket, so
                # the buffer counts as full only when three looks in a row, 10 ms apart and
                # with nothing published between them, see it over the limit.
                full_looks = [0]

                def filled():
                    if any(int(c["omem"]) > 100000 for c in mine()):
                        full_looks[0] += 1
                        return full_looks[0] >= 3
                    full_looks[0] = 0
                    return r.publish("foo", "x" * 100_000) == 0
                wait_until(filled, 20)
                # Then nothing more is published: the client must still go after a second.
                wait_until(lambda: not mine(), 15, what=f"{p.kind} to close the subscriber")
        finally:
            r.config_set("client-output-buffer-limit", "pubsub 32mb 8mb 60")


def test_module_commands_when_enabled():
    """With enable-module-command yes: an empty list, and loads/unloads fail with Redis's replies
    and log lines (no module runs here; a missing file is reported as the loader reports it)."""
    servers = [ServerProcess(kind, args=["--enable-module-command", "yes"]).start()
               for kind in ("carmine", "redis")]
    try:
        calls = [["MODULE", "LIST"], ["MODULE", "LOAD", "/nonexistent/m.so", "a"],
                 ["MODULE", "LOADEX", "/nonexistent/m.so", "CONFIG", "n", "v", "ARGS", "x"],
                 ["MODULE", "UNLOAD", "nosuch"]]
        replies = []
        for s in servers:
            c = redis.Redis(port=s.port)
            out = []
            for call in calls:
                try:
                    out.append(c.execute_command(*call))
                except redis.ResponseError as e:
                    out.append(str(e))
            replies.append(out)
        assert replies[0] == replies[1]
        assert replies[0][0] == []
        for s in servers:
            wait_until(lambda: "Error unloading module nosuch: no such module with that name"
                       in s.log_text(), what="unload log line")
            assert ("Module /nonexistent/m.so failed to load: /nonexistent/m.so: cannot open "
                    "shared object file: No such file or directory") in s.log_text()
    finally:
        for s in servers:
            s.cleanup()


@pytest.mark.parametrize("cmd", [["HRANDFIELD", "h", "-999999999"],
                                 ["SRANDMEMBER", "s", "-999999999"],
                                 ["ZRANDMEMBER", "z", "-999999999", "WITHSCORES"],
                                 ["KEYS", "*"]])
def test_huge_reply_stops_at_the_output_limit(pair, cmd):
    """A reply that grows with its argument stops once the client is over its hard output limit
    (the client is closed, as by Redis), instead of being built whole in memory."""
    for p in pair:
        r = redis.Redis(port=p.port)
        r.flushall()
        r.hset("h", "a", "b")
        r.sadd("s", "a")
        r.zadd("z", {"a": 1})
        r.execute_command("DEBUG", "POPULATE", "3000", "long-key-name-" + "x" * 100)
        r.config_set("client-output-buffer-limit", "normal 100000 0 0")
        try:
            victim = redis.Redis(port=p.port, socket_timeout=20)
            with pytest.raises(redis.ConnectionError):
                victim.execute_command(*cmd)
            assert r.ping()
            assert r.info("memory")["used_memory"] < 200 * 1024 * 1024
        finally:
            r.config_set("client-output-buffer-limit", "normal 0 0 0")
