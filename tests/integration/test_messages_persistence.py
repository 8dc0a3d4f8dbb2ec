"""Messages reach MySQL through message_consumer once each, and chat history is rebuilt from MySQL."""

from __future__ import annotations

import pytest

from gophertok import keys
from gophertok.registry import Topics
from gophertok_local.events import kafka_event
from gophertok_local.functions import invoke
from support.douyin import DouyinClient
from support.kafka_topics import topic_records
from support.polling import wait_for
from support.social import chat, send


@pytest.fixture(scope="module")
def client(api_url: str) -> DouyinClient:
    return DouyinClient(api_url)


def _rows(database, *user_ids):
    marks = ", ".join(["%s"] * len(user_ids))
    return database.query(
        f"SELECT id, from_user_id, to_user_id, content, created_at FROM messages WHERE from_user_id IN ({marks}) "
        "ORDER BY created_at, id",
        list(user_ids),
    )


def _as_messages(rows):
    return [
        {
            "id": r["id"],
            "to_user_id": r["to_user_id"],
            "from_user_id": r["from_user_id"],
            "content": r["content"],
            "create_time": r["created_at"],
        }
        for r in rows
    ]


def test_sent_messages_are_stored_in_mysql_exactly_as_read(client, database):
    alice, bob = client.register(), client.register()
    for sender, receiver, text in [(alice, bob, " one "), (bob, alice, "二"), (alice, bob, "three")]:
        send(client, sender, receiver, text)
    rows = wait_for(lambda: (r := _rows(database, alice.user_id, bob.user_id)) and len(r) == 3 and r, what="rows")
    assert _as_messages(rows) == chat(client, alice, bob)


def test_replaying_the_message_topic_twice_changes_nothing(client, database, redis_client):
    alice, bob = client.register(), client.register()
    for i in range(4):
        send(client, alice, bob, f"m{i}")
        send(client, bob, alice, f"r{i}")
    wait_for(lambda: len(_rows(database, alice.user_id, bob.user_id)) == 8, what="messages rows")
    records = topic_records(Topics.MESSAGE_EVENTS, lambda e: e.data.get("from_user_id") in {alice.user_id, bob.user_id})
    assert len(records) == 8
    before_rows = _rows(database, alice.user_id, bob.user_id)
    before_chat = chat(client, alice, bob)

    invoke("message_consumer", kafka_event(records))
    invoke("message_consumer", kafka_event(list(reversed(records))))

    assert _rows(database, alice.user_id, bob.user_id) == before_rows
    assert chat(client, alice, bob) == before_chat


def test_chat_history_is_rebuilt_from_mysql_after_redis_loses_it(client, database, redis_client):
    alice, bob = client.register(), client.register()
    for i in range(5):
        send(client, alice if i % 2 else bob, bob if i % 2 else alice, f"line {i}")
    wait_for(lambda: len(_rows(database, alice.user_id, bob.user_id)) == 5, what="messages rows")
    whole = chat(client, alice, bob)
    incoming = chat(client, bob, alice, whole[1]["create_time"])

    assert redis_client.delete(keys.conversation(alice.user_id, bob.user_id)) == 1

    assert chat(client, bob, alice, whole[1]["create_time"]) == incoming
    assert chat(client, alice, bob) == whole
    # Sending after the rebuild continues the same strictly increasing clock.
    send(client, alice, bob, "after")
    latest = chat(client, bob, alice, whole[-1]["create_time"])
    assert [m["content"] for m in latest] == ["after"]
    assert latest[0]["create_time"] > whole[-1]["create_time"]


def test_a_message_persisted_after_its_conversation_was_rebuilt_is_put_back(client, database, redis_client):
    alice, bob = client.register(), client.register()
    send(client, alice, bob, "kept")
    wait_for(lambda: len(_rows(database, alice.user_id)) == 1, what="messages rows")
    record = topic_records(Topics.MESSAGE_EVENTS, lambda e: e.data.get("from_user_id") == alice.user_id)
    # Given the conversation was rebuilt from a MySQL that did not have the message yet.
    key = keys.conversation(alice.user_id, bob.user_id)
    redis_client.delete(key)
    redis_client.zadd(key, {keys.SENTINEL: 0})
    assert chat(client, bob, alice) == []

    invoke("message_consumer", kafka_event(record))

    assert [m["content"] for m in chat(client, bob, alice)] == ["kept"]
