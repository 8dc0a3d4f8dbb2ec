"""Privacy: every endpoint that returns another user's data shows a viewer only what that viewer may see.

The cast: ``alice`` and ``bob`` follow each other (friends) and chat privately; ``alice`` publishes and likes a
video and comments on it; ``carol`` follows nobody and is part of no conversation. Every viewer-relative flag
(``is_follow``, ``is_favorite``) is the viewer's, never the list owner's, and private fields (the friend list's
last message) reach nobody but the owner.
"""

from __future__ import annotations

import random
from types import SimpleNamespace

import pytest

from support.clips import clip
from support.douyin import USER_FIELDS, DouyinClient, assert_user_shape
from support.interactions import comment, comment_list, like
from support.social import FOLLOW, chat, relation, send, user_list

FRIEND_FIELDS = set(USER_FIELDS) | {"message", "msgType"}
VIDEO_FIELDS = {"id", "author", "play_url", "cover_url", "favorite_count", "comment_count", "is_favorite", "title"}
SECRET = "meet me at the usual place"


@pytest.fixture(scope="module")
def client(api_url: str) -> DouyinClient:
    return DouyinClient(api_url)


@pytest.fixture(scope="module")
def cast(client: DouyinClient) -> SimpleNamespace:
    alice, bob, carol = client.register(), client.register(), client.register()
    relation(client, alice, bob, FOLLOW)
    relation(client, bob, alice, FOLLOW)
    send(client, bob, alice, "hi alice")
    send(client, alice, bob, SECRET)
    data = clip(f"color=c=0x{random.randrange(1 << 24):06x}", 1.0, "mp4")
    files = {"token": (None, alice.token), "title": (None, "alice's clip"), "data": ("clip.mp4", data, "video/mp4")}
    assert client.call("POST", "/douyin/publish/action/", files=files)["status_code"] == 0
    listed = client.call("GET", "/douyin/publish/list/", params={"token": alice.token, "user_id": alice.user_id})
    [video] = listed["video_list"]
    assert like(client, alice, video["id"])["status_code"] == 0
    comment(client, alice, video["id"], "my own clip")
    return SimpleNamespace(alice=alice, bob=bob, carol=carol, video_id=video["id"])


def _video_shape(video: dict) -> None:
    assert set(video) == VIDEO_FIELDS, set(video) ^ VIDEO_FIELDS
    assert_user_shape(video["author"])


def test_a_stranger_reading_someone_elses_friend_list_gets_no_message(client, cast):
    [friend] = user_list(client, "friend", cast.carol, cast.alice)

    assert friend["id"] == cast.bob.user_id
    assert set(friend) == FRIEND_FIELDS
    assert (friend["message"], friend["msgType"]) == ("", 0)
    assert friend["is_follow"] is False  # carol's view, not alice's


def test_a_friend_reading_the_other_friends_list_gets_no_message_either(client, cast):
    [friend] = user_list(client, "friend", cast.bob, cast.alice)

    assert friend["id"] == cast.bob.user_id
    assert (friend["message"], friend["msgType"]) == ("", 0)


def test_the_owner_of_a_friend_list_sees_the_last_message(client, cast):
    [as_own_list] = user_list(client, "friend", cast.alice)
    [by_explicit_id] = user_list(client, "friend", cast.alice, cast.alice)

    assert (as_own_list["message"], as_own_list["msgType"]) == (SECRET, 1)
    assert by_explicit_id == as_own_list
    [bobs_view] = user_list(client, "friend", cast.bob)
    assert (bobs_view["message"], bobs_view["msgType"]) == (SECRET, 0)


@pytest.mark.parametrize("kind", ["follow", "follower"])
def test_follow_lists_of_others_carry_the_viewers_is_follow(client, cast, kind):
    [seen_by_carol] = user_list(client, kind, cast.carol, cast.alice)
    [seen_by_alice] = user_list(client, kind, cast.alice, cast.alice)

    assert seen_by_carol["id"] == seen_by_alice["id"] == cast.bob.user_id
    assert_user_shape(seen_by_carol)
    assert seen_by_carol["is_follow"] is False and seen_by_alice["is_follow"] is True


def test_user_info_of_another_user_is_the_public_user_object_with_the_viewers_is_follow(client, cast):
    seen_by_carol = client.call("GET", "/douyin/user/", params={"token": cast.carol.token, "user_id": cast.bob.user_id})
    seen_by_alice = client.call("GET", "/douyin/user/", params={"token": cast.alice.token, "user_id": cast.bob.user_id})

    assert set(seen_by_carol) == {"status_code", "status_msg", "user", "_http_status"}
    assert_user_shape(seen_by_carol["user"])
    assert seen_by_carol["user"]["is_follow"] is False and seen_by_alice["user"]["is_follow"] is True


@pytest.mark.parametrize("path", ["/douyin/favorite/list/", "/douyin/publish/list/"])
def test_video_lists_of_others_carry_the_viewers_is_favorite_and_is_follow(client, cast, path):
    by_carol = client.call("GET", path, params={"token": cast.carol.token, "user_id": cast.alice.user_id})
    by_bob = client.call("GET", path, params={"token": cast.bob.token, "user_id": cast.alice.user_id})

    [video] = by_carol["video_list"]
    _video_shape(video)
    assert video["id"] == cast.video_id and video["is_favorite"] is False  # alice likes it, carol does not
    assert video["author"]["is_follow"] is False
    assert by_bob["video_list"][0]["author"]["is_follow"] is True


def test_the_feed_carries_the_viewers_flags_and_none_for_anonymous_viewers(client, cast):
    def in_feed(params: dict) -> dict:
        body = client.call("GET", "/douyin/feed/", params=params)
        return next(video for video in body["video_list"] if video["id"] == cast.video_id)

    for seen in (in_feed({"token": cast.carol.token}), in_feed({})):
        _video_shape(seen)
        assert seen["is_favorite"] is False and seen["author"]["is_follow"] is False
    assert in_feed({"token": cast.alice.token})["is_favorite"] is True


def test_comment_lists_carry_the_viewers_is_follow(client, cast):
    [by_carol] = comment_list(client, cast.video_id, cast.carol)
    [by_anonymous] = comment_list(client, cast.video_id)
    [by_bob] = comment_list(client, cast.video_id, cast.bob)

    assert set(by_carol) == {"id", "user", "content", "create_date"}
    assert_user_shape(by_carol["user"])
    assert by_carol["user"]["is_follow"] is False and by_anonymous["user"]["is_follow"] is False
    assert by_bob["user"]["is_follow"] is True


@pytest.mark.parametrize("pre_msg_time", [None, 0, 1])
def test_chat_never_shows_a_conversation_the_viewer_is_not_part_of(client, cast, pre_msg_time):
    assert chat(client, cast.carol, cast.bob, pre_msg_time) == []
    assert chat(client, cast.carol, cast.alice, pre_msg_time) == []
    between_them = chat(client, cast.alice, cast.bob)
    assert SECRET in [message["content"] for message in between_them]
    assert all({m["from_user_id"], m["to_user_id"]} == {cast.alice.user_id, cast.bob.user_id} for m in between_them)
