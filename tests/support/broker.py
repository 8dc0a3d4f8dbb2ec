"""Fault injection on this worktree's own Kafka broker: kill -9 it and start it again (pids under .state/run)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from support.aws import s3_client

ROOT = Path(__file__).resolve().parents[2]
PIDFILE = ROOT / ".state" / "run" / "kafka.pid"
DURABLE = "s3://gophertok-kafka/"  # KAFKA_STORAGE_ENGINE of the durable broker (infra/services/kafka.sh)


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


def start_broker(storage: str | None = None) -> None:
    """Start the broker again the way `make up` does (only dead services are started); ``storage`` overrides
    KAFKA_STORAGE_ENGINE (``memory://tansu/`` gives a broker that forgot everything)."""
    env = dict(os.environ)
    if storage:
        env["KAFKA_STORAGE_ENGINE"] = storage
    stack = [str(ROOT / "infra" / "stack.sh"), "up"]
    subprocess.run(stack, check=True, capture_output=True, timeout=120, cwd=ROOT, env=env)


def restart_broker(storage: str | None = None) -> None:
    kill_broker()
    start_broker(storage)


def empty_durable_storage() -> None:
    """Delete the durable broker's objects (with the broker stopped), so every fault run starts from a fresh log
    and the emulator does not keep growing."""
    bucket = DURABLE.removeprefix("s3://").strip("/")
    s3 = s3_client()
    with contextlib.suppress(s3.exceptions.NoSuchBucket):
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            objects = [{"Key": item["Key"]} for item in page.get("Contents", [])]
            if objects:
                s3.delete_objects(Bucket=bucket, Delete={"Objects": objects, "Quiet": True})


@contextmanager
def durable_broker() -> Iterator[None]:
    """Run the block on a fresh durable (S3-backed) broker, then give back the broker `make up` starts."""
    kill_broker()
    empty_durable_storage()
    start_broker(DURABLE)
    try:
        yield
    finally:
        restart_broker()
        empty_durable_storage()
