"""A user's own favorite, follow and friend lists hold only what that user likes or follows: their is_favorite and
is_follow are true with no look-up. Anyone else reading the same list still gets their own flags."""

from __future__ import annotations

import pytest

from gophertok.services import read_model
from support.interactions import make_video
from support.social import follow_in_process, invoke_http, register_in_process


@pytest.fixture
def flag_reads(monkeypatch, stack_env) -> dict[str, list[set[int]]]:
    """The id sets each flag look-up was asked about, by kind."""
    asked: dict[str, list[set[int]]] = {"liked": [], "following": []}
    for kind, name in (("liked", "liked_flags"), ("following", "following_flags")):
        real = getattr(read_model, name)

        def spy(viewer_id, ids, real=real, kind=kind):
            ids = list(ids)
            asked[kind].append(set(ids))
            return real(viewer_id, ids)

        monkeypatch.setattr(read_model, name, spy)
    return asked


def _like(account, video_id):
    invoke_http(
        "favorite_action", "POST", "/douyin/favorite/action/", token=account.token, video_id=video_id, action_type=1
    )


def test_my_favorite_list_is_all_liked_without_asking_and_a_visitor_sees_their_own_likes(database, flag_reads):
    author, owner, visitor = register_in_process(), register_in_process(), register_in_process()
    videos = [make_video(database, author.user_id, f"clip {n}") for n in range(3)]
    for video_id in videos:
        _like(owner, video_id)
    _like(visitor, videos[1])
    flag_reads["liked"].clear()

    mine = invoke_http("favorite_list", "GET", "/douyin/favorite/list/", token=owner.token, user_id=owner.user_id)
    assert [video["id"] for video in mine["video_list"]] == videos[::-1]
    assert all(video["is_favorite"] for video in mine["video_list"])
    assert flag_reads["liked"] == []  # nothing to ask: the list is the owner's likes

    seen = invoke_http("favorite_list", "GET", "/douyin/favorite/list/", token=visitor.token, user_id=owner.user_id)
    assert {video["id"]: video["is_favorite"] for video in seen["video_list"]} == {
        videos[0]: False,
        videos[1]: True,
        videos[2]: False,
    }
    assert flag_reads["liked"] == [set(videos)]


@pytest.mark.parametrize("kind", ["follow", "friend"])
def test_my_follow_and_friend_lists_are_all_followed_without_asking_and_a_visitor_sees_their_own(kind, flag_reads):
    owner, visitor = register_in_process(), register_in_process()
    others = [register_in_process() for _ in range(3)]
    for other in others:
        follow_in_process(owner, other)
        follow_in_process(other, owner)  # friends too
    follow_in_process(visitor, others[0])
    flag_reads["following"].clear()

    path = f"/douyin/relation/{kind}/list/"
    mine = invoke_http(f"relation_{kind}_list", "GET", path, token=owner.token, user_id=owner.user_id)["user_list"]
    assert [user["id"] for user in mine] == [other.user_id for other in reversed(others)]
    assert all(user["is_follow"] for user in mine)
    assert flag_reads["following"] == []

    seen = invoke_http(f"relation_{kind}_list", "GET", path, token=visitor.token, user_id=owner.user_id)["user_list"]
    assert {user["id"]: user["is_follow"] for user in seen} == {
        others[0].user_id: True,
        others[1].user_id: False,
        others[2].user_id: False,
    }
    assert flag_reads["following"] == [{other.user_id for other in others}]
