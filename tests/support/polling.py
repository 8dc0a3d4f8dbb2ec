"""Deadline-bounded polling for asynchronous results (never a fixed sleep)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable


def wait_for[T](
    probe: Callable[[], T | None], timeout: float = 20.0, interval: float = 0.1, what: str = "condition"
) -> T:
    """Call ``probe`` until it returns something truthy; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


def unique_name(prefix: str = "t") -> str:
    """A username-safe unique name (<= 32 characters)."""
    return f"{prefix}{uuid.uuid4().hex[:16]}"
