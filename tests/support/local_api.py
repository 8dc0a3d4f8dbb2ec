"""Start the local API and its consumers as `make run` does: the supervisor with its two processes (the gateway with
its instance pool, and the event-source runners), which fault tests may kill to watch them come back."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

from gophertok_local.supervisor import STOP_GRACE_SECONDS
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
        process.wait(timeout=2 * STOP_GRACE_SECONDS)  # the supervisor gives its programs STOP_GRACE_SECONDS
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@dataclass
class LocalApi:
    url: str
    pid_dir: Path

    def pid(self, program: str) -> int:
        """The current process of ``program`` ("api" or "consumers")."""
        return int((self.pid_dir / f"{program}.pid").read_text())

    def kill(self, program: str) -> int:
        """kill -9 ``program``'s process (its supervisor starts it again); returns the killed pid."""
        pid = self.pid(program)
        os.kill(pid, signal.SIGKILL)
        return pid

    def wait_restarted(self, program: str, killed: int, timeout: float = 30) -> None:
        wait_for(lambda: self.pid(program) != killed, timeout=timeout, what=f"{program} to be started again")
        if program == "api":
            wait_for(self._listening, timeout=timeout, what="the local API to listen again")

    def _listening(self) -> bool:
        try:
            return requests.get(self.url + "/douyin/ping-readiness", timeout=5).status_code == 404
        except (requests.ConnectionError, requests.Timeout):  # not listening yet, or a cold start
            return False


@contextmanager
def local_api(with_consumers: bool = True, extra_env: dict[str, str] | None = None) -> Iterator[LocalApi]:
    """A freshly started supervisor with the local API (and consumers), tracing into TRACE_STORE.

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
    with tempfile.TemporaryDirectory(prefix="local-api-") as pids:
        command = [sys.executable, "-m", "gophertok_local.supervisor", "--host", "127.0.0.1", "--port", str(port)]
        command += ["--pid-dir", pids, *([] if with_consumers else ["--no-consumers"])]
        supervisor = _spawn(command, "test-api.log", env)
        api = LocalApi(f"http://127.0.0.1:{port}", Path(pids))
        try:

            def ready() -> bool:
                if supervisor.poll() is not None:
                    raise AssertionError(f"the local API's supervisor exited early; see {LOG_DIR}")
                return api._listening()

            wait_for(ready, timeout=30, what="the local API to listen")
            yield api
        finally:
            _stop(supervisor)
            collector.stop()


@contextmanager
def running_api(with_consumers: bool = True, extra_env: dict[str, str] | None = None) -> Iterator[str]:
    """Yield the base URL of a freshly started local API (and consumers); see local_api()."""
    with local_api(with_consumers, extra_env) as api:
        yield api.url
