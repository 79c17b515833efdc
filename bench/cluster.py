#!/usr/bin/python3
# Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
"""Cluster mode: a 3-master Carmine cluster next to a 3-master Redis cluster (the 7.2.4 oracle),
both created with redis-cli --cluster create on this machine.

- Throughput: redis-benchmark --cluster, SET and GET, 50 clients, pipeline 1 and 16; rounds
  interleaved (Carmine, Redis, Carmine, ...), medians and ratios.
- Failover: a master with one replica is killed with -9 (cluster-node-timeout 2000 ms); the time
  until its replica answers ROLE as a master and every surviving node reports cluster_state:ok.
- Resharding: keys per second that `redis-cli --cluster reshard` moves (1000 slots holding about
  60k keys, MIGRATE in batches of 100).

Writes bench/results/cluster.md and prints it."""
import argparse
import csv
import io
import os
import platform
import shutil
import signal
import statistics
import subprocess
import time

import redis

from compare import write_report
from servers import ServerProcess, free_port, redis_binary, wait_until

TOOLS = os.path.dirname(redis_binary())
BENCH = os.path.join(TOOLS, "redis-benchmark")
CLI = os.path.join(TOOLS, "redis-cli")
if not os.path.exists(CLI):
    CLI, BENCH = shutil.which("redis-cli"), shutil.which("redis-benchmark")


def node(kind, threads):
    args = ["--cluster-enabled", "yes", "--cluster-port", str(free_port()),
            "--cluster-node-timeout", "2000", "--repl-diskless-sync-delay", "0"]
    if kind == "carmine":
        args += ["--threads", str(threads)]
    return ServerProcess(kind, args=args).start()


def state_ok(n):
    try:
        return "cluster_state:ok" in redis.Redis(port=n.port).execute_command(
            "CLUSTER", "INFO").decode()
    except redis.RedisError:
        return False


def create(nodes, replicas):
    subprocess.run([CLI, "--cluster", "create", *[f"127.0.0.1:{n.port}" for n in nodes],
                    "--cluster-replicas", str(replicas), "--cluster-yes"], check=True,
                   capture_output=True, timeout=120)
    wait_until(lambda: all(state_ok(n) for n in nodes), 60, interval=0.1, what="cluster ok")


def throughput(port, test, pipeline, n):
    out = subprocess.run([BENCH, "--cluster", "-p", str(port), "-t", test, "-n", str(n), "-c",
                          "50", "-P", str(pipeline), "-r", "100000", "--csv"],
                         capture_output=True, text=True, timeout=600).stdout
    rows = [r for r in csv.reader(io.StringIO(out)) if r and r[0] != "test"]
    return float(rows[-1][1]) if rows else 0.0


def failover_ms(kind, threads):
    nodes = [node(kind, threads) for _ in range(6)]
    try:
        create(nodes, 1)
        by_id = {redis.Redis(port=n.port).execute_command("CLUSTER", "MYID").decode(): n
                 for n in nodes}
        victim = replica = None
        for n in nodes:
            r = redis.Redis(port=n.port)
            if r.execute_command("ROLE")[0] == b"slave":
                wait_until(lambda r=r: r.info("replication")["master_link_status"] == "up", 30)
                for line in r.execute_command("CLUSTER", "NODES").decode().splitlines():
                    f = line.split()
                    if "myself" in f[2]:
                        victim, replica = by_id[f[3]], n
        start = time.monotonic()
        victim.stop(signal.SIGKILL)
        alive = [n for n in nodes if n is not victim]
        wait_until(lambda: redis.Redis(port=replica.port).execute_command("ROLE")[0] ==
                   b"master" and all(state_ok(n) for n in alive), 60, interval=0.005,
                   what="failover")
        return (time.monotonic() - start) * 1000
    finally:
        for n in nodes:
            n.cleanup()


def reshard_keys_per_sec(kind, threads):
    nodes = [node(kind, threads) for _ in range(3)]
    try:
        create(nodes, 0)
        src = redis.Redis(port=nodes[0].port)
        dst_id = redis.Redis(port=nodes[1].port).execute_command("CLUSTER", "MYID").decode()
        src_id = src.execute_command("CLUSTER", "MYID").decode()
        # Keys in the first 1000 slots of the source: a hash tag per slot gives 60 keys each.
        tags = {}
        i = 0
        while len(tags) < 1000:
            slot = src.execute_command("CLUSTER", "KEYSLOT", f"t{i}")
            if slot < 1000 and slot not in tags:
                tags[slot] = f"t{i}"
            i += 1
        pipe = src.pipeline(transaction=False)
        for tag in tags.values():
            for k in range(60):
                pipe.set(f"{{{tag}}}:{k}", "x" * 32)
        pipe.execute()
        moved = sum(src.execute_command("CLUSTER", "COUNTKEYSINSLOT", s) for s in range(1000))
        start = time.monotonic()
        subprocess.run([CLI, "--cluster", "reshard", f"127.0.0.1:{nodes[0].port}",
                        "--cluster-from", src_id, "--cluster-to", dst_id, "--cluster-slots",
                        "1000", "--cluster-pipeline", "100", "--cluster-yes"], check=True,
                       capture_output=True, timeout=600)
        return moved / (time.monotonic() - start)
    finally:
        for n in nodes:
            n.cleanup()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--requests", type=int, default=300000)
    args = ap.parse_args()
    kinds = (("carmine", 2), ("redis", 1))
    clusters = {k: [node(k, t) for _ in range(3)] for k, t in kinds}
    results = {}
    try:
        for k, _ in kinds:
            create(clusters[k], 0)
        for _ in range(args.rounds):
            for test in ("set", "get"):
                for p in (1, 16):
                    for k, _ in kinds:
                        results.setdefault((k, test, p), []).append(
                            throughput(clusters[k][0].port, test, p, args.requests))
    finally:
        for ns in clusters.values():
            for n in ns:
                n.cleanup()
    fail = {k: [] for k, _ in kinds}
    moves = {k: [] for k, _ in kinds}
    for _ in range(args.rounds):
        for k, t in kinds:
            fail[k].append(failover_ms(k, t))
            moves[k].append(reshard_keys_per_sec(k, t))
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    lines = [f"- commit `{commit}`, {time.strftime('%Y-%m-%d')}, {platform.machine()}, "
             f"{os.cpu_count()} CPUs, {args.rounds} interleaved rounds, medians; 3 masters each "
             "(Carmine nodes with 2 threads), all nodes on this machine",
             "",
             "| redis-benchmark --cluster | redis-server | carmine | ratio |",
             "|---|---|---|---|"]
    for test in ("set", "get"):
        for p in (1, 16):
            r = statistics.median(results[("redis", test, p)])
            c = statistics.median(results[("carmine", test, p)])
            lines.append(f"| {test.upper()} P{p} | {r:,.0f} | {c:,.0f} | {c / r:.2f} |")
    rf, cf = statistics.median(fail["redis"]), statistics.median(fail["carmine"])
    rm, cm = statistics.median(moves["redis"]), statistics.median(moves["carmine"])
    lines += ["", "| measure | redis-server | carmine | ratio |", "|---|---|---|---|",
              f"| failover after kill -9, ms (node-timeout 2000) | {rf:,.0f} | {cf:,.0f} | "
              f"{cf / rf:.2f} |",
              f"| reshard, keys moved per second | {rm:,.0f} | {cm:,.0f} | {cm / rm:.2f} |"]
    write_report("cluster", lines)


if __name__ == "__main__":
    main()
