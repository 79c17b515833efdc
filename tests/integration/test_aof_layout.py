# Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
"""AOF directories as an operator or an older Redis leaves them, started by Carmine and by the
oracle side by side: each must come up (or refuse to) the same way, say the same things in the
log after "Server initialized" (manifest errors as Redis's fatal block, which file loaded,
truncation, the single-file upgrade), and leave the same manifest and files behind.

Log texts are compared with Redis 7.2.4 only (other versions word them differently).
"""
import os
import re
import shutil
import subprocess
import tempfile
import time

import pytest

from servers import carmine_binary, free_port, redis_binary, redis_version

pytestmark = [
    pytest.mark.needs_process,
    pytest.mark.skipif(redis_version() < (7, 2, 4), reason="log texts of Redis 7.2.4"),
]


def cmd(*args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a.encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


S1, S2, S3 = cmd("set", "k1", "v1"), cmd("set", "k2", "v2"), cmd("set", "k3", "v3")
B, I1, I2, I3 = ("appendonly.aof.1.base.aof", "appendonly.aof.1.incr.aof",
                 "appendonly.aof.2.incr.aof", "appendonly.aof.3.incr.aof")
# Lines that differ only in timing or that the shutdown adds.
NOISE = re.compile(r"Ready to accept|SIGTERM|shutdown|Saving the final|ready to exit|fsync|"
                   r"DB saved|pid file|User requested")


def aof_dir(d, files, manifest):
    a = os.path.join(d, "appendonlydir")
    os.makedirs(a, exist_ok=True)
    for name, content in files.items():
        with open(os.path.join(a, name), "wb") as f:
            f.write(content)
    if manifest is not None:
        with open(os.path.join(a, "appendonly.aof.manifest"), "w") as f:
            f.write(manifest)


def legacy(d, content, manifest=None, in_dir=None):
    with open(os.path.join(d, "appendonly.aof"), "wb") as f:
        f.write(content)
    if manifest is not None:
        aof_dir(d, {} if in_dir is None else {"appendonly.aof": in_dir}, manifest)


SCENARIOS = {
    "file missing": lambda d: aof_dir(d, {B: S1, I2: S2}, f"file {B} seq 1 type b\n"
                                      f"file {I1} seq 1 type i\nfile {I2} seq 2 type i\n"),
    "non-monotonic": lambda d: aof_dir(d, {I1: S1, I2: S2},
                                       f"file {I2} seq 2 type i\nfile {I1} seq 1 type i\n"),
    "blank line": lambda d: aof_dir(d, {I1: S1, I3: S2},
                                    f"file {I1} seq 1 type i\n\nfile {I3} seq 3 type i\n"),
    "duplicate base": lambda d: aof_dir(d, {B: S1, "b2": S2, I1: S3},
                                        f"file {B} seq 1 type b\nfile b2 seq 2 type b\n"
                                        f"file {I1} seq 1 type i\n"),
    "unknown type": lambda d: aof_dir(d, {B: S1}, f"file {B} seq 1 type x\n"),
    "missing key": lambda d: aof_dir(d, {B: S1}, f"filx {B} seq 1 type b\n"),
    "too short": lambda d: aof_dir(d, {B: S1, I1: S3},
                                   f"file {B} seq 1 type b\nfile {I1} type i\n"),
    "too long": lambda d: aof_dir(d, {B: S1}, f"file {B} seq 1 type b " * 50 + "\n"),
    "no final newline": lambda d: aof_dir(d, {B: S1}, f"file {B} seq 1 type b"),
    "odd pair": lambda d: aof_dir(d, {B: S1}, f"file {B} seq 1 type b newkey\n"),
    "path as name": lambda d: aof_dir(d, {B: S1}, "file dir/x seq 1 type b\n"),
    "empty manifest": lambda d: aof_dir(d, {}, ""),
    "nothing": lambda d: None,
    "empty dir": lambda d: os.makedirs(os.path.join(d, "appendonlydir")),
    "comments and new keys": lambda d: aof_dir(d, {B: S1, I1: S2},
                                               f"# c\nfile {B} seq 1 type b new v\n"
                                               f"file {I1} seq 1 type i\n"),
    "empty files": lambda d: aof_dir(d, {B: b"", I1: b""},
                                     f"file {B} seq 1 type b\nfile {I1} seq 1 type i\n"),
    "only incr": lambda d: aof_dir(d, {I1: S1}, f"file {I1} seq 1 type i\n"),
    "only base": lambda d: aof_dir(d, {B: S1}, f"file {B} seq 1 type b\n"),
    "two incrs": lambda d: aof_dir(d, {B: S1, I1: S2, I2: S3}, f"file {B} seq 1 type b\n"
                                   f"file {I1} seq 1 type i\nfile {I2} seq 2 type i\n"),
    "history deleted": lambda d: aof_dir(d, {B: S1, I1: S2, "old.aof": S3},
                                         f"file {B} seq 1 type b\nfile old.aof seq 5 type h\n"
                                         f"file {I1} seq 1 type i\n"),
    "truncated last": lambda d: aof_dir(d, {B: S1, I1: S2 + S3[:-3]},
                                        f"file {B} seq 1 type b\nfile {I1} seq 1 type i\n"),
    "garbage": lambda d: aof_dir(d, {B: S1, I1: S2 + b"!!\r\n" + S3},
                                 f"file {B} seq 1 type b\nfile {I1} seq 1 type i\n"),
    "quoted name": lambda d: aof_dir(d, {"a b.aof": S1}, 'file "a b.aof" seq 1 type b\n'),
    "legacy file": lambda d: legacy(d, S1 + S2),
    "legacy empty": lambda d: legacy(d, b""),
    "interrupted upgrade": lambda d: legacy(d, S1, "file appendonly.aof seq 1 type b\n"),
    "legacy in both places": lambda d: legacy(d, S1, "file appendonly.aof seq 1 type b\n", S2),
    "legacy name missing": lambda d: aof_dir(d, {I1: S2}, "file appendonly.aof seq 1 type b\n"
                                             f"file {I1} seq 1 type i\n"),
}


def start(binary, setup, extra=()):
    d = tempfile.mkdtemp(prefix="aof-layout-")
    try:
        setup(d)
        log = os.path.join(d, "log")
        port = free_port()
        with open(log, "wb") as lf:
            p = subprocess.Popen([binary, "--port", str(port), "--dir", d, "--appendonly", "yes",
                                  "--save", "", "--bind", "127.0.0.1", *extra],
                                 stdout=lf, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and p.poll() is None:
            with open(log, "rb") as f:
                if b"Ready to accept" in f.read():
                    break
            time.sleep(0.02)
        alive = p.poll() is None
        if alive:
            p.terminate()
            p.wait(10)
        with open(log, "rb") as f:
            text = f.read().decode(errors="replace")
        lines, seen = [], False
        for line in text.splitlines():
            if "Server initialized" in line:
                seen = True
                continue
            line = re.sub(r"^\d+:[A-Z] \d+ \w+ \d+ [\d:.]+ ", "", line)
            line = re.sub(r"\d+\.\d+ seconds", "T seconds", line)
            line = re.sub(r"RDB age \d+", "RDB age N", line)
            if seen and line and not NOISE.search(line):
                lines.append(line)
        aof = os.path.join(d, "appendonlydir")
        files = sorted(os.listdir(aof)) if os.path.isdir(aof) else []
        manifest = ""
        if os.path.exists(os.path.join(aof, "appendonly.aof.manifest")):
            with open(os.path.join(aof, "appendonly.aof.manifest")) as f:
                manifest = f.read()
        legacy_left = os.path.exists(os.path.join(d, "appendonly.aof"))
        return alive, lines, files, manifest, legacy_left
    finally:
        shutil.rmtree(d, ignore_errors=True)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_startup_matches_oracle(name):
    ours = start(carmine_binary(), SCENARIOS[name])
    theirs = start(redis_binary(), SCENARIOS[name])
    assert ours == theirs


def test_load_truncated_off_refuses_as_redis():
    setup = SCENARIOS["truncated last"]
    extra = ("--aof-load-truncated", "no")
    assert start(carmine_binary(), setup, extra) == start(redis_binary(), setup, extra)


def test_truncated_older_file_is_not_cut():
    """Redis trims a cut-off base even when incr files follow it, then refuses to start: the
    next start would load the trimmed base without complaint. Carmine refuses without trimming,
    so nothing more than what was already missing is lost."""
    d = tempfile.mkdtemp()
    try:
        aof_dir(d, {B: S1[:-3], I1: S2}, f"file {B} seq 1 type b\nfile {I1} seq 1 type i\n")
        out = subprocess.run([carmine_binary(), "--port", str(free_port()), "--dir", d,
                              "--appendonly", "yes", "--save", ""],
                             capture_output=True, text=True, timeout=20)
        assert out.returncode == 1
        assert "Fatal error: the truncated file is not the last file" in out.stdout + out.stderr
        assert os.path.getsize(os.path.join(d, "appendonlydir", B)) == len(S1) - 3
    finally:
        shutil.rmtree(d, ignore_errors=True)
