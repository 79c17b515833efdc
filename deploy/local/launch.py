#!/usr/bin/env python3
# Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
"""Starts a deploy/compose topology as local processes on loopback ports, without containers.

Reads the topology's docker-compose.yml and runs each server, Sentinel and one-shot service
from the SAME config files the compose file mounts, through the image's own entrypoint and
scripts (deploy/docker). Only addresses change: a service name becomes 127.0.0.1, each
service's port a free local one, /data a directory of its own, `bind` 127.0.0.1.

    python3 deploy/local/launch.py deploy/compose/sentinel      (Ctrl-C stops everything)

Tests import it: Topology(path).start() ... .stop().
"""
import argparse
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SERVER_COMMANDS = {"redis-server", "redis-sentinel", "carmine-server", "carmine-sentinel"}
# The names the image gives Carmine's one binary.
BINARY_NAMES = ["carmine-server", "carmine-sentinel", "redis-server", "redis-sentinel",
                "redis-check-rdb"]


def _port_pair_free(port):
    for p in (port, port + 10000):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", p))
            except OSError:
                return False
    return True


def free_port(taken):
    """A port whose cluster-bus companion (port + 10000) is free too."""
    while True:
        p = random.randint(20000, 45000)
        if p not in taken and p + 10000 not in taken and _port_pair_free(p):
            taken.update({p, p + 10000})
            return p


def _expand(value):
    """Compose's ${VAR:-default} substitution."""
    def sub(m):
        name, _, default = m.group(1).partition(":-")
        return os.environ.get(name, default)
    return re.sub(r"\$\{([^}]+)\}", sub, value) if isinstance(value, str) else value


def answers(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(b"PING\r\n")
            reply = s.recv(64)
            return reply.startswith(b"+PONG") or reply.startswith(b"-NOAUTH")
    except OSError:
        return False


class Service:
    def __init__(self, name, spec):
        self.name = name
        self.spec = spec
        self.command = [_expand(a) for a in spec.get("command", [])]
        self.one_shot = str(spec.get("restart", "")) == "no"
        self.container_port = 26379 if self.command and self.command[0].endswith("sentinel") \
            else 6379
        self.port = None
        self.dir = None
        self.proc = None


class Topology:
    def __init__(self, compose_dir, carmine_bin=None, workdir=None):
        self.compose_dir = os.path.abspath(compose_dir)
        with open(os.path.join(self.compose_dir, "docker-compose.yml")) as f:
            doc = yaml.safe_load(f)
        self.carmine_bin = os.path.abspath(carmine_bin or os.environ.get(
            "CARMINE_BIN", os.path.join(ROOT, "build", "carmine-server")))
        self.workdir = workdir or tempfile.mkdtemp(prefix="carmine-topology-")
        self.secrets = {name: os.path.join(self.compose_dir, s["file"])
                        for name, s in (doc.get("secrets") or {}).items()}
        self.services = {}
        for name, spec in doc["services"].items():
            if spec.get("profiles"):
                continue  # monitoring: containers only
            cmd = spec.get("command") or []
            if cmd and (cmd[0] in SERVER_COMMANDS or str(spec.get("restart")) == "no"):
                self.services[name] = Service(name, spec)
        taken = set()
        for s in self.services.values():
            if not s.one_shot:
                s.port = free_port(taken)
        self.bin_dir = os.path.join(self.workdir, "bin")
        os.makedirs(self.bin_dir, exist_ok=True)
        for n in BINARY_NAMES:
            link = os.path.join(self.bin_dir, n)
            if not os.path.lexists(link):
                os.symlink(self.carmine_bin, link)

    # ---- address rewriting -----------------------------------------------------------------

    def _addr(self, host, port):
        s = self.services.get(host)
        if s is None or s.port is None or str(port) != str(s.container_port):
            return None
        return s.port

    def rewrite_tokens(self, tokens, svc, paths):
        out = list(tokens)
        for i, t in enumerate(out):
            if t in paths:
                out[i] = paths[t]
            m = re.fullmatch(r"([\w.-]+):(\d+)", t)
            if m and self._addr(m.group(1), m.group(2)):
                out[i] = f"127.0.0.1:{self._addr(m.group(1), m.group(2))}"
            elif i + 1 < len(out) and self._addr(t, out[i + 1]):
                out[i], out[i + 1] = "127.0.0.1", str(self._addr(t, out[i + 1]))
        return out

    def rewrite_config(self, text, svc, paths):
        lines = []
        for line in text.splitlines():
            words = line.split()
            if not words or words[0].startswith("#"):
                lines.append(line)
            elif words[0].lower() == "port":
                lines.append(f"port {svc.port}")
            elif words[0].lower() == "bind":
                lines.append("bind 127.0.0.1")
            else:
                lines.append(" ".join(self.rewrite_tokens(words, svc, paths)))
        return "\n".join(lines) + "\n"

    # ---- processes -------------------------------------------------------------------------

    def _prepare(self, svc):
        svc.dir = os.path.join(self.workdir, svc.name)
        data = os.path.join(svc.dir, "data")
        os.makedirs(data, exist_ok=True)
        paths = {"/data": data}
        for name in svc.spec.get("secrets", []):
            paths[f"/run/secrets/{name}"] = self.secrets[name]
        mounts = []
        for v in svc.spec.get("volumes", []):
            src, dst = v.split(":")[:2]
            if src.startswith("."):
                mounts.append((os.path.join(self.compose_dir, src), dst))
                paths[dst] = os.path.join(svc.dir, os.path.basename(dst))
        for src, dst in mounts:
            with open(src) as f:
                text = f.read()
            with open(paths[dst], "w") as f:
                f.write(self.rewrite_config(text, svc, paths))
            os.chmod(paths[dst], 0o444)  # mounted :ro in the compose file
        args = self.rewrite_tokens(svc.command, svc, paths)
        env = dict(os.environ)
        env["PATH"] = os.pathsep.join([self.bin_dir, os.path.join(ROOT, "deploy", "docker"),
                                       os.path.join(ROOT, "deploy", "backup"), env["PATH"]])
        env["CARMINE_DATA"] = data
        env["CARMINE_USER"] = ""  # run as the caller: the work directory is private to it
        for k, v in (svc.spec.get("environment") or {}).items():
            env[k] = paths.get(_expand(str(v)), _expand(str(v)))
        if not svc.one_shot:
            args = [os.path.join(ROOT, "deploy", "docker", "docker-entrypoint.sh")] + args
        return args, env, data

    def start_service(self, name, timeout=30, extra_args=()):
        """Starts (or restarts) a service; extra_args go after its command's, as flags given to
        `docker compose run` would."""
        svc = self.services[name]
        args, env, data = self._prepare(svc)
        args += list(extra_args)
        log = open(os.path.join(svc.dir, "out.log"), "ab")
        svc.proc = subprocess.Popen(args, cwd=data, env=env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + timeout
        while not answers(svc.port):
            if svc.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not start: see {svc.dir}/out.log")
            time.sleep(0.05)

    def run_one_shot(self, name, timeout=180):
        svc = self.services[name]
        args, env, data = self._prepare(svc)
        out = subprocess.run(args, cwd=data, env=env, capture_output=True, text=True,
                             timeout=timeout)
        if out.returncode != 0:
            raise RuntimeError(f"{name} failed ({out.returncode}): {out.stdout}{out.stderr}")
        return out.stdout

    def start(self):
        try:
            for name, svc in self.services.items():
                if not svc.one_shot:
                    self.start_service(name)
            for name, svc in self.services.items():
                if svc.one_shot:
                    self.run_one_shot(name)
        except Exception:
            self.stop()
            raise
        return self

    def stop_service(self, name, sig=signal.SIGTERM):
        svc = self.services[name]
        if svc.proc is not None and svc.proc.poll() is None:
            svc.proc.send_signal(sig)
            try:
                svc.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                svc.proc.kill()
                svc.proc.wait()
        svc.proc = None

    def stop(self):
        for name in self.services:
            self.stop_service(name)

    def cleanup(self):
        self.stop()
        if not os.environ.get("KEEP_SERVER_DIRS"):
            shutil.rmtree(self.workdir, ignore_errors=True)

    def data_dir(self, name):
        return os.path.join(self.workdir, name, "data")

    def password(self):
        path = next(iter(self.secrets.values()), None)
        return open(path).read().strip() if path else None

    def ports(self):
        return {n: s.port for n, s in self.services.items() if s.port}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("topology", help="a deploy/compose/<name> directory")
    ap.add_argument("--carmine", help="carmine-server binary (default build/carmine-server)")
    ap.add_argument("--workdir", help="where the services' data and logs go (default: a temp dir)")
    a = ap.parse_args()
    t = Topology(a.topology, a.carmine, a.workdir).start()
    print(json.dumps({"workdir": t.workdir, "ports": t.ports()}, indent=2), flush=True)
    try:
        signal.sigwait({signal.SIGINT, signal.SIGTERM})
    finally:
        t.stop()


if __name__ == "__main__":
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    sys.exit(main())
