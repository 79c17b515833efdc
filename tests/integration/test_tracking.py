# Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
"""Client-side caching (CLIENT TRACKING) over raw RESP: RESP3 invalidation pushes in default,
OPTIN/OPTOUT, BCAST/PREFIX and NOLOOP modes, RESP2 redirection through __redis__:invalidate,
flush invalidation, tracking-table-max-keys, and RESET. Writers run on other connections (and so
other worker threads); arrivals are awaited with deadlines."""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from diff.resp import RawClient  # noqa: E402


def resp3(port):
    c = RawClient(port, timeout=5)
    c.call(["hello", "3"])
    return c


def plain(value):
    t, v = value
    if t == b"_":
        return None
    if t == b":":
        return int(v)
    if isinstance(v, list):
        return [plain(x) for x in v]
    return v


def next_push(c):
    """The next out-of-band frame (raises socket.timeout after 5 s)."""
    return plain(c.read_reply()[1])


def no_push(c, r):
    """Proves nothing is pending for c: the PING reply is the next frame."""
    assert plain(c.call(["ping"])[1]) == b"PONG"


def test_default_mode_invalidates_once(r, server_port):
    c = resp3(server_port)
    assert plain(c.call(["client", "tracking", "on"])[1]) == b"OK"
    c.call(["get", "k"])
    c.call(["mget", "a", "b"])
    r.set("k", "1")
    assert next_push(c) == [b"invalidate", [b"k"]]
    r.set("k", "2")  # no second invalidation until the client reads the key again
    r.set("a", "1")
    assert next_push(c) == [b"invalidate", [b"a"]]
    no_push(c, r)
    assert r.info("stats")["tracking_total_keys"] >= 1  # "b" is still tracked
    assert r.info("clients")["tracking_clients"] >= 1
    c.close()


def test_own_writes_and_noloop(r, server_port):
    c = resp3(server_port)
    c.call(["client", "tracking", "on"])
    c.call(["get", "own"])
    raw, _ = c.call(["set", "own", "v"])
    assert raw == b"+OK\r\n"  # the reply first, then the invalidation of its own write
    assert next_push(c) == [b"invalidate", [b"own"]]
    c.call(["client", "tracking", "off"])
    c.call(["client", "tracking", "on", "noloop"])
    c.call(["get", "own"])
    c.call(["set", "own", "w"])  # its own write: not reported, and the key is forgotten
    no_push(c, r)
    c.call(["get", "own"])
    r.set("own", "x")
    assert next_push(c) == [b"invalidate", [b"own"]]
    c.close()


def test_optin_and_optout(r, server_port):
    c = resp3(server_port)
    c.call(["client", "tracking", "on", "optin"])
    c.call(["get", "not-cached"])
    c.call(["client", "caching", "yes"])
    c.call(["get", "cached"])
    r.set("not-cached", "1")
    r.set("cached", "1")
    assert next_push(c) == [b"invalidate", [b"cached"]]
    info = plain(c.call(["client", "trackinginfo"])[1])
    assert info[1] == [b"on", b"optin"]
    c.call(["client", "tracking", "off"])
    c.call(["client", "tracking", "on", "optout"])
    c.call(["client", "caching", "no"])
    c.call(["get", "skipped"])
    c.call(["get", "tracked"])
    r.set("skipped", "1")
    r.set("tracked", "1")
    assert next_push(c) == [b"invalidate", [b"tracked"]]
    c.close()


def test_bcast_prefixes(r, server_port):
    c = resp3(server_port)
    c.call(["client", "tracking", "on", "bcast", "prefix", "user:", "prefix", "cfg:"])
    r.set("user:1", "a")
    assert next_push(c) == [b"invalidate", [b"user:1"]]
    r.set("other", "x")
    r.hset("cfg:main", "f", "v")
    assert next_push(c) == [b"invalidate", [b"cfg:main"]]
    assert r.info("stats")["tracking_total_prefixes"] >= 2
    err = plain(c.call(["client", "tracking", "on", "bcast", "prefix", "user:x"])[1])
    assert b"overlaps with an existing prefix" in err
    c.close()


def test_resp2_redirect_through_invalidate_channel(r, server_port):
    listener = RawClient(server_port, timeout=5)
    lid = plain(listener.call(["client", "id"])[1])
    listener.call(["subscribe", "__redis__:invalidate"])
    tracker = RawClient(server_port, timeout=5)
    assert plain(tracker.call(["client", "tracking", "on", "redirect", str(lid)])[1]) == b"OK"
    assert plain(tracker.call(["client", "getredir"])[1]) == lid
    tracker.call(["get", "shared"])
    r.set("shared", "1")
    assert next_push(listener) == [b"message", b"__redis__:invalidate", [b"shared"]]
    listener.close()
    tracker.close()


def test_flush_sends_null_invalidation(r, server_port):
    c = resp3(server_port)
    c.call(["client", "tracking", "on"])
    c.call(["get", "k"])
    r.flushall()
    assert next_push(c) == [b"invalidate", None]
    c.close()


@pytest.mark.needs_process
def test_flush_forgets_keys_of_clients_no_longer_tracking(make_server):
    srv = make_server(["--threads", "2"])
    c = resp3(srv.port)
    c.call(["client", "tracking", "on"])
    c.call(["mget", "k1", "k2"])
    c.call(["client", "tracking", "off"])
    w = RawClient(srv.port, timeout=5)
    stats = lambda: plain(w.call(["info", "stats"])[1]).decode()  # noqa: E731
    assert "tracking_total_items:2\r\n" in stats()
    # With no tracking client left, FLUSHALL still empties the table, as Redis does.
    w.call(["flushall"])
    assert "tracking_total_items:0\r\ntracking_total_prefixes:0\r\n" in stats()
    assert "tracking_total_keys:0\r\n" in stats()
    # Tracking again: a write to a key read before the flush sends nothing.
    c.call(["client", "tracking", "on"])
    w.call(["set", "k1", "v"])
    no_push(c, w)
    c.close()
    w.close()


@pytest.mark.needs_process
def test_tracking_table_max_keys(make_server):
    srv = make_server(["--threads", "2", "--tracking-table-max-keys", "2"])
    c = resp3(srv.port)
    c.call(["client", "tracking", "on"])
    for k in ("a", "b", "c"):
        c.call(["get", k])
    # Remembering a third key evicts one of the others with an invalidation.
    msg = next_push(c)
    assert msg[0] == b"invalidate" and msg[1][0] in (b"a", b"b", b"c")
    c.close()


def test_reset_turns_tracking_off(r, server_port):
    c = resp3(server_port)
    c.call(["client", "tracking", "on"])
    c.call(["get", "k"])
    assert plain(c.call(["reset"])[1]) == b"RESET"
    assert plain(c.call(["client", "getredir"])[1]) == -1
    r.set("k", "v")
    c.call(["hello", "3"])
    no_push(c, r)
    c.close()


def test_tracking_errors(server_port):
    c = RawClient(server_port)
    assert plain(c.call(["client", "tracking", "on", "redirect", "999999"])[1]) == \
        b"ERR The client ID you want redirect to does not exist"
    assert plain(c.call(["client", "caching", "yes"])[1]).startswith(b"ERR CLIENT CACHING can be")
    c.close()
