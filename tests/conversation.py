# Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
"""Scripted multi-client conversations on raw sockets, to compare two servers byte for byte.

A script is a list of steps: (client, [words...]) sends a command without reading; ("read",
client) collects what that client has received so far; ("sleep", seconds) waits (only where the
behaviour under test is time itself, e.g. a key's expiry). The result lists each client's bytes
per read, so replies, pushes and their order are all compared.
"""
import socket
import time


def encode(words):
    out = b"*%d\r\n" % len(words)
    for w in words:
        w = w.encode() if isinstance(w, str) else w
        out += b"$%d\r\n%s\r\n" % (len(w), w)
    return out


def run(port, script, settle=0.15):
    conns = {}

    def conn(name):
        if name not in conns:
            s = socket.create_connection(("127.0.0.1", port))
            s.settimeout(settle)
            conns[name] = s
        return conns[name]

    def drain(name):
        s, buf = conn(name), b""
        try:
            while True:
                d = s.recv(65536)
                if not d:
                    return buf + b"<closed>"
                buf += d
        except socket.timeout:
            return buf

    out = []
    try:
        for step in script:
            if step[0] == "sleep":
                time.sleep(step[1])
            elif step[0] == "read":
                out.append((step[1], drain(step[1])))
            else:
                conn(step[0]).sendall(encode(step[1]))
        for name in sorted(conns):
            out.append((name, drain(name)))
    finally:
        for s in conns.values():
            s.close()
    return out
