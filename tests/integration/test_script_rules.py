# Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
"""Redis's rules around scripts, checked against the built server (and the oracle where the
answer is a reply): redis.set_repl sending effects to the AOF or to replicas only, CLIENT PAUSE
WRITE holding scripts by their flags, a transaction judged by the flags its scripts declared,
min-replicas-to-write judged before a script's first write, errorstats counting each error once,
redis.error_reply's forms, and XREAD BLOCK refused inside scripts."""
import os
import re
import socket
import sys
import threading

import pytest
import redis

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from servers import ServerProcess, wait_until  # noqa: E402


def client(port, **kw):
    return redis.Redis(host="127.0.0.1", port=port, decode_responses=True, **kw)


@pytest.fixture
def master_replica(make_server):
    master = make_server(["--appendonly", "yes"])
    replica = make_server(["--replicaof", "127.0.0.1", str(master.port)])
    m, r = client(master.port), client(replica.port)
    wait_until(lambda: r.info("replication")["master_link_status"] == "up", 15,
               what="replica link up")
    wait_until(lambda: m.info("persistence")["aof_rewrite_in_progress"] == 0, 15,
               what="first AOF rewrite")
    return master, m, r


def test_set_repl_targets(master_replica):
    master, m, r = master_replica
    m.eval("redis.call('set','a','1')\n"
           "redis.set_repl(redis.REPL_NONE)\nredis.call('set','b','2')\n"
           "redis.set_repl(redis.REPL_AOF)\nredis.call('set','c','3')\n"
           "redis.set_repl(redis.REPL_REPLICA)\nredis.call('set','e','5')\n"
           "redis.set_repl(redis.REPL_ALL)\nredis.call('set','d','4')", 5, "a", "b", "c", "d", "e")
    wait_until(lambda: r.mget("a", "b", "c", "d", "e") == ["1", None, None, "4", "5"], 10,
               what="replica sees a, e and d only")
    assert m.mget("a", "b", "c", "d", "e") == ["1", "2", "3", "4", "5"]
    # The AOF has a, c and d: a reload from it drops b and e.
    m.execute_command("DEBUG", "LOADAOF")
    assert m.mget("a", "b", "c", "d", "e") == ["1", None, "3", "4", None]


def test_pause_write_holds_scripts_by_their_flags(make_server):
    s = make_server()
    c = client(s.port)
    c.function_load("#!lua name=lib\nredis.register_function{function_name='ro', "
                    "callback=function() return 'hello' end, flags={'no-writes'}}")
    c.execute_command("CLIENT", "PAUSE", 60000, "WRITE")
    other = client(s.port)
    # Declared read-only: served during the pause.
    assert other.eval("#!lua flags=no-writes\nreturn 'ro'", 0) == "ro"
    assert other.eval_ro("return 1", 0) == 1
    assert other.fcall("ro", 0) == "hello"
    # May write (no flags, or a shebang without no-writes): held until the pause ends.
    results = []
    threads = [threading.Thread(target=lambda body=body: results.append(
        client(s.port).eval(body, 0))) for body in ("return 1", "#!lua\nreturn 2")]
    for t in threads:
        t.start()
    wait_until(lambda: c.info("clients")["blocked_clients"] == 2, 10, what="scripts held")
    assert results == []
    c.execute_command("CLIENT", "UNPAUSE")
    for t in threads:
        t.join(10)
    assert sorted(results) == [1, 2]
    # PUBLISH may reach replicas: a read-only script may not call it.
    with pytest.raises(redis.ResponseError, match="^Write commands are not allowed from "
                                                  "read-only scripts"):
        c.eval_ro("return redis.call('publish','ch','m')", 0)


def test_transaction_judged_by_declared_flags(master_replica):
    master, m, r = master_replica
    replica_port = r.connection_pool.connection_kwargs["port"]
    r.execute_command("REPLICAOF", "NO", "ONE")
    writer, plain = client(replica_port), client(replica_port)
    # Queued while it is a master, executed once it is a replica again.
    raw1 = writer.connection_pool.get_connection("_")
    raw2 = plain.connection_pool.get_connection("_")
    raw1.send_command("MULTI")
    assert raw1.read_response() in (b"OK", "OK")
    raw1.send_command("EVAL", "#!lua\nreturn 1", 0)
    assert raw1.read_response() in (b"QUEUED", "QUEUED")
    raw2.send_command("MULTI")
    raw2.read_response()
    raw2.send_command("EVAL", "redis.call('set','x',1) return 1", 0)
    raw2.read_response()
    r.execute_command("REPLICAOF", "127.0.0.1", m.connection_pool.connection_kwargs["port"])
    raw1.send_command("EXEC")
    with pytest.raises(redis.ResponseError, match="^Transaction discarded because of: READONLY"):
        raw1.read_response()
    raw2.send_command("EXEC")
    replies = raw2.read_response()
    assert isinstance(replies[0], redis.ResponseError)
    # (redis-py drops the READONLY code from the text)
    assert str(replies[0]).startswith("You can't write against a read only replica. script: ")


def test_min_replicas_judged_before_the_first_write(master_replica):
    master, m, r = master_replica
    replica_port = r.connection_pool.connection_kwargs["port"]
    m.config_set("min-replicas-to-write", 1)
    m.config_set("busy-reply-threshold", 10)
    wait_until(lambda: m.info("replication").get("min_slaves_good_slaves") == 1, 10,
               what="one good replica")
    # The script writes, then waits until the replica is gone, then writes again: both writes
    # happen (a script that wrote runs to its end).
    out = []
    t = threading.Thread(target=lambda: out.append(client(master.port).eval(
        "redis.call('set','x','before')\n"
        "while true do\n"
        "  if string.match(redis.call('info','replication'), 'connected_slaves:0') then\n"
        "    redis.call('set','x','after') break end\n"
        "end\nreturn 1", 1, "x")))
    t.start()
    other = client(master.port)

    def busy():
        try:
            other.ping()
            return False
        except redis.ResponseError as e:
            return str(e).startswith("BUSY")
    wait_until(busy, 10, what="script running")
    client(replica_port).execute_command("REPLICAOF", "NO", "ONE")
    t.join(15)
    assert out == [1]
    assert m.get("x") == "after"
    # Now with no replica, a script's first write is refused.
    with pytest.raises(redis.ResponseError, match="^NOREPLICAS"):
        m.eval("redis.call('set','x','again')", 1, "x")


def test_errorstats_count_each_error_once(make_server):
    s = make_server()
    c = client(s.port)
    c.config_set("maxmemory", 1)
    c.config_resetstat()
    with pytest.raises(redis.ResponseError, match="^OOM command not allowed"):
        c.eval("return redis.call('set','x','y')", 1, "x")
    assert c.info("errorstats") == {"errorstat_OOM": "count=1"}
    stats = c.info("commandstats")
    assert stats["cmdstat_set"]["calls"] == 0 and stats["cmdstat_set"]["rejected_calls"] == 1
    assert stats["cmdstat_eval"]["calls"] == 1 and stats["cmdstat_eval"]["failed_calls"] == 1
    assert c.info("stats")["total_error_replies"] == 1
    c.config_set("maxmemory", 0)
    c.config_resetstat()
    # A pcall'd error returned as the script's reply is not counted a second time.
    with pytest.raises(redis.ResponseError, match="^DB index is out of range"):
        c.eval("return redis.pcall('select', 99)", 0)
    assert c.info("errorstats") == {"errorstat_ERR": "count=1"}
    assert c.info("stats")["total_error_replies"] == 1
    assert c.eval("local t = redis.pcall('select', 99) return t['ignore_error_stats_update'] "
                  "and 1 or 0", 0) == 1


@pytest.mark.parametrize("kind", ["carmine", "redis"])
def test_error_reply_forms(kind):
    s = ServerProcess(kind).start()
    try:
        sock = socket.create_connection(("127.0.0.1", s.port), timeout=10)
        f = sock.makefile("rb")
        got = []
        for text in ["", "-", "custom", "my err", "-X y", "ERR"]:
            for script in ("return redis.error_reply(ARGV[1])", "return {err=ARGV[1]}"):
                args = [b"EVAL", script.encode(), b"0", text.encode()]
                sock.sendall(b"*4\r\n" + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args))
                got.append(f.readline())
        # redis.error_reply puts ERR in front of a message without a code; a table is sent as is.
        assert got == [b"-ERR \r\n", b"-\r\n", b"-ERR \r\n", b"--\r\n", b"-ERR custom\r\n",
                       b"-custom\r\n", b"-my err\r\n", b"-my err\r\n", b"-X y\r\n", b"--X y\r\n",
                       b"-ERR ERR\r\n", b"-ERR\r\n"]
    finally:
        s.cleanup()


def test_xread_block_refused_in_scripts(make_server):
    c = client(make_server().port)
    c.xgroup_create("s", "g", "$", mkstream=True)
    assert c.eval("return redis.pcall('xread','STREAMS','s','$')", 1, "s") is None
    for script, name in (("return redis.pcall('xread','BLOCK',0,'STREAMS','s','$')", "xread"),
                         ("return redis.pcall('xreadgroup','group','g','c','BLOCK',0,'STREAMS',"
                          "'s','>')", "xreadgroup")):
        with pytest.raises(redis.ResponseError,
                           match=f"^{name} command is not allowed with BLOCK option from scripts"):
            c.eval(script, 1, "s")


def test_stale_replica_runs_no_unflagged_script(make_server):
    s = make_server(["--replica-serve-stale-data", "no"])
    c = client(s.port)
    c.execute_command("REPLICAOF", "127.0.0.1", 1)  # a master that never answers
    masterdown = "^MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'"
    with pytest.raises(redis.ResponseError, match=masterdown):
        c.eval("return 1", 0)
    with pytest.raises(redis.ResponseError, match=masterdown):
        c.eval("#!lua flags=no-writes\nreturn 1", 0)
    assert c.eval("#!lua flags=allow-stale,no-writes\nreturn 1", 0) == 1
    with pytest.raises(redis.ResponseError, match="Can not execute the command on a stale replica"):
        c.eval("#!lua flags=allow-stale,no-writes\nreturn redis.call('get','x')", 1, "x")


def test_aof_rewrite_without_preamble_keeps_functions(make_server):
    s = make_server(["--aof-use-rdb-preamble", "no"])
    c = client(s.port)
    c.function_load("#!lua name=test\nredis.register_function('test', function() return 1 end)")
    c.bgrewriteaof()
    wait_until(lambda: c.info("persistence")["aof_rewrite_in_progress"] == 0 and
               c.info("persistence")["aof_last_bgrewrite_status"] == "ok", 10, what="rewrite")
    c.function_flush()  # not in the AOF: appendonly is off
    c.execute_command("DEBUG", "LOADAOF")
    assert c.fcall("test", 0) == 1


def monitor_lines(port):
    mon = socket.create_connection(("127.0.0.1", port), timeout=10)
    f = mon.makefile("rb")
    mon.sendall(b"*1\r\n$7\r\nMONITOR\r\n")
    assert f.readline() == b"+OK\r\n"
    c = client(port)
    c.set("str", "abc")
    calls = [("EVAL", "redis.call('set',KEYS[1],ARGV[1])", 1, "foo", "bar"),
             ("EVALSHA", "0" * 40, 0), ("EVAL", "return 1", "abc"), ("EVAL", "return +", 0),
             ("FCALL", "nofunc", 0), ("EVAL_RO", "return redis.call('get','foo')", 0)]
    for call in calls:
        try:
            c.execute_command(*call)
        except redis.ResponseError:
            pass
    lines = [f.readline() for _ in range(9)]
    mon.close()
    return [re.sub(rb"^\+\d+\.\d+ \[0 [^\]]+\]", b"+TS [0 ADDR]", x) for x in lines]


def test_monitor_shows_script_calls_as_redis():
    servers = [ServerProcess(kind).start() for kind in ("carmine", "redis")]
    try:
        got, want = (monitor_lines(s.port) for s in servers)
        assert got == want
        assert got[1].startswith(b'+TS [0 ADDR] "EVAL" "redis.call(')
        assert got[2] == b'+TS [0 ADDR] "set" "foo" "bar"\r\n'  # [0 lua]
    finally:
        for s in servers:
            s.cleanup()


STRUCT_CASES = [
 "return struct.pack('>I2', 258)",
 "return struct.pack('<i', -2)",
 "return struct.pack('bBhHlLT', -1, 255, -300, 65000, -5, 7, 9)",
 "return struct.pack('>d', 1.5)",
 "return struct.pack('<f', 0.25)",
 "return struct.pack('c3', 'abcdef')",
 "return struct.pack('c0', 'xyz')",
 "return struct.pack('s', 'hi')",
 "return struct.pack('!4 b i', 1, 2)",
 "return struct.pack('!b d', 1, 2)",
 "return struct.pack('x b', 5)",
 "return {struct.unpack('>I2', struct.pack('>I2', 258))}",
 "return {struct.unpack('<i', struct.pack('<i', -2))}",
 "return {struct.unpack('bBhH', struct.pack('bBhH', -1, 255, -300, 65000))}",
 "return tostring(struct.unpack('>d', struct.pack('>d', 1.5)))",
 "return {struct.unpack('c3 s', 'abcxy\\0z')}",
 "return {struct.unpack('b c0', struct.pack('b', 2)..'hello')}",
 "return {struct.unpack('b', 'abc', 2)}",
 "return struct.size('!4 b i h')",
 "return struct.size('>I3 d')",
 "return struct.size('s')",
 "return struct.pack('q', 1)",
 "return struct.pack('i33', 1)",
 "return struct.pack('!3 i', 1)",
 "return {struct.unpack('i', 'ab')}",
 "return {struct.unpack('s', 'abc')}",
 "return struct.pack('s', 'a\\0b')",
 "return struct.pack('c5', 'ab')",
 "return {struct.unpack('>i8', struct.pack('>i8', -123456789012))}",
 "return {struct.unpack('<L', struct.pack('<L', 4294967296))}",
 "return struct.pack('>I16', -1)",
 "struct.foo = 1 return 1",
 "return {struct.unpack('b', 'abc', 5)}",
 "return struct.pack('i0', 5)", "return {struct.unpack('i0', 'abc')}", "return struct.size('!0')",
 "return struct.pack('c99999999999', 'a')", "return {struct.unpack('c0', 'abc')}",
 "return {struct.unpack('!8 b d', struct.pack('!8 b d', 1, 2))}", "return struct.pack('d', 1/0)",
 "return {struct.unpack('>i3', '\\255\\255\\255')}", "return struct.pack('B', -1)",
]


def struct_results(port):
    c = redis.Redis(host="127.0.0.1", port=port)
    out = []
    for script in STRUCT_CASES:
        try:
            out.append(c.eval(script, 0))
        except redis.ResponseError as e:
            out.append("ERR: " + str(e))
    return out


def test_struct_library_as_redis():
    servers = [ServerProcess(kind).start() for kind in ("carmine", "redis")]
    try:
        got, want = (struct_results(s.port) for s in servers)
        assert got == want
        assert got[0] == b"\x01\x02"
    finally:
        for s in servers:
            s.cleanup()
