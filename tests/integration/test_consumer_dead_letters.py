"""A Kafka consumer on AWS loses nothing: through the real favorite_consumer handler, the real broker and MySQL,
a poison record in a batch of good ones is parked with its payload in ``<topic>.dlq`` while the good ones are
persisted; a database outage makes the handler raise (the event source retries) and parks nothing; parked
records are replayed to their topic once."""

from __future__ import annotations

import dataclasses
import time
from typing import Any

import pytest
from kafka import KafkaConsumer, TopicPartition

from gophertok import dead_letters
from gophertok.adapters import mysql
from gophertok.config import get_settings
from gophertok.errors import Unavailable
from gophertok.events import Event
from gophertok.services.favorites import FAVORITE_CHANGED
from gophertok_local.events import kafka_event, kafka_record
from gophertok_local.functions import invoke
from support.interactions import favorite_rows, make_video
from support.kafka_topics import create_test_topic, servers

pytestmark = pytest.mark.integration

# Ids no registered account can have (accounts count up from 1): the rows these tests write stay theirs.
NOBODY = 1 << 50


def change(user_id: int, video_id: int, version: int, **overrides) -> Event:
    data = {"user_id": user_id, "video_id": video_id, "liked": True, "at": version // 1000, "version": version}
    return Event(FAVORITE_CHANGED, {**data, **overrides})


def read_all(topic: str, expected: int, timeout: float = 20.0) -> list:
    """Every record of single-partition ``topic``, polled until ``expected`` arrived or the deadline."""
    consumer = KafkaConsumer(bootstrap_servers=servers(), enable_auto_commit=False)
    partition = TopicPartition(topic, 0)
    consumer.assign([partition])
    consumer.seek_to_beginning(partition)
    found: list[Any] = []
    deadline = time.monotonic() + timeout
    try:
        while len(found) < expected and time.monotonic() < deadline:
            found += consumer.poll(timeout_ms=500).get(partition, [])
        if len(found) >= expected:  # one more short poll, to see records that should not be there
            found += consumer.poll(timeout_ms=300).get(partition, [])
    finally:
        consumer.close(autocommit=False)
    return found


@pytest.fixture
def topic(stack_env) -> str:
    return create_test_topic("parking")


def test_a_poison_record_is_parked_with_its_payload_and_the_good_ones_reach_mysql(database, topic):
    video_id = make_video(database, author_id=NOBODY)
    version = int(time.time() * 1000)
    good = [change(NOBODY + n, video_id, version + n) for n in (1, 2, 3)]
    invalid = change(NOBODY + 4, video_id, version, liked=None)
    del invalid.data["liked"]  # a KeyError in the handler: the record's content, not the database
    undecodable = b"\xffnot an event"
    values = [good[0].to_json(), invalid.to_json(), good[1].to_json(), undecodable, good[2].to_json()]
    records = [
        kafka_record(topic, 0, 500 + i, value, f"key-{i}".encode(), [("event_type", b"favorite.changed")])
        for i, value in enumerate(values)
    ]

    result = invoke("favorite_consumer", kafka_event(records))

    assert result == {"processed": 5, "parked": 2}
    assert sorted(row[0] for row in favorite_rows(database, [video_id])) == [NOBODY + 1, NOBODY + 2, NOBODY + 3]
    parked = read_all(dead_letters.dead_letter_topic(topic), expected=2)
    assert [(r.key, r.value) for r in parked] == [(b"key-1", invalid.to_json()), (b"key-3", undecodable)]
    headers = dict(parked[0].headers)
    assert headers["event_type"] == b"favorite.changed"
    assert headers[dead_letters.SOURCE_HEADER] == f"{topic}-0@501".encode()
    assert headers[dead_letters.FUNCTION_HEADER] == b"favorite_consumer"
    assert b"KeyError" in headers[dead_letters.ERROR_HEADER]
    assert b"DecodeError" in dict(parked[1].headers)[dead_letters.ERROR_HEADER]  # not UTF-8, so not JSON


def test_a_database_outage_raises_for_a_retry_and_parks_nothing(database, topic, monkeypatch):
    video_id = make_video(database, author_id=NOBODY)
    unreachable = dataclasses.replace(get_settings(), mysql_port=1, mysql_connect_timeout=1)
    monkeypatch.setattr(mysql, "_database", mysql.Database(unreachable))
    records = [
        kafka_record(topic, 0, 7, change(NOBODY + 5, video_id, 5).to_json(), b"k"),
        kafka_record(topic, 0, 8, b"{"),
    ]

    with pytest.raises(Unavailable):
        invoke("favorite_consumer", kafka_event(records))

    assert read_all(dead_letters.dead_letter_topic(topic), expected=1, timeout=3) == []
    assert favorite_rows(database, [video_id]) == []


def test_parked_records_are_replayed_to_their_topic_once(database, topic):
    video_id = make_video(database, author_id=NOBODY)
    poison = change(NOBODY + 6, video_id, 9, liked=None)
    del poison.data["liked"]
    invoke("favorite_consumer", kafka_event([kafka_record(topic, 0, 0, poison.to_json(), b"k-301")]))
    assert len(read_all(dead_letters.dead_letter_topic(topic), expected=1)) == 1

    assert dead_letters.replay(topic) == 1
    assert dead_letters.replay(topic) == 0  # what was replayed is committed

    [replayed] = read_all(topic, expected=1)
    assert (replayed.key, replayed.value) == (b"k-301", poison.to_json())
    assert not {name for name, _ in replayed.headers} & set(dead_letters.PARKING_HEADERS)
