"""Every SQL statement a request sends is anchored on an index (EXPLAIN finds no full scan).

The statements are recorded while each endpoint runs in this process against a cold read model (its
Redis keys deleted, so every rebuild query runs too); then each distinct statement is EXPLAINed with
its real arguments. (The consumers write by primary or unique key only: upserts and key updates.)
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from gophertok import keys
from gophertok.adapters.mysql import Database, get_database
from gophertok.auth.tokens import issue_token
from gophertok_local.events import http_event
from gophertok_local.functions import invoke
from support.interactions import make_video
from support.polling import unique_name

pytestmark = pytest.mark.integration

TABLES = {"users", "videos", "favorites", "comments", "follows", "messages"}


@pytest.fixture
def recorded(monkeypatch) -> list[tuple[str, Any]]:
    statements: list[tuple[str, Any]] = []
    run = Database._run

    def record(self, sql, args, many):
        if not many and sql.lstrip().upper().startswith("SELECT"):
            statements.append((sql, args))
        return run(self, sql, args, many)

    monkeypatch.setattr(Database, "_run", record)
    return statements


def register(database) -> int:
    name = unique_name("q")
    _, user_id = database.execute("INSERT INTO users (username, password_hash) VALUES (%s, 'x')", (name,))
    return int(user_id)


def get(function: str, path: str, **query: Any) -> dict[str, Any]:
    body = json.loads(invoke(function, http_event("GET", path, query=query))["body"])
    assert body["status_code"] == 0, (function, body)
    return body


def test_every_read_and_rebuild_statement_uses_an_index(database, redis_client, recorded):
    me, friend = register(database), register(database)
    video = make_video(database, friend)
    database.execute_many(
        "INSERT INTO follows (follower_id, followee_id, following, followed_at, version) VALUES (%s, %s, 1, 1, 1)",
        [(me, friend), (friend, me)],
    )
    database.execute("INSERT INTO favorites VALUES (%s, %s, 1, 1, 1)", (me, video))
    redis_client.delete(
        *[keys.user_profile(u) for u in (me, friend)],
        *[keys.user_stats(u) for u in (me, friend)],
        *[f(u) for u in (me, friend) for f in (keys.user_following, keys.user_followers, keys.user_friends)],
        *[f(u) for u in (me, friend) for f in (keys.user_likes, keys.user_videos)],
        keys.video(video),
        keys.video_stats(video),
        keys.video_comments(video),
        keys.conversation(me, friend),
        keys.VIDEO_FEED,
    )
    token = issue_token(me)
    get("user_info", "/douyin/user/", token=token, user_id=friend)
    get("video_feed", "/douyin/feed/", token=token, latest_time=1)  # below every index floor: MySQL
    get("video_publish_list", "/douyin/publish/list/", token=token, user_id=friend)
    get("favorite_list", "/douyin/favorite/list/", token=token)
    get("comment_list", "/douyin/comment/list/", token=token, video_id=video)
    for function, path in (
        ("relation_follow_list", "/douyin/relation/follow/list/"),
        ("relation_follower_list", "/douyin/relation/follower/list/"),
        ("relation_friend_list", "/douyin/relation/friend/list/"),
    ):
        get(function, path, token=token)
    get("message_chat", "/douyin/message/chat/", token=token, to_user_id=friend)
    get("message_chat", "/douyin/message/chat/", token=token, to_user_id=friend, pre_msg_time=1)
    assert_indexed(recorded)


def assert_indexed(statements: list[tuple[str, Any]]) -> None:
    assert statements, "no statement was recorded"
    db = get_database()
    problems = []
    for sql, args in dict.fromkeys((sql, json.dumps(args, default=str)) for sql, args in statements):
        plan = db.query("EXPLAIN " + sql, json.loads(args))
        for step in plan:
            table = str(step.get("table") or "")
            if table not in TABLES:
                continue  # derived tables and unions of indexed parts
            if step.get("type") == "ALL" or not step.get("key"):
                problems.append((sql.split()[:12], table, step.get("type"), step.get("key")))
    assert not problems, problems
