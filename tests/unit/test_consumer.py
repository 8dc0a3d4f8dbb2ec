"""consumer: decoding Lambda Kafka events and the batch handler wrapper."""

from __future__ import annotations

import json

import pytest

from gophertok import dead_letters
from gophertok.consumer import KafkaRecord, kafka_consumer, kafka_records
from gophertok.errors import Unavailable
from gophertok.events import Event
from gophertok_local.events import kafka_event, kafka_record

TOPIC = "gophertok.user.registered"


def envelope(n: int) -> bytes:
    return Event("user.registered", {"user_id": n}, id=f"evt-{n}", occurred_at=1_700_000_000_000 + n).to_json()


def positions(records: list[KafkaRecord]) -> list[tuple[int, int]]:
    return [(record.partition, record.offset) for record in records]


# --- kafka_records ---------------------------------------------------------------------------------------------


def test_kafka_records_decodes_base64_key_value_headers_and_metadata():
    value = bytes(range(256))
    event = kafka_event(
        [
            kafka_record(
                TOPIC,
                3,
                41,
                value,
                key=b"user:7",
                headers=[("trace", b"Root=1-abc"), ("bin", b"\x00\xff")],
                timestamp_ms=1_700_000_000_999,
            )
        ]
    )

    [record] = kafka_records(event)

    assert record == KafkaRecord(
        topic=TOPIC,
        partition=3,
        offset=41,
        timestamp=1_700_000_000_999,
        key=b"user:7",
        value=value,
        headers={"trace": b"Root=1-abc", "bin": b"\x00\xff"},
    )
    assert record.position == f"{TOPIC}-3@41"


def test_kafka_records_without_key_gives_none_key_and_no_headers():
    [record] = kafka_records(kafka_event([kafka_record(TOPIC, 0, 0, b"v")]))

    assert record.key is None
    assert record.headers == {}


def test_kafka_records_empty_event_gives_no_records():
    assert kafka_records({"eventSource": "SelfManagedKafka", "records": {}}) == []
    assert kafka_records({}) == []


def test_kafka_records_orders_by_partition_then_offset():
    event = kafka_event(
        [
            kafka_record(TOPIC, 2, 0, b"c"),
            kafka_record(TOPIC, 0, 5, b"a"),
            kafka_record(TOPIC, 0, 6, b"b"),
            kafka_record(TOPIC, 1, 9, b"x"),
        ]
    )

    assert positions(kafka_records(event)) == [(0, 5), (0, 6), (1, 9), (2, 0)]


def test_kafka_records_orders_partitions_numerically():
    event = kafka_event([kafka_record(TOPIC, 10, 0, b"ten"), kafka_record(TOPIC, 2, 0, b"two")])

    assert positions(kafka_records(event)) == [(2, 0), (10, 0)]


def test_kafka_records_orders_offsets_within_a_partition():
    event = kafka_event([kafka_record(TOPIC, 0, 8, b"later"), kafka_record(TOPIC, 0, 7, b"earlier")])

    assert positions(kafka_records(event)) == [(0, 7), (0, 8)]


def test_kafka_record_event_decodes_envelope():
    [record] = kafka_records(kafka_event([kafka_record(TOPIC, 0, 0, envelope(7))]))

    assert record.event() == Event("user.registered", {"user_id": 7}, id="evt-7", occurred_at=1_700_000_000_007)


# --- kafka_consumer ------------------------------------------------------------------------------------------------


@pytest.fixture
def parked(monkeypatch) -> list[tuple[str, list]]:
    """What the consumer hands to dead_letters.park (the broker side is tested in tests/integration)."""
    calls: list[tuple[str, list]] = []
    monkeypatch.setattr(dead_letters, "park", lambda function, failures: calls.append((function, list(failures))))
    return calls


@pytest.fixture
def consumer_environment(process_settings, json_logging, parked):
    """Clean settings and a JSON log handler installed inside the test (so capsys sees it)."""


def test_kafka_consumer_passes_decoded_events_in_order(consumer_environment, lambda_context, parked):
    batches: list[list[Event]] = []
    handler = kafka_consumer(batches.append)
    event = kafka_event([kafka_record(TOPIC, 0, offset, envelope(offset)) for offset in range(3)])

    result = handler(event, lambda_context)

    assert result == {"processed": 3, "parked": 0}
    assert [[e.id for e in batch] for batch in batches] == [["evt-0", "evt-1", "evt-2"]]
    assert batches[0][1].data == {"user_id": 1}
    assert parked == []


def test_kafka_consumer_empty_event_handles_nothing(consumer_environment, parked):
    batches: list[list[Event]] = []

    result = kafka_consumer(batches.append)(kafka_event([]), None)

    assert result == {"processed": 0, "parked": 0}
    assert batches == [] and parked == []


@pytest.mark.parametrize(
    "value",
    [b"not json at all", b'{"hello": "world"}', b"[1,2,3]", b'{"id":"e","type":"t","data":"not-a-dict"}', b""],
    ids=["not-json", "json-object-not-envelope", "json-array", "data-not-object", "empty"],
)
def test_kafka_consumer_parks_an_undecodable_value_and_handles_the_rest(
    consumer_environment, lambda_context, parked, value
):
    batches: list[list[Event]] = []
    handler = kafka_consumer(batches.append)
    event = kafka_event([kafka_record(TOPIC, 0, 0, envelope(0)), kafka_record(TOPIC, 0, 1, value, key=b"k1")])

    result = handler(event, lambda_context)

    assert result == {"processed": 2, "parked": 1}
    assert [[e.id for e in batch] for batch in batches] == [["evt-0"]]
    [(function, [(record, error)])] = parked
    assert function == lambda_context.function_name
    assert (record.offset, record.key, record.value) == (1, b"k1", value)
    assert isinstance(error, ValueError)


def test_kafka_consumer_isolates_a_record_whose_handling_fails_on_its_content(consumer_environment, parked):
    applied: list[str] = []

    def persist(events: list[Event]) -> None:
        if any(event.data["user_id"] == 2 for event in events):
            raise KeyError("user_id 2 is not valid")
        applied.extend(event.id for event in events)

    result = kafka_consumer(persist)(kafka_event([kafka_record(TOPIC, 0, n, envelope(n)) for n in range(4)]), None)

    assert result == {"processed": 4, "parked": 1}
    assert applied == ["evt-0", "evt-1", "evt-3"]
    [(_, [(record, error)])] = parked
    assert record.offset == 2 and isinstance(error, KeyError)


def test_kafka_consumer_position_of_a_parked_record_is_logged(consumer_environment, lambda_context, capsys):
    handler = kafka_consumer(lambda events: None)

    handler(kafka_event([kafka_record(TOPIC, 4, 17, b"garbage")]), lambda_context)

    entries = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    summary = [entry for entry in entries if entry["message"] == "batch handled"]
    assert summary and summary[0]["parked"] == 1
    assert summary[0]["request_id"] == lambda_context.aws_request_id
    assert summary[0]["function"] == lambda_context.function_name


@pytest.mark.parametrize(
    "error",
    [Unavailable("database down"), ConnectionError("reset"), RuntimeError("wrapped")],
    ids=["unavailable", "connection-error", "caused-by-unavailable"],
)
def test_kafka_consumer_raises_a_transient_failure_for_a_retry_and_parks_nothing(consumer_environment, parked, error):
    if isinstance(error, RuntimeError):
        error.__cause__ = Unavailable("redis down")

    def failing(events: list[Event]) -> None:
        raise error

    with pytest.raises(type(error)):
        kafka_consumer(failing)(kafka_event([kafka_record(TOPIC, 0, 0, envelope(1)), kafka_record(TOPIC, 0, 1, b"x")]))

    assert parked == []


def test_kafka_consumer_raises_when_a_transient_failure_comes_while_isolating(consumer_environment, parked):
    calls = []

    def flaky(events: list[Event]) -> None:
        calls.append(len(events))
        if len(calls) == 1:
            raise ValueError("bad record somewhere")
        raise Unavailable("database went away")

    with pytest.raises(Unavailable):
        kafka_consumer(flaky)(kafka_event([kafka_record(TOPIC, 0, n, envelope(n)) for n in range(3)]), None)

    assert calls == [3, 1] and parked == []


def test_kafka_consumer_logs_batch_summary_as_json(consumer_environment, lambda_context, capsys):
    kafka_consumer(lambda events: None)(kafka_event([kafka_record(TOPIC, 0, 0, envelope(1))]), lambda_context)

    entries = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    summary = [entry for entry in entries if entry["message"] == "batch handled"]
    assert summary and summary[0]["records"] == 1 and summary[0]["topics"] == [TOPIC]
    for entry in entries:
        assert {"timestamp", "level", "message", "function", "request_id"} <= entry.keys()
