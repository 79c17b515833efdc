#!/usr/bin/python3
# Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
"""RDB snapshots: carmine-server vs Debian's redis-server on the same data.

Loads the same mixed dataset into both (by default 1M keys: 70% short strings, 10% small hashes,
10% small lists, 5% small sets of integers, 5% small sorted sets), then measures SAVE time, the
file size, and the time to load the file at startup (from start to the first PING answered).
Interleaved rounds, medians. Writes bench/results/persistence.md and prints it.
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
from compare import write_report  # noqa: E402
from servers import ServerProcess, ping  # noqa: E402


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
        results[kind] = (statistics.median(saves), size, statistics.median(t for t, _ in starts))
        print(kind, results[kind], flush=True)
    c, r = results["carmine"], results["redis"]
    version = subprocess.run(["redis-server", "--version"], capture_output=True,
                             text=True).stdout.split()[2]
    lines = ["# RDB snapshots: carmine vs redis-server", "",
             f"- {os.cpu_count()} CPUs, redis-server {version}, {args.keys:,} keys (70% strings, "
             "10% small hashes, 10% small lists, 5% small integer sets, 5% small sorted sets)",
             f"- median of {args.rounds} runs", "",
             "| | carmine | redis | ratio |", "|---|---:|---:|---:|",
             f"| SAVE (s) | {c[0]:.3f} | {r[0]:.3f} | {c[0] / r[0]:.2f} |",
             f"| file size (bytes) | {c[1]:,} | {r[1]:,} | {c[1] / r[1]:.3f} |",
             f"| start with the file until PING answers (s) | {c[2]:.3f} | {r[2]:.3f} | "
             f"{c[2] / r[2]:.2f} |"]
    write_report("persistence", lines)


if __name__ == "__main__":
    main()
