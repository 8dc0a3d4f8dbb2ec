"""Count the Redis and SQL round trips of code run in this process (for the I/O budget tests)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import redis

from gophertok.adapters import redis_client
from gophertok.adapters.mysql import get_database
from gophertok.config import get_settings


class CountingRedis(redis.Redis):
    """A standalone client that counts commands sent alone and pipelines (each one round trip)."""

    round_trips = 0

    def execute_command(self, *args, **options):
        self.round_trips += 1
        return super().execute_command(*args, **options)

    def pipeline(self, transaction=True, shard_hint=None):
        pipe = super().pipeline(transaction=transaction, shard_hint=shard_hint)
        send = pipe.execute

        def execute(*args, **kwargs):
            self.round_trips += 1
            return send(*args, **kwargs)

        pipe.execute = execute
        return pipe


@dataclass
class RoundTrips:
    redis: int = 0
    sql: int = 0


@contextmanager
def counting_round_trips() -> Iterator[RoundTrips]:
    """Swap in a counting Redis client for the block and report both counts when it ends."""
    settings = get_settings()
    counting = CountingRedis.from_url(
        settings.redis_url,
        decode_responses=True,
        socket_timeout=settings.redis_timeout,
        socket_connect_timeout=settings.redis_timeout,
    )
    assert isinstance(counting, CountingRedis)
    original = redis_client.get_redis()
    database = get_database()
    sql_before = database.statements
    counts = RoundTrips()
    redis_client.set_redis(counting)
    try:
        yield counts
    finally:
        redis_client.set_redis(original)
        counts.redis = counting.round_trips
        counts.sql = database.statements - sql_before
        counting.close()
