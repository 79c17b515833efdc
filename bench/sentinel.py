#!/usr/bin/python3
# Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
"""Sentinel failover time: a master, two replicas and three Sentinels (quorum 2,
down-after-milliseconds 1000, failover-timeout 10000, parallel-syncs 1), all Carmine or all Redis
(the 7.2.4 oracle's redis-server, its Sentinel run as `redis-server --sentinel`), rounds
interleaved. Each round kills the master with SIGKILL while redis-py's Sentinel client writes, and
times (from the kill) until every Sentinel names the new master and until the client's first
successful write on it. Median and worst. Writes bench/results/sentinel.md and prints it.
"""
import argparse
import statistics
import subprocess
import sys
import time

import redis
from redis.sentinel import Sentinel

from compare import write_report
from servers import ServerProcess, redis_binary

NODE = ["--repl-diskless-sync-delay", "0", "--save", ""]


def wait(cond, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if cond():
                return
        except redis.RedisError:
            pass
        time.sleep(0.01)
    raise TimeoutError("condition not reached")


def one_round(kind):
    procs = []

    def start(args=None, conf=None):
        p = ServerProcess(kind, args=list(args or []), config_text=conf)
        p.start()
        procs.append(p)
        return p

    try:
        m = start(NODE)
        for _ in range(2):
            start(NODE + ["--replicaof", "127.0.0.1", str(m.port)])
        conf = (f"sentinel monitor mymaster 127.0.0.1 {m.port} 2\n"
                "sentinel down-after-milliseconds mymaster 1000\n"
                "sentinel failover-timeout mymaster 10000\n")
        sentinels = [start(["--sentinel"], conf) for _ in range(3)]

        def discovered():
            for s in sentinels:
                r = redis.Redis(port=s.port).execute_command("SENTINEL", "MASTER", "mymaster")
                d = dict(zip(r[::2], r[1::2]))
                if d[b"num-slaves"] != b"2" or d[b"num-other-sentinels"] != b"2":
                    return False
            return True
        wait(discovered)
        client = Sentinel([("127.0.0.1", s.port) for s in sentinels], socket_timeout=0.2)
        master = client.master_for("mymaster", socket_timeout=0.2)
        master.set("warm", 1)
        m.proc.kill()
        t0 = time.monotonic()
        agreed = wrote = None
        while time.monotonic() - t0 < 60 and (agreed is None or wrote is None):
            if agreed is None:
                addrs = set()
                for s in sentinels:
                    a = redis.Redis(port=s.port).execute_command(
                        "SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster")
                    addrs.add(int(a[1]))
                if len(addrs) == 1 and m.port not in addrs:
                    agreed = time.monotonic() - t0
            if wrote is None:
                try:
                    master.set("after", 1)
                    wrote = time.monotonic() - t0
                except (redis.ConnectionError, redis.TimeoutError, redis.ReadOnlyError):
                    pass
            time.sleep(0.005)
        return {"agreed": agreed, "write": wrote}
    finally:
        for p in procs:
            p.cleanup()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=10)
    args = ap.parse_args()
    results = {}
    for rnd in range(args.rounds):
        for kind in ("carmine", "redis"):
            r = one_round(kind)
            for k, v in r.items():
                results.setdefault((kind, k), []).append(v)
            print(f"round {rnd + 1} {kind}: {r}", file=sys.stderr)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    version = subprocess.run([redis_binary(), "--version"], capture_output=True,
                             text=True).stdout.split()[2]
    lines = [f"Commit `{commit}`, redis-server {version} (`--sentinel`), master + 2 replicas + "
             f"3 Sentinels, quorum 2, down-after-milliseconds 1000, {args.rounds} rounds "
             "interleaved; seconds from `kill -9` of the master.", "",
             "| | carmine median | carmine worst | redis median | redis worst |",
             "|---|---:|---:|---:|---:|"]
    for k, name in (("agreed", "every Sentinel names the new master"),
                    ("write", "first successful write (redis-py Sentinel client)")):
        c = [v for v in results[("carmine", k)] if v is not None]
        r = [v for v in results[("redis", k)] if v is not None]
        lines.append(f"| {name} | {statistics.median(c):.2f} | {max(c):.2f} | "
                     f"{statistics.median(r):.2f} | {max(r):.2f} |")
    write_report("sentinel", lines)


if __name__ == "__main__":
    main()
