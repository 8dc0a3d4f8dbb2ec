"""Every list answers one bounded page and pages onward by cursor, whatever the data size.

Large data is written straight into MySQL (as an import would), so the read model is rebuilt from it;
the lists are then walked through the functions' handlers, page by page.
"""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from gophertok import keys
from gophertok.auth.tokens import issue_token
from gophertok_local.events import http_event
from gophertok_local.functions import invoke
from support.polling import unique_name

pytestmark = pytest.mark.integration

MB = 1024 * 1024
BASE_MS = 1_600_000_000_000


def insert_users(database, count: int) -> list[int]:
    prefix = unique_name("p")[:20]
    database.execute_many(
        "INSERT INTO users (username, password_hash) VALUES (%s, %s)",
        [(f"{prefix}_{n}", "x") for n in range(count)],
    )
    rows = database.query("SELECT id FROM users WHERE username LIKE %s ORDER BY id", (f"{prefix}\\_%",))
    return [int(row["id"]) for row in rows]


def call(function: str, path: str, query: dict[str, Any]) -> tuple[dict[str, Any], int]:
    response = invoke(function, http_event("GET", path, query=query))
    body = json.loads(response["body"])
    assert body["status_code"] == 0, body
    return body, len(response["body"].encode())


def walk(function: str, path: str, query: dict[str, Any], list_key: str) -> list[list[dict[str, Any]]]:
    """Every page of a list, following next_cursor until it is empty; asserts each page is bounded."""
    pages, cursor = [], ""
    while True:
        body, size = call(function, path, {**query, **({"cursor": cursor} if cursor else {})})
        assert size < MB, (function, size)
        pages.append(body[list_key])
        cursor = body["next_cursor"]
        if not cursor:
            return pages
        assert len(pages) < 20, "the cursor does not advance"


def test_a_follower_list_of_1100_comes_in_pages_of_500_without_gaps_or_repeats(database, redis_client):
    owner, *fans = insert_users(database, 1101)
    # 100 follows share one millisecond: a cursor inside a tie must neither skip nor repeat.
    times = [BASE_MS + n for n in range(1000)] + [BASE_MS + 2000] * 100
    random.shuffle(times)
    database.execute_many(
        "INSERT INTO follows (follower_id, followee_id, following, followed_at, version) VALUES (%s, %s, 1, %s, 1)",
        [(fan, owner, at) for fan, at in zip(fans, times, strict=True)],
    )
    redis_client.delete(keys.user_followers(owner), keys.user_following(owner))
    token = issue_token(owner)
    pages = walk(
        "relation_follower_list", "/douyin/relation/follower/list/", {"token": token, "user_id": owner}, "user_list"
    )
    assert [len(page) for page in pages] == [500, 500, 100]
    seen = [user["id"] for page in pages for user in page]
    assert sorted(seen) == sorted(fans)
    followed_at = dict(zip(fans, times, strict=True))
    assert [followed_at[i] for i in seen] == sorted(times, reverse=True)


def test_a_friend_list_of_600_mutual_follows_is_paged_and_shows_each_friend_once(database, redis_client):
    owner, *others = insert_users(database, 601)
    rows = []
    for n, other in enumerate(others):
        rows += [(owner, other, BASE_MS + n), (other, owner, BASE_MS + 10_000 + n)]
    database.execute_many(
        "INSERT INTO follows (follower_id, followee_id, following, followed_at, version) VALUES (%s, %s, 1, %s, 1)",
        rows,
    )
    redis_client.delete(keys.user_followers(owner), keys.user_following(owner), keys.user_friends(owner))
    pages = walk("relation_friend_list", "/douyin/relation/friend/list/", {"token": issue_token(owner)}, "user_list")
    assert [len(page) for page in pages] == [500, 100]
    assert [user["id"] for page in pages for user in page] == list(reversed(others))
    assert int(redis_client.zcard(keys.user_friends(owner))) == 601  # 600 friends and the sentinel


def test_a_chat_of_450_messages_opens_on_the_newest_200_and_pages_back_to_the_first(database, redis_client):
    me, other = insert_users(database, 2)
    rows = [
        (random.randrange(10**15, 10**18), *((me, other) if n % 2 else (other, me)), f"message {n}", BASE_MS + n)
        for n in range(450)
    ]
    database.execute_many(
        "INSERT INTO messages (id, from_user_id, to_user_id, content, created_at) VALUES (%s, %s, %s, %s, %s)", rows
    )
    redis_client.delete(keys.conversation(me, other))
    query = {"token": issue_token(me), "to_user_id": other}
    pages = walk("message_chat", "/douyin/message/chat/", query, "message_list")
    assert [len(page) for page in pages] == [200, 200, 50]
    # Each page is oldest first; the pages go back in time.
    contents = [m["content"] for page in reversed(pages) for m in page]
    assert contents == [f"message {n}" for n in range(450)]
    # Redis holds the newest messages only, not the whole history.
    assert int(redis_client.zcard(keys.conversation(me, other))) <= 201
    # A poll from before the loaded floor still gets every newer incoming message, in order, once.
    body, _ = call("message_chat", "/douyin/message/chat/", {**query, "pre_msg_time": BASE_MS + 99})
    polled = [m["content"] for m in body["message_list"]]
    assert polled == [f"message {n}" for n in range(100, 450) if n % 2 == 0][:200]


def test_an_invalid_cursor_is_a_clear_error(database):
    (owner,) = insert_users(database, 1)
    response = invoke(
        "relation_follow_list",
        http_event("GET", "/douyin/relation/follow/list/", query={"token": issue_token(owner), "cursor": "abc"}),
    )
    body = json.loads(response["body"])
    assert body["status_code"] == 10001 and "cursor" in body["status_msg"]
