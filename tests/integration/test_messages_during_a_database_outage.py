"""A message is write-behind: sending one needs Redis and Kafka, not MySQL, even when its conversation is not in Redis
(never opened, or evicted). The conversation is then opened with its floor at now; the history below stays in MySQL
and reads join it once MySQL answers. (The fault runs refused first messages with 50300 while MariaDB was down.)"""

from __future__ import annotations

import dataclasses

import pytest

from gophertok import keys
from gophertok.adapters import mysql
from gophertok.config import get_settings
from support.polling import wait_for
from support.social import invoke_http, register_in_process

pytestmark = pytest.mark.integration


def send(sender, receiver, content: str) -> None:
    invoke_http(
        "message_action", "POST", "/douyin/message/action/", token=sender.token, to_user_id=receiver.user_id,
        action_type=1, content=content,
    )  # fmt: skip


def chat(viewer, other) -> list[str]:
    body = invoke_http("message_chat", "GET", "/douyin/message/chat/", token=viewer.token, to_user_id=other.user_id)
    return [message["content"] for message in body["message_list"]]


def stored(database, sender) -> list[str]:
    rows = database.query("SELECT content FROM messages WHERE from_user_id = %s ORDER BY id", (sender.user_id,))
    return [row["content"] for row in rows]


@pytest.fixture
def mysql_down(monkeypatch):
    """The application's database is an address where nothing answers (a real client, not a mock)."""

    def down() -> None:
        unreachable = dataclasses.replace(get_settings(), mysql_port=1, mysql_connect_timeout=1)
        monkeypatch.setattr(mysql, "_database", mysql.Database(unreachable))

    yield down
    monkeypatch.undo()


def test_a_first_message_is_sent_while_mysql_is_down(api_url, database, redis_client, mysql_down):
    # (api_url: the consumers run beside the API; sends go through the handler in this process, whose MySQL is down)
    alice, bob = register_in_process(), register_in_process()
    chat(alice, bob)  # bob's profile is cached: the send checks he exists
    redis_client.delete(keys.conversation(alice.user_id, bob.user_id))

    mysql_down()
    send(alice, bob, "sent during the outage")

    wait_for(lambda: stored(database, alice) == ["sent during the outage"], timeout=30, what="the message in MySQL")


def test_after_the_outage_a_reopened_conversation_shows_its_history_and_the_new_message(
    api_url, database, redis_client, mysql_down, monkeypatch
):
    alice, bob = register_in_process(), register_in_process()
    send(alice, bob, "before")
    wait_for(lambda: stored(database, alice) == ["before"], timeout=30, what="the first message in MySQL")
    redis_client.delete(keys.conversation(alice.user_id, bob.user_id))  # evicted

    mysql_down()
    send(bob, alice, "during")
    monkeypatch.undo()  # MySQL answers again

    assert chat(alice, bob) == ["before", "during"]
