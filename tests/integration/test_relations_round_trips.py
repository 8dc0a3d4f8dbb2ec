"""I/O budget of the social lists: a bounded number of round trips, whatever the number of friends."""

from __future__ import annotations

from support.round_trips import counting_round_trips
from support.social import follow_in_process, invoke_http, register_in_process

FRIENDS = 50


def _list(kind, viewer):
    return invoke_http(f"relation_{kind}_list", "GET", f"/douyin/relation/{kind}/list/", token=viewer.token)[
        "user_list"
    ]


def test_a_warm_friend_list_of_50_friends_costs_a_few_redis_round_trips_and_no_sql(stack_env):
    owner = register_in_process()
    friends = [register_in_process() for _ in range(FRIENDS)]
    for friend in friends:
        follow_in_process(owner, friend)
        follow_in_process(friend, owner)
    for friend in friends[::2]:  # half of them have chatted
        invoke_http(
            "message_action",
            "POST",
            "/douyin/message/action/",
            token=friend.token,
            to_user_id=owner.user_id,
            action_type=1,
            content=f"hi from {friend.user_id}",
        )
    assert len(_list("friend", owner)) == FRIENDS  # warms every key

    with counting_round_trips() as friend_list:
        found = _list("friend", owner)
    with counting_round_trips() as follow_list:
        assert len(_list("follow", owner)) == FRIENDS

    print(
        f"\nwarm friend list of {FRIENDS}: {friend_list.redis} Redis round trips, {friend_list.sql} SQL statements"
        f"\nwarm follow list of {FRIENDS}: {follow_list.redis} Redis round trips, {follow_list.sql} SQL statements"
    )
    assert [user["id"] for user in found] == [friend.user_id for friend in reversed(friends)]
    assert sum(1 for user in found if user["message"]) == FRIENDS // 2
    # Each includes the one GET that proves the token's user still exists (auth/session.py).
    assert friend_list.sql == 0 and friend_list.redis <= 6
    assert follow_list.sql == 0 and follow_list.redis <= 5
