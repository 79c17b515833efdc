# Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
"""Start and stop carmine-server and the oracle redis-server on free loopback ports for tests.

The oracle is Redis 7.2.4 from ../shared/redis-7.2.4 when that folder exists next to the checkout
(the release Carmine reports), else Debian's redis-server (7.0), so a fresh machine still runs
everything. REDIS_SERVER_BIN overrides both.

Shared by the integration tests and the differential harness. Servers are polled for readiness
with a deadline; nothing sleeps a fixed time.
"""
import os
import shutil
import socket
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def carmine_binary():
    path = os.environ.get("CARMINE_BIN", os.path.join(ROOT, "build", "carmine-server"))
    if not os.path.exists(path):
        raise RuntimeError(f"carmine-server not found at {path}; build first")
    return path


def redis_binary():
    env = os.environ.get("REDIS_SERVER_BIN")
    if env:
        return env
    shared = os.path.join(os.path.dirname(ROOT), "shared", "redis-7.2.4", "bin", "redis-server")
    if os.path.exists(shared):
        return shared
    return shutil.which("redis-server")


def redis_version():
    """The oracle's version as a tuple, e.g. (7, 2, 4)."""
    out = subprocess.run([redis_binary(), "--version"], capture_output=True, text=True).stdout
    v = out.split("v=")[1].split()[0]
    return tuple(int(x) for x in v.split("."))


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(cond, timeout=10.0, interval=0.01, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if cond():
                return True
        except Exception:
            pass
        time.sleep(interval)
    raise TimeoutError(f"timed out waiting for {what}")


def stop_process(pid, timeout=10.0):
    """SIGSTOP, then wait until every thread of the process is stopped: the kernel stops the
    other threads only once one of them has handled the signal, so on a busy machine they can
    run (and answer) for a while after kill() returns."""
    import signal
    os.kill(pid, signal.SIGSTOP)

    def all_stopped():
        tasks = os.listdir(f"/proc/{pid}/task")
        for t in tasks:
            with open(f"/proc/{pid}/task/{t}/stat") as f:
                # The state follows the parenthesised command name.
                if f.read().rsplit(")", 1)[1].split()[0] not in ("T", "t"):
                    return False
        return True
    wait_until(all_stopped, timeout, what=f"process {pid} stopped")


def ping(port, host="127.0.0.1", loading_ok=False):
    with socket.create_connection((host, port), timeout=1) as s:
        s.sendall(b"PING\r\n")
        reply = s.recv(64)
        return reply.startswith(b"+PONG") or reply.startswith(b"-NOAUTH") or \
            (loading_ok and reply.startswith(b"-LOADING"))


def ping_quietly(port, loading_ok=False):
    try:
        return ping(port, loading_ok=loading_ok)
    except OSError:
        return False


class ServerProcess:
    """A server on a free port. kind is 'carmine' or 'redis'."""

    def __init__(self, kind="carmine", args=None, config_text=None, port=None):
        self.kind = kind
        self.port = port or free_port()
        self.dir = tempfile.mkdtemp(prefix=f"{kind}-test-")
        self.log = os.path.join(self.dir, "server.log")
        self.config_path = None
        self.config_text = config_text
        cmd = [carmine_binary() if kind == "carmine" else redis_binary()]
        if config_text is not None:
            self.config_path = os.path.join(self.dir, "server.conf")
            with open(self.config_path, "w") as f:
                f.write(config_text)
            cmd.append(self.config_path)
        cmd += ["--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.dir]
        # No automatic snapshots unless a test asks (both servers default to Redis's save rules).
        cmd += ["--save", ""]
        if kind == "redis":
            cmd += ["--appendonly", "no"]
        cmd += list(args or [])
        self.cmd = cmd
        self.proc = None

    def start(self, wait=True):
        # A port free_port() picked can be taken by someone else before the server binds it
        # (another test's outgoing connection): then the server exits at once saying so, and
        # the start is retried on fresh ports (--port and --cluster-port, which only this object
        # knows).
        for attempt in range(3):
            self.logf = open(self.log, "wb")
            self.proc = subprocess.Popen(self.cmd, stdout=self.logf, stderr=subprocess.STDOUT)
            if not wait:
                return self
            # A replica is up once it answers, even -LOADING: how long its first sync takes
            # is the master's doing (a fork on a loaded machine), and tests wait for the sync.
            replica = "--replicaof" in self.cmd or "replicaof " in (self.config_text or "")
            try:
                wait_until(lambda: self.proc.poll() is not None or
                           ping(self.port, loading_ok=replica), 15,
                           what=f"{self.kind} on port {self.port}")
            except TimeoutError:
                pass
            if self.proc.poll() is None and ping_quietly(self.port, loading_ok=replica):
                return self
            self.stop()
            if attempt == 2 or "Address already in use" not in self.log_text():
                break
            self._repick_ports()
        raise TimeoutError(f"timed out waiting for {self.kind} on port {self.port}")

    def _repick_ports(self):
        for i, arg in enumerate(self.cmd[:-1]):
            if arg in ("--port", "--cluster-port"):
                self.cmd[i + 1] = str(free_port())
                if arg == "--port":
                    self.port = int(self.cmd[i + 1])

    def stop(self, sig=None):
        if self.proc and self.proc.poll() is None:
            if sig is None:
                self.proc.terminate()
            else:
                self.proc.send_signal(sig)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if getattr(self, "logf", None):
            self.logf.close()
        return self.proc.returncode if self.proc else None

    def log_text(self):
        with open(self.log, "rb") as f:
            return f.read().decode(errors="replace")

    def cleanup(self):
        self.stop()
        if os.environ.get("KEEP_SERVER_DIRS"):
            return
        shutil.rmtree(self.dir, ignore_errors=True)
