# Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
"""A minimal RESP client that returns replies as raw bytes and as parsed values, so the
differential harness can compare servers byte for byte."""
import socket


def encode(args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, str):
            a = a.encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class RawClient:
    def __init__(self, port, host="127.0.0.1", timeout=10):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.buf = b""

    def close(self):
        self.sock.close()

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("connection closed")
        self.buf += chunk

    def _line(self, pos):
        while True:
            i = self.buf.find(b"\r\n", pos)
            if i >= 0:
                return self.buf[pos:i], i + 2
            self._fill()

    def _parse(self, pos):
        line, pos = self._line(pos)
        t, rest = line[:1], line[1:]
        if t in (b"+", b"-", b":", b"_", b",", b"#", b"("):
            return (t, rest), pos
        if t in (b"$", b"="):
            n = int(rest)
            if n < 0:
                return (t, None), pos
            while len(self.buf) < pos + n + 2:
                self._fill()
            return (t, self.buf[pos:pos + n]), pos + n + 2
        if t in (b"*", b"~", b">", b"%"):
            n = int(rest)
            if n < 0:
                return (t, None), pos
            if t == b"%":
                n *= 2
            items = []
            for _ in range(n):
                v, pos = self._parse(pos)
                items.append(v)
            return (t, items), pos
        raise ValueError(f"bad reply type {line!r}")

    def call(self, args):
        """Sends one command; returns (raw_bytes, parsed)."""
        self.sock.sendall(encode(args))
        return self.read_reply()

    def send_raw(self, data):
        self.sock.sendall(data)

    def read_reply(self):
        value, end = self._parse(0)
        raw = self.buf[:end]
        self.buf = self.buf[end:]
        return raw, value


def normalize_unordered(value):
    """Sorts the elements of an array reply (for commands whose reply order Redis leaves open)."""
    t, v = value
    if t == b"%" and v is not None:  # RESP3 map: sort the key/value pairs
        pairs = sorted(zip(v[0::2], v[1::2]), key=repr)
        return (t, [x for pair in pairs for x in pair])
    if t in (b"*", b"~") and v is not None:
        return (t, sorted(v, key=repr))
    return value
