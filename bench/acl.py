#!/usr/bin/python3
# Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
"""The cost of the ACL check per command: instructions per request (callgrind) of SET/GET
(redis-benchmark, 1 client, keys key:<n>) run as the `default` user (every command and key
allowed: no check) and as a user with 20 key patterns where only the last matches, for
carmine-server and redis-server. Each figure is the difference of two runs (N and 3N requests)
divided by 2N, so startup and shutdown cancel out. Writes bench/results/acl.md and prints it.
"""
import argparse
import os
import platform
import subprocess
import time

import redis

from compare import callgrind_ir, write_report
from servers import redis_binary

PATTERNS = [f"~nomatch{i}:*" for i in range(19)] + ["~key:*"]


def make_user(port):
    c = redis.Redis(port=port)
    c.execute_command("ACL", "SETUSER", "bench", "on", ">pw", *PATTERNS, "+@all")
    c.close()
    return None


def per_request(kind, n, as_user):
    workload = ["-t", "set,get", "-r", "1000"]
    if as_user:
        workload += ["--user", "bench", "-a", "pw"]
    setup = make_user if as_user else None
    low = callgrind_ir(kind, ["--save", ""], n, workload, setup)
    high = callgrind_ir(kind, ["--save", ""], 3 * n, workload, setup)
    # redis-benchmark -n N runs N SETs and N GETs.
    return (high - low) / (2 * n * 2)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=20000)
    args = ap.parse_args()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    ver = subprocess.run([redis_binary(), "--version"], capture_output=True, text=True).stdout
    lines = [f"- commit `{commit}`, {time.strftime('%Y-%m-%d')}, {platform.machine()}, "
             f"{os.cpu_count()} CPUs; oracle: {ver.split()[2]}",
             "",
             "| server | default user | user with 20 key patterns | cost of the check |",
             "|---|---|---|---|"]
    for kind in ("carmine", "redis"):
        base = per_request(kind, args.requests, False)
        user = per_request(kind, args.requests, True)
        lines.append(f"| {kind} | {base:.0f} instr/request | {user:.0f} instr/request | "
                     f"+{user - base:.0f} ({(user / base - 1) * 100:.1f}%) |")
    write_report("acl", lines)


if __name__ == "__main__":
    main()
