"""gophertok.ratelimit against the real Redis: counts, refusals that write nothing, TTLs, lockout growth."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest

from gophertok import keys, ratelimit
from gophertok.config import LoginLockout, Rate, load_settings
from gophertok.errors import RateLimited

LOCKOUT = LoginLockout(free_per_user=3, free_per_ip=5, base_seconds=10, max_seconds=25, memory_seconds=60)


def strict(lockout: LoginLockout = LOCKOUT, **rates: Rate) -> object:
    return load_settings(rate_limits={**load_settings().rate_limits, **rates}, login_lockout=lockout)


def subject() -> str:
    return uuid.uuid4().hex


def test_gcra_allows_the_burst_then_refuses_with_the_wait_and_writes_nothing(redis_client):
    settings, who = strict(comment=Rate(3, 30)), subject()
    key = keys.rate_limit("comment", who)

    for _ in range(3):
        ratelimit.hit("comment", who, settings)
    stored, ttl = redis_client.get(key), redis_client.pttl(key)
    with pytest.raises(RateLimited) as refused:
        ratelimit.hit("comment", who, settings)

    assert refused.value.retry_after == 10  # one request's share of 30 s
    assert refused.value.message == "too many comments, try again in 10 s"
    assert redis_client.get(key) == stored  # the refusal changed nothing
    assert 0 < redis_client.pttl(key) <= ttl <= 30_000  # the key expires when the limit is back at rest


def test_gcra_subjects_and_actions_are_independent(redis_client):
    settings, who, other = strict(comment=Rate(1, 60), like=Rate(1, 60)), subject(), subject()

    ratelimit.hit("comment", who, settings)
    ratelimit.hit("comment", other, settings)
    ratelimit.hit("like", who, settings)
    with pytest.raises(RateLimited):
        ratelimit.hit("comment", who, settings)


def test_gcra_parallel_requests_cannot_slip_past_the_limit(redis_client):
    settings, who = strict(message=Rate(5, 60)), subject()

    def attempt(_: int) -> bool:
        try:
            ratelimit.hit("message", who, settings)
            return True
        except RateLimited:
            return False

    with ThreadPoolExecutor(8) as pool:
        allowed = list(pool.map(attempt, range(40)))

    assert allowed.count(True) == 5


def test_an_action_set_to_off_is_never_limited(redis_client):
    settings, who = strict(), subject()
    settings.rate_limits["follow"] = None

    for _ in range(50):
        ratelimit.hit("follow", who, settings)
    assert redis_client.exists(keys.rate_limit("follow", who)) == 0


def test_login_lockout_frees_the_first_failures_then_doubles_up_to_the_cap(redis_client):
    settings, username, ip = strict(replace(LOCKOUT, free_per_ip=1000)), subject(), "198.51.100.7"
    redis_client.delete(keys.login_failures("ip", ip))
    user_key = ratelimit._login_keys(username, ip)[0]
    waits = []
    for _ in range(5):
        try:
            ratelimit.begin_login(username, ip, settings)  # each attempt fails (no success is reported)
            waits.append(0)
        except RateLimited as refused:
            waits.append(refused.retry_after)
        redis_client.hdel(user_key, "until")  # skip the wait, keep the count: the next lock must be longer
        assert redis_client.pttl(user_key) > 0
    locks = []
    for _ in range(3):
        ratelimit.begin_login(username, ip, settings)
        with pytest.raises(RateLimited) as locked:
            ratelimit.begin_login(username, ip, settings)
        locks.append(locked.value.retry_after)
        redis_client.hdel(user_key, "until")

    assert waits == [0, 0, 0, 0, 0]
    assert locks == [25, 25, 25]  # 10 s doubled per failure (the first locks were 10 and 20), capped at 25
    redis_client.delete(keys.login_failures("ip", ip))


def test_login_refused_by_the_ip_takes_back_the_usernames_count(redis_client):
    settings, ip = strict(), "203.0.113.77"
    redis_client.delete(keys.login_failures("ip", ip))
    for _ in range(5):
        ratelimit.begin_login(subject(), ip, settings)
    username = subject()
    user_key = ratelimit._login_keys(username, ip)[0]

    with pytest.raises(RateLimited):
        ratelimit.begin_login(username, ip, settings)

    assert int(redis_client.hget(user_key, "failures") or 0) == 0
    redis_client.delete(keys.login_failures("ip", ip))


def test_a_successful_login_clears_the_username_and_gives_back_one_ip_attempt(redis_client):
    settings, username, ip = strict(), subject(), "203.0.113.78"
    redis_client.delete(keys.login_failures("ip", ip))
    user_key, ip_key = ratelimit._login_keys(username, ip)
    ratelimit.begin_login(username, ip, settings)
    ratelimit.begin_login(username, ip, settings)

    ratelimit.login_succeeded(username, ip)

    assert redis_client.exists(user_key) == 0
    assert redis_client.hget(ip_key, "failures") == "1"
    assert redis_client.pttl(ip_key) > 0
    redis_client.delete(ip_key)
