# Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
"""redis-cli, the tool operators use, against carmine-server."""
import subprocess


def cli(port, *args, stdin=None):
    out = subprocess.run(["redis-cli", "-p", str(port), *args], input=stdin, capture_output=True,
                         text=True, timeout=30)
    return out.stdout.strip()


def test_cli_basics(server_port):
    assert cli(server_port, "ping") == "PONG"
    assert cli(server_port, "set", "cli:k", "v") == "OK"
    assert cli(server_port, "get", "cli:k") == "v"
    assert cli(server_port, "incr", "cli:n") == "1"
    assert cli(server_port, "get", "cli:none") == ""
    assert "ERR unknown command" in cli(server_port, "nosuch")
    assert cli(server_port, "--no-raw", "get", "cli:none") == "(nil)"


def test_cli_scan_and_pipe(server_port):
    cli(server_port, "flushall")
    cmds = "".join(f"SET cli:{i} {i}\n" for i in range(500))
    subprocess.run(["redis-cli", "-p", str(server_port), "--pipe"], input=cmds, text=True,
                   capture_output=True, check=True, timeout=30)
    keys = cli(server_port, "--scan", "--pattern", "cli:*").split()
    assert len(keys) == 500
    assert cli(server_port, "dbsize") == "500"


def test_cli_resp3_and_info(server_port):
    assert cli(server_port, "-3", "hello", "3").count("proto") == 1
    assert "redis_version" in cli(server_port, "info", "server")
    assert "# Keyspace" in cli(server_port, "info")


def test_functions_rdb_snapshot_holds_only_the_libraries(make_server, tmp_path):
    """redis-cli --functions-rdb (REPLCONF rdb-filter-only functions): a streamed snapshot with
    the function libraries and no keys, also from a master that syncs through disk."""
    import redis
    s = make_server(["--repl-diskless-sync", "no", "--repl-diskless-sync-delay", "0"])
    r = redis.Redis(port=s.port)
    r.set("k", "v")
    r.function_load("#!lua name=lib1\nredis.register_function('func1', function() return 1 end)")
    out = subprocess.run(["redis-cli", "-p", str(s.port), "--functions-rdb",
                          str(tmp_path / "f.rdb")], capture_output=True, text=True, timeout=30)
    assert "Transfer finished with success" in out.stdout + out.stderr
    loaded = make_server(["--dir", str(tmp_path), "--dbfilename", "f.rdb"])
    lr = redis.Redis(port=loaded.port, decode_responses=True)
    assert lr.dbsize() == 0
    libs = lr.function_list()  # [["library_name", name, ...]] in RESP2
    assert [lib[1] for lib in libs] == ["lib1"]
    # The filter's errors, as Redis gives them.
    c = redis.Redis(port=s.port)
    for value, error in (("bogus", "Unsupported rdb-filter-only option: bogus"),
                         ('"open', "Missing rdb-filter-only values")):
        try:
            c.execute_command("REPLCONF", "rdb-filter-only", value)
            raise AssertionError("accepted " + value)
        except redis.ResponseError as e:
            assert str(e) == error
    c.execute_command("REPLCONF", "rdb-filter-only", "functions")
    try:
        c.execute_command("SYNC")
        raise AssertionError("a filtered SYNC without capa eof was accepted")
    except redis.ResponseError as e:
        assert str(e) == "Filtered replica requires EOF capability"
