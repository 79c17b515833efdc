# Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
"""The Lua debugger (SCRIPT DEBUG SYNC|YES, redis-cli --ldb), compared with the oracle: the same
sessions run against Carmine and redis-server and their transcripts must match byte for byte
(apart from the addresses Lua prints for functions). Also: a forked session's changes are
thrown away and a synchronous one's kept, sessions end with the connection, the server keeps
serving, and a debugging child is ended at shutdown."""
import os
import re
import socket
import subprocess
import sys

import pytest
import redis

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from servers import ServerProcess, redis_binary, wait_until  # noqa: E402



def redis_cli():
    shared = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
        __file__)))), "..", "shared", "redis-7.2.4", "bin", "redis-cli")
    return shared if os.path.exists(shared) else "redis-cli"


def encode(*args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


class Raw:
    """A socket that reads whole RESP replies, returned as their raw bytes."""

    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buf = b""

    def _line(self):
        while b"\r\n" not in self.buf:
            chunk = self.s.recv(65536)
            if not chunk:
                raise EOFError
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line + b"\r\n"

    def _exact(self, n):
        while len(self.buf) < n:
            chunk = self.s.recv(65536)
            if not chunk:
                raise EOFError
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def reply(self):
        line = self._line()
        if line[:1] in (b"*", b"%", b"~"):
            n = int(line[1:-2])
            return line + b"".join(self.reply() for _ in range(max(n, 0)))
        if line[:1] == b"$" and int(line[1:-2]) >= 0:
            return line + self._exact(int(line[1:-2]) + 2)
        return line

    def send(self, *args):
        self.s.sendall(encode(*args))

    def closed(self):
        try:
            return self.s.recv(1) == b""
        except (ConnectionResetError, socket.timeout):
            return True


SCRIPT = """local a = 1
local s = 'he"llo\\n'
local t = {1,'x',{a=1},k=false}
redis.debug('values', a, t, 0.1, 1e20)
redis.call('set', KEYS[1], a)
local e = redis.pcall('incr', 'str')
local function f(x)
  return x + 1
end
local y = f(a)
redis.breakpoint()
local m = redis.call('hgetall', 'h')
return {y, redis.call('get', KEYS[1])}"""

SESSION = [
    ["help"], ["list"], ["whole"], ["print"], ["print", "a"], ["step"], ["next"], ["s"], ["p"],
    ["s"], ["s"], ["print", "t"], ["p", "KEYS"], ["p", "ARGV"], ["p", "nosuch"],
    ["eval", "return 1+1"], ["e", "x x"], ["e", "error('boom')"], ["e", "return {1,2,{a='b'}}"],
    ["redis", "ping"], ["r", "set"], ["r", "foo"], ["r", "hset", "h", "f", "v"], ["r", "hgetall", "h"],
    ["r", "get", "nokey"], ["r", "incr", "str"], ["r", "set", "big", "x" * 300], ["r", "get", "big"],
    ["maxlen"], ["maxlen", "5"], ["maxlen", "70"], ["r", "get", "big"], ["maxlen", "0"],
    ["break"], ["break", "100"], ["break", "abc"], ["b", "12"], ["break"], ["b", "-12", "13"],
    ["b", "-99"], ["l", "12", "1"], ["list", "1000"], ["trace"], ["s"], ["s"], ["s"], ["trace"],
    ["p"], ["c"], ["t"], ["c"], ["foo"], ["hello\0world"], ["\0hello"], ["s"], ["s"],
]


def transcript(port, script, session, keys=("k",), argv=("argv1",)):
    c = Raw(port)
    c.send("set", "str", "abc")
    out = [c.reply()]
    c.send("script", "debug", "sync")
    out.append(c.reply())
    c.send("eval", script, len(keys), *keys, *argv)
    out.append(c.reply())
    for cmd in session:
        c.send(*cmd)
        try:
            r = c.reply()
        except EOFError:
            out.append(b"<closed>")
            break
        out.append(r)
        if b"<endsession>" in r:
            out.append(c.reply())  # the EVAL's own reply
            out.append(b"<closed>" if c.closed() else b"<open>")
            break
    # Lua prints functions with their address.
    return [re.sub(rb"function@0x[0-9a-f]+", b"function@ADDR", x) for x in out]


@pytest.fixture
def pair():
    both = [ServerProcess(kind, args=["--busy-reply-threshold", "300"]) for kind in ("carmine", "redis")]
    for s in both:
        s.start()
    yield both
    for s in both:
        s.cleanup()


def test_sync_session_matches_redis(pair):
    carmine, oracle = pair
    got = transcript(carmine.port, SCRIPT, SESSION)
    want = transcript(oracle.port, SCRIPT, SESSION)
    assert got == want
    assert b"<closed>" in got[-1]
    # A synchronous session keeps what the script wrote.
    assert redis.Redis(port=carmine.port).get("k") == b"1"


def test_errors_abort_and_timeout_match_redis(pair):
    cases = [
        ("local a = 1\nerror('x')", [["c"]]),
        ("redis.call('set','k1','v')\nreturn 1", [["a"]]),
        ("local t = {}\nfor i=1,3 do\n  t[i] = i\nend\nwhile true do end", [["c"], ["p"], ["a"]]),
        ("return 1 +", [["s"]]),  # does not compile: the session ends at once
    ]
    for script, session in cases:
        got = transcript(pair[0].port, script, session, keys=())
        want = transcript(pair[1].port, script, session, keys=())
        assert got == want, script


def test_protocol_errors_end_the_session(pair):
    for port in (s.port for s in pair):
        c = Raw(port)
        c.send("script", "debug", "sync")
        assert c.reply() == b"+OK\r\n"
        c.send("eval", "return 1", "0")
        assert c.reply().startswith(b"*2\r\n+* Stopped at 1")
        c.s.sendall(b"garbage\r\n")
        assert c.reply() == b"*1\r\n+<endsession>\r\n"
        assert c.reply().startswith(b"-ERR protocol error script: ")
        assert c.closed()
    for s in pair:
        assert redis.Redis(port=s.port).ping()


def test_evalsha_and_multi_refused(pair):
    for s in pair:
        c = redis.Redis(port=s.port)
        sha = c.script_load("return 1")
        raw = Raw(s.port)
        raw.send("script", "debug", "yes")
        raw.reply()
        raw.send("evalsha", sha, "0")
        assert raw.reply() == b"-ERR Please use EVAL instead of EVALSHA for debugging\r\n"
        raw.send("evalsha", "abc", "0")
        assert raw.reply() == b"-NOSCRIPT No matching script. Please use EVAL.\r\n"
        raw.send("multi")
        raw.reply()
        raw.send("script", "debug", "sync")
        assert raw.reply() == b"+QUEUED\r\n"
        raw.send("exec")
        assert raw.reply() == b"*1\r\n-ERR SCRIPT DEBUG must be called outside a pipeline\r\n"


def test_client_gone_ends_the_session(pair):
    carmine = pair[0]
    c = Raw(carmine.port)
    c.send("script", "debug", "sync")
    c.reply()
    c.send("eval", "redis.call('set','gone','1')\nreturn 1", "0")
    c.reply()
    c.s.close()
    r = redis.Redis(port=carmine.port)
    # The script ends (with an error nobody reads) and the dataset is free again.
    wait_until(lambda: r.set("after", "1"), 10, what="server serving after the client left")


def cli_session(port, sync, commands):
    args = [redis_cli(), "-p", str(port), "--ldb-sync-mode" if sync else "--ldb", "--eval"]
    script = "local a = redis.call('incr', KEYS[1])\nredis.debug('a is', a)\nreturn a\n"
    path = f"/tmp/carmine-ldb-{port}.lua"
    with open(path, "w") as f:
        f.write(script)
    out = subprocess.run(args + [path, "counter"], input="\n".join(commands) + "\n",
                         capture_output=True, text=True, timeout=30)
    os.unlink(path)
    return out.stdout


@pytest.mark.parametrize("sync", [False, True])
def test_redis_cli_ldb(pair, sync):
    outs = []
    for s in pair:
        outs.append(cli_session(s.port, sync, ["n", "print", "redis get counter", "c"]))
        value = redis.Redis(port=s.port).get("counter")
        # A forked session (--ldb) rolls its changes back; a synchronous one keeps them.
        assert value == (b"1" if sync else None)
    assert outs[0] == outs[1]
    assert "<debug> line 2: \"a is\", 1" in outs[0]


def test_forked_session_killed_at_shutdown(make_server):
    s = make_server()
    c = Raw(s.port)
    c.send("script", "debug", "yes")
    c.reply()
    c.send("eval", "return 1", "0")
    assert c.reply().startswith(b"*2\r\n+* Stopped at 1")
    r = redis.Redis(port=s.port)
    assert r.info("stats")["total_forks"] >= 1
    assert r.ping()  # the server itself is not held by the session
    try:
        r.shutdown(nosave=True)
    except redis.ConnectionError:
        pass
    s.proc.wait(10)
    assert c.closed()
    with open(s.log) as f:
        log = f.read()
    assert "Redis forked for debugging eval" in log
    assert re.search(r"\* Killing debugging session \d+", log)
