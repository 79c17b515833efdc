# Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
"""Multi-key commands stay atomic with several worker threads and many clients: readers never
see a half-applied MSET, RENAME, MOVE, SWAPDB or multi-key DEL."""
import threading

import pytest
import redis

from servers import ServerProcess

pytestmark = pytest.mark.needs_process

GROUP = ["{a}1", "b2", "c3", "d4", "e5", "f6", "g7", "h8"]  # spread over many shards


@pytest.fixture(scope="module")
def port():
    s = ServerProcess("carmine", args=["--threads", "4"]).start()
    yield s.port
    s.cleanup()


def run_all(threads):
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)


def test_mset_groups_never_torn(port):
    errors = []
    stop = threading.Event()

    def writer(w):
        c = redis.Redis(port=port)
        for i in range(1500):
            v = f"{w}:{i}"
            c.mset({k: v for k in GROUP})

    def reader():
        c = redis.Redis(port=port)
        while not stop.is_set():
            vals = c.mget(GROUP)
            if len(set(vals)) != 1:
                errors.append(vals)

    def msetnx_deleter():
        c = redis.Redis(port=port)
        for i in range(800):
            c.delete(*[k + "x" for k in GROUP])
            c.msetnx({k + "x": i for k in GROUP})
            vals = c.mget([k + "x" for k in GROUP])
            if len(set(vals)) != 1:
                errors.append(("msetnx", vals))

    writers = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
    readers = [threading.Thread(target=reader) for _ in range(4)]
    other = threading.Thread(target=msetnx_deleter)
    for t in readers:
        t.start()
    run_all(writers + [other])
    stop.set()
    for t in readers:
        t.join()
    assert errors == []


def test_rename_move_swapdb_atomic(port):
    c = redis.Redis(port=port)
    c.flushall()
    c.set("left", "v")
    c.select = None
    bad = []
    stop = threading.Event()

    def renamer():
        cl = redis.Redis(port=port)
        for _ in range(2000):
            cl.rename("left", "right")
            cl.rename("right", "left")

    def observer():
        cl = redis.Redis(port=port)
        while not stop.is_set():
            n = cl.exists("left", "right")
            if n != 1:
                bad.append(n)

    def swapper():
        cl = redis.Redis(port=port, db=2)
        cl.set("z", "in2")
        cl3 = redis.Redis(port=port, db=3)
        for _ in range(500):
            cl.swapdb(2, 3)
            total = cl.dbsize() + cl3.dbsize()
            if total != 1:
                bad.append(("swap", total))

    def mover():
        cl = redis.Redis(port=port, db=5)
        cl.set("m", 1)
        for i in range(500):
            src, dst = (5, 6) if i % 2 == 0 else (6, 5)
            cl.execute_command("SELECT", src)
            cl.move("m", dst)

    obs = [threading.Thread(target=observer) for _ in range(2)]
    for t in obs:
        t.start()
    run_all([threading.Thread(target=renamer), threading.Thread(target=swapper),
             threading.Thread(target=mover)])
    stop.set()
    for t in obs:
        t.join()
    assert bad == []
    assert redis.Redis(port=port, db=5).dbsize() + redis.Redis(port=port, db=6).dbsize() == 1


def test_counters_lose_nothing(port):
    c = redis.Redis(port=port)
    c.delete("ctr")

    def incr():
        cl = redis.Redis(port=port)
        pipe = cl.pipeline(transaction=False)
        for _ in range(5000):
            pipe.incr("ctr")
        pipe.execute()

    run_all([threading.Thread(target=incr) for _ in range(8)])
    assert int(c.get("ctr")) == 40000


def test_multi_key_del_is_atomic(port):
    bad = []
    stop = threading.Event()

    def cycler():
        cl = redis.Redis(port=port)
        for i in range(1500):
            cl.mset({k: i for k in GROUP})
            cl.delete(*GROUP)

    def watcher():
        cl = redis.Redis(port=port)
        while not stop.is_set():
            n = cl.exists(*GROUP)
            if n not in (0, len(GROUP)):
                bad.append(n)

    w = [threading.Thread(target=watcher) for _ in range(3)]
    for t in w:
        t.start()
    run_all([threading.Thread(target=cycler) for _ in range(2)])
    stop.set()
    for t in w:
        t.join()
    assert bad == []


def test_collection_commands_keep_counts_across_threads(port):
    """Concurrent increments, moves and pops on shared collections from many clients (spread over
    the worker threads) lose and duplicate nothing."""
    workers, rounds = 8, 300
    c0 = redis.Redis(port=port, decode_responses=True)
    c0.delete("cnt", "zc", "pool", "moved", "src", "dst", "tokens")
    c0.rpush("src", *range(workers * rounds))
    c0.sadd("pool", *[f"t{i}" for i in range(workers * rounds)])
    popped = []
    lock = threading.Lock()

    def worker(w):
        c = redis.Redis(port=port, decode_responses=True)
        mine = []
        for i in range(rounds):
            c.hincrby("cnt", "f", 1)
            c.zincrby("zc", 1, "m")
            c.lmove("src", "dst", "LEFT", "RIGHT")  # src and dst live in different shards
            token = c.spop("pool")
            if token is not None:
                mine.append(token)
            c.sadd("moved", f"{w}:{i}")
        with lock:
            popped.extend(mine)

    run_all([threading.Thread(target=worker, args=(w,)) for w in range(workers)])
    total = workers * rounds
    assert c0.hget("cnt", "f") == str(total)
    assert c0.zscore("zc", "m") == float(total)
    assert c0.llen("src") == 0 and c0.llen("dst") == total
    assert sorted(map(int, c0.lrange("dst", 0, -1))) == list(range(total))
    assert len(popped) == total and len(set(popped)) == total and c0.scard("pool") == 0
    assert c0.scard("moved") == total
