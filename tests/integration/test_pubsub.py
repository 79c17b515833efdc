# Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
"""Pub/Sub through redis-py and raw RESP: channels, patterns, shard channels, PUBSUB
introspection, RESP2 subscribed-mode rules, RESP3 push frames, per-publisher message order with
publishers and subscribers on different worker threads, keyspace notifications (expired included),
RESET, and the client-output-buffer-limit that disconnects a subscriber that stops reading.
Conditions are polled with deadlines."""
import os
import socket
import sys
import threading
import time

import pytest
import redis

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from servers import wait_until  # noqa: E402
from diff.resp import RawClient  # noqa: E402


def client(port, **kw):
    return redis.Redis(host="127.0.0.1", port=port, decode_responses=True, **kw)


def next_message(ps, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        m = ps.get_message(ignore_subscribe_messages=True, timeout=0.1)
        if m is not None:
            return m
    raise TimeoutError("no pub/sub message")


def test_subscribe_publish_and_patterns(r, server_port):
    ps = client(server_port).pubsub()
    ps.subscribe("news", "sport")
    ps.psubscribe("n*")
    # PSUBSCRIBE is a separate command: wait for it too, not only for the channel.
    wait_until(lambda: r.pubsub_numsub("news") == [("news", 1)] and r.pubsub_numpat() == 1,
               what="subscriptions")
    assert r.publish("news", "hello") == 2  # the channel and the pattern
    got = [next_message(ps), next_message(ps)]
    kinds = sorted((m["type"], m["channel"], m["data"]) for m in got)
    assert kinds == [("message", "news", "hello"), ("pmessage", "news", "hello")]
    assert [m["pattern"] for m in got if m["type"] == "pmessage"] == ["n*"]
    assert r.publish("sport", "goal") == 1
    assert next_message(ps)["data"] == "goal"
    assert r.publish("nobody", "x") == 1  # matches n*
    assert next_message(ps)["type"] == "pmessage"
    assert r.publish("other", "x") == 0
    assert sorted(r.pubsub_channels()) == ["news", "sport"]
    assert r.pubsub_channels("s*") == ["sport"]
    assert r.pubsub_numpat() == 1
    info = r.info("stats")
    assert info["pubsub_channels"] == 2 and info["pubsub_patterns"] == 1
    ps.unsubscribe("news")
    ps.punsubscribe()
    wait_until(lambda: r.pubsub_numpat() == 0 and r.pubsub_channels() == ["sport"],
               what="unsubscribe")
    ps.close()
    wait_until(lambda: r.pubsub_channels() == [], what="subscriber gone")


def test_shard_channels(r, server_port):
    raw = RawClient(server_port)
    raw.call(["ssubscribe", "orders{1}", "orders{2}"])
    _, v = raw.read_reply()
    assert v[1][2] == (b":", b"2")
    assert r.execute_command("SPUBLISH", "orders{1}", "o1") == 1
    _, v = raw.read_reply()
    assert [x[1] for x in v[1]] == [b"smessage", b"orders{1}", b"o1"]
    assert sorted(r.execute_command("PUBSUB", "SHARDCHANNELS")) == ["orders{1}", "orders{2}"]
    assert r.execute_command("PUBSUB", "SHARDNUMSUB", "orders{1}", "x") == ["orders{1}", 1, "x", 0]
    assert r.info("stats")["pubsubshard_channels"] == 2
    # A shard channel is not a plain channel.
    assert r.publish("orders{1}", "plain") == 0
    raw.close()


def test_resp2_subscribed_mode_rules(server_port):
    raw = RawClient(server_port)
    raw.call(["subscribe", "c"])
    raw.send_raw(b"*2\r\n$3\r\nGET\r\n$1\r\nx\r\n")
    _, v = raw.read_reply()
    assert v == (b"-", b"ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING "
                      b"/ QUIT / RESET are allowed in this context")
    raw.send_raw(b"*1\r\n$4\r\nPING\r\n")
    _, v = raw.read_reply()
    assert v == (b"*", [(b"$", b"pong"), (b"$", b"")])
    raw.send_raw(b"*1\r\n$5\r\nRESET\r\n")
    _, v = raw.read_reply()
    assert v == (b"+", b"RESET")
    raw.send_raw(b"*2\r\n$3\r\nGET\r\n$1\r\nx\r\n")  # allowed again after RESET
    _, v = raw.read_reply()
    assert v == (b"$", None)
    raw.close()


def test_resp3_push_frames_and_commands_while_subscribed(r, server_port):
    raw = RawClient(server_port)
    raw.call(["hello", "3"])
    raw_reply, v = raw.call(["subscribe", "c3"])
    assert raw_reply.startswith(b">3\r\n$9\r\nsubscribe\r\n")
    # RESP3 clients may run any command while subscribed.
    assert raw.call(["set", "k", "v"])[1] == (b"+", b"OK")
    assert r.publish("c3", "payload") == 1
    raw_reply, v = raw.read_reply()
    assert raw_reply == b">3\r\n$7\r\nmessage\r\n$2\r\nc3\r\n$7\r\npayload\r\n"
    # A client publishing to a channel it listens on gets the reply first, then the push (Redis
    # 7.2 order; 7.0 sent the push first).
    first, _ = raw.call(["publish", "c3", "self"])
    second, _ = raw.read_reply()
    if r.info("server")["redis_version"] >= "7.2":
        assert first == b":1\r\n"
        assert second.endswith(b"$4\r\nself\r\n")
    else:
        assert sorted([first, second])[0] == b":1\r\n"
    raw.close()


@pytest.mark.parametrize("publishers", [1, 4])
def test_per_publisher_order_across_threads(r, server_port, publishers):
    """Subscribers and publishers spread over the worker threads; each subscriber must see each
    publisher's messages in the order they were published, and all of them."""
    n = 2000
    subs = []
    for _ in range(6):
        ps = client(server_port).pubsub()
        ps.subscribe("feed")
        subs.append(ps)
    wait_until(lambda: r.pubsub_numsub("feed") == [("feed", 6)], what="subscribers")

    def publish(pid):
        c = client(server_port)
        pipe = c.pipeline(transaction=False)
        for i in range(n):
            pipe.publish("feed", f"{pid}:{i}")
            if i % 200 == 199:
                pipe.execute()
        pipe.execute()
        c.close()

    threads = [threading.Thread(target=publish, args=(p,)) for p in range(publishers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for ps in subs:
        last = {}
        for _ in range(n * publishers):
            m = next_message(ps)
            pid, i = map(int, m["data"].split(":"))
            assert i == last.get(pid, -1) + 1, f"publisher {pid}: {i} after {last.get(pid)}"
            last[pid] = i
        assert all(v == n - 1 for v in last.values()) and len(last) == publishers
        ps.close()


def test_keyspace_notifications_including_expired(r, server_port):
    r.config_set("notify-keyspace-events", "KEA")
    try:
        assert r.config_get("notify-keyspace-events")["notify-keyspace-events"] == "AKE"
        ps = client(server_port).pubsub()
        ps.psubscribe("__key*__:*")
        wait_until(lambda: r.pubsub_numpat() == 1, what="psubscribe")
        r.set("ttl:k", "v", px=30)
        r.lpush("list:k", "a")
        r.rpop("list:k")
        events = []
        # The key expires by itself (active expiry): the "expired" event arrives without access.
        while ("__keyevent@0__:expired", "ttl:k") not in events:
            m = next_message(ps)
            events.append((m["channel"], m["data"]))
        assert ("__keyspace@0__:ttl:k", "set") in events
        assert ("__keyevent@0__:expire", "ttl:k") in events
        assert events.index(("__keyevent@0__:lpush", "list:k")) < \
            events.index(("__keyevent@0__:rpop", "list:k")) < \
            events.index(("__keyevent@0__:del", "list:k"))
        ps.close()
    finally:
        r.config_set("notify-keyspace-events", "")
    with pytest.raises(redis.ResponseError, match="Invalid event class character"):
        r.config_set("notify-keyspace-events", "KQ")


def test_pubsub_in_client_list_and_kill_by_type(r, server_port):
    ps = client(server_port).pubsub()
    ps.subscribe("a", "b")
    ps.psubscribe("p*")
    wait_until(lambda: any(c["sub"] == "2" for c in r.client_list()), what="client list")
    line = next(c for c in r.client_list() if c["sub"] == "2")
    assert line["psub"] == "1" and "P" in line["flags"]
    assert line["id"] in [c["id"] for c in r.client_list(_type="pubsub")]
    assert line["id"] not in [c["id"] for c in r.client_list(_type="normal")]
    assert r.client_kill_filter(_type="pubsub") >= 1
    wait_until(lambda: r.pubsub_channels() == [], what="killed subscriber unregistered")
    ps.close()


def non_reading_subscriber(r, port, channel):
    """A raw subscriber with a tiny receive buffer that never reads."""
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.sendall(f"*2\r\n$9\r\nSUBSCRIBE\r\n${len(channel)}\r\n{channel}\r\n".encode())
    wait_until(lambda: r.pubsub_numsub(channel) == [(channel, 1)], what="slow subscriber")
    return s


@pytest.mark.needs_process
def test_output_buffer_limit_disconnects_slow_subscriber(make_server):
    srv = make_server(["--threads", "2", "--client-output-buffer-limit", "pubsub 256kb 64kb 1"])
    r = client(srv.port)
    slow = non_reading_subscriber(r, srv.port, "slow")
    payload = "x" * 16384
    # The subscriber never reads; the server must drop it instead of buffering without bound.
    deadline = time.monotonic() + 20
    while r.pubsub_numsub("slow") != [("slow", 0)]:
        assert time.monotonic() < deadline, "slow subscriber was never disconnected"
        pipe = r.pipeline(transaction=False)
        for _ in range(64):
            pipe.publish("slow", payload)
        pipe.execute()
    assert r.info("stats")["client_output_buffer_limit_disconnections"] >= 1
    assert r.ping()
    slow.close()
    # The limit is a runtime setting with Redis's syntax and errors.
    r.config_set("client-output-buffer-limit", "pubsub 1mb 512kb 10")
    assert "pubsub 1048576 524288 10" in r.config_get("client-output-buffer-limit")[
        "client-output-buffer-limit"]
    with pytest.raises(redis.ResponseError, match="Invalid client class"):
        r.config_set("client-output-buffer-limit", "bogus 1 1 1")


@pytest.mark.needs_process
def test_soft_limit_disconnects_after_its_seconds(make_server):
    """Over the soft limit only: the subscriber survives until the soft seconds have passed."""
    srv = make_server(["--threads", "1", "--client-output-buffer-limit", "pubsub 0 32kb 1"])
    r = client(srv.port)
    slow = non_reading_subscriber(r, srv.port, "soft")
    payload = "y" * 8192
    started = time.monotonic()
    deadline = started + 20
    while r.pubsub_numsub("soft") != [("soft", 0)]:
        assert time.monotonic() < deadline, "never disconnected by the soft limit"
        r.publish("soft", payload)
        time.sleep(0.01)  # a steady trickle, so the time over the limit is what decides
    assert time.monotonic() - started >= 1.0
    slow.close()



def test_churn_leaves_no_registrations(r, server_port):
    """Subscribers and tracking clients connect and vanish (some with a reset) while publishers,
    writers with keyspace events and WATCH transactions run on other threads. Afterwards the
    server answers and nothing of the departed clients is left registered."""
    r.config_set("notify-keyspace-events", "KEA")
    stop = time.monotonic() + 3
    errors = []

    def guarded(fn):
        def body():
            while time.monotonic() < stop:
                try:
                    fn()
                except Exception as e:  # reported below
                    errors.append(repr(e))
        return body

    def subscriber():
        c = RawClient(server_port, timeout=5)
        if time.monotonic_ns() % 2:
            c.call(["hello", "3"])
        c.call(["subscribe", "churn", "churn2"])
        c.call(["psubscribe", "__key*"])
        if time.monotonic_ns() % 3 == 0:
            c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\0\0\0\0\0\0\0")
        c.close()

    def tracker():
        c = RawClient(server_port, timeout=5)
        c.call(["hello", "3"])
        c.call(["client", "tracking", "on"] + (["bcast", "prefix", "k"] if
                                                time.monotonic_ns() % 2 else []))
        for i in range(5):
            c.call(["get", f"k{i}"])
        c.close()

    def publisher():
        c = client(server_port)
        pipe = c.pipeline(transaction=time.monotonic_ns() % 2 == 0)
        for i in range(50):
            pipe.publish("churn", "x" * (i % 90)).set(f"k{i % 20}", i).expire(f"k{i % 7}", 1)
        pipe.execute()
        c.close()

    def watcher():
        c = client(server_port)
        with c.pipeline() as pipe:
            try:
                pipe.watch("k1", "k2")
                pipe.multi()
                pipe.incr("k3")
                pipe.execute()
            except redis.WatchError:
                pass
        c.close()

    fns = [subscriber] * 3 + [tracker] * 2 + [publisher] * 2 + [watcher]
    threads = [threading.Thread(target=guarded(f)) for f in fns]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    r.config_set("notify-keyspace-events", "")
    assert errors == []
    wait_until(lambda: r.pubsub_channels("churn*") == [] and r.pubsub_numpat() == 0 and
               r.info("clients")["tracking_clients"] == 0, what="departed clients unregistered")
    assert r.ping()
