# Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
"""maxmemory-clients (client eviction) and the memory a connection is charged for, checked on
Carmine and the oracle alike: a client whose query buffer, arguments, subscriptions or watched keys
push the clients' total past the limit is disconnected, the biggest first; `CLIENT NO-EVICT on`
exempts one; lowering the limit evicts at once. Also: client-side caching invalidations must not
feed key eviction back into itself (each invalidation message is output-buffer memory).
"""
import re
import socket
import threading
import time

import pytest
import redis

from servers import ServerProcess, redis_version, wait_until

pytestmark = pytest.mark.needs_process


@pytest.fixture(params=["carmine", "redis"])
def server(request):
    args = ["--save", "", "--enable-debug-command", "yes"] + \
        (["--threads", "2"] if request.param == "carmine" else [])
    s = ServerProcess(request.param, args=args).start()
    yield s
    s.cleanup()


def client_mem(r, name):
    for c in r.client_list():
        if c["name"] == name:
            return int(c["tot-mem"])
    return None


def named_socket(port, name):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(f"*3\r\n$6\r\nCLIENT\r\n$7\r\nSETNAME\r\n${len(name)}\r\n{name}\r\n".encode())
    assert s.recv(10) == b"+OK\r\n"
    return s


def is_closed(s):
    """True once the server closed the connection (replies already sent are read past)."""
    s.settimeout(5)
    try:
        while s.recv(65536):
            pass
        return True
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


def start_big_bulk(s, size, sent):
    """Sends a SET whose value is announced as `size` bytes but only `sent` of them arrive."""
    s.sendall(f"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n${size}\r\n".encode() + b"x" * sent)


def test_large_query_buffer_gets_the_client_evicted(server):
    """A big argument's buffer is sized for the announced length as soon as it is announced."""
    r = redis.Redis(port=server.port, decode_responses=True)
    r.config_set("maxmemory-clients", "3mb")
    try:
        fits = named_socket(server.port, "fits")
        start_big_bulk(fits, 1_000_000, 100)
        wait_until(lambda: (client_mem(r, "fits") or 0) >= 1_000_000, 10, what="qbuf to grow")
        assert r.info("stats")["evicted_clients"] == 0
        big = named_socket(server.port, "big")
        start_big_bulk(big, 5_000_000, 100)
        assert is_closed(big)
        wait_until(lambda: r.info("stats")["evicted_clients"] == 1, 10)
        assert client_mem(r, "fits") >= 1_000_000  # the smaller client stays
    finally:
        r.config_set("maxmemory-clients", "0")


def test_in_progress_big_argument_counts_in_qbuf(server):
    r = redis.Redis(port=server.port, decode_responses=True)
    s = named_socket(server.port, "partial")
    start_big_bulk(s, 1_000_000, 200_000)
    wait_until(lambda: any(c["name"] == "partial" and int(c["qbuf"]) >= 200_000
                           for c in r.client_list()), 10, what="qbuf to show the partial bulk")
    s.close()


@pytest.mark.parametrize("kind", ["subscribe", "psubscribe", "watch"])
def test_client_state_counts_toward_the_limit(server, kind):
    """Subscriptions and watched keys are charged to their client (Redis charges their
    bookkeeping, a few dozen bytes each), so enough of them get a client evicted."""
    if server.kind == "redis" and kind != "subscribe" and redis_version() < (7, 2):
        pytest.skip("Redis 7.0 does not charge patterns and watched keys to their client")
    r = redis.Redis(port=server.port, decode_responses=True)
    s = named_socket(server.port, "stateful")
    # (WATCH checks each key against those already watched, in Redis too: fewer keys.)
    n = 25_000 if kind == "watch" else 100_000
    words = [kind.upper()] + [f"ch{i}" for i in range(n)]
    s.sendall(("*%d\r\n" % len(words) + "".join(f"${len(w)}\r\n{w}\r\n" for w in words)).encode())
    s.setblocking(False)

    def charged():
        try:  # the confirmations are read so that only the state itself is left to count
            while s.recv(1 << 20):
                pass
        except BlockingIOError:
            pass
        return (client_mem(r, "stateful") or 0) > 1_500_000 and \
            all(int(c["omem"]) == 0 for c in r.client_list() if c["name"] == "stateful")
    wait_until(charged, 10, what="the subscriptions or watched keys to be charged to the client")
    s.setblocking(True)
    r.config_set("maxmemory-clients", "1mb")
    try:
        assert is_closed(s)
        assert r.info("stats")["evicted_clients"] == 1
    finally:
        r.config_set("maxmemory-clients", "0")


def control_client(port):
    """A connection exempt from client eviction (its memory still counts in the total)."""
    r = redis.Redis(port=port, decode_responses=True, single_connection_client=True)
    r.client_setname("control")
    r.execute_command("CLIENT", "NO-EVICT", "on")
    return r


def test_biggest_client_goes_first(server):
    r = control_client(server.port)
    small = named_socket(server.port, "small")
    big = named_socket(server.port, "big")
    start_big_bulk(small, 400_000, 100)
    start_big_bulk(big, 800_000, 100)
    wait_until(lambda: (client_mem(r, "big") or 0) >= 800_000
               and (client_mem(r, "small") or 0) >= 400_000, 10)
    total = sum(int(c["tot-mem"]) for c in r.client_list())
    # Evicting the big one is enough; evicting the small one is not.
    r.config_set("maxmemory-clients", str(total - 500_000))
    try:
        assert is_closed(big)
        # Unnamed: the startup ping's connection, which a loaded machine may not have reaped yet.
        names = {c["name"] for c in r.client_list() if c["name"]}
        assert names == {"small", "control"}
        assert r.info("stats")["evicted_clients"] == 1
    finally:
        r.config_set("maxmemory-clients", "0")


@pytest.mark.parametrize("no_evict", ["on", "off"])
def test_no_evict_exempts_a_client(server, no_evict):
    r = control_client(server.port)
    r.config_set("maxmemory-clients", "1mb")
    try:
        s = named_socket(server.port, "big")
        s.sendall(f"*3\r\n$6\r\nCLIENT\r\n$8\r\nNO-EVICT\r\n${len(no_evict)}\r\n{no_evict}\r\n"
                  .encode())
        assert s.recv(10) == b"+OK\r\n"
        start_big_bulk(s, 2_000_000, 100)
        if no_evict == "on":
            wait_until(lambda: (client_mem(r, "big") or 0) > 2_000_000, 10)
            assert r.info("stats")["evicted_clients"] == 0
        else:
            assert is_closed(s)
            assert r.info("stats")["evicted_clients"] == 1
    finally:
        r.config_set("maxmemory-clients", "0")


def test_client_eviction_limit_as_percentage_of_maxmemory(server):
    r = control_client(server.port)
    r.config_set("maxmemory-clients", "10%")
    assert r.config_get("maxmemory-clients")["maxmemory-clients"] == "10%"
    # Without maxmemory a percentage means no limit.
    s = named_socket(server.port, "big")
    start_big_bulk(s, 2_000_000, 100)
    wait_until(lambda: (client_mem(r, "big") or 0) >= 2_000_000, 10)
    r.config_set("maxmemory", "10mb")  # now 10% is 1 MB: over it
    try:
        assert is_closed(s)
    finally:
        r.config_set("maxmemory", "0")
        r.config_set("maxmemory-clients", "0")


def test_tracking_invalidations_do_not_feed_eviction(server):
    """Evicting a key sends an invalidation to each client caching it; that output must not count
    as lasting memory, or each round of invalidations evicts more keys until none are left."""
    r = redis.Redis(port=server.port, decode_responses=True)
    r.config_set("maxmemory-policy", "allkeys-lru")
    r.config_set("maxmemory-eviction-tenacity", "100")
    trackers, listeners = [], []
    for _ in range(10):
        sub = redis.Redis(port=server.port).pubsub()
        sub.subscribe("__redis__:invalidate")
        sub.get_message(timeout=5)  # the subscribe confirmation; the connection now exists
        t = redis.Redis(port=server.port, single_connection_client=True)
        t.execute_command("CLIENT", "TRACKING", "on", "REDIRECT", sub.connection.client_id
                          if hasattr(sub.connection, "client_id") else _client_id(r, sub))
        trackers.append(t)
        listeners.append(sub)
    keys = [f"{j}" + "x" * 1000 for j in range(300)]
    for k in keys:
        r.set(k, "x")
        for t in trackers:
            t.get(k)
    me = r.client_id()
    wait_until(lambda: all(int(c["qbuf"]) == 0 for c in r.client_list() if int(c["id"]) != me), 10)
    # The listeners read their invalidations as they come, as clients do (a listener that stops
    # reading is a slow consumer, whose buffer does count).
    stop = threading.Event()
    received = [0]

    def drain():
        while not stop.is_set():
            for sub in listeners:
                while sub.get_message(timeout=0.01):
                    received[0] += 1

    reader = threading.Thread(target=drain)
    reader.start()
    used = r.info("memory")["used_memory"]
    r.config_set("maxmemory", str(used - 40_000))
    try:
        wait_until(lambda: r.info("stats")["evicted_keys"] > 0, 10)
        # Until no invalidation has come for a while: their memory is released.
        last = -1
        while last != received[0]:
            last = received[0]
            time.sleep(0.2)
        r.set("one-more", "x")
        # About 40 keys' worth of memory was taken away. Invalidations still unread while the
        # evictor runs count as clients' output (as in Redis), so a few dozen more may go; the
        # runaway this guards against empties the database.
        assert r.dbsize() > 150, r.info("stats")["evicted_keys"]
    finally:
        stop.set()
        reader.join()
        r.config_set("maxmemory", "0")
        for c in trackers + listeners:
            c.close()


def _client_id(r, sub):
    """The id of a pub/sub connection: the newest client subscribed to one channel."""
    ids = [int(c["id"]) for c in r.client_list() if c["sub"] == "1"]
    return max(ids)


def test_tot_mem_reported_per_client(server):
    r = redis.Redis(port=server.port, decode_responses=True)
    line = r.execute_command("CLIENT", "INFO")
    for field in ("qbuf", "qbuf-free", "argv-mem", "multi-mem", "obl", "oll", "omem", "tot-mem"):
        assert re.search(rf" {field}=\d+", line), field


def query_buffer(r, name):
    for c in r.client_list():
        if c["name"] == name:
            return int(c["qbuf"]) + int(c["qbuf-free"])
    return None


def test_query_buffer_sized_by_recent_peak_and_freed_when_idle(server):
    r = redis.Redis(port=server.port, decode_responses=True)
    r.config_set("hz", "100")
    c = redis.Redis(port=server.port, single_connection_client=True)
    try:
        c.client_setname("qb")
        assert 16384 <= query_buffer(r, "qb") < 32768
        # Idle for two seconds: the buffer is released.
        wait_until(lambda: query_buffer(r, "qb") == 0, 10, what="the idle buffer to be freed")
        r.execute_command("DEBUG", "PAUSE-CRON", "1")
        c.set("x", "A" * 400_000)
        big = query_buffer(r, "qb")
        assert big > 32768  # kept between commands while the cron does not run
        r.execute_command("DEBUG", "PAUSE-CRON", "0")

        def shrunk():
            c.set("x", "A" * 100)  # busy with small commands: cut to the recent peak
            return 0 < query_buffer(r, "qb") < big
        wait_until(shrunk, 5, what="the buffer to shrink to the recent peak")
    finally:
        r.execute_command("DEBUG", "PAUSE-CRON", "0")
        r.config_set("hz", "10")
        c.close()


def test_subscribers_evicted_while_publishing_on_one_thread(make_server):
    """Subscribers that do not read are evicted by maxmemory-clients while a publisher on the same
    thread keeps publishing; the server stays responsive (eviction never runs inside delivery)."""
    s = make_server(["--threads", "1", "--save", ""])
    r = control_client(s.port)
    r.config_set("maxmemory-clients", "3mb")
    subs = []
    for _ in range(20):
        sock = socket.create_connection(("127.0.0.1", s.port))
        sock.sendall(b"*2\r\n$9\r\nSUBSCRIBE\r\n$3\r\nbla\r\n")
        sock.recv(100)
        subs.append(sock)
    big = "x" * 100_000
    wait_until(lambda: r.publish("bla", big) >= 0 and r.info("stats")["evicted_clients"] > 0, 20,
               what="a subscriber to be evicted")
    assert r.ping()
    for sock in subs:
        sock.close()


def reply_buffer(r, name):
    for c in r.client_list():
        if c["name"] == name:
            return int(c["rbs"]), int(c["rbp"]), int(c["tot-mem"])
    raise AssertionError(f"no client {name}")


def test_reply_buffer_shrinks_when_idle_and_grows_when_busy(server):
    """Each client's reply buffer starts at 16 KB, shrinks toward its recent peak (not under
    1 KB) once the peak is older than the reset time, and doubles back up to 16 KB while replies
    fill it (CLIENT LIST rbs/rbp, INFO reply_buffer_shrinks/expands, DEBUG REPLYBUFFER)."""
    r = redis.Redis(port=server.port, decode_responses=True)
    tc = redis.Redis(port=server.port, decode_responses=True, single_connection_client=True)
    tc.client_setname("tc")
    rbs, rbp, fresh_mem = reply_buffer(r, "tc")
    assert (rbs, rbp) == (16384, 16384)
    r.execute_command("DEBUG", "REPLYBUFFER", "PEAK-RESET-TIME", "100")
    wait_until(lambda: 1024 <= reply_buffer(r, "tc")[0] < 2048, 5, what="idle shrink")
    rbs, rbp, idle_mem = reply_buffer(r, "tc")
    assert rbp < 1024 and idle_mem <= fresh_mem - 14000
    assert int(r.info("stats")["reply_buffer_shrinks"]) >= 1

    r.set("bigval", "x" * 32768)
    r.execute_command("DEBUG", "REPLYBUFFER", "PEAK-RESET-TIME", "never")

    def grown():
        assert len(tc.get("bigval")) == 32768
        return reply_buffer(r, "tc")[0] >= 16384
    wait_until(grown, 5, what="busy growth")
    tc.get("bigval")  # fills the grown buffer
    rbs, rbp, _ = reply_buffer(r, "tc")
    assert rbs < 32768 and rbp == rbs
    assert int(r.info("stats")["reply_buffer_expands"]) >= 4  # 1 KB, 2, 4, 8, 16 KB

    # RESIZING 0 stops the cron: a new client keeps its 16 KB whatever the reset time.
    r.execute_command("DEBUG", "REPLYBUFFER", "PEAK-RESET-TIME", "reset")
    r.execute_command("DEBUG", "REPLYBUFFER", "RESIZING", "0")
    r.execute_command("DEBUG", "REPLYBUFFER", "PEAK-RESET-TIME", "0")
    t2 = redis.Redis(port=server.port, single_connection_client=True)
    t2.client_setname("t2")
    shrinks = int(r.info("stats")["reply_buffer_shrinks"])
    time.sleep(0.5)  # five cron rounds at hz 10
    assert reply_buffer(r, "t2")[0] == 16384
    assert int(r.info("stats")["reply_buffer_shrinks"]) == shrinks
    r.execute_command("DEBUG", "REPLYBUFFER", "RESIZING", "1")
    wait_until(lambda: reply_buffer(r, "t2")[0] < 2048, 5, what="resizing back on")
    r.execute_command("DEBUG", "REPLYBUFFER", "PEAK-RESET-TIME", "reset")
    tc.close()
    t2.close()


def test_debug_replybuffer_arguments(server):
    r = redis.Redis(port=server.port, decode_responses=True)
    for args in (["REPLYBUFFER", "foo"], ["REPLYBUFFER", "foo", "1"],
                 ["REPLYBUFFER", "RESIZING"], ["REPLYBUFFER", "RESIZING", "0", "1"]):
        with pytest.raises(redis.ResponseError, match="unknown subcommand or wrong number of "
                           "arguments for 'REPLYBUFFER'. Try DEBUG HELP."):
            r.execute_command("DEBUG", *args)
    for bad in ("abc", "99999999999999999999"):
        with pytest.raises(redis.ResponseError, match="value is not an integer or out of range"):
            r.execute_command("DEBUG", "REPLYBUFFER", "PEAK-RESET-TIME", bad)
    # Redis reads the RESIZING flag as a number, anything else as 0; a negative reset time is
    # "never".
    for ok in (["RESIZING", "abc"], ["RESIZING", "2"], ["PEAK-RESET-TIME", "-5"],
               ["peak-reset-time", "NEVER"], ["PEAK-RESET-TIME", "RESET"], ["RESIZING", "1"]):
        assert r.execute_command("DEBUG", "REPLYBUFFER", *ok) in (True, "OK")


def test_output_limit_closes_before_client_eviction(server):
    """Two clients whose replies pass both their output-buffer limit and maxmemory-clients are
    closed by the output limit; a third client, holding a big query buffer, is not evicted for
    memory they would have used."""
    from test_replication import frozen
    r = redis.Redis(port=server.port, decode_responses=True)
    mb = 1024 * 1024
    r.config_set("maxmemory-clients", 10 * mb)
    r.config_set("client-output-buffer-limit", f"normal {3 * mb} 0 0")
    obuf = 4 * mb
    r.setrange("k", obuf, "v")
    qb = named_socket(server.port, "qbuf-client")
    readers = [named_socket(server.port, f"obuf-client{i}") for i in range(2)]
    qbsize = 10 * mb - obuf
    qb.sendall(f"*1\r\n${qbsize}\r\n".encode() + b"v" * qbsize)
    wait_until(lambda: any(c["name"] == "qbuf-client" and int(c["qbuf"]) == qbsize
                           for c in r.client_list()), 10, what="query buffer filled")
    with frozen(server):
        for s in readers:
            s.sendall(b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n")
    # With threads the readers may be served by another thread than `r`: wait for them.
    wait_until(lambda: not {"obuf-client0", "obuf-client1"} &
               {c["name"] for c in r.client_list()}, 10, what="readers closed")
    assert "qbuf-client" in {c["name"] for c in r.client_list()}
    for s in [qb] + readers:
        s.close()


def test_each_evicted_client_counts_once(server):
    """Clients that never read their MGET replies are evicted as their output grows, on every
    thread: each is counted once in evicted_clients and is gone from connected_clients at once,
    and a client already being closed is neither counted again nor makes others go."""
    r = control_client(server.port)
    r.config_set("maxmemory-clients", "3mb")
    for j in range(50):
        r.setrange(str(j), 100000, "x")
    socks = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(20)]
    for s in socks:
        s.setblocking(False)
    deadline = time.time() + 20
    try:
        while r.info("stats")["evicted_clients"] < 5 and time.time() < deadline:
            for s in list(socks):
                try:
                    s.send(b"MGET 1\r\n")
                except BlockingIOError:
                    pass
                except OSError:
                    socks.remove(s)

        def settled():
            evicted = r.info("stats")["evicted_clients"]
            connected = r.info("clients")["connected_clients"] - 1
            return evicted + connected == 20 and evicted >= 5
        wait_until(settled, 10, what="every evicted client counted once")
        assert r.dbsize() == 50
    finally:
        for s in socks:
            s.close()
