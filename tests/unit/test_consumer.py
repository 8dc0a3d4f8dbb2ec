"""consumer: decoding Lambda Kafka events and the batch handler wrapper."""

from __future__ import annotations

import json

import pytest

from gophertok.consumer import KafkaRecord, kafka_consumer, kafka_records
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
def consumer_environment(process_settings, json_logging):
    """Clean settings and a JSON log handler installed inside the test (so capsys sees it)."""


def test_kafka_consumer_passes_decoded_events_in_order(consumer_environment, lambda_context):
    batches: list[list[Event]] = []
    handler = kafka_consumer(batches.append)
    event = kafka_event([kafka_record(TOPIC, 0, offset, envelope(offset)) for offset in range(3)])

    result = handler(event, lambda_context)

    assert result == {"processed": 3}
    assert [[e.id for e in batch] for batch in batches] == [["evt-0", "evt-1", "evt-2"]]
    assert batches[0][1].data == {"user_id": 1}


def test_kafka_consumer_empty_event_calls_handler_with_empty_batch(consumer_environment):
    batches: list[list[Event]] = []

    result = kafka_consumer(batches.append)(kafka_event([]), None)

    assert result == {"processed": 0}
    assert batches == [[]]


@pytest.mark.parametrize(
    "value",
    [b"not json at all", b'{"hello": "world"}', b"[1,2,3]", b'{"id":"e","type":"t","data":"not-a-dict"}', b""],
    ids=["not-json", "json-object-not-envelope", "json-array", "data-not-object", "empty"],
)
def test_kafka_consumer_undecodable_value_raises_and_skips_handler(consumer_environment, lambda_context, value):
    batches: list[list[Event]] = []
    handler = kafka_consumer(batches.append)
    event = kafka_event([kafka_record(TOPIC, 0, 0, envelope(0)), kafka_record(TOPIC, 0, 1, value)])

    with pytest.raises(ValueError):
        handler(event, lambda_context)

    assert batches == []


def test_kafka_consumer_undecodable_value_logs_its_position(consumer_environment, lambda_context, capsys):
    handler = kafka_consumer(lambda events: None)

    with pytest.raises(ValueError):
        handler(kafka_event([kafka_record(TOPIC, 4, 17, b"garbage")]), lambda_context)

    entries = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    errors = [entry for entry in entries if entry["level"] == "ERROR"]
    assert errors and errors[0]["position"] == f"{TOPIC}-4@17"
    assert errors[0]["request_id"] == lambda_context.aws_request_id
    assert errors[0]["function"] == lambda_context.function_name


def test_kafka_consumer_handler_failure_propagates_for_retry(consumer_environment):
    def failing(events: list[Event]) -> None:
        raise RuntimeError("database down")

    with pytest.raises(RuntimeError, match="database down"):
        kafka_consumer(failing)(kafka_event([kafka_record(TOPIC, 0, 0, envelope(1))]), None)


def test_kafka_consumer_logs_batch_summary_as_json(consumer_environment, lambda_context, capsys):
    kafka_consumer(lambda events: None)(kafka_event([kafka_record(TOPIC, 0, 0, envelope(1))]), lambda_context)

    entries = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    summary = [entry for entry in entries if entry["message"] == "batch handled"]
    assert summary and summary[0]["records"] == 1 and summary[0]["topics"] == [TOPIC]
    for entry in entries:
        assert {"timestamp", "level", "message", "function", "request_id"} <= entry.keys()
