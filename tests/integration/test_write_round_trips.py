"""I/O budgets of the write endpoints and of a user's own profile, warm: each round trip is most of a request's time
on a loopback, and every one the answer does not need is a defect (issue 14: handler time within 1.5× of its I/O)."""

from __future__ import annotations

import pytest

from support.interactions import make_video
from support.round_trips import counting_round_trips
from support.social import invoke_http, register_in_process

pytestmark = pytest.mark.integration


def like(account, video_id: int, action_type: int) -> None:
    invoke_http(
        "favorite_action", "POST", "/douyin/favorite/action/", token=account.token, video_id=video_id,
        action_type=action_type,
    )  # fmt: skip


def test_a_warm_like_costs_five_redis_round_trips(stack_env, database):
    viewer, author = register_in_process(), register_in_process()
    video = make_video(database, author.user_id)
    like(viewer, video, 1)
    like(viewer, video, 2)  # every key the like touches is loaded now

    with counting_round_trips() as counts:
        like(viewer, video, 1)

    # The rate limit, the token's user, the video, the change (which also pushes the likes set's expiry back and
    # checks its floor), the three counters (one pipeline). There were nine: the set was touched by a script of its
    # own first, redis-py's script pipelines asked SCRIPT EXISTS first, and the counters were two pipelines.
    # (On a cluster the busiest node's count, which is what these bound.)
    assert counts.sql == 0 and counts.redis <= 5, counts.redis_by_node


def test_your_own_profile_costs_two_redis_round_trips(stack_env):
    me = register_in_process()
    invoke_http("user_info", "GET", "/douyin/user/", token=me.token, user_id=me.user_id)

    with counting_round_trips() as counts:
        body = invoke_http("user_info", "GET", "/douyin/user/", token=me.token, user_id=me.user_id)

    assert body["user"]["is_follow"] is False
    # The token's user (the profile the answer shows too), the counters. There were four: the profile was read again
    # for the answer, and whether you follow yourself looked up.
    assert counts.sql == 0 and counts.redis <= 2, counts.redis_by_node


def follow(actor, target, action_type: int) -> None:
    invoke_http(
        "relation_action", "POST", "/douyin/relation/action/", token=actor.token, to_user_id=target.user_id,
        action_type=action_type,
    )  # fmt: skip


def test_a_warm_follow_that_makes_friends_costs_nine_redis_round_trips(stack_env):
    alice, bob = register_in_process(), register_in_process()
    follow(bob, alice, 1)
    for user in (alice, bob):
        invoke_http("relation_friend_list", "GET", "/douyin/relation/friend/list/", token=user.token)
    follow(alice, bob, 1)
    follow(alice, bob, 2)  # every key the follow touches is loaded now, both friends sets included

    with counting_round_trips() as counts:
        follow(alice, bob, 1)

    # The rate limit, the token's user, the target, the followee's followers set (expiry, floor), the change (the
    # follower's set's too), the followee's side, the two counters (one pipeline), whether bob follows back, both
    # friends sets (one pipeline). There were twelve: the follower's set was touched by a script of its own first,
    # the follow back was a script and a ZSCORE, and the friends sets two scripts one after the other.
    assert counts.sql == 0 and counts.redis <= 9, counts.redis_by_node
    assert [user["id"] for user in invoke_http(
        "relation_friend_list", "GET", "/douyin/relation/friend/list/", token=alice.token
    )["user_list"]] == [bob.user_id]  # fmt: skip
