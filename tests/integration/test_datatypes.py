# Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
"""The collection types through redis-py, the way applications use them: mappings, score parsing,
scan iterators over big collections (also while they grow), pipelines, encoding switches with
CONFIG SET, WRONGTYPE errors, HyperLogLog estimates, geo searches and SORT with patterns. These
tests also pass against a real redis-server (--existing-port)."""
import pytest
import redis


def test_hash_roundtrip_and_scan(r):
    assert r.hset("user:1", mapping={"name": "ada", "age": "36", "lang": "en"}) == 3
    assert r.hgetall("user:1") == {"name": "ada", "age": "36", "lang": "en"}
    assert r.hincrby("user:1", "age", 1) == 37
    assert r.hincrbyfloat("user:1", "score", 0.5) == 0.5
    assert r.hmget("user:1", ["name", "nope"]) == ["ada", None]
    big = {f"f{i}": str(i) for i in range(5000)}
    r.hset("big", mapping=big)
    assert r.object("encoding", "big") == "hashtable"
    assert dict(r.hscan_iter("big", count=100)) == big
    assert len(r.hrandfield("big", 10)) == 10
    assert len(r.hrandfield("big", -20, withvalues=True)) == 40


def test_set_scan_sees_every_member_while_the_set_grows(r):
    r.sadd("s", *[f"m{i}" for i in range(2000)])
    seen = set()
    cursor = 0
    extra = 0
    while True:
        cursor, batch = r.sscan("s", cursor, count=50)
        seen.update(batch)
        if extra < 20000:  # grow the table (rehashing) in the middle of the scan
            r.sadd("s", *[f"x{extra + i}" for i in range(1000)])
            extra += 1000
        if cursor == 0:
            break
    assert {f"m{i}" for i in range(2000)} <= seen
    assert r.scard("s") == 2000 + extra


def test_set_algebra(r):
    r.sadd("a", "1", "2", "3", "x")
    r.sadd("b", "2", "3", "y")
    assert r.sinter("a", "b") == {"2", "3"}
    assert r.sunion("a", "b") == {"1", "2", "3", "x", "y"}
    assert r.sdiff("a", "b") == {"1", "x"}
    assert r.sinterstore("dst", ["a", "b"]) == 2
    assert r.object("encoding", "dst") == "intset"
    assert r.smismember("a", ["1", "nope"]) == [1, 0]
    assert r.spop("a", 10) and not r.exists("a")


def test_sorted_set_scores_ranges_and_scan(r):
    r.zadd("z", {"a": 1.5, "b": 0.1, "c": 3})
    assert r.zrange("z", 0, -1, withscores=True) == [("b", 0.1), ("a", 1.5), ("c", 3.0)]
    assert r.zscore("z", "b") == 0.1
    assert r.zrangebyscore("z", "(0.1", "+inf", start=0, num=1) == ["a"]
    assert r.zrevrank("z", "c") == 0
    assert r.zincrby("z", 2, "a") == 3.5
    assert r.zpopmin("z") == [("b", 0.1)]
    r.zadd("y", {"a": 10, "q": 1})
    assert r.zunionstore("u", {"z": 2, "y": 1}) == 3
    assert r.zrange("u", 0, -1, withscores=True) == [("q", 1.0), ("c", 6.0), ("a", 17.0)]
    members = {f"m{i}": i for i in range(3000)}
    r.zadd("bigz", members)
    assert r.object("encoding", "bigz") == "skiplist"
    assert dict(r.zscan_iter("bigz", count=200)) == {k: float(v) for k, v in members.items()}
    assert r.zrank("bigz", "m1234") == 1234
    assert r.zcount("bigz", 100, "(200") == 100
    assert r.zremrangebyrank("bigz", 0, 999) == 1000
    assert r.zcard("bigz") == 2000


def test_lists_queue_patterns(r):
    assert r.rpush("q", *range(10)) == 10
    assert r.lrange("q", 0, 2) == ["0", "1", "2"]
    assert r.lmove("q", "q2", "LEFT", "RIGHT") == "0"
    assert r.lpos("q", "5") == 4
    assert r.linsert("q", "BEFORE", "5", "x") == 10
    assert r.lrem("q", 0, "x") == 1
    r.ltrim("q", 0, 4)
    assert r.lrange("q", 0, -1) == ["1", "2", "3", "4", "5"]
    assert r.rpop("q", 2) == ["5", "4"]
    long_list = [f"value:{i}" for i in range(50000)]
    r.rpush("long", *long_list)
    assert r.object("encoding", "long") == "quicklist"
    assert r.lindex("long", 25000) == "value:25000"
    assert r.lrange("long", 30000, 30002) == long_list[30000:30003]
    r.lset("long", 40000, "changed")
    assert r.lindex("long", 40000) == "changed"


def test_pipeline_mixing_types(r):
    p = r.pipeline(transaction=False)
    p.hset("h", "f", "v").sadd("s", "m").zadd("z", {"m": 1}).rpush("l", "e").pfadd("hll", "x")
    p.hget("h", "f").smembers("s").zrange("z", 0, -1).lrange("l", 0, -1).pfcount("hll")
    assert p.execute() == [1, 1, 1, 1, 1, "v", {"m"}, ["m"], ["e"], 1]


def test_wrong_type_errors(r):
    r.set("str", "x")
    for call in (lambda: r.hget("str", "f"), lambda: r.sadd("str", "m"),
                 lambda: r.zadd("str", {"m": 1}), lambda: r.lpush("str", "e"),
                 lambda: r.geoadd("str", [1, 1, "m"])):
        with pytest.raises(redis.ResponseError, match="WRONGTYPE"):
            call()
    with pytest.raises(redis.ResponseError, match="not a valid HyperLogLog"):
        r.pfadd("str", "a")


def test_encoding_thresholds_follow_config_set(r):
    old = r.config_get("zset-max-listpack-entries")["zset-max-listpack-entries"]
    try:
        r.config_set("zset-max-listpack-entries", 4)
        r.zadd("small", {str(i): i for i in range(4)})
        assert r.object("encoding", "small") == "listpack"
        r.zadd("small", {"more": 9})
        assert r.object("encoding", "small") == "skiplist"
    finally:
        r.config_set("zset-max-listpack-entries", old)


def test_hyperloglog_estimates(r, rb):
    for chunk in range(10):
        r.pfadd("visitors", *[f"user{chunk * 1000 + i}" for i in range(1000)])
    assert abs(r.pfcount("visitors") - 10000) < 200
    r.pfadd("other", *[f"user{i}" for i in range(5000, 15000)])
    assert abs(r.pfcount("visitors", "other") - 15000) < 300
    assert r.pfmerge("all", "visitors", "other")
    assert abs(r.pfcount("all") - 15000) < 300
    assert rb.get("all").startswith(b"HYLL")


def test_geo_search(r):
    r.geoadd("sicily", [13.361389, 38.115556, "Palermo", 15.087269, 37.502669, "Catania"])
    assert r.geodist("sicily", "Palermo", "Catania", unit="km") == 166.2742
    found = r.geosearch("sicily", longitude=15, latitude=37, radius=200, unit="km",
                        withdist=True, sort="ASC")
    assert found == [["Catania", 56.4413], ["Palermo", 190.4424]]
    assert r.geohash("sicily", "Palermo") == ["sqc8b49rny0"]


def test_sort_with_patterns(r):
    r.rpush("ids", 3, 1, 2)
    for i in (1, 2, 3):
        r.hset(f"item:{i}", mapping={"name": f"n{i}", "weight": 10 - i})
    assert r.sort("ids", by="item:*->weight", get="item:*->name") == ["n3", "n2", "n1"]
    assert r.sort("ids", desc=True, store="sorted") == 3
    assert r.lrange("sorted", 0, -1) == ["3", "2", "1"]
