"""Lambda's concurrency model locally: a pool of warm function instances, each a separate process.

- An instance runs one function (``gophertok_local.instance``) and one invocation at a time.
- An invocation takes a warm idle instance of its function if there is one; otherwise the pool starts
  a new one (a cold start: its init duration is reported, as Lambda's ``Init Duration``).
- At most ``max_concurrency`` invocations run at once across all functions (Lambda's account
  concurrency); more wait for a free slot. Default: cores x 2 (setting ``LOCAL_MAX_CONCURRENCY``).
- Idle instances stay warm; the least recently used idle one is stopped when the pool holds
  ``max_instances`` live processes, and any idle longer than ``idle_seconds`` is reclaimed.
- An invocation that outlives ``timeout_seconds`` kills its instance ("Task timed out"), as Lambda does;
  an init that outlives 10 s fails the invocation.

Each instance's stdout/stderr (the function's JSON logs) goes to ``log_sink(function, text)``, whole lines
at a time (several lines of one invocation arrive together, one per line, without the last newline).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import select
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

from gophertok.config import get_settings
from gophertok_local.functions import REPO_ROOT
from gophertok_local.instance import HEADER, encode

LogSink = Callable[[str, str], None]
INIT_TIMEOUT_SECONDS = 10.0  # Lambda's limit on the init phase
_instance_ids = itertools.count(1)


def default_max_concurrency() -> int:
    """``LOCAL_MAX_CONCURRENCY``, or twice the cores when it is 0 or unset."""
    return get_settings().local_max_concurrency or max(1, (os.cpu_count() or 1) * 2)


def _stderr_sink(function: str, line: str) -> None:
    sys.stderr.write(line + "\n")


class FunctionError(Exception):
    """The function failed (raised, timed out or its process died); carries Lambda's error document."""

    def __init__(self, function: str, error: dict[str, Any]) -> None:
        super().__init__(f"{function}: {error.get('errorType')}: {error.get('errorMessage')}")
        self.function = function
        self.error = error


@dataclass
class Invocation:
    """One invocation's outcome and the figures Lambda's REPORT line carries."""

    function: str
    request_id: str = ""
    result: Any = None
    error: dict[str, Any] | None = None
    duration_ms: float = 0.0  # inside the handler
    total_ms: float = 0.0  # as the caller saw it (queueing, init and IPC included)
    init_ms: float | None = None  # set on a cold start
    redis: int = 0
    sql: int = 0
    max_memory_mb: int = 0
    instance: int = 0

    @property
    def cold(self) -> bool:
        return self.init_ms is not None

    def raise_for_error(self) -> Any:
        if self.error is not None:
            raise FunctionError(self.function, self.error)
        return self.result


@dataclass
class Instance:
    function: str
    process: subprocess.Popen
    requests: int  # fd the instance reads invocations from
    replies: int  # fd it answers on
    id: int = field(default_factory=lambda: next(_instance_ids))
    last_used: float = field(default_factory=time.monotonic)
    init_ms: float | None = None
    _reader: threading.Thread | None = None
    _buffer: bytearray = field(default_factory=bytearray)  # reply bytes read ahead

    def send(self, message: bytes) -> None:
        view = memoryview(HEADER.pack(len(message)) + message)
        while view:
            view = view[os.write(self.requests, view) :]

    def receive(self, timeout: float) -> dict[str, Any] | None:
        """The next reply; None if the process closed the pipe; TimeoutError past ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        buffer = self._buffer
        while True:
            if len(buffer) >= HEADER.size:
                end = HEADER.size + HEADER.unpack_from(buffer)[0]
                if len(buffer) >= end:
                    data = bytes(buffer[HEADER.size : end])
                    del buffer[:end]
                    return orjson.loads(data)
            wait = deadline - time.monotonic()
            if wait <= 0 or not select.select([self.replies], [], [], wait)[0]:
                raise TimeoutError
            chunk = os.read(self.replies, 1 << 20)
            if not chunk:
                return None
            buffer += chunk

    def stop(self) -> None:
        for fd in (self.requests, self.replies):
            with contextlib.suppress(OSError):
                os.close(fd)
        if self.process.poll() is None:
            self.process.terminate()  # closing its request pipe already ends its loop; this is for a stuck one
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self._reader is not None:
            self._reader.join(timeout=5)


class InstancePool:
    def __init__(
        self,
        *,
        max_concurrency: int | None = None,
        max_instances: int | None = None,
        idle_seconds: float = 600.0,
        timeout_seconds: float = 30.0,
        log_sink: LogSink | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        self.max_concurrency = max_concurrency or default_max_concurrency()
        self.max_instances = max(max_instances or 4 * self.max_concurrency, self.max_concurrency, 32)
        self.idle_seconds = idle_seconds
        self.timeout_seconds = timeout_seconds
        self.log_sink = log_sink or _stderr_sink
        self.env = {**os.environ, **(env or {})}
        self.env.pop("PYTHONUNBUFFERED", None)  # an instance flushes its logs once per invocation
        self._cond = threading.Condition()
        self._idle: dict[str, list[Instance]] = defaultdict(list)
        self._live = 0  # processes started or starting, idle or busy
        self._running = 0  # invocations holding a concurrency slot
        self._closed = False
        self.cold_starts = 0
        self.peak_running = 0

    # -- public -------------------------------------------------------------------------------

    def invoke(self, function: str, event: dict[str, Any]) -> Invocation:
        """Run ``event`` through a warm (or new) instance of ``function``; never raises for the function's
        own failure (see ``Invocation.error``)."""
        started = time.perf_counter()
        payload = encode({"event": event, "timeout_seconds": self.timeout_seconds})
        instance = self._acquire(function)
        outcome = Invocation(function, instance=0)
        keep = False
        try:
            if instance is None:
                instance, init_error = self._start(function)
                if init_error is not None:
                    outcome.error = init_error
                    outcome.total_ms = round((time.perf_counter() - started) * 1000, 3)
                    return outcome
                outcome.init_ms = instance.init_ms
            outcome.instance = instance.id
            keep = self._exchange(instance, payload, outcome)
        finally:
            self._release(instance, keep)
        outcome.total_ms = round((time.perf_counter() - started) * 1000, 3)
        return outcome

    def handler(self, function: str, on_done: Callable[[Invocation, dict[str, Any]], None] | None = None):
        """A ``handler(event, context)`` that invokes through the pool and raises FunctionError on failure
        (what the Kafka and SQS runners call)."""

        def handle(event: dict[str, Any], context: Any = None) -> Any:
            outcome = self.invoke(function, event)
            if on_done is not None:
                on_done(outcome, event)
            return outcome.raise_for_error()

        handle.__name__ = f"{function}_via_pool"
        return handle

    def stats(self) -> dict[str, int]:
        with self._cond:
            return {
                "live": self._live,
                "running": self._running,
                "idle": sum(len(v) for v in self._idle.values()),
                "cold_starts": self.cold_starts,
                "peak_running": self.peak_running,
            }

    def close(self) -> None:
        with self._cond:
            self._closed = True
            idle = [instance for instances in self._idle.values() for instance in instances]
            self._idle.clear()
            self._live -= len(idle)
            self._cond.notify_all()
        for instance in idle:
            instance.stop()

    # -- slots and instances ----------------------------------------------------------------

    def _acquire(self, function: str) -> Instance | None:
        """Take a concurrency slot and a warm instance of ``function`` (None: the caller starts one)."""
        evicted: list[Instance] = []
        with self._cond:
            while self._running >= self.max_concurrency:
                if self._closed:
                    raise RuntimeError("the instance pool is closed")
                self._cond.wait()
            self._running += 1
            self.peak_running = max(self.peak_running, self._running)
            evicted = self._reap_idle()
            idle = self._idle[function]
            instance = idle.pop() if idle else None  # the most recently used: the warmest
            if instance is None:
                while self._live >= self.max_instances and (victim := self._least_recently_used_idle()):
                    evicted.append(victim)
                self._live += 1
                self.cold_starts += 1
        for victim in evicted:
            victim.stop()
        return instance

    def _release(self, instance: Instance | None, keep: bool) -> None:
        with self._cond:
            self._running -= 1
            if instance is not None and keep and not self._closed:
                instance.last_used = time.monotonic()
                self._idle[instance.function].append(instance)
            else:
                self._live -= 1
            self._cond.notify()
        if instance is not None and not (keep and not self._closed):
            instance.stop()

    def _least_recently_used_idle(self) -> Instance | None:
        candidates = [(instances[0].last_used, function) for function, instances in self._idle.items() if instances]
        if not candidates:
            return None
        _, function = min(candidates)
        self._live -= 1
        return self._idle[function].pop(0)

    def _reap_idle(self) -> list[Instance]:
        cutoff = time.monotonic() - self.idle_seconds
        reaped: list[Instance] = []
        for instances in self._idle.values():
            while instances and instances[0].last_used < cutoff:
                reaped.append(instances.pop(0))
        self._live -= len(reaped)
        return reaped

    def _start(self, function: str) -> tuple[Instance, dict[str, Any] | None]:
        """Start an instance and wait for its init to finish: (instance, init error or None)."""
        started = time.perf_counter()
        request_read, request_write = os.pipe()
        reply_read, reply_write = os.pipe()
        process = subprocess.Popen(
            [sys.executable, "-m", "gophertok_local.instance", function, str(request_read), str(reply_write)],
            cwd=REPO_ROOT,
            env={**self.env, "AWS_LAMBDA_FUNCTION_NAME": function},
            pass_fds=(request_read, reply_write),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        os.close(request_read)
        os.close(reply_write)
        instance = Instance(function, process, request_write, reply_read)
        instance._reader = threading.Thread(
            target=self._forward_logs, args=(instance,), name=f"logs-{function}-{instance.id}", daemon=True
        )
        instance._reader.start()
        try:
            ready = instance.receive(max(INIT_TIMEOUT_SECONDS, self.timeout_seconds))
        except TimeoutError:
            ready = {"ready": False, "error": {"errorType": "InitTimeout", "errorMessage": "init timed out"}}
        if ready is None:
            ready = {"ready": False, "error": {"errorType": "Runtime.ExitError", "errorMessage": "init exited"}}
        instance.init_ms = round((time.perf_counter() - started) * 1000, 3)
        return instance, None if ready.get("ready") else ready.get("error") or {"errorType": "InitError"}

    def _exchange(self, instance: Instance, payload: bytes, outcome: Invocation) -> bool:
        """Send one invocation and fill ``outcome`` from the reply; False if the instance must go."""
        try:
            instance.send(payload)
            reply = instance.receive(self.timeout_seconds)
        except TimeoutError:
            outcome.error = {
                "errorType": "Sandbox.Timedout",
                "errorMessage": f"Task timed out after {self.timeout_seconds:.2f} seconds",
            }
            return False
        except OSError as exc:
            reply = None
            outcome.error = {"errorType": "Runtime.ExitError", "errorMessage": repr(exc)}
        if reply is None:
            outcome.error = outcome.error or {
                "errorType": "Runtime.ExitError",
                "errorMessage": f"the instance exited (code {instance.process.poll()})",
            }
            return False
        outcome.request_id = reply.get("request_id", "")
        outcome.result = reply.get("result")
        outcome.error = reply.get("error")
        outcome.duration_ms = reply.get("duration_ms", 0.0)
        outcome.redis = reply.get("redis", 0)
        outcome.sql = reply.get("sql", 0)
        outcome.max_memory_mb = reply.get("max_memory_mb", 0)
        return True

    def _forward_logs(self, instance: Instance) -> None:
        """Hand the instance's output to the sink, as whole lines, as many at a time as have arrived."""
        stream = instance.process.stdout
        assert stream is not None
        pending = b""
        while chunk := os.read(stream.fileno(), 1 << 16):
            pending += chunk
            complete, newline, pending = pending.rpartition(b"\n")
            if newline:
                text = complete.decode("utf-8", "replace").strip("\n")
                if text:
                    self.log_sink(instance.function, text)
            else:
                pending = complete + pending
        if pending.strip():
            self.log_sink(instance.function, pending.decode("utf-8", "replace").strip("\n"))
        stream.close()
