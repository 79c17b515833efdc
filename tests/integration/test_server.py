# Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
"""The process: command line, config files, listeners, limits, signals, CONFIG, CLIENT, INFO."""
import os
import signal
import socket
import subprocess
import time

import pytest
import redis

from servers import ServerProcess, carmine_binary, free_port, wait_until

pytestmark = pytest.mark.needs_process


def test_version_and_help():
    out = subprocess.run([carmine_binary(), "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and "v=" in out.stdout
    out = subprocess.run([carmine_binary(), "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "Usage" in out.stdout


def test_bad_directive_fails_startup_with_line(tmp_path):
    conf = tmp_path / "bad.conf"
    conf.write_text("# comment\nport 0\nnosuchdirective yes\n")
    out = subprocess.run([carmine_binary(), str(conf)], capture_output=True, text=True, timeout=10)
    assert out.returncode == 1
    assert "*** FATAL CONFIG FILE ERROR" in out.stderr
    assert "at line 3" in out.stderr
    assert ">>> 'nosuchdirective yes'" in out.stderr
    assert "Bad directive or wrong number of arguments" in out.stderr
    conf.write_text("hz notanumber\n")
    out = subprocess.run([carmine_binary(), str(conf)], capture_output=True, text=True, timeout=10)
    assert out.returncode == 1 and "argument couldn't be parsed into an integer" in out.stderr
    out = subprocess.run([carmine_binary(), "--maxclients", "0"], capture_output=True, text=True,
                         timeout=10)
    assert out.returncode == 1 and "must be between 1 and" in out.stderr


def test_config_file_syntax_include_units(make_server, tmp_path):
    inc = tmp_path / "inc.conf"
    inc.write_text("maxclients 77\n")
    s = make_server(config_text=(
        "# a comment\n"
        'requirepass "p w"\n'
        f"include {inc}\n"
        "proto-max-bulk-len 2mb\n"
        "client-query-buffer-limit 1gb\n"
        "timeout 0\n"
        "hz 20\n"))
    c = redis.Redis(port=s.port, password="p w", decode_responses=True)
    cfg = c.config_get("*")
    assert cfg["maxclients"] == "77"
    assert cfg["proto-max-bulk-len"] == str(2 * 1024 * 1024)
    assert cfg["client-query-buffer-limit"] == str(1024 ** 3)
    assert cfg["hz"] == "20"
    assert c.config_get("maxc*") == {"maxclients": "77"}


def test_config_set_atomic_and_rewrite(make_server):
    s = make_server(config_text="# keep me\nport 1\nhz 15\n\n# trailing comment\n")
    c = redis.Redis(port=s.port, decode_responses=True)
    assert c.execute_command("CONFIG", "SET", "hz", "40", "timeout", "30") == "OK"
    assert c.config_get("hz") == {"hz": "40"}
    with pytest.raises(redis.ResponseError, match="argument 'maxclients'"):
        c.execute_command("CONFIG", "SET", "timeout", "10", "maxclients", "-5")
    assert c.config_get("timeout") == {"timeout": "30"}  # nothing applied
    with pytest.raises(redis.ResponseError, match="can't set immutable config"):
        c.config_set("daemonize", "yes")
    with pytest.raises(redis.ResponseError, match="Unknown option"):
        c.config_set("nosuch", "1")
    with pytest.raises(redis.ResponseError, match="wrong number of arguments for 'config\\|set'"):
        c.execute_command("CONFIG", "SET", "hz")
    assert c.config_rewrite()
    text = open(s.config_path).read()
    lines = text.splitlines()
    assert lines[0] == "# keep me"
    assert "hz 40" in lines and "# trailing comment" in lines
    assert lines.index("hz 40") < lines.index("# trailing comment")
    assert "timeout 30" in lines
    assert lines.count("port %d" % s.port) == 1  # the command-line port replaced the file's
    c.config_resetstat()
    assert c.info("stats")["total_commands_processed"] <= 2


def test_unix_socket_and_ipv6(make_server, tmp_path):
    sock = str(tmp_path / "c.sock")
    s = make_server(args=["--unixsocket", sock, "--unixsocketperm", "700",
                          "--bind", "127.0.0.1", "-::1"])
    assert oct(os.stat(sock).st_mode & 0o777) == "0o700"
    u = redis.Redis(unix_socket_path=sock)
    assert u.ping()
    try:
        v6 = redis.Redis(host="::1", port=s.port)
        assert v6.ping()
    except redis.ConnectionError:
        pytest.skip("no IPv6 loopback on this machine")


def test_idle_timeout(make_server):
    s = make_server(args=["--timeout", "1", "--hz", "50"])
    sock = socket.create_connection(("127.0.0.1", s.port))
    sock.settimeout(5)
    start = time.monotonic()
    assert sock.recv(10) == b""  # closed by the server
    assert 0.9 < time.monotonic() - start < 3.5
    sock.close()


def test_maxclients(make_server):
    s = make_server(args=["--maxclients", "2"])
    a = redis.Redis(port=s.port, single_connection_client=True)
    # The readiness probe's connection may still be closing: wait until only `a` is left.
    wait_until(lambda: len(a.client_list()) == 1, 5)
    b = redis.Redis(port=s.port, single_connection_client=True)
    assert b.ping()
    with socket.create_connection(("127.0.0.1", s.port)) as extra:
        extra.settimeout(5)
        assert extra.recv(100) == b"-ERR max number of clients reached\r\n"


def test_sigterm_graceful(tmp_path):
    pidfile = str(tmp_path / "c.pid")
    s = ServerProcess("carmine", args=["--pidfile", pidfile])
    s.start()
    assert int(open(pidfile).read()) == s.proc.pid
    rc = s.stop(signal.SIGTERM)
    assert rc == 0
    assert not os.path.exists(pidfile)
    log = s.log_text()
    assert "Received SIGTERM scheduling shutdown" in log
    assert "ready to exit, bye bye" in log
    s.cleanup()


def test_shutdown_command_and_sigint():
    s = ServerProcess("carmine").start()
    with socket.create_connection(("127.0.0.1", s.port)) as raw:
        raw.sendall(b"SHUTDOWN NOSAVE\r\n")
        raw.settimeout(10)
        assert raw.recv(100) == b""  # no reply: the connection just closes
    assert s.proc.wait(10) == 0
    s.cleanup()
    s = ServerProcess("carmine").start()
    assert s.stop(signal.SIGINT) == 0
    s.cleanup()


def test_daemonize(tmp_path):
    port = free_port()
    pidfile = str(tmp_path / "d.pid")
    logfile = str(tmp_path / "d.log")
    subprocess.run([carmine_binary(), "--port", str(port), "--daemonize", "yes", "--pidfile", pidfile,
                    "--logfile", logfile, "--bind", "127.0.0.1", "--dir", str(tmp_path),
                    "--save", ""], check=True, timeout=10)
    wait_until(lambda: os.path.exists(pidfile) and redis.Redis(port=port).ping(), 10)
    pid = int(open(pidfile).read())
    os.kill(pid, signal.SIGTERM)
    wait_until(lambda: not os.path.exists(pidfile), 10)
    assert "Ready to accept connections" in open(logfile).read()


def test_requirepass_and_hello_auth(make_server):
    s = make_server(args=["--requirepass", "secret"])
    ok = redis.Redis(port=s.port, password="secret")
    wait_until(lambda: ok.ping(), 10, what="loading done")  # PING's NOAUTH came before that
    c = redis.Redis(port=s.port)
    with pytest.raises(redis.AuthenticationError):
        c.get("x")
    assert ok.set("x", 1)
    with socket.create_connection(("127.0.0.1", s.port)) as raw:
        raw.sendall(b"HELLO 3 AUTH default secret SETNAME app\r\nCLIENT GETNAME\r\n")
        time.sleep(0.2)
        data = raw.recv(4096)
        assert data.startswith(b"%7\r\n") and data.endswith(b"$3\r\napp\r\n")


def test_client_commands(make_server):
    s = make_server(args=["--threads", "2"])
    a = redis.Redis(port=s.port, decode_responses=True, single_connection_client=True)
    b = redis.Redis(port=s.port, decode_responses=True, single_connection_client=True)
    assert a.client_setname("alpha")
    assert a.client_getname() == "alpha"
    b.ping()
    clients = a.client_list()
    assert {c["name"] for c in clients} >= {"alpha"}
    # The readiness probe's connection may still be closing on its thread.
    wait_until(lambda: len(a.client_list(_type="normal")) == 2, 10, what="two normal clients")
    assert a.client_list(_type="pubsub") == []
    bid = b.client_id()
    assert len(a.client_list(client_id=[str(bid)])) == 1
    assert a.execute_command("CLIENT", "KILL", "ID", str(bid)) == 1
    with pytest.raises(redis.ConnectionError):
        b.ping()
    info = a.client_info()
    assert info["name"] == "alpha" and info["cmd"] == "client|info"
    # After an unknown command a client's last command is NULL, as Redis lists it.
    c = redis.Redis(port=a.connection_pool.connection_kwargs["port"], decode_responses=True)
    c.client_setname("gamma")
    with pytest.raises(redis.ResponseError, match="unknown command"):
        c.execute_command("NOSUCHCOMMAND")
    assert [x["cmd"] for x in a.client_list() if x["name"] == "gamma"] == ["NULL"]
    with pytest.raises(redis.ResponseError, match="No such client"):
        a.execute_command("CLIENT", "KILL", "1.2.3.4:5")
    assert a.execute_command("CLIENT", "SETINFO", "LIB-NAME", "mylib") == "OK"
    assert "lib-name=mylib" in a.execute_command("CLIENT", "INFO")


def test_client_pause(make_server):
    s = make_server(args=["--threads", "2", "--hz", "100"])
    admin = redis.Redis(port=s.port)
    writer = redis.Redis(port=s.port)
    assert admin.client_pause(300, all=False)
    assert writer.get("x") is None  # reads pass during a WRITE pause
    start = time.monotonic()
    writer.set("x", 1)
    assert time.monotonic() - start >= 0.2
    # ALL blocks reads too, until the timeout.
    assert admin.client_pause(300)
    t0 = time.monotonic()
    assert writer.get("x") == b"1"
    assert 0.2 <= time.monotonic() - t0 < 5
    # UNPAUSE releases a WRITE pause early.
    assert admin.client_pause(20000, all=False)
    import threading
    threading.Timer(0.3, admin.client_unpause).start()
    t0 = time.monotonic()
    writer.set("x", 2)
    assert 0.2 <= time.monotonic() - t0 < 5


def test_info_sections(make_server):
    s = make_server()
    c = redis.Redis(port=s.port, decode_responses=True)
    c.set("a", 1, ex=100)
    c.get("a")
    c.get("nokey")
    try:
        c.incr("nope", "x")
    except redis.ResponseError:
        pass
    info = c.info("everything")
    for field in ("redis_version", "connected_clients", "used_memory", "total_commands_processed",
                  "keyspace_hits", "keyspace_misses", "role", "used_cpu_sys", "db0"):
        assert field in info, field
    assert info["role"] == "master" and info["connected_slaves"] == 0
    assert info["db0"]["keys"] == 1 and info["db0"]["expires"] == 1
    assert info["keyspace_hits"] >= 1 and info["keyspace_misses"] >= 1
    assert info["cmdstat_get"]["calls"] == 2
    err = info["errorstat_ERR"]  # redis-py leaves single-field values unparsed
    assert (err["count"] if isinstance(err, dict) else int(err.split("=")[1])) >= 1
    default = c.info()
    assert "cmdstat_get" not in default and "redis_version" in default
    ks = c.info("keyspace")
    assert list(ks) == ["db0"] and ks["db0"]["keys"] == 1 and ks["db0"]["expires"] == 1


def test_debug_commands(make_server):
    s = make_server()
    c = redis.Redis(port=s.port)
    c.set("k", "hello")
    assert b"encoding:embstr" in c.execute_command("DEBUG", "OBJECT", "k")
    t = time.monotonic()
    c.execute_command("DEBUG", "SLEEP", "0.2")
    assert time.monotonic() - t >= 0.19
    with pytest.raises(redis.ResponseError, match="no such key"):
        c.execute_command("DEBUG", "OBJECT", "nokey")


def test_persistence_directives(make_server, tmp_path):
    """save rules and the AOF directives are accepted, with Redis's errors for bad values."""
    s = make_server(config_text='save ""\nappendonly no\nappendfsync always\n')
    c = redis.Redis(port=s.port, decode_responses=True)
    assert c.config_get("save") == {"save": ""}
    assert c.config_get("appendonly") == {"appendonly": "no"}
    assert c.config_get("appendfsync") == {"appendfsync": "always"}
    assert c.config_set("save", "900 1 300 10")
    assert c.config_get("save") == {"save": "900 1 300 10"}
    with pytest.raises(redis.ResponseError, match="Invalid save parameters"):
        c.config_set("save", "900")
    assert c.config_set("save", "")
    with pytest.raises(redis.ResponseError, match="can't set immutable config"):
        c.config_set("appenddirname", "elsewhere")
    conf = tmp_path / "p.conf"
    conf.write_text("appendfilename dir/x.aof\n")
    out = subprocess.run([carmine_binary(), str(conf)], capture_output=True, text=True, timeout=10)
    assert out.returncode == 1 and "at line 1" in out.stderr
    assert "appendfilename can't be a path, just a filename" in out.stderr


def test_config_set_port_and_bind_at_runtime(make_server):
    s = make_server(args=["--threads", "2"])
    c = redis.Redis(port=s.port, single_connection_client=True)
    new_port = free_port()
    assert c.config_set("port", str(new_port))
    moved = redis.Redis(port=new_port)
    assert moved.ping()
    wait_until(lambda: socket.socket().connect_ex(("127.0.0.1", s.port)) != 0, 5,
               what="old port closed")
    assert c.ping()  # existing connections are kept
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    with pytest.raises(redis.ResponseError, match="Unable to listen on this port"):
        moved.config_set("port", str(busy.getsockname()[1]))
    busy.close()
    assert moved.config_get("port") == {"port": str(new_port)}
    assert moved.config_set("bind", "127.0.0.1 -::1")
    assert redis.Redis(port=new_port).ping()


def test_maxclients_fits_open_files_limit(tmp_path):
    """With a low descriptor limit, maxclients shrinks to fit (as Redis) instead of failing later."""
    import resource
    port = free_port()
    log = tmp_path / "l.log"

    def limit():
        resource.setrlimit(resource.RLIMIT_NOFILE, (100, 100))

    proc = subprocess.Popen([carmine_binary(), "--port", str(port), "--bind", "127.0.0.1",
                             "--maxclients", "1000", "--logfile", str(log), "--dir", str(tmp_path),
                             "--save", ""], preexec_fn=limit)
    try:
        wait_until(lambda: redis.Redis(port=port).ping(), 10)
        assert redis.Redis(port=port).config_get("maxclients") == {"maxclients": "68"}
        assert "maxclients has been reduced to 68" in log.read_text()
    finally:
        proc.terminate()
        proc.wait(10)


def test_idle_clients_release_buffers(make_server):
    s = make_server(args=["--threads", "1"])
    r = redis.Redis(port=s.port)
    base = r.info("memory")["used_memory"]
    socks = []
    for _ in range(300):
        c = socket.create_connection(("127.0.0.1", s.port))
        c.sendall(b"PING\r\n")
        socks.append(c)
    for c in socks:
        assert c.recv(10) == b"+PONG\r\n"
    busy = (r.info("memory")["used_memory"] - base) / len(socks)
    assert busy > 8000  # each has a 16 KB read buffer
    wait_until(lambda: (r.info("memory")["used_memory"] - base) / len(socks) < 4000, 10,
               what="idle client buffers released")
    for c in socks:
        c.close()
