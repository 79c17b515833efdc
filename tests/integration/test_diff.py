# Copyright 2026 Carmine authors. SPDX-License-Identifier: BSD-3-Clause
"""Runs the differential harness (carmine-server vs Debian's redis-server) as part of the suite."""
import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(os.path.dirname(HERE), "diff", "run_diff.py")

pytestmark = pytest.mark.needs_process


@pytest.mark.parametrize("threads,seed", [("1", "1"), ("4", "2")])
def test_differential_against_redis(threads, seed):
    out = subprocess.run([sys.executable, SCRIPT, "--threads", threads, "--seed", seed],
                         capture_output=True, text=True, timeout=600)
    print(out.stdout)
    assert "cases compared" in out.stdout
    assert out.returncode == 0, out.stdout + out.stderr


def test_command_info_matches_redis():
    script = os.path.join(os.path.dirname(HERE), "diff", "command_info_diff.py")
    out = subprocess.run([sys.executable, script], capture_output=True, text=True, timeout=120)
    print(out.stdout)
    assert "commands compared" in out.stdout
    assert out.returncode == 0, out.stdout + out.stderr
