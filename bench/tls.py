#!/usr/bin/python3
# Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
"""GET/SET over TLS: carmine-server vs redis-server (the 7.2.4 oracle, built with TLS), both on a
tls-port with certificates made here, rounds interleaved (A B A B ...), medians and ratios.
redis-benchmark --tls, 50 clients, pipeline 1 and 16; Carmine with 1 and 2 threads (Redis has
one). Writes bench/results/tls.md and prints it."""
import argparse
import csv
import io
import os
import platform
import statistics
import subprocess
import tempfile
import time

from compare import write_report
from servers import ServerProcess, free_port, redis_binary, wait_until

BENCH = os.path.join(os.path.dirname(redis_binary()), "redis-benchmark")


def make_certs(d):
    def ossl(*a):
        subprocess.run(["openssl", *a], cwd=d, check=True, capture_output=True)
    ossl("genrsa", "-out", "ca.key", "2048")
    ossl("req", "-x509", "-new", "-nodes", "-key", "ca.key", "-days", "2", "-subj", "/CN=ca",
         "-out", "ca.crt")
    ossl("genrsa", "-out", "s.key", "2048")
    ossl("req", "-new", "-key", "s.key", "-subj", "/CN=s", "-out", "s.csr")
    ossl("x509", "-req", "-in", "s.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
         "-days", "2", "-out", "s.crt")


def run(tport, d, test, pipeline, n):
    cmd = [BENCH, "-p", str(tport), "--tls", "--cacert", f"{d}/ca.crt", "-t", test, "-n", str(n),
           "-c", "50", "-P", str(pipeline), "-r", "100000", "--csv"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=600).stdout
    rows = [r for r in csv.reader(io.StringIO(out)) if r and r[0] != "test"]
    return float(rows[-1][1]) if rows else 0.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--requests", type=int, default=200000)
    args = ap.parse_args()
    d = tempfile.mkdtemp(prefix="tls-bench-")
    make_certs(d)
    tls = ["--tls-cert-file", f"{d}/s.crt", "--tls-key-file", f"{d}/s.key",
           "--tls-ca-cert-file", f"{d}/ca.crt", "--tls-auth-clients", "no"]
    servers = {}
    for name, kind, extra in (("carmine t1", "carmine", ["--threads", "1"]),
                              ("carmine t2", "carmine", ["--threads", "2"]),
                              ("redis", "redis", [])):
        tport = free_port()
        s = ServerProcess(kind, args=["--tls-port", str(tport), *tls, *extra])
        s.start()
        servers[name] = (s, tport)
    results = {}
    try:
        for _ in range(args.rounds):
            for test in ("set", "get"):
                for p in (1, 16):
                    for name, (s, tport) in servers.items():
                        results.setdefault((name, test, p), []).append(
                            run(tport, d, test, p, args.requests))
    finally:
        for s, _ in servers.values():
            s.cleanup()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    lines = [f"- commit `{commit}`, {time.strftime('%Y-%m-%d')}, {platform.machine()}, "
             f"{os.cpu_count()} CPUs, {args.rounds} interleaved rounds, medians",
             "",
             "| test | redis-server | carmine t1 | ratio | carmine t2 | ratio |",
             "|---|---|---|---|---|---|"]
    for test in ("set", "get"):
        for p in (1, 16):
            r = statistics.median(results[("redis", test, p)])
            c1 = statistics.median(results[("carmine t1", test, p)])
            c2 = statistics.median(results[("carmine t2", test, p)])
            lines.append(f"| {test.upper()} P{p} | {r:,.0f} | {c1:,.0f} | {c1 / r:.2f} | "
                         f"{c2:,.0f} | {c2 / r:.2f} |")
    write_report("tls", lines)


if __name__ == "__main__":
    main()
