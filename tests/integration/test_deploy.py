# Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
"""The deployment files under deploy/: the compose files validate, and the topologies they
describe, started by deploy/local/launch.py from the same config files through the image's
entrypoint and scripts, go through docs/operations.md's failover, backup and restore steps."""
import glob
import os
import shutil
import signal
import subprocess
import sys
import urllib.request
import base64
import re

import pytest
import redis
import yaml
from redis.sentinel import Sentinel

from servers import ROOT, ServerProcess, carmine_binary, wait_until

DEPLOY = os.path.join(ROOT, "deploy")
sys.path.insert(0, os.path.join(DEPLOY, "local"))
from launch import Topology  # noqa: E402

ORACLE_BIN = os.path.join(os.path.dirname(ROOT), "shared", "redis-7.2.4", "bin")
pytestmark = pytest.mark.needs_process


@pytest.fixture
def topology():
    started = []

    def factory(name):
        t = Topology(os.path.join(DEPLOY, "compose", name), carmine_binary())
        started.append(t)
        return t.start()
    yield factory
    for t in started:
        t.cleanup()


def tool_env(t=None, **extra):
    """PATH as inside the image: Carmine's names (redis-check-rdb too), then the scripts."""
    env = dict(os.environ)
    bins = [t.bin_dir] if t else []
    env["PATH"] = os.pathsep.join(bins + [os.path.join(DEPLOY, "docker"),
                                          os.path.join(DEPLOY, "backup"), env["PATH"]])
    env.update(extra)
    return env


def checker_dir(tmp_path):
    d = tmp_path / "bin"
    d.mkdir(exist_ok=True)
    link = d / "redis-check-rdb"
    if not link.exists():
        link.symlink_to(carmine_binary())
    return str(d)


def run_backup(port, dest, env, *args):
    return subprocess.run([os.path.join(DEPLOY, "backup", "carmine-backup"), "-p", str(port),
                           "-d", str(dest), *args], env=env, capture_output=True, text=True,
                          timeout=120)


def info(c, section=None):
    return c.info(section) if section else c.info()


def test_compose_files_validate():
    if shutil.which("docker-compose") is None:
        pytest.skip("docker-compose is not installed (scripts/deps.sh installs it)")
    dirs = sorted(glob.glob(os.path.join(DEPLOY, "compose", "*")))
    assert {os.path.basename(d) for d in dirs} >= {"sentinel", "cluster-3", "cluster-6"}
    for d in dirs:
        for extra in ([], ["--profile", "monitoring"]):
            out = subprocess.run(["docker-compose", *extra, "config", "-q"], cwd=d,
                                 capture_output=True, text=True)
            assert out.returncode == 0, (d, out.stderr)
        with open(os.path.join(d, "docker-compose.yml")) as f:
            doc = yaml.safe_load(f)
        # Every file a service mounts is in the repository.
        for svc in doc["services"].values():
            for v in svc.get("volumes", []):
                src = v.split(":")[0]
                if src.startswith("."):
                    assert os.path.exists(os.path.join(d, src)), (d, src)


def test_sentinel_topology_failover_backup_restore(topology, tmp_path):
    t = topology("sentinel")
    pw = t.password()
    ports = t.ports()
    with pytest.raises(redis.AuthenticationError):
        redis.Redis(port=ports["master"]).ping()
    sentinels = [("127.0.0.1", ports[f"sentinel-{i}"]) for i in (1, 2, 3)]
    s1 = redis.Redis(port=ports["sentinel-1"], decode_responses=True)
    wait_until(lambda: len(s1.sentinel_slaves("mymaster")) == 2 and
               s1.sentinel_master("mymaster")["num-other-sentinels"] == 2, 30,
               what="the Sentinels to know both replicas and each other")
    assert s1.execute_command("SENTINEL", "CKQUORUM", "mymaster").startswith("OK 3 usable")
    sentinel = Sentinel(sentinels, socket_timeout=2)
    master = sentinel.master_for("mymaster", password=pw, decode_responses=True)
    p = master.pipeline(transaction=False)
    for i in range(1000):
        p.set(f"k{i}", i)
    p.execute()
    mc = redis.Redis(port=ports["master"], password=pw, decode_responses=True)
    wait_until(lambda: all(info(mc)[f"slave{i}"]["offset"] == info(mc)["master_repl_offset"]
                           and info(mc)[f"slave{i}"]["state"] == "online" for i in (0, 1)), 30,
               what="replicas in sync")

    # Backup (docs/operations.md "Backups"): three runs keeping two.
    env = tool_env(t, REDIS_PASSWORD=pw)
    dest = tmp_path / "backups"
    for _ in range(3):
        out = run_backup(ports["master"], dest, env, "-k", "2")
        assert out.returncode == 0, out.stderr
    files = sorted(glob.glob(str(dest / "dump-*.rdb")))
    assert len(files) == 2 and out.stdout.strip() == files[-1]
    if os.path.exists(os.path.join(ORACLE_BIN, "redis-server")):
        # Redis's own checker agrees with Carmine's on the backup.
        oracle = tmp_path / "redis-check-rdb"
        oracle.symlink_to(os.path.join(ORACLE_BIN, "redis-server"))
        chk = subprocess.run([str(oracle), files[-1]], capture_output=True, text=True)
        assert chk.returncode == 0 and "[info] 1000 keys read" in chk.stdout, chk.stdout

    # Failover test: kill -9 the master; the Sentinels promote a replica, clients follow.
    old = ("127.0.0.1", ports["master"])
    t.stop_service("master", signal.SIGKILL)
    wait_until(lambda: sentinel.discover_master("mymaster") != old, 60,
               what="the Sentinels to promote a replica")
    wait_until(lambda: master.set("after", "failover"), 30, what="writes on the new master")
    assert master.dbsize() == 1001
    # The old master comes back and is turned into a replica of the new one.
    t.start_service("master")
    wait_until(lambda: info(mc, "replication")["role"] == "slave" and
               info(mc, "replication")["master_link_status"] == "up" and
               mc.get("after") == "failover", 60, what="the old master to rejoin as a replica")

    # Restore, standalone (docs/operations.md "Restoring"): the backup as dump.rdb in an empty
    # directory, started with appendonly no, then the AOF turned back on from the dataset.
    restore = ServerProcess("carmine", ["--appendonly", "no"])  # started below
    try:
        shutil.copy(files[-1], os.path.join(restore.dir, "dump.rdb"))
        restore.start()
        rc = redis.Redis(port=restore.port, decode_responses=True)
        assert rc.dbsize() == 1000 and rc.get("k999") == "999"
        assert rc.config_set("appendonly", "yes")
        wait_until(lambda: info(rc, "persistence")["aof_rewrite_in_progress"] == 0 and
                   info(rc, "persistence")["aof_enabled"] == 1, 30, what="AOF rebuilt")
        # Replicated: a replica of the restored master takes the whole dataset.
        rep = ServerProcess("carmine", ["--replicaof", "127.0.0.1", str(restore.port)]).start()
        try:
            rr = redis.Redis(port=rep.port, decode_responses=True)
            wait_until(lambda: info(rr, "replication")["master_link_status"] == "up" and
                       rr.dbsize() == 1000, 30, what="the replica of the restored master")
        finally:
            rep.cleanup()
    finally:
        restore.cleanup()


def cluster_nodes(c):
    return [line.split() for line in c.execute_command("CLUSTER", "NODES").splitlines()]


def test_cluster_topology_forms_fails_over_and_backs_up(topology, tmp_path):
    t = topology("cluster-6")
    pw = t.password()
    ports = t.ports()
    nodes = {n: redis.Redis(port=p, password=pw, decode_responses=True)
             for n, p in ports.items()}
    for c in nodes.values():
        assert c.execute_command("CLUSTER", "INFO").startswith("cluster_state:ok")
    roles = [n[2] for n in cluster_nodes(nodes["node-1"])]
    assert sum("master" in r for r in roles) == 3 and sum("slave" in r for r in roles) == 3
    # The init service is a no-op on a formed cluster (a compose restart runs it again).
    assert "already formed" in t.run_one_shot("cluster-init")

    rc = redis.RedisCluster(host="127.0.0.1", port=ports["node-1"], password=pw,
                            decode_responses=True)
    for i in range(300):
        rc.set(f"key:{i}", i)
    masters = {n: c for n, c in nodes.items() if info(c, "replication")["role"] == "master"}
    env = tool_env(t, REDIS_PASSWORD=pw)
    total = 0
    for n, c in masters.items():
        out = run_backup(ports[n], tmp_path / "backups", env, "-n", n)
        assert out.returncode == 0, out.stderr
        check = subprocess.run(["redis-check-rdb", out.stdout.strip()], env=env,
                               capture_output=True, text=True)
        assert f"[info] {c.dbsize()} keys read" in check.stdout, check.stdout
        total += c.dbsize()
    assert total == 300

    # Restore (docs/operations.md "Restoring", cluster): a bad change overwrote every key. Stop
    # all nodes; each master gets its own backup (AOF moved away), each replica loses its data
    # (it resyncs); start them with appendonly no, then turn the AOF back on.
    for i in range(300):
        rc.set(f"key:{i}", "overwritten")
    rc.close()
    backups = {n: sorted(glob.glob(str(tmp_path / "backups" / f"{n}-*.rdb")))[-1]
               for n in masters}
    for n in nodes:
        t.stop_service(n)
    for n in nodes:
        data = t.data_dir(n)
        shutil.rmtree(os.path.join(data, "appendonlydir"), ignore_errors=True)
        if os.path.exists(os.path.join(data, "dump.rdb")):
            os.remove(os.path.join(data, "dump.rdb"))
        if n in backups:
            shutil.copy(backups[n], os.path.join(data, "dump.rdb"))
    for n in nodes:
        t.start_service(n, extra_args=["--appendonly", "no"])
    for n, c in nodes.items():
        wait_until(lambda c=c: c.execute_command("CLUSTER", "INFO").startswith(
            "cluster_state:ok"), 30, what=f"{n} back in a healthy cluster")
        assert c.config_set("appendonly", "yes")
    rc = redis.RedisCluster(host="127.0.0.1", port=ports["node-1"], password=pw,
                            decode_responses=True)
    wait_until(lambda: all(rc.get(f"key:{i}") == str(i) for i in (0, 7, 150, 299)), 30,
               what="the backed-up values through the cluster")
    assert all(rc.get(f"key:{i}") == str(i) for i in range(300))
    for n, c in nodes.items():
        if n not in masters:
            wait_until(lambda c=c: c.info("replication")["master_link_status"] == "up" and
                       c.dbsize() > 0, 30, what=f"replica {n} resynced")
    rc.close()

    # Failover test: kill -9 a master; its replica takes its slots over.
    victim = sorted(masters)[0]
    victim_id = nodes[victim].execute_command("CLUSTER", "MYID")
    t.stop_service(victim, signal.SIGKILL)
    survivor = next(c for n, c in nodes.items() if n != victim)

    def recovered():
        ok = survivor.execute_command("CLUSTER", "INFO").startswith("cluster_state:ok")
        view = cluster_nodes(survivor)
        dead = next(n for n in view if n[0] == victim_id)
        serving = [n for n in view if "master" in n[2] and "fail" not in n[2] and len(n) > 8]
        return ok and "fail" in dead[2].split(",") and len(serving) == 3
    wait_until(recovered, 60, what="a replica to take the dead master's slots")
    rc = redis.RedisCluster(host="127.0.0.1", port=survivor.connection_pool.connection_kwargs
                            ["port"], password=pw, decode_responses=True)
    wait_until(lambda: rc.get("key:7") == "7" and rc.get("key:299") == "299", 30,
               what="reads through the new master")
    rc.close()


def scrape_families(port, password=None):
    req = urllib.request.Request(f"http://127.0.0.1:{port}/metrics")
    if password:
        token = base64.b64encode(f"default:{password}".encode()).decode()
        req.add_header("Authorization", f"Basic {token}")
    with urllib.request.urlopen(req, timeout=5) as resp:
        text = resp.read().decode()
    return {line.split()[2] for line in text.splitlines() if line.startswith("# TYPE")}


def test_alert_rules_name_served_metrics(topology, make_server):
    t = topology("cluster-3")
    pw = t.password()
    served = set()
    for p in t.ports().values():
        served |= scrape_families(p, pw)
    # A master with a replica and maxmemory: the replication and memory families.
    m = make_server(["--maxmemory", "100mb"])
    rep = make_server(["--replicaof", "127.0.0.1", str(m.port)])
    rr = redis.Redis(port=rep.port, decode_responses=True)
    wait_until(lambda: info(rr, "replication")["master_link_status"] == "up", 20,
               what="replica link")
    mc = redis.Redis(port=m.port)
    wait_until(lambda: info(mc, "replication").get("slave0", {}).get("state") == "online", 20,
               what="replica online")
    served |= scrape_families(m.port) | scrape_families(rep.port)
    with open(os.path.join(DEPLOY, "prometheus", "alerts.yml")) as f:
        rules = [r for g in yaml.safe_load(f)["groups"] for r in g["rules"]]
    assert {"CarmineInstanceDown", "CarmineClusterStateNotOk", "CarmineMasterLostItsReplicas",
            "CarmineMemoryNearMaxmemory", "CarmineEvictingKeys", "CarmineReplicationLag",
            "CarmineSlowLogGrowing"} <= {r["alert"] for r in rules}
    used = set()
    for r in rules:
        used.update(re.findall(r"\b(redis_[a-z_]+)", r["expr"]))
    assert used and not sorted(used - served), sorted(used - served)


def test_backup_script_verifies_rotates_and_uploads(make_server, tmp_path):
    s = make_server([])
    c = redis.Redis(port=s.port)
    c.set("a", "1")
    env = tool_env(PATH=checker_dir(tmp_path) + os.pathsep + os.environ["PATH"])
    env["PATH"] = env["PATH"]
    # Downloaded over the connection (-r), as from another host.
    out = run_backup(s.port, tmp_path / "b", env, "-r")
    assert out.returncode == 0 and "downloaded" in out.stderr, out.stderr
    # A snapshot that does not verify is not stored.
    bad = dict(env, CHECK_RDB="false")
    out = run_backup(s.port, tmp_path / "bad", bad)
    assert out.returncode == 1 and "does not verify" in out.stderr
    assert not glob.glob(str(tmp_path / "bad" / "*.rdb"))
    # Upload to S3-compatible storage through the aws CLI (a stand-in records its arguments).
    fake = tmp_path / "fakebin"
    fake.mkdir()
    (fake / "aws").write_text("#!/bin/sh\necho \"$@\" > \"$AWS_ARGS_FILE\"\n")
    (fake / "aws").chmod(0o755)
    up = dict(env, PATH=str(fake) + os.pathsep + env["PATH"], S3_BUCKET="backups",
              S3_PREFIX="carmine/", S3_ENDPOINT_URL="http://127.0.0.1:9000",
              AWS_ACCESS_KEY_ID="id", AWS_SECRET_ACCESS_KEY="secret",
              AWS_ARGS_FILE=str(tmp_path / "aws-args"))
    out = run_backup(s.port, tmp_path / "up", up)
    assert out.returncode == 0, out.stderr
    name = os.path.basename(out.stdout.strip())
    args = (tmp_path / "aws-args").read_text().split()
    assert args == ["--endpoint-url", "http://127.0.0.1:9000", "s3", "cp", "--only-show-errors",
                    out.stdout.strip(), f"s3://backups/carmine/{name}"]
    no_creds = {k: v for k, v in up.items() if not k.startswith("AWS_")}
    out = run_backup(s.port, tmp_path / "up2", no_creds)
    assert out.returncode == 1 and "without AWS_ACCESS_KEY_ID" in out.stderr


@pytest.mark.parametrize("kind", ["carmine", "redis"])
def test_backup_waits_for_a_save_in_progress(kind, tmp_path):
    """A save already running (another backup, or a replica's full sync) refuses BGSAVE, even
    with SCHEDULE: the backup asks again once it is done instead of failing."""
    s = ServerProcess(kind, args=["--rdb-key-save-delay", "5000"]).start()
    try:
        c = redis.Redis(port=s.port, decode_responses=True)
        for i in range(200):  # one second of saving at 5 ms per key
            c.set(f"k{i}", i)
        assert c.bgsave()
        assert c.info("persistence")["rdb_bgsave_in_progress"] == 1
        env = tool_env(PATH=checker_dir(tmp_path) + os.pathsep + os.environ["PATH"])
        out = run_backup(s.port, tmp_path / "b", env)
        assert out.returncode == 0, out.stderr
        assert c.info("persistence")["rdb_bgsave_in_progress"] == 0
        assert len(glob.glob(str(tmp_path / "b" / "*.rdb"))) == 1
    finally:
        s.cleanup()


def test_check_rdb_reports_as_redis_does(make_server, tmp_path):
    s = make_server([])
    c = redis.Redis(port=s.port)
    for i in range(50):
        c.set(f"k{i}", "v" * i)
    c.set("ttl", "x", ex=1000)
    c.hset("h", mapping={"a": 1})
    c.select(3)
    c.set("other", "db")
    c.save()
    rdb = os.path.join(s.dir, "dump.rdb")
    ours = tmp_path / "redis-check-rdb"
    ours.symlink_to(carmine_binary())
    good = subprocess.run([str(ours), rdb], capture_output=True, text=True)
    assert good.returncode == 0, good.stdout
    assert "[info] 53 keys read\n[info] 1 expires\n[info] 0 already expired\n" in good.stdout
    data = open(rdb, "rb").read()
    truncated = tmp_path / "truncated.rdb"
    truncated.write_bytes(data[:len(data) // 2])
    bad = subprocess.run([str(ours), str(truncated)], capture_output=True, text=True)
    assert bad.returncode == 1 and "--- RDB ERROR DETECTED ---" in bad.stdout
    if os.path.exists(os.path.join(ORACLE_BIN, "redis-server")):
        odir = tmp_path / "oracle"
        odir.mkdir()
        oracle = odir / "redis-check-rdb"
        oracle.symlink_to(os.path.join(ORACLE_BIN, "redis-server"))
        theirs = subprocess.run([str(oracle), rdb], capture_output=True, text=True)
        assert theirs.returncode == 0 and theirs.stdout == good.stdout
        assert subprocess.run([str(oracle), str(truncated)], capture_output=True).returncode == 1


def test_entrypoint_and_healthcheck(tmp_path):
    env = tool_env(PATH=os.pathsep.join([checker_dir(tmp_path), os.environ["PATH"]]),
                   CARMINE_USER="", CARMINE_DATA=str(tmp_path))
    for name in ("redis-server", "redis-sentinel"):
        link = tmp_path / "bin" / name
        link.symlink_to(carmine_binary())
    entry = os.path.join(DEPLOY, "docker", "docker-entrypoint.sh")
    # Anything but a server runs as given.
    assert subprocess.run([entry, "echo", "hi"], env=env, capture_output=True,
                          text=True).stdout == "hi\n"
    from servers import free_port
    port = free_port()
    # Flags alone mean redis-server; protected mode is off as in the redis image, and
    # REDIS_PASSWORD turns authentication on.
    proc = subprocess.Popen([entry, "--port", str(port), "--save", ""], cwd=tmp_path,
                            env=dict(env, REDIS_PASSWORD="pw"), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        c = redis.Redis(port=port, password="pw", decode_responses=True)
        wait_until(lambda: c.ping(), 10, what="the server behind the entrypoint")
        assert c.config_get("protected-mode") == {"protected-mode": "no"}
        assert c.config_get("masterauth") == {"masterauth": "pw"}
        health = os.path.join(DEPLOY, "docker", "carmine-healthcheck")
        assert subprocess.run([health], env=dict(env, CARMINE_PORT=str(port))).returncode == 0
    finally:
        proc.terminate()
        proc.wait(10)
    assert subprocess.run([health], env=dict(env, CARMINE_PORT=str(port)),
                          capture_output=True).returncode == 1
    # A config file that sets protected-mode keeps its value.
    conf = tmp_path / "redis.conf"
    conf.write_text(f"port {port}\nprotected-mode yes\nsave \"\"\n")
    proc = subprocess.Popen([entry, str(conf)], cwd=tmp_path, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        c = redis.Redis(port=port, decode_responses=True)
        wait_until(lambda: c.ping(), 10, what="the server started from a config file")
        assert c.config_get("protected-mode") == {"protected-mode": "yes"}
    finally:
        proc.terminate()
        proc.wait(10)


K8S_OVERLAYS = ["sentinel/overlays/dev", "sentinel/overlays/prod", "cluster/overlays/dev",
                "cluster/overlays/prod"]


def kustomize(overlay):
    out = subprocess.run(["kubectl", "kustomize", os.path.join(DEPLOY, "k8s", overlay)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return [d for d in yaml.safe_load_all(out.stdout) if d]


def matches(selector, labels):
    return all(labels.get(k) == v for k, v in selector.items())


@pytest.mark.parametrize("overlay", K8S_OVERLAYS)
def test_kubernetes_overlays_build_and_validate(overlay):
    if shutil.which("kubectl") is None:
        pytest.skip("kubectl is not installed (scripts/deps.sh installs kubernetes-client)")
    objs = kustomize(overlay)
    # Offline validation against the Kubernetes OpenAPI schema and the Prometheus Operator CRDs.
    node_dir = os.path.join(ROOT, "tests", "node")
    import json
    out = subprocess.run(["node", os.path.join(node_dir, "validate_k8s.mjs")], cwd=node_dir,
                         input=json.dumps(objs), capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    kinds = {o["kind"] for o in objs}
    assert {"StatefulSet", "Service", "ConfigMap", "Secret", "PodDisruptionBudget",
            "NetworkPolicy", "ServiceMonitor", "PrometheusRule", "CronJob"} <= kinds
    namespace = "carmine-dev" if overlay.endswith("dev") else "carmine"
    assert all(o["metadata"].get("namespace") == namespace for o in objs)
    secrets = {o["metadata"]["name"]: o for o in objs if o["kind"] == "Secret"}
    configmaps = {o["metadata"]["name"] for o in objs if o["kind"] == "ConfigMap"}
    pods = []
    for o in objs:
        if o["kind"] in ("StatefulSet", "Job"):
            pods.append(o["spec"]["template"])
        elif o["kind"] == "CronJob":
            pods.append(o["spec"]["jobTemplate"]["spec"]["template"])
    for o in objs:
        if o["kind"] != "StatefulSet":
            continue
        spec = o["spec"]["template"]["spec"]
        main = spec["containers"][0]
        assert "tcpSocket" in main["livenessProbe"]
        assert main["readinessProbe"]["exec"]["command"] == ["carmine-healthcheck"]
        assert main["resources"]["requests"] and main["resources"]["limits"]["memory"]
        anti = spec["affinity"]["podAntiAffinity"]
        assert ("requiredDuringSchedulingIgnoredDuringExecution" in anti) == \
            overlay.endswith("prod")
        # A PodDisruptionBudget covers every StatefulSet's pods.
        labels = o["spec"]["template"]["metadata"]["labels"]
        assert any(p["kind"] == "PodDisruptionBudget" and
                   matches(p["spec"]["selector"]["matchLabels"], labels) for p in objs)
    for pod in pods:
        for c in pod["spec"]["containers"]:
            for e in c.get("env", []):
                ref = e.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    assert ref["key"] in secrets[ref["name"]]["data"], ref
        for v in pod["spec"].get("volumes", []):
            if "configMap" in v:
                assert v["configMap"]["name"] in configmaps
    # Every Service selects pods (the master/replica Services through the role label that
    # the sidecar sets at run time).
    for svc in (o for o in objs if o["kind"] == "Service"):
        sel = dict(svc["spec"]["selector"])
        sel.pop("carmine.io/role", None)
        assert any(matches(sel, p["metadata"]["labels"]) for p in pods), svc["metadata"]["name"]
    services = [o for o in objs if o["kind"] == "Service"]
    for sm in (o for o in objs if o["kind"] == "ServiceMonitor"):
        assert any(matches(sm["spec"]["selector"]["matchLabels"], s["metadata"].get("labels", {}))
                   for s in services)
    # The PrometheusRule carries alerts.yml's rules; the dashboard ConfigMap the dashboard.
    with open(os.path.join(DEPLOY, "prometheus", "alerts.yml")) as f:
        alerts = yaml.safe_load(f)
    rule = next(o for o in objs if o["kind"] == "PrometheusRule")
    assert rule["spec"]["groups"] == alerts["groups"]
    dash = next(o for o in objs if o["kind"] == "ConfigMap" and
                o["metadata"].get("labels", {}).get("grafana_dashboard") == "1")
    with open(os.path.join(DEPLOY, "grafana", "carmine-dashboard.json")) as f:
        assert dash["data"]["carmine-dashboard.json"] == f.read()


def test_kubernetes_configs_are_the_compose_ones():
    pairs = [("k8s/sentinel/base/redis.conf", "compose/sentinel/redis.conf"),
             ("k8s/cluster/base/redis.conf", "compose/cluster-6/redis.conf"),
             ("compose/cluster-3/redis.conf", "compose/cluster-6/redis.conf")]
    for a, b in pairs:
        with open(os.path.join(DEPLOY, a)) as fa, open(os.path.join(DEPLOY, b)) as fb:
            assert fa.read() == fb.read(), (a, b)
    for script in glob.glob(os.path.join(DEPLOY, "k8s", "*", "base", "*.sh")) + \
            glob.glob(os.path.join(DEPLOY, "docker", "*")) + \
            [os.path.join(DEPLOY, "backup", "carmine-backup")]:
        if script.endswith("Dockerfile"):
            continue
        shell = "bash" if script.endswith("carmine-backup") else "sh"
        assert subprocess.run([shell, "-n", script]).returncode == 0, script


def test_role_labeler_keeps_the_pod_label_current(make_server, tmp_path):
    """The sidecar patches its pod's carmine.io/role label (a stand-in API server records the
    merge patches): master, then replica after REPLICAOF, then none when the server is gone."""
    import http.server
    import json
    import threading
    patches = []

    class Api(http.server.BaseHTTPRequestHandler):
        def do_PATCH(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            patches.append((self.path, self.headers["Authorization"],
                            self.headers["Content-Type"], json.loads(body)))
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args):
            pass
    api = http.server.HTTPServer(("127.0.0.1", 0), Api)
    threading.Thread(target=api.serve_forever, daemon=True).start()
    s = make_server(["--requirepass", "pw"])
    other = make_server([])
    env = tool_env(KUBE_API=f"http://127.0.0.1:{api.server_port}", KUBE_TOKEN="tok",
                   NAMESPACE="ns", POD_NAME="carmine-1", CARMINE_PORT=str(s.port),
                   REDIS_PASSWORD="pw", INTERVAL="0.1")
    proc = subprocess.Popen([os.path.join(DEPLOY, "docker", "carmine-role-labeler")], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def roles():
        return [p[3]["metadata"]["labels"]["carmine.io/role"] for p in patches]
    try:
        wait_until(lambda: roles() == ["master"], 10, what="the master label")
        path, auth, ctype, _ = patches[0]
        assert path == "/api/v1/namespaces/ns/pods/carmine-1"
        assert auth == "Bearer tok" and ctype == "application/merge-patch+json"
        redis.Redis(port=s.port, password="pw").replicaof("127.0.0.1", other.port)
        wait_until(lambda: roles() == ["master", "replica"], 10, what="the replica label")
        s.stop()
        wait_until(lambda: roles() == ["master", "replica", "none"], 10, what="no role")
    finally:
        proc.terminate()
        proc.wait(10)
        api.shutdown()


def test_image_runtime_stage_has_what_the_binary_and_scripts_need():
    """No container runtime here: check the Dockerfile against the tree and the binary. Every
    file it copies exists, every shared library the server links comes from a package its
    runtime stage installs (or from the base image), and every program the scripts call is
    installed there."""
    path = os.path.join(DEPLOY, "docker", "Dockerfile")
    text = open(path).read().replace("\\\n", " ")
    stages = text.split("\nFROM ")
    assert len(stages) == 3 and stages[1].startswith("debian:12-slim AS build")
    runtime = stages[2]
    assert runtime.startswith("debian:12-slim")
    installed = set()
    for line in runtime.splitlines():
        if "apt-get install" in line:
            words = line.split("apt-get install", 1)[1].split("&&")[0].split()
            installed |= {w for w in words if not w.startswith("-")}
    for line in text.splitlines():
        if line.startswith("COPY ") and "--from" not in line:
            for src in line.split()[1:-1]:
                assert os.path.exists(os.path.join(ROOT, src)), src
    base = {"libc6", "libgcc-s1", "libstdc++6"}  # in debian:12-slim
    ldd = subprocess.run(["ldd", carmine_binary()], capture_output=True, text=True).stdout
    for lib in (l.split("=>")[1].split()[0] for l in ldd.splitlines() if "=>" in l):
        if re.search(r"lib(a|ub|t)san", lib):
            continue  # a sanitizer build's runtime (the image builds without sanitizers)
        owner = subprocess.run(["dpkg", "-S", os.path.realpath(lib)], capture_output=True,
                               text=True)
        if owner.returncode != 0:
            owner = subprocess.run(["dpkg", "-S", lib], capture_output=True, text=True)
        pkg = owner.stdout.split(":")[0]
        assert pkg in installed | base, (lib, pkg)
    # redis-cli (healthcheck, backup, cluster init), curl (role labeler), setpriv (util-linux,
    # in the base image).
    assert {"redis-tools", "curl", "ca-certificates"} <= installed
    for name in ("redis-server", "redis-sentinel", "carmine-sentinel", "redis-check-rdb"):
        assert f"ln -s carmine-server /usr/local/bin/{name}" in runtime
    assert 'ENTRYPOINT ["docker-entrypoint.sh"]' in runtime and "HEALTHCHECK" in runtime
    assert "VOLUME /data" in runtime
