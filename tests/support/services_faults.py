"""Fault injection on this worktree's own MariaDB and Redis: kill -9 them (pids under .state/run, checked against
the process's command line), keep them down for a while, start them again the way `make up` does, flush Redis."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pymysql
import redis

ROOT = Path(__file__).resolve().parents[2]
RUN = ROOT / ".state" / "run"
PROCESS_NAMES = {"mariadb": b"mariadbd", "redis": b"redis-server"}  # as infra/services/*.sh start them


def service_pid(service: str) -> int:
    pid = int((RUN / f"{service}.pid").read_text().strip())
    cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    assert PROCESS_NAMES[service] in cmdline, f"pid {pid} in .state/run/{service}.pid is not our {service}"
    return pid


def kill_service(service: str) -> None:
    """SIGKILL the service (no clean shutdown) and wait until it is gone."""
    pid = service_pid(service)
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not Path(f"/proc/{pid}").exists(), f"{service} (pid {pid}) survived SIGKILL for 10 s"


def answers(service: str) -> bool:
    """True when the service accepts a connection and answers a trivial command."""
    try:
        if service == "redis":
            client = redis.Redis.from_url(os.environ["REDIS_URL"], socket_timeout=1, socket_connect_timeout=1)
            try:
                return bool(client.ping())
            finally:
                client.close()
        connection = pymysql.connect(
            host=os.environ.get("MYSQL_HOST", "127.0.0.1"),
            port=int(os.environ["MYSQL_PORT"]),
            user=os.environ["MYSQL_USER"],
            password=os.environ["MYSQL_PASSWORD"],
            database=os.environ.get("MYSQL_DATABASE", "gophertok"),
            connect_timeout=1,
        )
        connection.close()
        return True
    except (redis.RedisError, pymysql.err.MySQLError, OSError):
        return False


def start_service(service: str, timeout: float = 120) -> float:
    """Start every dead service of the stack (`infra/stack.sh up`) and return the monotonic time at which
    ``service`` answered again (before the stack's idempotent post-start steps have finished)."""
    stack = subprocess.Popen(
        [str(ROOT / "infra" / "stack.sh"), "up"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + timeout
    back_at = None
    while back_at is None:
        if answers(service):
            back_at = time.monotonic()
        elif stack.poll() not in (None, 0) or time.monotonic() > deadline:
            output = stack.communicate(timeout=30)[0].decode(errors="replace")
            raise AssertionError(f"{service} did not come back ({stack.returncode}):\n{output[-2000:]}")
        else:
            time.sleep(0.05)
    output = stack.communicate(timeout=max(1.0, deadline - time.monotonic()))[0].decode(errors="replace")
    assert stack.returncode == 0, f"infra/stack.sh up failed after {service} came back:\n{output[-2000:]}"
    return back_at


def take_down(service: str, seconds: float) -> float:
    """kill -9 ``service``, keep it down ``seconds``, start it again; return when it answered again (monotonic)."""
    kill_service(service)
    time.sleep(seconds)  # the outage itself: its length is the fault being injected
    return start_service(service)


def flush_redis() -> None:
    """FLUSHALL this worktree's Redis (the read model must rebuild itself from MySQL)."""
    client = redis.Redis.from_url(os.environ["REDIS_URL"], socket_timeout=5)
    try:
        client.flushall()
    finally:
        client.close()
