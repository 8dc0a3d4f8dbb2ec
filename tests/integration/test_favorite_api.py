"""HTTP contract of /douyin/favorite/action/ and /douyin/favorite/list/, read-your-writes and counts."""

from __future__ import annotations

import pytest

from gophertok.auth.tokens import issue_token
from support.douyin import DouyinClient, user_info
from support.interactions import (
    favorite_rows,
    forget_in_redis,
    like,
    liked_ids,
    make_video,
    wait_for_profiles,
)
from support.polling import wait_for

VIDEO_FIELDS = {"id", "author", "play_url", "cover_url", "favorite_count", "comment_count", "is_favorite", "title"}


@pytest.fixture(scope="module")
def client(api_url: str) -> DouyinClient:
    return DouyinClient(api_url)


def test_like_shows_at_once_in_the_list_with_counts_everywhere(client, database):
    author, fan = client.register(), client.register()
    video_id = make_video(database, author.user_id, "my first clip")

    body = like(client, fan, video_id)
    assert body["status_code"] == 0 and body["_http_status"] == 200

    listed = client.call("GET", "/douyin/favorite/list/", params={"token": fan.token})
    assert listed["status_code"] == 0
    [video] = listed["video_list"]
    assert set(video) == VIDEO_FIELDS
    assert video["id"] == video_id and video["title"] == "my first clip"
    assert video["favorite_count"] == 1 and video["is_favorite"] is True
    assert video["author"]["id"] == author.user_id and video["author"]["total_favorited"] == 1
    assert user_info(client, fan, fan.user_id)["favorite_count"] == 1
    assert user_info(client, fan, author.user_id)["total_favorited"] == 1


def test_liking_twice_counts_once_and_unliking_twice_is_harmless(client, database):
    author, fan = client.register(), client.register()
    video_id = make_video(database, author.user_id)
    for _ in range(2):
        assert like(client, fan, video_id)["status_code"] == 0
    assert liked_ids(client, fan) == [video_id]
    assert user_info(client, fan, author.user_id)["total_favorited"] == 1
    for _ in range(2):
        assert like(client, fan, video_id, action_type=2)["status_code"] == 0
    assert liked_ids(client, fan) == []
    assert user_info(client, fan, fan.user_id)["favorite_count"] == 0
    assert user_info(client, fan, author.user_id)["total_favorited"] == 0


def test_list_is_most_recent_like_first_and_a_relike_moves_to_the_top(client, database):
    author, fan = client.register(), client.register()
    first, second = make_video(database, author.user_id), make_video(database, author.user_id)
    like(client, fan, first)
    like(client, fan, second)
    assert liked_ids(client, fan) == [second, first]
    like(client, fan, first, action_type=2)
    like(client, fan, first)
    assert liked_ids(client, fan) == [first, second]


def test_someone_elses_list_carries_the_viewers_is_favorite(client, database):
    author, owner, viewer = client.register(), client.register(), client.register()
    shared, only_owner = make_video(database, author.user_id), make_video(database, author.user_id)
    like(client, owner, shared)
    like(client, owner, only_owner)
    like(client, viewer, shared)
    body = client.call("GET", "/douyin/favorite/list/", params={"token": viewer.token, "user_id": owner.user_id})
    flags = {video["id"]: video["is_favorite"] for video in body["video_list"]}
    assert flags == {shared: True, only_owner: False}
    assert {video["id"]: video["favorite_count"] for video in body["video_list"]} == {shared: 2, only_owner: 1}


def test_the_first_like_reaches_mysql_through_the_consumer(client, database):
    author, fan = client.register(), client.register()
    video_id = make_video(database, author.user_id)
    like(client, fan, video_id)
    rows = wait_for(lambda: favorite_rows(database, [video_id]), what="the favorite consumer")
    [(user_id, stored_video, liked, _, _)] = rows
    assert (user_id, stored_video, liked) == (fan.user_id, video_id, 1)


@pytest.mark.parametrize(
    ("params", "status_code", "fragment"),
    [
        ({"action_type": 1}, 10001, "video_id is required"),
        ({"video_id": "abc", "action_type": 1}, 10001, "video_id must be an integer"),
        ({"video_id": 0, "action_type": 1}, 10001, "video_id must be at least 1"),
        ({"video_id": "VIDEO"}, 10001, "action_type is required"),
        ({"video_id": "VIDEO", "action_type": 3}, 10001, "action_type must be 1 (like) or 2 (unlike)"),
        ({"video_id": "VIDEO", "action_type": 0}, 10001, "action_type must be 1"),
        ({"video_id": "VIDEO", "action_type": "like"}, 10001, "action_type must be an integer"),
        ({"video_id": 999, "action_type": 1}, 30001, "video not found"),
        ({"video_id": 999, "action_type": 2}, 30001, "video not found"),
    ],
)
def test_favorite_action_validation_errors_say_what_is_wrong(client, database, params, status_code, fragment):
    fan = client.register()
    video_id = make_video(database, fan.user_id)
    params = {k: (video_id if v == "VIDEO" else v) for k, v in params.items()}
    body = client.call("POST", "/douyin/favorite/action/", params={"token": fan.token, **params})
    assert body["status_code"] == status_code and body["_http_status"] == 200, body
    assert fragment in body["status_msg"]
    assert liked_ids(client, fan) == []


@pytest.mark.parametrize(
    ("token", "status_code"),
    [(None, 20001), ("not-a-token", 20002), ("a.b.c", 20002), ("EXPIRED", 20003)],
    ids=["missing", "garbage", "three-dots", "expired"],
)
@pytest.mark.parametrize(("method", "path"), [("POST", "/douyin/favorite/action/"), ("GET", "/douyin/favorite/list/")])
def test_favorite_endpoints_need_a_valid_token(client, database, method, path, token, status_code):
    params = {"video_id": 1, "action_type": 1}
    if token == "EXPIRED":
        token = issue_token(1, now=0)
    if token is not None:
        params["token"] = token
    body = client.call(method, path, params=params)
    assert body["status_code"] == status_code and body["_http_status"] == 200, body


def test_favorite_list_of_an_unknown_user_is_not_found(client):
    viewer = client.register()
    body = client.call("GET", "/douyin/favorite/list/", params={"token": viewer.token, "user_id": 2**62})
    assert body["status_code"] == 30001 and "user not found" in body["status_msg"]


def test_parameters_in_a_form_body_and_bearer_header_are_accepted(client, database):
    author, fan = client.register(), client.register()
    video_id = make_video(database, author.user_id)
    body = client.call(
        "POST",
        "/douyin/favorite/action",
        data={"video_id": video_id, "action_type": 1},
        headers={"Authorization": f"Bearer {fan.token}"},
    )
    assert body["status_code"] == 0, body
    assert liked_ids(client, fan) == [video_id]


def test_lists_and_counts_survive_a_redis_flush_after_the_consumer_caught_up(client, database, redis_client):
    author, fans = client.register(), [client.register() for _ in range(3)]
    videos = [make_video(database, author.user_id) for _ in range(3)]
    for index, fan in enumerate(fans):
        for video_id in videos[: index + 1]:
            like(client, fan, video_id)
    like(client, fans[2], videos[0], action_type=2)  # fans[2] ends with videos[1], videos[2]
    liked_pairs = {(fan.user_id, video_id) for index, fan in enumerate(fans) for video_id in videos[: index + 1]}
    liked_pairs.discard((fans[2].user_id, videos[0]))
    expected_rows = len(liked_pairs)

    def persisted():
        rows = favorite_rows(database, videos)
        return len(rows) == 6 and {(row[0], row[1]) for row in rows if row[2]} == liked_pairs

    wait_for(persisted, what="the favorite consumer to persist every like")

    def snapshot():
        lists = [
            client.call("GET", "/douyin/favorite/list/", params={"token": fan.token})["video_list"] for fan in fans
        ]
        people = [user_info(client, fans[0], user.user_id) for user in (author, *fans)]
        return lists, people

    wait_for_profiles(client, [author, *fans])
    before = snapshot()
    assert [[v["id"] for v in listed] for listed in before[0]] == [
        [videos[0]],
        [videos[1], videos[0]],
        [videos[2], videos[1]],
    ]
    assert before[1][0]["total_favorited"] == expected_rows
    users = [author.user_id, *(fan.user_id for fan in fans)]
    assert forget_in_redis(redis_client, users, videos) > 0
    assert snapshot() == before
    # and the rebuilt read model keeps counting correctly
    like(client, fans[0], videos[2])
    assert user_info(client, fans[0], author.user_id)["total_favorited"] == expected_rows + 1
