"""Kafka producer (kafka-python), created on first use and reused across invocations.

``publish`` waits for the broker's acknowledgement so a request only succeeds once its event is
durable; the trace header travels in the record headers so consumers join the same trace.

A producer that failed (closed, failed fatally, e.g. an idempotent producer whose producer id a restarted broker
refused: "InitProducerIdResponse: UnknownError", or timing out) is dropped and rebuilt, so requests succeed again
as soon as the broker is back, without restarting the process.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterable

from kafka import KafkaProducer
from kafka.errors import KafkaError, KafkaTimeoutError, MessageSizeTooLargeError

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


def is_broken(producer: KafkaProducer) -> bool:
    """True when ``producer`` will fail every send from now on (it was closed, or its idempotence state hit a
    fatal error, which kafka-python never leaves)."""
    if getattr(producer, "_closed", False):
        return True
    transactions = getattr(producer, "_transaction_manager", None)
    return bool(transactions is not None and transactions.has_error())


def discard_producer(producer: KafkaProducer) -> None:
    """Forget ``producer`` if it is still the shared one, and close it without waiting for its buffers."""
    global _producer
    with _lock:
        if _producer is producer:
            _producer = None
    with contextlib.suppress(Exception):  # a broken producer may fail to close; nothing uses it any more
        producer.close(timeout=0)


def get_producer() -> KafkaProducer:
    global _producer
    with _lock:
        if _producer is not None and is_broken(_producer):
            _producer = None
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
    with tracing.subsegment("kafka", topic=topic, records=len(batch)):
        try:
            _send_with_fresh_producer_once(topic, batch)
        except KafkaError as exc:
            raise Unavailable("the event broker is unavailable, please retry") from exc
    return len(batch)


def _send_with_fresh_producer_once(topic: str, batch: list[tuple[str, Event]]) -> None:
    """Send with the shared producer. Any failure but a record too large drops it, since kafka-python can leave
    a producer stuck (fatally failed, or timing out forever after a broker restart that forgot its producer id),
    and the next request builds a new one. A failure that was not a timeout is retried at once with a new
    producer; the records may then be sent twice, which the consumers absorb (events carry ids and versions)."""
    producer = get_producer()
    try:
        _send_all(producer, topic, batch)
        return
    except MessageSizeTooLargeError:
        raise  # the record's own fault: the producer is fine and a new one would fail the same way
    except KafkaError as exc:
        discard_producer(producer)
        if isinstance(exc, KafkaTimeoutError):
            raise
    producer = get_producer()
    try:
        _send_all(producer, topic, batch)
    except KafkaError:
        discard_producer(producer)
        raise


def _send_all(producer: KafkaProducer, topic: str, batch: list[tuple[str, Event]]) -> None:
    timeout = get_settings().kafka_timeout
    futures = [
        producer.send(topic, key=key.encode(), value=event.to_json(), headers=_headers(event)) for key, event in batch
    ]
    for future in futures:
        future.get(timeout=timeout)


def publish_one(topic: str, key: str, event: Event) -> None:
    publish(topic, [(key, event)])
