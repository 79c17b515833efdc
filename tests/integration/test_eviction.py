# Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
"""maxmemory and the eight maxmemory-policy values, through redis-py against the built binary.

Each test fills a server started with maxmemory 64mb far past the limit (about 200 MB of values)
and checks that memory stays near the limit and that the victims are the kind the policy names.
LRU idle time has one-second resolution (as in Redis), so the LRU tests wait, by polling INFO's
lru_clock with a deadline, until the cold keys are measurably older than the hot ones.
"""
import redis
import pytest

from servers import ServerProcess, wait_until

pytestmark = pytest.mark.needs_process

MAX = 64 * 1024 * 1024
VAL = "v" * 4000
OOM = "OOM command not allowed when used memory > 'maxmemory'."


def start(make_server, policy, *extra):
    s = make_server(["--threads", "2", "--maxmemory", "64mb", "--maxmemory-policy", policy,
                     *extra])
    return redis.Redis(port=s.port, decode_responses=True)


def fill(c, prefix, n, ttl=None, touch=None):
    """SETs n keys of 4 KB; ttl(i) gives a key's TTL in seconds; touch() runs between batches."""
    p = c.pipeline(transaction=False)
    for i in range(n):
        t = ttl(i) if ttl else None
        p.set(f"{prefix}:{i}", VAL, ex=t)
        if len(p) >= 500:
            p.execute()
            if touch:
                touch()
    p.execute()


def used(c):
    return c.info("memory")["used_memory"]


def wait_lru_tick(c, seconds=2):
    start_clock = c.info("server")["lru_clock"]
    wait_until(lambda: c.info("server")["lru_clock"] >= start_clock + seconds, timeout=10,
               what="the LRU clock to advance")


def count(c, prefix, n):
    p = c.pipeline(transaction=False)
    for i in range(n):
        p.exists(f"{prefix}:{i}")
    return sum(p.execute())


def check_under_limit(c):
    mem = c.info("memory")
    assert mem["used_memory"] <= MAX * 1.02, mem["used_memory"]
    # The allocator keeps some freed pages; RSS must still be of the limit's order. (Sanitizer
    # builds, which report the libc allocator, hold freed memory in quarantine: RSS says nothing.)
    if mem["mem_allocator"].startswith("jemalloc"):
        assert mem["used_memory_rss"] <= MAX * 1.6 + 16 * 1024 * 1024, mem["used_memory_rss"]
    assert c.info("stats")["evicted_keys"] > 0


def test_noeviction_refuses_denyoom_commands(make_server):
    c = start(make_server, "noeviction")
    with pytest.raises(redis.ResponseError) as e:
        fill(c, "k", 50000)
    assert str(e.value).endswith(OOM)  # the pipeline names the failing command first
    assert c.info("stats")["evicted_keys"] == 0
    assert used(c) <= MAX * 1.02
    # Reads and deletes still work; a transaction with a write is aborted as a whole.
    assert c.get("k:0") == VAL
    with pytest.raises(redis.ResponseError) as e:
        c.execute_command("LPUSH", "l", "x")
    assert str(e.value) == OOM
    p = c.pipeline(transaction=True)
    p.get("k:0")
    p.set("x", "1")
    with pytest.raises(redis.ResponseError) as e:
        p.execute()
    assert "OOM command not allowed" in str(e.value)
    assert c.delete(*[f"k:{i}" for i in range(2000)]) == 2000
    assert c.set("after", "ok")
    assert c.info("memory")["maxmemory_policy"] == "noeviction"


@pytest.mark.parametrize("policy", ["allkeys-lru", "allkeys-lfu", "allkeys-random"])
def test_allkeys_policies_stay_under_limit(make_server, policy):
    c = start(make_server, policy)
    fill(c, "k", 50000)
    check_under_limit(c)
    # Roughly the keys that fit remain. (Counting them costs memory too: a few more may go.)
    n = c.dbsize()
    assert 8000 < n < 16500, n
    assert n - 200 <= count(c, "k", 50000) <= n


def test_allkeys_lru_keeps_the_hot_set(make_server):
    c = start(make_server, "allkeys-lru")
    hot = [f"hot:{i}" for i in range(500)]

    def touch():
        p = c.pipeline(transaction=False)
        for k in hot:
            p.get(k)
        p.execute()

    p = c.pipeline(transaction=False)
    for k in hot:
        p.set(k, VAL)
    p.execute()
    fill(c, "r0", 9000)  # about 40 MB: under the limit
    # Rounds of 8000 new keys (32 MB each, 128 MB in all): each round starts once the keys of
    # the rounds before are at least a second idle, and touches the hot keys as it goes.
    for rnd in range(1, 5):
        wait_lru_tick(c, 1)
        touch()
        fill(c, f"r{rnd}", 8000, touch=touch)
    check_under_limit(c)
    survivors = sum(c.exists(k) for k in hot)
    assert survivors >= 490, survivors
    # The oldest untouched keys went first.
    assert count(c, "r0", 9000) < 500


def test_allkeys_lfu_keeps_frequently_used_keys(make_server):
    # Counters do not decay here: the decay is counted in whole minutes of the clock, so a
    # minute boundary crossed during the test would bring many hot keys (counter 6) down to the
    # new keys' initial 5, and which of those go first would be chance, in Redis as here.
    c = start(make_server, "allkeys-lfu", "--lfu-decay-time", "0")
    hot = [f"hot:{i}" for i in range(500)]
    p = c.pipeline(transaction=False)
    for k in hot:
        p.set(k, VAL)
    p.execute()
    for _ in range(10):
        p = c.pipeline(transaction=False)
        for k in hot:
            p.get(k)
        p.execute()
    assert int(c.object("freq", hot[0])) > 5
    fill(c, "k", 50000)
    check_under_limit(c)
    survivors = sum(c.exists(k) for k in hot)
    assert survivors >= 490, survivors


@pytest.mark.parametrize("policy", ["volatile-lru", "volatile-lfu", "volatile-random",
                                    "volatile-ttl"])
def test_volatile_policies_spare_persistent_keys(make_server, policy):
    c = start(make_server, policy)
    fill(c, "keep", 2000)  # no TTL: never a victim
    fill(c, "tmp", 40000, ttl=lambda i: 3600)
    check_under_limit(c)
    assert count(c, "keep", 2000) == 2000
    # Once only persistent keys are left to take, writes are refused.
    with pytest.raises(redis.ResponseError) as e:
        fill(c, "more", 50000)
    assert str(e.value).endswith(OOM)
    assert count(c, "keep", 2000) == 2000


def test_volatile_ttl_evicts_the_nearest_deadline_first(make_server):
    c = start(make_server, "volatile-ttl", "--maxmemory-samples", "10")
    # Alternate short and long TTLs so both kinds are spread evenly over time and shards.
    fill(c, "k", 40000, ttl=lambda i: 1000 + i % 2 * 100000)
    check_under_limit(c)
    short = sum(1 for i in range(0, 40000, 2) if c.exists(f"k:{i}"))
    long_ = sum(1 for i in range(1, 40000, 2) if c.exists(f"k:{i}"))
    assert long_ > 4 * short, (short, long_)


def test_lazy_eviction_of_big_values(make_server):
    c = start(make_server, "allkeys-lru", "--lazyfree-lazy-eviction", "yes")
    fields = {f"f{i}": "x" * 100 for i in range(1000)}
    for i in range(1000):  # 1000 hashes of ~150 KB each, far past the limit
        c.hset(f"h:{i}", mapping=fields)
    wait_until(lambda: c.info("memory")["lazyfree_pending_objects"] == 0, what="lazy free")
    check_under_limit(c)
    assert c.info("memory")["lazyfreed_objects"] > 0


def test_config_set_maxmemory_at_runtime_evicts(make_server):
    s = make_server(["--threads", "2"])
    c = redis.Redis(port=s.port, decode_responses=True)
    fill(c, "k", 30000)  # ~120 MB, no limit yet
    assert c.config_set("maxmemory-policy", "allkeys-random")
    assert c.config_set("maxmemory", "64mb")
    # The cron carries on evicting without waiting for traffic.
    wait_until(lambda: used(c) <= MAX * 1.02, what="eviction down to maxmemory")
    assert c.info("stats")["evicted_keys"] > 0
    assert c.config_get("maxmemory") == {"maxmemory": str(MAX)}


@pytest.mark.parametrize("kind", ["carmine", "redis"])
def test_lower_maxmemory_in_transaction_evicts_after_it(kind):
    """CONFIG SET maxmemory inside MULTI takes effect once EXEC is done: the transaction's
    commands still see their keys, then eviction empties the database."""
    s = ServerProcess(kind, args=["--maxmemory-policy", "allkeys-lru"]).start()
    try:
        c = redis.Redis(port=s.port, decode_responses=True)
        p = c.pipeline(transaction=True)
        p.incr("x")
        p.config_set("maxmemory", 1)
        p.incr("x")
        assert p.execute() == [1, True, 2]
        wait_until(lambda: c.dbsize() == 0, 10, what="keys evicted")
        c.config_set("maxmemory", 0)
    finally:
        s.cleanup()
