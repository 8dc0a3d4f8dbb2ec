"""Redis through redis-py: a standalone client locally, a cluster client on ElastiCache cluster mode.

Keys that must be read or written together in one pipeline share a ``{hash tag}`` so the pipeline
stays on one slot in cluster mode.

On a cluster: several seed nodes (REDIS_CLUSTER_NODES, or a comma list of hosts in REDIS_URL) so a cold start
works while one node is down; a small retry budget (a failover is a 503 the client retries, not a request held
for seconds in client-side retries); cluster errors count as Redis being unavailable; commands and pipelines are
traced like the standalone client's.
"""

from __future__ import annotations

import contextlib
from typing import Any, cast
from urllib.parse import unquote, urlparse

import redis
import redis.backoff
import redis.client
import redis.cluster
import redis.retry

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


def _traced_cluster_pipeline(pipe: redis.cluster.ClusterPipeline) -> redis.cluster.ClusterPipeline:
    send = pipe.execute

    def execute(raise_on_error: bool = True) -> list[Any]:
        with tracing.subsegment("redis", kind="pipeline", commands=len(pipe.command_stack)):
            return send(raise_on_error)

    pipe.execute = execute  # type: ignore[method-assign]
    return pipe


class TracedRedisCluster(redis.cluster.RedisCluster):
    """RedisCluster whose commands and pipelines appear as X-Ray subsegments, like TracedRedis."""

    def execute_command(self, *args: Any, **kwargs: Any) -> Any:
        with tracing.subsegment("redis", kind=str(args[0]) if args else "?", keys=max(0, len(args) - 1)):
            return super().execute_command(*args, **kwargs)  # type: ignore[no-untyped-call]  # untyped in redis-py

    def pipeline(self, transaction: Any = None, shard_hint: Any = None) -> redis.cluster.ClusterPipeline:
        return _traced_cluster_pipeline(
            super().pipeline(transaction=transaction, shard_hint=shard_hint)  # type: ignore[no-untyped-call]
        )


# A failover makes the cluster answer CLUSTERDOWN/TRYAGAIN/MOVED for seconds: retry briefly, then answer 503.
CLUSTER_RETRIES = 2


def seed_nodes(settings: Settings) -> list[tuple[str, int]]:
    """The cluster's seed nodes: REDIS_CLUSTER_NODES, else every host:port of REDIS_URL (comma-separated)."""
    listed = settings.redis_cluster_nodes or urlparse(settings.redis_url).netloc.rpartition("@")[2]
    nodes = []
    for entry in listed.split(","):
        host, _, port = entry.strip().rpartition(":")
        if host or port:
            nodes.append((host or "127.0.0.1", int(port or 6379)))
    return nodes


def make_cluster_client(settings: Settings, **options: Any) -> TracedRedisCluster:
    url = urlparse(settings.redis_url.split(",")[0])
    return TracedRedisCluster(
        startup_nodes=[
            redis.cluster.ClusterNode(host, port)  # type: ignore[no-untyped-call]  # untyped in redis-py
            for host, port in seed_nodes(settings)
        ],
        username=unquote(url.username) if url.username else None,
        password=unquote(url.password) if url.password else None,
        ssl=url.scheme == "rediss",
        retry=redis.retry.Retry(redis.backoff.ExponentialBackoff(cap=0.2, base=0.05), CLUSTER_RETRIES),
        **options,
    )


def client_options(settings: Settings) -> dict[str, Any]:
    return {
        "socket_timeout": settings.redis_timeout,
        "socket_connect_timeout": settings.redis_timeout,
        "decode_responses": True,
        "health_check_interval": 30,
        # RESP2: redis-py 8 speaks RESP3 by default and converts its answers back to the RESP2 shapes, which
        # re-encodes every sorted-set score as text to parse it again (a third of a 500-entry list page's work).
        "protocol": 2,
    }


def make_client(settings: Settings) -> redis.Redis | redis.cluster.RedisCluster:
    options = client_options(settings)
    if settings.redis_cluster:
        return make_cluster_client(settings, **options)
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

# Errors that mean "Redis is unavailable right now" (answered 503): lost connections and, on a cluster, a
# failover in progress (CLUSTERDOWN, MASTERDOWN, TRYAGAIN, endless MOVED/ASK, a write to a demoted master, slots
# not covered, no node reachable).
REDIS_ERRORS = (
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    redis.exceptions.ClusterError,
    redis.exceptions.TryAgainError,
    redis.exceptions.AskError,
    redis.exceptions.ReadOnlyError,
    redis.exceptions.RedisClusterException,
)


def mget(client: redis.Redis | redis.cluster.RedisCluster, keys: list[str]) -> list[str | None]:
    """MGET that also works when the keys live on different cluster slots."""
    if not keys:
        return []
    # decode_responses=True: the values are str
    if isinstance(client, redis.cluster.RedisCluster):
        return cast("list[str | None]", client.mget_nonatomic(keys))
    return cast("list[str | None]", client.mget(keys))


# KEYS the counter hashes; ARGV the fields. One reply: per hash, its fields' values as integers (a field it lacks: 0),
# or nil when the hash is missing. Integers travel as RESP integers, which the reply parser makes ints in C.
_COUNTERS_MANY = """
local found = {}
for i, key in ipairs(KEYS) do
  local values = redis.call('HMGET', key, unpack(ARGV))
  local any = false
  for j = 1, #ARGV do
    if values[j] then
      any = true
      values[j] = tonumber(values[j])
    else
      values[j] = 0
    end
  end
  found[i] = any and values
end
return found
"""


def counters_many(
    client: redis.Redis | redis.cluster.RedisCluster, keys: list[str], fields: list[str]
) -> list[list[int] | None]:
    """The integer ``fields`` of every counter hash in ``keys`` (a field the hash lacks reads 0; None for a missing
    hash). On a standalone client one script call: a pipeline of 500 HMGETs spends most of a list's handler time in
    redis-py's per-command packing and parsing. On a cluster (whose keys span slots) a pipeline, which the client
    splits by node."""
    if not keys:
        return []
    if isinstance(client, redis.cluster.RedisCluster):
        pipe = client.pipeline(transaction=False)  # type: ignore[no-untyped-call]
        for key in keys:
            pipe.hmget(key, fields)
        return [
            [int(value or 0) for value in values] if any(value is not None for value in values) else None
            for values in pipe.execute()
        ]
    script = client.register_script(_COUNTERS_MANY)
    return cast("list[list[int] | None]", script(keys=keys, args=fields, client=client))


# KEYS sorted sets of integer scores. One reply: per set, its highest member and score (an integer), or nil when the
# set is missing.
_HIGHEST_MANY = """
local found = {}
for i, key in ipairs(KEYS) do
  local top = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
  found[i] = top[1] ~= nil and {top[1], tonumber(top[2])}
end
return found
"""


def highest_members(client: redis.Redis | redis.cluster.RedisCluster, keys: list[str]) -> list[tuple[str, int] | None]:
    """The highest-scored (member, score) of every sorted set in ``keys`` whose scores are integers (None for a
    missing set): one script call on a standalone client, where a pipeline of one ZRANGE per set spends a friend
    list's time building and parsing commands; a pipeline, split by node, on a cluster."""
    if not keys:
        return []
    if isinstance(client, redis.cluster.RedisCluster):
        pipe = client.pipeline(transaction=False)  # type: ignore[no-untyped-call]
        for key in keys:
            pipe.zrange(key, -1, -1, withscores=True)
        return [(rows[0][0], int(rows[0][1])) if rows else None for rows in pipe.execute()]
    script = client.register_script(_HIGHEST_MANY)
    return [(found[0], found[1]) if found else None for found in script(keys=keys, client=client)]


ScriptArg = str | int | float


def run_script_per_key(source: str, calls: list[tuple[str, list[ScriptArg]]]) -> list[Any]:
    """Run a one-key Lua script once per (key, args) call: pipelined on a standalone client (one round trip);
    on a cluster client (whose pipelines cannot carry scripts), one pipeline per master through that node's own
    client, so N keys still cost one round trip per node rather than N."""
    if not calls:
        return []
    client = get_redis()
    script = client.register_script(source)
    if isinstance(client, redis.cluster.RedisCluster):
        return _scripts_per_node(client, script, calls)
    replies = _evalsha_each(client, script, calls)
    for reply in replies:
        if isinstance(reply, Exception):
            raise reply
    return replies


def _evalsha_each(client: redis.Redis, script: Any, calls: list[tuple[str, list[ScriptArg]]]) -> list[Any]:
    """One pipelined EVALSHA per call; the replies in order, errors in place of theirs. redis-py asks SCRIPT EXISTS
    before every pipeline that carries a Script (a round trip more each time); this sends EVALSHA straight and loads
    the script only when Redis answers NOSCRIPT (restarted, failed over, flushed), then sends again just the calls
    so answered: the others have run."""
    replies = _pipelined_evalsha(client, script.sha, calls)
    again = [index for index, reply in enumerate(replies) if isinstance(reply, redis.exceptions.NoScriptError)]
    if again:
        client.script_load(script.script)
        retried = _pipelined_evalsha(client, script.sha, [calls[index] for index in again])
        for index, reply in zip(again, retried, strict=True):
            replies[index] = reply
    return replies


def _pipelined_evalsha(client: redis.Redis, sha: str, calls: list[tuple[str, list[ScriptArg]]]) -> list[Any]:
    pipe = client.pipeline(transaction=False)
    for key, args in calls:
        pipe.evalsha(sha, 1, key, *args)
    return pipe.execute(raise_on_error=False)


def _forget_failed_node(client: redis.cluster.RedisCluster, name: str) -> None:
    """What the cluster client does when a node fails under it, for a node reached through its own client: look the
    slots up again (the failed node asked last), so that calls go to the replica that takes over. Without this the
    slot map still names a dead master until some other command through the cluster client fails."""
    client.nodes_manager.move_node_to_end_of_cached_nodes(name)
    with contextlib.suppress(*REDIS_ERRORS):  # the cluster may not answer yet: the next failure asks again
        client.nodes_manager.initialize(last_failed_node_name=name)


def _scripts_per_node(
    client: redis.cluster.RedisCluster, script: Any, calls: list[tuple[str, list[ScriptArg]]]
) -> list[Any]:
    by_node: dict[str, list[int]] = {}
    for index, (key, _) in enumerate(calls):
        by_node.setdefault(client.get_node_from_key(key).name, []).append(index)  # type: ignore[no-untyped-call]
    results: list[Any] = [None] * len(calls)
    for name, indexes in by_node.items():
        node = client.get_node(node_name=name)  # type: ignore[no-untyped-call]
        node_client = node.redis_connection if node is not None else None
        if node_client is None:  # through the cluster client, which follows redirections: one call per key
            replies = [script(keys=[calls[index][0]], args=calls[index][1]) for index in indexes]
        else:
            try:
                replies = _evalsha_each(node_client, script, [calls[index] for index in indexes])
            except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError):
                _forget_failed_node(client, name)
                raise
            # A call the node refused (a slot moved since the map was read: MOVED/ASK) goes through the cluster
            # client; only those calls, as the others have run.
            replies = [
                script(keys=[calls[index][0]], args=calls[index][1])
                if isinstance(reply, redis.exceptions.ResponseError)
                else reply
                for index, reply in zip(indexes, replies, strict=True)
            ]
        for index, reply in zip(indexes, replies, strict=True):
            results[index] = reply
    return results
