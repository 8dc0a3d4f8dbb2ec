"""Run event-source worker threads (Kafka or SQS) until the process is told to stop."""

from __future__ import annotations

import signal
import threading
from collections.abc import Sequence
from typing import Protocol


class Worker(Protocol):
    def start(self) -> None: ...
    def stop(self) -> None: ...
    def is_alive(self) -> bool: ...
    def join(self, timeout: float | None = None) -> None: ...


def run_until_signalled(workers: Sequence[Worker]) -> int:
    """Start ``workers``; on SIGINT/SIGTERM stop and join them. Returns 1 if a worker died on its own."""
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    for worker in workers:
        worker.start()
    while not stop.is_set() and all(worker.is_alive() for worker in workers):
        stop.wait(0.5)
    for worker in workers:
        worker.stop()
    for worker in workers:
        worker.join(timeout=10)
    return 0 if stop.is_set() else 1
