#!/usr/bin/python3
# Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
"""Replication: carmine-server vs redis-server (the 7.2.4 oracle when present, else Debian's), a
master with two replicas of the same server, rounds interleaved (A B A B ...).

  * full sync: the master holds the persistence benchmark's mixed dataset (by default 500k keys);
    two replicas are started with --replicaof at once and timed until both report
    master_link_status:up with the master's offset (diskless sync, delay 0, and disk-backed);
  * writes with the two replicas attached: redis-benchmark SET, 50 clients, pipeline 1 and 16,
    random keys; then the time until both replicas have applied everything; then GET the same
    way. While SET runs, a sampler reads the master's offset and then each replica's every 50 ms:
    the replication lag (bytes) under load, median and maximum of the samples;
  * a slow replica: one replica is stopped (SIGSTOP) while SET -P 16 runs; the master's RSS
    growth and CPU seconds over that run, then the time until the replica, resumed, catches up.
Medians. Writes bench/results/replication.md and prints it.
"""
import argparse
import os
import signal
import statistics
import subprocess
import sys
import threading
import time

from compare import bench, rss_bytes, write_report
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


def offset_of(port, field):
    try:
        return int(info_field(port, field) or 0)
    except ValueError:
        return 0


class LagSampler:
    """Samples master_repl_offset minus the slowest replica's applied offset while a load runs.
    The master is read first, so a sample never shows a replica ahead of it."""

    def __init__(self, master, replicas):
        self.master, self.replicas, self.samples = master, replicas, []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        while not self.stop.wait(0.05):
            want = offset_of(self.master.port, "master_repl_offset")
            have = min(offset_of(r.port, "slave_repl_offset") for r in self.replicas)
            self.samples.append(max(0, want - have))

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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
            with LagSampler(m, replicas) as lag:
                r = bench(m.port, "set", n, 50, p, 1000000)
            res[f"set_p{p}"] = r.get("SET", 0.0)
            res[f"lag_med_p{p}"] = statistics.median(lag.samples or [0])
            res[f"lag_max_p{p}"] = max(lag.samples or [0])
            t = time.perf_counter()
            wait_synced(m, replicas)
            res[f"drain_p{p}"] = time.perf_counter() - t
            # Reads on the master with the replicas attached (nothing to replicate).
            res[f"get_p{p}"] = bench(m.port, "get", n, 50, p, 1000000).get("GET", 0.0)
        # A slow replica: stopped while the master takes a write burst.
        slow = replicas[0]
        rss0, cpu0 = rss_bytes(m.proc.pid), cpu_seconds(m.proc.pid)
        slow.proc.send_signal(signal.SIGSTOP)
        try:
            bench(m.port, "set", n, 50, 16, 1000000)
            res["slow_rss_mb"] = (rss_bytes(m.proc.pid) - rss0) / 2**20
            res["slow_cpu_s"] = cpu_seconds(m.proc.pid) - cpu0
        finally:
            slow.proc.send_signal(signal.SIGCONT)
        t = time.perf_counter()
        wait_synced(m, replicas)
        res["slow_catchup"] = time.perf_counter() - t
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
        for stat, what in (("med", "median"), ("max", "maximum")):
            c, r = med(True, "carmine", f"lag_{stat}_p{p}"), med(True, "redis", f"lag_{stat}_p{p}")
            lines.append(f"| replication lag during SET -P {p}, {what} (bytes) | {c:,.0f} | "
                         f"{r:,.0f} | |")
    for k, what, fmt in (("slow_rss_mb", "master RSS growth, one replica stopped during SET -P 16 "
                          "(MB)", "{:.1f}"),
                         ("slow_cpu_s", "master CPU during that run (s)", "{:.2f}"),
                         ("slow_catchup", "stopped replica caught up after resuming (s)",
                          "{:.3f}")):
        c, r = med(True, "carmine", k), med(True, "redis", k)
        ratio = f"{c / r:.2f}" if r > 0 else ""
        lines.append(f"| {what} | {fmt.format(c)} | {fmt.format(r)} | {ratio} |")
    write_report("replication", lines)


if __name__ == "__main__":
    main()
