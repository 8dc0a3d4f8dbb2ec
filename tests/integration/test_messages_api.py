"""HTTP contract of sending chat messages and reading a conversation."""

from __future__ import annotations

import pytest

from support.douyin import DouyinClient
from support.social import chat, send

UNKNOWN_USER_ID = 9_000_000_000_000_000_000
MESSAGE_FIELDS = {"id", "to_user_id", "from_user_id", "content", "create_time"}


@pytest.fixture(scope="module")
def client(api_url: str) -> DouyinClient:
    return DouyinClient(api_url)


@pytest.mark.parametrize(
    ("params", "status_code", "fragment"),
    [
        ({"action_type": 1, "content": "hi"}, 10001, "to_user_id is required"),
        ({"to_user_id": "1e3", "action_type": 1, "content": "hi"}, 10001, "to_user_id must be an integer"),
        ({"to_user_id": "TARGET", "content": "hi"}, 10001, "action_type is required"),
        ({"to_user_id": "TARGET", "action_type": 2, "content": "hi"}, 10001, "action_type must be 1 (send)"),
        ({"to_user_id": "TARGET", "action_type": 1}, 10001, "content is required"),
        ({"to_user_id": "TARGET", "action_type": 1, "content": ""}, 10001, "content is required"),
        ({"to_user_id": "TARGET", "action_type": 1, "content": " \t\n "}, 10001, "content must not be empty"),
        ({"to_user_id": "TARGET", "action_type": 1, "content": "x" * 1001}, 10001, "at most 1000 characters"),
        ({"to_user_id": "SELF", "action_type": 1, "content": "hi"}, 10001, "you cannot send a message to yourself"),
        ({"to_user_id": UNKNOWN_USER_ID, "action_type": 1, "content": "hi"}, 30001, "user not found"),
    ],
)
def test_message_action_rejects_bad_input_with_a_clear_message(client, params, status_code, fragment):
    sender, target = client.register(), client.register()
    substitutes = {"TARGET": target.user_id, "SELF": sender.user_id}
    params = {name: substitutes.get(value, value) for name, value in params.items()}
    body = client.call("POST", "/douyin/message/action/", params={"token": sender.token, **params})
    assert (body["status_code"], body["_http_status"]) == (status_code, 200), body
    assert fragment in body["status_msg"]
    assert chat(client, target, sender) == []


@pytest.mark.parametrize(
    ("params", "status_code", "fragment"),
    [
        ({}, 10001, "to_user_id is required"),
        ({"to_user_id": "x"}, 10001, "to_user_id must be an integer"),
        ({"to_user_id": "OTHER", "pre_msg_time": "yesterday"}, 10001, "pre_msg_time must be an integer"),
        ({"to_user_id": "OTHER", "pre_msg_time": -1}, 10001, "pre_msg_time must be at least 0"),
        ({"to_user_id": "SELF"}, 10001, "you cannot chat with yourself"),
        ({"to_user_id": UNKNOWN_USER_ID}, 30001, "user not found"),
    ],
)
def test_chat_rejects_bad_input_with_a_clear_message(client, params, status_code, fragment):
    viewer, other = client.register(), client.register()
    substitutes = {"OTHER": other.user_id, "SELF": viewer.user_id}
    params = {name: substitutes.get(value, value) for name, value in params.items()}
    body = client.call("GET", "/douyin/message/chat/", params={"token": viewer.token, **params})
    assert (body["status_code"], body["_http_status"]) == (status_code, 200), body
    assert fragment in body["status_msg"]


def test_a_message_is_readable_by_both_sides_on_the_next_request_exactly_as_typed(client):
    alice, bob = client.register(), client.register()
    text = "  你好, <b>Bob</b> 🙂  "
    send(client, alice, bob, text)
    for viewer, other in ((alice, bob), (bob, alice)):
        messages = chat(client, viewer, other)
        assert len(messages) == 1
        message = messages[0]
        assert set(message) == MESSAGE_FIELDS
        assert (message["from_user_id"], message["to_user_id"], message["content"]) == (
            alice.user_id,
            bob.user_id,
            text,
        )
        assert all(type(message[name]) is int for name in ("id", "to_user_id", "from_user_id", "create_time"))
        assert message["create_time"] > 1_600_000_000_000  # milliseconds


def test_the_longest_allowed_message_is_kept_whole(client):
    alice, bob = client.register(), client.register()
    text = "长" * 1000
    send(client, alice, bob, text)
    assert chat(client, bob, alice)[0]["content"] == text


def test_without_pre_msg_time_the_whole_conversation_comes_oldest_first(client):
    alice, bob = client.register(), client.register()
    script = [(alice, bob, "one"), (bob, alice, "two"), (alice, bob, "three"), (bob, alice, "four")]
    for sender, receiver, text in script:
        send(client, sender, receiver, text)
    for viewer, other in ((alice, bob), (bob, alice)):
        for pre in (None, 0):
            messages = chat(client, viewer, other, pre)
            assert [m["content"] for m in messages] == ["one", "two", "three", "four"]
            times = [m["create_time"] for m in messages]
            assert times == sorted(set(times))


def test_with_pre_msg_time_only_newer_messages_sent_to_the_requester_come_back(client):
    alice, bob = client.register(), client.register()
    send(client, alice, bob, "old")
    newest_held = chat(client, bob, alice)[-1]["create_time"]
    send(client, bob, alice, "bob's own")
    send(client, alice, bob, "new 1")
    send(client, alice, bob, "new 2")

    polled = chat(client, bob, alice, newest_held)
    assert [m["content"] for m in polled] == ["new 1", "new 2"]
    assert chat(client, bob, alice, polled[-1]["create_time"]) == []
    assert [m["content"] for m in chat(client, alice, bob, newest_held)] == ["bob's own"]


def test_a_conversation_between_users_who_never_chatted_is_empty(client):
    alice, bob = client.register(), client.register()
    assert chat(client, alice, bob) == []
    assert chat(client, alice, bob, 1) == []
