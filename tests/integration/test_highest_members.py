"""redis_client.highest_members, which the friend list reads its last messages with: one script call for every
conversation on a standalone Redis, a pipeline on a cluster; both answer the top (member, score) of each set, its
score an exact integer millisecond, and None for a set that is missing."""

from __future__ import annotations

import uuid

import pytest

from gophertok.adapters.redis_client import get_redis, highest_members

pytestmark = pytest.mark.integration


def test_the_top_member_of_each_set_and_none_for_a_missing_one(redis_client):
    prefix = f"test:highest:{uuid.uuid4().hex}"
    busy, lone, missing = f"{prefix}:busy", f"{prefix}:lone", f"{prefix}:missing"
    redis_client.zadd(busy, {"older": 1_700_000_000_001, "newest": 1_799_999_999_999, "oldest": 0})
    redis_client.zadd(lone, {"only": 5})
    for key in (busy, lone):
        redis_client.expire(key, 60)

    found = highest_members(get_redis(), [busy, missing, lone])

    assert found == [("newest", 1_799_999_999_999), None, ("only", 5)]
    assert all(type(top[1]) is int for top in found if top is not None)


def test_no_keys_no_call(redis_client):
    assert highest_members(get_redis(), []) == []
