"""Every key the functions write expires, so Redis can run under a memory cap with LRU eviction
(ElastiCache's default volatile-lru evicts only keys that have an expiry)."""

from __future__ import annotations

import pytest

from gophertok import keys
from support.douyin import DouyinClient
from support.interactions import comment, like, make_video
from support.social import FOLLOW, chat, relation, send, user_list

pytestmark = pytest.mark.integration


def test_every_key_written_by_the_api_has_an_expiry(api_url, database, redis_client):
    # Given every kind of write and read the API serves, for fresh users
    client = DouyinClient(api_url)
    alice, bob = client.register(), client.register()
    video = make_video(database, bob.user_id)
    assert like(client, alice, video)["status_code"] == 0
    assert comment(client, alice, video, "nice")["content"] == "nice"
    relation(client, alice, bob, FOLLOW)
    relation(client, bob, alice, FOLLOW)
    send(client, alice, bob, "hi")
    for kind in ("follow", "follower", "friend"):
        user_list(client, kind, alice)
    chat(client, bob, alice)
    client.call("GET", "/douyin/feed/", params={"token": alice.token})
    # Then no key of the project lives forever (the whole keyspace: earlier tests wrote keys too), but for the
    # worker-id leases, which must never be evicted (keys.py says why)
    immortal = [
        key
        for key in redis_client.scan_iter(match=keys.PREFIX + "*", count=1000)
        if redis_client.ttl(key) == -1 and key != keys.ID_WORKER_LEASES
    ]
    assert immortal == []


def test_the_local_redis_runs_with_a_memory_cap_and_lru_eviction(redis_client):
    config = redis_client.config_get("maxmemory*")
    assert int(config["maxmemory"]) > 0
    assert config["maxmemory-policy"] in {"volatile-lru", "allkeys-lru"}
