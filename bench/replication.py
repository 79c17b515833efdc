#!/usr/bin/python3
# Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
"""Replication: carmine-server vs redis-server (the 7.2.4 oracle when present, else Debian's), a
master with two replicas of the same server, rounds interleaved (A B A B ...).

  * full sync: the master holds the persistence benchmark's mixed dataset (by default 500k keys);
    two replicas are started with --replicaof at once and timed until both report
    master_link_status:up with the master's offset (diskless sync, delay 0, and disk-backed);
  * writes with the two replicas attached: redis-benchmark SET, 50 clients, pipeline 1 and 16,
    random keys; then the time until both replicas have applied everything; then GET the same
    way.
Medians. Writes bench/results/replication.md and prints it.
"""
import argparse
import statistics
import subprocess
import sys
import time

from compare import bench, write_report
from persistence import dataset_commands, load
from servers import ServerProcess, redis_binary


def info_field(port, field):
    out = subprocess.run(["redis-cli", "-p", str(port), "info", "replication"],
                         capture_output=True, text=True, timeout=60).stdout
    for line in out.splitlines():
        if line.startswith(field + ":"):
            return line.split(":", 1)[1].strip()
    return ""


def wait_synced(master, replicas, timeout=600):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        want = info_field(master.port, "master_repl_offset")
        if all(info_field(r.port, "master_link_status") == "up" and
               info_field(r.port, "slave_repl_offset") == want for r in replicas):
            return
        time.sleep(0.01)
    raise TimeoutError("replicas did not catch up")


def one_round(kind, data, diskless, n, threads):
    extra = ["--threads", str(threads)] if kind == "carmine" else []
    m = ServerProcess(kind, args=extra + ["--repl-diskless-sync", "yes" if diskless else "no",
                                          "--repl-diskless-sync-delay", "0"])
    m.start()
    replicas = []
    try:
        load(m.port, data)
        t = time.perf_counter()
        for _ in range(2):
            r = ServerProcess(kind, args=extra + ["--replicaof", f"127.0.0.1 {m.port}"])
            r.start(wait=False)
            replicas.append(r)
        wait_synced(m, replicas)
        sync_s = time.perf_counter() - t
        res = {"sync": sync_s}
        for p in (1, 16):
            r = bench(m.port, "set", n, 50, p, 1000000)
            res[f"set_p{p}"] = r.get("SET", 0.0)
            t = time.perf_counter()
            wait_synced(m, replicas)
            res[f"drain_p{p}"] = time.perf_counter() - t
            # Reads on the master with the replicas attached (nothing to replicate).
            res[f"get_p{p}"] = bench(m.port, "get", n, 50, p, 1000000).get("GET", 0.0)
        return res
    finally:
        for r in replicas:
            r.cleanup()
        m.cleanup()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--keys", type=int, default=500000)
    ap.add_argument("--requests", type=int, default=300000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    data = dataset_commands(args.keys)
    results = {}
    for diskless in (True, False):
        for rnd in range(args.rounds):
            for kind in ("carmine", "redis"):
                r = one_round(kind, data, diskless, args.requests, args.threads)
                for k, v in r.items():
                    results.setdefault((diskless, kind, k), []).append(v)
                print(f"round {rnd + 1} {'diskless' if diskless else 'disk'} {kind}: {r}",
                      file=sys.stderr)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    version = subprocess.run([redis_binary(), "--version"], capture_output=True,
                             text=True).stdout.split()[2]
    med = lambda d, kind, k: statistics.median(results[(d, kind, k)])  # noqa: E731
    lines = [f"Commit `{commit}`, redis-server {version}, {args.keys} keys, two replicas, "
             f"Carmine `--threads {args.threads}`, median of {args.rounds} rounds.", "",
             "| | carmine | redis | ratio |", "|---|---:|---:|---:|"]
    for d in (True, False):
        name = "diskless" if d else "disk-backed"
        c, r = med(d, "carmine", "sync"), med(d, "redis", "sync")
        lines.append(f"| full sync of two replicas, {name} (s) | {c:.2f} | {r:.2f} | {c / r:.2f} |")
    for p in (1, 16):
        c, r = med(True, "carmine", f"set_p{p}"), med(True, "redis", f"set_p{p}")
        lines.append(f"| SET -P {p} with two replicas (req/s) | {c:,.0f} | {r:,.0f} | "
                     f"{c / r:.2f} |")
        c, r = med(True, "carmine", f"drain_p{p}"), med(True, "redis", f"drain_p{p}")
        lines.append(f"| replicas caught up after the -P {p} run (s) | {c:.3f} | {r:.3f} | |")
        c, r = med(True, "carmine", f"get_p{p}"), med(True, "redis", f"get_p{p}")
        lines.append(f"| GET -P {p} with two replicas (req/s) | {c:,.0f} | {r:,.0f} | "
                     f"{c / r:.2f} |")
    write_report("replication", lines)


if __name__ == "__main__":
    main()
