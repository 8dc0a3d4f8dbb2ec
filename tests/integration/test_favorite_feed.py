"""Likes and comments on a video published through the API show in the feed and user info at once."""

from __future__ import annotations

import random

from support.clips import clip
from support.douyin import DouyinClient, user_info
from support.interactions import comment, like


def _publish(client: DouyinClient, account) -> int:
    data = clip(f"color=c=0x{random.randrange(1 << 24):06x}", 1.0, "mp4")
    fields = {
        "token": (None, account.token),
        "title": (None, "liked on the feed"),
        "data": ("clip.mp4", data, "video/mp4"),
    }
    body = client.call("POST", "/douyin/publish/action/", files=fields)
    assert body["status_code"] == 0, body
    listed = client.call("GET", "/douyin/publish/list/", params={"token": account.token, "user_id": account.user_id})
    [video] = listed["video_list"]
    return video["id"]


def _in_feed(client: DouyinClient, viewer, video_id: int) -> dict:
    body = client.call("GET", "/douyin/feed/", params={"token": viewer.token})
    assert body["status_code"] == 0, body
    return next(video for video in body["video_list"] if video["id"] == video_id)


def test_feed_and_user_info_show_likes_and_comments_on_the_next_request(api_url):
    client = DouyinClient(api_url)
    author, fan, onlooker = client.register(), client.register(), client.register()
    video_id = _publish(client, author)

    like(client, fan, video_id)
    comment(client, fan, video_id, "first!")
    seen_by_fan = _in_feed(client, fan, video_id)
    assert (seen_by_fan["favorite_count"], seen_by_fan["comment_count"], seen_by_fan["is_favorite"]) == (1, 1, True)
    assert seen_by_fan["author"]["total_favorited"] == 1
    seen_by_onlooker = _in_feed(client, onlooker, video_id)
    assert seen_by_onlooker["is_favorite"] is False and seen_by_onlooker["favorite_count"] == 1
    assert user_info(client, fan, fan.user_id)["favorite_count"] == 1
    assert user_info(client, fan, author.user_id)["total_favorited"] == 1

    like(client, fan, video_id, action_type=2)
    seen_by_fan = _in_feed(client, fan, video_id)
    assert (seen_by_fan["favorite_count"], seen_by_fan["is_favorite"]) == (0, False)
    assert user_info(client, fan, author.user_id)["total_favorited"] == 0
