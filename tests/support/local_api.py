"""Start the local API (gateway, instance pool and event runners) as a subprocess, as `make run` does."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from gophertok_local.xray_collector import Collector
from support.polling import wait_for

REPO_ROOT = Path(__file__).resolve().parents[2]
LOG_DIR = REPO_ROOT / ".state" / "logs"
TRACE_STORE = REPO_ROOT / ".state" / "traces" / "test-segments.jsonl"  # read by the tracing tests


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _spawn(args: list[str], log_name: str, env: dict[str, str]) -> subprocess.Popen:
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log = open(LOG_DIR / log_name, "ab")  # noqa: SIM115 - closed with the process below
    return subprocess.Popen(args, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def running_api(with_consumers: bool = True, extra_env: dict[str, str] | None = None) -> Iterator[str]:
    """Yield the base URL of a freshly started local API (and consumers), tracing into TRACE_STORE.

    ``extra_env`` overrides settings for this instance only (e.g. strict rate limits).
    """
    port = free_port()
    collector = Collector(TRACE_STORE, port=0)
    threading.Thread(target=collector.serve, name="xray-collector", daemon=True).start()
    env = {
        **os.environ,
        **(extra_env or {}),
        "API_PORT": str(port),
        "AWS_XRAY_DAEMON_ADDRESS": collector.address,
        "LOG_FORMAT": "json",
    }
    processes = []
    try:
        # The consumers run inside the API's process, on its instance pool, as under `make run`.
        command = [sys.executable, "-m", "gophertok_local.api_server", "--host", "127.0.0.1", "--port", str(port)]
        processes.append(_spawn(command + (["--with-consumers"] if with_consumers else []), "test-api.log", env))
        base_url = f"http://127.0.0.1:{port}"

        def ready() -> bool:
            for process in processes:
                if process.poll() is not None:
                    raise AssertionError(f"local API process exited early; see {LOG_DIR}")
            try:
                return requests.get(base_url + "/douyin/ping-readiness", timeout=5).status_code == 404
            except (requests.ConnectionError, requests.Timeout):  # not listening yet, or a cold start
                return False

        wait_for(ready, timeout=30, what="the local API to listen")
        yield base_url
    finally:
        for process in processes:
            _stop(process)
        collector.stop()
