"""Helpers for the like and comment tests: test videos, API shortcuts, MySQL snapshots, topic tails."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from gophertok import ids, keys
from support.douyin import Account, DouyinClient, user_info
from support.polling import wait_for


def make_video(database, author_id: int, title: str = "a test video") -> int:
    """Insert a video row straight into MySQL (the publish path is not what these tests are about)."""
    video_id = ids.next_id()
    database.execute(
        "INSERT INTO videos (id, author_id, title, play_key, cover_key, content_sha256, created_at) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s)",
        (
            video_id,
            author_id,
            title,
            f"videos/test-{video_id}.mp4",
            f"covers/test-{video_id}.jpg",
            hashlib.sha256(str(video_id).encode()).hexdigest(),
            ids.timestamp_ms(video_id),
        ),
    )
    return video_id


def like(client: DouyinClient, account: Account, video_id: int, action_type: int = 1) -> dict:
    return client.call(
        "POST",
        "/douyin/favorite/action/",
        params={"token": account.token, "video_id": video_id, "action_type": action_type},
    )


def liked_ids(client: DouyinClient, viewer: Account, user_id: int | None = None) -> list[int]:
    params: dict[str, Any] = {"token": viewer.token}
    if user_id is not None:
        params["user_id"] = user_id
    body = client.call("GET", "/douyin/favorite/list/", params=params)
    assert body["status_code"] == 0, body
    return [video["id"] for video in body["video_list"]]


def comment(client: DouyinClient, account: Account, video_id: int, text: str) -> dict:
    body = client.call(
        "POST",
        "/douyin/comment/action/",
        params={"token": account.token, "video_id": video_id, "action_type": 1, "comment_text": text},
    )
    assert body["status_code"] == 0, body
    return body["comment"]


def comment_list(client: DouyinClient, video_id: int, viewer: Account | None = None) -> list[dict]:
    params: dict[str, Any] = {"video_id": video_id}
    if viewer is not None:
        params["token"] = viewer.token
    body = client.call("GET", "/douyin/comment/list/", params=params)
    assert body["status_code"] == 0, body
    return body["comment_list"]


def favorite_rows(database, video_ids: Iterable[int]) -> list[tuple]:
    """Every favorites row of these videos, sorted: the MySQL state a test compares."""
    wanted = list(video_ids)
    marks = ", ".join(["%s"] * len(wanted))
    rows = database.query(
        f"SELECT user_id, video_id, liked, liked_at, version FROM favorites WHERE video_id IN ({marks})", wanted
    )
    return sorted((r["user_id"], r["video_id"], r["liked"], r["liked_at"], r["version"]) for r in rows)


def comment_rows(database, video_ids: Iterable[int]) -> list[tuple]:
    wanted = list(video_ids)
    marks = ", ".join(["%s"] * len(wanted))
    rows = database.query(
        f"SELECT id, video_id, user_id, content, created_at, deleted_at FROM comments WHERE video_id IN ({marks})",
        wanted,
    )
    return sorted(tuple(r.values()) for r in rows)


def forget_in_redis(redis_client, user_ids: Iterable[int], video_ids: Iterable[int], comment_ids=()) -> int:
    """Delete every Redis key of these users, videos and comments (never FLUSHALL: tests share Redis)."""
    names = []
    for user_id in user_ids:
        names += [keys.user_stats(user_id), keys.user_likes(user_id), keys.user_profile(user_id)]
        names.append(keys.user_likes_clock(user_id))
    for video_id in video_ids:
        names += [keys.video_stats(video_id), keys.video_comments(video_id), keys.video(video_id)]
    names += [keys.comment(comment_id) for comment_id in comment_ids]
    return redis_client.delete(*names)


def wait_for_profiles(client: DouyinClient, accounts: Iterable[Account]) -> None:
    """Wait until the profile consumer gave every account its avatar, so user objects stop changing."""
    for account in accounts:

        def avatar(a: Account = account) -> Any:
            return user_info(client, a, a.user_id)["avatar"]

        wait_for(avatar, timeout=30, what="the default profile")
