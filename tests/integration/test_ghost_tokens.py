"""Ghost users: a correctly signed token whose user does not exist (deleted, or never created) writes nothing.

Every write endpoint answers TokenInvalid (20002), and afterwards no MySQL row, Redis key or counter and no
Kafka event mentions the ghost.
"""

from __future__ import annotations

import json
import os
import random
import time

import jwt
import pytest

from gophertok import keys
from gophertok.auth.tokens import issue_token
from gophertok.registry import Topics
from gophertok.services import users
from support.clips import clip
from support.douyin import Account, DouyinClient, user_info
from support.interactions import make_video
from support.kafka_topics import TopicTail

WRITE_TOPICS = (
    Topics.FAVORITE_EVENTS,
    Topics.COMMENT_EVENTS,
    Topics.RELATION_EVENTS,
    Topics.MESSAGE_EVENTS,
    Topics.VIDEO_PUBLISHED,
)


@pytest.fixture(scope="module")
def client(api_url: str) -> DouyinClient:
    return DouyinClient(api_url)


@pytest.fixture(scope="module")
def target(client: DouyinClient) -> Account:
    return client.register()


@pytest.fixture(scope="module")
def video_id(database, target: Account) -> int:
    return make_video(database, target.user_id)


def deleted_ghost(client: DouyinClient) -> tuple[int, str]:
    """A user who logged in, had its profile cached, and was then deleted."""
    account = client.register()
    user_info(client, account, account.user_id)  # caches the profile in Redis
    users.delete_user(account.user_id)
    return account.user_id, account.token


def never_created_ghost() -> tuple[int, str]:
    user_id = random.randrange(2**61, 2**62)
    return user_id, issue_token(user_id)


GHOSTS = {"deleted": deleted_ghost, "never-created": lambda client: never_created_ghost()}


def write_requests(target: Account, video_id: int) -> dict[str, tuple[str, str, dict, dict | None]]:
    """name -> (method, path, form fields, multipart files) of every write endpoint."""
    return {
        "like": ("POST", "/douyin/favorite/action/", {"video_id": video_id, "action_type": 1}, None),
        "follow": ("POST", "/douyin/relation/action/", {"to_user_id": target.user_id, "action_type": 1}, None),
        "message": (
            "POST",
            "/douyin/message/action/",
            {"to_user_id": target.user_id, "action_type": 1, "content": "hello from nobody"},
            None,
        ),
        "comment": (
            "POST",
            "/douyin/comment/action/",
            {"video_id": video_id, "action_type": 1, "comment_text": "a ghost was here"},
            None,
        ),
        "publish": ("POST", "/douyin/publish/action/", {"title": "ghost video"}, {"data": ("g.mp4", clip())}),
        "upload_url": (
            "POST",
            "/douyin/publish/upload_url/",
            {"title": "ghost upload", "content_type": "video/mp4", "size": 1000},
            None,
        ),
    }


def rows_of(database, ghost_id: int) -> dict[str, int]:
    queries = {
        "favorites": "SELECT COUNT(*) AS n FROM favorites WHERE user_id = %s",
        "comments": "SELECT COUNT(*) AS n FROM comments WHERE user_id = %s",
        "follows": "SELECT COUNT(*) AS n FROM follows WHERE follower_id = %s OR followee_id = %s",
        "messages": "SELECT COUNT(*) AS n FROM messages WHERE from_user_id = %s OR to_user_id = %s",
        "videos": "SELECT COUNT(*) AS n FROM videos WHERE author_id = %s",
    }
    return {table: int(database.query_one(sql, (ghost_id,) * sql.count("%s"))["n"]) for table, sql in queries.items()}


def redis_traces(redis_client, ghost_id: int) -> dict[str, object]:
    """Every Redis key naming the ghost (its user keys, its conversations, its uploads) with its value."""
    names = list(redis_client.scan_iter(match=f"{keys.PREFIX}user:{ghost_id}:*", count=1000))
    names += list(redis_client.scan_iter(match="{" + keys.user_likes(ghost_id) + "}*", count=1000))
    for name in redis_client.scan_iter(match=f"{keys.PREFIX}chat:*", count=1000):
        if str(ghost_id) in name.split("{", 1)[1].split("}", 1)[0].split(":"):
            names.append(name)
    for name in redis_client.scan_iter(match=keys.upload("*"), count=1000):
        value = redis_client.get(name)
        if value and value.startswith("{") and json.loads(value).get("author_id") == ghost_id:
            names.append(name)
    return {name: _value(redis_client, name) for name in names}


def _value(redis_client, name: str) -> object:
    kind = redis_client.type(name)
    if kind == "hash":
        return redis_client.hgetall(name)
    if kind == "zset":
        return redis_client.zrange(name, 0, -1, withscores=True)
    return redis_client.get(name) if kind == "string" else kind


@pytest.mark.parametrize("ghost_kind", sorted(GHOSTS))
@pytest.mark.parametrize("action", ["like", "follow", "message", "comment", "publish", "upload_url"])
def test_a_ghost_token_is_refused_and_leaves_no_trace(
    client, database, redis_client, target, video_id, ghost_kind, action
):
    ghost_id, token = GHOSTS[ghost_kind](client)
    tails = [TopicTail(topic) for topic in WRITE_TOPICS]
    counters_before = (
        redis_client.hgetall(keys.video_stats(video_id)),
        redis_client.hgetall(keys.user_stats(target.user_id)),
    )
    traces_before = redis_traces(redis_client, ghost_id)
    method, path, fields, files = write_requests(target, video_id)[action]

    body = client.call(method, path, data={"token": token, **fields}, files=files)

    assert body["status_code"] == 20002, body
    assert rows_of(database, ghost_id) == dict.fromkeys(rows_of(database, ghost_id), 0)
    assert redis_traces(redis_client, ghost_id) == traces_before
    counters_after = (
        redis_client.hgetall(keys.video_stats(video_id)),
        redis_client.hgetall(keys.user_stats(target.user_id)),
    )
    assert counters_after == counters_before
    for tail in tails:
        assert tail.records(lambda event: str(ghost_id) in json.dumps(event.data)) == []


def test_a_deleted_users_token_stops_working_at_once_for_reads_too(client):
    account = client.register()
    assert user_info(client, account, account.user_id)["id"] == account.user_id  # profile now cached

    users.delete_user(account.user_id)

    body = client.call("GET", "/douyin/user/", params={"token": account.token})
    assert body["status_code"] == 20002
    assert "log in again" in body["status_msg"]


@pytest.mark.parametrize("subject", [str(2**63), str(2**64), "1" * 5000])
def test_a_subject_outside_the_id_range_is_token_invalid_not_a_500(client, subject):
    now = int(time.time())
    claims = {"sub": subject, "iss": "gophertok", "iat": now, "exp": now + 600}
    token = jwt.encode(claims, os.environ["JWT_SECRET"], algorithm="HS256")

    body = client.call("GET", "/douyin/user/", params={"token": token})

    assert body["status_code"] == 20002 and body["_http_status"] == 200
