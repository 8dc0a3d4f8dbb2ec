"""redis_client.run_script_per_key: one script call per key, pipelined, is one round trip (per node on a cluster) and
runs each call exactly once, also when Redis has forgotten its scripts (a restart, a failover, SCRIPT FLUSH)."""

from __future__ import annotations

import uuid

import pytest

from gophertok.adapters.redis_client import get_redis, mget, run_script_per_key
from support.round_trips import counting_round_trips

pytestmark = pytest.mark.integration

# KEYS[1] a counter; ARGV[1] a step. Returns the new value: a call that ran twice shows.
_STEP = """
local value = redis.call('INCRBY', KEYS[1], ARGV[1])
redis.call('EXPIRE', KEYS[1], 60)
return value
"""


def counters(count: int) -> list[str]:
    run = uuid.uuid4().hex
    return [f"gt:test:script-per-key:{run}:{n}" for n in range(count)]


def test_a_loaded_script_over_many_keys_costs_one_round_trip_per_node(redis_client):
    names = counters(12)
    run_script_per_key(_STEP, [(name, [1]) for name in names])  # every node now holds the script

    with counting_round_trips() as counts:
        replies = run_script_per_key(_STEP, [(name, [1]) for name in names])

    # redis-py's own script pipeline would first ask SCRIPT EXISTS: two round trips
    assert counts.redis == 1, counts.redis_by_node
    assert replies == [2] * 12


def test_after_redis_forgot_its_scripts_every_call_runs_exactly_once(redis_client):
    names = counters(12)
    get_redis().script_flush()

    replies = run_script_per_key(_STEP, [(name, [5]) for name in names])

    assert replies == [5] * 12
    assert [int(value) for value in mget(get_redis(), names)] == [5] * 12
