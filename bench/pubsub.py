#!/usr/bin/python3
# Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
"""PUBLISH throughput with 1, 10 and 100 subscribers: carmine-server vs redis-server (the 7.2.4 oracle when present, else Debian's).

For each subscriber count, both servers run side by side (fresh processes). Subscribers are raw
sockets in one helper thread that drains them without parsing; redis-benchmark publishes a 32-byte
message to the channel (50 clients, pipeline 1 and 16). Rounds are interleaved and the median
requests/s is reported with the ratio carmine/redis. After each run the bytes the subscribers
received are checked against what the publishes should have delivered, so a server that drops
messages cannot look fast.

With --callgrind, also counts the server's instructions per PUBLISH to one subscriber (two
workload sizes under valgrind, the difference divided by the extra publishes).

Prints a markdown report (also written to bench/results/pubsub.md).
Usage: pubsub.py [--rounds N] [--requests N] [--threads N] [--subscribers 1,10,100] [--callgrind]
"""
import argparse
import csv
import io
import os
import selectors
import socket
import statistics
import subprocess
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests"))
sys.path.insert(0, HERE)
from servers import ServerProcess, wait_until  # noqa: E402
from compare import callgrind_ir  # noqa: E402

CHANNEL = "bench-channel"
PAYLOAD = "x" * 32


class Drain:
    """`count` subscribers on one server, drained by a background thread."""

    def __init__(self, port, count):
        self.socks = []
        self.received = 0
        self.stop = threading.Event()
        for _ in range(count):
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(f"*2\r\n$9\r\nSUBSCRIBE\r\n${len(CHANNEL)}\r\n{CHANNEL}\r\n".encode())
            self.socks.append(s)
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        sel = selectors.DefaultSelector()
        for s in self.socks:
            s.setblocking(False)
            sel.register(s, selectors.EVENT_READ)
        while not self.stop.is_set():
            for key, _ in sel.select(timeout=0.1):
                try:
                    data = key.fileobj.recv(1 << 20)
                except BlockingIOError:
                    continue
                self.received += len(data)

    def close(self):
        self.stop.set()
        self.thread.join()
        for s in self.socks:
            s.close()


def message_bytes():
    return len(f"*3\r\n$7\r\nmessage\r\n${len(CHANNEL)}\r\n{CHANNEL}\r\n"
               f"${len(PAYLOAD)}\r\n{PAYLOAD}\r\n")


def publish_rps(port, n, pipeline):
    cmd = ["redis-benchmark", "-p", str(port), "-n", str(n), "-c", "50", "-P", str(pipeline),
           "--csv", "PUBLISH", CHANNEL, PAYLOAD]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=900).stdout
    for row in csv.reader(io.StringIO(out)):
        if len(row) >= 2 and row[0] != "test":
            return float(row[1])
    raise RuntimeError(f"no result from redis-benchmark: {out!r}")


def numsub(port):
    out = subprocess.run(["redis-cli", "-p", str(port), "pubsub", "numsub", CHANNEL],
                         capture_output=True, text=True).stdout.split()
    return int(out[1]) if len(out) == 2 else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--requests", type=int, default=200000)
    ap.add_argument("--threads", default="1")
    ap.add_argument("--carmine-args", default="", help="extra carmine-server arguments")
    ap.add_argument("--subscribers", default="1,10,100")
    ap.add_argument("--callgrind", action="store_true")
    args = ap.parse_args()

    counts = [int(x) for x in args.subscribers.split(",")]
    rows = []
    for subs in counts:
        carmine_args = ["--threads", args.threads] + args.carmine_args.split()
        servers = {"carmine": ServerProcess("carmine", args=carmine_args).start(),
                   "redis": ServerProcess("redis").start()}
        drains = {k: Drain(s.port, subs) for k, s in servers.items()}
        try:
            for k, s in servers.items():
                wait_until(lambda: numsub(s.port) == subs, what=f"{k} subscribers")
            # Fewer publishes when each fans out 100 times, so every run takes similar time.
            n = max(20000, args.requests // max(1, subs // 10))
            for pipeline in (1, 16):
                results = {"carmine": [], "redis": []}
                for _ in range(args.rounds):
                    for kind in ("carmine", "redis"):
                        before = drains[kind].received
                        results[kind].append(publish_rps(servers[kind].port, n, pipeline))
                        want = before + n * subs * message_bytes()
                        wait_until(lambda: drains[kind].received >= want, timeout=120,
                                   what=f"{kind}: all messages delivered")
                c = statistics.median(results["carmine"])
                r = statistics.median(results["redis"])
                rows.append((subs, pipeline, c, r))
                print(f"subscribers={subs} P{pipeline}: carmine {c:,.0f}/s redis {r:,.0f}/s "
                      f"ratio {c / r:.2f}", flush=True)
        finally:
            for d in drains.values():
                d.close()
            for s in servers.values():
                s.cleanup()

    lines = ["# PUBLISH fan-out: carmine vs redis-server", "",
             f"- {os.cpu_count()} CPUs, carmine `--threads {args.threads}`, redis-server "
             f"{subprocess.run(['redis-server', '--version'], capture_output=True, text=True).stdout.split()[2]}",
             "- redis-benchmark `PUBLISH` with a 32-byte message, 50 clients; subscribers drained "
             "by one raw-socket reader; every message's delivery verified by byte count",
             f"- median of {args.rounds} interleaved rounds", "",
             "| subscribers | pipeline | carmine publishes/s | redis publishes/s | ratio |",
             "|---:|---:|---:|---:|---:|"]
    for subs, p, c, r in rows:
        lines.append(f"| {subs} | {p} | {c:,.0f} | {r:,.0f} | {c / r:.2f} |")
    if args.callgrind:
        def one_subscriber(port):
            d = Drain(port, 1)
            wait_until(lambda: numsub(port) == 1, what="subscriber")
            return d.close
        workload = ["PUBLISH", CHANNEL, PAYLOAD]
        per = {}
        for kind, extra in (("carmine", ["--threads", "1", "--busy-poll-us", "0"]),
                            ("redis", ["--save", "", "--appendonly", "no"])):
            small = callgrind_ir(kind, extra, 10000, workload, one_subscriber)
            big = callgrind_ir(kind, extra, 30000, workload, one_subscriber)
            per[kind] = (big - small) / 20000
        lines += ["", "| instructions per PUBLISH to 1 subscriber (callgrind, 1 client) | carmine "
                  "| redis | ratio |", "|---|---:|---:|---:|",
                  f"| server-side instructions | {per['carmine']:,.0f} | {per['redis']:,.0f} | "
                  f"{per['carmine'] / per['redis']:.2f} |"]
    report = "\n".join(lines) + "\n"
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    with open(os.path.join(HERE, "results", "pubsub.md"), "w") as f:
        f.write(report)
    print(report)


if __name__ == "__main__":
    main()
