# Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
"""Lua scripting and functions through real clients: redis-py's Lock and register_script,
ioredis defineCommand and FCALL, atomicity against clients on other worker threads, script
effects replicated and written to the AOF, function libraries surviving restarts and reaching
replicas, busy scripts (-BUSY, SCRIPT KILL, FUNCTION KILL, SHUTDOWN NOSAVE) with one and with
several threads. Conditions are polled with deadlines."""
import json
import os
import shutil
import subprocess
import sys
import threading
import time

import pytest
import redis

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from servers import wait_until  # noqa: E402

NODE_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "node")
LIB = ("#!lua name=mylib\n"
       "redis.register_function('setget', function(keys, args)\n"
       "  redis.call('set', keys[1], args[1]) return redis.call('get', keys[1]) end)\n"
       "redis.register_function{function_name='ro', callback=function(keys) "
       "return redis.call('get', keys[1]) end, flags={'no-writes'}}\n")


def as_map(flat):
    return dict(zip(flat[0::2], flat[1::2]))


def client(port, **kw):
    return redis.Redis(host="127.0.0.1", port=port, decode_responses=True, **kw)


def test_redis_py_lock_and_register_script(r):
    lock = r.lock("resource", timeout=5, blocking_timeout=1)
    assert lock.acquire()
    other = r.lock("resource", timeout=5, blocking_timeout=0.1)
    assert not other.acquire()  # held
    assert lock.extend(5)       # a Lua script in redis-py
    assert r.pttl("resource") > 5000
    lock.release()              # a Lua script too
    assert other.acquire()
    other.release()
    limiter = r.register_script(
        "local n = redis.call('incr', KEYS[1]) "
        "if n == 1 then redis.call('expire', KEYS[1], ARGV[1]) end "
        "return n <= tonumber(ARGV[2]) and 1 or 0")
    r.script_flush()  # register_script falls back to EVAL on NOSCRIPT
    assert sum(limiter(keys=["rl"], args=[60, 10]) for _ in range(25)) == 10
    assert 0 < r.ttl("rl") <= 60


def test_eval_conversions_and_errors(r):
    assert r.eval("return {1, 'two', {3}, true, false}", 0) == [1, "two", [3], 1, None]
    assert r.eval("return redis.call('set', KEYS[1], ARGV[1])", 1, "k", "v") == "OK"
    with pytest.raises(redis.ResponseError, match="^Unknown Redis command called from script "
                                                  "script: [0-9a-f]{40}, on @user_script:1.$"):
        r.eval("return redis.call('nosuch')", 0)
    with pytest.raises(redis.ResponseError, match="attempt to call local 'f' \\(a nil value\\)"):
        r.eval("local f = nil; f()", 0)
    with pytest.raises(redis.ResponseError, match="Script attempted to access nonexistent global"):
        r.eval("return undefined_global", 0)
    with pytest.raises(redis.ResponseError, match="Attempt to modify a readonly table"):
        r.eval("x = 1", 0)
    with pytest.raises(redis.ResponseError, match="Error compiling script"):
        r.eval("this is not lua", 0)
    # A script that fails half-way keeps what it wrote before the error, as in Redis.
    with pytest.raises(redis.ResponseError, match="WRONGTYPE"):
        r.eval("redis.call('set', 'a', '1'); redis.call('lpush', 'a', 'x')", 0)
    assert r.get("a") == "1"
    sha = r.script_load("return ARGV[1]")
    assert r.evalsha(sha, 0, "hey") == "hey"
    assert r.script_exists(sha, "0" * 40) == [True, False]
    with pytest.raises(redis.exceptions.NoScriptError):
        r.evalsha("0" * 40, 0)
    assert r.eval("return cmsgpack.unpack(cmsgpack.pack({1, 2, 3}))", 0) == [1, 2, 3]
    assert r.eval("return cjson.encode(cjson.decode('[1,2]'))", 0) == "[1,2]"


def test_scripts_are_atomic_across_threads(server_port):
    """A script that moves units between two keys; readers on other connections (other worker
    threads) always see the total intact."""
    c = client(server_port)
    c.mset({"acct:a": 1000, "acct:b": 0})
    move = c.register_script(
        "local v = tonumber(redis.call('get', KEYS[1])) "
        "if v > 0 then redis.call('decr', KEYS[1]); redis.call('incr', KEYS[2]) end "
        "return v")
    stop = threading.Event()
    bad = []

    def reader():
        rc = client(server_port)
        while not stop.is_set():
            a, b = rc.mget("acct:a", "acct:b")
            if int(a) + int(b) != 1000:
                bad.append((a, b))

    readers = [threading.Thread(target=reader) for _ in range(3)]
    for t in readers:
        t.start()
    for i in range(500):
        move(keys=["acct:a", "acct:b"] if i % 2 == 0 else ["acct:b", "acct:a"])
    stop.set()
    for t in readers:
        t.join()
    assert not bad
    assert int(c.get("acct:a")) + int(c.get("acct:b")) == 1000


def test_functions_load_call_list_and_persist(make_server, tmp_path):
    s = make_server(["--dir", str(tmp_path), "--appendonly", "no"])
    c = client(s.port)
    assert c.function_load(LIB) == "mylib"
    assert c.fcall("setget", 1, "k", "v") == "v"
    assert c.fcall_ro("ro", 1, "k") == "v"
    with pytest.raises(redis.ResponseError, match="Can not execute a script with write flag"):
        c.fcall_ro("setget", 1, "k", "x")
    with pytest.raises(redis.ResponseError, match="Library 'mylib' already exists"):
        c.function_load(LIB)
    lib = as_map(c.function_list(withcode=True)[0])  # RESP2: flat name, value lists
    assert lib["library_name"] == "mylib" and lib["library_code"] == LIB
    assert sorted(as_map(f)["name"] for f in lib["functions"]) == ["ro", "setget"]
    dump = c.function_dump()
    c.save()
    s.stop()
    s.start()
    c = client(s.port)
    assert c.fcall("setget", 1, "k2", "after restart") == "after restart"
    c.function_flush()
    with pytest.raises(redis.ResponseError, match="Function not found"):
        c.fcall("setget", 1, "k", "v")
    assert c.function_restore(dump)
    assert c.fcall_ro("ro", 1, "k2") == "after restart"


def test_script_effects_and_functions_reach_replica_and_aof(make_server, tmp_path):
    m = make_server(["--dir", str(tmp_path), "--appendonly", "yes"])
    rep = make_server(["--replicaof", f"127.0.0.1 {m.port}"])
    mc, rc = client(m.port), client(rep.port)
    wait_until(lambda: rc.info("replication")["master_link_status"] == "up", 15)
    mc.function_load(LIB)
    mc.eval("for i = 1, 10 do redis.call('rpush', KEYS[1], i) end "
            "redis.call('set', 'rnd', tostring(math.random()))", 1, "list")
    mc.fcall("setget", 1, "fk", "fv")
    wait_until(lambda: rc.lrange("list", 0, -1) == [str(i) for i in range(1, 11)], 10)
    wait_until(lambda: rc.get("fk") == "fv", 10)
    assert rc.get("rnd") == mc.get("rnd")  # effects, not the script, were replicated
    assert rc.fcall_ro("ro", 1, "fk") == "fv"  # the library reached the replica
    with pytest.raises(redis.ResponseError, match="write against a read only replica"):
        rc.eval("redis.call('set', 'x', '1')", 0)
    # The AOF holds the effects in MULTI/EXEC and the library: a restart rebuilds both.
    m.stop()
    m.start()
    mc = client(m.port)
    assert mc.lrange("list", 0, -1) == [str(i) for i in range(1, 11)]
    assert mc.fcall_ro("ro", 1, "fk") == "fv"


@pytest.mark.parametrize("threads", ["1", "4"])
def test_busy_script_kill_and_shutdown(make_server, threads):
    s = make_server(["--threads", threads, "--busy-reply-threshold", "50"])
    c = client(s.port)
    c.function_load(LIB)
    c.function_load("#!lua name=spin\nredis.register_function('spin', function() "
                    "while true do end end)")
    for kind in ("eval", "fcall"):
        runner = client(s.port)
        result = {}

        def run():
            try:
                if kind == "eval":
                    runner.eval("while true do end", 0)
                else:
                    runner.fcall("spin", 0)
            except redis.ResponseError as e:
                result["error"] = str(e)

        t = threading.Thread(target=run)
        t.start()
        others = [client(s.port) for _ in range(4)]  # some share the script's thread
        for o in others:
            wait_until(lambda: _busy(o), 10, what="-BUSY")
        kill = "script kill" if kind == "eval" else "function kill"
        assert c.execute_command(*kill.split()) == "OK"
        t.join(10)
        assert "killed by user" in result["error"]
        assert all(o.ping() for o in others)
    # A script that wrote cannot be killed; SHUTDOWN NOSAVE still ends the server.
    t = threading.Thread(target=lambda: _quiet(
        lambda: client(s.port).eval("redis.call('set','w','1') while true do end", 0)))
    t.start()
    other = client(s.port)
    wait_until(lambda: _busy(other), 10, what="-BUSY")
    with pytest.raises(redis.ResponseError, match="UNKILLABLE"):
        other.script_kill()
    _quiet(lambda: other.shutdown(nosave=True))
    wait_until(lambda: s.proc.poll() is not None, 10, what="server exit")
    t.join(10)


def _busy(c):
    try:
        c.ping()
        return False
    except redis.ResponseError as e:
        return str(e).startswith("BUSY")


def _quiet(fn):
    try:
        fn()
    except (redis.ConnectionError, redis.ResponseError):
        pass


def test_ioredis_define_command_and_fcall(server_port):
    node = shutil.which("node")
    assert node and os.path.isdir(os.path.join(NODE_DIR, "node_modules", "ioredis")), \
        "node/ioredis missing: run scripts/deps.sh"
    out = subprocess.run([node, os.path.join(NODE_DIR, "lua_clients.mjs"), str(server_port)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report == {"capped": [1, 2, 3, 3, 3], "allowed": 50, "greeting": "hi io"}
