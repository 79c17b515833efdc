#!/usr/bin/python3
# Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
"""Streams: carmine-server vs redis-server (the 7.2.4 oracle when present, else Debian's), rounds
interleaved (A B A B ...), medians and ratios.

  * redis-benchmark, 50 clients, pipeline 1 and 16 (Carmine `--threads 1` by default, as Redis):
    XADD with an automatic ID, XADD MAXLEN ~ 1000, XRANGE of 10 entries, XREADGROUP COUNT 1 of
    new entries (`>`) and XACK of pending ones;
  * memory: used_memory growth per entry after 1M small same-shaped entries
    (`sensor <n> value <n>`) in one stream, and in 1000 streams of 1000.
Writes bench/results/streams.md and prints it.
"""
import argparse
import csv
import io
import statistics
import subprocess
import sys

import redis

from compare import write_report
from servers import ServerProcess, redis_binary


def benchmark(port, n, pipeline, args):
    cmd = ["redis-benchmark", "-p", str(port), "-n", str(n), "-c", "50", "-P", str(pipeline),
           "-r", str(n), "--csv", *args]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=900).stdout
    rows = [r for r in csv.reader(io.StringIO(out)) if r and r[0] != "test"]
    return float(rows[-1][1]) if rows else 0.0


def preload(c, key, n, batch=10000):
    """n entries with IDs 1-0 .. n-0 (so XACK can name them)."""
    for start in range(0, n, batch):
        p = c.pipeline(transaction=False)
        for i in range(start, min(n, start + batch)):
            p.xadd(key, {"sensor": i % 100, "value": i}, id=f"{i + 1}-0")
        p.execute()


def one_round(kind, n, threads):
    extra = ["--threads", str(threads)] if kind == "carmine" else []
    s = ServerProcess(kind, args=extra)
    s.start()
    try:
        c = redis.Redis(port=s.port)
        res = {}
        for p in (1, 16):
            c.flushall()
            res[f"xadd_p{p}"] = benchmark(s.port, n, p, ["XADD", "s", "*", "f", "v"])
            res[f"xadd_maxlen_p{p}"] = benchmark(
                s.port, n, p, ["XADD", "t", "MAXLEN", "~", "1000", "*", "f", "v"])
            preload(c, "r", 10000)
            res[f"xrange_p{p}"] = benchmark(s.port, n, p, ["XRANGE", "r", "-", "+", "COUNT", "10"])
            # Every request of the read benchmark gets a new entry; then all of them are pending
            # and the ack benchmark acknowledges random ones.
            preload(c, "q", n)
            c.xgroup_create("q", "g", id="0")
            res[f"xreadgroup_p{p}"] = benchmark(
                s.port, n, p, ["XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "q", ">"])
            res[f"xack_p{p}"] = benchmark(s.port, n, p, ["XACK", "q", "g", "__rand_int__-0"])
        return res
    finally:
        s.cleanup()


def memory_round(kind, entries):
    s = ServerProcess(kind)
    s.start()
    try:
        c = redis.Redis(port=s.port)
        res = {}
        for name, streams in (("one", 1), ("many", 1000)):
            c.flushall()
            before = c.info("memory")["used_memory"]
            per = entries // streams
            for k in range(streams):
                for start in range(0, per, 10000):
                    p = c.pipeline(transaction=False)
                    for i in range(start, min(per, start + 10000)):
                        p.xadd(f"s{k}", {"sensor": i % 100, "value": i}, id=f"{i + 1}-0")
                    p.execute()
            res[f"bytes_{name}"] = (c.info("memory")["used_memory"] - before) / entries
        return res
    finally:
        s.cleanup()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=200000)
    ap.add_argument("--entries", type=int, default=1000000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    results = {}
    for rnd in range(args.rounds):
        for kind in ("carmine", "redis"):
            r = one_round(kind, args.requests, args.threads)
            r.update(memory_round(kind, args.entries))
            for k, v in r.items():
                results.setdefault((kind, k), []).append(v)
            print(f"round {rnd + 1} {kind}: {r}", file=sys.stderr)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    version = subprocess.run([redis_binary(), "--version"], capture_output=True,
                             text=True).stdout.split()[2]
    med = lambda kind, k: statistics.median(results[(kind, k)])  # noqa: E731
    lines = [f"Commit `{commit}`, redis-server {version}, 50 clients, Carmine `--threads "
             f"{args.threads}`, {args.requests:,} requests per test, median of {args.rounds} "
             f"rounds.", "", "| | carmine | redis | ratio |", "|---|---:|---:|---:|"]
    for p in (1, 16):
        for k, what in (("xadd", "XADD * f v"), ("xadd_maxlen", "XADD MAXLEN ~ 1000 * f v"),
                        ("xrange", "XRANGE - + COUNT 10"),
                        ("xreadgroup", "XREADGROUP COUNT 1 >"), ("xack", "XACK one ID")):
            c, r = med("carmine", f"{k}_p{p}"), med("redis", f"{k}_p{p}")
            lines.append(f"| {what}, -P {p} (req/s) | {c:,.0f} | {r:,.0f} | {c / r:.2f} |")
    for k, what in (("bytes_one", f"used_memory per entry, {args.entries:,} entries in 1 stream"),
                    ("bytes_many", f"used_memory per entry, {args.entries:,} entries in 1000 "
                                   "streams")):
        c, r = med("carmine", k), med("redis", k)
        lines.append(f"| {what} (bytes) | {c:.1f} | {r:.1f} | {c / r:.2f} |")
    write_report("streams", lines)


if __name__ == "__main__":
    main()
