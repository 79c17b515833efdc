#!/usr/bin/python3
# Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
"""Side-by-side benchmark: carmine-server vs redis-server (the 7.2.4 oracle when present, else Debian's) in the same run.

  * throughput: redis-benchmark SET/GET, 50 clients, without pipelining and with -P 16, in
    interleaved rounds (A B A B ...) so drift on a shared machine hits both; median per server and
    the ratio carmine/redis.
  * memory: RSS growth per key after loading N small string keys ("key:%010d" -> "val"), plus
    used_memory from INFO.
  * instructions per request (optional, --callgrind): each server under valgrind's callgrind for
    two workload sizes; the difference divided by the extra requests removes startup cost.

Prints a markdown report (also written to bench/results/latest.md) with the commit, machine,
pipeline depth and client count.
"""
import argparse
import csv
import io
import os
import platform
import re
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests"))
from servers import ServerProcess, free_port, wait_until, ping, redis_binary  # noqa: E402


def write_report(name, lines):
    """Writes bench/results/<name>.md and prints it."""
    report = "\n".join(lines) + "\n"
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    with open(os.path.join(HERE, "results", name + ".md"), "w") as f:
        f.write(report)
    print(report)


def rss_bytes(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def bench(port, tests, n, clients, pipeline, keyspace):
    cmd = ["redis-benchmark", "-p", str(port), "-t", tests, "-n", str(n), "-c", str(clients),
           "-P", str(pipeline), "-r", str(keyspace), "--csv"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=600).stdout
    res = {}
    for row in csv.reader(io.StringIO(out)):
        if len(row) >= 2 and row[0] != "test":
            try:
                res[row[0]] = float(row[1])
            except ValueError:
                pass
    return res


def load_keys(port, count):
    batch = 100000
    for start in range(0, count, batch):
        data = "".join(f"SET key:{i:010d} val\r\n" for i in range(start, min(count, start + batch)))
        subprocess.run(["redis-cli", "-p", str(port), "--pipe"], input=data, text=True,
                       capture_output=True, check=True, timeout=600)


def info_field(port, field):
    out = subprocess.run(["redis-cli", "-p", str(port), "info", "memory"], capture_output=True,
                         text=True).stdout
    m = re.search(rf"^{field}:(\d+)", out, re.M)
    return int(m.group(1)) if m else 0


def memory_per_key(kind, binary_args, count):
    s = ServerProcess(kind, args=binary_args).start()
    try:
        base = rss_bytes(s.proc.pid)
        base_used = info_field(s.port, "used_memory")
        load_keys(s.port, count)
        dbsize = int(subprocess.run(["redis-cli", "-p", str(s.port), "dbsize"], capture_output=True,
                                    text=True).stdout)
        assert dbsize == count, dbsize
        rss = rss_bytes(s.proc.pid) - base
        used = info_field(s.port, "used_memory") - base_used
        return rss / count, used / count
    finally:
        s.cleanup()


def callgrind_ir(kind, args, n, workload=None, setup=None):
    """Total instructions the server executed (under callgrind) for n requests of `workload`
    (redis-benchmark arguments; default SET/GET). `setup(port)` runs first and returns a cleanup
    callable (pub/sub subscribers, for instance)."""
    port = free_port()
    out_file = f"/tmp/callgrind.{kind}.{port}.out"
    binary = os.environ.get("CARMINE_BIN", os.path.join(ROOT, "build", "carmine-server")) \
        if kind == "carmine" else redis_binary()
    cmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out_file}", binary,
           "--port", str(port), "--bind", "127.0.0.1"] + args
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    cleanup = None
    try:
        wait_until(lambda: ping(port), 60, what=f"{kind} under valgrind")
        if setup is not None:
            cleanup = setup(port)
        workload = workload or ["-t", "set,get", "-r", "1000"]
        subprocess.run(["redis-benchmark", "-p", str(port), "-n", str(n), "-c", "1"] + workload,
                       capture_output=True, timeout=900)
    finally:
        if cleanup is not None:
            cleanup()
        proc.terminate()
        proc.wait(120)
    total = 0
    with open(out_file) as f:
        for line in f:
            if line.startswith("summary:") or line.startswith("totals:"):
                total = int(line.split()[1])
    os.unlink(out_file)
    return total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--requests", type=int, default=300000)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--keys", type=int, default=1000000)
    ap.add_argument("--threads", default="1")
    ap.add_argument("--callgrind", action="store_true")
    ap.add_argument("--skip-throughput", action="store_true")
    ap.add_argument("--skip-memory", action="store_true")
    ap.add_argument("--pipelines", default="1,16", help="pipeline depths to run, e.g. 1,16")
    ap.add_argument("--carmine-args", default="", help="extra carmine-server arguments")
    args = ap.parse_args()

    carmine_args = ["--threads", args.threads] + args.carmine_args.split()
    pipelines = [int(p) for p in args.pipelines.split(",")]
    redis_args = []
    lines = []
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    redis_ver = subprocess.run([redis_binary(), "--version"], capture_output=True, text=True).stdout.strip()
    lines.append(f"- commit `{commit}`, {time.strftime('%Y-%m-%d')}, {platform.machine()}, "
                 f"{os.cpu_count()} CPUs, carmine `--threads {args.threads}`")
    lines.append(f"- {redis_ver}")
    lines.append(f"- redis-benchmark: {args.clients} clients, {args.requests} requests per run, "
                 f"random keys over 1M, {args.rounds} interleaved rounds, median reported")
    lines.append("")

    if not args.skip_throughput:
        c = ServerProcess("carmine", args=carmine_args).start()
        r = ServerProcess("redis", args=redis_args).start()
        results = {}
        try:
            for rnd in range(args.rounds):
                order = [("carmine", c), ("redis", r)] if rnd % 2 == 0 else [("redis", r), ("carmine", c)]
                for pipeline in pipelines:
                    for name, srv in order:
                        n = args.requests * (4 if pipeline > 1 else 1)
                        res = bench(srv.port, "set,get", n, args.clients, pipeline, 1000000)
                        for test, ops in res.items():
                            results.setdefault((test, pipeline, name), []).append(ops)
        finally:
            c.cleanup()
            r.cleanup()
        lines.append("| test | pipeline | carmine ops/s | redis ops/s | ratio |")
        lines.append("|---|---|---|---|---|")
        for test in ("SET", "GET"):
            for pipeline in pipelines:
                cm = statistics.median(results.get((test, pipeline, "carmine"), [0]))
                rm = statistics.median(results.get((test, pipeline, "redis"), [0]))
                ratio = cm / rm if rm else 0
                lines.append(f"| {test} | {pipeline} | {cm:,.0f} | {rm:,.0f} | {ratio:.2f} |")
        lines.append("")

    if not args.skip_memory:
        cr, cu = memory_per_key("carmine", carmine_args, args.keys)
        rr, ru = memory_per_key("redis", redis_args, args.keys)
        lines.append(f"| memory, {args.keys:,} keys `key:%010d` -> `val` | carmine | redis | ratio |")
        lines.append("|---|---|---|---|")
        lines.append(f"| RSS growth per key (bytes) | {cr:.1f} | {rr:.1f} | {cr / rr:.2f} |")
        lines.append(f"| used_memory growth per key (bytes) | {cu:.1f} | {ru:.1f} | {cu / ru:.2f} |")
        lines.append("")

    if args.callgrind:
        n1, n2 = 10000, 30000
        # Busy polling would count the instructions of idle polls between requests; measure the
        # request path alone.
        cg_args = carmine_args + ["--busy-poll-us", "0"]
        ci = (callgrind_ir("carmine", cg_args, n2) - callgrind_ir("carmine", cg_args, n1))
        ri = (callgrind_ir("redis", ["--save", "", "--appendonly", "no"], n2) -
              callgrind_ir("redis", ["--save", "", "--appendonly", "no"], n1))
        reqs = 2 * (n2 - n1)  # SET and GET runs
        lines.append("| instructions per request (callgrind, SET+GET, 1 client, busy-poll-us 0) | carmine | redis | ratio |")
        lines.append("|---|---|---|---|")
        lines.append(f"| server-side instructions | {ci / reqs:,.0f} | {ri / reqs:,.0f} | {ci / ri:.2f} |")
        lines.append("")

    report = "\n".join(lines)
    print(report)
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    with open(os.path.join(HERE, "results", "latest.md"), "w") as f:
        f.write(report + "\n")


if __name__ == "__main__":
    main()
