"""64-bit, time-ordered ids (snowflake layout) for rows created before they reach MySQL.

41 bits of milliseconds since 2024-01-01, 10 bits of worker id, 12 bits of sequence. Each container leases its
worker id in Redis (one HASH, so one script claims a free id atomically, on a cluster too) for LEASE_SECONDS and
checks and renews the lease whenever it is older than RENEW_AFTER_SECONDS, before issuing another id; a lease that
was lost (expired while the container was frozen, or taken over after a flush) is replaced by a new one. So two
live containers never share a worker id, however many containers came and went.
"""

from __future__ import annotations

import threading
import time
import uuid

from gophertok import keys
from gophertok.adapters.redis_client import get_redis

EPOCH_MS = 1_704_067_200_000
WORKER_BITS = 10
SEQUENCE_BITS = 12
_MAX_SEQUENCE = (1 << SEQUENCE_BITS) - 1
WORKERS = 1 << WORKER_BITS
LEASE_SECONDS = 300
RENEW_AFTER_SECONDS = 100

# KEYS[1] the leases HASH; ARGV[1] token, ARGV[2] lease ms, ARGV[3] first worker id to try. Claims the first
# worker id whose lease is missing or expired (Redis clock); returns it, or -1 when all are taken.
_CLAIM = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local workers = 1024
for i = 0, workers - 1 do
  local n = (tonumber(ARGV[3]) + i) % workers
  local lease = redis.call('HGET', KEYS[1], n)
  if not lease or tonumber(string.match(lease, ':(%d+)$')) < now then
    redis.call('HSET', KEYS[1], n, ARGV[1] .. ':' .. string.format('%.0f', now + tonumber(ARGV[2])))
    return n
  end
end
return -1
"""

# KEYS[1] the leases HASH; ARGV[1] worker id, ARGV[2] token, ARGV[3] lease ms. Extends the lease if this token
# still holds it and it has not expired; returns 1, else 0 (the lease is lost).
_RENEW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lease = redis.call('HGET', KEYS[1], ARGV[1])
if not lease then return 0 end
local token, expiry = string.match(lease, '^(.*):(%d+)$')
if token ~= ARGV[2] or tonumber(expiry) < now then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. ':' .. string.format('%.0f', now + tonumber(ARGV[3])))
return 1
"""


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


class WorkerLease:
    """This container's worker id, leased in Redis and checked again before use once the lease has aged."""

    def __init__(self) -> None:
        self.token = uuid.uuid4().hex
        self.worker_id: int | None = None
        self._checked_at = 0.0

    def current(self) -> int:
        now = time.time()
        if self.worker_id is not None and now - self._checked_at < RENEW_AFTER_SECONDS:
            return self.worker_id
        if self.worker_id is None or not self._renew(self.worker_id):
            self.worker_id = self._claim()
        self._checked_at = now
        return self.worker_id

    def _claim(self) -> int:
        redis = get_redis()
        first = uuid.uuid4().int % WORKERS  # spread containers over the id space
        claimed = int(
            redis.register_script(_CLAIM)(
                keys=[keys.ID_WORKER_LEASES], args=[self.token, LEASE_SECONDS * 1000, first], client=redis
            )
        )
        if claimed < 0:
            raise RuntimeError(f"all {WORKERS} snowflake worker ids are leased")
        return claimed

    def _renew(self, worker_id: int) -> bool:
        redis = get_redis()
        renewed = redis.register_script(_RENEW)(
            keys=[keys.ID_WORKER_LEASES], args=[worker_id, self.token, LEASE_SECONDS * 1000], client=redis
        )
        return bool(int(renewed))


_lease = WorkerLease()
_generator: IdGenerator | None = None
_generator_lock = threading.Lock()


def next_id() -> int:
    global _generator
    with _generator_lock:
        worker_id = _lease.current()
        if _generator is None or _generator.worker_id != worker_id:
            _generator = IdGenerator(worker_id)
        return _generator.next_id()
