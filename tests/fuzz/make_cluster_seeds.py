#!/usr/bin/python3
# Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
"""Writes cluster bus messages (one of each type, laid out as the bus carries them) into the
directory given, as seeds for cluster_bus_fuzzer."""
import os
import struct
import sys


def header(mtype, body=b"", count=0, exts=0, mflags=0):
    h = bytearray(2256)
    h[0:4] = b"RCmb"
    struct.pack_into(">HHHH", h, 8, 1, 7000, mtype, count)
    struct.pack_into(">QQQ", h, 16, 5, 3, 1000)
    h[40:80] = b"a" * 40
    h[80] = 0xFF
    h[2168:2177] = b"127.0.0.1"
    struct.pack_into(">H", h, 2214, exts)
    struct.pack_into(">HHHBB", h, 2248, 17000, 1, 0, 0, mflags)
    msg = bytes(h) + body
    return msg[:4] + struct.pack(">I", len(msg)) + msg[8:]


def gossip(name):
    g = bytearray(104)
    g[0:40] = name * 40
    struct.pack_into(">II", g, 40, 1, 2)
    g[48:57] = b"127.0.0.1"
    struct.pack_into(">HHHH", g, 94, 7001, 17001, 2, 0)
    return bytes(g)


def ext(etype, data):
    length = (8 + len(data) + 7) // 8 * 8
    return struct.pack(">IHH", length, etype, 0) + data + b"\0" * (length - 8 - len(data))


def main(out):
    os.makedirs(out, exist_ok=True)
    exts = ext(0, b"host-1\0") + ext(1, b"east\0") + ext(2, b"c" * 40 + struct.pack(">Q", 60)) + \
        ext(3, b"d" * 40)
    seeds = {
        "ping": header(0, gossip(b"b") + gossip(b"c") + exts, count=2, exts=4, mflags=4),
        "pong": header(1, gossip(b"b"), count=1),
        "meet": header(2, b"", mflags=4),
        "fail": header(3, b"b" * 40),
        "publish": header(4, struct.pack(">II", 4, 5) + b"newshello"),
        "auth_request": header(5),
        "auth_ack": header(6),
        "update": header(7, struct.pack(">Q", 9) + b"b" * 40 + b"\xff" * 2048),
        "mfstart": header(8),
        "publishshard": header(10, struct.pack(">II", 1, 1) + b"ab"),
    }
    for name, data in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main(sys.argv[1])
