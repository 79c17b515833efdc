# Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
"""ACL users through real clients: users and selectors, key/channel permissions, the ACL log,
changed and deleted users' connections, `user` lines and CONFIG REWRITE, aclfile SAVE/LOAD,
requirepass, and the same flows against redis-server where the behaviour is compared."""
import os
import subprocess

import pytest
import redis

from servers import ServerProcess, redis_binary, wait_until

CLI = "/usr/bin/redis-cli"


def client(port, **kw):
    return redis.Redis(host="127.0.0.1", port=port, decode_responses=True, **kw)


@pytest.fixture
def users(r):
    yield r
    for u in r.acl_users():
        if u != "default":
            r.acl_deluser(u)
    r.acl_log_reset()


def test_user_with_key_and_channel_patterns(users, server_port):
    r = users
    r.execute_command("ACL", "SETUSER", "app", "on", ">s3cret", "~app:*", "%R~shared:*",
                      "&events:*", "-@all", "+@read", "+@write", "+publish", "+subscribe",
                      "+acl|whoami")
    c = client(server_port, username="app", password="s3cret")
    assert c.execute_command("ACL", "WHOAMI") == "app"
    assert c.set("app:1", "v")
    assert c.get("shared:x") is None
    with pytest.raises(redis.exceptions.NoPermissionError, match="No permissions to access a key"):
        c.set("shared:x", "v")
    with pytest.raises(redis.exceptions.NoPermissionError, match="No permissions to access a key"):
        c.get("other")
    with pytest.raises(redis.exceptions.NoPermissionError, match="run the 'config|get' command"):
        c.config_get("maxmemory")
    assert c.publish("events:a", "m") == 0
    with pytest.raises(redis.exceptions.NoPermissionError, match="access a channel"):
        c.publish("other", "m")
    info = r.info("stats")
    assert info["acl_access_denied_key"] >= 2 and info["acl_access_denied_cmd"] >= 1
    entries = r.acl_log()
    assert entries[0]["reason"] == "channel" and entries[0]["object"] == "other"
    assert entries[0]["username"] == "app" and entries[0]["client-info"]["user"] == "app"
    assert [u for u in r.acl_users()] == ["app", "default"]
    assert f"user=app" in r.execute_command("CLIENT", "LIST")
    c.close()


def test_wrong_password_disabled_user_and_log(users, server_port):
    r = users
    r.acl_setuser("bob", enabled=True, passwords=["+pw"], commands=["+@all"], keys=["*"])
    with pytest.raises(redis.exceptions.ResponseError, match="WRONGPASS"):
        client(server_port, username="bob", password="nope").ping()
    r.acl_setuser("bob", enabled=False)
    with pytest.raises(redis.exceptions.ResponseError, match="WRONGPASS"):
        client(server_port, username="bob", password="pw").ping()
    entry = r.acl_log()[0]
    assert entry["reason"] == "auth" and entry["object"] == "AUTH" and entry["count"] == 2
    out = subprocess.run([CLI, "-p", str(server_port), "--user", "bob", "--pass", "pw", "ping"],
                         capture_output=True, text=True)
    assert "WRONGPASS" in out.stdout + out.stderr


def test_selectors_and_dryrun(users, server_port):
    r = users
    r.execute_command("ACL", "SETUSER", "sel", "on", "nopass", "+get", "~a*", "(+set ~b*)")
    c = client(server_port, username="sel", password="x")
    assert c.get("a1") is None
    assert c.set("b1", "v")
    with pytest.raises(redis.exceptions.NoPermissionError):
        c.set("a1", "v")
    assert r.execute_command("ACL", "DRYRUN", "sel", "set", "b2", "v") == "OK"
    assert r.execute_command("ACL", "DRYRUN", "sel", "get", "b2") == \
        "User sel has no permissions to access the 'b2' key"
    getuser = r.execute_command("ACL", "GETUSER", "sel")
    assert getuser[getuser.index("selectors") + 1][0][1] == "-@all +set"


def test_revoked_channel_closes_subscriber_and_deleted_user_is_disconnected(users, server_port):
    r = users
    r.execute_command("ACL", "SETUSER", "ps", "on", ">pw", "resetchannels", "&news", "+@all")
    sub = client(server_port, username="ps", password="pw")
    p = sub.pubsub()
    p.subscribe("news")
    p.get_message(timeout=1)
    p.connection._sock.settimeout(2)  # noqa: SLF001
    r.execute_command("ACL", "SETUSER", "ps", "resetchannels")
    # Gone from CLIENT LIST as soon as ACL SETUSER returned.
    assert "user=ps" not in r.execute_command("CLIENT", "LIST")
    with pytest.raises((redis.exceptions.ConnectionError, OSError)):
        p.connection.read_response()
    other = client(server_port, username="ps", password="pw")
    assert other.ping()
    assert r.acl_deluser("ps") == 1
    # The connection is closed; the client's reconnection finds no such user.
    with pytest.raises((redis.exceptions.ConnectionError, redis.exceptions.ResponseError)):
        other.ping()


def test_blocked_client_rechecked_when_served(users, server_port):
    r = users
    r.execute_command("ACL", "SETUSER", "bl", "on", "nopass", "+@all", "allkeys")
    c = client(server_port, username="bl", password="x")
    import threading
    result = {}

    def run():
        try:
            result["v"] = c.blpop("q", 5)
        except redis.exceptions.ResponseError as e:
            result["e"] = str(e)
    t = threading.Thread(target=run)
    t.start()
    wait_until(lambda: r.info("clients")["blocked_clients"] == 1, 5)
    r.execute_command("ACL", "SETUSER", "bl", "resetkeys")
    r.lpush("q", "x")
    t.join(5)
    assert result.get("e", "").startswith("No permissions to access a key")
    assert r.llen("q") == 1


def test_scripts_run_as_the_caller(users, server_port):
    r = users
    r.execute_command("ACL", "SETUSER", "lua", "on", "nopass", "~*", "+@all", "-incr")
    c = client(server_port, username="lua", password="x")
    with pytest.raises(redis.exceptions.ResponseError,
                       match="ACL failure in script: User lua has no permissions to run the 'incr'"):
        c.eval("return redis.call('incr','k')", 0)
    assert c.eval("return redis.acl_check_cmd('incr','k')", 0) is None
    assert c.eval("return redis.acl_check_cmd('get','k')", 0) == 1
    assert r.acl_log()[0]["context"] == "lua"


def test_user_lines_config_rewrite_and_requirepass(make_server):
    s = make_server(config_text="user default on nopass ~* &* +@all\n"
                                "user alice on >apw ~alice:* +@all (+get ~pub:*)\n"
                                "requirepass ignored-for-default\n")
    r = client(s.port, username="default", password="ignored-for-default")
    assert "(~pub:* resetchannels -@all +get)" in r.acl_list()[0]
    r.execute_command("ACL", "SETUSER", "carol", "on", ">cpw", "+ping")
    assert r.config_rewrite()
    with open(s.config_path) as f:
        text = f.read()
    assert "user carol on sanitize-payload #" in text and "user alice on" in text
    s.stop()
    s.start()
    c = client(s.port, username="carol", password="cpw")
    assert c.ping()
    with pytest.raises(redis.exceptions.NoPermissionError):
        c.get("x")
    # CONFIG SET requirepass sets the default user's password.
    admin = client(s.port, username="alice", password="apw")
    admin.config_set("requirepass", "newpw")
    with pytest.raises(redis.exceptions.AuthenticationError):
        client(s.port).get("x")
    assert client(s.port, password="newpw").ping()


def test_aclfile_save_load_and_startup_errors(make_server, tmp_path):
    acl = tmp_path / "users.acl"
    acl.write_text("user alice on >a ~* +@all\nuser bob on (+get %R~r*) (+set %W~w*)\n")
    s = make_server(args=["--aclfile", str(acl)])
    r = client(s.port)
    assert r.acl_users() == ["alice", "bob", "default"]
    bob = r.execute_command("ACL", "GETUSER", "bob")
    sels = bob[bob.index("selectors") + 1]
    assert [x[x.index("keys") + 1] for x in sels] == ["%R~r*", "%W~w*"]
    r.execute_command("ACL", "SETUSER", "carol", "on", ">c", "+ping")
    assert r.execute_command("ACL", "SAVE") == "OK"
    assert "user carol on sanitize-payload #" in acl.read_text()
    alice = client(s.port, username="alice", password="a")
    assert alice.ping()
    acl.write_text("user dave on >d +@all ~*\n")
    assert r.execute_command("ACL", "LOAD") == "OK"
    assert r.acl_users() == ["dave", "default"]
    with pytest.raises((redis.exceptions.ConnectionError, redis.exceptions.ResponseError)):
        alice.ping()  # ACL LOAD replaced its user
    acl.write_text("user x on +nosuch\nnot a user line\n")
    with pytest.raises(redis.exceptions.ResponseError,
                       match=r"users.acl:1: Unknown command or category name in ACL\. "):
        r.execute_command("ACL", "LOAD")
    assert r.acl_users() == ["dave", "default"]
    # Users in the config and an aclfile together refuse to start, as Redis does.
    bad = make_server(args=["--aclfile", str(acl), "--user", "zed"], start=False)
    bad.start(wait=False)
    assert bad.proc.wait(10) != 0
    with open(bad.log) as f:
        assert "Configuring Redis with users defined in redis.conf and at the same setting an " \
               "ACL file path is invalid" in f.read()


@pytest.mark.skipif(not os.path.exists(redis_binary()), reason="no redis-server")
def test_acl_list_matches_redis_after_the_same_rules(make_server):
    rules = [["u1", "on", ">pw", "~foo*", "%R~bar", "&ch*", "+get", "+@hash", "-hset",
              "+select|0", "-debug", "(~x +set)"],
             ["u2", "+@all", "-@dangerous", "+flushdb", "allchannels"],
             ["u3", "reset", "+object|encoding", "nopass", "skip-sanitize-payload"]]
    mine = make_server()
    oracle = ServerProcess("redis")
    oracle.start()
    try:
        out = []
        for port in (mine.port, oracle.port):
            c = client(port)
            for r in rules:
                c.execute_command("ACL", "SETUSER", *r)
            out.append((c.acl_list(), [c.execute_command("ACL", "GETUSER", r[0]) for r in rules]))
        assert out[0] == out[1]
    finally:
        oracle.cleanup()
