"""HTTP contract of /douyin/comment/action/ and /douyin/comment/list/, read-your-writes and counts."""

from __future__ import annotations

import re

import pytest

from gophertok.auth.tokens import issue_token
from support.douyin import USER_FIELDS, DouyinClient
from support.interactions import (
    comment,
    comment_list,
    comment_rows,
    forget_in_redis,
    like,
    make_video,
    wait_for_profiles,
)
from support.polling import wait_for


@pytest.fixture(scope="module")
def client(api_url: str) -> DouyinClient:
    return DouyinClient(api_url)


def _delete(client, account, video_id, comment_id) -> dict:
    return client.call(
        "POST",
        "/douyin/comment/action/",
        params={"token": account.token, "video_id": video_id, "action_type": 2, "comment_id": comment_id},
    )


def _video_counts(client, account, video_id) -> dict:
    """The video as the viewer's favorite list shows it (the viewer must like it)."""
    listed = client.call("GET", "/douyin/favorite/list/", params={"token": account.token})["video_list"]
    return next(video for video in listed if video["id"] == video_id)


def test_add_returns_the_full_comment_and_the_list_shows_it_at_once(client, database):
    author, fan = client.register(), client.register()
    video_id = make_video(database, author.user_id)
    created = comment(client, fan, video_id, "  Nice ONE!! 🎉 <3  ")
    assert set(created) == {"id", "user", "content", "create_date"}
    assert type(created["id"]) is int and created["id"] > 0
    assert created["content"] == "  Nice ONE!! 🎉 <3  "
    assert re.fullmatch(r"\d\d-\d\d", created["create_date"])
    assert set(created["user"]) == set(USER_FIELDS) and created["user"]["id"] == fan.user_id
    assert created["user"]["is_follow"] is False

    for viewer in (fan, None):  # anonymous readers are welcome
        [listed] = comment_list(client, video_id, viewer)
        assert _stable(listed) == _stable(created)


def _stable(shown: dict) -> dict:
    """A comment without the profile fields the profile consumer may fill in meanwhile."""
    user = {k: v for k, v in shown["user"].items() if k not in {"avatar", "background_image", "signature"}}
    return {**shown, "user": user}


def test_list_is_newest_first_and_counts_follow_adds_and_deletes(client, database):
    author, fan = client.register(), client.register()
    video_id = make_video(database, author.user_id)
    like(client, fan, video_id)
    ids = [comment(client, fan, video_id, f"comment {n}")["id"] for n in range(3)]
    assert [c["id"] for c in comment_list(client, video_id, fan)] == ids[::-1]
    assert _video_counts(client, fan, video_id)["comment_count"] == 3

    assert _delete(client, fan, video_id, ids[1])["status_code"] == 0
    assert [c["id"] for c in comment_list(client, video_id, fan)] == [ids[2], ids[0]]
    assert _video_counts(client, fan, video_id)["comment_count"] == 2


def test_sensitive_words_are_masked_and_everything_else_kept(client, database):
    fan = client.register()
    video_id = make_video(database, fan.user_id)
    created = comment(client, fan, video_id, "你这个傻逼, Really?!")
    assert created["content"] == "你这个**, Really?!"
    assert comment_list(client, video_id)[0]["content"] == "你这个**, Really?!"


def test_only_the_author_can_delete_a_comment(client, database):
    author, stranger = client.register(), client.register()
    video_id = make_video(database, author.user_id)
    created = comment(client, author, video_id, "mine")
    body = _delete(client, stranger, video_id, created["id"])
    assert body["status_code"] == 30003 and "only the author" in body["status_msg"]
    assert [c["id"] for c in comment_list(client, video_id)] == [created["id"]]


def test_a_comment_must_be_deleted_through_its_own_video(client, database):
    fan = client.register()
    video_id, other_video = make_video(database, fan.user_id), make_video(database, fan.user_id)
    created = comment(client, fan, video_id, "here")
    body = _delete(client, fan, other_video, created["id"])
    assert body["status_code"] == 10001 and "does not belong to this video" in body["status_msg"]
    assert [c["id"] for c in comment_list(client, video_id)] == [created["id"]]


def test_deleting_twice_or_an_unknown_comment_is_not_found(client, database):
    fan = client.register()
    video_id = make_video(database, fan.user_id)
    created = comment(client, fan, video_id, "short-lived")
    assert _delete(client, fan, video_id, created["id"])["status_code"] == 0
    again = _delete(client, fan, video_id, created["id"])
    assert again["status_code"] == 30001 and "comment not found" in again["status_msg"]
    unknown = _delete(client, fan, video_id, 12345)
    assert unknown["status_code"] == 30001 and "comment not found" in unknown["status_msg"]


@pytest.mark.parametrize(
    ("params", "status_code", "fragment"),
    [
        ({"action_type": 1, "comment_text": "x"}, 10001, "video_id is required"),
        ({"video_id": "x1", "action_type": 1, "comment_text": "x"}, 10001, "video_id must be an integer"),
        ({"video_id": 999, "action_type": 1, "comment_text": "x"}, 30001, "video not found"),
        ({"video_id": 999, "action_type": 2, "comment_id": 1}, 30001, "video not found"),
        ({"video_id": "VIDEO", "comment_text": "x"}, 10001, "action_type is required"),
        ({"video_id": "VIDEO", "action_type": 3, "comment_text": "x"}, 10001, "action_type must be 1"),
        ({"video_id": "VIDEO", "action_type": 1}, 10001, "comment_text is required"),
        ({"video_id": "VIDEO", "action_type": 1, "comment_text": " \t "}, 10001, "must not be empty"),
        ({"video_id": "VIDEO", "action_type": 1, "comment_text": "y" * 501}, 10001, "at most 500 characters"),
        ({"video_id": "VIDEO", "action_type": 2}, 10001, "comment_id is required"),
        ({"video_id": "VIDEO", "action_type": 2, "comment_id": "one"}, 10001, "comment_id must be an integer"),
    ],
)
def test_comment_action_validation_errors_say_what_is_wrong(client, database, params, status_code, fragment):
    fan = client.register()
    video_id = make_video(database, fan.user_id)
    params = {k: (video_id if v == "VIDEO" else v) for k, v in params.items()}
    body = client.call("POST", "/douyin/comment/action/", data={"token": fan.token, **params})
    assert body["status_code"] == status_code and body["_http_status"] == 200, body
    assert fragment in body["status_msg"]
    assert comment_list(client, video_id) == []


def test_a_comment_of_exactly_500_characters_is_accepted(client, database):
    fan = client.register()
    video_id = make_video(database, fan.user_id)
    assert comment(client, fan, video_id, "ü" * 500)["content"] == "ü" * 500


@pytest.mark.parametrize(
    ("token", "status_code"),
    [(None, 20001), ("garbage", 20002), ("EXPIRED", 20003)],
    ids=["missing", "garbage", "expired"],
)
def test_comment_action_needs_a_valid_token(client, database, token, status_code):
    fan = client.register()
    video_id = make_video(database, fan.user_id)
    params = {"video_id": video_id, "action_type": 1, "comment_text": "hello"}
    if token is not None:
        params["token"] = issue_token(fan.user_id, now=0) if token == "EXPIRED" else token
    body = client.call("POST", "/douyin/comment/action/", params=params)
    assert body["status_code"] == status_code, body
    assert comment_list(client, video_id) == []


@pytest.mark.parametrize(("token", "status_code"), [("garbage", 20002), ("EXPIRED", 20003)], ids=["garbage", "expired"])
def test_comment_list_rejects_a_bad_token_even_though_one_is_optional(client, database, token, status_code):
    fan = client.register()
    video_id = make_video(database, fan.user_id)
    token = issue_token(fan.user_id, now=0) if token == "EXPIRED" else token
    body = client.call("GET", "/douyin/comment/list/", params={"video_id": video_id, "token": token})
    assert body["status_code"] == status_code, body


@pytest.mark.parametrize(
    ("params", "status_code", "fragment"),
    [({}, 10001, "video_id is required"), ({"video_id": "abc"}, 10001, "integer"), ({"video_id": 999}, 30001, "video")],
)
def test_comment_list_validation_errors(client, params, status_code, fragment):
    body = client.call("GET", "/douyin/comment/list/", params=params)
    assert body["status_code"] == status_code and fragment in body["status_msg"], body


def test_comment_users_are_seen_by_the_viewer(client, database):
    author, fan, viewer = client.register(), client.register(), client.register()
    video_id = make_video(database, author.user_id)
    comment(client, fan, video_id, "hi")
    [shown] = comment_list(client, video_id, viewer)
    assert shown["user"]["id"] == fan.user_id and shown["user"]["is_follow"] is False


def test_comments_and_counts_survive_a_redis_flush_after_the_consumer_caught_up(client, database, redis_client):
    author, fans = client.register(), [client.register() for _ in range(2)]
    video_id = make_video(database, author.user_id)
    like(client, fans[0], video_id)
    created = [comment(client, fan, video_id, f"from {fan.username}") for fan in fans for _ in range(2)]
    _delete(client, fans[1], video_id, created[2]["id"])

    def persisted():
        rows = comment_rows(database, [video_id])
        return len(rows) == 4 and sum(row[5] is not None for row in rows) == 1

    wait_for(persisted, what="the comment consumer to persist the comments and the deletion")
    wait_for_profiles(client, [author, *fans])
    before = comment_list(client, video_id, fans[0]), _video_counts(client, fans[0], video_id)
    assert [c["id"] for c in before[0]] == [created[3]["id"], created[1]["id"], created[0]["id"]]
    assert before[1]["comment_count"] == 3

    users = [author.user_id, *(fan.user_id for fan in fans)]
    assert forget_in_redis(redis_client, users, [video_id], [c["id"] for c in created]) > 0
    assert (comment_list(client, video_id, fans[0]), _video_counts(client, fans[0], video_id)) == before
