#!/usr/bin/python3
# Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
"""Differential harness: runs the same command sequences against carmine-server and Debian's
redis-server and compares the replies byte for byte.

Two sources of cases:
  * the hand-written corpus in corpus/*.txt (one command per line, shell-style quoting; a blank
    line or '# reset' line flushes both servers),
  * a seeded random generator of command sequences over strings, keys and expiry.

Replies of commands whose element order Redis leaves unspecified (KEYS, SCAN, ...) are compared
after sorting. In the corpus, a line starting with "~" is compared after sorting (sets, big hashes)
and a line starting with "?" by reply shape only (type and length: random members); a line starting
with "@" shows behaviour Redis 7.2 changed and is compared only against a 7.2 oracle. The script prints "diff: N cases compared, M matched" and exits non-zero on any
mismatch.

The corpus runs once in RESP2 and once in RESP3; random batches alternate between the two.

Usage: run_diff.py [--seed N] [--random-ops N] [--carmine-port P --redis-port P] [--threads N]
"""
import argparse
import warnings
import glob
import os
import random
import re
import shlex
import sys

warnings.filterwarnings("ignore", category=DeprecationWarning)
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from servers import ServerProcess  # noqa: E402
from diff.resp import RawClient, normalize_unordered  # noqa: E402

UNORDERED = {"keys", "smembers", "sinter", "sunion", "sdiff", "hgetall", "hkeys", "hvals",
             "srandmember", "hrandfield"}


def normalize(cmd, raw, value):
    name = cmd[0].decode().lower() if isinstance(cmd[0], bytes) else cmd[0].lower()
    if name in UNORDERED:
        return repr(normalize_unordered(value))
    if name == "scan":
        t, v = value
        if t == b"*" and v and len(v) == 2:
            return repr((v[0], normalize_unordered(v[1])))
    return raw


def unordered_deep(value):
    """Sorts an array reply, or the element list of a [cursor, elements] scan reply."""
    t, v = value
    if t == b"*" and v and len(v) == 2 and v[1][0] == b"*" and v[0][0] == b"$":
        return (t, [v[0], normalize_unordered(v[1])])
    return normalize_unordered(value)


def shape(value):
    """The type and length of a reply, for commands whose elements are random (HRANDFIELD, ...).
    Errors keep their text."""
    t, v = value
    if t == b"-":
        return (t, v)
    if isinstance(v, list):
        return (t, len(v), [shape(x)[0] for x in v])
    return (t,)


# Replies that depend on the instant each server ran the command: integers compared with a
# tolerance (seconds for TTL-like replies, milliseconds for the P variants).
TIME_TOLERANCE = {"ttl": 1, "expiretime": 1, "pttl": 50, "pexpiretime": 50}


def same(cmd, craw, cval, rraw, rval):
    name = cmd[0].decode().lower() if isinstance(cmd[0], bytes) else cmd[0].lower()
    tol = TIME_TOLERANCE.get(name)
    if tol is not None and cval[0] == b":" and rval[0] == b":":
        a, b = int(cval[1]), int(rval[1])
        return a == b or (a >= 0 and b >= 0 and abs(a - b) <= tol)
    return normalize(cmd, craw, cval) == normalize(cmd, rraw, rval)


def same_numbers(cval, rval):
    """Redis 7.2 prints doubles in their shortest form (0.1), 7.0 with 17 digits
    (0.10000000000000001): against an older oracle, bulk strings that are the same double match."""
    (ct, cv), (rt, rv) = cval, rval
    if ct != rt:
        return False
    if isinstance(cv, list) and isinstance(rv, list):
        return len(cv) == len(rv) and all(same_numbers(a, b) for a, b in zip(cv, rv))
    if cv == rv:
        return True
    try:
        return ct in (b"$", b",") and float(cv) == float(rv)
    except (TypeError, ValueError):
        return False


def set_encoding_difference(client, cmd, cval, rval):
    """Carmine encodes small sets of strings and small lists as listpack (Redis 7.2); the 7.0
    oracle says hashtable and quicklist."""
    name = [a.lower() if isinstance(a, str) else a.decode().lower() for a in cmd[:2]]
    if name != ["object", "encoding"] or cval != (b"$", b"listpack"):
        return False
    expect = {b"hashtable": b"set", b"quicklist": b"list"}.get(rval[1]) if rval[0] == b"$" else None
    return expect is not None and client.call(["type", cmd[2]])[1][1] == expect


class EventListener:
    """A second connection per server that hears every keyspace event (notify-keyspace-events
    KEA). After each command the command connection publishes a marker; the events received
    before the marker are the ones that command caused, in order."""
    MARK = "__keymark__"

    def __init__(self, port, client):
        self.client = client
        client.call(["config", "set", "notify-keyspace-events", "KEAmn"])
        self.sub = RawClient(port)
        self.sub.call(["psubscribe", "__key*"])
        self.n = 0

    def collect(self):
        self.n += 1
        _, (t, _) = self.client.call(["publish", self.MARK, str(self.n)])
        if t == b"-":
            return None  # an ACL user without the marker channel: events not compared
        events = []
        while True:
            _, (t, v) = self.sub.read_reply()
            channel, message = v[2][1], v[3][1]
            if channel == self.MARK.encode():
                if message == str(self.n).encode():
                    return events
                continue
            events.append((channel, message))


class Runner:
    def __init__(self, cport, rport):
        self.c = RawClient(cport)
        self.r = RawClient(rport)
        self.compared = 0
        self.matched = 0
        self.failures = []
        self.listeners = [EventListener(cport, self.c), EventListener(rport, self.r)]
        self.in_multi = False
        self.last_origin = "start"
        self.random_seen = False  # a "?" line ran: the two datasets may differ by chance
        # Lines marked "@" show behaviour Redis 7.2 changed (Carmine follows 7.2.4). Against an
        # older oracle (Debian's 7.0, the fallback on a machine without ../shared/redis-7.2.4)
        # they run on both servers but are not compared, nor is the dataset their block leaves.
        info = self.r.call(["info", "server"])[1]
        version = re.search(rb"redis_version:(\d+)\.(\d+)", info[1] if info[0] == b"$" else b"")
        self.oracle_72 = version is None or (int(version.group(1)), int(version.group(2))) >= (7, 2)
        self.version_skipped = False
        self.skipped = 0

    def compare_digests(self):
        """DEBUG DIGEST of both datasets (Redis's own fingerprint, which Carmine computes the
        same way): what every block left behind must be identical, not just the replies."""
        if self.random_seen or self.last_origin == "start" or self.version_skipped:
            return
        if not self.oracle_72:
            return  # 7.0 digests doubles in 17 digits, 7.2 in the shortest form
        c = self.c.call(["debug", "digest"])
        r = self.r.call(["debug", "digest"])
        if c[1][0] == b"-" or r[1][0] == b"-":
            return  # servers started elsewhere without enable-debug-command
        self.compared += 1
        if c[0] == r[0]:
            self.matched += 1
        else:
            self.failures.append((self.last_origin + " (dataset digest)", [b"debug", b"digest"],
                                  c[0], r[0]))

    def events(self, cmd):
        """The keyspace events each server reported for `cmd` (None inside MULTI: they are
        compared at EXEC)."""
        name = cmd[0].decode().lower() if isinstance(cmd[0], bytes) else cmd[0].lower()
        if name == "multi":
            self.in_multi = True
        elif name in ("exec", "discard", "reset"):
            self.in_multi = False
        if self.in_multi:
            return None
        return [lst.collect() for lst in self.listeners]

    def run(self, cmd, origin, mode=""):
        name = cmd[0].decode().lower() if isinstance(cmd[0], bytes) else cmd[0].lower()
        self.last_origin = origin
        if mode == "?":
            self.random_seen = True
        if self.in_multi and (name in UNORDERED or name in TIME_TOLERANCE or
                              name in ("object", "sort", "sort_ro", "scan")):
            # Their allowed differences (element order, encoding names, the millisecond a relative
            # TTL was set) would surface inside the EXEC reply, where the per-command allowances
            # above cannot see them.
            return
        try:
            craw, cval = self.c.call(cmd)
            rraw, rval = self.r.call(cmd)
        except ConnectionError:
            print(f"connection closed at {origin}: {cmd!r}")
            raise
        ev = self.events(cmd)
        if ev is not None and cmd[0] in ("sort", "sort_ro", b"sort", b"sort_ro"):
            # SORT looks up its BY/GET keys in the order it walks the source, which for a set
            # depends on the encoding; the set of lookups (and misses) must still agree.
            ev = [sorted(e) for e in ev]
        if ev is not None and ev[0] != ev[1]:
            self.compared += 1
            self.failures.append((origin + " (keyspace events)", cmd, repr(ev[0]).encode(),
                                  repr(ev[1]).encode()))
            return
        if mode == "@" and not self.oracle_72:
            self.version_skipped = True
            self.skipped += 1
            return
        self.compared += 1
        if mode == "?":
            ok = shape(cval) == shape(rval)
        elif mode == "~":
            ok = repr(unordered_deep(cval)) == repr(unordered_deep(rval))
        else:
            ok = same(cmd, craw, cval, rraw, rval) or set_encoding_difference(self.c, cmd, cval, rval)
            if not ok and not self.oracle_72:
                ok = same_numbers(cval, rval)
        if ok:
            self.matched += 1
        else:
            self.failures.append((origin, cmd, craw, rraw))

    def reset(self, resp=2):
        self.compare_digests()
        self.random_seen = False
        self.version_skipped = False
        for cl in (self.c, self.r):
            cl.call(["reset"])  # leaves an open MULTI and drops WATCHes
            cl.call(["hello", str(resp)])  # replies differ (server name, id): not compared
            cl.call(["config", "set", "hash-max-listpack-entries", "512", "set-max-intset-entries", "512",
                     "zset-max-listpack-entries", "128", "list-max-listpack-size", "-2"])
            if cl is self.c:
                cl.call(["config", "set", "set-max-listpack-entries", "128"])
            cl.call(["flushall"])
            cl.call(["select", "0"])
        self.in_multi = False
        self.events(["ping"])  # drop what the reset itself reported


def load_corpus(pattern="*"):
    cases = []
    for path in sorted(glob.glob(os.path.join(HERE, "corpus", pattern + ".txt"))):
        name = os.path.basename(path)
        block = []
        with open(path, encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                s = line.strip()
                if not s or s == "# reset":
                    if block:
                        cases.append(block)
                        block = []
                    continue
                if s.startswith("#"):
                    continue
                mode = ""
                if s[0] in "?~@":
                    mode, s = s[0], s[1:].strip()
                args = shlex.split(s)
                args = [a.encode("latin-1", "backslashreplace").decode("unicode_escape").encode("latin-1")
                        for a in args]
                block.append((args, f"{name}:{lineno}", mode))
        if block:
            cases.append(block)
    return cases


KEYS = ["k1", "k2", "k3", "{t}a", "{t}b", "n1", "n2", "bits"]
VALS = ["", "0", "1", "-5", "42", "9223372036854775807", "3.5", "hello", "foobar",
        "x" * 50, "10e2", " 7", "\x00\xff", "abc"]


# GT/LT comparisons use absolute deadlines: two relative ones issued in the same millisecond on
# one server but not the other would compare differently.
def random_command(rng):
    k = rng.choice(KEYS)
    k2 = rng.choice(KEYS)
    v = rng.choice(VALS)
    i = str(rng.choice([-3, -1, 0, 1, 2, 5, 100, 1000]))
    ops = [
        ["set", k, v], ["set", k, v, "NX"], ["set", k, v, "XX", "GET"], ["set", k, v, "EX", "1000"],
        ["set", k, v, "KEEPTTL"], ["get", k], ["getdel", k], ["getset", k, v],
        ["getex", k, "PERSIST"], ["getex", k, "EX", "500"], ["mget", k, k2], ["mset", k, v, k2, v],
        ["msetnx", k, v, k2, v], ["setnx", k, v], ["incr", k], ["decr", k], ["incrby", k, i],
        ["decrby", k, i], ["incrbyfloat", k, rng.choice(["0.5", "-1.25", "3", "1e2"])],
        ["append", k, v], ["strlen", k], ["getrange", k, i, str(rng.choice([-1, 0, 3, 10]))],
        ["setrange", k, str(rng.choice([0, 1, 3, 10])), v], ["substr", k, "0", i],
        ["del", k, k2], ["exists", k, k2, k], ["type", k], ["rename", k, k2], ["renamenx", k, k2],
        ["copy", k, k2], ["copy", k, k2, "REPLACE"], ["expire", k, "1000"], ["expireat", k, "4102444900", "GT"],
        ["expireat", k, "4102444700", "LT"], ["expire", k, "100", "NX"], ["expire", k, "100", "XX"],
        ["persist", k], ["ttl", k], ["expireat", k, "4102444800"], ["expiretime", k],
        ["pexpireat", k, "4102444800123"], ["pexpiretime", k], ["object", "encoding", k],
        ["setbit", k, str(rng.choice([0, 7, 15, 100])), rng.choice(["0", "1"])],
        ["getbit", k, str(rng.choice([0, 7, 15, 100]))], ["bitcount", k],
        ["bitcount", k, "0", i], ["bitcount", k, "1", "-1", "BIT"], ["bitpos", k, "1"],
        ["bitpos", k, "0", "1"], ["bitop", rng.choice(["AND", "OR", "XOR"]), "dest", k, k2],
        ["bitop", "NOT", "dest", k], ["get", "dest"],
        ["bitfield", k, "INCRBY", rng.choice(["u4", "i5", "i8", "u8"]), str(rng.choice([0, 3, 12])), i],
        ["bitfield", k, "OVERFLOW", rng.choice(["SAT", "FAIL", "WRAP"]), "INCRBY", "i4", "0", "9"],
        ["bitfield_ro", k, "GET", "u8", "0"], ["lcs", k, k2], ["lcs", k, k2, "LEN"],
        ["dbsize"], ["move", k, "1"], ["swapdb", "0", "1"], ["select", rng.choice(["0", "1"])],
        ["exists", k], ["touch", k, k2], ["unlink", k],
        # Transactions interleave with everything else (queued commands, EXEC, WATCH failures).
        ["multi"], ["multi"], ["exec"], ["exec"], ["discard"], ["watch", k, k2], ["unwatch"],
    ]
    return rng.choice(ops + collection_ops(rng, k, k2, v, i))


FIELDS = ["f1", "f2", "f3", "1", "-7", "x" * 20]
MEMBERS = ["a", "b", "c", "1", "2", "300", "-4", "70000", "y" * 20]


def collection_ops(rng, k, k2, v, i):
    """Hash and set operations over the same keys as the string operations (so WRONGTYPE paths
    are exercised too). Small encoding thresholds are set at each reset so conversions happen."""
    f = rng.choice(FIELDS)
    m = rng.choice(MEMBERS)
    ms = rng.sample(MEMBERS, rng.randint(1, 4))
    return [
        ["hset", k, f, v], ["hset", k, f, v, rng.choice(FIELDS), v], ["hsetnx", k, f, v],
        ["hget", k, f], ["hmget", k, f, "f2"], ["hdel", k, f], ["hdel", k, f, "f1", "1"],
        ["hlen", k], ["hstrlen", k, f], ["hexists", k, f], ["hgetall", k], ["hkeys", k],
        ["hvals", k], ["hincrby", k, f, i], ["hincrbyfloat", k, f, rng.choice(["0.5", "-2", "1e3"])],
        ["hrandfield", k, "100"], ["hrandfield", k, "100", "WITHVALUES"],
        ["sadd", k] + ms, ["srem", k] + ms, ["scard", k], ["sismember", k, m],
        ["smismember", k, m, "a"], ["smembers", k], ["smove", k, k2, m],
        ["sinter", k, k2], ["sunion", k, k2], ["sdiff", k, k2], ["sinterstore", "dest", k, k2],
        ["sunionstore", "dest", k, k2], ["sdiffstore", "dest", k, k2], ["sintercard", "2", k, k2],
        ["srandmember", k, "100"], ["smembers", "dest"],
    ] + zset_ops(rng, k, k2, i)


SCORES = ["0", "1", "1.5", "-2", "100", "inf", "-inf", "3e10", "0.1"]


def zset_ops(rng, k, k2, i):
    m = rng.choice(MEMBERS)
    sc = rng.choice(SCORES)
    # Lex ranges are only defined when all scores are equal: they run on "lexz" (all scores 0).
    pairs = [x for _ in range(rng.randint(1, 3)) for x in (rng.choice(SCORES), rng.choice(MEMBERS))]
    lo, hi = sorted(rng.sample(["-inf", "(0", "0", "1", "(1.5", "2", "100", "+inf"], 2),
                    key=lambda v: float(v.lstrip("(")))
    llo, lhi = sorted(rng.sample(["-", "[a", "(b", "[c", "[1", "(300", "+"], 2),
                      key=lambda v: {"-": "", "+": "\xff"}.get(v, v[1:]))
    return [
        ["zadd", k] + pairs, ["zadd", k, rng.choice(["NX", "XX", "GT", "LT"]), "CH"] + pairs,
        ["zadd", k, "INCR", sc, m], ["zincrby", k, rng.choice(["1", "-0.5", "inf"]), m],
        ["zrem", k, m, rng.choice(MEMBERS)], ["zcard", k], ["zscore", k, m], ["zmscore", k, m, "a"],
        ["zrank", k, m], ["zrevrank", k, m], ["zcount", k, lo, hi], ["zlexcount", "lexz", llo, lhi],
        ["zrange", k, "0", i, "WITHSCORES"], ["zrange", k, lo, hi, "BYSCORE", "LIMIT", "1", "2"],
        ["zrange", k, hi, lo, "BYSCORE", "REV", "WITHSCORES"], ["zrange", "lexz", llo, lhi, "BYLEX"],
        ["zrevrange", k, "0", "-1"], ["zrangebyscore", k, lo, hi, "WITHSCORES"],
        ["zrevrangebyscore", k, hi, lo], ["zrangebylex", "lexz", llo, lhi], ["zrevrangebylex", "lexz", lhi, llo],
        ["zrangestore", "dest", k, "0", "-1"], ["zremrangebyrank", k, "0", "1"],
        ["zremrangebyscore", k, lo, hi], ["zremrangebylex", "lexz", llo, lhi], ["zadd", "lexz", "0", m, "0", rng.choice(MEMBERS)], ["zpopmin", k],
        ["zpopmax", k, "2"], ["zmpop", "2", k, k2, rng.choice(["MIN", "MAX"]), "COUNT", "2"],
        ["zunion", "2", k, k2, "WITHSCORES"], ["zinter", "2", k, k2, "WITHSCORES"],
        ["zdiff", "2", k, k2, "WITHSCORES"], ["zunionstore", "dest", "2", k, k2, "WEIGHTS", "2", "0.5"],
        ["zinterstore", "dest", "2", k, k2, "AGGREGATE", rng.choice(["MIN", "MAX", "SUM"])],
        ["zdiffstore", "dest", "2", k, k2], ["zintercard", "2", k, k2], ["zrange", "dest", "0", "-1", "WITHSCORES"],
        ["zrandmember", k, "100", "WITHSCORES"],
    ] + list_ops(rng, k, k2, i)


def list_ops(rng, k, k2, i):
    m = rng.choice(MEMBERS)
    ms = [rng.choice(MEMBERS) for _ in range(rng.randint(1, 4))]
    side = rng.choice(["LEFT", "RIGHT"])
    return [
        ["lpush", k] + ms, ["rpush", k] + ms, ["lpushx", k, m], ["rpushx", k, m], ["lpop", k],
        ["rpop", k, "2"], ["llen", k], ["lindex", k, i], ["lrange", k, "0", i],
        ["linsert", k, rng.choice(["BEFORE", "AFTER"]), m, "ins"], ["lrem", k, i, m],
        ["lset", k, i, m], ["ltrim", k, "1", "-2"], ["lpos", k, m, "RANK", rng.choice(["1", "-1", "2"])],
        ["lpos", k, m, "COUNT", "0"], ["lmove", k, k2, side, rng.choice(["LEFT", "RIGHT"])],
        ["rpoplpush", k, k2], ["lmpop", "2", k, k2, side, "COUNT", "2"],
        ["blpop", k, k2, "0.01"], ["brpop", k, "0.01"], ["blmove", k, k2, side, side, "0.01"],
        ["blmpop", "0.01", "2", k, k2, side], ["bzpopmin", k, k2, "0.01"], ["lrange", k2, "0", "-1"],
    ] + hll_ops(rng, k, k2)


def geo_ops(rng):
    """Points spread over the globe, searched by circle and box (unsorted too: the order of the
    covering cells must match)."""
    def lon():
        return f"{rng.uniform(-180, 180):.6f}"

    def lat():
        return f"{rng.uniform(-85, 85):.6f}"
    m = f"p{rng.randrange(40)}"
    r = str(rng.choice([1, 50, 300, 1000, 5000, 20000]))
    return [
        ["geoadd", "geo", lon(), lat(), m], ["geoadd", "geo", lon(), lat(), m, lon(), lat(), "x" + m],
        ["geosearch", "geo", "FROMLONLAT", lon(), lat(), "BYRADIUS", r, "km", "WITHDIST"],
        ["geosearch", "geo", "FROMMEMBER", m, "BYBOX", r, r, "km", "ASC", "WITHCOORD"],
        ["georadius", "geo", lon(), lat(), r, "km", "WITHHASH", "DESC"],
        ["georadiusbymember", "geo", m, r, "mi", "COUNT", "3", "WITHDIST"],
        ["geodist", "geo", m, f"p{rng.randrange(40)}", "km"], ["geohash", "geo", m],
        ["geopos", "geo", m], ["geosearchstore", "gdst", "geo", "FROMMEMBER", m, "BYRADIUS", r, "km"],
        ["zrange", "gdst", "0", "-1", "WITHSCORES"],
    ] + sort_ops(rng) + stream_ops(rng)


def stream_ops(rng):
    """Streams with explicit IDs (automatic ones and idle times depend on the clock), on the
    shared keys too (WRONGTYPE both ways)."""
    k = rng.choice(["st1", "st2", rng.choice(KEYS)])
    sid = f"{rng.randint(1, 60)}-{rng.randint(0, 3)}"
    sid2 = f"{rng.randint(1, 60)}-{rng.randint(0, 3)}"
    g = rng.choice(["g1", "g2"])
    c = rng.choice(["c1", "c2", "c3"])
    fv = rng.choice([["f", "v"], ["f", "1", "g", "2"], ["n", str(rng.randrange(1000))]])
    return [["xadd", k, sid] + fv, ["xadd", k, f"{rng.randint(1, 60)}-*"] + fv,
            ["xadd", k, "MAXLEN", rng.choice(["=", "~"]), str(rng.randint(0, 8)), sid] + fv,
            ["xadd", k, "NOMKSTREAM", "MINID", sid2, sid] + fv, ["xlen", k], ["xdel", k, sid, sid2],
            ["xrange", k, "-", "+"], ["xrange", k, sid, "+", "COUNT", "3"],
            ["xrevrange", k, "+", f"({sid}", "COUNT", "2"], ["xtrim", k, "MAXLEN", str(rng.randint(0, 6))],
            ["xtrim", k, "MINID", sid], ["xsetid", k, sid], ["xread", "COUNT", "2", "STREAMS", k, sid],
            ["xgroup", "CREATE", k, g, rng.choice(["0", "$", sid]), "MKSTREAM"],
            ["xgroup", "SETID", k, g, sid], ["xgroup", "DESTROY", k, g],
            ["xgroup", "CREATECONSUMER", k, g, c], ["xgroup", "DELCONSUMER", k, g, c],
            ["xreadgroup", "GROUP", g, c, "COUNT", "2", "STREAMS", k, ">"],
            ["xreadgroup", "GROUP", g, c, "NOACK", "STREAMS", k, ">"],
            ["xreadgroup", "GROUP", g, c, "STREAMS", k, "0"], ["xack", k, g, sid, sid2],
            ["xpending", k, g], ["xclaim", k, g, c, "0", sid, sid2, "JUSTID"],
            ["xautoclaim", k, g, c, "0", "0", "COUNT", "2", "JUSTID"], ["xinfo", "groups", k],
            ["xinfo", "stream", k]]


def sort_ops(rng):
    k = rng.choice(KEYS)
    return [["sort", k], ["sort", k, "ALPHA", "DESC", "LIMIT", "1", "3"],
            ["sort", k, "BY", "k*", "GET", "#", "GET", "k*"],
            ["sort", k, "ALPHA", "STORE", "sdst"], ["lrange", "sdst", "0", "-1"],
            ["sort_ro", k, "ALPHA", "BY", "n*", "GET", "{t}*->f1"]]


def hll_ops(rng, k, k2):
    elements = [str(rng.randrange(200000)) for _ in range(rng.choice([1, 5, 50, 400]))]
    return geo_ops(rng) + [["pfadd", k] + elements, ["pfcount", k], ["pfcount", k, k2], ["pfmerge", "dest", k, k2],
            ["get", k], ["pfcount", "dest"]]


SMALL_ENCODINGS = ["config", "set", "hash-max-listpack-entries", "4", "set-max-intset-entries", "4",
                   "zset-max-listpack-entries", "4", "list-max-listpack-size", "3"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=int(os.environ.get("DIFF_SEED", "1")))
    ap.add_argument("--random-ops", type=int, default=4000)
    ap.add_argument("--carmine-port", type=int)
    ap.add_argument("--redis-port", type=int)
    ap.add_argument("--threads", default="2")
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--corpus", default="*", help="corpus files to run (a glob, without .txt)")
    args = ap.parse_args()

    servers = []
    try:
        if args.carmine_port and args.redis_port:
            cport, rport = args.carmine_port, args.redis_port
        else:
            debug = ["--enable-debug-command", "yes"]
            c = ServerProcess("carmine", args=["--threads", args.threads, *debug]).start()
            r = ServerProcess("redis", args=debug).start()
            servers = [c, r]
            cport, rport = c.port, r.port
        runner = Runner(cport, rport)
        corpus = load_corpus(args.corpus)
        # The corpus runs twice: RESP2, then RESP3 (maps, sets, doubles, nulls, pairs).
        for resp in (2, 3):
            for block in corpus:
                runner.reset(resp)
                for cmd, origin, mode in block:
                    runner.run(cmd, f"{origin}/resp{resp}", mode)
        corpus_cases = runner.compared
        rng = random.Random(args.seed)
        runner.reset()
        for n in range(args.random_ops):
            if n % 500 == 0:
                runner.reset(3 if (n // 1000) % 2 == 1 else 2)
                if (n // 500) % 2 == 1:
                    runner.run(SMALL_ENCODINGS, "random-setup")
                    # set-max-listpack-entries is Redis 7.2 (Carmine only).
                    runner.c.call(["config", "set", "set-max-listpack-entries", "4"])
            runner.run(random_command(rng), f"random(seed={args.seed})#{n}")
        for origin, cmd, craw, rraw in runner.failures[:40]:
            print(f"MISMATCH {origin}: {cmd!r}\n  carmine: {craw!r}\n  redis:   {rraw!r}")
        print(f"diff: corpus {corpus_cases} cases, random {runner.compared - corpus_cases} cases "
              f"(seed {args.seed})")
        print(f"diff: {runner.compared} cases compared, {runner.matched} matched")
        if runner.skipped:
            print(f"diff: {runner.skipped} cases of Redis 7.2 behaviour not compared "
                  f"(the oracle is older than 7.2)")
        return 0 if runner.matched == runner.compared else 1
    finally:
        for s in servers:
            s.cleanup()


if __name__ == "__main__":
    sys.exit(main())
