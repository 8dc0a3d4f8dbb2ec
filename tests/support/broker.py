"""Fault injection on this worktree's own Kafka broker: kill -9 it and start it again (pids under .state/run)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PIDFILE = ROOT / ".state" / "run" / "kafka.pid"


def broker_pid() -> int:
    pid = int(PIDFILE.read_text().strip())
    cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    assert b"tansu" in cmdline, f"pid {pid} in {PIDFILE} is not our broker"
    return pid


def kill_broker() -> None:
    """SIGKILL the broker (no clean shutdown) and wait until it is gone."""
    pid = broker_pid()
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)


def start_broker() -> None:
    """Start the broker again the way `make up` does (only dead services are started)."""
    subprocess.run([str(ROOT / "infra" / "stack.sh"), "up"], check=True, capture_output=True, timeout=120, cwd=ROOT)


def restart_broker() -> None:
    kill_broker()
    start_broker()
