"""I/O budget of chat polling: the client polls every second, so a poll with nothing new must be cheap."""

from __future__ import annotations

from support.round_trips import counting_round_trips
from support.social import invoke_http, register_in_process


def _poll(viewer, other, pre_msg_time):
    return invoke_http(
        "message_chat",
        "GET",
        "/douyin/message/chat/",
        token=viewer.token,
        to_user_id=other.user_id,
        pre_msg_time=pre_msg_time,
    )


def test_an_empty_chat_poll_costs_two_redis_round_trips_and_no_sql(stack_env):
    alice, bob = register_in_process(), register_in_process()
    invoke_http(
        "message_action",
        "POST",
        "/douyin/message/action/",
        token=alice.token,
        to_user_id=bob.user_id,
        action_type=1,
        content="hello",
    )
    [message] = _poll(bob, alice, 0)["message_list"]

    with counting_round_trips() as empty:
        assert _poll(bob, alice, message["create_time"])["message_list"] == []
    with counting_round_trips() as fresh:
        assert _poll(bob, alice, message["create_time"] - 1)["message_list"] == [message]

    print(f"\nempty chat poll: {empty.redis} Redis round trip(s), {empty.sql} SQL statement(s)")
    # One GET proves the token's user still exists (auth/session.py), one read answers the poll: two round trips
    # one after the other, wherever (on a cluster) their keys live.
    assert (empty.redis_total, empty.sql) == (2, 0)
    assert (fresh.redis_total, fresh.sql) == (2, 0)
