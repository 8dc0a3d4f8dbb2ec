"""events.Event: the JSON envelope carried by Kafka records."""

from __future__ import annotations

import json

import pytest

from gophertok.events import Event


def test_event_to_json_then_from_json_round_trips_every_field():
    event = Event(
        "user.registered",
        {"user_id": 7, "username": "张三", "nested": {"a": [1, None, True]}},
        id="evt-1",
        occurred_at=1_700_000_000_123,
    )

    assert Event.from_json(event.to_json()) == event


def test_event_from_json_accepts_text_as_well_as_bytes():
    raw = Event("t", {"k": "v"}, id="e", occurred_at=5).to_json()

    assert Event.from_json(raw.decode()) == Event.from_json(raw)


def test_event_to_json_is_compact_utf8_envelope():
    raw = Event("t", {"name": "张三"}, id="e", occurred_at=5).to_json()

    assert isinstance(raw, bytes)
    assert "张三".encode() in raw
    assert json.loads(raw) == {"id": "e", "type": "t", "occurred_at": 5, "data": {"name": "张三"}}


def test_event_defaults_give_unique_id_and_current_millisecond_time():
    first, second = Event("t", {}), Event("t", {})

    assert first.id != second.id
    assert first.occurred_at > 1_600_000_000_000  # milliseconds, not seconds


def test_event_from_json_missing_occurred_at_defaults_to_zero():
    assert Event.from_json(b'{"id":"e","type":"t","data":{}}').occurred_at == 0


@pytest.mark.parametrize(
    "raw",
    [
        b"not json",
        b"",
        b"\xff\xfe\x00",
        b"[]",
        b'"a string"',
        b"42",
        b"null",
        b'{"id":"e","type":"t"}',
        b'{"id":"e","type":"t","data":[]}',
        b'{"id":"e","type":"t","data":"x"}',
        b'{"type":"t","data":{}}',
        b'{"id":"e","data":{}}',
        b'{"id":1,"type":"t","data":{}}',
        b'{"id":"e","type":["t"],"data":{}}',
        b'{"id":"e","type":"t","data":{},"occurred_at":"soon"}',
    ],
    ids=[
        "not-json",
        "empty",
        "bad-utf8",
        "array",
        "string",
        "number",
        "null",
        "no-data",
        "data-list",
        "data-str",
        "no-id",
        "no-type",
        "id-number",
        "type-list",
        "occurred-at-text",
    ],
)
def test_event_from_json_non_envelope_raises_value_error(raw):
    with pytest.raises(ValueError):
        Event.from_json(raw)


@pytest.mark.parametrize("occurred_at", ["[1]", '{"ms":1}'], ids=["list", "object"])
def test_event_from_json_non_numeric_occurred_at_raises_value_error(occurred_at):
    raw = ('{"id":"e","type":"t","data":{},"occurred_at":' + occurred_at + "}").encode()

    with pytest.raises(ValueError):
        Event.from_json(raw)
