#!/usr/bin/python3
# Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
"""Side-by-side benchmark of the collection types: carmine-server vs redis-server (the 7.2.4 oracle when present, else Debian's).

  * memory: RSS and used_memory growth for a 1M-field hash, a 1M-member set, a 1M-member sorted
    set, a 1M-element list, and 100k small hashes, lists and sorted sets (each server started
    fresh for each dataset, loaded through redis-cli --pipe);
  * throughput: redis-benchmark's LPUSH, LPOP, SADD, HSET, ZADD and LRANGE/ZRANGE-style tests at
    pipeline 1 and 16, interleaved rounds, median, ratio carmine/redis.

Prints a markdown report (also written to bench/results/datatypes.md).
Usage: datatypes.py [--rounds N] [--skip-memory] [--skip-throughput] [--only hash,set]
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests"))
sys.path.insert(0, HERE)
from servers import ServerProcess, redis_binary  # noqa: E402
from compare import rss_bytes, info_field  # noqa: E402


def hash_big(n):
    for start in range(0, n, 100):
        yield ["HSET", "bighash"] + [x for i in range(start, min(n, start + 100))
                                      for x in (f"field:{i}", f"value:{i}")]


def set_big(n):
    for start in range(0, n, 100):
        yield ["SADD", "bigset"] + [f"member:{i}" for i in range(start, min(n, start + 100))]


def zset_big(n):
    for start in range(0, n, 100):
        yield ["ZADD", "bigzset"] + [x for i in range(start, min(n, start + 100))
                                      for x in (str(i * 1.5), f"member:{i}")]


def list_big(n):
    for start in range(0, n, 100):
        yield ["RPUSH", "biglist"] + [f"value:{i}" for i in range(start, min(n, start + 100))]


def small_hashes(n):
    for i in range(n):
        yield ["HSET", f"user:{i}"] + [x for j in range(10) for x in (f"f{j}", f"value{j}:{i}")]


def small_lists(n):
    for i in range(n):
        yield ["RPUSH", f"queue:{i}"] + [f"job{j}:{i}" for j in range(5)]


def small_zsets(n):
    for i in range(n):
        yield ["ZADD", f"board:{i}"] + [x for j in range(5) for x in (str(j * 10), f"player{j}")]


DATASETS = {
    "hash": ("1M-field hash (`field:N` -> `value:N`)", hash_big, 1000000, "HLEN", "bighash"),
    "set": ("1M-member set (`member:N`)", set_big, 1000000, "SCARD", "bigset"),
    "zset": ("1M-member sorted set", zset_big, 1000000, "ZCARD", "bigzset"),
    "list": ("1M-element list (`value:N`)", list_big, 1000000, "LLEN", "biglist"),
    "smallhash": ("100k hashes of 10 fields", small_hashes, 100000, "DBSIZE", "user:0"),
    "smalllist": ("100k lists of 5 elements", small_lists, 100000, "DBSIZE", "queue:0"),
    "smallzset": ("100k sorted sets of 5 members", small_zsets, 100000, "DBSIZE", "board:0"),
}


def resp(args):
    out = [f"*{len(args)}\r\n"]
    for a in args:
        out.append(f"${len(a.encode())}\r\n{a}\r\n")
    return "".join(out)


def load(port, gen, n):
    batch = []
    for cmd in gen(n):
        batch.append(resp(cmd))
        if len(batch) >= 2000:
            subprocess.run(["redis-cli", "-p", str(port), "--pipe"], input="".join(batch),
                           text=True, capture_output=True, check=True, timeout=600)
            batch = []
    if batch:
        subprocess.run(["redis-cli", "-p", str(port), "--pipe"], input="".join(batch), text=True,
                       capture_output=True, check=True, timeout=600)


def measure(kind, args, name):
    _, gen, n, count_cmd, key = DATASETS[name]
    s = ServerProcess(kind, args=args).start()
    try:
        base_rss = rss_bytes(s.proc.pid)
        base_used = info_field(s.port, "used_memory")
        load(s.port, gen, n)
        cmd = ["redis-cli", "-p", str(s.port), count_cmd] + ([key] if count_cmd != "DBSIZE" else [])
        got = int(subprocess.run(cmd, capture_output=True, text=True).stdout)
        assert got == n, (kind, name, got)
        enc = ""
        if key:
            enc = subprocess.run(["redis-cli", "-p", str(s.port), "object", "encoding", key],
                                 capture_output=True, text=True).stdout.strip()
        return (rss_bytes(s.proc.pid) - base_rss) / n, \
            (info_field(s.port, "used_memory") - base_used) / n, enc
    finally:
        s.cleanup()


THROUGHPUT_TESTS = "lpush,lpop,sadd,hset,zadd,lrange_100"


def bench(port, pipeline, n, clients):
    import csv
    import io
    cmd = ["redis-benchmark", "-p", str(port), "-t", THROUGHPUT_TESTS, "-n", str(n), "-c",
           str(clients), "-P", str(pipeline), "-r", "100000", "--csv"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=900).stdout
    res = {}
    for row in csv.reader(io.StringIO(out)):
        if len(row) >= 2 and row[0] != "test":
            try:
                res[row[0]] = float(row[1])
            except ValueError:
                pass
    # ZRANGE is not among redis-benchmark's named tests: run it as a custom command.
    for cmd_args, label in ((["ZADD", "zbench", "__rand_int__", "m:__rand_int__"], "ZADD (random)"),
                            (["ZRANGE", "zbench", "0", "9", "WITHSCORES"], "ZRANGE 0 9")):
        cmd = ["redis-benchmark", "-p", str(port), "-n", str(n), "-c", str(clients), "-P",
               str(pipeline), "-r", "100000", "--csv"] + cmd_args
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=900).stdout
        for row in csv.reader(io.StringIO(out)):
            if len(row) >= 2 and row[0] != "test":
                try:
                    res[label] = float(row[1])
                except ValueError:
                    pass
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--requests", type=int, default=200000)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--threads", default="1")
    ap.add_argument("--only", default=",".join(DATASETS))
    ap.add_argument("--skip-memory", action="store_true")
    ap.add_argument("--skip-throughput", action="store_true")
    args = ap.parse_args()
    carmine_args = ["--threads", args.threads]
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    lines = [f"- commit `{commit}`, {time.strftime('%Y-%m-%d')}, {os.cpu_count()} CPUs, "
             f"carmine `--threads {args.threads}`, "
             + subprocess.run([redis_binary(), "--version"], capture_output=True,
                              text=True).stdout.strip(), ""]
    if not args.skip_memory:
        lines.append("| dataset | carmine RSS B/elem | redis RSS B/elem | ratio | carmine used B/elem "
                     "| redis used B/elem | ratio | encodings (carmine / redis) |")
        lines.append("|---|---|---|---|---|---|---|---|")
        for name in args.only.split(","):
            cr, cu, ce = measure("carmine", carmine_args, name)
            rr, ru, re_ = measure("redis", [], name)
            lines.append(f"| {DATASETS[name][0]} | {cr:.1f} | {rr:.1f} | {cr / rr:.2f} | {cu:.1f} "
                         f"| {ru:.1f} | {cu / ru:.2f} | {ce} / {re_} |")
            print(lines[-1], flush=True)
        lines.append("")
    if not args.skip_throughput:
        results = {}
        c = ServerProcess("carmine", args=carmine_args).start()
        r = ServerProcess("redis").start()
        try:
            for rnd in range(args.rounds):
                order = [("carmine", c), ("redis", r)] if rnd % 2 == 0 else \
                    [("redis", r), ("carmine", c)]
                for pipeline in (1, 16):
                    for name, srv in order:
                        n = args.requests * (4 if pipeline > 1 else 1)
                        for test, ops in bench(srv.port, pipeline, n, args.clients).items():
                            results.setdefault((test, pipeline, name), []).append(ops)
        finally:
            c.cleanup()
            r.cleanup()
        lines.append("| test | pipeline | carmine ops/s | redis ops/s | ratio |")
        lines.append("|---|---|---|---|---|")
        tests = sorted({t for (t, _, _) in results})
        for test in tests:
            for pipeline in (1, 16):
                cm = statistics.median(results.get((test, pipeline, "carmine"), [0]))
                rm = statistics.median(results.get((test, pipeline, "redis"), [0]))
                lines.append(f"| {test} | {pipeline} | {cm:,.0f} | {rm:,.0f} | "
                             f"{(cm / rm if rm else 0):.2f} |")
        lines.append("")
    report = "\n".join(lines)
    print(report)
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    with open(os.path.join(HERE, "results", "datatypes.md"), "w") as f:
        f.write(report + "\n")


if __name__ == "__main__":
    main()
