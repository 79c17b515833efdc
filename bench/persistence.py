#!/usr/bin/python3
# Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
"""RDB snapshots and the AOF: carmine-server vs redis-server (the 7.2.4 oracle when present, else Debian's) on the same data.

Loads the same mixed dataset into both (by default 1M keys: 70% short strings, 10% small hashes,
10% small lists, 5% small sets of integers, 5% small sorted sets), then measures:
  * SAVE time, the file size, and the time to load the file at startup (from start to the first
    PING answered);
  * the memory a BGSAVE costs while a write load overwrites existing keys (copy-on-write): the
    peak of the parent's and the child's proportional set size together, minus the parent's
    before the fork (redis-benchmark's own key set, as many keys as the dataset);
  * with appendonly yes: the time to load an AOF holding the dataset as commands, and SET
    throughput (redis-benchmark, 50 clients, pipeline 1 and 16) with appendfsync everysec and
    always, rounds interleaved between the servers.
Medians. Writes bench/results/persistence.md and prints it.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests"))
from compare import bench, write_report  # noqa: E402
from servers import ServerProcess, ping, redis_binary  # noqa: E402


def dataset_commands(n):
    lines = []
    for i in range(n):
        kind = i % 20
        if kind < 14:
            lines.append(f"SET key:{i:09d} value-{i}")
        elif kind < 16:
            lines.append(f"HSET hash:{i:09d} name user{i} email u{i}@example.com age {i % 90}")
        elif kind < 18:
            lines.append(f"RPUSH list:{i:09d} a{i} b{i} c{i} d{i}")
        elif kind < 19:
            lines.append(f"SADD set:{i:09d} {i} {i + 1} {i + 2} {i + 3}")
        else:
            lines.append(f"ZADD zset:{i:09d} 1 a{i} 2.5 b{i} 3 c{i}")
    return "\r\n".join(lines) + "\r\n"


def load(port, data):
    subprocess.run(["redis-cli", "-p", str(port), "--pipe"], input=data, text=True,
                   capture_output=True, check=True, timeout=900)


def timed_save(port):
    t = time.perf_counter()
    out = subprocess.run(["redis-cli", "-p", str(port), "save"], capture_output=True, text=True,
                         timeout=900).stdout.strip()
    assert out == "OK", out
    return time.perf_counter() - t


def timed_start(kind, directory, extra):
    s = ServerProcess(kind, args=["--dir", directory] + extra)
    t = time.perf_counter()
    s.start(wait=False)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        try:
            if ping(s.port):
                break
        except OSError:
            pass
        time.sleep(0.005)
    took = time.perf_counter() - t
    keys = int(subprocess.run(["redis-cli", "-p", str(s.port), "dbsize"], capture_output=True,
                              text=True).stdout)
    s.stop()
    return took, keys


def pss(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def children(pid):
    """Child processes of any thread of `pid` (a worker thread forks, not the main one)."""
    kids = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                kids += [int(x) for x in f.read().split()]
    except OSError:
        pass
    return kids


def bgsave_cow(kind, keys, extra):
    """Peak extra memory (parent + child PSS) of a BGSAVE while redis-benchmark overwrites the
    keys it loaded first (so the dataset does not grow: what is added is copy-on-write)."""
    s = ServerProcess(kind, args=extra).start()
    try:
        subprocess.run(["redis-benchmark", "-p", str(s.port), "-t", "set", "-n", str(keys * 4),
                        "-r", str(keys), "-d", "16", "-P", "16", "-q"], capture_output=True,
                       timeout=600)
        pid = s.proc.pid
        base = pss(pid)
        writer = subprocess.Popen(["redis-benchmark", "-p", str(s.port), "-t", "set", "-n",
                                   "100000000", "-r", str(keys), "-d", "16", "-c", "20", "-q"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1)  # the write load is running before the fork
        subprocess.run(["redis-cli", "-p", str(s.port), "bgsave"], capture_output=True)
        peak = 0
        deadline = time.monotonic() + 300
        seen_child = False
        while time.monotonic() < deadline:
            kids = children(pid)
            if kids:
                seen_child = True
            elif seen_child:
                break
            peak = max(peak, pss(pid) + sum(pss(k) for k in kids))
            time.sleep(0.005)
        writer.kill()
        writer.wait()
        return max(0, peak - base)
    finally:
        s.cleanup()


def aof_results(kind, data, extra, rounds):
    """AOF load time of the dataset as commands."""
    s = ServerProcess(kind, args=extra + ["--appendonly", "yes"]).start()
    load(s.port, data)
    keep = s.dir + "-aof"
    s.stop()
    shutil.copytree(s.dir, keep)
    s.cleanup()
    starts = [timed_start(kind, keep, extra + ["--appendonly", "yes"]) for _ in range(rounds)]
    shutil.rmtree(keep, ignore_errors=True)
    return statistics.median(t for t, _ in starts)


def aof_throughput(extra, rounds):
    """SET req/s with the AOF on, per appendfsync and pipeline depth, interleaved."""
    out = {}
    for fsync in ("everysec", "always"):
        for pipeline in (1, 16):
            per = {"carmine": [], "redis": []}
            for _ in range(rounds):
                for kind in ("carmine", "redis"):
                    s = ServerProcess(kind, args=extra[kind] + ["--appendonly", "yes",
                                                               "--appendfsync", fsync]).start()
                    n = 200000 if fsync == "everysec" else 50000
                    per[kind].append(bench(s.port, "set", n, 50, pipeline, 1000000)["SET"])
                    s.cleanup()
            out[(fsync, pipeline)] = {k: statistics.median(v) for k, v in per.items()}
            print(fsync, pipeline, out[(fsync, pipeline)], flush=True)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--keys", type=int, default=1000000)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    data = dataset_commands(args.keys)
    extra = {"carmine": ["--threads", "1"], "redis": []}
    results = {}
    for kind in ("carmine", "redis"):
        s = ServerProcess(kind, args=extra[kind]).start()
        load(s.port, data)
        saves = [timed_save(s.port) for _ in range(args.rounds)]
        size = os.path.getsize(os.path.join(s.dir, "dump.rdb"))
        keep = s.dir + "-copy"
        shutil.copytree(s.dir, keep)
        s.cleanup()
        starts = [timed_start(kind, keep, extra[kind]) for _ in range(args.rounds)]
        assert all(k == args.keys for _, k in starts), starts
        shutil.rmtree(keep, ignore_errors=True)
        cow = bgsave_cow(kind, args.keys, extra[kind])
        aof_load = aof_results(kind, data, extra[kind], args.rounds)
        results[kind] = (statistics.median(saves), size, statistics.median(t for t, _ in starts),
                         cow, aof_load)
        print(kind, results[kind], flush=True)
    tput = aof_throughput(extra, args.rounds)
    c, r = results["carmine"], results["redis"]
    version = subprocess.run([redis_binary(), "--version"], capture_output=True,
                             text=True).stdout.split()[2]
    lines = ["# Persistence (RDB and AOF): carmine vs redis-server", "",
             f"- {os.cpu_count()} CPUs, redis-server {version}, {args.keys:,} keys (70% strings, "
             "10% small hashes, 10% small lists, 5% small integer sets, 5% small sorted sets)",
             f"- median of {args.rounds} runs", "",
             "| | carmine | redis | ratio |", "|---|---:|---:|---:|",
             f"| SAVE (s) | {c[0]:.3f} | {r[0]:.3f} | {c[0] / r[0]:.2f} |",
             f"| file size (bytes) | {c[1]:,} | {r[1]:,} | {c[1] / r[1]:.3f} |",
             f"| start with the file until PING answers (s) | {c[2]:.3f} | {r[2]:.3f} | "
             f"{c[2] / r[2]:.2f} |",
             f"| memory added by BGSAVE under writes (MB) | {c[3] / 2**20:.1f} | "
             f"{r[3] / 2**20:.1f} | {c[3] / max(r[3], 1):.2f} |",
             f"| start with the AOF (commands) until PING answers (s) | {c[4]:.3f} | "
             f"{r[4]:.3f} | {c[4] / r[4]:.2f} |", "",
             "SET with the AOF on (redis-benchmark, 50 clients, random keys over 1M):", "",
             "| appendfsync | pipeline | carmine req/s | redis req/s | ratio |",
             "|---|---:|---:|---:|---:|"]
    for (fsync, pipeline), v in tput.items():
        lines.append(f"| {fsync} | {pipeline} | {v['carmine']:,.0f} | {v['redis']:,.0f} | "
                     f"{v['carmine'] / v['redis']:.2f} |")
    write_report("persistence", lines)


if __name__ == "__main__":
    main()
