"""Social rules decided before any I/O: bad actions, yourself, message content, event payloads."""

from __future__ import annotations

import json

import pytest

from gophertok import keys
from gophertok.errors import InvalidInput
from gophertok.events import Event
from gophertok.services import messages, relations
from gophertok.services.conversations import Message, pair_of


@pytest.mark.parametrize("action_type", [0, 3, -1])
def test_relation_action_rejects_an_unknown_action_type(action_type):
    with pytest.raises(InvalidInput, match=r"action_type must be 1 \(follow\) or 2 \(unfollow\)"):
        relations.relation_action(1, 2, action_type)


@pytest.mark.parametrize(("action_type", "verb"), [(1, "follow"), (2, "unfollow")])
def test_relation_action_on_yourself_is_invalid(action_type, verb):
    with pytest.raises(InvalidInput, match=f"you cannot {verb} yourself"):
        relations.relation_action(7, 7, action_type)


@pytest.mark.parametrize("content", [None, "", " ", "\t\n \u3000"])
def test_blank_content_is_rejected(content):
    with pytest.raises(InvalidInput, match="content must not be empty"):
        messages.validate_content(content)


def test_content_is_kept_exactly_as_typed_up_to_the_maximum():
    assert messages.validate_content("  hi  ") == "  hi  "
    assert messages.validate_content("字" * messages.CONTENT_MAX) == "字" * messages.CONTENT_MAX
    with pytest.raises(InvalidInput, match="at most 1000 characters"):
        messages.validate_content("x" * (messages.CONTENT_MAX + 1))


def test_send_message_rejects_other_action_types_and_yourself():
    with pytest.raises(InvalidInput, match=r"action_type must be 1 \(send\)"):
        messages.send_message(1, 2, 2, "hi")
    with pytest.raises(InvalidInput, match="you cannot send a message to yourself"):
        messages.send_message(3, 3, 1, "hi")
    with pytest.raises(InvalidInput, match="you cannot chat with yourself"):
        messages.chat(3, 3, 0)


def test_a_conversation_key_is_the_same_from_both_sides_and_hash_tagged():
    assert keys.conversation(5, 42) == keys.conversation(42, 5) == "gt:chat:{5:42}:messages"
    assert pair_of(42, 5) == (5, 42)


def test_a_message_member_is_deterministic_and_round_trips_with_its_score():
    message = Message(11, 5, 42, ' "quoted" 你好 ', 1_700_000_000_123)
    member = message.member()
    assert member == Message(11, 5, 42, ' "quoted" 你好 ', 1).member()  # the time lives in the score
    assert json.loads(member) == {"id": 11, "from_user_id": 5, "to_user_id": 42, "content": ' "quoted" 你好 '}
    assert Message.from_member(member, 1_700_000_000_123.0) == message
    assert message.as_json() == {
        "id": 11,
        "to_user_id": 42,
        "from_user_id": 5,
        "content": ' "quoted" 你好 ',
        "create_time": 1_700_000_000_123,
    }


def test_message_events_round_trip_through_the_envelope():
    message = Message(11, 5, 42, "hi", 1_700_000_000_123)
    event = Event.from_json(Event(messages.MESSAGE_SENT, messages.message_event_data(message)).to_json())
    assert Message(**{**event.data}) == message


def test_events_of_other_types_are_ignored_by_the_consumers():
    stranger = Event("something.else", {"id": 1})
    assert relations.persist_relations([stranger]) == 0
    assert messages.persist_messages([stranger]) == 0
