#!/usr/bin/python3
# Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
"""Compares COMMAND INFO of every command Carmine implements with Debian's redis-server: arity,
flags, first/last/step key positions and ACL categories (subcommands included). Commands that the
oracle does not know are listed but not compared; what Redis 7.2 changed is allowed to differ when
the oracle is older than 7.2.

Prints "command-info: N commands compared, M matched" and exits non-zero on a mismatch."""
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from servers import ServerProcess  # noqa: E402
from diff.resp import RawClient  # noqa: E402

# What Redis 7.2 changed, which Carmine follows: allowed to differ only when the oracle is older
# (Debian's 7.0, the fallback on a machine without ../shared/redis-7.2.4). (command, field) ->
# reason; "*" is every field, "args" the COMMAND DOCS argument tree.
CHANGED_IN_72 = {
    ("client|no-touch", "*"): "added in Redis 7.2",
    ("client|setinfo", "*"): "added in Redis 7.2",
    ("zrank", "arity"): "WITHSCORE added in Redis 7.2",
    ("zrevrank", "arity"): "WITHSCORE added in Redis 7.2",
    ("zrank", "args"): "WITHSCORE added in Redis 7.2",
    ("zrevrank", "args"): "WITHSCORE added in Redis 7.2",
    ("command|getkeys", "arity"): "7.2 accepts a command without arguments",
    ("command|getkeysandflags", "arity"): "7.2 accepts a command without arguments",
    **{(n, "flags"): "7.2 lets scripts call blocking commands (no noscript flag)"
       for n in ("blmove", "blpop", "brpop", "brpoplpush", "bzpopmax", "bzpopmin", "blmpop",
                 "bzmpop")},
    **{(n, "args"): "7.2 reworded these argument docs"
       for n in ("bitop", "client|kill", "client|list", "config|get", "geohash", "geopos",
                 "georadius", "georadiusbymember", "migrate", "pfmerge", "psubscribe")},
}


def plain(value):
    t, v = value
    if t == b":":
        return int(v)
    if isinstance(v, list):
        return [plain(x) for x in v]
    return v


def command_info(client, *names):
    return plain(client.call(["COMMAND", "INFO", *names])[1])


def describe(info):
    return {
        "arity": info[1],
        "flags": sorted(f.decode() if isinstance(f, bytes) else f for f in info[2]),
        "keys": (info[3], info[4], info[5]),
        "acl": sorted(c.decode() if isinstance(c, bytes) else c for c in info[6]),
    }


def flatten(reply, out):
    for info in reply:
        if not info:
            continue
        name = info[0].decode() if isinstance(info[0], bytes) else info[0]
        out[name] = describe(info)
        if len(info) > 9:
            flatten(info[9], out)
    return out


def to_map(flat):
    it = iter(flat)
    return {(k.decode() if isinstance(k, bytes) else k): v for k, v in zip(it, it)}


def arg_shape(args):
    """The part of COMMAND DOCS arguments that clients use: type, token, flags, nesting."""
    out = []
    for a in args:
        m = to_map(a)
        flags = sorted(f.decode() if isinstance(f, bytes) else f for f in m.get("flags", []))
        flags = [f for f in flags if f != "multiple_token"]
        token = m.get("token")
        out.append((m["type"], token.upper() if token else None, tuple(flags),
                    tuple(arg_shape(m.get("arguments", [])))))
    return out


def docs_of(client, names):
    reply = plain(client.call(["COMMAND", "DOCS", *names])[1])
    docs = {}
    for name, body in zip(reply[::2], reply[1::2]):
        m = to_map(body)
        docs[name.decode()] = m
        for sub, sbody in to_map(m.get("subcommands", [])).items():
            docs[sub] = to_map(sbody)
    return docs


def main():
    c = ServerProcess("carmine").start()
    r = ServerProcess("redis").start()
    try:
        cc = RawClient(c.port)
        rc = RawClient(r.port)
        info = rc.call(["INFO", "server"])[1][1]
        version = re.search(rb"redis_version:(\d+)\.(\d+)", info)
        ALLOWED = {} if (int(version.group(1)), int(version.group(2))) >= (7, 2) else CHANGED_IN_72
        mine = flatten(command_info(cc), {})
        names = list(mine)
        theirs = flatten([x for x in command_info(rc, *names) if x], {})
        compared = matched = 0
        for name in sorted(names):
            if name not in theirs:
                print(f"not in oracle: {name}")
                continue
            compared += 1
            a, b = mine[name], theirs[name]
            diffs = [k for k in a if a[k] != b[k] and (name, k) not in ALLOWED and (name, "*") not in ALLOWED]
            if diffs:
                for k in diffs:
                    print(f"MISMATCH {name} {k}: carmine={a[k]} redis={b[k]}")
            else:
                matched += 1
        print(f"command-info: {compared} commands compared, {matched} matched")
        # COMMAND DOCS argument trees (what redis-cli builds its hints from).
        containers = sorted({n.split("|")[0] for n in names})
        ours = docs_of(cc, containers)
        ref = docs_of(rc, containers)
        dcompared = dmatched = 0
        for name in sorted(ours):
            if "arguments" not in ours[name] or name not in ref or (name, "*") in ALLOWED:
                continue
            dcompared += 1
            a, b = arg_shape(ours[name]["arguments"]), arg_shape(ref[name].get("arguments", []))
            if a == b:
                dmatched += 1
            elif (name, "args") in ALLOWED:
                dmatched += 1
            else:
                print(f"DOCS MISMATCH {name}:\n  carmine={a}\n  redis=  {b}")
        print(f"command-docs: {dcompared} argument lists compared, {dmatched} matched")
        return 0 if compared == matched and dcompared == dmatched else 1
    finally:
        c.cleanup()
        r.cleanup()


if __name__ == "__main__":
    sys.exit(main())
