"""The Redis adapter treats a cluster failover as Redis being unavailable (503), and a cluster client can start
from several seed nodes."""

from __future__ import annotations

import json

import pytest
import redis

from gophertok.adapters.redis_client import REDIS_ERRORS, make_client, seed_nodes
from gophertok.config import load_settings
from gophertok.http import Request, http_endpoint
from gophertok_local.events import http_event

FAILOVER_ERRORS = [
    redis.exceptions.ClusterDownError("The cluster is down"),
    redis.exceptions.MasterDownError("Link with MASTER is down and replica-serve-stale-data is set to 'no'."),
    redis.exceptions.TryAgainError("Multiple keys request during rehashing of slot"),
    redis.exceptions.ClusterError("TTL exhausted."),  # what an endless MOVED/ASK loop ends in
    redis.exceptions.MovedError("3999 127.0.0.1:6381"),
    redis.exceptions.ReadOnlyError("You can't write against a read only replica."),
    redis.exceptions.SlotNotCoveredError("Command # 1 (GET k) targets a slot not covered by the cluster"),
    redis.exceptions.RedisClusterException("Redis Cluster cannot be connected. Please provide at least one node"),
]


@pytest.fixture(autouse=True)
def _environment(process_settings, json_logging):
    """Real handlers with clean settings."""


@pytest.mark.parametrize("error", FAILOVER_ERRORS, ids=lambda e: type(e).__name__)
def test_a_cluster_failover_error_answers_503(error):
    def view(request: Request) -> dict:
        raise error

    response = http_endpoint(view)(http_event("GET", "/douyin/test/"), None)
    body = json.loads(response["body"])
    assert (response["statusCode"], body["status_code"]) == (503, 50300)


def test_several_seed_nodes_come_from_redis_cluster_nodes_or_the_url():
    listed = load_settings({"REDIS_URL": "redis://:secret@10.0.0.1:7000,10.0.0.2:7001/0"})
    assert seed_nodes(listed) == [("10.0.0.1", 7000), ("10.0.0.2", 7001)]
    explicit = load_settings({"REDIS_URL": "redis://10.0.0.1:7000/0", "REDIS_CLUSTER_NODES": "a:1, b:2,c:3"})
    assert seed_nodes(explicit) == [("a", 1), ("b", 2), ("c", 3)]


def test_a_cluster_client_whose_seed_nodes_are_all_down_fails_as_unavailable():
    settings = load_settings(
        {"REDIS_CLUSTER": "true", "REDIS_URL": "redis://127.0.0.1:1,127.0.0.1:2/0", "REDIS_TIMEOUT": "0.2"}
    )
    with pytest.raises(REDIS_ERRORS):
        make_client(settings)
