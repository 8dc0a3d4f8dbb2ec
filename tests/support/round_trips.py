"""Count the Redis and SQL round trips of code run in this process (for the I/O budget tests).

Redis round trips are counted where they happen, on the connections, per node: one per command sent alone and one
per pipeline per node it reaches (the connection handshake is not counted). ``redis`` is the count of the busiest
node, which is what the budgets bound: on a standalone Redis that is every round trip; on a cluster
(REDIS_CLUSTER=true) a pipeline or MGET over three masters reaches each once, in parallel. ``redis_total`` sums the
nodes, ``redis_by_node`` shows them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import redis
import redis.connection

from gophertok.adapters import redis_client
from gophertok.adapters.mysql import get_database
from gophertok.config import get_settings


@dataclass
class RoundTrips:
    redis: int = 0
    sql: int = 0
    redis_total: int = 0
    redis_by_node: Counter = field(default_factory=Counter)


def counting_connection_class(per_node: Counter) -> type[redis.connection.Connection]:
    class CountingConnection(redis.connection.Connection):
        _handshaking = False

        def on_connect_check_health(self, check_health=True):
            self._handshaking = True
            try:
                return super().on_connect_check_health(check_health)
            finally:
                self._handshaking = False

        def send_packed_command(self, command, check_health=True):
            if not self._handshaking:
                per_node[f"{self.host}:{self.port}"] += 1
            return super().send_packed_command(command, check_health)

    return CountingConnection


def counting_client(per_node: Counter):
    """A client like the application's (standalone or cluster) whose connections count round trips."""
    settings = get_settings()
    options = {
        "decode_responses": True,
        "socket_timeout": settings.redis_timeout,
        "socket_connect_timeout": settings.redis_timeout,
    }
    counting = counting_connection_class(per_node)
    if not settings.redis_cluster:
        return redis.Redis.from_url(settings.redis_url, connection_class=counting, **options)
    client = redis_client.make_cluster_client(settings, **options)
    for node in client.get_nodes():  # the node clients exist once the slots are known
        pool = node.redis_connection.connection_pool
        pool.connection_class = counting
        pool.reset()  # drop the connections of the discovery, made before counting began
    return client


@contextmanager
def counting_round_trips() -> Iterator[RoundTrips]:
    """Swap in a counting Redis client for the block and report both counts when it ends."""
    per_node: Counter = Counter()
    counting = counting_client(per_node)
    original = redis_client.get_redis()
    database = get_database()
    sql_before = database.statements
    counts = RoundTrips()
    redis_client.set_redis(counting)
    try:
        yield counts
    finally:
        redis_client.set_redis(original)
        counts.redis_by_node = Counter(per_node)
        counts.redis = max(per_node.values(), default=0)
        counts.redis_total = sum(per_node.values())
        counts.sql = database.statements - sql_before
        counting.close()
