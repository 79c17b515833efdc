#!/usr/bin/python3
# Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
"""Lua scripting: carmine-server vs redis-server (the 7.2.4 oracle when present, else Debian's),
rounds interleaved (A B A B ...), medians and ratios.

  * EVALSHA of a small write script (INCR + EXPIRE of a random key) and of a read script that
    GETs 10 keys, redis-benchmark with 50 clients, pipeline 1 and 16 (Carmine `--threads 1` by
    default, as Redis);
  * what a long script costs other clients: while one client runs a ~20 ms script (2M loop
    iterations) every 100 ms,
    redis-benchmark GET measures the latency other clients see (p50 and p99), with Carmine at
    `--threads 4`.
Writes bench/results/scripting.md and prints it.
"""
import argparse
import csv
import io
import statistics
import subprocess
import sys
import threading
import time

import redis

from compare import write_report
from servers import ServerProcess, redis_binary

WRITE = ("local v = redis.call('incr', KEYS[1]) "
         "redis.call('expire', KEYS[1], 3600) return v")
READ = "local r = {} for i = 1, 10 do r[i] = redis.call('get', KEYS[i]) end return r"
# A busy loop of ARGV[1] iterations (TIME stands still inside a script, so it cannot time
# itself); 2,000,000 take about 20 ms with Lua 5.1 on this class of machine.
SPIN = "local n = 0 for i = 1, tonumber(ARGV[1]) do n = n + i end return n"


def benchmark(port, n, pipeline, args, extra=()):
    cmd = ["redis-benchmark", "-p", str(port), "-n", str(n), "-c", "50", "-P", str(pipeline),
           "-r", "100000", "--csv", *extra, *args]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=600).stdout
    rows = [r for r in csv.reader(io.StringIO(out)) if r and r[0] != "test"]
    return rows[-1] if rows else None


def one_round(kind, n, threads):
    extra = ["--threads", str(threads)] if kind == "carmine" else []
    s = ServerProcess(kind, args=extra)
    s.start()
    try:
        c = redis.Redis(port=s.port)
        for i in range(10):
            c.set(f"rk:{i}", "x" * 20)
        w, r = c.script_load(WRITE), c.script_load(READ)
        res = {}
        for p in (1, 16):
            row = benchmark(s.port, n, p, ["EVALSHA", w, "1", "key:__rand_int__"])
            res[f"write_p{p}"] = float(row[1])
            row = benchmark(s.port, n, p, ["EVALSHA", r, "10"] + [f"rk:{i}" for i in range(10)])
            res[f"read_p{p}"] = float(row[1])
        return res
    finally:
        s.cleanup()


def latency_round(kind, n, threads):
    """GET latency of other clients while a 20 ms script runs every 100 ms."""
    extra = ["--threads", str(threads)] if kind == "carmine" else []
    s = ServerProcess(kind, args=extra)
    s.start()
    stop = threading.Event()
    try:
        c = redis.Redis(port=s.port)
        spin = c.script_load(SPIN)

        def long_scripts():
            sc = redis.Redis(port=s.port)
            while not stop.is_set():
                sc.evalsha(spin, 0, 2000000)
                time.sleep(0.1)

        t = threading.Thread(target=long_scripts)
        t.start()
        row = benchmark(s.port, n, 1, [], extra=["-t", "get"])
        stop.set()
        t.join()
        # csv: test, rps, avg, min, p50, p95, p99, max
        return {"lat_p50": float(row[4]), "lat_p99": float(row[6])}
    finally:
        stop.set()
        s.cleanup()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=200000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--latency-threads", type=int, default=4)
    args = ap.parse_args()
    results = {}
    for rnd in range(args.rounds):
        for kind in ("carmine", "redis"):
            r = one_round(kind, args.requests, args.threads)
            r.update(latency_round(kind, args.requests // 2, args.latency_threads))
            for k, v in r.items():
                results.setdefault((kind, k), []).append(v)
            print(f"round {rnd + 1} {kind}: {r}", file=sys.stderr)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    version = subprocess.run([redis_binary(), "--version"], capture_output=True,
                             text=True).stdout.split()[2]
    med = lambda kind, k: statistics.median(results[(kind, k)])  # noqa: E731
    lines = [f"Commit `{commit}`, redis-server {version}, 50 clients, Carmine `--threads "
             f"{args.threads}` (latency rows: `--threads {args.latency_threads}`), median of "
             f"{args.rounds} rounds.", "", "| | carmine | redis | ratio |", "|---|---:|---:|---:|"]
    for p in (1, 16):
        for k, what in (("write", "EVALSHA INCR+EXPIRE"), ("read", "EVALSHA 10 GETs")):
            c, r = med("carmine", f"{k}_p{p}"), med("redis", f"{k}_p{p}")
            lines.append(f"| {what}, -P {p} (req/s) | {c:,.0f} | {r:,.0f} | {c / r:.2f} |")
    for k, what in (("lat_p50", "GET p50 latency beside 20 ms scripts (ms)"),
                    ("lat_p99", "GET p99 latency beside 20 ms scripts (ms)")):
        c, r = med("carmine", k), med("redis", k)
        lines.append(f"| {what} | {c:.3f} | {r:.3f} | {c / r:.2f} |")
    write_report("scripting", lines)


if __name__ == "__main__":
    main()
