"""Redis through redis-py: a standalone client locally, a cluster client on ElastiCache cluster mode.

Keys that must be read or written together in one pipeline share a ``{hash tag}`` so the pipeline
stays on one slot in cluster mode.
"""

from __future__ import annotations

from typing import Any, cast

import redis
import redis.client
import redis.cluster

from gophertok import tracing
from gophertok.config import Settings, get_settings

_client: redis.Redis | redis.cluster.RedisCluster | None = None


class _TracedPipeline(redis.client.Pipeline):
    def execute(self, raise_on_error: bool = True) -> list[Any]:
        with tracing.subsegment("redis", kind="pipeline", commands=len(self.command_stack)):
            return super().execute(raise_on_error)


class TracedRedis(redis.Redis):
    """redis.Redis whose round trips (single commands and pipelines) appear as X-Ray subsegments."""

    def execute_command(self, *args: Any, **options: Any) -> Any:
        with tracing.subsegment("redis", kind=str(args[0]) if args else "?", keys=max(0, len(args) - 1)):
            return super().execute_command(*args, **options)  # type: ignore[no-untyped-call]  # untyped in redis-py

    def pipeline(self, transaction: bool = True, shard_hint: str | None = None) -> redis.client.Pipeline:
        return _TracedPipeline(self.connection_pool, self.response_callbacks, transaction, shard_hint)


def make_client(settings: Settings) -> redis.Redis | redis.cluster.RedisCluster:
    options = {
        "socket_timeout": settings.redis_timeout,
        "socket_connect_timeout": settings.redis_timeout,
        "decode_responses": True,
        "health_check_interval": 30,
    }
    if settings.redis_cluster:
        return redis.cluster.RedisCluster.from_url(settings.redis_url, **options)
    return TracedRedis.from_url(settings.redis_url, **options)


def get_redis() -> redis.Redis | redis.cluster.RedisCluster:
    """The container-wide client (connections are pooled and reused across invocations)."""
    global _client
    if _client is None:
        _client = make_client(get_settings())
    return _client


def set_redis(client: redis.Redis | redis.cluster.RedisCluster | None) -> None:
    """Inject a client (tests count round trips through a wrapped one)."""
    global _client
    _client = client


# What a caller's batch is, standalone or cluster: helpers that take ``pipe`` queue their commands into it.
Pipeline = redis.client.Pipeline | redis.cluster.ClusterPipeline

REDIS_ERRORS = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


def mget(client: redis.Redis | redis.cluster.RedisCluster, keys: list[str]) -> list[str | None]:
    """MGET that also works when the keys live on different cluster slots."""
    if not keys:
        return []
    # decode_responses=True: the values are str
    if isinstance(client, redis.cluster.RedisCluster):
        return cast("list[str | None]", client.mget_nonatomic(keys))
    return cast("list[str | None]", client.mget(keys))


ScriptArg = str | int | float


def run_script_per_key(source: str, calls: list[tuple[str, list[ScriptArg]]]) -> list[Any]:
    """Run a one-key Lua script once per (key, args) call: pipelined on a standalone client (one round
    trip), one call after another on a cluster client (whose pipelines cannot carry scripts)."""
    if not calls:
        return []
    client = get_redis()
    script = client.register_script(source)
    if isinstance(client, redis.cluster.RedisCluster):
        return [script(keys=[key], args=args) for key, args in calls]
    pipe = client.pipeline(transaction=False)
    for key, args in calls:
        script(keys=[key], args=args, client=pipe)
    return pipe.execute()
