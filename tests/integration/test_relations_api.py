"""HTTP contract of follow/unfollow and the follow, follower and friend lists."""

from __future__ import annotations

import pytest

from support.douyin import USER_FIELDS, DouyinClient
from support.social import FOLLOW, LISTS, UNFOLLOW, ids, profile, relation, send, user_list

UNKNOWN_USER_ID = 9_000_000_000_000_000_000
FORGED_TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"


@pytest.fixture(scope="module")
def client(api_url: str) -> DouyinClient:
    return DouyinClient(api_url)


def _action(client, token, **params):
    return client.call("POST", "/douyin/relation/action/", params={"token": token, **params})


def _counts(client, viewer, user):
    found = profile(client, viewer, user)
    return found["follow_count"], found["follower_count"]


@pytest.mark.parametrize(
    ("params", "status_code", "fragment"),
    [
        ({"action_type": 1}, 10001, "to_user_id is required"),
        ({"to_user_id": "abc", "action_type": 1}, 10001, "to_user_id must be an integer"),
        ({"to_user_id": 0, "action_type": 1}, 10001, "to_user_id must be at least 1"),
        ({"to_user_id": "TARGET"}, 10001, "action_type is required"),
        ({"to_user_id": "TARGET", "action_type": "x"}, 10001, "action_type must be an integer"),
        ({"to_user_id": "TARGET", "action_type": 3}, 10001, "action_type must be 1 (follow) or 2 (unfollow)"),
        ({"to_user_id": "SELF", "action_type": 1}, 10001, "you cannot follow yourself"),
        ({"to_user_id": "SELF", "action_type": 2}, 10001, "you cannot unfollow yourself"),
        ({"to_user_id": UNKNOWN_USER_ID, "action_type": 1}, 30001, "user not found"),
        ({"to_user_id": UNKNOWN_USER_ID, "action_type": 2}, 30001, "user not found"),
    ],
)
def test_relation_action_rejects_bad_input_with_a_clear_message(client, params, status_code, fragment):
    actor, target = client.register(), client.register()
    substitutes = {"TARGET": target.user_id, "SELF": actor.user_id}
    params = {name: substitutes.get(value, value) for name, value in params.items()}
    body = _action(client, actor.token, **params)
    assert (body["status_code"], body["_http_status"]) == (status_code, 200), body
    assert fragment in body["status_msg"]
    assert _counts(client, actor, actor) == (0, 0)


@pytest.mark.parametrize(("token", "status_code"), [(None, 20001), ("not-a-token", 20002), (FORGED_TOKEN, 20002)])
def test_every_social_endpoint_rejects_missing_and_bad_tokens(client, token, status_code):
    target = client.register()
    params = {"to_user_id": target.user_id, "action_type": 1, "content": "hi", "user_id": target.user_id}
    if token is not None:
        params["token"] = token
    calls = [
        ("POST", "/douyin/relation/action/"),
        ("POST", "/douyin/message/action/"),
        ("GET", "/douyin/message/chat/"),
    ]
    calls += [("GET", path) for path in LISTS.values()]
    for method, path in calls:
        body = client.call(method, path, params=params)
        assert body["status_code"] == status_code, (path, body)
    assert _counts(client, target, target) == (0, 0)


def test_the_token_may_come_as_a_bearer_header(client):
    actor, target = client.register(), client.register()
    body = client.call(
        "POST",
        "/douyin/relation/action/",
        params={"to_user_id": target.user_id, "action_type": FOLLOW},
        headers={"Authorization": f"Bearer {actor.token}"},
    )
    assert body["status_code"] == 0, body
    assert ids(user_list(client, "follow", actor)) == [target.user_id]


def test_follow_unfollow_and_follow_again_keep_both_sides_counts_right_immediately(client):
    alice, bob, viewer = client.register(), client.register(), client.register()

    relation(client, alice, bob, FOLLOW)
    relation(client, alice, bob, FOLLOW)  # idempotent: counts once
    assert _counts(client, viewer, alice) == (1, 0)
    assert _counts(client, viewer, bob) == (0, 1)
    assert profile(client, alice, bob)["is_follow"] is True
    assert profile(client, bob, alice)["is_follow"] is False

    relation(client, alice, bob, UNFOLLOW)
    relation(client, alice, bob, UNFOLLOW)
    assert _counts(client, viewer, alice) == (0, 0)
    assert _counts(client, viewer, bob) == (0, 0)
    assert profile(client, alice, bob)["is_follow"] is False

    relation(client, alice, bob, FOLLOW)
    assert _counts(client, viewer, alice) == (1, 0)
    assert _counts(client, viewer, bob) == (0, 1)
    assert ids(user_list(client, "follow", viewer, alice)) == [bob.user_id]
    assert ids(user_list(client, "follower", viewer, bob)) == [alice.user_id]


def test_lists_are_most_recent_first_with_full_users_and_the_viewers_is_follow(client):
    owner, first, second, third, viewer = (client.register() for _ in range(5))
    for target in (first, second, third):
        relation(client, owner, target, FOLLOW)
        relation(client, target, owner, FOLLOW)
    relation(client, viewer, second, FOLLOW)

    following = user_list(client, "follow", viewer, owner)
    assert ids(following) == [third.user_id, second.user_id, first.user_id]
    assert all(set(user) == set(USER_FIELDS) for user in following)
    assert [user["is_follow"] for user in following] == [False, True, False]
    assert [user["follower_count"] for user in following] == [1, 2, 1]
    followers = user_list(client, "follower", viewer, owner)
    assert ids(followers) == [third.user_id, second.user_id, first.user_id]
    # As the owner sees it, every one of them is followed back.
    assert all(user["is_follow"] for user in user_list(client, "follower", owner))


def test_lists_default_to_the_token_user_and_check_user_id(client):
    owner, target = client.register(), client.register()
    relation(client, owner, target, FOLLOW)
    assert ids(user_list(client, "follow", owner)) == [target.user_id]
    assert ids(user_list(client, "follower", target)) == [owner.user_id]
    for path in LISTS.values():
        for user_id, status_code, fragment in [
            ("abc", 10001, "user_id must be an integer"),
            ("-3", 10001, "user_id must be at least 1"),
            (UNKNOWN_USER_ID, 30001, "user not found"),
        ]:
            body = client.call("GET", path, params={"token": owner.token, "user_id": user_id})
            assert (body["status_code"], body["_http_status"]) == (status_code, 200), (path, body)
            assert fragment in body["status_msg"]


def test_friends_are_mutual_follows_only_even_when_other_followers_are_not_followed_back(client):
    owner, mutual, fan, idol = (client.register() for _ in range(4))
    relation(client, owner, mutual, FOLLOW)
    relation(client, mutual, owner, FOLLOW)
    relation(client, fan, owner, FOLLOW)  # not followed back
    relation(client, owner, idol, FOLLOW)  # does not follow back

    friends = user_list(client, "friend", owner)
    assert ids(friends) == [mutual.user_id]
    assert set(friends[0]) == set(USER_FIELDS) | {"message", "msgType"}
    assert (friends[0]["message"], friends[0]["msgType"]) == ("", 0)
    assert friends[0]["is_follow"] is True
    assert ids(user_list(client, "friend", mutual)) == [owner.user_id]
    assert user_list(client, "friend", fan) == []

    relation(client, mutual, owner, UNFOLLOW)
    assert user_list(client, "friend", owner) == []
    assert user_list(client, "friend", mutual) == []


def test_friend_list_carries_the_last_message_and_who_sent_it(client):
    owner, talker, quiet = (client.register() for _ in range(3))
    for friend in (talker, quiet):
        relation(client, owner, friend, FOLLOW)
        relation(client, friend, owner, FOLLOW)
    send(client, owner, talker, "first")
    send(client, talker, owner, "  the reply, as typed ")

    friends = {user["id"]: user for user in user_list(client, "friend", owner)}
    assert (friends[talker.user_id]["message"], friends[talker.user_id]["msgType"]) == ("  the reply, as typed ", 0)
    assert (friends[quiet.user_id]["message"], friends[quiet.user_id]["msgType"]) == ("", 0)
    seen_by_talker = user_list(client, "friend", talker)
    assert (seen_by_talker[0]["message"], seen_by_talker[0]["msgType"]) == ("  the reply, as typed ", 1)

    send(client, owner, talker, "last word")
    friend = next(u for u in user_list(client, "friend", owner) if u["id"] == talker.user_id)
    assert (friend["message"], friend["msgType"]) == ("last word", 1)
    # Someone else's friend list shows the friends but not their private messages (docs/privacy.md).
    viewed = user_list(client, "friend", quiet, talker)
    assert (viewed[0]["id"], viewed[0]["message"], viewed[0]["msgType"]) == (owner.user_id, "", 0)
