"""Kafka producer (kafka-python), created on first use and reused across invocations.

``publish`` waits for the broker's acknowledgement so a request only succeeds once its event is
durable; the trace header travels in the record headers so consumers join the same trace.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

from kafka import KafkaProducer
from kafka.errors import KafkaError

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
