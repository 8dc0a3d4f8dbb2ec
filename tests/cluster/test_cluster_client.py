"""The Redis Cluster client (make test-cluster: REDIS_CLUSTER=true): traced like the standalone one, and a cold
start works while a seed node is down."""

from __future__ import annotations

import contextlib
import os
import uuid

import pytest

from gophertok import tracing
from gophertok.adapters import redis_client
from gophertok.config import load_settings

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(os.environ.get("REDIS_CLUSTER") != "true", reason="runs in the cluster pass: make test-cluster"),
]


def test_the_cluster_client_traces_commands_and_pipelines(stack_env, monkeypatch):
    client = redis_client.get_redis()
    assert isinstance(client, redis_client.TracedRedisCluster)
    seen = []

    @contextlib.contextmanager
    def recording(name, namespace="remote", **metadata):
        seen.append((name, metadata.get("kind")))
        yield

    monkeypatch.setattr(tracing, "subsegment", recording)
    key = f"test:{{{uuid.uuid4().hex}}}"
    client.set(key, "1", ex=60)
    pipe = client.pipeline(transaction=False)
    pipe.get(key)
    pipe.ttl(key)
    assert pipe.execute()[0] == "1"
    assert ("redis", "SET") in seen and ("redis", "pipeline") in seen


def test_a_cold_start_works_while_the_first_seed_node_is_down(stack_env):
    nodes = os.environ["REDIS_CLUSTER_NODES"]
    dead = "127.0.0.1:1"  # nothing listens there
    settings = load_settings(dict(os.environ, REDIS_URL=f"redis://{dead}/0", REDIS_CLUSTER_NODES=f"{dead},{nodes}"))
    client = redis_client.make_client(settings)
    try:
        key = f"test:{uuid.uuid4().hex}"
        client.set(key, "cold", ex=60)
        assert client.get(key) == "cold"
    finally:
        client.close()
