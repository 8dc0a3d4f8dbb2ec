"""Kafka producer (kafka-python), created on first use and reused across invocations.

``publish`` waits for the broker's acknowledgement so a request only succeeds once its event is
durable; the trace header travels in the record headers so consumers join the same trace. The producer
sends at once (``linger_ms=0``): a request sends one record and waits for it, so lingering only adds latency.

kafka-python is imported on first use, not with this module: the functions that only read (the feed, the
lists) never publish and so never pay for importing it at cold start.

A producer that failed (closed, failed fatally, or timing out) is dropped and rebuilt, so requests succeed again
as soon as the broker is back, without restarting the process.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from gophertok import tracing
from gophertok.config import Settings, get_settings
from gophertok.errors import Unavailable
from gophertok.events import Event

if TYPE_CHECKING:
    from kafka import KafkaAdminClient, KafkaProducer

_producer: KafkaProducer | None = None
_lock = threading.Lock()
RawRecord = tuple[bytes | None, bytes, list[tuple[str, bytes]]]  # key, value, headers


def client_options(settings: Settings) -> dict[str, Any]:
    """Connection options every client of ours (producer, consumer, admin) passes to kafka-python.

    KAFKA_SASL_MECHANISM picks the authentication: SCRAM-SHA-512/256 with the ``username``/``password`` of the
    KAFKA_SECRET_ID secret (MSK SCRAM or a self-managed cluster), or AWS_MSK_IAM, which signs with the
    function's own role through botocore (kafka-python's built-in mechanism; SASL_SSL is then required).
    """
    options: dict[str, Any] = {
        "bootstrap_servers": settings.kafka_servers,
        "security_protocol": settings.kafka_security_protocol,
    }
    mechanism = settings.kafka_sasl_mechanism
    if mechanism.startswith("SCRAM-"):
        from gophertok.adapters.secrets import secret_fields

        fields = secret_fields(settings.kafka_secret_id)
        options |= {
            "sasl_mechanism": mechanism,
            "sasl_plain_username": fields.get("username", ""),
            "sasl_plain_password": fields.get("password", ""),
        }
    elif mechanism == "AWS_MSK_IAM":
        options["sasl_mechanism"] = "AWS_MSK_IAM"
    return options


def make_producer(settings: Settings) -> KafkaProducer:
    from kafka import KafkaProducer

    timeout_ms = int(settings.kafka_timeout * 1000)
    return KafkaProducer(
        **client_options(settings),
        acks="all",
        # At least once, not idempotent: a broker may count a batch's sequence numbers before the batch is stored
        # (tansu does), and a kill in between makes the retried batch a "duplicate" that kafka-python takes for
        # written: acknowledged, yet lost. A retried batch is stored again instead; the consumers are idempotent.
        enable_idempotence=False,
        max_in_flight_requests_per_connection=1,  # so a retried batch cannot land after a later one
        retries=3,
        linger_ms=0,
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
    from kafka.errors import KafkaError

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
    return [("event_type", event.type.encode()), ("event_id", event.id.encode())]


def _traced(batch: list[RawRecord]) -> list[RawRecord]:
    """The records with the current trace header (taken inside the Kafka subsegment, so the consumer's segment
    hangs under it); a record that already carries one, a replayed dead letter, keeps its own."""
    trace = tracing.current_trace_header()
    if not trace:
        return batch
    header = (tracing.HEADER, trace.encode())
    return [
        (key, value, headers if any(name == tracing.HEADER for name, _ in headers) else [*headers, header])
        for key, value, headers in batch
    ]


def publish(topic: str, events: Iterable[tuple[str, Event]]) -> int:
    """Send (key, event) pairs to ``topic`` and wait until all are acknowledged."""
    return publish_records(topic, [(key.encode(), event.to_json(), _headers(event)) for key, event in events])


def publish_one(topic: str, key: str, event: Event) -> None:
    publish(topic, [(key, event)])


def publish_records(topic: str, records: Iterable[RawRecord]) -> int:
    """Send records as they are (dead letters keep their original bytes) and wait until all are acknowledged.

    Unavailable when the broker does not acknowledge them."""
    from kafka.errors import KafkaError

    batch = list(records)
    if not batch:
        return 0
    with tracing.subsegment("kafka", topic=topic, records=len(batch)):
        try:
            _send_with_fresh_producer_once(topic, _traced(batch))
        except KafkaError as exc:
            raise Unavailable("the event broker is unavailable, please retry") from exc
    return len(batch)


def _send_with_fresh_producer_once(topic: str, batch: list[RawRecord]) -> None:
    """Send with the shared producer. Any failure but a record too large drops it, since kafka-python can leave
    a producer stuck (fatally failed, or timing out forever after a broker restart that forgot its producer id),
    and the next request builds a new one. A failure that was not a timeout is retried at once with a new
    producer; the records may then be sent twice, which the consumers absorb (events carry ids and versions)."""
    from kafka.errors import KafkaError, KafkaTimeoutError, MessageSizeTooLargeError

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


def _send_all(producer: KafkaProducer, topic: str, batch: list[RawRecord]) -> None:
    timeout = get_settings().kafka_timeout
    futures = [producer.send(topic, key=key, value=value, headers=headers) for key, value, headers in batch]
    for future in futures:
        future.get(timeout=timeout)


def drain(topic: str, group: str, handle: Callable[[list[RawRecord]], None], limit: int, timeout: float = 60) -> int:
    """Read what ``topic`` holds now, from consumer group ``group``'s committed offsets on (earliest without),
    ``limit`` records at most; ``handle`` gets each polled batch, whose offsets are committed once it returned."""
    from kafka import KafkaConsumer
    from kafka.errors import KafkaError
    from kafka.structs import OffsetAndMetadata, TopicPartition

    settings = get_settings()
    try:
        consumer = KafkaConsumer(
            **client_options(settings),
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


TOPIC_ALREADY_EXISTS = 36


def ensure_topics(names: list[str], partitions: int, replication_factor: int, timeout_ms: int = 10_000) -> list[str]:
    """Create the topics in ``names`` that do not exist yet; returns the names created (idempotent).

    RuntimeError when a topic cannot be created or exists with another partition count (e.g. auto-created with
    the broker's default by a client that came first): keys would then map to other partitions than expected.
    """
    from kafka import KafkaAdminClient
    from kafka.errors import KafkaError

    settings = get_settings()
    try:
        admin = KafkaAdminClient(
            **client_options(settings),
            client_id="gophertok-topics",
            request_timeout_ms=timeout_ms,
            bootstrap_timeout_ms=timeout_ms,
        )
    except KafkaError as exc:
        raise Unavailable("the event broker is unavailable, please retry") from exc
    try:
        existing = set(admin.list_topics())
        missing = [name for name in names if name not in existing]
        if missing:
            spec = {name: {"num_partitions": partitions, "replication_factor": replication_factor} for name in missing}
            _raise_for_failed(admin.create_topics(spec, timeout_ms=timeout_ms, raise_errors=False))
        mismatches = partition_mismatches(admin, names, partitions)
    except KafkaError as exc:
        raise Unavailable("the event broker is unavailable, please retry") from exc
    finally:
        admin.close()
    if mismatches:
        raise RuntimeError(
            "partition counts differ from KAFKA_PARTITIONS (a client created them first?): "
            + "; ".join(mismatches)
            + ". Delete those topics (or `make clean-state`) and run `make up` again."
        )
    return missing


def _raise_for_failed(result: dict[str, Any]) -> None:
    failed = [
        f"{topic['name']} (error {topic['error_code']}: {topic.get('error_message') or ''})"
        for topic in result["topics"]
        if topic["error_code"] not in (0, TOPIC_ALREADY_EXISTS)
    ]
    if failed:
        raise RuntimeError("could not create " + ", ".join(failed))


def partition_mismatches(admin: KafkaAdminClient, names: list[str], partitions: int) -> list[str]:
    """One line per topic of ``names`` whose partition count is not ``partitions``."""
    return [
        f"{topic['name']} has {len(topic['partitions'])} partitions, expected {partitions}"
        for topic in admin.describe_topics(names)
        if len(topic["partitions"]) != partitions
    ]


def broker_answers(timeout_ms: int) -> bool:
    """True when the broker answers a metadata request within ``timeout_ms``."""
    from kafka import KafkaAdminClient
    from kafka.errors import KafkaError

    try:
        admin = KafkaAdminClient(
            **client_options(get_settings()), request_timeout_ms=timeout_ms, bootstrap_timeout_ms=timeout_ms
        )
        try:
            admin.list_topics()
        finally:
            admin.close()
    except (KafkaError, OSError):
        return False
    return True
