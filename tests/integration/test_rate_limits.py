"""Rate limits through HTTP, against a local API started with strict limits.

Over a limit the answer is HTTP 200, status_code 42900, a message naming the wait and a Retry-After header, and
the refused request leaves nothing behind (no row, no counter, no event). Accounts are registered through the
suite's own API (generous limits) so the strict one's registration budget stays for the registration test.
"""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
import requests

from gophertok import keys
from gophertok.registry import Topics
from support.clips import clip
from support.douyin import Account, DouyinClient, user_info
from support.interactions import comment_list, make_video
from support.kafka_topics import TopicTail
from support.local_api import running_api
from support.polling import unique_name, wait_for

LOCAL_IP = "127.0.0.1"  # every request to the local API comes from here
STRICT = {
    "RATE_LIMIT_REGISTER": "3/3600",
    "RATE_LIMIT_COMMENT": "3/3600",
    "RATE_LIMIT_MESSAGE": "3/3600",
    "RATE_LIMIT_FOLLOW": "3/3600",
    "RATE_LIMIT_LIKE": "3/3600",
    "RATE_LIMIT_PUBLISH": "2/3600",
    "RATE_LIMIT_UPLOAD_URL": "2/3600",
    "LOGIN_FREE_FAILURES_PER_USER": "3",
    "LOGIN_FREE_FAILURES_PER_IP": "12",
    "LOGIN_LOCKOUT_BASE_SECONDS": "2",
    "LOGIN_LOCKOUT_MAX_SECONDS": "60",
    "LOGIN_FAILURE_MEMORY_SECONDS": "60",
}


@pytest.fixture(scope="module")
def strict_url(stack_env: None, redis_client):
    with running_api(with_consumers=False, extra_env=STRICT) as url:
        yield url
    _forget_local_ip(redis_client)


@pytest.fixture(autouse=True)
def _fresh_ip_budget(redis_client):
    """The IP-scoped limits are shared by every request from this machine: each test starts and ends clean."""
    _forget_local_ip(redis_client)
    yield
    _forget_local_ip(redis_client)


def _forget_local_ip(redis_client) -> None:
    redis_client.delete(keys.rate_limit("register", LOCAL_IP), keys.login_failures("ip", LOCAL_IP))


@pytest.fixture(scope="module")
def strict(strict_url: str) -> DouyinClient:
    return DouyinClient(strict_url)


@pytest.fixture(scope="module")
def setup(api_url: str) -> DouyinClient:
    return DouyinClient(api_url)


def raw(url: str, path: str, fields: dict, files: dict | None = None) -> requests.Response:
    return requests.post(url + path, data=fields, files=files, timeout=30)


def assert_refused(response: requests.Response, what: str) -> int:
    """The contract's answer to a refused request; returns the Retry-After seconds."""
    body = response.json()
    assert response.status_code == 200 and body["status_code"] == 42900, body
    retry_after = int(response.headers["Retry-After"])
    assert retry_after >= 1
    assert body["status_msg"] == f"too many {what}, try again in {retry_after} s"
    return retry_after


def test_registrations_per_ip_are_limited_and_a_refused_one_creates_no_account(strict_url, database):
    names = [unique_name() for _ in range(4)]
    answers = [raw(strict_url, "/douyin/user/register/", {"username": n, "password": "quiet-Otter-42"}) for n in names]

    assert [a.json()["status_code"] for a in answers[:3]] == [0, 0, 0]
    assert assert_refused(answers[3], "registrations") > 60  # 3 per hour: the next one is 20 minutes away
    assert database.query_one("SELECT COUNT(*) AS n FROM users WHERE username = %s", (names[3],))["n"] == 0


def test_invalid_registrations_do_not_use_up_the_ips_budget(strict_url):
    for _ in range(5):
        refused = raw(strict_url, "/douyin/user/register/", {"username": unique_name(), "password": "123"})
        assert refused.json()["status_code"] == 10001

    ok = raw(strict_url, "/douyin/user/register/", {"username": unique_name(), "password": "quiet-Otter-42"})
    assert ok.json()["status_code"] == 0


# --- per-user write limits -----------------------------------------------------------------------------------


def _writes(
    setup: DouyinClient, database: Any, actor: Account, count: int
) -> dict[str, list[tuple[str, dict[str, Any], dict[str, Any] | None]]]:
    """``count`` distinct requests of each action (distinct targets, so none is an idempotent repeat)."""
    targets = [setup.register() for _ in range(count)]
    videos = [make_video(database, targets[0].user_id) for _ in range(count)]
    return {
        "comment": [
            ("/douyin/comment/action/", {"video_id": videos[0], "action_type": 1, "comment_text": f"n{i}"}, None)
            for i in range(count)
        ],
        "message": [
            ("/douyin/message/action/", {"to_user_id": targets[0].user_id, "action_type": 1, "content": f"m{i}"}, None)
            for i in range(count)
        ],
        "follow": [
            ("/douyin/relation/action/", {"to_user_id": target.user_id, "action_type": 1}, None) for target in targets
        ],
        "like": [("/douyin/favorite/action/", {"video_id": video, "action_type": 1}, None) for video in videos],
        "upload_url": [
            ("/douyin/publish/upload_url/", {"title": f"u{i}", "content_type": "video/mp4", "size": 1000}, None)
            for i in range(count)
        ],
        "publish": [
            (
                "/douyin/publish/action/",
                {"title": f"p{i}"},
                {"data": ("c.mp4", clip(f"color=c=0x{random.randrange(1 << 24):06x}", 1.0, "mp4"), "video/mp4")},
            )
            for i in range(count)
        ],
    }


NOUNS = {
    "comment": "comments",
    "message": "messages",
    "follow": "follow requests",
    "like": "likes",
    "upload_url": "upload requests",
    "publish": "videos published",
}
ALLOWED = {action: int(STRICT[f"RATE_LIMIT_{action.upper()}"].split("/")[0]) for action in NOUNS}
TOPICS = {
    "comment": Topics.COMMENT_EVENTS,
    "message": Topics.MESSAGE_EVENTS,
    "follow": Topics.RELATION_EVENTS,
    "like": Topics.FAVORITE_EVENTS,
    "publish": Topics.VIDEO_PUBLISHED,
}


def _visible_effects(setup: DouyinClient, actor: Account, requests_sent: list, action: str, redis_client) -> int:
    """How many of the actor's writes of ``action`` the read model shows."""
    if action == "comment":
        return len(comment_list(setup, requests_sent[0][1]["video_id"], actor))
    if action == "message":
        to_user = requests_sent[0][1]["to_user_id"]
        body = setup.call("GET", "/douyin/message/chat/", params={"token": actor.token, "to_user_id": to_user})
        return len(body["message_list"])
    if action == "upload_url":
        records = [redis_client.get(name) for name in redis_client.scan_iter(match=keys.upload("*"), count=1000)]
        return sum(1 for r in records if r and r.startswith("{") and json.loads(r)["author_id"] == actor.user_id)
    field = {"follow": "follow_count", "like": "favorite_count", "publish": "work_count"}[action]
    return user_info(setup, actor, actor.user_id)[field]


@pytest.mark.parametrize("action", sorted(NOUNS))
def test_per_user_writes_are_limited_and_a_refused_one_writes_nothing(
    strict_url, setup, database, redis_client, action
):
    actor, bystander = setup.register(), setup.register()
    allowed = ALLOWED[action]
    planned = _writes(setup, database, actor, allowed + 1)[action]
    tail = TopicTail(TOPICS[action]) if action in TOPICS else None

    answers = [raw(strict_url, path, {"token": actor.token, **fields}, files) for path, fields, files in planned]

    assert [a.json()["status_code"] for a in answers[:allowed]] == [0] * allowed, [a.json() for a in answers]
    assert_refused(answers[allowed], NOUNS[action])
    assert _visible_effects(setup, actor, planned, action, redis_client) == allowed
    if tail is not None:
        events = tail.records(lambda event: actor.user_id in _user_ids(event.data))
        assert len(events) == allowed
    # Another user is not affected by the actor's limit.
    path, fields, files = _writes(setup, database, bystander, 1)[action][0]
    assert raw(strict_url, path, {"token": bystander.token, **fields}, files).json()["status_code"] == 0


def _user_ids(data: dict) -> set[int]:
    names = ("user_id", "from_user_id", "follower_id", "author_id")
    found = {data.get(name) for name in names} | {(data.get("video") or {}).get("author_id")}
    return {int(value) for value in found if value is not None}


# --- login lockout -------------------------------------------------------------------------------------------


def login(url: str, username: str, password: str) -> requests.Response:
    return raw(url, "/douyin/user/login/", {"username": username, "password": password})


def test_login_failures_lock_the_username_out_exponentially_and_success_resets_it(strict_url, setup):
    account = setup.register()

    codes = [login(strict_url, account.username, "wrong-guess-1").json()["status_code"] for _ in range(3)]
    locked = login(strict_url, account.username, account.password)  # even the right password waits

    assert codes == [20004, 20004, 20004]
    assert assert_refused(locked, "failed logins") <= 2  # the first lock: 2 s
    wait_for(lambda: login(strict_url, account.username, "wrong-guess-2").json()["status_code"] == 20004, timeout=8)
    second_wait = assert_refused(login(strict_url, account.username, account.password), "failed logins")
    assert 3 <= second_wait <= 4  # doubled to 4 s (less the time the last guess took)
    ok = wait_for(
        lambda: (r := login(strict_url, account.username, account.password)).json()["status_code"] == 0 and r,
        timeout=15,
    )
    assert ok.json()["user_id"] == account.user_id
    # The success cleared the username's failures: three free guesses again.
    assert [login(strict_url, account.username, "nope-again").json()["status_code"] for _ in range(3)] == [20004] * 3


def test_login_failures_from_one_ip_across_usernames_lock_the_ip(strict_url, setup):
    account = setup.register()
    free = int(STRICT["LOGIN_FREE_FAILURES_PER_IP"])

    codes = [login(strict_url, unique_name(), "sprayed-password").json()["status_code"] for _ in range(free)]
    refused = login(strict_url, account.username, account.password)

    assert codes == [20004] * free
    assert_refused(refused, "failed logins")
