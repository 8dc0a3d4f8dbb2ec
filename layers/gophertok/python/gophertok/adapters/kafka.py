"""Kafka producer (kafka-python), created on first use and reused across invocations.

``publish`` waits for the broker's acknowledgement so a request only succeeds once its event is
durable; the trace header travels in the record headers so consumers join the same trace.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable

from kafka import KafkaConsumer, KafkaProducer
from kafka.errors import KafkaError
from kafka.structs import OffsetAndMetadata, TopicPartition

from gophertok import tracing
from gophertok.config import Settings, get_settings
from gophertok.errors import Unavailable
from gophertok.events import Event

_producer: KafkaProducer | None = None
_lock = threading.Lock()


def make_producer(settings: Settings) -> KafkaProducer:
    timeout_ms = int(settings.kafka_timeout * 1000)
    return KafkaProducer(
        bootstrap_servers=settings.kafka_servers,
        security_protocol=settings.kafka_security_protocol,
        acks="all",
        retries=3,
        linger_ms=2,
        request_timeout_ms=timeout_ms,
        max_block_ms=timeout_ms,
        bootstrap_timeout_ms=timeout_ms,  # otherwise an unreachable broker blocks ~30 s per request
    )


def get_producer() -> KafkaProducer:
    global _producer
    with _lock:
        if _producer is None:
            try:
                _producer = make_producer(get_settings())
            except KafkaError as exc:
                raise Unavailable("the event broker is unavailable, please retry") from exc
        return _producer


def _headers(event: Event) -> list[tuple[str, bytes]]:
    headers = [("event_type", event.type.encode()), ("event_id", event.id.encode())]
    trace = tracing.current_trace_header()
    if trace:
        headers.append((tracing.HEADER, trace.encode()))
    return headers


def publish(topic: str, events: Iterable[tuple[str, Event]]) -> int:
    """Send (key, event) pairs to ``topic`` and wait until all are acknowledged."""
    batch = list(events)
    if not batch:
        return 0
    producer = get_producer()
    timeout = get_settings().kafka_timeout
    with tracing.subsegment("kafka", topic=topic, records=len(batch)):
        try:
            futures = [
                producer.send(topic, key=key.encode(), value=event.to_json(), headers=_headers(event))
                for key, event in batch
            ]
            for future in futures:
                future.get(timeout=timeout)
        except KafkaError as exc:
            raise Unavailable("the event broker is unavailable, please retry") from exc
    return len(batch)


def publish_one(topic: str, key: str, event: Event) -> None:
    publish(topic, [(key, event)])


RawRecord = tuple[bytes | None, bytes, list[tuple[str, bytes]]]  # key, value, headers


def publish_records(topic: str, records: Iterable[RawRecord]) -> int:
    """Send records as they are (dead letters keep their original bytes) and wait until all are acknowledged."""
    batch = list(records)
    if not batch:
        return 0
    producer = get_producer()
    timeout = get_settings().kafka_timeout
    with tracing.subsegment("kafka", topic=topic, records=len(batch)):
        try:
            futures = [producer.send(topic, key=key, value=value, headers=headers) for key, value, headers in batch]
            for future in futures:
                future.get(timeout=timeout)
        except KafkaError as exc:
            raise Unavailable("the event broker is unavailable, please retry") from exc
    return len(batch)


def drain(topic: str, group: str, handle: Callable[[list[RawRecord]], None], limit: int, timeout: float = 60) -> int:
    """Read what ``topic`` holds now, from consumer group ``group``'s committed offsets on (earliest without),
    ``limit`` records at most; ``handle`` gets each polled batch, whose offsets are committed once it returned."""
    settings = get_settings()
    try:
        consumer = KafkaConsumer(
            bootstrap_servers=settings.kafka_servers,
            security_protocol=settings.kafka_security_protocol,
            group_id=group,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
        )
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
    except KafkaError as exc:
        raise Unavailable("the event broker is unavailable, please retry") from exc
    done, deadline = 0, time.monotonic() + timeout
    try:
        if not partitions:
            return 0
        ends = consumer.end_offsets(partitions)
        consumer.assign(partitions)
        while done < limit and any(consumer.position(p) < ends[p] for p in partitions):
            if time.monotonic() > deadline:
                raise Unavailable(f"could not read {topic} within {timeout:.0f} s")
            polled = consumer.poll(timeout_ms=1000, max_records=min(limit - done, 500))
            records = [
                r for batch in polled.values() for r in batch if r.offset < ends[TopicPartition(r.topic, r.partition)]
            ]
            if not records:
                continue
            handle([(r.key, r.value or b"", list(r.headers or [])) for r in records])
            offsets: dict[TopicPartition, OffsetAndMetadata] = {}
            for record in records:
                offsets[TopicPartition(record.topic, record.partition)] = OffsetAndMetadata(record.offset + 1, "", -1)
            consumer.commit(offsets)
            done += len(records)
    finally:
        consumer.close(autocommit=False)
    return done
