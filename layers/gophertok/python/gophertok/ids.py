"""64-bit, time-ordered ids (snowflake layout) for rows created before they reach MySQL.

41 bits of milliseconds since 2024-01-01, 10 bits of worker id, 12 bits of sequence. The worker id
is leased from a Redis counter once per container, so concurrent Lambda containers do not collide.
"""

from __future__ import annotations

import threading
import time

from gophertok import keys
from gophertok.adapters.redis_client import get_redis

EPOCH_MS = 1_704_067_200_000
WORKER_BITS = 10
SEQUENCE_BITS = 12
_MAX_SEQUENCE = (1 << SEQUENCE_BITS) - 1


class IdGenerator:
    def __init__(self, worker_id: int) -> None:
        self.worker_id = worker_id % (1 << WORKER_BITS)
        self._lock = threading.Lock()
        self._last_ms = -1
        self._sequence = 0

    def next_id(self) -> int:
        with self._lock:
            now = int(time.time() * 1000)
            if now < self._last_ms:
                now = self._last_ms  # clock stepped back: keep ids increasing
            if now == self._last_ms:
                self._sequence = (self._sequence + 1) & _MAX_SEQUENCE
                if self._sequence == 0:
                    while now <= self._last_ms:
                        now = int(time.time() * 1000)
            else:
                self._sequence = 0
            self._last_ms = now
            return (
                ((now - EPOCH_MS) << (WORKER_BITS + SEQUENCE_BITS)) | (self.worker_id << SEQUENCE_BITS) | self._sequence
            )


def version_from_redis_time(at_us: int) -> int:
    """A version in the id layout from a Redis ``TIME`` in microseconds (unique and increasing per clock key):
    the millisecond in the time bits, the microseconds within it in the worker and sequence bits. Versions stay
    comparable with versions issued as ids before, and order follows the one Redis clock."""
    ms, micros = divmod(at_us, 1000)
    return ((ms - EPOCH_MS) << (WORKER_BITS + SEQUENCE_BITS)) | (micros << SEQUENCE_BITS)


def timestamp_ms(generated_id: int) -> int:
    """The millisecond an id was generated in."""
    return (generated_id >> (WORKER_BITS + SEQUENCE_BITS)) + EPOCH_MS


_generator: IdGenerator | None = None
_generator_lock = threading.Lock()


def next_id() -> int:
    global _generator
    with _generator_lock:
        if _generator is None:
            _generator = IdGenerator(int(get_redis().incr(keys.ID_WORKER_COUNTER)))
    return _generator.next_id()
