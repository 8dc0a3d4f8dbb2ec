"""The local supervisor starts its programs again with backoff when they exit or are killed, and stops them all."""

from __future__ import annotations

import os
import signal
import sys
import threading
from pathlib import Path

from gophertok_local.supervisor import Program, Supervisor
from support.polling import wait_for

SLEEPER = [sys.executable, "-c", "import time; time.sleep(120)"]
CRASHER = [sys.executable, "-c", "raise SystemExit(3)"]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/status").read_text().find("State:\tZ") < 0


def test_a_killed_program_is_started_again_and_the_others_are_left_alone(tmp_path):
    sleeper, other = Program("sleeper", SLEEPER), Program("other", SLEEPER)
    supervisor = Supervisor([sleeper, other], pid_dir=tmp_path, backoff=(0.05, 0.2))
    thread = threading.Thread(target=supervisor.run, daemon=True)
    thread.start()
    try:
        wait_for(lambda: (tmp_path / "sleeper.pid").exists() and (tmp_path / "other.pid").exists(), timeout=10)
        killed, untouched = int((tmp_path / "sleeper.pid").read_text()), int((tmp_path / "other.pid").read_text())
        os.kill(killed, signal.SIGKILL)
        wait_for(lambda: int((tmp_path / "sleeper.pid").read_text()) != killed, timeout=10, what="a new sleeper")
        assert sleeper.starts == 2 and other.starts == 1
        assert int((tmp_path / "other.pid").read_text()) == untouched
        current = int((tmp_path / "sleeper.pid").read_text())
    finally:
        supervisor.stop()
        thread.join(timeout=20)
    assert not thread.is_alive()
    assert not _alive(current) and not _alive(untouched), "stopping the supervisor stops its programs"


def test_a_program_that_keeps_failing_is_started_again_with_growing_waits():
    crasher = Program("crasher", CRASHER)
    supervisor = Supervisor([crasher], backoff=(0.05, 0.4))
    thread = threading.Thread(target=supervisor.run, daemon=True)
    thread.start()
    try:
        wait_for(lambda: crasher.starts >= 5, timeout=20, what="five starts")
        assert crasher.failures >= 4  # each exit soon after its start counts: the wait doubles up to its cap
    finally:
        supervisor.stop()
        thread.join(timeout=20)
