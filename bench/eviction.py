#!/usr/bin/python3
# Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
"""Eviction and lazy freeing: carmine-server vs redis-server (the 7.2.4 oracle when present, else Debian's) in the same run.

  * throughput under eviction: both servers run with maxmemory 64mb and allkeys-lru, pre-filled
    past the limit, then redis-benchmark SET/GET with 512-byte values over a 10M-key space
    (every SET of a new key forces an eviction), 50 clients, P1 and P16, interleaved rounds
    (A B A B ...). Median requests/s and p99 latency per server, keys evicted, and used memory
    and RSS against the limit at the end.
  * UNLINK and DEL of a big set: while one client PINGs in a loop, another deletes a set of
    --set-size members; the PING loop's p99 and worst latency show whether the event loop
    stalled (UNLINK frees in the background in both servers; DEL frees in place).

Writes bench/results/eviction.md and prints it.
"""
import argparse
import csv
import io
import os
import socket
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests"))
from compare import write_report  # noqa: E402
from servers import ServerProcess, wait_until, redis_binary  # noqa: E402

LIMIT = "64mb"


def cli(port, *args):
    return subprocess.run(["redis-cli", "-p", str(port), *args], capture_output=True, text=True,
                          timeout=600).stdout.strip()


def info(port, section):
    out = {}
    for line in cli(port, "info", section).splitlines():
        if ":" in line:
            k, v = line.split(":", 1)
            out[k] = v
    return out


def benchmark(port, tests, n, pipeline, keyspace, size):
    cmd = ["redis-benchmark", "-p", str(port), "-t", tests, "-n", str(n), "-c", "50",
           "-P", str(pipeline), "-r", str(keyspace), "-d", str(size), "--csv"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=900).stdout
    res = {}
    for row in csv.reader(io.StringIO(out)):
        if len(row) >= 7 and row[0] != "test":
            res[row[0]] = (float(row[1]), float(row[6]))  # rps, p99 ms
    return res


def under_eviction(args):
    servers = {
        "carmine": ServerProcess("carmine", args=["--threads", args.threads, "--maxmemory", LIMIT,
                                                  "--maxmemory-policy", "allkeys-lru"]).start(),
        "redis": ServerProcess("redis", args=["--save", "", "--appendonly", "no", "--maxmemory",
                                              LIMIT, "--maxmemory-policy", "allkeys-lru"]).start(),
    }
    rows = []
    try:
        for s in servers.values():
            benchmark(s.port, "set", 300000, 16, 10000000, args.size)  # fill past the limit
            assert int(info(s.port, "stats")["evicted_keys"]) > 0
        for pipeline in (1, 16):
            res = {k: {"SET": [], "GET": []} for k in servers}
            evicted = {}
            for _ in range(args.rounds):
                for kind, s in servers.items():
                    before = int(info(s.port, "stats")["evicted_keys"])
                    r = benchmark(s.port, "set,get", args.requests, pipeline, 10000000, args.size)
                    for t in ("SET", "GET"):
                        res[kind][t].append(r[t])
                    evicted[kind] = int(info(s.port, "stats")["evicted_keys"]) - before
            for t in ("SET", "GET"):
                c = statistics.median(x[0] for x in res["carmine"][t])
                r = statistics.median(x[0] for x in res["redis"][t])
                cp = statistics.median(x[1] for x in res["carmine"][t])
                rp = statistics.median(x[1] for x in res["redis"][t])
                rows.append((t, pipeline, c, r, cp, rp))
                print(f"{t} P{pipeline}: carmine {c:,.0f}/s p99 {cp} ms, redis {r:,.0f}/s p99 "
                      f"{rp} ms, ratio {c / r:.2f}", flush=True)
        mem = {k: info(s.port, "memory") for k, s in servers.items()}
    finally:
        for s in servers.values():
            s.cleanup()
    return rows, mem, evicted


class Pinger:
    """PINGs in a loop on its own connection, recording each round trip."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.lat = []
        self.stop = threading.Event()
        self.t = threading.Thread(target=self.run)
        self.t.start()

    def run(self):
        while not self.stop.is_set():
            t = time.perf_counter()
            self.sock.sendall(b"PING\r\n")
            buf = b""
            while not buf.endswith(b"\r\n"):
                buf += self.sock.recv(64)
            self.lat.append(time.perf_counter() - t)

    def close(self):
        self.stop.set()
        self.t.join()
        self.sock.close()


def load_set(port, members):
    batch = 1000
    lines = []
    for start in range(0, members, batch):
        lines.append("SADD big " + " ".join(str(i) for i in range(start, min(members, start + batch))))
    subprocess.run(["redis-cli", "-p", str(port), "--pipe"], input="\r\n".join(lines) + "\r\n",
                   text=True, capture_output=True, check=True, timeout=900)


def delete_stall(kind, extra, command, members):
    s = ServerProcess(kind, args=extra).start()
    try:
        load_set(s.port, members)
        assert int(cli(s.port, "scard", "big")) == members
        p = Pinger(s.port)
        wait_until(lambda: len(p.lat) > 200, what="pings")
        mark = len(p.lat)
        t = time.perf_counter()
        cli(s.port, command, "big")
        took = time.perf_counter() - t
        # Keep pinging while the memory is released (in the background for UNLINK).
        wait_until(lambda: info(s.port, "memory").get("lazyfree_pending_objects", "0") == "0",
                   timeout=60, what="lazy free")
        wait_until(lambda: len(p.lat) > mark + 500, what="more pings")
        p.close()
        during = sorted(p.lat[mark:])
        p99 = during[int(len(during) * 0.99) - 1] * 1000
        return took * 1000, p99, during[-1] * 1000
    finally:
        s.cleanup()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--requests", type=int, default=200000)
    ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--threads", default="1")
    ap.add_argument("--set-size", type=int, default=10000000)
    args = ap.parse_args()

    rows, mem, evicted = under_eviction(args)
    version = subprocess.run([redis_binary(), "--version"], capture_output=True,
                             text=True).stdout.split()[2]
    lines = ["# Eviction and lazy freeing: carmine vs redis-server", "",
             f"- {os.cpu_count()} CPUs, carmine `--threads {args.threads}`, redis-server {version}",
             f"- maxmemory {LIMIT}, allkeys-lru, pre-filled past the limit; redis-benchmark SET/GET "
             f"with {args.size}-byte values over 10M random keys, 50 clients",
             f"- median of {args.rounds} interleaved rounds", "",
             "| command | pipeline | carmine req/s | redis req/s | ratio | carmine p99 ms | "
             "redis p99 ms |", "|---|---:|---:|---:|---:|---:|---:|"]
    for t, p, c, r, cp, rp in rows:
        lines.append(f"| {t} | {p} | {c:,.0f} | {r:,.0f} | {c / r:.2f} | {cp:.3f} | {rp:.3f} |")
    lines += ["", "| at the end | carmine | redis |", "|---|---:|---:|"]
    for field in ("used_memory", "used_memory_rss"):
        lines.append(f"| {field} (MB) | {int(mem['carmine'][field]) / 2**20:.1f} | "
                     f"{int(mem['redis'][field]) / 2**20:.1f} |")
    lines.append(f"| keys evicted in the last round | {evicted['carmine']:,} | "
                 f"{evicted['redis']:,} |")
    lines += ["", f"Deleting a {args.set_size:,}-member set while another client PINGs:", "",
              "| server | command | command took ms | PING p99 ms | PING worst ms |",
              "|---|---|---:|---:|---:|"]
    for kind, extra in (("carmine", ["--threads", args.threads]),
                        ("redis", ["--save", "", "--appendonly", "no"])):
        for command in ("UNLINK", "DEL"):
            took, p99, worst = delete_stall(kind, extra, command, args.set_size)
            print(f"{kind} {command}: {took:.1f} ms, PING p99 {p99:.2f} ms, worst {worst:.1f} ms",
                  flush=True)
            lines.append(f"| {kind} | {command} | {took:.1f} | {p99:.2f} | {worst:.1f} |")
    write_report("eviction", lines)


if __name__ == "__main__":
    main()
